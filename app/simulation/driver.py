"""A segment played in virtual time: the engine driven by a simulated room.

Theory of operation
-------------------
``simulate`` opens a segment (``OpenSegment``) in an empty ``RoomState`` and
then repeats one step until the segment closes. Three things can happen
next: a deadline of the engine (``next_deadline``: a warning, a time up, a
phase that must end; T5, A3), a delegation's press (a request, a second
press, a withdrawal; P6, P7) and the moderator's next move. The earliest is
applied with ``apply(state, command, now)``; on a tie the deadline goes
first, then the delegation, then the moderator. Time is virtual: ``now``
jumps from one instant to the next, nothing sleeps, no clock is read.

The room is random but reproducible: every draw comes from one
``random.Random(seed)`` in a fixed order, so a seed gives the same meeting
twice. Member States mostly ask in the first 20 minutes of the first floor
phase, some later; stakeholders ask at any time in it; a few press twice
(P6, P8), ask through the moderator (P7) or withdraw. Speeches: about 20 %
stop early (50-95 % of the allotment), 60 % end near it (95-105 %), 20 % run
over by up to a minute (T5).

The moderator is simple. Programme phases: each programme speaker, then
close. Discussion phases: their planned time, then close. Floor phases: the
next speaker by the rules while someone eligible waits; wait while more
requests are expected (the simulator knows its schedule, a real moderator
asks the room); close otherwise. A floor phase with no A3 limit is closed
when its planned time is up, if the engine allows (A4 may refuse). With
``override_rate`` > 0 the moderator sometimes grants out of order, moves a
request to the front, sets an allotment or extends a speech: overrides the
engine must record. A refused command is kept in ``Simulation.refusals``.

Everything reported is rebuilt from the events alone (R1): the timeline,
the summary, and ``check_invariants``. The checker keeps its own queue and
recomputes what the rules fix (P2, P4, P6, P8, T1-T4, A3, A4) from what was
recorded, instead of trusting the engine's decisions, so that a wrong
decision shows up as a violation; it also checks that the record runs
forward in time and that the segment closed. Overrides are what the engine
recorded as such: ``out_of_order`` on a grant, ``override`` as the basis of
an allotment, ``SpeechExtended``.

Pure except for randomness: this is the one module of ``app.queue`` that may
import ``random``. Times are UTC epoch seconds, durations seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from random import Random
from typing import Any

from app.category import PROGRAMME_CATEGORIES, Category, is_stakeholder, stakeholder_categories
from app.errors import DomainError
from app.queue.commands import (
    ClosePhase,
    Command,
    GrantFloor,
    MoveRequest,
    OpenSegment,
    RequestFloor,
    SetRequestAllotment,
    Tick,
    WithdrawRequest,
)
from app.queue.events import (
    Event,
    FloorGranted,
    FloorRequested,
    RequestAllotmentSet,
    RequestMoved,
    RequestsClosed,
    RequestWithdrawn,
)
from app.queue.floor import RoomState, apply, next_deadline
from app.queue.requests import FloorRequest
from app.timing.allotment import (
    AllotmentOverridden,
    Basis,
    EndSpeech,
    ExtendSpeech,
    SetAllotment,
    Speaker,
    SpeechEnded,
    SpeechExtended,
    SpeechStarted,
    SpeechStatus,
    StartSpeech,
)
from app.timing.plan import PhaseKind, PhasePlan, SegmentPlan
from app.timing.programme import (
    PhaseEnded,
    PhaseStarted,
    SegmentClosed,
    SegmentOpened,
    SegmentRun,
    current_phase,
    planned_end,
)

MIN = 60.0

# -- the room's habits (seconds) -------------------------------------------------------
EARLY_WINDOW = 20 * MIN  # most Member States ask in the phase's first 20 minutes
EARLY_SHARE = 0.8
SECOND_PRESS_SHARE = 0.1  # press again: a no-op while waiting (P6), a new request after (P8)
WITHDRAW_SHARE = 0.05
ON_BEHALF_SHARE = 0.15  # a raised name plate, entered by the moderator (P7)
GAP = (2.0, 8.0)  # between one speaker and the next
START_DELAY = (1.0, 5.0)  # from the grant to the first word
OVERRUN_MAX = 60.0
EXTENSION = 30.0
OVERRIDE_SECONDS = (60.0, 90.0, 150.0, 240.0)
OVERRIDE_KINDS = ("grant_named", "grant_seconds", "set_after_grant", "move", "set_waiting")
MAX_STEPS = 20_000
HORIZON = 4 * 3600.0  # stop if the segment is still open this long after its scheduled end


# -- the result -------------------------------------------------------------------------


class Group(StrEnum):
    """How the record counts speakers (R4): P1 categories gathered by P3."""

    MEMBER_STATES = "member_states"
    OBSERVER_STATES = "observer_states"
    STAKEHOLDERS = "stakeholders"
    PROGRAMME = "programme"


class Outcome(StrEnum):
    HEARD = "heard"
    NOT_HEARD = "not_heard"  # closed by the engine (A3, segment closed) or never started
    WITHDRAWN = "withdrawn"
    WAITING = "waiting"  # still waiting or speaking when the simulation stopped


@dataclass(frozen=True, slots=True)
class Intervention:
    """One line of the timeline (R1): a request, or a programme speaker's turn."""

    request_id: str | None  # None: a programme speaker (or a speaker named by the moderator)
    delegation_id: str
    name: str
    category: Category | None
    group: Group
    phase: str  # where the floor was given; else where the request left the queue
    requested_in: str | None  # the phase current when the request was made
    requested_at: float | None
    first_time: bool | None  # P8, as recorded with the request
    granted_at: float | None
    allotted: float | None  # as granted, or as the moderator set it (``basis`` applies)
    basis: Basis | None
    extended: float  # added by extensions: allotted + extended is the time given
    started_at: float | None
    ended_at: float | None
    spoken: float
    overtime: float
    heard: bool
    outcome: Outcome
    closed_reason: str | None  # phase_ended, segment_closed, withdrawn, not_started
    left_at: float | None  # when a request not granted left the queue
    out_of_order: bool
    overrides: tuple[str, ...]  # out_of_order, moved, allotment, extended


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
    heard: dict[str, int]  # by Group value
    not_heard: dict[str, int]
    withdrawn: dict[str, int]
    overridden: int  # interventions with at least one recorded override
    allotted_seconds: float  # R4: time given to the speeches heard (extensions included) ...
    spoken_seconds: float  # ... against time used
    opened_at: float
    closed_at: float | None
    planned_end: float  # app.timing.programme.planned_end
    drift: float | None  # C2 at close: closed_at - planned_end (positive: late)


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
    timeline: tuple[Intervention, ...]  # granted in order of grant, then the others
    phases: tuple[PhaseRecord, ...]
    summary: Summary
    complete: bool  # the segment closed within the simulation's bounds


