"""What one moderator command costs the server, part by part (issue 4: the fan-out's fixed cost).

``python -m bench.command [--commands 100] [--gap 0.1]``

The fan-out benchmark divides the server's CPU by client-messages, so at
small N its figure is mostly the cost of the command itself, paid once per
change whatever the number of screens. This measures that cost, with no
screen connected, beside a baseline run in the same run: a bare ASGI app on
uvicorn answering the same POST (the floor of HTTP in Python on this
machine). Each figure is the server process's CPU time (user + system,
psutil) over ``--commands`` requests sent one at a time, ``--gap`` seconds
apart as a moderator's are (``--gap 0`` measures a warm loop instead), minus
what the idle server spends in the same time:

* ``bare ASGI POST``: ``bench/command.py``'s own four-line ASGI app;
* ``refused (403)``: a command with a bad token, refused by the route's rule:
  uvicorn, the middleware, routing and the authorization rule;
* ``command``: a valid ``extend`` of the running speech: all of it (body
  validation, the engine, the store's transaction with its fsync, rendering
  the three views, the answer).

Results are printed, and written to ``bench/results/command.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import psutil  # type: ignore[import-untyped]  # no stubs in the test extras

from bench.servers import Floorkeeper, cpu_seconds, free_port, serving

RESULTS = Path(__file__).resolve().parent / "results" / "command.json"

BARE_APP = '''
async def app(scope, receive, send):
    """Read the body, answer a small JSON: HTTP and nothing else."""
    if scope["type"] != "http":
        return
    await receive()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"version": 1}'})
'''

Send = Callable[[int], Awaitable[httpx.Response]]


async def cost(
    process: psutil.Process, send: Send, count: int, gap: float, expect: int = 200
) -> float:
    """Milliseconds of server CPU per request, the idle server's share taken off.

    Every answer must have the status ``expect``: a figure for requests that
    did something else (a command refused for coming early) would be wrong.
    """
    for index in range(5):  # warm the path: first calls build caches
        await send(-1 - index)
    idle_before = cpu_seconds(process)
    await asyncio.sleep(max(1.0, count * gap / 4))
    idle_rate = (cpu_seconds(process) - idle_before) / max(1.0, count * gap / 4)
    before, began = cpu_seconds(process), time.monotonic()
    for index in range(count):
        response = await send(index)
        if response.status_code != expect:
            raise RuntimeError(f"expected {expect}, got {response.status_code}: {response.text}")
        if gap:
            await asyncio.sleep(gap)
    spent = cpu_seconds(process) - before - idle_rate * (time.monotonic() - began)
    return max(0.0, spent) / count * 1e3


async def run(count: int, gap: float) -> dict[str, Any]:
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        (directory / "bare_asgi.py").write_text(BARE_APP)
        port = free_port()
        argv = [sys.executable, "-m", "uvicorn", "--app-dir", str(directory), "bare_asgi:app"]
        argv += ["--port", str(port), "--log-level", "warning"]
        with serving(argv, port, directory / "bare.log") as bare:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:

                def bare_post(index: int) -> Awaitable[httpx.Response]:
                    return http.post("/", json={"type": "extend", "seconds": 1, "n": index})

                process = psutil.Process(bare.pid)
                figures["bare ASGI POST"] = await cost(process, bare_post, count, gap)
        with Floorkeeper(directory, use_demo=False).running() as server:
            await server.open()
            process = psutil.Process(server.process.pid)
            http = server.http

            def refused(index: int) -> Awaitable[httpx.Response]:
                body = {"type": "extend", "seconds": 1, "command_id": f"no-{index}"}
                return http.post("/speech", json=body, headers={"Authorization": "Bearer nope"})

            def command(index: int) -> Awaitable[httpx.Response]:
                body = {"type": "extend", "seconds": 1, "command_id": f"c-{index}-{time.time_ns()}"}
                return http.post("/speech", json=body)

            figures["refused (403)"] = await cost(process, refused, count, gap, expect=403)
            figures["command"] = await cost(process, command, count, gap)
            await server.close()
    baseline = figures["bare ASGI POST"]
    return {
        "run": f"python -m bench.command --commands {count} --gap {gap}",
        "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "commands": count,
        "gap_seconds": gap,
        "ms_cpu_per_request": {name: round(value, 3) for name, value in figures.items()},
        "ratio_to_bare_asgi": {
            name: round(value / baseline, 2) if baseline else None
            for name, value in figures.items()
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.command", description=__doc__)
    parser.add_argument("--commands", type=int, default=100, help="requests per figure")
    parser.add_argument("--gap", type=float, default=0.1, help="seconds between requests")
    parser.add_argument("--output", type=Path, default=RESULTS, help="the results file (JSON)")
    args = parser.parse_args(argv)
    if args.commands < 1 or args.gap < 0:
        parser.error("--commands must be at least 1 and --gap at least 0")
    report = asyncio.run(run(args.commands, args.gap))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    for name, value in report["ms_cpu_per_request"].items():
        ratio = report["ratio_to_bare_asgi"][name]
        print(f"  {name:16s} {value:6.2f} ms CPU per request  ({ratio}x the bare ASGI POST)")
    print(f"results in {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
