"""The intervention record (R1), rebuilt from a room's events alone.

Theory of operation
-------------------
The engine writes no record table: every event that takes a request out of
the queue carries the request, and ``SpeechEnded`` carries the whole
intervention (R1). So the record is a fold over the room's event stream, in
the order the events were stored:

* ``SegmentOpened`` starts a *run* of a segment: the requests of a run are
  keyed by their id, which restarts with each run;
* ``FloorRequested`` adds a waiting row; ``RequestWithdrawn`` and
  ``RequestsClosed`` (not heard: the phase ended, A3, the segment closed or
  the moderator cleared the queue) end it without a speech, its reason kept;
* ``FloorGranted`` puts a row on the floor (a request, a programme speaker
  or someone named by the moderator), flagged if out of order (P2);
* the moderator's overrides (out of order, a moved request, an allotment
  set or overridden, an extension) are kept in the order they happened,
  each once: the simulator prints them so (docs/simulate.md);
* ``SpeechEnded`` is authoritative for the times and the seconds: a row
  whose grant is missing from the stream is rebuilt from it alone;
* the moderator's operations of the floor: ``RequestStruck`` ends a row as
  not heard, ``struck``, with the moderator's reason (M4);
  ``RequestReturned`` puts a granted speaker who had not started back among
  the waiting rows (M5: not "not heard"); ``FloorRestored`` (an undo, M3)
  shows the floor as it came back: a request waiting again is a waiting row,
  an undone end is no end (the intervention continues, and its final
  ``SpeechEnded`` gives its times), an undone grant is no grant; the speech
  that comes back is its request's line (a delegation that spoke and asked
  again has two), or the turn granted then (programme, named). The undone
  events stay in the stream as they were; the fold shows what stands, and
  each line an undo brought back says what was undone (``undone``), so the
  record keeps both the change and its undo;
* a point of order (O1) is not an intervention on substance: while one is
  heard (``PointOfOrderHeard`` to ``PointOfOrderRuled``) the speech it
  interrupted is held, and the clock events of the raiser touch no row; the
  held speech carries on after the ruling, one row. The points themselves
  (who raised them, when, the ruling) are in their events;
* a right of reply (O2) is a line of its own, marked ``reply``: asked
  (``ReplyRequested``), withdrawn, closed as not heard when the segment
  closes (``RepliesClosed``), sent back (``ReplyReturned``, M5), or given the
  floor and heard like any speech (basis ``reply``). It is not a
  contribution: the statistics count it apart (R4) and the report does not
  list it among the delegations that took the floor;
* speech kinds (O8): a request's stance (pro, contra, none) is kept on its
  line (``stance``); an interposed question is, like a point of order, no
  line: while it is put (``QuestionConsented`` to ``QuestionEnded``) the
  speech is held and the questioner's clock touches no row; the answer is
  part of the speaker's own speech, one line;
* Model UN (O11): a yield to a delegate (``FloorYielded``) puts the delegate's
  line on the floor, basis ``yielded`` (no request: the yielder's line is the
  turn of the list); a yield to questions keeps the yielder's line, its
  questioners being no lines (as interposed questions); a caucus speaker
  called by the chair is a line of basis ``caucus``.

Rows come out segment run by segment run: speeches in order of grant, then
the requests never granted in order of request. A stream that stops
mid-segment gives rows that are still ``waiting`` or ``speaking``.

The events know neither the day, the room's name nor a delegation's
regional group: the caller passes them in (``SegmentInfo``,
``DelegationInfo``). Pure: no I/O. Times are UTC epoch seconds.

The module is longer than 400 lines on purpose: it is the one R1 fold (the
simulator and the record both read it, issue 12), and its row type, the fold
and the lines it makes change together whenever an event is added.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from app.category import PROGRAMME_CATEGORIES, Category, is_stakeholder
from app.queue import events as queue_events
from app.queue.requests import FloorRequest, Reply, Stance
from app.timing.allotment import (
    Allotment,
    AllotmentOverridden,
    Basis,
    SpeechEnded,
    SpeechExtended,
    SpeechStarted,
)
from app.timing.plan import SegmentPlan
from app.timing.programme import PhaseStarted, SegmentClosed, SegmentOpened

#: ``closed_reason`` of a request the moderator struck (M4); its reason is ``struck_reason``.
STRUCK = "struck"
ABSENT = "absent"  # O5: an inscribed speaker absent a second time when called
#: R4: the least a speech heard must last to count as taking the floor; a shorter one
#: is an accidental grant cut at once. A meeting setting: ``took_floor_seconds`` in the
#: programme file's ``rules`` (``Meeting.rules``).
TOOK_FLOOR_SECONDS = 10.0


class Outcome(StrEnum):
    HEARD = "heard"
    NOT_HEARD = "not_heard"  # closed by the engine (A3, segment closed) or never started
    WITHDRAWN = "withdrawn"
    WAITING = "waiting"  # the stream stops while the request waits ...
    SPEAKING = "speaking"  # ... or while the speaker has the floor


class Group(StrEnum):
    """The columns of the seeds' Table 1 (000 §2), from P1 categories gathered by P3."""

    MEMBER_STATES = "member_states"
    OBSERVER_STATES = "observer_states"  # P3: unless the meeting counts them as stakeholders
    UN_SYSTEM = "un_system"
    OTHER_STAKEHOLDERS = "other_stakeholders"
    PROGRAMME = "programme"  # panellists, presenters, officials, the chair: by programme


