"""Scale-out (issue 17): K floorkeeper processes on one PostgreSQL and one Redis, beside one.

``python -m bench.fanout --processes 3 [--clients 1000] [--commands 100] [--interval 0.2]``

For each N, three servers, each on a fresh PostgreSQL database
(``CREATE DATABASE fk_bench_<uuid>`` on the admin URL, dropped after) and,
with Redis, its own key prefix:

* **one**: one ``floorkeeper serve`` process, no Redis (``REDIS_URL`` unset);
* **one+redis**: one process with ``REDIS_URL``: it publishes every change to
  its room's stream and reads its own entries back (and skips them): the
  cost of the relay on the process that commits;
* **K processes**: K processes with ``REDIS_URL``, the N receivers spread
  evenly over them on their own ports (the benchmark measures the servers,
  not a proxy), every command sent to the first; the others follow the
  room through Redis (``app/live/relay.py``).

Each: connect N clients (pinging every 5 s, as ``shared/room.js`` does),
an idle window (heartbeats and pings only: server CPU per screen-second),
then the steady run of ``bench/fanout.py`` (commands ``--interval`` apart,
each after the previous answer). Server CPU is summed over the server's
processes; the CPU of the PostgreSQL backends of the run's database and of
``redis-server`` (shared with anything else using it) is read beside it.
Ratios are K processes over one, at the same N, in the same run.

The receivers run on the same cores as the servers: on a two-core machine
three server processes cannot each have a core, and the figures say what
the software costs, not what three machines would do.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]  # no stubs in the test extras
from sqlalchemy.engine import make_url

from bench import receivers
from bench.fanout import Receivers, Step, machine, no_nan, ratio, receiver_processes, run_step
from bench.servers import Floorkeeper, Meeting, cpu_seconds
from tests.db import postgres

RESULTS = Path(__file__).resolve().parent / "results" / "scaleout.json"
ADMIN_URL = os.environ.get(
    "FLOORKEEPER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("FLOORKEEPER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PAGE_PING_EVERY = 5.0  # seconds: a page's clock-sync ping (shared/room.js PING_EVERY_MS)
IDLE_SECONDS = 20.0  # two heartbeat intervals (FLOORKEEPER_LIVE_HEARTBEAT_SECONDS)
WARNING = (
    "the receivers share this machine's cores with the server processes: "
    "K processes on {cores} cores measure the software's cost, not K machines'"
)


# -- the services ----------------------------------------------------------------


def fresh_database(admin_url: str = ADMIN_URL) -> AbstractContextManager[str]:
    """A new, empty PostgreSQL database ``fk_bench_<uuid>``, dropped afterwards."""
    return postgres.fresh_database(admin_url, prefix="fk_bench")


def database_name(url: str) -> str:
    return str(make_url(url).database)


class Cluster:
    """``count`` ``floorkeeper serve`` processes on one database (and Redis, if given).

    The first seeds the database; commands go to it; ``live_urls`` has one
    URL per process, each with a display token.
    """

    name = "floorkeeper"

    def __init__(
        self, directory: Path, database_url: str, count: int, redis_url: str | None
    ) -> None:
        env = {"FLOORKEEPER_LIVE_HEARTBEAT_SECONDS": "10"}
        if redis_url:
            env["REDIS_URL"] = redis_url
            env["FLOORKEEPER_REDIS_PREFIX"] = f"fk-bench-{uuid.uuid4().hex[:12]}:"
        self.prefix = env.get("FLOORKEEPER_REDIS_PREFIX")
        self.count = count
        self.directory = directory
        self.database_url = database_url
        self.env = env
        self.members: list[Floorkeeper] = []

    @contextmanager
    def running(self) -> Iterator[Cluster]:
        with ExitStack() as stack:
            meeting: Meeting | None = None
            for index in range(self.count):
                member = Floorkeeper(
                    self.directory,
                    use_demo=False,
                    database_url=self.database_url,
                    env=self.env,
                    meeting=meeting,
                    label=f"server-{index}",
                )
                stack.enter_context(member.running())
                meeting = member.meeting
                self.members.append(member)
            self.process = self.primary.process  # the one the commands go to
            self.live_url, self.log = self.primary.live_url, self.primary.log
            yield self

    @property
    def primary(self) -> Floorkeeper:
        return self.members[0]

    @property
    def processes(self) -> list[subprocess.Popen[bytes]]:
        return [m.process for m in self.members]

    @property
    def live_urls(self) -> list[str]:
        return [m.live_url for m in self.members]

    @property
    def logs(self) -> list[Path]:
        return [m.log for m in self.members]

    async def open(self) -> None:
        await self.primary.open()

    async def send(self, index: int, rate_test: bool, size: int) -> int:
        return await self.primary.send(index, rate_test, size)

    async def close(self) -> None:
        await self.primary.close()


def _cpu_of(processes: Sequence[psutil.Process]) -> dict[int, float]:
    seconds: dict[int, float] = {}
    for process in processes:
        try:
            seconds[process.pid] = cpu_seconds(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return seconds


class Services:
    """CPU of the PostgreSQL backends of one database, and of ``redis-server``.

    Backends are found by their process title (``postgres: … <database> …``);
    one that ends within the window loses its time, one that starts counts
    from zero. ``redis-server`` is shared with whatever else uses it.
    """

    def __init__(self, database: str) -> None:
        self.database = database

    def _processes(self) -> tuple[list[psutil.Process], list[psutil.Process]]:
        postgres, redis = [], []
        for process in psutil.process_iter(["name", "cmdline"]):
            command = " ".join(process.info.get("cmdline") or [])
            if command.startswith("postgres:") and f" {self.database} " in command:
                postgres.append(process)
            elif (process.info.get("name") or "").startswith("redis-server"):
                redis.append(process)
        return postgres, redis

    def sample(self) -> tuple[dict[int, float], dict[int, float]]:
        postgres, redis = self._processes()
        return _cpu_of(postgres), _cpu_of(redis)

    @staticmethod
    def since(before: dict[int, float], after: dict[int, float]) -> float:
        return round(sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items()), 3)


# -- one configuration -----------------------------------------------------------


@dataclass
class Config:
    """One server configuration at one N: idle cost, the steady run, the services' CPU."""

    label: str  # "1 process", "1 process + Redis", "3 processes + Redis"
    processes: int
    redis: bool
    clients: int
    connected: int
    connect_failures: list[str]
    clients_per_process: list[int]
    idle_seconds: float
    idle_server_cpu_s: float
    idle_cpu_us_per_screen_second: float
    idle_cpu_ms_per_second: float  # all the server's processes: screens and their own work
    steady: Step | None = None
    postgres_cpu_s: float = math.nan  # the run's database's backends, steady run
    redis_cpu_s: float = math.nan  # redis-server, steady run (shared: an upper bound)
    changes: int = 0
    postgres_cpu_us_per_change: float = math.nan
    redis_cpu_us_per_change: float = math.nan
    server_cpu_us_per_change: list[float] = field(default_factory=list)  # per process


