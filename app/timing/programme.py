"""The programme clock of a room: which segment is open, which phase runs, drift.

Theory of operation
-------------------
A segment can be opened at any time (C1); its first phase starts at once.
The run keeps the instant each phase started, never an elapsed counter, so
the phase clock is ``now - phase_started_at`` and survives restarts.

A phase ends by the moderator's command, or by itself (A3) when it has a
maximum (``max_seconds``) or *yields* to the phases after it: it stops giving
the floor when the next allotment (at least one slot) would run past the
segment's scheduled end minus the planned length of every later phase. Each
limit is a deadline, and the phase is due to end from that instant on
(``now >= deadline``), so that a ``Tick`` sent at ``phase_end_deadline``
always ends an idle phase (a scheduler that found nothing to do at its
deadline would wake again at once, forever). For the block's latest start
this means a slot is given only while ``now + slot < latest start``. A
phase that ends
while a speaker has the floor is *closing*: it ends when that speaker
finishes (A3). A protected phase (A4) always runs its planned length from its
actual start: when it starts late, the lateness shows as drift (C2) instead
of a lost slot.

Drift (C2) is a projected end of the segment minus its planned end (the
scheduled start plus the planned phases): positive means the room runs
behind. The projected end itself comes from the queue's projection
(``app.queue.projection``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from app.timing.plan import PhaseKind, PhasePlan, SegmentPlan


class PhaseEndReason(StrEnum):
    COMMAND = "command"  # the moderator closed it
    MAXIMUM = "maximum"  # A3: its planned maximum
    BLOCK = "block"  # A3: the next allotment would end after the block's latest start
    SEGMENT_CLOSED = "segment_closed"


@dataclass(frozen=True, slots=True)
class SegmentRun:
    plan: SegmentPlan
    opened_at: float
    phase_index: int = 0
    phase_started_at: float = 0.0
    closing: PhaseEndReason | None = None  # ends when the current speaker finishes (A3)
    programme_cursor: int = 0  # next programme speaker of this phase
    heard_in_phase: int = 0  # A4: slots used in this phase


def open_run(plan: SegmentPlan, now: float) -> SegmentRun:
    return SegmentRun(plan=plan, opened_at=now, phase_started_at=now)


# -- events ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SegmentOpened:
    at: float
    plan: SegmentPlan


@dataclass(frozen=True, slots=True)
class PhaseClosing:
    """The phase will end when the current speaker finishes (A3)."""

    at: float
    index: int
    reason: PhaseEndReason


@dataclass(frozen=True, slots=True)
class PhaseEnded:
    at: float
    index: int
    key: str
    reason: PhaseEndReason


@dataclass(frozen=True, slots=True)
class PhaseStarted:
    at: float
    index: int
    key: str


@dataclass(frozen=True, slots=True)
class SegmentClosed:
    at: float
    segment_id: str


ProgrammeEvent = SegmentOpened | PhaseClosing | PhaseEnded | PhaseStarted | SegmentClosed


# -- queries -------------------------------------------------------------------------


def current_phase(run: SegmentRun) -> PhasePlan:
    return run.plan.phases[run.phase_index]


def is_last_phase(run: SegmentRun) -> bool:
    return run.phase_index == len(run.plan.phases) - 1


def phase_elapsed(run: SegmentRun, now: float) -> float:
    return now - run.phase_started_at


def phase_planned_end(run: SegmentRun) -> float:
    """When the phase is planned to end, counted from its actual start (A4)."""
    return run.phase_started_at + current_phase(run).planned_seconds


def block_latest_start(plan: SegmentPlan, index: int) -> float:
    """A3: the scheduled end minus the planned length of every phase after ``index``."""
    return plan.scheduled_end - plan.planned_after(index)


def phase_limit(run: SegmentRun) -> float | None:
    """A3: the latest instant a floor allotment of this phase may end; None if unbounded."""
    phase = current_phase(run)
    limits: list[float] = []
    if phase.max_seconds is not None:
        limits.append(run.phase_started_at + phase.max_seconds)
    if phase.yields:
        limits.append(block_latest_start(run.plan, run.phase_index))
    return min(limits) if limits else None


def _end_deadlines(run: SegmentRun) -> list[tuple[float, PhaseEndReason]]:
    """A3: the instants from which a floor phase stops giving the floor, and why."""
    phase = current_phase(run)
    if phase.kind is not PhaseKind.FLOOR:
        return []
    deadlines: list[tuple[float, PhaseEndReason]] = []
    if phase.max_seconds is not None:
        deadlines.append((run.phase_started_at + phase.max_seconds, PhaseEndReason.MAXIMUM))
    if phase.yields:
        # a slot given from here on would end after the block's latest start
        latest = block_latest_start(run.plan, run.phase_index)
        deadlines.append((latest - run.plan.slot(phase), PhaseEndReason.BLOCK))
    return sorted(deadlines)


def phase_end_due(run: SegmentRun, now: float) -> PhaseEndReason | None:
    """A3: why the phase must stop giving the floor at ``now``, or None."""
    return next((reason for deadline, reason in _end_deadlines(run) if now >= deadline), None)


def phase_end_deadline(run: SegmentRun) -> float | None:
    """When ``phase_end_due`` first becomes true; the scheduler wakes then."""
    if run.closing is not None:
        return None
    return min((deadline for deadline, _ in _end_deadlines(run)), default=None)


def planned_end(plan: SegmentPlan) -> float:
    """The scheduled start plus every phase's plan: the end the programme expects."""
    return plan.scheduled_start + sum(p.planned_seconds for p in plan.phases)


def phase_end_by_plan(run: SegmentRun) -> float:
    """The phase's planned end from its actual start, or its A3 limit if earlier."""
    end = phase_planned_end(run)
    limit = phase_limit(run)
    return end if limit is None else min(end, limit)


def phase_time_left(run: SegmentRun, now: float) -> float:
    """T2's R: the seconds from ``now`` to ``phase_end_by_plan``."""
    return phase_end_by_plan(run) - now


def expected_phase_end(run: SegmentRun, now: float, floor_busy_until: float) -> float:
    """The current phase's end by its plan and limits, never before the speaker finishes."""
    return max(phase_end_by_plan(run), floor_busy_until, now)


def drift(run: SegmentRun, projected_end: float) -> float:
    """C2: seconds behind the programme (negative: ahead)."""
    return projected_end - planned_end(run.plan)


# -- evolve ----------------------------------------------------------------------------


def evolve(run: SegmentRun, event: ProgrammeEvent) -> SegmentRun:
    """The run after a programme event (SegmentOpened is handled by the floor engine)."""
    match event:
        case PhaseClosing(reason=reason):
            return replace(run, closing=reason)
        case PhaseStarted(at=at, index=index):
            return replace(
                run,
                phase_index=index,
                phase_started_at=at,
                closing=None,
                programme_cursor=0,
                heard_in_phase=0,
            )
        case PhaseEnded() | SegmentClosed() | SegmentOpened():
            return run
    raise AssertionError(f"unknown programme event {event!r}")  # pragma: no cover
