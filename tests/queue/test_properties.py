"""Property-based tests: random sequences of commands keep the floor rules (issue 3).

Hypothesis draws a script, and the script is played in each room of ``CASES``
(action groups on time, with RCP chairs, with a short Member State phase,
opened late, with hard stops; a panel with an RCP chair). A script is a list
inscribed in advance (P7), then random operations (requests from Member
States, observer States, RCP chairs, stakeholders of seven categories and a
panellist, who may not ask; withdrawals; grants in order and out of order;
moves; allotment overrides; extensions; starts, pauses and ends of speeches
that stop early or run over; phase and segment closes; ticks and waits;
undos, strikes, commands decided on a floor that has changed since; points of
order raised, heard and ruled on, O1; lists closed and reopened, O3;
inscribed speakers marked absent, O5; rights of reply asked for, withdrawn,
given by name and called, O2), then a crowd asking at once. Before
the segment opens, the script inscribes delegations at random levels, some
before the window opens, withdraws, swaps and draws lots (O4, O6). Each
operation becomes a command given to
``app.queue.apply(state, command, now)`` at a virtual ``now`` that only moves
forward. Then a well-behaved moderator plays the segment to its end
(``_play_to_end``), so that the whole record can be checked.

The rules are read from the recorded events by
``app.simulation.check_invariants``, the simulator's independent
checker, filtered to the rule each test is named after; a few invariants are
also checked on the live state after every command. Each test counts what
its examples exercised (flex, RCP extras, overrides, A3 closings, ...) and
fails if something it claims to cover never happened: a property that holds
because nothing happened is not a test.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from app.category import Category, is_stakeholder
from app.errors import DomainError, FloorChanged, FloorRuleRefused, IllegalCommand, NotFound
from app.queue import (
    AskInterposedQuestion,
    CallReplies,
    ClosePhase,
    CloseSegment,
    CloseSpeakersList,
    Command,
    ConsentToQuestion,
    ContingentDrawn,
    ContingentShort,
    ContingentWarned,
    DeclineQuestion,
    DrawLots,
    Event,
    Floor,
    FloorGranted,
    FloorRequested,
    FloorRestored,
    GiveFloor,
    GrantFloor,
    HearPointOfOrder,
    Inscribe,
    InscribedSpeakerAbsent,
    InscribedSpeakerDropped,
    LotsDrawn,
    MarkAbsent,
    MoveRequest,
    OpenSegment,
    PointOfOrderHeard,
    PointOfOrderRuled,
    QuestionConsented,
    QuestionEnded,
    RaisePointOfOrder,
    ReopenSpeakersList,
    RepliesCalled,
    RepliesClosed,
    ReplyReturned,
    ReplyWithdrawn,
    RequestFloor,
    RequestReply,
    RequestsClosed,
    RequestStruck,
    RequestWithdrawn,
    RoomState,
    RulePointOfOrder,
    SetRequestAllotment,
    Stance,
    StrikeRequest,
    SwapInscriptions,
    Tick,
    Tier,
    Undo,
    WithdrawInscription,
    WithdrawReply,
    WithdrawRequest,
    apply,
    contingents_left,
    evolve,
    next_deadline,
    order,
    replay,
    trial,
)
from app.queue.events import ClosedBecause
from app.queue.inscription import drawn_order
from app.queue.requests import Inscription, tier_rank
from app.record import build_record
from app.simulation import Simulation, check_invariants, phase_records, summarise
from app.timing import (
    AllotmentOverridden,
    Basis,
    Contingent,
    ContingentExhausted,
    ContingentPer,
    EndSpeech,
    ExtendSpeech,
    FloorRules,
    InscriptionWindow,
    PauseSpeech,
    PhaseEnded,
    PhaseEndReason,
    PhaseKind,
    PhaseStarted,
    RepliesTaken,
    ResumeSpeech,
    SegmentPlan,
    SetAllotment,
    Speaker,
    SpeechEnded,
    SpeechStatus,
    StartSpeech,
    seconds_left,
)
from app.timing.programme import block_latest_start, current_phase
from tests.fakes import RoomLog
from tests.plans import MIN, START, action_group, panel

# -- who is in the room ------------------------------------------------------------------

MEMBER_STATES = 45
RCP_CHAIRS = frozenset({"MS01", "MS02"})  # P4: always Member States
DELEGATIONS: tuple[Speaker, ...] = (
    *(
        Speaker(f"MS{n:02d}", f"Member State {n:02d}", Category.MEMBER_STATE)
        for n in range(1, MEMBER_STATES + 1)
    ),
    Speaker("OB01", "Observer State 01", Category.OBSERVER_STATE),
    Speaker("OB02", "Observer State 02", Category.OBSERVER_STATE),
    *(
        Speaker(f"SH{n}", f"Stakeholder {n} ({c.value})", c)
        for n, c in enumerate(
            (
                Category.CIVIL_SOCIETY,
                Category.UN_SYSTEM,
                Category.ACADEMIA,
                Category.PRIVATE_SECTOR,
                Category.NHRI,
                Category.LOCAL_AUTHORITY,
                Category.IGO,
            ),
            start=1,
        )
    ),
    Speaker("PN01", "Panellist", Category.PANELLIST),  # P1: speaks by programme, never asks
)
OVERRIDE_SECONDS = (-30.0, 0.0, 45.0, 90.0, 150.0, 300.0)  # not positive: refused
GA_REPLIES = (600.0, 300.0)  # O2: GA decision 34/401
HRC_REPLIES = (180.0, 120.0)
# O9: groups' time budgets, drawn down by their members (Member States, an observer State
# and stakeholders), for the segment or the meeting
GROUPS = (
    Contingent("Group A", 400.0, members=frozenset(f"MS{n:02d}" for n in range(3, 13))),
    Contingent("Group B", 200.0, ContingentPer.MEETING, frozenset({"OB01", "SH1", "SH5"})),
)
SMALL_GROUP = (Contingent("Group R", 300.0, members=frozenset({"MS01", "MS04", "MS05", "MS06"})),)
# O7: HRC general debates: 3 minutes for Council members, 2 for the others
HRC_ALLOTMENTS = tuple(
    (c, 180.0 if c is Category.MEMBER_STATE else 120.0)
    for c in (Category.MEMBER_STATE, Category.OBSERVER_STATE, Category.NHRI, Category.IGO)
)


# -- the plans ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    plan: SegmentPlan
    opened_at: float


def _group(
    late: int = 0,
    length: int = 135,
    *,
    rcp: bool = False,
    hard_stop: bool = False,
    member_state_minutes: int | None = None,
    interrupts: bool = True,
    replies: tuple[float, ...] = (),
    replies_taken: RepliesTaken = RepliesTaken.AT_END,
    kinds: bool = False,
    contingents: tuple[Contingent, ...] = (),
    exhausted: ContingentExhausted = ContingentExhausted.WARN,
    category_seconds: tuple[tuple[Category, float], ...] = (),
) -> Case:
    rules = FloorRules(
        hard_stop=hard_stop,
        point_of_order_interrupts=interrupts,
        reply_limits=replies,
        replies_taken=replies_taken,
        alternate_stances=kinds,
        interposed_questions=kinds,
        contingents=contingents,
        contingent_exhausted=exhausted,
        category_seconds=category_seconds,
    )
    plan = action_group(
        length_minutes=length, rcp_chairs=RCP_CHAIRS if rcp else frozenset(), rules=rules
    )
    name = f"action group of {length} min, {late} min late" + (", RCP" if rcp else "")
    name += ", hard stop" if hard_stop else ""
    name += "" if interrupts else ", points of order wait for the end of a speech"
    name += f", replies of {replies} s taken {replies_taken.value}" if replies else ""
    name += ", pro and contra alternate, interposed questions" if kinds else ""
    name += f", contingents ({exhausted.value})" if contingents else ""
    name += ", allotments by category" if category_seconds else ""
    if member_state_minutes is not None:  # A3's maximum is a meeting setting
        seconds = member_state_minutes * MIN
        phases = tuple(
            replace(p, planned_seconds=seconds, max_seconds=seconds) if p.max_seconds else p
            for p in plan.phases
        )
        plan = replace(plan, phases=phases)
        name += f", Member State phase of {member_state_minutes} min"
    return Case(name, plan, START + late * MIN)


def _inscribing(case: Case) -> Case:
    """O4: the segment's list takes inscriptions from two days before it opens to an hour
    before."""
    window = InscriptionWindow(case.opened_at - 48 * 60 * MIN, case.opened_at - 60 * MIN)
    return replace(case, plan=replace(case.plan, inscription=window))


#: Every generated sequence is played in each of these rooms.
CASES = tuple(
    map(
        _inscribing,
        (
            # on time: A3's maximum ends the Member State phase; O2; O9 (warned)
            _group(replies=GA_REPLIES, contingents=GROUPS),
            # P4; no right of reply (the seeds' default); O9 (capped or refused); O8's kinds
            _group(
                rcp=True,
                contingents=SMALL_GROUP,
                exhausted=ContingentExhausted.REFUSE,
                kinds=True,
            ),
            # a short maximum, reached with a few speakers (A3); points of order wait (O1's
            # profile); replies only when the chair calls them (O2's profile)
            _group(
                member_state_minutes=20,
                interrupts=False,
                replies=HRC_REPLIES,
                replies_taken=RepliesTaken.WHEN_CALLED,
                category_seconds=HRC_ALLOTMENTS,  # O7
            ),
            _group(45, hard_stop=True, replies=GA_REPLIES),  # late: A3's block limit; T5
            _group(20, 60, rcp=True),  # a short segment opened late: the block limit comes soon
            Case("panel, RCP", panel(rcp_chairs=frozenset({"MS01"})), START),  # A2, no flex
        ),
    )
)


# -- operations: what the room does, resolved against the live state -----------------------


@dataclass(frozen=True, slots=True)
class Press:
    who: int  # index into DELEGATIONS
    on_behalf: bool = False
    inscribed: bool = False


@dataclass(frozen=True, slots=True)
class Withdraw:
    who: int


@dataclass(frozen=True, slots=True)
class Grant:
    pick: int | None = None  # None: the next speaker by the rules; else a waiting request
    seconds: float | None = None  # the moderator's allotment
    reset: float | None = None  # the moderator's allotment, set after the grant


@dataclass(frozen=True, slots=True)
class Give:
    seconds: float | None = None  # someone the queue does not hold


@dataclass(frozen=True, slots=True)
class Move:
    pick: int
    to: int


@dataclass(frozen=True, slots=True)
class SetWaiting:
    pick: int
    seconds: float


@dataclass(frozen=True, slots=True)
class Speak:
    """Start if needed, speak ``fraction`` of the time left (early stop or overrun), end."""

    fraction: float


@dataclass(frozen=True, slots=True)
class Raw:
    """A command as it is: start, pause, resume, end, extend, set, close, tick."""

    command: Command


@dataclass(frozen=True, slots=True)
class Close:
    """Close the phase; a floor phase only if ``floor`` (a moderator rarely cuts it short)."""

    floor: bool


@dataclass(frozen=True, slots=True)
class Wait:
    """Time passes; ``ticks``: the scheduler sends a Tick at every deadline on the way."""

    seconds: float
    ticks: bool = False


@dataclass(frozen=True, slots=True)
class Operate:
    """M4: strike a request (``pick``, maybe one that is not waiting); or, with ``stale``,
    M1: send the command of that number, decided on a floor the room no longer has."""

    pick: int = 0
    stale: int | None = None


@dataclass(frozen=True, slots=True)
class Point:
    """O1: a delegation raises a point of order (itself, or through the chair)."""

    who: int
    on_behalf: bool = False


@dataclass(frozen=True, slots=True)
class Absent:
    """O5: the chair calls a waiting (or just granted) request and finds no one there."""

    pick: int
    called: bool = False


@dataclass(frozen=True, slots=True)
class Inscribing:
    """O4, O6, before the segment: inscribe ``who`` at ``tier``, withdraw it, swap it with
    ``other``, or draw the order (``keep`` of them) of ``tier`` from ``seed``."""

    kind: str
    who: int
    other: int = 0
    tier: Tier = Tier.OTHER
    by_secretariat: bool = False
    seed: int = 0
    keep: int | None = None


_tier = st.sampled_from((Tier.HEAD_OF_STATE, Tier.MINISTER, Tier.HEAD_OF_DELEGATION, Tier.OTHER))
#: Who inscribes: a few Member States, an observer State, stakeholders and the panellist
#: (refused, P1), so that swaps and draws meet the same delegations again.
_inscriber = st.sampled_from((0, 1, 2, 3, 4, 5, 45, 47, 48, 54))
_INSCRIBING: tuple[st.SearchStrategy[Inscribing], ...] = (
    *[
        st.builds(
            Inscribing,
            st.just("inscribe"),
            _inscriber,
            tier=_tier,
            by_secretariat=st.booleans(),
        )
    ]
    * 6,
    st.builds(Inscribing, st.just("withdraw"), _inscriber),
    *[st.builds(Inscribing, st.just("swap"), _inscriber, _inscriber)] * 2,
    *[
        st.builds(
            Inscribing,
            st.just("draw"),
            st.just(0),
            tier=_tier,
            seed=st.integers(0, 10**6),
            keep=st.sampled_from((None, 0, 1, 1, 2)),  # 0: refused
        )
    ]
    * 2,
)


@dataclass(frozen=True, slots=True)
class ListOfSpeakers:
    """O3: the chair closes (or reopens) a list: the current phase's, or one named."""

    close: bool
    phase_key: str | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """O2: a right of reply asked for (itself, or through the chair), withdrawn, or given
    the floor by name (``grant``: the waiting reply of that number)."""

    who: int
    on_behalf: bool = False
    withdraw: bool = False
    grant: int | None = None


