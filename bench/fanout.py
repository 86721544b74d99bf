"""The fan-out benchmark (issue 4, item 4): our live channel beside a bare broadcast.

``python -m bench.fanout [--clients 100,1000,5000] [--commands 200] [--interval 0.2] [--quick]``

``--processes K`` measures scale-out instead (issue 17, ``bench/scaleout.py``):
K processes on PostgreSQL and Redis beside one, at N = 1000 by default.

For each N, and for each server (``floorkeeper serve``; ``bench/bare.py``, the
issue's baseline; ``bench/floor.py``, the baseline plus the least a command
over HTTP saved before its answer costs), each fresh, one process, on
127.0.0.1:

1. N light clients (``bench/light.py``) connect, spread over receiver
   processes (``bench/receivers.py``); the server's resident memory before
   and after gives its memory per connected client.
2. The steady run: ``--commands`` moderator commands, ``--interval`` apart
   (pause, resume, extend of a running speech, each with its own
   command_id, each sent when the previous one was answered); the bare
   server broadcasts messages of the same sizes as ours, version by version.
   For every change each client receives: the delay from the command's send
   to the client's receipt (both ``time.time()`` of this machine); the
   server's CPU time per client-message; versions missed or out of order.
3. The saturation run: bursts of extensions at rising rates (open loop: each
   sent on its schedule, whatever the answers) until p99 passes one second.

Every figure of ours, and of the floor, is printed as a ratio to the bare
server's, and all of it goes to ``bench/results/fanout.json``
(docs/benchmarks.md has the table).
The loops are bounded in count and in time; traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil  # type: ignore[import-untyped]  # no stubs in the test extras

from app.live.gcwatch import pauses
from bench import receivers
from bench.receivers import Await, Close, Collect, Collected, Connect, Connected
from bench.servers import Bare, Floor, Floorkeeper, Refused, Server, cpu_seconds

if TYPE_CHECKING:
    from bench.scaleout import ScalePlan

RESULTS = Path(__file__).resolve().parent / "results" / "fanout.json"
SATURATION_P99 = 1.0  # seconds: the saturation run stops once p99 passes this
PING_EVERY = 20.0  # seconds between a client's clock-sync pings (the channel closes at 45 s)
DRAIN_TIMEOUT = 60.0  # seconds to wait for the last change to reach every client (a guard)
MAX_IN_FLIGHT = 256  # commands of a rate test awaiting their answer at once


# -- figures ---------------------------------------------------------------------


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted sequence (NaN if empty)."""
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Step:
    """One run of commands against one server, with what the clients received."""

    label: str  # "steady" or "rate 40/s"
    commands: int
    target_rate: float  # commands per second asked
    achieved_rate: float  # commands per second sent
    refused: int
    client_messages: int  # changes delivered, summed over clients
    expected: int  # versions x clients
    missed: int
    out_of_order: int
    resyncs: int
    every_version_in_order: bool
    p50_ms: float
    p99_ms: float
    max_ms: float
    server_cpu_s: float
    cpu_us_per_client_message: float
    receivers_cpu_us_per_client_message: float
    mean_message_bytes: float
    others_cpu_s: float  # CPU busy on this machine outside the server, receivers and driver
    closed_clients: int
    close_codes: dict[int, int] = field(default_factory=dict)
    other_messages: dict[str, int] = field(default_factory=dict)
    # the server's garbage-collection pauses in the step, from its log (app.live.gcwatch: >= 0.1 s)
    gc_pauses_ms: list[float] = field(default_factory=list)
    # several server processes (--processes): each one's CPU, and the p99 of the clients on each
    server_cpu_by_process_s: list[float] = field(default_factory=list)
    p99_by_process_ms: list[float] = field(default_factory=list)
    missed_by_process: list[int] = field(default_factory=list)
    resyncs_by_process: list[int] = field(default_factory=list)


@dataclass
class ServerRun:
    """One server at one N: memory, the steady run and the saturation steps."""

    server: str
    clients: int
    connected: int
    connect_failures: list[str]
    connect_seconds: float
    rss_before_mb: float
    rss_after_mb: float
    rss_kb_per_client: float
    connect_gc_pauses_ms: list[float] = field(default_factory=list)  # while the clients connected
    steady: Step | None = None
    saturation: list[Step] = field(default_factory=list)
    saturation_rate: float | None = None  # the first rate at which p99 passed 1 s
    meeting: str = ""


