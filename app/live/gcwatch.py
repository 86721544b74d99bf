"""Long garbage-collection pauses, logged: while CPython collects, no room's change goes out.

A full (generation 2) collection stops the process for a time in proportion
to the objects alive, and each connected screen keeps a few hundred of them
(the frames its task is suspended in, its tasks, its buffers): 850 ms at
5,000 screens (docs/benchmarks.md, "What limits us").
A pause at least as long as the threshold is logged as a warning, so that a
change that reached the screens late can be told from a slow network.
"""

from __future__ import annotations

import gc
import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

#: How a pause is logged; ``PAUSE`` reads it back (the benchmarks count pauses in server logs).
MESSAGE = "gc pause: generation %d, %.1f ms"
PAUSE = re.compile(r"gc pause: generation (\d), ([\d.]+) ms")


class PauseWatch:
    """A ``gc.callbacks`` entry: times each collection, warns of the long ones."""

    def __init__(
        self, threshold_seconds: float, clock: Callable[[], float] = time.perf_counter
    ) -> None:
        self.threshold = threshold_seconds
        self._clock = clock
        self._began: float | None = None

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = self._clock()
            return
        if self._began is None:  # installed during a collection: its start was not seen
            return
        took, self._began = self._clock() - self._began, None
        if took >= self.threshold:
            log.warning(MESSAGE, info["generation"], took * 1e3)


@contextmanager
def watching(threshold_seconds: float) -> Iterator[PauseWatch]:
    """Watch every collection while the block runs (the server's lifespan)."""
    watch = PauseWatch(threshold_seconds)
    gc.callbacks.append(watch)
    try:
        yield watch
    finally:
        gc.callbacks.remove(watch)


def pauses(log_text: str) -> list[tuple[int, float]]:
    """Every pause logged in ``log_text``: (generation, milliseconds)."""
    return [(int(g), float(ms)) for g, ms in PAUSE.findall(log_text)]
