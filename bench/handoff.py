"""The CPU of one trip to the store's thread: anyio's ``to_thread.run_sync``, which the
runner uses, beside a plain executor hand-off (issue 18, "a cheaper command path").

``python -m bench.handoff [--calls 5000] [--rounds 7] [--output bench/results/handoff.json]``

A command makes one such trip while its room waits. The plain way is what the
runner would need to keep anyio's promise that a cancelled caller still waits for
the trip to end (the store committed or it did not): ``run_in_executor`` on a pool
of its own, behind ``asyncio.shield``. Each round times ``--calls`` trips of a call
that does nothing, each way in turn, by the process's CPU time (the loop's thread
and the worker's together), and prints the median per trip of each and their
ratio. The work of a real trip (the store's transaction) is the same either way.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from anyio import to_thread

from bench.fanout import machine

RESULTS = Path(__file__).resolve().parent / "results" / "handoff.json"

POOL = ThreadPoolExecutor(max_workers=8)


def nothing() -> int:
    return 1


async def plain(call: Callable[[], int] = nothing) -> int:
    """The executor's hand-off, shielded: a cancellation waits for the call to end."""
    future = asyncio.get_running_loop().run_in_executor(POOL, call)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        await asyncio.wait((future,))
        raise


async def cpu_per_call(trip: Callable[[], Awaitable[int]], calls: int) -> float:
    began = time.process_time()
    for _ in range(calls):
        await trip()
    return (time.process_time() - began) / calls * 1e6


async def main(calls: int, rounds: int) -> dict[str, float]:
    ways: dict[str, Callable[[], Awaitable[int]]] = {
        "anyio": lambda: to_thread.run_sync(nothing),
        "plain": plain,
    }
    times: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(rounds):
        for name, trip in ways.items():
            times[name].append(await cpu_per_call(trip, calls))
    medians = {name: statistics.median(values) for name, values in times.items()}
    medians["ratio"] = medians["plain"] / medians["anyio"]
    return medians


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--output", type=Path, default=RESULTS)
    arguments = parser.parse_args()
    result = asyncio.run(main(arguments.calls, arguments.rounds))
    report = {
        "command": "python -m bench.handoff",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(),
        "calls": arguments.calls,
        "rounds": arguments.rounds,
        "cpu_us_per_trip": {"anyio": result["anyio"], "plain": result["plain"]},
        "ratio": result["ratio"],
    }
    arguments.output.write_text(json.dumps(report, indent=1) + "\n")
    print(
        f"CPU per trip, median of {arguments.rounds} rounds of {arguments.calls}: "
        f"anyio {result['anyio']:.1f} µs, plain {result['plain']:.1f} µs, "
        f"ratio {result['ratio']:.2f}"
    )