# -- receivers -------------------------------------------------------------------


class Receivers:
    """Receiver processes holding the clients, driven through pipes."""

    def __init__(self, processes: int) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a threaded parent
        self.pipes: list[Connection] = []
        self.processes: list[BaseProcess] = []
        for _ in range(processes):
            mine, theirs = context.Pipe()
            process = context.Process(target=receivers.run, args=(theirs,), daemon=True)
            process.start()
            self.pipes.append(mine)
            self.processes.append(process)
        self.ps = [psutil.Process(p.pid) for p in self.processes]

    async def ask(self, requests: Sequence[object]) -> list[Any]:
        for pipe, request in zip(self.pipes, requests, strict=True):
            pipe.send(request)
        loop = asyncio.get_running_loop()
        return list(await asyncio.gather(*(loop.run_in_executor(None, p.recv) for p in self.pipes)))

    async def connect(
        self, urls: str | Sequence[str], count: int, ping_every: float = PING_EVERY
    ) -> Connected:
        """``count`` clients over the receivers; over several URLs, evenly (round robin)."""
        spread = (urls,) if isinstance(urls, str) else tuple(urls)
        shares = [
            count // len(self.pipes) + (i < count % len(self.pipes)) for i in range(len(self.pipes))
        ]
        firsts = [sum(shares[:i]) for i in range(len(shares))]
        requests = [Connect(spread, n, ping_every, f) for n, f in zip(shares, firsts, strict=True)]
        answers: list[Connected] = await self.ask(requests)
        merged = Connected(0)
        for answer in answers:
            merged.clients += answer.clients
            merged.failures += answer.failures
            merged.first_versions += answer.first_versions
        return merged

    async def wait_for(self, version: int) -> int:
        answers: list[int] = await self.ask([Await(version, DRAIN_TIMEOUT)] * len(self.pipes))
        return sum(answers)

    async def collect(self, first: int, last: int, sent: dict[int, float]) -> list[Collected]:
        answers: list[Collected] = await self.ask([Collect(first, last, sent)] * len(self.pipes))
        return answers

    def cpu(self) -> float:
        return sum(cpu_seconds(p) for p in self.ps)

    async def close(self) -> None:
        await self.ask([Close()] * len(self.pipes))
        for process in self.processes:
            process.join(timeout=10)


def receiver_processes(clients: int) -> int:
    """One receiver process per 1,250 clients, at most 4 (this machine has 2 cores)."""
    return max(1, min(4, math.ceil(clients / 1250)))


def machine_busy() -> float:
    """CPU seconds this machine spent busy, all cores, all processes."""
    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


# -- one step --------------------------------------------------------------------


async def send_commands(
    server: Server, count: int, interval: float, rate_test: bool, sizes: Callable[[int], int]
) -> tuple[dict[int, float], int, float]:
    """Send ``count`` commands ``interval`` apart; (send time by version, refused, seconds).

    Steady (``rate_test`` false): each command waits for the previous answer,
    so the moderator's sequence stays valid. Rate test: open loop, each
    command on its schedule, at most ``MAX_IN_FLIGHT`` awaiting answers.
    """
    sent: dict[int, float] = {}
    refused = 0
    gate = asyncio.Semaphore(MAX_IN_FLIGHT)
    loop = asyncio.get_running_loop()
    began = loop.time()

    async def one(index: int) -> None:
        nonlocal refused
        try:
            at = time.time()
            version = await server.send(index, rate_test, sizes(index))
            sent[version] = at
        except Refused as refusal:
            refused += 1
            if refused <= 3:
                print(f"    refused: {refusal}", file=sys.stderr)
        finally:
            gate.release()

    tasks: list[asyncio.Task[None]] = []
    for index in range(count):
        delay = began + index * interval - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        await gate.acquire()
        task = asyncio.create_task(one(index))
        tasks.append(task)
        if not rate_test:
            await task
    await asyncio.gather(*tasks)
    return sent, refused, loop.time() - began