def group_of(category: Category | None, observer_state_is_stakeholder: bool = False) -> Group:
    """Table 1's group for a category (P1, P3)."""
    if category is None or category in PROGRAMME_CATEGORIES:
        return Group.PROGRAMME
    if category is Category.MEMBER_STATE:
        return Group.MEMBER_STATES
    if category is Category.UN_SYSTEM:
        return Group.UN_SYSTEM
    if is_stakeholder(category, observer_state_is_stakeholder):
        return Group.OTHER_STAKEHOLDERS
    return Group.OBSERVER_STATES


@dataclass(frozen=True, slots=True)
class DelegationInfo:
    """A registered delegation, as the record joins it (app.db.models.Delegation)."""

    code: str
    name: str
    category: Category
    regional_group: str = ""  # UN regional group of a State; "" for others


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """What the events do not say about a segment: its id in the programme, day, room."""

    id: str
    title: str
    day: str = ""  # ISO date in the meeting's time zone
    room: str = ""  # the room's name


@dataclass(frozen=True, slots=True)
class Intervention:
    """One line of the record (R1): a request, or a turn given by programme or by name."""

    # where
    room: str
    day: str
    segment: str
    segment_title: str
    phase: str  # where the floor was given; else where the request left the queue
    # who
    request_id: str | None  # None: a programme speaker, or someone named by the moderator
    speaker_id: str  # the engine's: a delegation's code, "programme:<phase>:<n>", "named:<name>"
    delegation: str  # the delegation's code; "" for a speaker without delegation
    name: str
    category: Category | None
    group: Group
    regional_group: str
    # when (UTC epoch seconds)
    requested_in: str | None  # the phase current when the request was made
    requested_at: float | None
    granted_at: float | None
    started_at: float | None
    ended_at: float | None
    closed_at: float | None  # when a request not granted left the queue
    # how long (seconds)
    allotted: float | None  # as granted or set by the moderator, plus extensions
    extended: float
    spoken: float
    overtime: float
    basis: Basis | None  # why the allotment (T1, T2, P4, programme, override)
    # how
    out_of_order: bool  # P2: granted out of the rules' order (the moderator's call)
    moved: bool  # the moderator moved the request in the queue
    allotment_set: bool  # the moderator fixed the allotment
    first_time: bool | None  # P8, as recorded with the request
    on_behalf: bool  # P7: entered by the moderator
    overrides: tuple[str, ...]  # out_of_order, moved, allotment, extended: in order, each once
    outcome: Outcome
    closed_reason: str | None  # phase_ended, segment_closed, queue_cleared, not_started,
    # withdrawn, struck, absent (O5)
    struck_reason: str | None = None  # M4: the moderator's reason for striking it
    # M3: the changes of this line that were undone, in the moderator's words, in order
    undone: tuple[str, ...] = ()
    reply: bool = False  # O2: a right of reply, not a contribution (R4 counts it apart)
    stance: Stance = Stance.NONE  # O8: pro, contra, or a plain contribution

    @property
    def heard(self) -> bool:
        return self.outcome is Outcome.HEARD