# -- delegations -------------------------------------------------------------------------


def sample_delegations(
    n_member_states: int, n_stakeholders: int, rng: Random
) -> tuple[tuple[Speaker, ...], tuple[Speaker, ...]]:
    """Synthetic delegations for tests: MS01.. (member_state), SH01.. (a random P3 category)."""
    kinds = sorted(stakeholder_categories(), key=lambda c: c.value)  # sorted: reproducible
    states = tuple(
        Speaker(f"MS{n:02d}", f"Member State {n:02d}", Category.MEMBER_STATE)
        for n in range(1, n_member_states + 1)
    )
    others = tuple(
        Speaker(f"SH{n:02d}", f"Stakeholder {n:02d}", rng.choice(kinds))
        for n in range(1, n_stakeholders + 1)
    )
    return states, others


# -- simulate ----------------------------------------------------------------------------


def simulate(
    plan: SegmentPlan,
    *,
    member_states: Sequence[Speaker],
    stakeholders: Sequence[Speaker],
    seed: int,
    opened_at: float | None = None,
    override_rate: float = 0.0,
    max_steps: int = MAX_STEPS,
) -> Simulation:
    """Play ``plan`` from its scheduled start (or ``opened_at``) until it closes,
    or until ``max_steps`` commands or four hours past the scheduled end."""
    room = _Room(plan, Random(seed), override_rate)
    room.schedule(member_states, stakeholders)
    complete = room.run(plan.scheduled_start if opened_at is None else opened_at, max_steps)
    events = tuple(room.events)
    timeline = build_timeline(plan, events)
    return Simulation(
        plan=plan,
        seed=seed,
        member_states=len(member_states),
        stakeholders=len(stakeholders),
        override_rate=override_rate,
        events=events,
        refusals=tuple(room.refusals),
        timeline=timeline,
        phases=phase_records(plan, events),
        summary=summarise(plan, events, timeline),
        complete=complete,
    )


@dataclass(frozen=True, slots=True)
class _Press:
    offset: float  # seconds after the first floor phase starts
    order: int  # ties keep the order of drawing
    command: RequestFloor | WithdrawRequest


_Action = Callable[[], object]
_Step = tuple[float, int, _Action]  # when, tie rank, what


