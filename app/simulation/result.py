"""What a simulation produced: its events, and what is rebuilt from them alone.

Theory of operation
-------------------
A ``Simulation`` holds every event the engine recorded and the commands it
refused. Everything else in it is a reading of those events, never of the
simulated room's own bookkeeping, so that a report shows what the record
says (R1):

* ``timeline``: the record's lines, ``app.record.build_record`` (the one R1
  fold of the service; the simulator has no copy of it);
* ``phases``: when each phase started and ended, and why (C2);
* ``summary``: R4's counts and times of the speeches (contributions), the
  drift at close (C2), and the procedure's counts (O1, O2, O3, O8: points of
  order, rights of reply asked and heard, interposed questions, lists
  closed), which are no contribution.

The summary counts in four columns, P3's reading of the seeds' Table 1: the
record's UN system and other stakeholders are one column, *stakeholders*.
``COLUMNS`` is that mapping; the JSON and text outputs print its names
(docs/simulate.md), which is why they differ from the record's groups.

Pure: no I/O. Times are UTC epoch seconds, durations seconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from app.queue import events as queue_events
from app.queue.events import Event
from app.record import Group, Intervention, Outcome
from app.timing.plan import PhaseKind, SegmentPlan
from app.timing.programme import PhaseEnded, PhaseStarted, SegmentClosed, SegmentOpened, planned_end

#: The summary's columns (P3): the record's group of a speaker, as the simulator counts it.
COLUMNS: Mapping[Group, str] = {
    Group.MEMBER_STATES: "member_states",
    Group.OBSERVER_STATES: "observer_states",
    Group.UN_SYSTEM: "stakeholders",
    Group.OTHER_STAKEHOLDERS: "stakeholders",
    Group.PROGRAMME: "programme",
}


@dataclass(frozen=True, slots=True)
class PhaseRecord:
    index: int
    key: str
    title: str
    kind: PhaseKind
    started_at: float
    ended_at: float | None
    end_reason: str | None


@dataclass(frozen=True, slots=True)
class Summary:
    heard: dict[str, int]  # by column (COLUMNS)
    not_heard: dict[str, int]
    withdrawn: dict[str, int]
    overridden: int  # interventions with at least one recorded override
    allotted_seconds: float  # R4: time given to the speeches heard (extensions included) ...
    spoken_seconds: float  # ... against time used
    opened_at: float
    closed_at: float | None
    planned_end: float  # app.timing.programme.planned_end
    drift: float | None  # C2 at close: closed_at - planned_end (positive: late)
    procedure: dict[str, int]  # O1, O2, O3, O8: how many of each (PROCEDURE's, replies_heard)


#: The procedure's counts (O1, O2, O3, O8): the summary's name, and the event it counts.
PROCEDURE: Mapping[str, type] = {
    "points_of_order": queue_events.PointOfOrderRaised,
    "points_ruled": queue_events.PointOfOrderRuled,
    "questions_asked": queue_events.InterposedQuestionAsked,
    "questions_consented": queue_events.QuestionConsented,
    "questions_declined": queue_events.QuestionDeclined,
    "replies_asked": queue_events.ReplyRequested,
    "replies_called": queue_events.RepliesCalled,
    "lists_closed": queue_events.SpeakersListClosed,
}


@dataclass(frozen=True, slots=True)
class Refusal:
    """A command the engine refused (a DomainError); the simulation went on."""

    at: float
    command: str
    detail: str


@dataclass(frozen=True, slots=True)
class Simulation:
    plan: SegmentPlan
    seed: int
    member_states: int
    stakeholders: int
    override_rate: float
    events: tuple[Event, ...]  # every event, each with its instant (``at``)
    refusals: tuple[Refusal, ...]
    timeline: tuple[Intervention, ...]  # the record (R1): in order of grant, then the others
    phases: tuple[PhaseRecord, ...]
    summary: Summary
    complete: bool  # the segment closed within the simulation's bounds


def phase_records(plan: SegmentPlan, events: Sequence[Event]) -> tuple[PhaseRecord, ...]:
    """C2: when each phase actually started and ended, and why it ended."""
    records: list[PhaseRecord] = []

    def started(index: int, at: float) -> None:
        p = plan.phases[index]
        records.append(PhaseRecord(index, p.key, p.title, p.kind, at, None, None))

    for event in events:
        match event:
            case SegmentOpened(at=at):
                records.clear()
                started(0, at)
            case PhaseStarted(at=at, index=index):
                started(index, at)
            case PhaseEnded(at=at, reason=reason):  # always the phase started last
                records[-1] = replace(records[-1], ended_at=at, end_reason=reason)
            case _:
                pass
    return tuple(records)


def summarise(
    plan: SegmentPlan, events: Sequence[Event], timeline: Sequence[Intervention]
) -> Summary:
    """R4 counts by column, and the segment's times and drift (C2). A right of reply
    (O2) is no contribution: it is counted apart, in ``procedure`` (R4 does so too)."""
    speeches = [i for i in timeline if not i.reply]
    replies = [i for i in timeline if i.reply]

    def count(outcome: Outcome) -> dict[str, int]:
        return {
            column: sum(1 for i in speeches if i.outcome is outcome and COLUMNS[i.group] == column)
            for column in dict.fromkeys(COLUMNS.values())
        }

    opened = next((e.at for e in events if isinstance(e, SegmentOpened)), plan.scheduled_start)
    closed = next((e.at for e in events if isinstance(e, SegmentClosed)), None)
    end = planned_end(plan)
    heard = [i for i in speeches if i.heard]
    procedure = {
        name: sum(1 for e in events if isinstance(e, kind)) for name, kind in PROCEDURE.items()
    }
    procedure["replies_heard"] = sum(1 for i in replies if i.heard)
    return Summary(
        heard=count(Outcome.HEARD),
        not_heard=count(Outcome.NOT_HEARD),
        withdrawn=count(Outcome.WITHDRAWN),
        overridden=sum(1 for i in timeline if i.overrides),
        allotted_seconds=sum(i.allotted or 0.0 for i in heard),  # the record's: extensions in
        spoken_seconds=sum(i.spoken for i in heard),
        opened_at=opened,
        closed_at=closed,
        planned_end=end,
        drift=None if closed is None else closed - end,
        procedure=procedure,
    )


def clock(seconds: float) -> str:
    """Signed H:MM:SS: a time from the scheduled start (the checker's lines, the timeline)."""
    sign = "-" if seconds < 0 else "+"
    whole = int(round(abs(seconds)))
    return f"{sign}{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"
