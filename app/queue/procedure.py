"""The procedure of formal bodies: points of order (O1) and closed lists (O3).

Theory of operation
-------------------
A *point of order* (O1) is raised by a delegation from its phone or through
the chair (``RaisePointOfOrder``). It joins a list of its own
(``Queue.points``), which goes before every request, whatever its rank, and
a second press changes nothing. When the chair hears it
(``HearPointOfOrder``, or "next speaker" while one waits), the raiser has
the floor with the procedural cap (``FloorRules.point_of_order_seconds``,
basis ``POINT_OF_ORDER``). The speech on the floor is not ended: it is
paused (if it ran) and *held* (``RoomState.held``) exactly as it was. The
ruling (``RulePointOfOrder``, its text recorded in ``PointOfOrderRuled``)
puts the held speech back on the floor, paused, with the seconds it had;
the moderator resumes it. A meeting's rules may instead make a point wait
for the end of the speech (``point_of_order_interrupts=False``): then it is
heard only on a free floor.

While a point of order is heard, the chair rules on it first: the speech's
end, another grant, the segment's close and a second hearing are refused.
The raiser's clock is an allotment like any other (start, pause, extend),
but its time up never cuts it (no hard stop): the chair rules, the clock
only signals. A point of order is not a speech on substance: it fills no
slot (A4), marks no one as having spoken (P8) and makes no line of the
record's interventions (R1); its events carry who raised it, when, and the
ruling.

A phase's *list of speakers* can be closed and reopened by the chair
(O3, ``CloseSpeakersList``, ``ReopenSpeakersList``). A request is for the
first remaining phase that hears its delegation; while that phase's list is
closed, a delegation's own request is refused with the list's name, and
only the chair adds (``RequestFloor(on_behalf=True)``). Requests already
waiting stay. Points of order are still taken.

Rules: O1, O3. Pure: no I/O; time is an argument (UTC epoch seconds).
"""

from __future__ import annotations

from app.category import Category
from app.errors import FloorChanged, FloorRuleRefused, IllegalCommand, NotFound
from app.queue.commands import (
    CloseSpeakersList,
    HearPointOfOrder,
    RaisePointOfOrder,
    ReopenSpeakersList,
    RulePointOfOrder,
)
from app.queue.events import (
    Event,
    PointOfOrderHeard,
    PointOfOrderRaised,
    PointOfOrderRuled,
    SpeakersListClosed,
    SpeakersListReopened,
)
from app.queue.requests import PointOfOrder, Queue, is_open_to
from app.timing import allotment as speech
from app.timing.allotment import Allotment, Basis, Speaker
from app.timing.plan import PhaseKind, PhasePlan
from app.timing.programme import SegmentRun, current_phase

# -- O1 points of order ------------------------------------------------------------------


def is_point_of_order(allotment: Allotment | None) -> bool:
    """O1: whether the allotment on the floor is a point of order's."""
    return allotment is not None and allotment.basis is Basis.POINT_OF_ORDER


def substantive(on_floor: Allotment | None, held: Allotment | None) -> Allotment | None:
    """The speech on substance: the held one while a point of order is heard (O1) or an
    interposed question is put (O8)."""
    procedural = (Basis.POINT_OF_ORDER, Basis.QUESTION)
    return held if on_floor is not None and on_floor.basis in procedural else on_floor


def being_heard(on_floor: Allotment) -> IllegalCommand:
    """Why a command must wait while a point of order is heard (the refusal to raise)."""
    who = on_floor.speaker
    return IllegalCommand("point.being_heard", speaker=who.name, speaker_code=who.id)


def phase_gone(phase_title: str, phase_key: str, current: PhasePlan) -> FloorChanged:
    """M1: the phase the console showed has closed; says which one runs now."""
    return FloorChanged(
        "phase.no_longer_open",
        phase=phase_title,
        phase_key=phase_key,
        current=current.title,
        current_key=current.key,
    )