class _Room:
    """The simulated room: presses on a schedule, a moderator with simple habits."""

    def __init__(self, plan: SegmentPlan, rng: Random, override_rate: float) -> None:
        self.plan, self.rng, self.override_rate = plan, rng, override_rate
        self.state = RoomState(plan.room_id)
        self.now = plan.scheduled_start
        self.events: list[Event] = []
        self.refusals: list[Refusal] = []
        self.presses: list[_Press] = []
        self.next_press = 0
        self.anchor: float | None = None  # when the first floor phase started
        self.idle_until = 0.0  # the moderator's pause between speakers
        self.start_at = 0.0  # the current speaker's first word ...
        self.end_at = 0.0  # ... and last
        self.extend_at: float | None = None  # an extension the moderator will give
        self.reallot: float | None = None  # an allotment to set before the next start
        self.plain_next = False  # after a move or a refused override: no second override
        self.close_refused = False  # A4 refused to close; grant until something happens

    # -- the schedule of presses

    def schedule(self, states: Sequence[Speaker], others: Sequence[Speaker]) -> None:
        """Draw every delegation's presses, relative to the first floor phase's start."""
        span = _first_floor_span(self.plan)
        early = min(EARLY_WINDOW, span / 2)
        drawn: list[tuple[float, RequestFloor | WithdrawRequest]] = []
        for who in states:
            if self.rng.random() < EARLY_SHARE:
                offset = self.rng.uniform(0.0, early)
            else:
                offset = self.rng.uniform(early, span * 0.9)
            drawn.extend(self._presses_of(who, offset))
        for who in others:
            drawn.extend(self._presses_of(who, self.rng.uniform(0.0, span * 0.9)))
        self.presses = sorted(
            (_Press(round(offset, 1), n, command) for n, (offset, command) in enumerate(drawn)),
            key=lambda p: (p.offset, p.order),
        )

    def _presses_of(
        self, who: Speaker, offset: float
    ) -> list[tuple[float, RequestFloor | WithdrawRequest]]:
        on_behalf = self.rng.random() < ON_BEHALF_SHARE
        presses: list[tuple[float, RequestFloor | WithdrawRequest]] = [
            (offset, RequestFloor(who, on_behalf=on_behalf))
        ]
        if self.rng.random() < SECOND_PRESS_SHARE:
            presses.append((offset + self.rng.uniform(30.0, 1200.0), RequestFloor(who)))
        if self.rng.random() < WITHDRAW_SHARE:
            presses.append((offset + self.rng.uniform(60.0, 1200.0), WithdrawRequest(who.id)))
        return presses

    # -- the loop

    def run(self, opened_at: float, max_steps: int) -> bool:
        """Step until the segment closes; False if a bound stopped it first."""
        self.now = opened_at
        self._apply(OpenSegment(self.plan))
        horizon = max(self.plan.scheduled_end, opened_at) + HORIZON
        for _ in range(max_steps):
            if self.state.segment is None:
                return True
            step = self._next_step()
            if step is None or step[0] > horizon:
                return False
            self.now = max(self.now, step[0])
            step[2]()
        return self.state.segment is None

    def _next_step(self) -> _Step | None:
        """The earliest of: the engine's deadline, the next press, the moderator's move."""
        steps: list[_Step] = []
        deadline = next_deadline(self.state)
        if deadline is not None:
            steps.append((max(deadline, self.now), 0, lambda: self._apply(Tick())))
        if self.anchor is not None and self.next_press < len(self.presses):
            press = self.presses[self.next_press]
            steps.append((max(self.anchor + press.offset, self.now), 1, self._press))
        move = self._moderator()
        if move is not None:
            steps.append((max(move[0], self.now), 2, move[1]))
        return min(steps, key=lambda s: (s[0], s[1])) if steps else None

    def _press(self) -> None:
        press = self.presses[self.next_press]
        self.next_press += 1
        self._apply(press.command)

    def _apply(self, command: Command) -> bool:
        """Apply ``command`` now; a refusal is recorded and changes nothing."""
        try:
            decision = apply(self.state, command, self.now)
        except DomainError as error:
            self.refusals.append(Refusal(self.now, type(command).__name__, error.detail))
            return False
        self.state = decision.state
        if decision.events:
            self.close_refused = False
        for event in decision.events:
            self.events.append(event)
            self._observe(event)
        return True

    def _observe(self, event: Event) -> None:
        """The room's reactions to what happened: draws of times, in event order."""
        match event:
            case SegmentOpened(at=at, plan=plan) if plan.phases[0].kind is PhaseKind.FLOOR:
                self.anchor = at
            case PhaseStarted(at=at, index=index):
                if self.anchor is None and self.plan.phases[index].kind is PhaseKind.FLOOR:
                    self.anchor = max(at, self.now)
                self.idle_until = self.now + self._uniform(GAP)
            case FloorGranted():
                self.start_at = self.now + self._uniform(START_DELAY)
                self.extend_at = None
            case SpeechStarted(at=at):
                assert self.state.speech is not None
                seconds = self.state.speech.seconds
                self.end_at = at + self._speech_length(seconds)
                if self.override_rate and self.rng.random() < self.override_rate / 2:
                    self.extend_at = at + max(0.0, seconds - 10.0)  # T5: +30 s near the end
            case SpeechEnded():
                self.idle_until = self.now + self._uniform(GAP)
            case _:
                pass

    def _uniform(self, bounds: tuple[float, float]) -> float:
        return round(self.rng.uniform(*bounds), 1)

    def _speech_length(self, allotted: float) -> float:
        """~20 % stop early, ~60 % end near the allotment, ~20 % run over (T5)."""
        draw = self.rng.random()
        if draw < 0.2:
            length = allotted * self.rng.uniform(0.5, 0.95)
        elif draw < 0.8:
            length = allotted * self.rng.uniform(0.95, 1.05)
        else:
            length = allotted + self.rng.uniform(0.0, OVERRUN_MAX)
        return round(length, 1)

    # -- the moderator

    def _moderator(self) -> tuple[float, _Action] | None:
        """The moderator's next move and when, or None to wait for a press."""
        run, speech = self.state.segment, self.state.speech
        assert run is not None
        if speech is not None:
            if speech.status is SpeechStatus.ALLOTTED:
                if self.reallot is not None:
                    return self.start_at, self._set_allotment
                return self.start_at, lambda: self._apply(StartSpeech())
            if self.extend_at is not None and self.extend_at < self.end_at:
                return self.extend_at, self._extend
            return self.end_at, lambda: self._apply(EndSpeech())
        phase = current_phase(run)
        at = max(self.now, self.idle_until)
        if phase.kind is PhaseKind.PROGRAMME:
            if run.programme_cursor < len(phase.speakers):
                return at, lambda: self._apply(GrantFloor())
            return at, self._close
        if phase.kind is PhaseKind.DISCUSSION:
            return max(at, run.phase_started_at + phase.planned_seconds), self._close
        if any(r.moved or _accepts(phase, r) for r in self.state.queue.waiting):
            time_up = _unbounded(phase) and at >= run.phase_started_at + phase.planned_seconds
            if time_up and not self.close_refused:
                return at, self._close
            return at, self._grant
        if self._expecting(run, phase):
            return None
        return at, self._close

    def _close(self) -> None:
        self.close_refused = not self._apply(ClosePhase())  # A4 may refuse

    def _set_allotment(self) -> None:
        assert self.reallot is not None
        seconds, self.reallot = self.reallot, None
        self._apply(SetAllotment(seconds))

    def _extend(self) -> None:
        self.extend_at = None
        self._apply(ExtendSpeech(EXTENSION))

    def _grant(self) -> None:
        """The next speaker by the rules or, at ``override_rate``, an override."""
        waiting = self.state.queue.waiting
        if self.plain_next or len(waiting) < 2 or self.rng.random() >= self.override_rate:
            self.plain_next = False
            self._apply(GrantFloor())
            return
        kind = self.rng.choice(OVERRIDE_KINDS)
        seconds = self.rng.choice(OVERRIDE_SECONDS)
        chosen = self.rng.choice(waiting[1:])
        if kind == "grant_named":
            done = self._apply(GrantFloor(request_id=chosen.id))
        elif kind == "grant_seconds":
            done = self._apply(GrantFloor(seconds=seconds))
        elif kind == "set_after_grant":
            self.reallot = seconds
            done = self._apply(GrantFloor())
        else:
            command = (
                MoveRequest(chosen.id, 0)
                if kind == "move"
                else SetRequestAllotment(chosen.id, seconds)
            )
            # the grant that follows is by the rules (and takes a moved request)
            self.plain_next = self._apply(command)
            return
        self.plain_next = not done

    def _expecting(self, run: SegmentRun, phase: PhasePlan) -> bool:
        """Whether a press still to come asks for this phase before its planned end."""
        assert self.anchor is not None  # the first floor phase has started
        until = run.phase_started_at + phase.planned_seconds
        if phase.max_seconds is not None:
            until = min(until, run.phase_started_at + phase.max_seconds)
        for press in self.presses[self.next_press :]:
            if self.anchor + press.offset > until:
                return False
            command = press.command
            if isinstance(command, RequestFloor) and command.delegation.category in phase.eligible:
                return True
        return False