async def run_step(
    server: Server,
    clients: Receivers,
    label: str,
    count: int,
    interval: float,
    rate_test: bool,
    sizes: Callable[[int], int],
) -> tuple[Step, dict[int, int]]:
    """One run of ``count`` commands, measured; also returns the change sizes seen.

    The server's CPU is summed over its processes (one, or ``--processes``).
    """
    processes = [psutil.Process(p.pid) for p in server.processes]
    cpu_before, receivers_before = [cpu_seconds(p) for p in processes], clients.cpu()
    driver = psutil.Process()
    busy_before, driver_before = machine_busy(), cpu_seconds(driver)
    logs_before = [log.stat().st_size for log in server.logs]
    sent, refused, seconds = await send_commands(server, count, interval, rate_test, sizes)
    if not sent:
        raise RuntimeError(f"{server.name} refused every command of the {label} run")
    first, last = min(sent), max(sent)
    await clients.wait_for(last)
    gc_pauses = logged_pauses(server, logs_before)
    by_process = [cpu_seconds(p) - b for p, b in zip(processes, cpu_before, strict=True)]
    server_cpu = sum(by_process)
    receivers_cpu = clients.cpu() - receivers_before
    others = machine_busy() - busy_before - server_cpu - receivers_cpu
    others -= cpu_seconds(driver) - driver_before
    parts = await clients.collect(first, last, sent)
    delays = sorted(d for part in parts for d in part.delays)
    on_each: list[list[float]] = [[] for _ in processes]
    for part in parts:
        for delay, target in zip(part.delays, part.targets, strict=True):
            on_each[target].append(delay)
    sizes_seen: dict[int, int] = {}
    for part in parts:
        sizes_seen.update(part.sizes)
    messages = len(delays)
    per_message = 1e6 / messages if messages else math.nan
    codes: dict[int, int] = {}
    other: dict[str, int] = {}
    for part in parts:
        for code, n in part.close_codes.items():
            codes[code] = codes.get(code, 0) + n
        for kind, n in part.other.items():
            other[kind] = other.get(kind, 0) + n
    step = Step(
        label=label,
        commands=count,
        target_rate=round(1 / interval, 2),
        achieved_rate=round(count / seconds, 2) if seconds > 0 else math.nan,
        refused=refused,
        client_messages=messages,
        expected=sum(p.expected for p in parts),
        missed=sum(p.missed for p in parts),
        out_of_order=sum(p.out_of_order for p in parts),
        resyncs=sum(p.resyncs for p in parts),
        every_version_in_order=all(p.order_ok for p in parts) and last - first + 1 == len(sent),
        p50_ms=round(percentile(delays, 0.50) * 1e3, 2),
        p99_ms=round(percentile(delays, 0.99) * 1e3, 2),
        max_ms=round(delays[-1] * 1e3, 2) if delays else math.nan,
        server_cpu_s=round(server_cpu, 3),
        cpu_us_per_client_message=round(server_cpu * per_message, 2),
        receivers_cpu_us_per_client_message=round(receivers_cpu * per_message, 2),
        mean_message_bytes=round(sum(sizes_seen.values()) / len(sizes_seen), 1)
        if sizes_seen
        else math.nan,
        others_cpu_s=round(max(0.0, others), 2),
        closed_clients=sum(p.closed for p in parts),
        close_codes=codes,
        other_messages=other,
        gc_pauses_ms=gc_pauses,
    )
    if len(processes) > 1:
        step.server_cpu_by_process_s = [round(c, 3) for c in by_process]
        step.p99_by_process_ms = [round(percentile(sorted(d), 0.99) * 1e3, 2) for d in on_each]
        targets = range(len(processes))
        step.missed_by_process = [sum(p.missed_by_target.get(t, 0) for p in parts) for t in targets]
        step.resyncs_by_process = [
            sum(p.resyncs_by_target.get(t, 0) for p in parts) for t in targets
        ]
    return step, sizes_seen


# -- one server at one N ---------------------------------------------------------


@dataclass
class Plan:
    clients: list[int]
    commands: int
    interval: float
    rates: list[float]  # saturation: commands per second, in order
    rate_seconds: float  # length of each saturation step
    use_demo: bool
    profile: bool
    output: Path = RESULTS
    socket_commands: bool = False  # ours: the clock's commands on the moderator's socket