def took_floor(line: Intervention, minimum: float = TOOK_FLOOR_SECONDS) -> bool:
    """R4: ``line`` is a speech heard that lasted at least ``minimum`` seconds.

    The record keeps every speech as the engine ended it (R1: a 3-second cut is
    still ``heard``); the statistics and the report count only those that took
    the floor.
    """
    return line.outcome is Outcome.HEARD and line.spoken >= minimum


@dataclass(slots=True, eq=False)  # rows are told apart by identity
class _Row:
    """An intervention while the events are folded (mutable, private)."""

    request_id: str | None
    speaker_id: str
    name: str
    category: Category | None
    phase: str
    requested_in: str | None = None
    requested_at: float | None = None
    first_time: bool | None = None
    on_behalf: bool = False
    granted_at: float | None = None
    started_at: float | None = None
    ended_at: float | None = None
    closed_at: float | None = None
    allotted: float | None = None
    extended: float = 0.0
    spoken: float = 0.0
    overtime: float = 0.0
    basis: Basis | None = None
    out_of_order: bool = False
    moved: bool = False
    allotment_set: bool = False
    overrides: list[str] = field(default_factory=list)
    outcome: Outcome = Outcome.WAITING
    closed_reason: str | None = None
    struck_reason: str | None = None
    undone: list[str] = field(default_factory=list)  # M3: kept whatever comes back
    overrides_when_asked: tuple[str, ...] = ()  # before a grant that was sent back (M5)
    reply: bool = False  # O2
    stance: Stance = Stance.NONE  # O8

    def override(self, what: str) -> None:
        """Record one of the moderator's overrides, once, where it first happened."""
        if what not in self.overrides:
            self.overrides.append(what)


@dataclass(slots=True)
class _Run:
    """One segment run: its plan and the rows it produced so far."""

    plan: SegmentPlan
    phase: str
    requests: dict[str, _Row] = field(default_factory=dict)
    granted: list[_Row] = field(default_factory=list)
    current: _Row | None = None
    held: _Row | None = None  # O1: the speech a point of order interrupted


def build_record(
    events: Iterable[queue_events.Event],
    *,
    delegations: Mapping[str, DelegationInfo] | None = None,
    segments: Mapping[str, SegmentInfo] | None = None,
) -> tuple[Intervention, ...]:
    """R1: every intervention of a room's event stream, segment run by segment run.

    ``delegations`` is keyed by code (the engine's speaker id); ``segments`` by
    the plan's id (the caller may map several ids to one segment).
    """
    joined = _Join(delegations or {}, segments or {})
    out: list[Intervention] = []
    run: _Run | None = None
    for event in events:
        if isinstance(event, SegmentOpened):
            if run is not None:
                out.extend(joined.rows(run))
            run = _Run(event.plan, event.plan.phases[0].key if event.plan.phases else "")
        elif run is not None:
            _fold(run, event)
            if isinstance(event, SegmentClosed):
                out.extend(joined.rows(run))
                run = None
    if run is not None:
        out.extend(joined.rows(run))
    return tuple(out)