def _first_floor_span(plan: SegmentPlan) -> float:
    """The planned length of the first floor phase (capped by its maximum)."""
    for phase in plan.phases:
        if phase.kind is PhaseKind.FLOOR:
            span = phase.planned_seconds
            return min(span, phase.max_seconds) if phase.max_seconds is not None else span
    return 0.0


def _accepts(phase: PhasePlan, request: FloorRequest) -> bool:
    return phase.kind is PhaseKind.FLOOR and request.category in phase.eligible


def _unbounded(phase: PhasePlan) -> bool:
    """A floor phase the engine never ends by itself (no A3 maximum, no yield)."""
    return phase.max_seconds is None and not phase.yields


# -- the record, from the events alone (R1) ---------------------------------------------


def group_of(plan: SegmentPlan, category: Category | None) -> Group:
    """R4: the group a category counts in; P3's observer setting decides observers."""
    if category is None or category in PROGRAMME_CATEGORIES:
        return Group.PROGRAMME
    if category is Category.MEMBER_STATE:
        return Group.MEMBER_STATES
    if is_stakeholder(category, plan.rules.observer_state_is_stakeholder):
        return Group.STAKEHOLDERS
    return Group.OBSERVER_STATES


@dataclass(slots=True)
class _Row:
    """An intervention while the events are folded (mutable, private)."""

    request_id: str | None
    delegation_id: str
    name: str
    category: Category | None
    requested_in: str | None
    requested_at: float | None = None
    first_time: bool | None = None
    phase: str = ""
    granted_at: float | None = None
    allotted: float | None = None
    basis: Basis | None = None
    extended: float = 0.0
    started_at: float | None = None
    ended_at: float | None = None
    spoken: float = 0.0
    overtime: float = 0.0
    heard: bool = False
    outcome: Outcome = Outcome.WAITING
    closed_reason: str | None = None
    left_at: float | None = None
    out_of_order: bool = False
    overrides: list[str] = field(default_factory=list)

    def override(self, what: str) -> None:
        if what not in self.overrides:
            self.overrides.append(what)


def build_timeline(plan: SegmentPlan, events: Sequence[Event]) -> tuple[Intervention, ...]:
    """R1: every intervention, granted ones in order of grant, then requests never granted."""
    phase = ""
    requested: dict[str, _Row] = {}
    granted: list[_Row] = []
    current: _Row | None = None
    for event in events:
        match event:
            case SegmentOpened(plan=opened):
                phase = opened.phases[0].key
            case PhaseStarted(key=key):
                phase = key
            case FloorRequested(at=at, request=r):
                requested[r.id] = _Row(
                    r.id, r.delegation_id, r.name, r.category, phase, at, r.first_time, phase
                )
            case RequestWithdrawn(at=at, request=r):
                _leave(requested[r.id], at, phase, Outcome.WITHDRAWN, "withdrawn")
            case RequestsClosed(at=at, requests=closed, reason=reason):
                for r in closed:
                    _leave(requested[r.id], at, phase, Outcome.NOT_HEARD, reason.value)
            case RequestMoved(request_id=request_id):
                requested[request_id].override("moved")
            case RequestAllotmentSet(request_id=request_id):
                requested[request_id].override("allotment")
            case FloorGranted(at=at, allotment=a):
                if a.request_id is not None:
                    current = requested[a.request_id]
                else:
                    current = _Row(None, a.speaker.id, a.speaker.name, a.speaker.category, None)
                current.phase, current.granted_at = a.phase_key, at
                current.allotted, current.basis = a.seconds, a.basis
                current.out_of_order = a.out_of_order
                if a.out_of_order:
                    current.override("out_of_order")
                if a.basis is Basis.OVERRIDE:
                    current.override("allotment")
                granted.append(current)
            case SpeechStarted(at=at):  # once per allotment: a resume is SpeechResumed
                assert current is not None
                current.started_at = at
            case AllotmentOverridden(seconds=seconds):
                assert current is not None
                current.allotted, current.basis = seconds, Basis.OVERRIDE
                current.override("allotment")
            case SpeechExtended():
                assert current is not None
                current.override("extended")
            case SpeechEnded():
                assert current is not None
                _end(current, event)
                current = None
            case _:
                pass
    rows = granted + [row for row in requested.values() if row.granted_at is None]
    return tuple(_frozen(plan, row) for row in rows)