def logged_pauses(server: Server, logs_before: Sequence[int]) -> list[float]:
    """The gc pauses (ms, longest first) the server's logs report after ``logs_before``."""
    found: list[float] = []
    for path, before in zip(server.logs, logs_before, strict=True):
        with path.open("rb") as log:
            log.seek(before)
            found += [ms for _, ms in pauses(log.read().decode(errors="replace"))]
    return sorted(found, reverse=True)


async def measure(
    server: Server, clients: int, plan: Plan, sizes: Callable[[int], int] | None
) -> tuple[ServerRun, dict[int, int]]:
    """Connect, run steady, then saturate; ``sizes`` None means: record ours."""
    process = psutil.Process(server.process.pid)
    await server.open()
    rss_before = process.memory_info().rss
    receivers_count = receiver_processes(clients)
    pool = Receivers(receivers_count)
    try:
        logs_before = [log.stat().st_size for log in server.logs]
        began = time.monotonic()
        connected = await pool.connect(server.live_url, clients)
        connect_seconds = time.monotonic() - began
        if not connected.clients:
            raise RuntimeError(f"no client could connect to {server.name}: {connected.failures}")
        await asyncio.sleep(1.0)  # let the server settle (collect, free buffers) before RSS
        rss_after = process.memory_info().rss
        connect_pauses = logged_pauses(server, logs_before)
        run = ServerRun(
            server=server.name,
            clients=clients,
            connected=connected.clients,
            connect_failures=connected.failures,
            connect_seconds=round(connect_seconds, 2),
            rss_before_mb=round(rss_before / 2**20, 1),
            rss_after_mb=round(rss_after / 2**20, 1),
            rss_kb_per_client=round((rss_after - rss_before) / 1024 / max(1, connected.clients), 2),
            connect_gc_pauses_ms=connect_pauses,
        )
        longest = f"{connect_pauses[0]:g} ms" if connect_pauses else "none"
        print(
            f"  {server.name}: {connected.clients}/{clients} clients connected in "
            f"{connect_seconds:.1f} s over {receivers_count} receiver processes, "
            f"gc pauses {len(connect_pauses)} (longest {longest})"
            + (f"; failures: {connected.failures[:2]}" if connected.failures else "")
        )
        ours: dict[int, int] = {}
        steady_sizes = sizes or (lambda _i: 0)
        profiler = _profile(server, clients) if plan.profile else None
        run.steady, seen = await run_step(
            server, pool, "steady", plan.commands, plan.interval, False, steady_sizes
        )
        if profiler is not None:
            profiler.wait(timeout=120)
        ours.update({v - min(seen): s for v, s in seen.items()} if seen else {})
        _print_step(server.name, run.steady)
        for rate in plan.rates:
            count = max(10, round(rate * plan.rate_seconds))
            step, _ = await run_step(
                server, pool, f"rate {rate:g}/s", count, 1 / rate, True, sizes or steady_sizes
            )
            run.saturation.append(step)
            _print_step(server.name, step)
            if step.p99_ms > SATURATION_P99 * 1e3 or not step.client_messages:
                run.saturation_rate = rate
                break
        return run, ours
    finally:
        await pool.close()
        await server.close()


def _profile(server: Server, clients: int) -> subprocess.Popen[bytes] | None:
    """py-spy, if installed, samples the server through the steady run (collapsed stacks)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists() or server.name != "floorkeeper":
        return None
    out = RESULTS.with_name(f"profile-{server.name}-{clients}.txt")
    return subprocess.Popen(
        [spy, "record", "--pid", str(server.process.pid), "--format", "raw", "--rate", "200"]
        + ["--duration", "30", "--output", str(out), "--nonblocking"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _print_step(name: str, step: Step) -> None:
    longest = f"{step.gc_pauses_ms[0]:g} ms" if step.gc_pauses_ms else "none"
    print(
        f"    {name:11} {step.label:13} p50 {step.p50_ms:8.1f} ms  p99 {step.p99_ms:8.1f} ms  "
        f"max {step.max_ms:8.1f} ms  cpu {step.cpu_us_per_client_message:6.1f} us/msg  "
        f"missed {step.missed}  resyncs {step.resyncs}  sent {step.achieved_rate:g}/s  "
        f"others {step.others_cpu_s:g} s  gc pauses {len(step.gc_pauses_ms)} (longest {longest})"
    )


def cycling(sizes: list[int]) -> Callable[[int], int]:
    """Our change sizes, in order, again and again: the bare server's message sizes."""
    return lambda index: sizes[index % len(sizes)]