def _asked(run: _Run, asked: FloorRequest | Reply, at: float, **line: Any) -> None:
    """A request for the floor, or for a reply, opens its line as waiting (R1)."""
    run.requests[asked.id] = _Row(
        asked.id,
        asked.delegation_id,
        asked.name,
        asked.category,
        run.phase,
        requested_in=run.phase,
        requested_at=at,
        on_behalf=asked.on_behalf,
        **line,
    )


def _fold(run: _Run, event: queue_events.Event) -> None:
    match event:
        case PhaseStarted(key=key):
            run.phase = key
        case queue_events.FloorRequested(at=at, request=r):
            _asked(run, r, at, first_time=r.first_time, stance=r.stance)
        case queue_events.ReplyRequested(at=at, reply=r):
            _asked(run, r, at, reply=True)  # O2: its own line, not a contribution
        case queue_events.RequestWithdrawn(at=at, request=r):
            _leave(run, r.id, at, Outcome.WITHDRAWN, "withdrawn")
        case queue_events.ReplyWithdrawn(at=at, reply=r):
            _leave(run, r.id, at, Outcome.WITHDRAWN, "withdrawn")
        case queue_events.RepliesClosed(at=at, replies=closed, reason=reason):
            for r in closed:
                _leave(run, r.id, at, Outcome.NOT_HEARD, reason.value)
        case queue_events.ReplyReturned(reply=r) if r.id in run.requests:
            _waiting_again(run, run.requests[r.id])
            run.current = None
        case queue_events.RequestStruck(at=at, request=r, reason=reason):
            _leave(run, r.id, at, Outcome.NOT_HEARD, STRUCK)
            if r.id in run.requests:
                run.requests[r.id].struck_reason = reason
        case queue_events.RequestReturned(request=r) if r.id in run.requests:
            _waiting_again(run, run.requests[r.id])
            run.current = None
        case queue_events.InscribedSpeakerAbsent(request=r, called=True) if r.id in run.requests:
            _waiting_again(run, run.requests[r.id])  # O5: called, absent, waiting again
            run.current = None
        case queue_events.InscribedSpeakerDropped(at=at, request=r, called=called):
            if called and r.id in run.requests:
                _waiting_again(run, run.requests[r.id])
                run.current = None
            _leave(run, r.id, at, Outcome.NOT_HEARD, ABSENT)  # O5: a second absence
        case queue_events.FloorRestored():
            _restored(run, event)
        case queue_events.PointOfOrderHeard() | queue_events.QuestionConsented():
            run.held, run.current = run.current, None  # O1, O8: that clock is not the row's
        case queue_events.PointOfOrderRuled() | queue_events.QuestionEnded():
            run.current, run.held = run.held, None
        case queue_events.RequestsClosed(at=at, requests=closed, reason=reason):
            for r in closed:
                _leave(run, r.id, at, Outcome.NOT_HEARD, reason.value)
        case queue_events.RequestMoved(request_id=request_id):
            if request_id in run.requests:
                run.requests[request_id].moved = True
                run.requests[request_id].override("moved")
        case queue_events.RequestAllotmentSet(request_id=request_id):
            if request_id in run.requests:
                run.requests[request_id].allotment_set = True
                run.requests[request_id].override("allotment")
        case queue_events.FloorGranted(at=at, allotment=a):
            run.current = _granted(run, a, at)
        case queue_events.FloorYielded(at=at, allotment=a) if a is not None:
            run.current = _granted(run, a, at)  # O11: the delegate yielded to, its own line
        case SpeechStarted(at=at) if run.current is not None:
            if run.current.started_at is None:  # a resume is SpeechResumed; keep the first
                run.current.started_at = at
        case AllotmentOverridden(seconds=seconds) if run.current is not None:
            run.current.allotted = seconds + run.current.extended
            kept = Basis.REPLY if run.current.reply else Basis.OVERRIDE  # O2: still a reply
            if run.current.basis in (Basis.YIELDED, Basis.CAUCUS):  # O11: still its kind
                kept = run.current.basis
            run.current.basis, run.current.allotment_set = kept, True
            run.current.override("allotment")
        case SpeechExtended(seconds=seconds) if run.current is not None:
            run.current.extended += seconds
            run.current.override("extended")
            run.current.allotted = (run.current.allotted or 0.0) + seconds
        case SpeechEnded():
            _ended(run, event)
        case _:
            pass