def _leave(row: _Row, at: float, phase: str, outcome: Outcome, reason: str) -> None:
    row.outcome, row.closed_reason, row.left_at, row.phase = outcome, reason, at, phase


def _end(row: _Row, event: SpeechEnded) -> None:
    row.ended_at, row.basis = event.at, event.basis
    row.allotted = event.allotted - event.extended  # SpeechEnded.allotted includes them
    row.extended, row.spoken, row.overtime = event.extended, event.spoken, event.overtime
    row.heard = event.heard
    row.outcome = Outcome.HEARD if event.heard else Outcome.NOT_HEARD
    row.closed_reason = None if event.heard else "not_started"


def _frozen(plan: SegmentPlan, row: _Row) -> Intervention:
    return Intervention(
        request_id=row.request_id,
        delegation_id=row.delegation_id,
        name=row.name,
        category=row.category,
        group=group_of(plan, row.category),
        phase=row.phase,
        requested_in=row.requested_in,
        requested_at=row.requested_at,
        first_time=row.first_time,
        granted_at=row.granted_at,
        allotted=row.allotted,
        basis=row.basis,
        extended=row.extended,
        started_at=row.started_at,
        ended_at=row.ended_at,
        spoken=row.spoken,
        overtime=row.overtime,
        heard=row.heard,
        outcome=row.outcome,
        closed_reason=row.closed_reason,
        left_at=row.left_at,
        out_of_order=row.out_of_order,
        overrides=tuple(row.overrides),
    )


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
    """R4 counts by group, and the segment's times and drift (C2)."""

    def count(outcome: Outcome) -> dict[str, int]:
        return {
            g.value: sum(1 for i in timeline if i.outcome is outcome and i.group is g)
            for g in Group
        }

    opened = next((e.at for e in events if isinstance(e, SegmentOpened)), plan.scheduled_start)
    closed = next((e.at for e in events if isinstance(e, SegmentClosed)), None)
    end = planned_end(plan)
    heard = [i for i in timeline if i.heard]
    return Summary(
        heard=count(Outcome.HEARD),
        not_heard=count(Outcome.NOT_HEARD),
        withdrawn=count(Outcome.WITHDRAWN),
        overridden=sum(1 for i in timeline if i.overrides),
        allotted_seconds=sum((i.allotted or 0.0) + i.extended for i in heard),
        spoken_seconds=sum(i.spoken for i in heard),
        opened_at=opened,
        closed_at=closed,
        planned_end=end,
        drift=None if closed is None else closed - end,
    )


# -- the invariants, recomputed from the events ------------------------------------------


def check_invariants(simulation: Simulation) -> list[str]:
    """Violations of P2, P4, P6, P8, T1, T2, A3, A4 in the recorded events; [] if none."""
    check = _RuleCheck(simulation.plan)
    for event in simulation.events:
        check.fold(event)
    return check.finish()