def raised(run: SegmentRun, queue: Queue, command: RaisePointOfOrder, now: float) -> list[Event]:
    """O1: the point joins its list; a second press of a waiting point changes nothing."""
    who = command.delegation
    if who.category is None or not is_open_to(who.category):
        raise FloorRuleRefused("floor.by_programme", speaker=who.name, speaker_code=who.id)
    if any(p.delegation_id == who.id for p in queue.points):
        return []
    point = PointOfOrder(
        id=f"{run.plan.id}.{queue.next_seq}",
        delegation_id=who.id,
        name=who.name,
        category=who.category,
        raised_at=now,
        seq=queue.next_seq,
        on_behalf=command.on_behalf,
    )
    return [PointOfOrderRaised(now, point)]


def chosen(queue: Queue, command: HearPointOfOrder) -> PointOfOrder:
    """The point the chair hears: the first raised, or the one the console showed (M1)."""
    if command.point_id is None:
        if not queue.points:
            raise IllegalCommand("point.none_waiting")
        return queue.points[0]
    point = next((p for p in queue.points if p.id == command.point_id), None)
    if point is None:
        raise FloorChanged("point.no_longer_waiting", point=command.point_id)
    return point


def heard(
    run: SegmentRun,
    point: PointOfOrder,
    interrupted: Allotment | None,
    now: float,
    replacing: str | None = None,
) -> PointOfOrderHeard:
    """O1: the raiser's procedural allotment; ``interrupted`` is held, already paused."""
    rules = run.plan.rules
    allotment = speech.allot(
        Speaker(point.delegation_id, point.name, point.category),
        rules.point_of_order_seconds,
        Basis.POINT_OF_ORDER,
        now=now,
        warning_seconds=rules.warning_seconds,
        request_id=point.id,
        requested_at=point.raised_at,
        phase_key=current_phase(run).key,
    )
    return PointOfOrderHeard(now, point, allotment, interrupted, replacing)


def ruled(
    on_floor: Allotment | None, held: Allotment | None, command: RulePointOfOrder, now: float
) -> PointOfOrderRuled:
    """O1: the ruling, recorded as text; the held speech comes back exactly as held."""
    if on_floor is None or not is_point_of_order(on_floor):
        raise IllegalCommand("point.none_heard")
    ruling = command.ruling.strip()
    if not ruling:
        raise IllegalCommand("point.no_ruling")
    assert on_floor.request_id is not None  # a point's allotment names the point (heard)
    assert on_floor.requested_at is not None
    left = speech.seconds_left(on_floor, now)
    spoken = speech.total_allotted(on_floor) - left if on_floor.started_at is not None else 0.0
    return PointOfOrderRuled(
        now, on_floor.request_id, on_floor.speaker, on_floor.requested_at, ruling, spoken, held
    )


# -- O3 closed lists -----------------------------------------------------------------------


def list_phase(run: SegmentRun, category: Category) -> PhasePlan | None:
    """O3: the phase whose list a request of ``category`` joins: the first remaining
    floor phase that hears it."""
    return next(
        (
            p
            for p in run.plan.phases[run.phase_index :]
            if p.kind is PhaseKind.FLOOR and category in p.eligible
        ),
        None,
    )


def refuse_if_closed(run: SegmentRun, queue: Queue, category: Category) -> None:
    """O3: a delegation's own request to a closed list is refused, naming the list."""
    phase = list_phase(run, category)
    if phase is not None and phase.key in queue.closed_lists:
        raise FloorRuleRefused("list.closed", phase=phase.title, phase_key=phase.key)


def list_changed(
    run: SegmentRun, queue: Queue, command: CloseSpeakersList | ReopenSpeakersList, now: float
) -> list[Event]:
    """O3: close or reopen a remaining floor phase's list; a repeat changes nothing (M2)."""
    key = command.phase_key or current_phase(run).key
    index = next((n for n, p in enumerate(run.plan.phases) if p.key == key), None)
    if index is None:
        raise NotFound("phase.not_found", key=key, segment=run.plan.title)
    phase = run.plan.phases[index]
    if index < run.phase_index:
        raise phase_gone(phase.title, phase.key, current_phase(run))
    if phase.kind is not PhaseKind.FLOOR:
        raise IllegalCommand("phase.no_list", phase=phase.title, phase_key=phase.key)
    closed = key in queue.closed_lists
    if isinstance(command, CloseSpeakersList):
        return [] if closed else [SpeakersListClosed(now, key)]
    return [SpeakersListReopened(now, key)] if closed else []