def _leave(run: _Run, request_id: str, at: float, outcome: Outcome, reason: str) -> None:
    row = run.requests.get(request_id)
    if row is not None:
        row.outcome, row.closed_reason, row.closed_at, row.phase = outcome, reason, at, run.phase


def _waiting_again(run: _Run, row: _Row) -> None:
    """M3, M5: a request back in the queue is a waiting row, as it was when made."""
    if row in run.granted:
        run.granted.remove(row)
        row.overrides = list(row.overrides_when_asked)
    row.phase = row.requested_in or row.phase
    row.granted_at = row.started_at = row.ended_at = row.closed_at = row.allotted = None
    row.basis, row.out_of_order, row.spoken, row.overtime = None, False, 0.0, 0.0
    row.outcome, row.closed_reason, row.struck_reason = Outcome.WAITING, None, None


def _restored(run: _Run, event: queue_events.FloorRestored) -> None:
    """M3: the rows as the floor came back: waiting requests, and the speaker on it."""
    run.phase = event.segment.plan.phases[event.segment.phase_index].key
    procedural = (Basis.POINT_OF_ORDER, Basis.QUESTION)  # O1, O8: the speech is held
    point = event.speech is not None and event.speech.basis in procedural
    back = event.held if point else event.speech  # O1: the speech on substance
    if run.held is not None:
        run.current, run.held = run.held, None
    waiting = {r.id for r in event.queue.waiting} | {r.id for r in event.queue.replies}  # O2
    on_floor = run.current
    if on_floor is not None and (back is None or not _line_of(on_floor, back)):
        run.current = None  # an undone grant is no grant
        if on_floor.request_id not in waiting:
            run.granted.remove(on_floor)
    for request_id in waiting:
        row = run.requests.get(request_id)
        if row is not None and row.outcome is not Outcome.WAITING:
            _waiting_again(run, row)
            row.undone.append(event.undone)
    if back is not None and run.current is None:
        row = next((g for g in reversed(run.granted) if _line_of(g, back)), None)
        if row is None or row.outcome is not Outcome.SPEAKING:  # the undo brings it back
            if row is None:  # sent back before (M5), or granted before the stream began
                row = _granted(run, back, back.granted_at)
            row.undone.append(event.undone)
        row.ended_at, row.spoken, row.overtime = None, 0.0, 0.0  # an undone end is no end
        row.outcome, row.closed_reason = Outcome.SPEAKING, None
        run.current = row
    if point:
        run.held, run.current = run.current, None


def _line_of(row: _Row, a: Allotment) -> bool:
    """M3: whether ``row`` is the line of the speech ``a``, which an undo brings back.

    A delegation may speak twice in a run (it asks again once it has spoken):
    a request's line is its request's, never an earlier one of the same
    speaker; a turn without a request (programme, named) is the speaker's turn
    granted then (a row rebuilt from its end alone has no grant time).
    """
    if a.request_id is not None or row.request_id is not None:
        return row.request_id == a.request_id
    return row.speaker_id == a.speaker.id and row.granted_at in (None, a.granted_at)


def _granted(run: _Run, a: Allotment, at: float) -> _Row:
    row = run.requests.get(a.request_id) if a.request_id is not None else None
    if row is None:  # a programme turn, someone named, or a request before the stream began
        row = _Row(a.request_id, a.speaker.id, a.speaker.name, a.speaker.category, a.phase_key)
        row.requested_at, row.reply = a.requested_at, a.basis is Basis.REPLY
        if a.request_id is not None:
            run.requests[a.request_id] = row
    row.overrides_when_asked = tuple(row.overrides)
    row.phase, row.granted_at = a.phase_key, at
    row.allotted, row.basis = a.seconds + a.extended, a.basis
    row.out_of_order, row.outcome = a.out_of_order, Outcome.SPEAKING
    row.allotment_set = row.allotment_set or a.basis is Basis.OVERRIDE
    _overridden(row, a.out_of_order, a.basis, a.extended)
    run.granted.append(row)
    return row