@dataclass(slots=True)
class _RuleCheck:
    """An independent reading of the record: it keeps its own queue and recomputes
    every decision the rules fix, instead of trusting the engine's."""

    plan: SegmentPlan
    violations: list[str] = field(default_factory=list)
    index: int = 0  # the current phase
    phase_started_at: float = 0.0
    seq: int = 0  # order of request in the segment
    waiting: dict[str, tuple[FloorRequest, tuple[int, int, int]]] = field(default_factory=dict)
    moved: set[str] = field(default_factory=set)  # request ids placed by the moderator
    allotment_set: dict[str, float] = field(default_factory=dict)
    spoken: set[str] = field(default_factory=set)  # P8: delegations heard in the segment
    on_floor: str | None = None  # who holds the floor (speaker id)
    seconds: float = 0.0  # the current allotment, overrides included
    extended: float = 0.0
    programme_given: int = 0  # programme speakers given the floor in this phase
    asked: dict[str, FloorRequest] = field(default_factory=dict)  # for a block, not withdrawn (A4)
    closed: bool = False
    last_at: float = float("-inf")

    def fold(self, event: Event) -> None:
        if event.at < self.last_at:  # R1: the record is a history, in time order
            self._fail(
                event.at, f"{type(event).__name__} dated before the event recorded before it"
            )
        self.last_at = max(self.last_at, event.at)
        match event:
            case SegmentOpened(at=at):
                self.index, self.phase_started_at, self.programme_given = 0, at, 0
            case PhaseStarted(at=at, index=index):
                self.index, self.phase_started_at, self.programme_given = index, at, 0
                self._a3_waiting_closed(at)
            case FloorRequested():
                self._requested(event)
            case RequestWithdrawn(request=r):
                self.waiting.pop(r.id, None)
                self.asked.pop(r.id, None)  # A4 counts who still asks
            case RequestsClosed(requests=requests):
                for r in requests:
                    self.waiting.pop(r.id, None)
            case RequestMoved(request_id=request_id):
                self.moved.add(request_id)
            case RequestAllotmentSet(request_id=request_id, seconds=seconds):
                self.allotment_set[request_id] = seconds
            case FloorGranted():
                self._granted(event)
            case AllotmentOverridden(seconds=seconds):
                self.seconds = seconds
            case SpeechExtended(seconds=seconds):
                self.extended += seconds
            case SpeechEnded():
                self._ended(event)
            case SegmentClosed():
                self.closed = True
            case _:
                pass

    # -- requests: P2, P4, P6, P8

    def _requested(self, event: FloorRequested) -> None:
        r = event.request
        if any(w.delegation_id == r.delegation_id for w, _ in self.waiting.values()):
            self._fail(event.at, f"P6: {r.name} is twice in the queue")
        rank = self.plan.rules.rank_of(r.category)
        if r.category is Category.MEMBER_STATE and r.delegation_id in self.plan.rcp_chairs:
            rank = self.plan.rules.rcp_rank  # P4
        first = r.delegation_id not in self.spoken and r.delegation_id != self.on_floor
        if r.rank != rank:
            self._fail(event.at, f"P2/P4: {r.name} queued at rank {r.rank}, the rules say {rank}")
        if r.first_time != first:
            self._fail(event.at, f"P8: {r.name} queued with first_time={r.first_time}")
        self.seq += 1
        self.waiting[r.id] = (r, (rank, 0 if first else 1, self.seq))
        if any(
            p.protected_slots and r.category in p.eligible for p in self.plan.phases[self.index :]
        ):
            self.asked[r.id] = r  # A4 promises slots to those who ask before the block is over

    # -- grants: order (P2, P4, P8), allotment (T1, T2, P4), A3, A4

    def _granted(self, event: FloorGranted) -> None:
        a, at = event.allotment, event.at
        phase = self.plan.phases[self.index]
        self.on_floor, self.seconds, self.extended = a.speaker.id, a.seconds, 0.0
        if a.phase_key != phase.key:
            self._fail(
                at, f"{a.speaker.name} given the floor in '{a.phase_key}' during '{phase.key}'"
            )
        if a.request_id is None:
            self._programme_grant(event, phase)
            return
        if a.request_id not in self.waiting:
            self._fail(at, f"{a.speaker.name} given the floor without a waiting request")
            return
        request = self.waiting[a.request_id][0]
        self._order(event, phase, request)
        self._allotment(event, phase, request)
        self._a3_member_state(event, phase, request)
        self._a4_no_stakeholder_early(event, phase, request)
        del self.waiting[a.request_id]
        self.moved.discard(a.request_id)

    def _order(self, event: FloorGranted, phase: PhasePlan, request: FloorRequest) -> None:
        """P2, P4, P8: in order is the request the phase accepts with the lowest
        (rank, not first time, order of request), as if no request had been moved."""
        by_rule = [(key, rid) for rid, (r, key) in self.waiting.items() if _accepts(phase, r)]
        expected = min(by_rule)[1] if by_rule else None
        if expected != request.id and not event.allotment.out_of_order:
            who = self.waiting[expected][0].name if expected is not None else "no one"
            self._fail(
                event.at,
                f"P2/P4/P8: {request.name} given the floor, the rules say {who}, "
                "and no override is recorded",
            )

    def _allotment(self, event: FloorGranted, phase: PhasePlan, request: FloorRequest) -> None:
        """T1, T2, P4: the slot, the flex if n x F <= R, the RCP extra, or an override."""
        a, at = event.allotment, event.at
        if a.basis is Basis.OVERRIDE:
            return  # the moderator's allotment, recorded as such
        if request.id in self.allotment_set:
            self._fail(at, f"{request.name}: the allotment the moderator set was not used")
            return
        rules = self.plan.rules
        seconds = phase.slot_seconds if phase.slot_seconds is not None else rules.slot_seconds
        basis = Basis.SLOT
        flex = phase.flex_seconds if phase.flex_seconds is not None else rules.flex_seconds
        if phase.kind is PhaseKind.FLOOR and phase.flex and rules.flex_rule and flex is not None:
            # T2: n counts the requests waiting for this phase, the speaker included.
            n = sum(
                1 for rid, (r, _) in self.waiting.items() if rid in self.moved or _accepts(phase, r)
            )
            if not (request.id in self.moved or _accepts(phase, request)):
                n += 1
            if n * flex <= self._time_left(phase, at):
                seconds, basis = flex, Basis.FLEX
        if (
            request.category is Category.MEMBER_STATE
            and request.delegation_id in self.plan.rcp_chairs
        ):
            seconds, basis = seconds + rules.rcp_extra_seconds, Basis.RCP  # P4
        if basis is not a.basis or abs(seconds - a.seconds) > 1e-6:
            self._fail(
                at,
                f"T1/T2/P4: {request.name} allotted {a.seconds:g} s ({a.basis.value}), "
                f"the rules give {seconds:g} s ({basis.value})",
            )

    def _time_left(self, phase: PhasePlan, at: float) -> float:
        """T2's R: to the phase's planned end or its A3 limit, whichever is first."""
        end = self.phase_started_at + phase.planned_seconds
        if phase.max_seconds is not None:
            end = min(end, self.phase_started_at + phase.max_seconds)
        if phase.yields:
            end = min(end, self._latest_start(self.index))
        return end - at

    def _latest_start(self, index: int) -> float:
        """A3: the scheduled end minus the planned length of every later phase."""
        later = sum(p.planned_seconds for p in self.plan.phases[index + 1 :])
        return self.plan.scheduled_end - later

    def _a3_member_state(
        self, event: FloorGranted, phase: PhasePlan, request: FloorRequest
    ) -> None:
        """A3: no Member State is given the floor after the phase's maximum, or when a
        slot would end past the block's latest start, except by a recorded override."""
        if request.category is not Category.MEMBER_STATE or event.allotment.out_of_order:
            return
        at = event.at
        if phase.max_seconds is not None and at >= self.phase_started_at + phase.max_seconds:
            self._fail(at, f"A3: {request.name} given the floor after the maximum of '{phase.key}'")
        for index, yielding in enumerate(self.plan.phases):
            if not (yielding.yields and Category.MEMBER_STATE in yielding.eligible):
                continue
            slot = self.plan.slot(yielding)
            latest = self._latest_start(index)
            if at + slot > latest:
                self._fail(
                    at,
                    f"A3: {request.name} given the floor; the slot would end "
                    f"{at + slot - latest:g} s after the block's latest start",
                )

    def _a4_no_stakeholder_early(
        self, event: FloorGranted, phase: PhasePlan, request: FloorRequest
    ) -> None:
        """A4: a stakeholder speaks outside the phases that accept it only by override."""
        observers = self.plan.rules.observer_state_is_stakeholder
        if not is_stakeholder(request.category, observers) or event.allotment.out_of_order:
            return
        if request.category not in phase.eligible:
            self._fail(
                event.at,
                f"A4: stakeholder {request.name} given the floor in '{phase.key}' "
                "without a recorded override",
            )

    def _a3_waiting_closed(self, at: float) -> None:
        """A3: when a phase ends, requests no remaining phase would hear are closed."""
        later = self.plan.phases[self.index :]
        for request, _ in self.waiting.values():
            if not any(_accepts(p, request) for p in later):
                self._fail(at, f"A3: {request.name} still waits but no later phase hears it")

    def _programme_grant(self, event: FloorGranted, phase: PhasePlan) -> None:
        """T3, T4: programme speakers in order, with the programme's time or an override."""
        a, at, index = event.allotment, event.at, event.programme_index
        slot = self.plan.slot(phase)
        if index is None:  # someone named by the moderator (GiveFloor)
            expected: tuple[float, Basis] = (slot, Basis.SLOT)
        elif index != self.programme_given or index >= len(phase.speakers):
            self._fail(
                at, f"programme speaker {index} of '{phase.key}' given the floor out of turn"
            )
            return
        else:
            self.programme_given += 1
            expected = (phase.speakers[index].seconds or slot, Basis.PROGRAMME)
        if a.basis is not Basis.OVERRIDE and (a.seconds, a.basis) != expected:
            self._fail(at, f"T3/T4: {a.speaker.name} allotted {a.seconds:g} s ({a.basis.value})")

    def _ended(self, event: SpeechEnded) -> None:
        """R1: the record's allotment is the grant plus what was recorded after it."""
        if abs(event.allotted - (self.seconds + self.extended)) > 1e-6:
            self._fail(
                event.at,
                f"{event.speaker.name}: recorded {event.allotted:g} s allotted, "
                f"granted {self.seconds:g} s plus {self.extended:g} s",
            )
        if event.heard and event.request_id is not None:
            self.spoken.add(event.speaker.id)
        self.on_floor = None

    def finish(self) -> list[str]:
        """A4 over the segment: when at least k stakeholders asked, at least k are heard."""
        if not self.closed:
            self.violations.append("the segment did not close within the simulation's bounds")
        for phase in self.plan.phases:
            if not phase.protected_slots:
                continue
            asked = {r.delegation_id for r in self.asked.values() if r.category in phase.eligible}
            heard = asked & self.spoken
            if len(asked) >= phase.protected_slots and len(heard) < phase.protected_slots:
                self.violations.append(
                    f"A4: {len(asked)} stakeholders asked for '{phase.key}', "
                    f"only {len(heard)} were heard"
                )
        return self.violations

    def _fail(self, at: float, message: str) -> None:
        self.violations.append(f"{_clock(at - self.plan.scheduled_start)} {message}")


