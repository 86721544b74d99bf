"""S8: a stall of the whole process (a long garbage collection) is logged, with its length.

The watch times collections with an injected clock: no test waits.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import weakref

import pytest

from app.live.gcwatch import PauseWatch, installed, pauses, tuned, watching
from tests.fakes import FakeClock


@pytest.mark.parametrize(
    ("generation", "seconds", "logged"),
    [(2, 0.7021, [(2, 702.1)]), (1, 0.05, [(1, 50.0)]), (0, 0.049, [])],
)
def test_s8_a_collection_as_long_as_the_threshold_is_logged_with_its_generation_and_length(
    generation: int,
    seconds: float,
    logged: list[tuple[int, float]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()  # from 0: a pause of exactly the threshold is exact in floating point
    watch = PauseWatch(0.05, clock)
    with caplog.at_level(logging.WARNING, logger="app.live.gcwatch"):
        watch("start", {"generation": generation})
        clock.advance(seconds)
        watch("stop", {"generation": generation, "collected": 0})
        watch.report()
    assert pauses(caplog.text) == logged


def test_s8_a_long_collection_is_logged_after_it_not_from_inside_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The callback runs inside whatever allocated: no I/O there (app/live/gcwatch.py)."""
    clock = FakeClock()
    watch = PauseWatch(0.1, clock)
    with caplog.at_level(logging.WARNING, logger="app.live.gcwatch"):
        watch("start", {"generation": 2})
        clock.advance(0.3)
        watch("stop", {"generation": 2, "collected": 0})
        assert caplog.records == []
        watch.report()
        watch.report()  # each pause once
    assert pauses(caplog.text) == [(2, 300.0)]


def test_s8_a_stop_without_its_start_is_ignored(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()  # from 0: a pause of exactly the threshold is exact in floating point
    watch = PauseWatch(0.0, clock)  # installed while a collection ran: its start not seen
    with caplog.at_level(logging.WARNING, logger="app.live.gcwatch"):
        watch("stop", {"generation": 1, "collected": 0})
        watch.report()
    assert caplog.records == []


def test_s8_the_watch_sees_the_collections_of_the_process_while_installed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="app.live.gcwatch"):
        with installed(0.0) as watch:  # every collection is "long"
            assert watch in gc.callbacks
            gc.collect()
        assert watch not in gc.callbacks  # and what it noted is logged as it leaves
        gc.collect()  # after the block: not seen
    full = [generation for generation, _ in pauses(caplog.text) if generation == 2]
    assert full == [2]  # the one inside the block (younger ones may run there too)


@pytest.mark.anyio
async def test_s8_a_server_logs_its_pauses_while_it_runs(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("app.live.gcwatch.REPORT_SECONDS", 0.0)  # report at every turn
    with caplog.at_level(logging.WARNING, logger="app.live.gcwatch"):
        async with watching(0.0) as watch:
            assert watch in gc.callbacks
            gc.collect()
            for _ in range(10):  # a few turns of the loop, no timer
                await asyncio.sleep(0)
            logged = [generation for generation, _ in pauses(caplog.text)]
        assert watch not in gc.callbacks
    assert 2 in logged  # logged while the block ran, not only as it left


def test_issue18_a_server_collects_with_its_own_thresholds_and_gives_them_back() -> None:
    """``tuned``: the server's thresholds while it runs, CPython's (or the caller's) after."""
    before = gc.get_threshold()
    with tuned((5000, 10, 100), freeze=False):
        assert gc.get_threshold() == (5000, 10, 100)
    assert gc.get_threshold() == before


def test_issue18_what_exists_at_the_start_is_frozen_and_what_comes_after_is_collected() -> None:
    """``gc.freeze`` takes the objects of the start out of every collection; a cycle made
    afterwards (a screen that left) is still collected, and the freeze ends with the block."""
    frozen_before = gc.get_freeze_count()
    with tuned(None, freeze=True):
        assert gc.get_freeze_count() > frozen_before
        left = _Cycle()
        left.append(left)  # a cycle: only the collector frees it
        gone = weakref.ref(left)
        del left
        gc.collect()
        assert gone() is None
    assert gc.get_freeze_count() == 0


class _Cycle(list[object]):
    """A list that a weak reference can watch (a plain list cannot)."""