def _ended(run: _Run, event: SpeechEnded) -> None:
    """SpeechEnded carries the intervention (R1): it wins over what was folded."""
    row = run.current
    if row is None:  # the grant is not in the stream: rebuild the row from this event
        who = event.speaker
        row = _Row(event.request_id, who.id, who.name, who.category, event.phase_key)
        row.requested_at, row.reply = event.requested_at, event.basis is Basis.REPLY
        run.granted.append(row)
    row.phase, row.ended_at, row.started_at = event.phase_key, event.at, event.started_at
    row.allotted, row.extended, row.basis = event.allotted, event.extended, event.basis
    row.spoken, row.overtime = event.spoken, event.overtime
    row.out_of_order = event.out_of_order
    _overridden(row, event.out_of_order, event.basis, event.extended)  # a rebuilt row's
    row.outcome = Outcome.HEARD if event.heard else Outcome.NOT_HEARD
    row.closed_reason = None if event.heard else "not_started"
    run.current = None


def _overridden(row: _Row, out_of_order: bool, basis: Basis, extended: float) -> None:
    """The overrides a grant or a speech's end carries (already seen ones stay in place)."""
    if out_of_order:
        row.override("out_of_order")
    if basis is Basis.OVERRIDE:
        row.override("allotment")
    if extended:
        row.override("extended")


class _Join:
    """Turns a run's rows into record lines, joining the caller's lookups."""

    def __init__(
        self, delegations: Mapping[str, DelegationInfo], segments: Mapping[str, SegmentInfo]
    ) -> None:
        self._delegations, self._segments = delegations, segments

    def rows(self, run: _Run) -> list[Intervention]:
        granted = {id(row) for row in run.granted}
        waiting = [row for row in run.requests.values() if id(row) not in granted]
        return [self._line(run.plan, row) for row in [*run.granted, *waiting]]

    def _line(self, plan: SegmentPlan, row: _Row) -> Intervention:
        segment = self._segments.get(plan.id) or SegmentInfo(plan.id, plan.title)
        delegation = self._delegations.get(row.speaker_id)
        if delegation is None and row.request_id is None:
            code = ""  # a programme speaker ("programme:<phase>:<n>") or someone named
        else:
            code = row.speaker_id
        category = row.category if row.category is not None else _category(delegation)
        return Intervention(
            room=segment.room or plan.room_id,
            day=segment.day,
            segment=segment.id,
            segment_title=segment.title,
            phase=row.phase,
            request_id=row.request_id,
            speaker_id=row.speaker_id,
            delegation=code,
            name=delegation.name if delegation is not None else row.name,
            category=category,
            group=group_of(category, plan.rules.observer_state_is_stakeholder),
            regional_group=delegation.regional_group if delegation is not None else "",
            requested_in=row.requested_in,
            requested_at=row.requested_at,
            granted_at=row.granted_at,
            started_at=row.started_at,
            ended_at=row.ended_at,
            closed_at=row.closed_at,
            allotted=row.allotted,
            extended=row.extended,
            spoken=row.spoken,
            overtime=row.overtime,
            basis=row.basis,
            out_of_order=row.out_of_order,
            moved=row.moved,
            allotment_set=row.allotment_set,
            first_time=row.first_time,
            on_behalf=row.on_behalf,
            overrides=tuple(row.overrides),
            outcome=row.outcome,
            closed_reason=row.closed_reason,
            struck_reason=row.struck_reason,
            undone=tuple(row.undone),
            reply=row.reply,
            stance=row.stance,
        )


def _category(delegation: DelegationInfo | None) -> Category | None:
    return None if delegation is None else delegation.category