@dataclass(frozen=True, slots=True)
class Question:
    """O8: ``who`` asks to put a question to the speaker (started first where the meeting
    takes questions), and the speaker consents, declines or does not answer yet."""

    who: int
    seconds: float | None = None
    answer: str = ""  # "consent", "decline" or "" (the question waits)
    on_behalf: bool = False


Op = (
    Answer
    | Point
    | Absent
    | ListOfSpeakers
    | Press
    | Withdraw
    | Grant
    | Give
    | Move
    | SetWaiting
    | Speak
    | Raw
    | Close
    | Wait
    | Operate
    | Question
)

_pick = st.integers(0, 40)
_seconds = st.sampled_from(OVERRIDE_SECONDS)
_anyone = st.integers(0, len(DELEGATIONS) - 1)
_state = st.integers(0, MEMBER_STATES - 1)
_stakeholder = st.integers(len(DELEGATIONS) - 8, len(DELEGATIONS) - 2)

# What a room does, and how often (a kind listed n times is drawn n times as often).
_KINDS: dict[str, tuple[int, st.SearchStrategy[Op]]] = {
    "press": (3, st.builds(Press, _anyone, st.booleans(), st.booleans())),
    "press state": (4, st.builds(Press, _state)),
    "press stakeholder": (2, st.builds(Press, _stakeholder, st.booleans())),
    "press observer": (1, st.builds(Press, st.sampled_from((MEMBER_STATES, MEMBER_STATES + 1)))),
    "withdraw": (1, st.builds(Withdraw, _anyone)),
    "grant next": (5, st.just(Grant())),
    "grant other": (
        3,
        st.builds(Grant, st.none() | _pick, st.none() | _seconds, st.none() | _seconds),
    ),
    "give": (1, st.builds(Give, st.none() | _seconds)),
    "move": (1, st.builds(Move, _pick, st.integers(-1, 5))),
    "set waiting": (1, st.builds(SetWaiting, _pick, _seconds)),
    "speak": (6, st.builds(Speak, st.sampled_from((0.3, 0.8, 0.97, 1.0, 1.05, 1.3, 1.6)))),
    "speech command": (
        2,
        st.builds(
            Raw,
            st.sampled_from(
                (StartSpeech(), PauseSpeech(), ResumeSpeech(), Tick(), ExtendSpeech(30.0))
            )
            | st.builds(ExtendSpeech, st.sampled_from((-10.0, 0.0, 60.0)))
            | st.builds(SetAllotment, _seconds),
        ),
    ),
    "close phase": (2, st.builds(Close, st.integers(0, 7).map(lambda n: n == 0))),
    "wait": (
        3,
        st.builds(Wait, st.sampled_from((1.0, 20.0, 60.0, 300.0, 900.0, 1800.0)), st.booleans()),
    ),
    "end": (1, st.just(Raw(EndSpeech()))),  # may dismiss a speaker who has not started
    "undo": (2, st.just(Raw(Undo()))),  # M3: often refused (a change since, the window)
    "strike": (1, st.builds(Operate, _pick)),  # M4
    "stale": (1, st.builds(Operate, stale=st.integers(0, 6))),  # M1
    "point of order": (1, st.builds(Point, _anyone, st.booleans())),  # O1
    "hear point": (1, st.just(Raw(HearPointOfOrder()))),
    "rule": (1, st.builds(Raw, st.builds(RulePointOfOrder, st.sampled_from(("Noted.", " "))))),
    "list": (  # O3; "welcome" has none, "debate" is no phase
        1,
        st.builds(
            ListOfSpeakers,
            st.booleans(),
            st.sampled_from((None, "stakeholders", "welcome", "debate")),
        ),
    ),
    "absent": (1, st.builds(Absent, st.integers(0, 3), st.booleans())),  # O5
}