async def measure(
    cluster: Cluster,
    clients: int,
    commands: int,
    interval: float,
    idle: float,
    ping_every: float = PAGE_PING_EVERY,
) -> Config:
    await cluster.open()
    pool = Receivers(receiver_processes(clients))
    services = Services(database_name(cluster.database_url))
    try:
        connected = await pool.connect(cluster.live_urls, clients, ping_every)
        if not connected.clients:
            raise RuntimeError(f"no client could connect: {connected.failures}")
        per_process = [
            clients // cluster.count + (i < clients % cluster.count) for i in range(cluster.count)
        ]
        label = f"{cluster.count} process{'es' if cluster.count > 1 else ''}"
        label += " + Redis" if cluster.prefix else ""
        print(f"  {label}: {connected.clients}/{clients} clients, {per_process} per process")
        await asyncio.sleep(1.0)
        processes = [psutil.Process(p.pid) for p in cluster.processes]
        before = sum(cpu_seconds(p) for p in processes)
        await asyncio.sleep(idle)
        idle_cpu = sum(cpu_seconds(p) for p in processes) - before
        config = Config(
            label=label,
            processes=cluster.count,
            redis=cluster.prefix is not None,
            clients=clients,
            connected=connected.clients,
            connect_failures=connected.failures,
            clients_per_process=per_process,
            idle_seconds=idle,
            idle_server_cpu_s=round(idle_cpu, 3),
            idle_cpu_us_per_screen_second=round(idle_cpu * 1e6 / idle / connected.clients, 3),
            idle_cpu_ms_per_second=round(idle_cpu * 1e3 / idle, 2),
        )
        postgres_before, redis_before = services.sample()
        step, _ = await run_step(cluster, pool, "steady", commands, interval, False, lambda _i: 0)
        postgres_after, redis_after = services.sample()
        config.steady = step
        config.changes = commands - step.refused
        config.postgres_cpu_s = Services.since(postgres_before, postgres_after)
        config.redis_cpu_s = Services.since(redis_before, redis_after)
        if config.changes:
            config.postgres_cpu_us_per_change = round(config.postgres_cpu_s * 1e6 / config.changes)
            config.redis_cpu_us_per_change = round(config.redis_cpu_s * 1e6 / config.changes)
            by_process = step.server_cpu_by_process_s or [step.server_cpu_s]
            config.server_cpu_us_per_change = [round(c * 1e6 / config.changes) for c in by_process]
        _print(config)
        return config
    finally:
        await pool.close()
        await cluster.close()


