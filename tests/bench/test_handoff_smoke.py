"""``bench.handoff``: both ways timed, and the plain way keeps anyio's promise that a
cancelled caller waits for the store's call to end (else the runner could not know
whether a command it had sent was committed)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bench import handoff

pytestmark = pytest.mark.anyio


async def test_both_ways_are_timed() -> None:
    figures = await handoff.main(calls=20, rounds=1)
    assert figures["anyio"] > 0
    assert figures["plain"] > 0
    assert figures["ratio"] == pytest.approx(figures["plain"] / figures["anyio"])


async def test_a_cancelled_caller_waits_for_the_call_to_end() -> None:
    release, ended = threading.Event(), threading.Event()

    def store_call() -> int:
        release.wait(5)
        ended.set()
        return 1

    task = asyncio.create_task(handoff.plain(store_call))
    await asyncio.sleep(0)
    task.cancel()
    await asyncio.sleep(0)
    assert not task.done()  # still waiting for the call
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert ended.is_set()