# O2: what the rights of reply do is woven into the drawn operations at fixed places
# (``_with_answers``), not drawn, so that the scripts hypothesis draws for the other rules
# stay the same; in a room whose meeting takes no reply they are refused and change nothing.
REPLIERS = (0, 1, 2, len(DELEGATIONS) - 8, len(DELEGATIONS) - 1)  # the panellist is refused


def _answer(n: int) -> Op | None:
    """The reply operation woven after the ``n``-th drawn operation, if any."""
    who = REPLIERS[(n // 19) % len(REPLIERS)]
    woven: dict[int, Op] = {
        2: Answer(who),
        5: Answer(REPLIERS[(n // 19 + 2) % len(REPLIERS)], on_behalf=True),
        8: Raw(CallReplies()),
        11: Answer(0, grant=n // 19),
        14: Answer(who, withdraw=True),
        17: Answer(who),
    }
    return woven.get(n % 19)


# O8: interposed questions are woven the same way, at other places; where the meeting
# takes none they are refused and change nothing. The stance of a press is its
# delegation's (``STANCES``): it orders nothing where the list does not alternate.
STANCES = (Stance.PRO, Stance.CONTRA, Stance.NONE, Stance.PRO)


def _question(n: int) -> Op | None:
    """The interposed question's operation woven after the ``n``-th drawn operation."""
    who = REPLIERS[(n // 23) % len(REPLIERS)]
    other = (who + 3) % len(DELEGATIONS)
    woven: dict[int, Op] = {
        3: Question(who, answer="consent"),
        9: Question(other, seconds=45.0),  # past the cap
        10: Question(other, seconds=20.0, on_behalf=True),
        12: Raw(DeclineQuestion()),
        15: Question(who, answer="decline"),
        16: Question(other, seconds=10.0, answer="consent"),
        20: Raw(ConsentToQuestion()),
    }
    return woven.get(n % 23)


def _with_answers(ops: list[Op]) -> list[Op]:
    woven: list[Op] = []
    for n, op in enumerate(ops):
        answer, question = _answer(n), _question(n)
        woven += [op] if answer is None else [op, answer]
        woven += [] if question is None else [question]
    return woven


@st.composite
def _ops(draw: st.DrawFn, *, tame: bool, inscribing: bool = False) -> list[Op]:
    """Random operations; in a third of the sequences the segment is closed somewhere.
    ``tame``: no segment close, no speech ended before it starts (a no-show): what a
    moderator who keeps A4 in mind never does. Absences (O5) only with ``inscribing``."""
    kinds = [
        kind
        for kind, (weight, _) in _KINDS.items()
        if not (tame and kind == "end") and (inscribing or kind != "absent")
        for _ in range(weight)
    ]
    op = st.sampled_from(kinds).flatmap(lambda kind: _KINDS[kind][1])
    ops = draw(st.lists(op, min_size=30, max_size=150))
    if not tame and draw(st.integers(0, 2)) == 0:
        ops.insert(draw(st.integers(0, len(ops))), Raw(CloseSegment()))
    return ops


# -- the room ----------------------------------------------------------------------------


class Room:
    """A room driven command by command, keeping every event, refusal and state."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self.tame = False
        self.now = case.opened_at
        self.state = RoomState("plenary")
        self.events: list[Event] = []
        self.refusals: list[tuple[Command, DomainError]] = []
        self.applied: list[Command] = []
        self.states: list[RoomState] = []  # after every applied command ...
        self.marks: list[int] = []  # ... and how many events there were then
        self.repeats = 0  # P6: presses that found the delegation already waiting
        self.stale = 0  # M1: commands decided on another floor
        self.undos = 0  # M3: undos applied and checked
        self.undo_from: RoomState | None = None  # the room just before the undoable change
        self.resumed = 0  # O1: interrupted speeches back on the floor after a ruling
        self.chair_adds = 0  # O3: the chair's requests to a closed list
        self.next_heard_point = 0  # O1: "next speaker" while a point of order waited
        self.answered = 0  # O8: held speeches back on the floor after a question
        self.alternated = 0  # O8: "next speaker" chose by stance, not the plain order
        self.listed: tuple[Inscription, ...] = ()  # O4: the list when the segment opened

    def do(self, command: Command) -> bool:
        """Apply ``command`` now; a DomainError is a refusal, anything else fails the test."""
        try:
            decision = apply(self.state, command, self.now)
        except DomainError as error:
            self.refusals.append((command, error))
            return False
        if isinstance(command, Undo):
            self.check_undo(decision.state)
        else:  # the room just before the command, caught up with the clock
            caught = apply(self.state, Tick(), self.now).state
            point = decision.state.undo
            if point is not None and point.before is not None and caught.segment is not None:
                if point.before == Floor(caught.segment, caught.speech, caught.queue, caught.held):
                    self.undo_from = caught
            self.check_procedure(caught, command, decision.events, decision.state)
        self.state = decision.state
        self.events.extend(decision.events)
        self.applied.append(command)
        self.states.append(decision.state)
        self.marks.append(len(self.events))
        return True

    def wait(self, seconds: float, *, ticks: bool = False) -> None:
        until = self.now + max(0.0, seconds)
        deadline = next_deadline(self.state)
        while ticks and deadline is not None and deadline <= until:
            self.now = max(self.now, deadline)
            assert self.do(Tick())
            deadline = next_deadline(self.state)
        self.now = until

    def waiting_id(self, pick: int) -> str:
        """A waiting request; from 35 up, one that is not (heard, withdrawn, mistyped)."""
        waiting = self.state.queue.waiting
        if pick >= 35 or not waiting:
            return f"{self.case.plan.id}.{pick * 1000}"
        return waiting[pick % len(waiting)].id

    def check_undo(self, restored: RoomState) -> None:
        """M3: an undo within the window brings back the floor before the undone command:
        the phase and the queue exactly; the speaker with the same seconds left (a speech
        the change cut off comes back paused with what it had left then)."""
        point, before = self.state.undo, self.undo_from
        assert point is not None
        assert before is not None
        assert (restored.segment, restored.queue) == (before.segment, before.queue)
        assert restored.held == before.held  # O1: the speech a point of order interrupted
        back, was = restored.speech, before.speech
        assert (back is None) == (was is None)
        if back is None or was is None:
            self.undos += 1
            return
        fields = ("speaker", "seconds", "basis", "extended", "started_at", "request_id")
        assert [getattr(back, f) for f in fields] == [getattr(was, f) for f in fields]
        if back.status is SpeechStatus.RUNNING:  # untouched by the change: it ran on
            assert (was.status, back.ends_at) == (SpeechStatus.RUNNING, was.ends_at)
        else:
            assert seconds_left(back, self.now) == seconds_left(was, point.at)
        self.undos += 1

    def check_procedure(
        self, before: RoomState, command: Command, events: tuple[Event, ...], after: RoomState
    ) -> None:
        """O1: a speech interrupted by a point of order is held with the seconds it had and
        comes back with them after the ruling; O3: a closed list took only the chair's."""
        for event in events:
            if isinstance(event, PointOfOrderHeard) and event.interrupted is not None:
                was, held = before.speech, event.interrupted
                assert was is not None
                assert held.status is not SpeechStatus.RUNNING
                assert (held.speaker, held.seconds, held.extended) == (
                    was.speaker,
                    was.seconds,
                    was.extended,
                )
                assert seconds_left(held, self.now) == seconds_left(was, self.now)
                assert after.held == held or after.speech != event.allotment
            if isinstance(event, PointOfOrderRuled):
                assert event.resumed == before.held
                assert after.speech == before.held or after.segment is None
                assert after.held is None
                self.resumed += event.resumed is not None
        self.check_question(before, command, events, after)
        if isinstance(command, GrantFloor) and command.request_id is None and before.queue.points:
            assert not any(isinstance(e, FloorGranted) for e in events), events  # O1: first
            self.next_heard_point += any(isinstance(e, PointOfOrderHeard) for e in events)
        if isinstance(command, RequestFloor) and before.segment is not None:
            run = before.segment
            first = next(
                (
                    p
                    for p in run.plan.phases[run.phase_index :]
                    if p.kind is PhaseKind.FLOOR and command.delegation.category in p.eligible
                ),
                None,
            )
            if first is not None and first.key in before.queue.closed_lists:
                asked = any(isinstance(e, FloorRequested) for e in events)
                assert command.on_behalf or not asked, command
                self.chair_adds += asked

    def check_question(
        self, before: RoomState, command: Command, events: tuple[Event, ...], after: RoomState
    ) -> None:
        """O8: a speech a question interrupts is held with the seconds it had and comes back
        with exactly them; a question never lasts past the cap; alternation is counted."""
        cap = self.case.plan.rules.interposed_question_seconds
        for event in events:
            if isinstance(event, QuestionConsented):
                was, held = before.speech, event.interrupted
                assert was is not None
                assert was.started_at is not None
                assert held.status is not SpeechStatus.RUNNING
                assert (held.speaker, held.seconds, held.extended) == (
                    was.speaker,
                    was.seconds,
                    was.extended,
                )
                assert seconds_left(held, self.now) == seconds_left(was, self.now)
                assert event.allotment.seconds <= cap
                assert after.held == held or after.speech != event.allotment
            if isinstance(event, QuestionEnded):  # held before the clock caught up
                assert event.resumed == self.state.held
                if event is events[-1]:
                    assert (after.speech, after.held) == (event.resumed, None)
                assert event.spoken <= cap + 1e-6
                self.answered += 1
        question = after.speech
        if question is not None and question.basis is Basis.QUESTION:
            assert question.seconds + question.extended <= cap
        granted = next((e for e in events if isinstance(e, FloorGranted)), None)
        run = before.segment
        if (
            isinstance(command, GrantFloor)
            and command.request_id is None
            and granted is not None
            and not granted.allotment.out_of_order
            and run is not None
            and before.speech is None
        ):
            plain = order.in_rule_order(current_phase(run), before.queue.waiting)
            self.alternated += plain is not None and plain.id != granted.allotment.request_id

    def stale_command(self, kind: int) -> None:
        """M1: a command decided on a floor that is not the room's is refused, changing
        nothing."""
        on_floor = self.state.speech.speaker.id if self.state.speech is not None else ""
        wrong = f"{on_floor}:gone"
        command = (
            GrantFloor(expected_speaker=wrong),
            GiveFloor("Guest speaker", expected_speaker=wrong),
            EndSpeech(expected_speaker=wrong),
            PauseSpeech(expected_speaker=wrong),
            Undo(expected_speaker=wrong),
            ClosePhase(phase_key="gone"),
            CloseSegment(segment_id="gone"),
        )[kind]
        before, count = self.state, len(self.events)
        assert not self.do(command), command
        assert (self.state, len(self.events)) == (before, count)
        self.stale += 1

    def hear_current(self) -> None:
        """Tame: a speaker given the floor speaks before anyone else is given it."""
        speech = self.state.speech
        if self.tame and speech is not None and speech.status is SpeechStatus.ALLOTTED:
            self.do(StartSpeech())

    def run(self, op: Op) -> None:
        match op:
            case Press(who=who, on_behalf=on_behalf, inscribed=inscribed):
                delegation = DELEGATIONS[who]
                before = len(self.events)
                waiting = any(r.delegation_id == delegation.id for r in self.state.queue.waiting)
                stance = STANCES[who % len(STANCES)]  # O8
                if self.do(RequestFloor(delegation, on_behalf, inscribed, stance)) and waiting:
                    self.repeats += not any(
                        isinstance(e, FloorRequested) for e in self.events[before:]
                    )
            case Withdraw(who=who):
                self.do(WithdrawRequest(DELEGATIONS[who].id))
            case Grant(pick=pick, seconds=seconds, reset=reset):
                self.hear_current()
                request_id = None if pick is None else self.waiting_id(pick)
                if self.do(GrantFloor(request_id, seconds)) and reset is not None:
                    self.do(SetAllotment(reset))
            case Give(seconds=seconds):
                self.hear_current()
                self.do(GiveFloor("Guest speaker", seconds))
            case Move(pick=pick, to=to):
                self.do(MoveRequest(self.waiting_id(pick), to))
            case SetWaiting(pick=pick, seconds=seconds):
                self.do(SetRequestAllotment(self.waiting_id(pick), seconds))
            case Speak(fraction=fraction):
                self.speak(fraction)
            case Raw(command=command):
                self.do(command)
            case Close(floor=floor):
                run = self.state.segment
                if floor or run is None or current_phase(run).kind is not PhaseKind.FLOOR:
                    self.do(ClosePhase())
            case Wait(seconds=seconds, ticks=ticks):
                self.wait(seconds, ticks=ticks)
            case Operate(stale=int(kind)):
                self.stale_command(kind)
            case Operate(pick=pick):
                self.do(StrikeRequest(self.waiting_id(pick), "entered by mistake"))
            case Point(who=who, on_behalf=on_behalf):
                self.do(RaisePointOfOrder(DELEGATIONS[who], on_behalf))
            case ListOfSpeakers(close=close, phase_key=key):
                self.do(CloseSpeakersList(key) if close else ReopenSpeakersList(key))
            case Absent(pick=pick, called=called):
                if called and self.state.speech is None:
                    self.do(GrantFloor())  # the chair calls the next speaker
                granted = self.state.queue.granted  # given the floor, not started
                self.do(MarkAbsent(granted.id if called and granted else self.waiting_id(pick)))
            case Question(who=who, seconds=seconds, answer=answer, on_behalf=on_behalf):
                self.question(DELEGATIONS[who], seconds, answer, on_behalf)
            case Answer(grant=int(pick)):
                self.hear_current()
                replies = self.state.queue.replies
                self.do(GrantFloor(replies[pick % len(replies)].id if replies else "none"))
            case Answer(who=who, withdraw=True):
                self.do(WithdrawReply(DELEGATIONS[who].id))
            case Answer(who=who, on_behalf=on_behalf):
                self.do(RequestReply(DELEGATIONS[who], on_behalf))

    def question(self, who: Speaker, seconds: float | None, answer: str, on_behalf: bool) -> None:
        """O8: where the meeting takes questions, the speaker on the floor starts first,
        and a question consented to starts at once; elsewhere only the ask (refused)."""
        takes = self.case.plan.rules.interposed_questions
        speech = self.state.speech
        if takes and speech is not None and speech.status is SpeechStatus.ALLOTTED:
            self.do(StartSpeech())
        self.do(AskInterposedQuestion(who, seconds, on_behalf))
        if takes and answer == "decline":
            self.do(DeclineQuestion())
        if takes and answer == "consent" and self.do(ConsentToQuestion()):
            self.do(StartSpeech())

    def inscribe(self, op: Inscribing) -> None:
        """O4, O6: a command on the segment's list before it opens."""
        plan, who = self.case.plan, DELEGATIONS[op.who % len(DELEGATIONS)]
        other = DELEGATIONS[op.other % len(DELEGATIONS)]
        match op.kind:
            case "inscribe":
                self.do(Inscribe(plan, who, op.tier, op.by_secretariat))
            case "withdraw":
                self.do(WithdrawInscription(plan.id, who.id))
            case "swap":  # neighbours on the list (often of one tier), or anyone
                lists = [x.entries for x in self.state.inscriptions if x.segment_id == plan.id]
                entries = lists[0] if lists else ()
                if op.other % 2 and len(entries) > 1:
                    n = op.who % (len(entries) - 1)
                    first, second = entries[n].delegation_id, entries[n + 1].delegation_id
                    self.do(SwapInscriptions(plan.id, first, second))
                else:
                    self.do(SwapInscriptions(plan.id, who.id, other.id))
            case _:
                self.do(DrawLots(plan.id, op.tier, f"seed-{op.seed}", op.keep))

    def speak(self, fraction: float) -> None:
        speech = self.state.speech
        if speech is None:
            self.do(EndSpeech())  # refused: no one has the floor
            return
        if speech.status is not SpeechStatus.RUNNING:
            self.do(ResumeSpeech() if speech.status is SpeechStatus.PAUSED else StartSpeech())
        self.wait(round(fraction * (speech.seconds_left or speech.seconds), 1))
        self.do(RulePointOfOrder("Ruled.") if speech.basis is Basis.POINT_OF_ORDER else EndSpeech())

    def history(self) -> Simulation:
        """The record as the simulator's checker reads it."""
        plan, events = self.case.plan, tuple(self.events)
        timeline = build_record(events)
        return Simulation(
            plan=plan,
            seed=0,
            member_states=MEMBER_STATES,
            stakeholders=7,
            override_rate=0.0,
            events=events,
            refusals=(),
            timeline=timeline,
            phases=phase_records(plan, events),
            summary=summarise(plan, events, timeline),
            complete=self.state.segment is None,
        )


LENGTHS = (0.5, 1.0, 1.4, 0.9, 1.2)  # the suffix's speeches: early stops and overruns (T5)


def _play_to_end(room: Room) -> None:
    """A well-behaved moderator, as the simulator's: every speaker speaks (some stop
    early, some run over); the floor goes to the next speaker by the rules while someone
    the phase hears waits, then to the replies waiting (O2; each replier asks again), then
    the phase closes; a phase without an A3 limit is closed
    at its planned end if the engine allows it (A4 may refuse: then the floor is given)."""
    room.tame = True
    refused = False  # the last close was refused (A4); give the floor first
    for step in range(1000):
        room.do(Tick())  # the scheduler: deadlines passed (a hard stop, A3) are applied
        state = room.state
        if state.segment is None:
            return
        speech = state.speech
        if speech is not None and speech.basis is Basis.POINT_OF_ORDER:
            room.do(RulePointOfOrder("The chair rules at once."))  # O1
            continue
        if speech is not None:
            if speech.status is not SpeechStatus.RUNNING:
                room.hear_current()
                room.do(ResumeSpeech())  # refused unless paused
            else:
                assert speech.ends_at is not None
                length = (speech.seconds + speech.extended) * LENGTHS[step % len(LENGTHS)]
                assert speech.started_at is not None
                room.now = max(room.now, speech.started_at + length)
                room.do(EndSpeech())
                if speech.basis is Basis.REPLY:  # O2: it replies to the reply, if it may
                    room.do(RequestReply(speech.speaker))
                room.wait(3.0)
            continue
        run = state.segment
        phase = current_phase(run)
        waiting = any(r.moved or r.category in phase.eligible for r in state.queue.waiting)
        time_up = room.now >= run.phase_started_at + phase.planned_seconds
        unbounded = phase.max_seconds is None and not phase.yields
        if phase.kind is PhaseKind.PROGRAMME and run.programme_cursor < len(phase.speakers):
            room.do(GrantFloor())
        elif phase.kind is PhaseKind.FLOOR and state.queue.replies and not waiting:
            if not room.do(GrantFloor()):  # O2: taken at the end, or called by the chair
                room.do(CallReplies())
                assert room.do(GrantFloor()), room.refusals[-1]
        elif phase.kind is PhaseKind.FLOOR and waiting:
            if unbounded and time_up and not refused:
                refused = not room.do(ClosePhase())
            else:
                refused = False
                if not room.do(GrantFloor()):
                    _strike_if_out_of_time(room)
        else:
            assert room.do(ClosePhase()), room.refusals[-1]
    raise AssertionError("the segment did not close")  # pragma: no cover


def _strike_if_out_of_time(room: Room) -> None:
    """O9: the chair strikes the next speaker whose group has no time left (refuse)."""
    command, error = room.refusals[-1]
    if error.code != "contingent.exhausted":
        return
    who = error.params["speaker_code"]
    request = next(r for r in room.state.queue.waiting if r.delegation_id == who)
    assert room.do(StrikeRequest(request.id, "its group has no time left (O9)"))


@dataclass(frozen=True, slots=True)
class Script:
    """What happens in a room: requests inscribed in advance (P7), random operations,
    then a crowd asking at once; after that the segment is played to its end."""

    inscribed: tuple[int, ...]
    ops: tuple[Op, ...]
    crowd: tuple[int, ...]
    inscriptions: tuple[Inscribing, ...] = ()  # O4, O6: before the segment opens

    def __str__(self) -> str:
        return "\n  ".join(
            [
                *map(str, self.inscriptions),
                f"inscribed {self.inscribed}",
                *map(str, self.ops),
                f"crowd {self.crowd}",
            ]
        )


@st.composite
def scripts_of(draw: st.DrawFn, *, tame: bool = False, inscribing: bool = False) -> Script:
    """``inscribing``: the segment's list is filled before it opens (O4, O6) and the chair
    marks absences (O5); the other properties keep the scripts they always had."""
    everyone = range(len(DELEGATIONS))
    inscribed = draw(st.permutations(everyone))[: draw(st.sampled_from((0, 10, 30, 55)))]
    ops = draw(_ops(tame=tame, inscribing=inscribing))
    crowd = draw(st.permutations(everyone))[: draw(st.sampled_from((0, 8, 24, 55)))]
    inscriptions: list[Inscribing] = []
    if inscribing:
        before = st.sampled_from(_INSCRIBING).flatmap(lambda strategy: strategy)
        inscriptions = draw(st.lists(before, min_size=4, max_size=40))
    return Script(tuple(inscribed), tuple(_with_answers(ops)), tuple(crowd), tuple(inscriptions))


def play(case: Case, script: Script, *, tame: bool = False) -> Room:
    room = Room(case)
    window = case.plan.inscription
    assert window is not None
    room.now = window.opens_at - 1200.0  # the first two are refused: not open yet
    for inscribing in script.inscriptions:
        room.inscribe(inscribing)
        room.now += 600.0
    room.now = case.opened_at
    lists = [x for x in room.state.inscriptions if x.segment_id == case.plan.id]
    room.listed = lists[0].entries if lists else ()
    assert room.do(OpenSegment(case.plan))
    room.tame = tame
    for who in script.inscribed:  # refused for the panellist (P1)
        room.run(Press(who, inscribed=True))
    for op in script.ops:
        room.run(op)
    for who in script.crowd:  # refused where no later phase hears them
        room.run(Press(who))
    _play_to_end(room)
    return room


# -- running a property and counting what it exercised ---------------------------------------

EXAMPLES = 25


def _holds(
    check: Callable[[Room, Counter[str]], None],
    needed: set[str],
    *,
    tame: bool = False,
    inscribing: bool = False,
) -> Counter[str]:
    """Run ``check`` on every case for generated scripts; fail if something in ``needed``
    never occurred. ``inscribing``: scripts that fill the list first (O4-O6)."""
    seen: Counter[str] = Counter()
    # ``run``'s source seeds the derandomized examples: it keeps the words it had before
    # O4-O6, so that every other property plays the very scripts it always played
    scripts = partial(scripts_of, inscribing=inscribing)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        # The same scripts every run: CI must not turn red by chance, and the checks that
        # every case was exercised are then facts about these scripts, not luck.
        derandomize=True,
        phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),  # no slow explain
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(scripts(tame=tame))
    def run(script: Script) -> None:
        for case in CASES:
            room = play(case, script, tame=tame)
            try:
                check(room, seen)
            except AssertionError as failure:
                raise AssertionError(f"{failure}\nin {case.name} with {script}") from None

    run()
    missing = {k for k in needed if not seen[k]}
    assert not missing, f"never exercised: {sorted(missing)} (seen: {dict(seen)})"
    return seen


def _violations(room: Room, *rules: str) -> list[str]:
    """check_invariants' lines for the named rules ("P6:", "A3:", ...)."""
    return [v for v in check_invariants(room.history()) if any(r in v for r in rules)]


def _grants(room: Room) -> list[FloorGranted]:
    return [e for e in room.events if isinstance(e, FloorGranted)]


def _requests_of(room: Room) -> dict[str, Category]:
    return {e.request.id: e.request.category for e in room.events if isinstance(e, FloorRequested)}


# -- the properties ------------------------------------------------------------------------


def test_every_command_is_applied_or_refused_with_a_domain_error() -> None:
    """``apply`` raises nothing but DomainError (``Room.do`` lets anything else through),
    and every refusal says why in words a moderator reads."""

    def check(room: Room, seen: Counter[str]) -> None:
        for _, error in room.refusals:
            assert error.detail
            seen[type(error).__name__] += 1
        seen["applied"] += len(room.states)

    _holds(
        check, {"applied", IllegalCommand.__name__, FloorRuleRefused.__name__, NotFound.__name__}
    )


def test_R1_replaying_the_recorded_events_gives_the_live_state() -> None:
    """``evolve`` folded over the events (``replay``) rebuilds the state after any command,
    and the record as a whole is consistent: every rule the checker reads holds, but A4's
    count, which a moderator who closes the segment or dismisses a speaker can break."""

    def check(room: Room, seen: Counter[str]) -> None:
        initial = RoomState("plenary")
        assert replay(initial, room.events) == room.state
        step = max(1, len(room.states) // 8)
        for state, count in list(zip(room.states, room.marks, strict=True))[::step]:
            assert replay(initial, room.events[:count]) == state
        state = initial
        for event in room.events:
            state = evolve(state, event)
        assert state == room.state
        assert room.state.segment is None  # played to the end
        assert [v for v in check_invariants(room.history()) if "were heard" not in v] == []
        seen["events"] += len(room.events)
        seen["segment closed by command"] += any(isinstance(c, CloseSegment) for c in room.applied)
        seen["hard stop"] += sum(
            1 for c in room.applied if isinstance(c, Tick) and room.case.plan.rules.hard_stop
        )

    _holds(check, {"events", "segment closed by command", "hard stop"})


def test_M1_M3_M4_every_request_is_accounted_for_undos_restore_and_stale_commands_do_nothing() -> (
    None
):
    """Every request that was made ends heard, withdrawn, struck or closed (the segment is
    played to its end), once in the record; every applied undo restored the floor before
    the undone command (``Room.check_undo``); every command decided on another floor was
    refused and changed nothing (``Room.stale_command``)."""

    def check(room: Room, seen: Counter[str]) -> None:
        made = [e.request.id for e in room.events if isinstance(e, FloorRequested)]
        lines = [line for line in room.history().timeline if line.request_id in set(made)]
        assert sorted(line.request_id or "" for line in lines) == sorted(made)
        for line in lines:
            assert line.outcome.value in {"heard", "not_heard", "withdrawn"}, line
            seen[line.closed_reason or line.outcome.value] += 1
        seen["undone"] += room.undos
        seen["stale"] += room.stale
        seen["refused as changed"] += sum(
            1 for _, error in room.refusals if isinstance(error, FloorChanged)
        )
        seen["sent back"] += sum(1 for e in room.events if type(e).__name__ == "RequestReturned")

    _holds(
        check,
        {"heard", "withdrawn", "struck", "phase_ended", "undone", "stale", "refused as changed"}
        | {"sent back"},
    )


def test_O1_a_paused_speaker_always_resumes_with_the_seconds_it_had() -> None:
    """A speech interrupted by a point of order is held, not ended: paused with the seconds
    it had, and back on the floor with exactly them after the ruling (``Room.check_procedure``
    checks every hearing and every ruling); a profile that makes points wait refuses to
    interrupt, and no waiting point is passed over by "next speaker"."""

    def check(room: Room, seen: Counter[str]) -> None:
        heard = [e for e in room.events if isinstance(e, PointOfOrderHeard)]
        seen["interrupted"] += sum(1 for e in heard if e.interrupted is not None)
        seen["heard on a free floor"] += sum(1 for e in heard if e.interrupted is None)
        seen["resumed after the ruling"] += room.resumed
        seen["undone"] += room.undos
        seen["waited for the end of the speech"] += sum(
            1 for _, error in room.refusals if error.code == "point.waits_for_speech"
        )
        for state in room.states:
            on_floor = state.speech
            assert (state.held is None) or (  # O8: or a question's
                on_floor is not None and on_floor.basis in (Basis.POINT_OF_ORDER, Basis.QUESTION)
            )
        seen["next speaker heard a point"] += room.next_heard_point

    _holds(
        check,
        {
            "interrupted",
            "heard on a free floor",
            "resumed after the ruling",
            "waited for the end of the speech",
            "next speaker heard a point",
        },
    )


def test_O8_a_speaker_held_for_a_question_resumes_with_the_seconds_it_had() -> None:
    """An interposed question, with the speaker's consent, holds the speech with the
    seconds it had; its end (or its time up) brings back exactly the held speech
    (``Room.check_question``); a question never lasts past the cap; where pro and contra
    alternate, the checker reads the same order from the record."""

    def check(room: Room, seen: Counter[str]) -> None:
        events = room.events
        seen["consented"] += sum(1 for e in events if isinstance(e, QuestionConsented))
        seen["resumed after the question"] += room.answered
        seen["declined"] += sum(1 for e in events if type(e).__name__ == "QuestionDeclined")
        seen["time up ended it"] += sum(
            1
            for n, e in enumerate(events)
            if isinstance(e, QuestionEnded) and type(events[n - 1]).__name__ == "TimeUp"
        )
        for _, error in room.refusals:
            seen[error.code] += error.code.startswith("question.")
        seen["alternated"] += room.alternated
        assert _violations(room, "P2") == []

    _holds(
        check,
        {
            "consented",
            "resumed after the question",
            "declined",
            "time up ended it",
            "question.too_long",
            "question.not_taken",
            "question.being_asked",
            "alternated",
        },
    )


def test_O3_a_closed_list_takes_no_request_except_O1_and_the_moderators() -> None:
    """While the list a request would join is closed, a delegation's own request is refused
    and the chair's is taken (``Room.check_procedure``); points of order are still raised."""

    def check(room: Room, seen: Counter[str]) -> None:
        seen["refused by a closed list"] += sum(
            1 for _, error in room.refusals if "is closed: only the chair" in error.detail
        )
        seen["the chair's add to a closed list"] += room.chair_adds
        closed = [n for n, state in enumerate(room.states) if state.queue.closed_lists and n > 0]
        seen["point raised while a list is closed"] += sum(
            1
            for n in closed
            if any(
                type(e).__name__ == "PointOfOrderRaised"
                for e in room.events[room.marks[n - 1] : room.marks[n]]
            )
        )

    _holds(
        check,
        {
            "refused by a closed list",
            "the chair's add to a closed list",
            "point raised while a list is closed",
        },
    )


def test_O2_no_delegation_has_more_replies_than_the_limits_and_each_has_its_ranks_limit() -> None:
    """Rights of reply: a delegation's replies heard never pass the number of limits, each
    reply is granted with the limit of its rank (first, second), and the oracle reads the
    same from the record; a meeting without limits refuses every reply."""

    def check(room: Room, seen: Counter[str]) -> None:
        assert _violations(room, "O2:") == []
        limits = room.case.plan.rules.reply_limits
        heard: Counter[str] = Counter()  # replies heard, per delegation
        for event in room.events:
            match event:
                case FloorRestored(queue=queue):  # M3: the count comes back with the queue
                    heard = Counter(queue.replied)
                case FloorGranted(allotment=a) if a.basis is Basis.REPLY:
                    rank = heard[a.speaker.id]
                    assert a.seconds == limits[rank], (a, rank)
                    seen[f"reply {rank + 1} given"] += 1
                case SpeechEnded(basis=Basis.REPLY, heard=True, speaker=who):
                    heard[who.id] += 1
                    assert heard[who.id] <= len(limits), (who, heard)
        for state in room.states:
            assert all(n <= len(limits) for n in Counter(state.queue.replied).values())
        codes = Counter(error.code for _, error in room.refusals)
        seen["refused past the limits"] += codes["reply.limit_reached"]
        seen["refused: the meeting takes none"] += codes["reply.not_taken"]
        kinds = Counter(type(e).__name__ for e in room.events)
        for kind in (RepliesCalled, ReplyReturned, ReplyWithdrawn, RepliesClosed):
            seen[kind.__name__] += kinds[kind.__name__]

    _holds(
        check,
        {
            "reply 1 given",
            "reply 2 given",
            "refused past the limits",
            "refused: the meeting takes none",
            "RepliesCalled",
            "ReplyReturned",
            "ReplyWithdrawn",
            "RepliesClosed",
        },
    )


def test_P6_a_delegation_is_never_twice_in_the_queue() -> None:
    def check(room: Room, seen: Counter[str]) -> None:
        for state in room.states:
            ids = [r.delegation_id for r in state.queue.waiting]
            assert len(ids) == len(set(ids)), ids
        assert _violations(room, "P6:") == []
        seen["second press while waiting"] += room.repeats
        seen["asked again after speaking"] += sum(
            1 for e in room.events if isinstance(e, FloorRequested) and not e.request.first_time
        )

    _holds(check, {"second press while waiting", "asked again after speaking"})


def test_T2_every_allotment_is_the_slot_the_flex_the_rcp_extra_or_an_override() -> None:
    """T1, T2 (flex only when n x F <= R at grant time), P4, or a recorded override."""

    def check(room: Room, seen: Counter[str]) -> None:
        assert _violations(room, "T1/T2/P4:", "T3/T4:", "allotment the moderator set") == []
        plan = room.case.plan
        slot, flex = plan.rules.slot_seconds, plan.rules.flex_seconds
        assert flex is not None
        extra = plan.rules.rcp_extra_seconds
        by_category = {seconds for _, seconds in plan.rules.category_seconds}  # O7
        allowed = {
            Basis.SLOT: {slot},
            Basis.FLEX: {flex},
            Basis.CATEGORY: by_category,
            Basis.RCP: {slot + extra, flex + extra, *(s + extra for s in by_category)},
        }
        for grant in _grants(room):
            a = grant.allotment
            if a.basis is Basis.CONTINGENT:  # O9: capped; its own property checks it
                assert a.seconds > 0
            if a.request_id is None or a.basis in (Basis.OVERRIDE, Basis.REPLY, Basis.CONTINGENT):
                seen[a.basis.value] += 1  # O2: a reply's limit is checked by its own test
                continue
            assert a.seconds in allowed[a.basis], (a.basis, a.seconds)
            if a.basis is Basis.RCP:
                assert a.speaker.id in plan.rcp_chairs
            seen[a.basis.value] += 1
        seen["overridden after the grant"] += sum(
            1 for e in room.events if isinstance(e, AllotmentOverridden)
        )

    _holds(
        check,
        {"slot", "flex", "rcp", "override", "programme", "overridden after the grant", "category"},
    )


def test_O9_a_contingent_is_its_budget_less_its_members_speeches_and_below_zero_only_warned() -> (
    None
):
    """O9: after every command, each group's seconds left are its budget less the seconds
    its members spoke (an undo gives them back with the speech it brings back); a group
    goes below zero only with a warning at that instant, and a grant short of time is
    warned (warn) or capped at what is left (refuse); the checker agrees (``O9:``)."""

    def check(room: Room, seen: Counter[str]) -> None:
        assert _violations(room, "O9:") == []
        rules = room.case.plan.rules
        spoken: dict[str, float] = {}
        marks = dict(zip(room.marks, room.states, strict=True))
        for count, event in enumerate(room.events, start=1):
            if isinstance(event, SpeechEnded) and event.heard:
                if event.basis is not Basis.POINT_OF_ORDER:
                    for c in rules.contingents:
                        if event.speaker.id in c.members:
                            spoken[c.group] = spoken.get(c.group, 0.0) + event.spoken
            if isinstance(event, FloorRestored):  # M3: the ledger the undo brings back
                spoken = {d.group: d.seconds for d in event.queue.drawn}
                seen["undone with a contingent"] += bool(event.queue.drawn)
            if isinstance(event, ContingentDrawn) and event.left < 0:
                after = room.events[count : count + len(rules.contingents)]
                assert any(
                    isinstance(w, ContingentWarned)
                    and w.group == event.group
                    and w.reason is ContingentShort.OVERDRAWN
                    for w in after
                ), event
                seen["overdrawn, warned"] += 1
            if isinstance(event, FloorGranted) and event.allotment.request_id is not None:
                _check_grant(room, rules, spoken, count, event, seen)
            state = marks.get(count)
            if state is not None and state.segment is not None:
                expected = {
                    c.group: c.seconds - spoken.get(c.group, 0.0) for c in rules.contingents
                }
                assert dict(contingents_left(rules, state.queue.drawn)) == pytest.approx(expected)
                seen["drawn"] += bool(state.queue.drawn)
        seen["refused"] += sum(1 for _, e in room.refusals if e.code == "contingent.exhausted")

    _holds(
        check,
        {
            "drawn",
            "overdrawn, warned",
            "warned short",
            "capped",
            "refused",
            "undone with a contingent",
        },
    )


def _check_grant(
    room: Room,
    rules: FloorRules,
    spoken: dict[str, float],
    count: int,
    event: FloorGranted,
    seen: Counter[str],
) -> None:
    """O9 at a grant: short of time, warned (warn) or capped at what is left (refuse)."""
    a = event.allotment
    if a.basis is Basis.REPLY:
        return
    for c in rules.contingents:
        if a.speaker.id not in c.members:
            continue
        remaining = c.seconds - spoken.get(c.group, 0.0)
        if rules.contingent_exhausted is ContingentExhausted.REFUSE:
            assert remaining > 0, (c.group, remaining)
            assert a.seconds <= remaining + 1e-9
            seen["capped"] += a.basis is Basis.CONTINGENT
        elif remaining < a.seconds:
            after = room.events[count : count + len(rules.contingents)]
            assert any(isinstance(w, ContingentWarned) and w.group == c.group for w in after)
            seen["warned short"] += 1


def test_P2_P4_P8_the_order_is_kept_except_for_recorded_overrides() -> None:
    def check(room: Room, seen: Counter[str]) -> None:
        assert _violations(room, "P2/P4/P8:", "P2/P4:", "P8:") == []
        categories = _requests_of(room)
        for grant in _grants(room):
            a = grant.allotment
            if a.request_id is None or a.basis is Basis.REPLY:  # O2: apart from the list
                continue
            seen["out of order" if a.out_of_order else "in order"] += 1
            if a.speaker.id in room.case.plan.rcp_chairs:
                seen["RCP chair"] += 1
            if categories[a.request_id] is Category.OBSERVER_STATE:
                seen["observer State"] += 1
        seen["moved"] += sum(1 for r in room.history().timeline if "moved" in r.overrides)
        seen["second time"] += sum(
            1 for r in room.history().timeline if r.heard and r.first_time is False
        )

    _holds(
        check, {"in order", "out of order", "RCP chair", "observer State", "moved", "second time"}
    )


def test_A3_no_member_state_is_given_the_floor_past_the_blocks_latest_start() -> None:
    """A3: not after the phase's maximum, not when a slot would end after the block's
    latest start, unless out of order; waiting requests close as not heard."""

    def check(room: Room, seen: Counter[str]) -> None:
        assert _violations(room, "A3:") == []
        plan = room.case.plan
        ends = [e for e in room.events if isinstance(e, PhaseEnded)]
        for end in ends:
            if end.reason in {PhaseEndReason.MAXIMUM, PhaseEndReason.BLOCK}:
                seen[f"A3 {end.reason.value}"] += 1
        seen["closed as not heard"] += sum(
            len(e.requests)
            for e in room.events
            if isinstance(e, RequestsClosed) and e.reason is ClosedBecause.PHASE_ENDED
        )
        yielding = [n for n, p in enumerate(plan.phases) if p.yields]
        for grant in _grants(room):
            a = grant.allotment
            if a.speaker.category is not Category.MEMBER_STATE or a.request_id is None:
                continue
            if a.basis is Basis.REPLY:  # O2: a reply is not a turn of the speakers' list
                continue
            late = any(
                grant.at + plan.slot(plan.phases[n]) > block_latest_start(plan, n) for n in yielding
            )
            if late:
                assert a.out_of_order, grant
                seen["Member State past the latest start by override"] += 1

    _holds(
        check,
        {
            "A3 maximum",
            "A3 block",
            "closed as not heard",
            "Member State past the latest start by override",
        },
    )


def test_A4_no_stakeholder_speaks_in_the_member_state_phase_except_by_override() -> None:
    def check(room: Room, seen: Counter[str]) -> None:
        assert _violations(room, "A4: stakeholder") == []
        for grant in _grants(room):
            a = grant.allotment
            phase = next(p for p in room.case.plan.phases if p.key == a.phase_key)
            category = a.speaker.category
            if a.request_id is None or category is None or not is_stakeholder(category):
                continue
            if a.basis is Basis.REPLY:  # O2: a reply is apart from the lists
                continue
            if category not in phase.eligible:
                assert a.out_of_order, grant
                seen["stakeholder early by override"] += 1
            else:
                seen["stakeholder in its block"] += 1

    _holds(check, {"stakeholder early by override", "stakeholder in its block"})


def test_A4_when_four_stakeholders_asked_four_are_heard_in_an_action_group() -> None:
    """Whatever the moderator did in the Member State phase (overrides, extensions,
    overruns, moves), short of closing the segment or dismissing a speaker before they
    speak, the stakeholder block hears four of the stakeholders who asked."""

    def check(room: Room, seen: Counter[str]) -> None:
        assert check_invariants(room.history()) == []
        if room.case.plan.format != "A1":
            return
        # withdrawn, or struck by the moderator (M4): A4 counts who still asks, as the oracle;
        # a withdrawal or a strike undone (M3) leaves the request asking
        withdrawn: set[str] = set()
        for e in room.events:
            if isinstance(e, RequestWithdrawn | RequestStruck):
                withdrawn.add(e.request.id)
            elif isinstance(e, FloorRestored):
                withdrawn -= {r.id for r in e.queue.waiting}
        asked: set[str] = set()  # stakeholders who asked before the block was over
        for e in room.events:
            if isinstance(e, PhaseEnded) and room.case.plan.phases[e.index].protected_slots:
                break
            if isinstance(e, FloorRequested) and e.request.id not in withdrawn:
                if is_stakeholder(e.request.category):
                    asked.add(e.request.delegation_id)
        heard = {
            e.speaker.id
            for e in room.events
            if isinstance(e, SpeechEnded) and e.heard and e.speaker.id in asked
        }
        if len(asked) >= 4:
            seen["four or more asked"] += 1
            assert len(heard) >= 4, (asked, heard)
        refused = [e for c, e in room.refusals if isinstance(c, ClosePhase) and "(A4)" in e.detail]
        seen["close refused by A4"] += len(refused)
        started = [e for e in room.events if isinstance(e, PhaseStarted) and e.index == 2]
        latest = block_latest_start(room.case.plan, 1)
        seen["block started after its latest start"] += any(e.at > latest for e in started)

    _holds(
        check,
        {"four or more asked", "close refused by A4", "block started after its latest start"},
        tame=True,
    )


def test_O4_O5_O6_the_queue_at_opening_is_the_inscribed_list_in_tier_order() -> None:
    """The requests a segment opens with are its inscribed list, in the list's order,
    which is ordered by tier; no delegation is ever inscribed twice; every draw is
    re-drawn from its published seed; absences keep O5 (the checker reads them); and, with
    these commands in the scripts, the replay still gives the live state and the checker
    finds no violation (but A4's count, which a dropped stakeholder can break)."""

    def check(room: Room, seen: Counter[str]) -> None:
        assert replay(RoomState("plenary"), room.events) == room.state
        assert [v for v in check_invariants(room.history()) if "were heard" not in v] == []
        opened = next(n for n, e in enumerate(room.events) if type(e).__name__ == "SegmentOpened")
        first = room.events[opened + 1 : opened + 1 + len(room.listed)]
        requests = [e.request for e in first if isinstance(e, FloorRequested)]
        assert [(r.delegation_id, r.tier) for r in requests] == [
            (e.delegation_id, e.tier) for e in room.listed
        ]
        tiers = [tier_rank(r.tier) for r in requests if r.tier is not None]
        assert tiers == sorted(tiers)
        assert len(tiers) == len(requests)
        for state in room.states:
            for inscribed in state.inscriptions:
                ids = [e.delegation_id for e in inscribed.entries]
                assert len(ids) == len(set(ids)), ids
        for e in room.events:
            if isinstance(e, LotsDrawn):
                assert e.drawn == drawn_order(e.candidates, e.seed)[: len(e.drawn)]
                seen["drawn"] += 1
                seen["K of N"] += bool(e.not_drawn)
        assert _violations(room, "O4:", "O5:") == []
        seen["queued from the list"] += len(requests)
        seen["tiers at opening"] += len(set(tiers)) > 1
        seen["swapped"] += sum(1 for e in room.events if type(e).__name__ == "InscriptionsSwapped")
        seen["moved on absence"] += sum(
            1 for e in room.events if isinstance(e, InscribedSpeakerAbsent)
        )
        seen["dropped"] += sum(1 for e in room.events if isinstance(e, InscribedSpeakerDropped))
        seen["absent when called"] += sum(
            1
            for e in room.events
            if isinstance(e, InscribedSpeakerAbsent | InscribedSpeakerDropped) and e.called
        )
        for _, error in room.refusals:
            if error.code.startswith("inscription."):
                seen[error.code] += 1

    _holds(
        check,
        {
            "drawn",
            "K of N",
            "queued from the list",
            "tiers at opening",
            "swapped",
            "moved on absence",
            "dropped",
            "absent when called",
            "inscription.not_open_yet",
            "inscription.not_inscribed",
        },
        inscribing=True,
    )


# -- found by the properties ----------------------------------------------------------------


def test_T2_a_moderators_allotment_must_be_a_positive_time() -> None:
    """A grant or a named speaker with 0 s or less would warn before it started (R1)."""
    plan = action_group()
    opened = apply(RoomState("plenary"), OpenSegment(plan), START).state
    for command in (GrantFloor(seconds=-30.0), GiveFloor("Guest", seconds=0.0)):
        with pytest.raises(IllegalCommand, match="give a positive time"):
            apply(opened, command, START + 1.0)


def _in_the_block(stakeholders: int) -> tuple[RoomLog, float]:
    """An action group whose Member State phase was closed, with stakeholders waiting."""
    room, now = RoomLog(), START
    room.do(OpenSegment(action_group()), now)
    room.do(ClosePhase(), now)  # the welcome
    for n in range(1, stakeholders + 1):
        room.do(RequestFloor(DELEGATIONS[MEMBER_STATES + 1 + n]), now)
    room.do(ClosePhase(), now)  # the Member State phase
    assert room.state.segment is not None
    assert room.state.segment.phase_index == 2
    return room, now


def test_A4_a_guest_or_a_member_state_given_the_floor_in_the_block_fills_no_stakeholder_slot() -> (
    None
):
    room, now = _in_the_block(5)
    room.do(RequestFloor(DELEGATIONS[0], on_behalf=True), now)  # a Member State, by the chair
    member_state = next(r for r in room.state.queue.waiting if r.category is Category.MEMBER_STATE)
    for command in (GrantFloor(member_state.id), GiveFloor("Guest"), GrantFloor()):
        room.do(command, now)
        room.do(StartSpeech(), now)
        now += 60.0
        room.do(EndSpeech(), now)

    with pytest.raises(FloorRuleRefused, match=r"keeps 4 slots \(A4\): 1 heard, 4 still waiting"):
        room.do(ClosePhase(), now)


def test_A4_a_block_that_is_closing_takes_no_new_request_it_could_not_hear() -> None:
    room, now = _in_the_block(1)
    room.do(GrantFloor(), now)
    room.do(StartSpeech(), now)
    room.do(ClosePhase(), now + 10.0)  # no one else waits: the block ends with this speech
    late = DELEGATIONS[MEMBER_STATES + 5]

    for command in (RequestFloor(late), RequestFloor(late, on_behalf=True)):
        with pytest.raises(FloorRuleRefused, match="is closing and no later phase hears"):
            room.do(command, now + 20.0)
    # a Member State asking in the block is refused as before; the chair may still enter one
    with pytest.raises(
        FloorRuleRefused, match="the floor is not open to Member State 01 for the rest of"
    ):
        room.do(RequestFloor(DELEGATIONS[0]), now + 20.0)
    with pytest.raises(FloorRuleRefused, match="is closing"):
        room.do(RequestFloor(DELEGATIONS[0], on_behalf=True), now + 20.0)


def test_A4_a_stakeholders_second_turn_fills_no_second_slot() -> None:
    room, now = _in_the_block(5)
    first = room.state.queue.waiting[0]
    room.do(GrantFloor(), now)
    room.do(StartSpeech(), now)
    now += 60.0
    room.do(EndSpeech(), now)
    for _ in range(3):  # the same stakeholder asks again and is given the floor by name
        room.do(RequestFloor(DELEGATIONS[MEMBER_STATES + 2]), now)
        again = next(r for r in room.state.queue.waiting if r.delegation_id == first.delegation_id)
        room.do(GrantFloor(again.id), now)
        room.do(StartSpeech(), now)
        now += 60.0
        room.do(EndSpeech(), now)

    with pytest.raises(FloorRuleRefused, match=r"keeps 4 slots \(A4\): 1 heard, 4 still waiting"):
        room.do(ClosePhase(), now)


def test_the_consoles_trial_of_its_buttons_is_the_engines_own_decision() -> None:
    """``trial`` (what the console asks on every change: would "next speaker", "Hear",
    "Close the phase", "Call replies" act?) refuses exactly what ``apply`` refuses, and
    its outcome is how ``apply``'s events begin, on every state the scripts reach, asked
    at the room's last time (so that deadlines due meanwhile are caught up first)."""

    def check(room: Room, seen: Counter[str]) -> None:
        for state in room.states[-6:]:
            on_floor = state.speech.speaker.id if state.speech is not None else ""
            buttons: tuple[Command, ...] = (
                GrantFloor(expected_speaker=on_floor),
                HearPointOfOrder(expected_speaker=on_floor),
                ClosePhase(),
                CallReplies(),
            )
            for command, outcome in zip(buttons, trial(state, buttons, room.now), strict=True):
                try:
                    events = apply(state, command, room.now).events
                except DomainError:
                    assert outcome is None, f"{command} refused, but the trial allowed it"
                    seen[f"{type(command).__name__} refused"] += 1
                    continue
                assert outcome is not None, f"{command} applied, but the trial refused it"
                assert events[: len(outcome)] == outcome
                seen[f"{type(command).__name__} allowed"] += 1

    _holds(
        check,
        {
            f"{name} {verdict}"
            for name in ("GrantFloor", "HearPointOfOrder", "ClosePhase", "CallReplies")
            for verdict in ("allowed", "refused")
        },
    )