# -- output ------------------------------------------------------------------------------


def _clock(seconds: float) -> str:
    """Signed H:MM:SS (relative times)."""
    sign = "-" if seconds < 0 else "+"
    whole = int(round(abs(seconds)))
    return f"{sign}{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def _duration(seconds: float) -> str:
    """M:SS (durations)."""
    whole = int(round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def _r(value: float | None) -> float | None:
    """Times and durations to the millisecond: virtual time has no finer meaning."""
    return None if value is None else round(value, 3)


def to_json(simulation: Simulation) -> dict[str, Any]:
    """The simulation as one JSON-able document; fields are described in docs/simulate.md."""
    plan, summary = simulation.plan, simulation.summary
    return {
        "schema": 1,
        "segment": {
            "id": plan.id,
            "title": plan.title,
            "format": plan.format,
            "room_id": plan.room_id,
            "scheduled_start": _r(plan.scheduled_start),
            "scheduled_end": _r(plan.scheduled_end),
            "planned_end": _r(summary.planned_end),
        },
        "simulation": {
            "seed": simulation.seed,
            "member_states": simulation.member_states,
            "stakeholders": simulation.stakeholders,
            "override_rate": simulation.override_rate,
            "complete": simulation.complete,
            "events": len(simulation.events),
        },
        "phases": [
            {
                "index": p.index,
                "key": p.key,
                "title": p.title,
                "kind": p.kind.value,
                "started_at": _r(p.started_at),
                "ended_at": _r(p.ended_at),
                "end_reason": None if p.end_reason is None else str(p.end_reason),
            }
            for p in simulation.phases
        ],
        "interventions": [_intervention_json(i) for i in simulation.timeline],
        "summary": {
            "heard": dict(summary.heard),
            "not_heard": dict(summary.not_heard),
            "withdrawn": dict(summary.withdrawn),
            "overridden": summary.overridden,
            "allotted_seconds": _r(summary.allotted_seconds),
            "spoken_seconds": _r(summary.spoken_seconds),
            "opened_at": _r(summary.opened_at),
            "closed_at": _r(summary.closed_at),
            "planned_end": _r(summary.planned_end),
            "drift": _r(summary.drift),
        },
        "refusals": [
            {"at": _r(r.at), "command": r.command, "detail": r.detail} for r in simulation.refusals
        ],
        "violations": check_invariants(simulation),
    }


def _intervention_json(i: Intervention) -> dict[str, Any]:
    return {
        "request_id": i.request_id,
        "delegation_id": i.delegation_id,
        "name": i.name,
        "category": None if i.category is None else i.category.value,
        "group": i.group.value,
        "phase": i.phase,
        "requested_in": i.requested_in,
        "requested_at": _r(i.requested_at),
        "first_time": i.first_time,
        "granted_at": _r(i.granted_at),
        "allotted": _r(i.allotted),
        "basis": None if i.basis is None else i.basis.value,
        "extended": _r(i.extended),
        "started_at": _r(i.started_at),
        "ended_at": _r(i.ended_at),
        "spoken": _r(i.spoken),
        "overtime": _r(i.overtime),
        "heard": i.heard,
        "outcome": i.outcome.value,
        "closed_reason": i.closed_reason,
        "left_at": _r(i.left_at),
        "out_of_order": i.out_of_order,
        "overrides": list(i.overrides),
    }


def render_text(simulation: Simulation, *, tz_offset_seconds: float | None = None) -> str:
    """A readable timeline. Times are H:MM:SS from the scheduled start, or the local
    time of day when the caller gives the venue's UTC offset (pure: no time zone data)."""
    plan, summary = simulation.plan, simulation.summary

    def at(t: float | None) -> str:
        if t is None:
            return "-"
        if tz_offset_seconds is None:
            return _clock(t - plan.scheduled_start)
        return _clock((t + tz_offset_seconds) % 86_400)[1:]

    if tz_offset_seconds is None:
        reference = "times from the scheduled start"
    else:
        minutes = int(round(abs(tz_offset_seconds) / 60))
        sign = "-" if tz_offset_seconds < 0 else "+"
        reference = f"local times (UTC{sign}{minutes // 60:02d}:{minutes % 60:02d})"
    lines = [
        f"{plan.title} ({plan.id}, {plan.format}, room {plan.room_id})",
        f"seed {simulation.seed}, {simulation.member_states} Member States, "
        f"{simulation.stakeholders} stakeholders, override rate {simulation.override_rate:g}; "
        f"{reference}",
        "",
        "Phases",
    ]
    for p in simulation.phases:
        reason = p.end_reason or ("running" if p.ended_at is None else "")
        lines.append(f"  {p.key:<16} {at(p.started_at):>9} {at(p.ended_at):>9}  {reason}")
    lines += ["", "Timeline", _ROW.format(*_HEADER), _ROW.format(*("-" * len(h) for h in _HEADER))]
    for n, i in enumerate(simulation.timeline, start=1):
        allotted = "-" if i.allotted is None else f"{_duration(i.allotted)} {i.basis or ''}"
        allotted += f" +{_duration(i.extended)}" if i.extended else ""
        notes = i.closed_reason if i.outcome is not Outcome.HEARD else ""
        notes = ", ".join(filter(None, [notes or "", *i.overrides]))
        lines.append(
            _ROW.format(
                n,
                i.phase[:16],
                i.name[:28],
                i.group.value.replace("_", " ")[:15],
                at(i.requested_at),
                at(i.granted_at),
                allotted,
                at(i.started_at),
                at(i.ended_at),
                _duration(i.spoken) if i.heard else "-",
                _duration(i.overtime) if i.overtime else "",
                i.outcome.value.replace("_", " "),
                notes,
            ).rstrip()
        )
    lines += ["", "Summary"]
    for label, counts in (
        ("heard", summary.heard),
        ("not heard", summary.not_heard),
        ("withdrawn", summary.withdrawn),
    ):
        shown = ", ".join(f"{n} {g.replace('_', ' ')}" for g, n in counts.items())
        lines.append(f"  {label + ':':<11}{shown}")
    lines.append(f"  {'overrides:':<11}{summary.overridden} interventions")
    lines.append(
        f"  {'time:':<11}{_duration(summary.spoken_seconds)} spoken of "
        f"{_duration(summary.allotted_seconds)} allotted to the speeches heard"
    )
    drift = "-" if summary.drift is None else _clock(summary.drift)
    lines.append(
        f"  {'segment:':<11}opened {at(summary.opened_at)}, closed {at(summary.closed_at)}, "
        f"planned end {at(summary.planned_end)}, drift {drift}"
    )
    if simulation.refusals:
        lines += ["", "Refused commands"]
        lines += [f"  {at(r.at)} {r.command}: {r.detail}" for r in simulation.refusals]
    violations = check_invariants(simulation)
    lines += [
        "",
        "Invariants: " + ("all hold" if not violations else f"{len(violations)} violated"),
    ]
    lines += [f"  {v}" for v in violations]
    return "\n".join(lines) + "\n"


_HEADER = (
    "#",
    "phase",
    "delegation",
    "group",
    "requested",
    "granted",
    "allotted",
    "started",
    "ended",
    "spoken",
    "over",
    "outcome",
    "notes",
)
_ROW = "{:>3} {:<16} {:<28} {:<15} {:>9} {:>9} {:<20} {:>9} {:>9} {:>6} {:>5} {:<10} {}"
