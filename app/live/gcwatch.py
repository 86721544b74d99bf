"""Long garbage-collection pauses, logged: while CPython collects, no room's change goes out.

A full (generation 2) collection stops the process for a time in proportion
to the objects alive, and each connected screen keeps a few hundred of them
(the frames its task is suspended in, its tasks, its buffers): 850 ms at
5,000 screens (docs/benchmarks.md, "What limits us").
A pause at least as long as the threshold is logged as a warning, so that a
change that reached the screens late can be told from a slow network.

The ``gc.callbacks`` entry only notes a long pause; it is logged a moment
later from the event loop. A callback runs inside whatever allocated, ``ast``
conversion included, and I/O there lets another thread run in the middle of
it: on CPython 3.11.7 two conversions at once share one recursion counter and
fail with "AST constructor recursion depth mismatch" (python/cpython#106905),
which is how a CI run failed while this callback wrote its warning.

``tuned`` sets the collector for a long-lived server (issue 18). A full
collection runs once the young collections have promoted enough objects
(``threshold0 x threshold1 x threshold2`` allocations net, and a quarter more
than the last full one left): with CPython's defaults (700, 10, 10) that is
every 70,000 objects, so several full collections run while the morning's
screens connect, each longer than the last. Higher thresholds leave the
connecting screens to the young generations, and ``gc.freeze`` once the
service has started takes what exists then (modules, the app, the rooms) out
of every later collection; what is created afterwards, screens included, is
collected as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator

log = logging.getLogger(__name__)

#: How a pause is logged; ``PAUSE`` reads it back (the benchmarks count pauses in server logs).
MESSAGE = "gc pause: generation %d, %.1f ms"
PAUSE = re.compile(r"gc pause: generation (\d), ([\d.]+) ms")
#: How soon a noted pause is logged.
REPORT_SECONDS = 0.25


class PauseWatch:
    """A ``gc.callbacks`` entry: times each collection, notes the long ones for ``report``."""

    def __init__(
        self, threshold_seconds: float, clock: Callable[[], float] = time.perf_counter
    ) -> None:
        self.threshold = threshold_seconds
        self._clock = clock
        self._began: float | None = None
        self._long: deque[tuple[int, float]] = deque(maxlen=1000)  # (generation, seconds)

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = self._clock()
            return
        if self._began is None:  # installed during a collection: its start was not seen
            return
        took, self._began = self._clock() - self._began, None
        if took >= self.threshold:
            self._long.append((info["generation"], took))  # no I/O here (module docstring)

    def report(self) -> None:
        """Log the pauses noted since the last report (outside any collection)."""
        while self._long:
            generation, took = self._long.popleft()
            log.warning(MESSAGE, generation, took * 1e3)


@contextlib.contextmanager
def installed(threshold_seconds: float) -> Iterator[PauseWatch]:
    """Note every collection while the block runs; ``report`` logs them."""
    watch = PauseWatch(threshold_seconds)
    gc.callbacks.append(watch)
    try:
        yield watch
    finally:
        gc.callbacks.remove(watch)
        watch.report()


@contextlib.asynccontextmanager
async def watching(threshold_seconds: float) -> AsyncIterator[PauseWatch]:
    """Watch every collection while the block runs (a server's lifespan), logging as it goes."""

    async def report_often(watch: PauseWatch) -> None:
        while True:
            await asyncio.sleep(REPORT_SECONDS)
            watch.report()

    with installed(threshold_seconds) as watch:
        reporter = asyncio.create_task(report_often(watch))
        try:
            yield watch
        finally:
            reporter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reporter


@contextlib.contextmanager
def tuned(thresholds: tuple[int, int, int] | None, freeze: bool) -> Iterator[None]:
    """Collect with ``thresholds`` while the block runs, and freeze what exists at its start
    (``freeze``); both are undone at its end, so an app served in a test leaves none behind."""
    before = gc.get_threshold()
    if thresholds is not None:
        gc.set_threshold(*thresholds)
    if freeze:  # no collection first: the garbage of the start, if any, stays (once, bounded)
        gc.freeze()
    try:
        yield
    finally:
        if freeze:
            gc.unfreeze()
        gc.set_threshold(*before)


def pauses(log_text: str) -> list[tuple[int, float]]:
    """Every pause logged in ``log_text``: (generation, milliseconds)."""
    return [(int(g), float(ms)) for g, ms in PAUSE.findall(log_text)]