def ratio(ours: float, bare: float) -> float | None:
    if not bare or math.isnan(bare) or math.isnan(ours):
        return None
    return round(ours / bare, 2)


def ratios(ours: ServerRun, bare: ServerRun) -> dict[str, float | None]:
    assert ours.steady is not None
    assert bare.steady is not None
    a, b = ours.steady, bare.steady
    return {
        "p50": ratio(a.p50_ms, b.p50_ms),
        "p99": ratio(a.p99_ms, b.p99_ms),
        "max": ratio(a.max_ms, b.max_ms),
        "cpu_per_client_message": ratio(a.cpu_us_per_client_message, b.cpu_us_per_client_message),
        "rss_per_client": ratio(ours.rss_kb_per_client, bare.rss_kb_per_client),
        "saturation_rate": ratio(
            ours.saturation_rate or math.nan, bare.saturation_rate or math.nan
        ),
    }


async def run_plan(plan: Plan) -> dict[str, Any]:
    receivers.raise_fd_limit()  # inherited by the servers and the receivers
    results: list[dict[str, Any]] = []
    for clients in plan.clients:
        print(f"N = {clients}")
        with tempfile.TemporaryDirectory(prefix="fanout-") as tmp:
            server = Floorkeeper(Path(tmp), plan.use_demo, socket_commands=plan.socket_commands)
            with server.running() as ours_server:
                ours, sizes = await measure(ours_server, clients, plan, None)
                assert ours_server.meeting is not None
                ours.meeting = ours_server.meeting.source
            by_index = [sizes[k] for k in sorted(sizes)] or [200]
            with Bare(Path(tmp)).running() as bare_server:
                bare, _ = await measure(bare_server, clients, plan, cycling(by_index))
            with Floor(Path(tmp)).running() as floor_server:
                floor, _ = await measure(floor_server, clients, plan, cycling(by_index))
        row = {"clients": clients, "ours": asdict(ours), "bare": asdict(bare)}
        row["floor"] = asdict(floor)
        row["ratio"] = ratios(ours, bare)
        row["floor_ratio"] = ratios(floor, bare)
        print(f"  ours / bare: {row['ratio']}")
        print(f"  floor / bare: {row['floor_ratio']}")
        results.append(row)
    return {
        "command": " ".join(["python -m bench.fanout", *sys.argv[1:]]),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(),
        "plan": asdict(plan),
        "runs": results,
        "targets": targets(results),
    }


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def targets(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets, each with the figure that decides it (None if not measured)."""
    by_n = {row["clients"]: row for row in results}
    checks: list[dict[str, Any]] = []

    def add(name: str, value: Any, met: bool | None) -> None:
        checks.append({"target": name, "measured": value, "met": met})

    one_k = by_n.get(1000)
    p99_1k = one_k["ratio"]["p99"] if one_k else None
    add(
        "p99 within 1.5x of bare at 1,000 clients",
        p99_1k,
        None if p99_1k is None else p99_1k <= 1.5,
    )
    five_k = by_n.get(5000)
    if five_k:
        steady = five_k["ours"]["steady"]
        p99_5k = five_k["ratio"]["p99"]
        held = five_k["ours"]["connected"] == 5000 and steady["closed_clients"] == 0
        add("5,000 clients held by one process", five_k["ours"]["connected"], held)
        add(
            "p99 within 2x of bare at 5,000 clients",
            p99_5k,
            None if p99_5k is None else p99_5k <= 2,
        )
        add("no version missed at 5,000 clients", steady["missed"], steady["missed"] == 0)
    else:
        add("5,000 clients held by one process", None, None)
    for row in results:
        cpu = row["ratio"]["cpu_per_client_message"]
        add(
            f"CPU per client-message within 1.5x of bare at {row['clients']:,} clients",
            cpu,
            None if cpu is None else cpu <= 1.5,
        )
        floor = row.get("floor_ratio", {}).get("cpu_per_client_message")
        checks[-1]["floor"] = floor  # what the design's floor (bench/floor.py) costs there
    naive = p99_1k
    add(
        "better than a naive send loop (2.9x bare p99 at 1,000)",
        naive,
        None if naive is None else naive < 2.9,
    )
    return checks


def parse(argv: Sequence[str] | None = None) -> Plan | ScalePlan:
    parser = argparse.ArgumentParser(prog="python -m bench.fanout", description=__doc__)
    parser.add_argument("--clients", default=None, help="comma-separated N (default 100,1000,5000)")
    parser.add_argument("--commands", type=int, default=None, help="commands in the steady run")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between commands")
    parser.add_argument("--quick", action="store_true", help="a short run, for a smoke test")
    parser.add_argument("--demo", action="store_true", help="serve the demo meeting if present")
    parser.add_argument("--profile", action="store_true", help="py-spy the server (steady run)")
    parser.add_argument(
        "--socket-commands",
        action="store_true",
        help="ours: send the clock's commands on the moderator's live socket, as the console does",
    )
    parser.add_argument("--output", type=Path, default=None, help="the results file (JSON)")
    parser.add_argument(
        "--processes",
        type=int,
        default=None,
        help="scale-out: K server processes on PostgreSQL and Redis beside one (bench/scaleout.py)",
    )
    parser.add_argument(
        "--idle", type=float, default=None, help="scale-out: seconds of the idle window (20)"
    )
    args = parser.parse_args(argv)
    if args.interval <= 0:
        parser.error("--interval must be more than 0 seconds")
    try:
        default = "20,200" if args.quick else "100,1000,5000"
        clients = [int(n) for n in (args.clients or default).split(",")]
    except ValueError:
        parser.error("--clients takes whole numbers separated by commas, e.g. 100,1000")
    if not clients or min(clients) < 1 or max(clients) > 20_000:
        parser.error("--clients: each N must be between 1 and 20000")
    if args.processes is not None:
        return _scale_plan(parser, args)
    commands = args.commands or (20 if args.quick else 200)
    if commands < 3:
        parser.error("--commands must be at least 3")
    rates = [10.0, 40.0] if args.quick else [5.0 * 2**i for i in range(9)]  # 5 .. 1,280 /s
    return Plan(
        clients=clients,
        commands=commands,
        interval=args.interval,
        rates=rates,
        rate_seconds=1.0 if args.quick else 4.0,
        use_demo=args.demo,
        profile=args.profile,
        output=args.output or RESULTS,
        socket_commands=args.socket_commands,
    )


def _scale_plan(parser: argparse.ArgumentParser, args: argparse.Namespace) -> ScalePlan:
    from bench.scaleout import IDLE_SECONDS, ScalePlan
    from bench.scaleout import RESULTS as SCALE_RESULTS

    if not 2 <= args.processes <= 8:
        parser.error("--processes must be between 2 and 8")
    commands = args.commands or (10 if args.quick else 100)
    if commands < 3:
        parser.error("--commands must be at least 3")
    idle = args.idle if args.idle is not None else (2.0 if args.quick else IDLE_SECONDS)
    return ScalePlan(
        processes=args.processes,
        clients=[int(n) for n in args.clients.split(",")] if args.clients else [1000],
        commands=commands,
        interval=args.interval,
        idle=idle,
        output=args.output or SCALE_RESULTS,
    )


def main(argv: Sequence[str] | None = None) -> int:
    plan = parse(argv)
    if not isinstance(plan, Plan):
        from bench import scaleout

        return scaleout.main(plan)
    report = asyncio.run(run_plan(plan))
    plan.output.parent.mkdir(parents=True, exist_ok=True)
    plan.output.write_text(json.dumps(no_nan(report), indent=2, allow_nan=False) + "\n")
    print(f"results in {plan.output}")
    for check in report["targets"]:
        verdict = {True: "met", False: "NOT met", None: "not measured"}[check["met"]]
        print(f"  {check['target']}: {check['measured']} ({verdict})")
    return 0


def no_nan(value: Any) -> Any:
    """JSON has no NaN: a figure that could not be measured is null (and a path is text)."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {key: no_nan(item) for key, item in value.items()}
    if isinstance(value, list):
        return [no_nan(item) for item in value]
    return value


if __name__ == "__main__":
    raise SystemExit(main())