def _print(config: Config) -> None:
    step = config.steady
    assert step is not None
    by = (
        f"\n    by process: p99 {step.p99_by_process_ms} ms, missed {step.missed_by_process}, "
        f"resyncs {step.resyncs_by_process}, cpu {step.server_cpu_by_process_s} s"
        if step.p99_by_process_ms
        else ""
    )
    print(
        f"    idle {config.idle_cpu_us_per_screen_second:.2f} us/screen-s "
        f"({config.idle_cpu_ms_per_second:g} ms/s)  "
        f"steady p50 {step.p50_ms:.1f} p99 {step.p99_ms:.1f} max {step.max_ms:.1f} ms  "
        f"cpu {step.cpu_us_per_client_message:.1f} us/msg  missed {step.missed}  "
        f"resyncs {step.resyncs}  in order {step.every_version_in_order}  "
        f"postgres {config.postgres_cpu_us_per_change:g} us/change  "
        f"redis {config.redis_cpu_us_per_change:g} us/change  "
        f"others {step.others_cpu_s:g} s{by}"
    )


# -- the plan --------------------------------------------------------------------


@dataclass
class ScalePlan:
    processes: int
    clients: list[int]
    commands: int
    interval: float
    idle: float = IDLE_SECONDS
    admin_url: str = ADMIN_URL
    redis_url: str = REDIS_URL
    with_redis_baseline: bool = True
    output: Path = RESULTS


async def one_config(
    plan: ScalePlan, clients: int, processes: int, redis: bool, folder: Path
) -> Config:
    folder.mkdir(parents=True, exist_ok=True)
    with fresh_database(plan.admin_url) as url:
        cluster = Cluster(folder, url, processes, plan.redis_url if redis else None)
        with cluster.running():
            return await measure(cluster, clients, plan.commands, plan.interval, plan.idle)


def ratios(many: Config, one: Config) -> dict[str, float | None]:
    assert many.steady is not None
    assert one.steady is not None
    a, b = many.steady, one.steady
    return {
        "p50": ratio(a.p50_ms, b.p50_ms),
        "p99": ratio(a.p99_ms, b.p99_ms),
        "max": ratio(a.max_ms, b.max_ms),
        "cpu_per_client_message": ratio(a.cpu_us_per_client_message, b.cpu_us_per_client_message),
        "idle_cpu_per_screen": ratio(
            many.idle_cpu_us_per_screen_second, one.idle_cpu_us_per_screen_second
        ),
    }


async def run_plan(plan: ScalePlan) -> dict[str, Any]:
    receivers.raise_fd_limit()
    cores = os.cpu_count() or 1
    print(WARNING.format(cores=cores))
    load_before = os.getloadavg()
    rows: list[dict[str, Any]] = []
    for clients in plan.clients:
        print(f"N = {clients}")
        with tempfile.TemporaryDirectory(prefix="scaleout-") as tmp:
            folder = Path(tmp)
            one = await one_config(plan, clients, 1, False, folder / "one")
            one_redis = None
            if plan.with_redis_baseline:
                one_redis = await one_config(plan, clients, 1, True, folder / "one-redis")
            many = await one_config(plan, clients, plan.processes, True, folder / "many")
        row: dict[str, Any] = {"clients": clients, "one": asdict(one), "many": asdict(many)}
        row["ratio"] = ratios(many, one)
        if one_redis is not None:
            row["one_redis"] = asdict(one_redis)
            row["ratio_to_one_redis"] = ratios(many, one_redis)
        print(f"  {plan.processes} processes / 1: {row['ratio']}")
        if one_redis is not None:
            print(f"  {plan.processes} processes / 1 + Redis: {row['ratio_to_one_redis']}")
        rows.append(row)
    return {
        "command": " ".join(["python -m bench.fanout", *sys.argv[1:]]),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "warning": WARNING.format(cores=cores),
        "plan": asdict(plan),
        "runs": rows,
    }


# -- the tables of docs/benchmarks.md -----------------------------------------------


def net_cpu_us_per_client_message(config: dict[str, Any]) -> float | None:
    """The steady run's server CPU less what the idle window says pings cost meanwhile.

    The steady run's CPU includes the pages' pings and heartbeats of its
    seconds; taken out at the idle window's rate, what is left is the cost of
    the changes, per client-message (the figure the projection scales by).
    """
    step = config["steady"]
    if not step or not step["client_messages"] or not step["achieved_rate"]:
        return None
    seconds = float(step["commands"]) / float(step["achieved_rate"])
    idle = float(config["idle_cpu_ms_per_second"]) / 1e3 * seconds
    busy = float(step["server_cpu_s"]) - idle
    return round(busy * 1e6 / float(step["client_messages"]), 1)


def _f(value: Any, digits: int = 1) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def table(report: dict[str, Any]) -> str:
    """One Markdown row per configuration and N, then the ratios (K processes over one)."""
    rows = [
        "| N | server | p50 ms | p99 ms | max ms | CPU µs / client-msg | net of pings "
        "| idle µs / screen-s | missed | resyncs | PostgreSQL µs / change "
        "| redis-server µs / change | other CPU s |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in report["runs"]:
        for key in ("one", "one_redis", "many"):
            config = run.get(key)
            if config is None:
                continue
            step = config["steady"]
            rows.append(
                f"| {run['clients']:,} | {config['label']} | {_f(step['p50_ms'])} "
                f"| {_f(step['p99_ms'])} | {_f(step['max_ms'])} "
                f"| {_f(step['cpu_us_per_client_message'])} "
                f"| {_f(net_cpu_us_per_client_message(config))} "
                f"| {_f(config['idle_cpu_us_per_screen_second'])} "
                f"| {_f(step['missed'])} | {_f(step['resyncs'])} "
                f"| {_f(config['postgres_cpu_us_per_change'], 0)} "
                f"| {_f(config['redis_cpu_us_per_change'], 0)} | {_f(step['others_cpu_s'])} |"
            )
        for key, label in (("ratio", "one"), ("ratio_to_one_redis", "one + Redis")):
            ratio_ = run.get(key)
            if ratio_ is None:
                continue
            many, one = run["many"], run["one" if key == "ratio" else "one_redis"]
            net_many, net_one = (net_cpu_us_per_client_message(c) for c in (many, one))
            net = ratio(net_many, net_one) if net_many and net_one else None
            rows.append(
                f"| {run['clients']:,} | **{many['processes']} / {label}** "
                f"| **{_f(ratio_['p50'], 2)}×** | **{_f(ratio_['p99'], 2)}×** "
                f"| **{_f(ratio_['max'], 2)}×** | **{_f(ratio_['cpu_per_client_message'], 2)}×** "
                f"| **{_f(net, 2)}×** | **{_f(ratio_['idle_cpu_per_screen'], 2)}×** | | | | | |"
            )
    return "\n".join(rows)


def by_process(report: dict[str, Any]) -> str:
    """The K-process runs, process by process: where the versions were lost."""
    rows = [
        "| N | process | clients | p99 ms | missed | resyncs | CPU s |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for run in report["runs"]:
        config = run["many"]
        step = config["steady"]
        for index, clients in enumerate(config["clients_per_process"]):
            role = "1 (commands)" if index == 0 else f"{index + 1} (follows)"

            def at(name: str, i: int = index, figures: dict[str, Any] = step) -> Any:
                values = figures.get(name) or []
                return values[i] if i < len(values) else None

            rows.append(
                f"| {run['clients']:,} | {role} | {clients:,} | {_f(at('p99_by_process_ms'))} "
                f"| {_f(at('missed_by_process'))} | {_f(at('resyncs_by_process'))} "
                f"| {_f(at('server_cpu_by_process_s'), 2)} |"
            )
    return "\n".join(rows)


def main(plan: ScalePlan) -> int:
    report = asyncio.run(run_plan(plan))
    plan.output.parent.mkdir(parents=True, exist_ok=True)
    plan.output.write_text(json.dumps(no_nan(report), indent=2, allow_nan=False) + "\n")
    before, after = report["load_average_before"], report["load_average_after"]
    print(f"load average before {before}, after {after}")
    print(f"NOTE: {report['warning']}")
    print(f"results in {plan.output}")
    return 0


if __name__ == "__main__":  # python -m bench.scaleout FILE: the tables of a results file
    report = json.loads(Path(sys.argv[1] if len(sys.argv) > 1 else RESULTS).read_text())
    print(
        f"Run: `{report['command']}`, {report['when']}, load average "
        f"{report['load_average_before']} before, {report['load_average_after']} after\n"
    )
    print(table(report), end="\n\n")
    print(by_process(report))
