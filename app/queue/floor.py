"""The floor of one room: segment, phase, speaker and queue, as one pure machine.

Theory of operation
-------------------
``RoomState`` is everything the room needs to run: the open segment's run
(``app.timing.programme``), the speaker's allotment (``app.timing.allotment``)
and the queue (``app.queue.requests``). ``apply(state, command, now)`` returns
the new state and the events; ``evolve`` folds one event and never refuses,
so a replay of stored events rebuilds the live state.

Every command first catches up with the clock: the deadlines passed by
``now`` (a warning, a time up, a phase that must end, A3, T5) are applied
before the command, exactly as if the scheduler's ``Tick`` had come on time.
So the engine never depends on the scheduler's punctuality, and a Tick is
just a command with nothing else to do.

When the floor becomes free (a speech ends), a phase that is closing, or
whose limit is reached (A3), ends; requests that no later phase would hear
close as *not heard*; the next phase starts at once. A protected phase (A4)
refuses to be closed while it has given fewer than its slots and eligible
requests still wait; a slot is a first turn in the segment of a delegation the
phase hears by the rules. A closing phase takes no request that only it would
hear (it would close as not heard when the speaker finishes).

The moderator can also clear the queue (``ClearQueue``): every waiting
request closes as not heard, with its own reason, through the same
``RequestsClosed`` event as a phase end, so the record keeps it (R1). The
speaker on the floor, the phase and its clock are untouched; an empty
queue gives no event, and with no segment open the command is refused.

Operating the floor (M1-M5): a command may name what the console saw (the
speaker on the floor, the request, the phase, the segment); if the room has
changed since, it is refused with ``FloorChanged``, which says what changed,
and is never applied to something else (M1). Repeating a pause, a resume, a
withdrawal or the opening of the segment already open changes nothing (M2).
The last change of the floor can be undone (``Undo`` -> ``FloorRestored``)
within the meeting's window if nothing changed since; the undo point is
kept by the fold (``app.queue.undo``), so a replay rebuilds it (M3). The
moderator can strike one request with a reason (M4). A granted speaker who
has not started is never dropped: if the floor goes to someone else first,
their request returns to the head of the queue (``RequestReturned``, M5);
"next speaker" then gives the floor to the next one after them.

The procedure of formal bodies (``app.queue.procedure``): a point of order
goes before every request; hearing it holds the speech on the floor
(``RoomState.held``, paused, never ended) and the ruling puts it back with the
seconds it had (O1). A phase's list of speakers can be closed and reopened:
while closed, only the chair adds (O3). Rights of reply (``app.queue.reply``)
are a list of their own, taken by "next speaker" when the chair calls them or
at the end of the last floor phase's list; a reply fills no slot and marks no
one as having spoken (O2). Speech kinds (``app.queue.kinds``): "next speaker"
may alternate pro and contra; an interposed question, with the speaker's
consent, holds the speech as a point of order does and puts it back with the
seconds it had (O8).

Inscription before the segment (``app.queue.inscription``): the lists of the
segments not yet open (``RoomState.inscriptions``) take inscriptions, swaps
and draws of lots whatever segment runs meanwhile, and never touch its floor
(no undo point is spent by them); opening a segment turns its list into its
first requests (O4, O6). The chair marks an inscribed speaker absent when
calling it: to the end of its tier, then dropped (O5).

Allotments by category and capacity (O7, ``app.queue.slot``) are decided
where the slot is; a group's time contingent (O9, ``app.queue.contingent``)
is checked when one of its members is given the floor (warned, capped or
refused, as the profile says) and drawn down when the member's speech ends.

Model UN (O11): the speaker of the general speakers' list yields
(``app.queue.yields``): to a delegate, who has the floor for exactly the
seconds left; to questions, whose questioners the chair calls, each holding
the speech as an interposed question does (O8), their seconds drawn from the
budget; to the chair, the time lapsing. A moderated caucus
(``app.queue.caucus``) makes the speakers' list wait while the chair calls
speakers, each for at most the time per speaker; its end is a deadline of
the room (``next_deadline``), caught up with like every other.

Rules: P2, P4, P6, P7, P8 (order, requests), T1-T6 (allotments, clock),
A1-A8 (phases), A3 (phase end), A4 (stakeholder block), C2 (drift), M1-M5,
O1, O2, O3, O4-O6, O7, O8, O9, O11.

The module is longer than 400 lines on purpose: it is one machine, and every
transition of the room (``_decide``), its fold (``evolve``) and the phase ends
both share are kept in one place so that they are read together (S4).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from app.category import Category
from app.errors import DomainError, FloorChanged, FloorRuleRefused, IllegalCommand, NotFound
from app.queue import (
    caucus,
    contingent,
    inscription,
    kinds,
    order,
    procedure,
    reply,
    undo,
    yields,
)
from app.queue.commands import (
    AskInterposedQuestion,
    CallCaucusSpeaker,
    CallQuestioner,
    CallReplies,
    ClearQueue,
    CloseCaucus,
    ClosePhase,
    CloseSegment,
    CloseSpeakersList,
    Command,
    ConsentToQuestion,
    DeclineQuestion,
    DrawLots,
    GiveFloor,
    GrantFloor,
    HearPointOfOrder,
    Inscribe,
    MarkAbsent,
    MoveRequest,
    OpenCaucus,
    OpenSegment,
    RaisePointOfOrder,
    ReopenSpeakersList,
    RequestFloor,
    RequestReply,
    RulePointOfOrder,
    SetRequestAllotment,
    StrikeRequest,
    SwapInscriptions,
    Tick,
    Undo,
    WithdrawInscription,
    WithdrawReply,
    WithdrawRequest,
    YieldFloor,
)
from app.queue.events import (
    CaucusClosed,
    CaucusEnd,
    CaucusOpened,
    ClosedBecause,
    ContingentDrawn,
    ContingentWarned,
    Event,
    FloorGranted,
    FloorRequested,
    FloorRestored,
    FloorYielded,
    Inscribed,
    InscribedSpeakerAbsent,
    InscribedSpeakerDropped,
    InscriptionEvent,
    InscriptionsSwapped,
    InscriptionWithdrawn,
    InterposedQuestionAsked,
    LotsDrawn,
    PointOfOrderHeard,
    PointOfOrderRaised,
    PointOfOrderRuled,
    QuestionConsented,
    QuestionDeclined,
    QuestionEnded,
    RepliesCalled,
    RepliesClosed,
    ReplyRequested,
    ReplyReturned,
    ReplyWithdrawn,
    RequestAllotmentSet,
    RequestMoved,
    RequestReturned,
    RequestsClosed,
    RequestStruck,
    RequestWithdrawn,
    SpeakersListClosed,
    SpeakersListReopened,
)
from app.queue.requests import (
    FloorRequest,
    InscriptionList,
    Lapse,
    Queue,
    find,
    is_open_to,
    open_request_of,
    without,
)
from app.queue.slot import floor_allotment
from app.queue.undo import UndoPoint
from app.timing import allotment as speech
from app.timing import programme
from app.timing.allotment import (
    Allotment,
    AllotmentOverridden,
    Basis,
    EndSpeech,
    ExtendSpeech,
    SetAllotment,
    Speaker,
    SpeechEnded,
    SpeechPaused,
    SpeechStarted,
    SpeechStatus,
)
from app.timing.plan import FloorRules, PhaseKind, PhasePlan
from app.timing.programme import (
    PhaseClosing,
    PhaseEnded,
    PhaseEndReason,
    PhaseStarted,
    SegmentClosed,
    SegmentOpened,
    SegmentRun,
)


@dataclass(frozen=True, slots=True)
class RoomState:
    room_id: str
    segment: SegmentRun | None = None
    speech: Allotment | None = None
    queue: Queue = Queue()
    undo: UndoPoint | None = None  # M3: the floor before its last change
    held: Allotment | None = None  # O1: the speech a point of order on the floor interrupted
    inscriptions: tuple[InscriptionList, ...] = ()  # O4: lists of segments not yet open


@dataclass(frozen=True, slots=True)
class Decision:
    state: RoomState
    events: tuple[Event, ...]


def apply(state: RoomState, command: Command, now: float) -> Decision:
    """Catch up with the clock, then carry out ``command`` at ``now``."""
    events: list[Event] = []
    state = _fold(state, _due(state, now), events)
    state = _fold(state, _when_floor_free(state, now, _freed_at(events)), events)
    state = _fold(state, _decide(state, command, now), events)
    state = _fold(state, _when_floor_free(state, now, _freed_at(events)), events)
    return Decision(state, tuple(events))


def trial(
    state: RoomState, commands: Sequence[Command], now: float
) -> tuple[tuple[Event, ...] | None, ...]:
    """What each of ``commands`` would produce at ``now``, each alone (None: refused).

    The console asks this of its buttons on every change ("would next speaker
    give the floor?"): the answer is the engine's own, as ``apply`` would
    decide it, with the clock caught up once for all of them and no state
    built for the outcome. Each outcome is the events of the catch-up and of
    the decision.
    """
    events: list[Event] = []
    state = _fold(state, _due(state, now), events)
    state = _fold(state, _when_floor_free(state, now, _freed_at(events)), events)
    outcomes: list[tuple[Event, ...] | None] = []
    for command in commands:
        try:
            outcomes.append((*events, *_decide(state, command, now)))
        except DomainError:
            outcomes.append(None)
    return tuple(outcomes)


def replay(state: RoomState, events: Iterable[Event]) -> RoomState:
    for event in events:
        state = evolve(state, event)
    return state


def next_deadline(state: RoomState) -> float | None:
    """When the shell must send a Tick; None if only a command can change things."""
    deadline: float | None = None
    if state.speech is not None:
        deadline = speech.next_deadline(state.speech)
    elif state.segment is not None:
        deadline = programme.phase_end_deadline(state.segment)
    running = state.queue.caucus  # O11: a moderated caucus ends by itself
    if running is not None:
        deadline = running.ends_at if deadline is None else min(deadline, running.ends_at)
    return deadline


# -- deciding ---------------------------------------------------------------------


def _decide(state: RoomState, command: Command, now: float) -> list[Event]:
    _check_expected_speaker(state, command, now)
    match command:
        case Tick():
            return []
        case OpenSegment(plan=plan):
            if state.segment is not None and state.segment.plan.id == plan.id:
                return []  # M2: opening the open segment again is harmless, never a restart
            if state.speech is not None:
                who = state.speech.speaker
                raise IllegalCommand("floor.taken", speaker=who.name, speaker_code=who.id)
            closing = _close_segment(state, now) if state.segment is not None else []
            first = inscription.queued(state.inscriptions, plan, Queue(), now)  # O4
            return [*closing, SegmentOpened(now, plan), *first]
        case Inscribe() | WithdrawInscription() | SwapInscriptions() | DrawLots():
            return inscription.decide(state.inscriptions, state.segment, command, now)
        case RequestFloor():
            return _request(state, command, now)
        case WithdrawRequest():
            return _withdraw(state, command, now)
        case CloseSegment(segment_id=segment_id) if segment_id is not None:
            _check_segment(state, segment_id)
    on_floor = state.speech
    waits_for_ruling = (
        EndSpeech
        | GrantFloor
        | GiveFloor
        | CloseSegment
        | HearPointOfOrder
        | MarkAbsent
        | ConsentToQuestion
        | _MODEL_UN
    )
    if on_floor is not None and procedure.is_point_of_order(on_floor):
        if isinstance(command, waits_for_ruling):
            raise procedure.being_heard(on_floor)
    run = _require_segment(state, command)
    if on_floor is not None and kinds.is_question(on_floor):  # O8: the speaker answers first
        _refuse_while_asked(run, on_floor, command)
        if isinstance(command, EndSpeech):
            ended = kinds.ended(on_floor, state.held, now)
            return _drawn(state, yields.question_ended(state.queue, ended))  # O11: budget
    if state.queue.caucus is not None and isinstance(command, _WAITS_FOR_CAUCUS):
        raise caucus.running(state.queue)  # O11: the speakers' list waits
    match command:
        case CloseSegment():
            return _close_segment(state, now)
        case ClosePhase(phase_key=phase_key, segment_id=segment_id):
            if segment_id is not None:
                _check_segment(state, segment_id)
            if phase_key is not None and phase_key != programme.current_phase(run).key:
                current = programme.current_phase(run)
                raise procedure.phase_gone(_phase_title(run, phase_key), phase_key, current)
            return _close_phase(state, run, now)
        case ClearQueue():
            # R1: cleared requests close as not heard and stay in the record;
            # the speaker on the floor, the phase and its clock are untouched
            waiting = state.queue.waiting
            return [RequestsClosed(now, waiting, ClosedBecause.QUEUE_CLEARED)] if waiting else []
        case GrantFloor(seconds=seconds):
            _require_positive(command, seconds)
            return _grant(state, run, command, now)
        case GiveFloor(name=name, seconds=seconds):
            _require_positive(command, seconds)
            freeing = _free_floor(state, now)
            return [*freeing, *_give(state, run, name, seconds, now, _replacing(state, freeing))]
        case MoveRequest(request_id=request_id, to=to):
            _require_request(state, request_id)
            return [RequestMoved(now, request_id, to)]
        case SetRequestAllotment(request_id=request_id, seconds=seconds):
            _require_request(state, request_id)
            _require_positive(command, seconds)
            return [RequestAllotmentSet(now, request_id, seconds)]
        case StrikeRequest(request_id=request_id, reason=reason):
            request = _require_request(state, request_id)
            if not reason.strip():
                raise IllegalCommand("request.no_reason")
            return [RequestStruck(now, request, reason.strip())]
        case Undo():
            return [_undo(state, now)]
        case RaisePointOfOrder():
            return procedure.raised(run, state.queue, command, now)
        case HearPointOfOrder():
            return _hear_point(state, run, command, now)
        case RulePointOfOrder():
            return [procedure.ruled(state.speech, state.held, command, now)]
        case CloseSpeakersList() | ReopenSpeakersList():
            return procedure.list_changed(run, state.queue, command, now)
        case RequestReply():
            on_floor = procedure.substantive(state.speech, state.held)
            return reply.requested(run, state.queue, on_floor, command, now)
        case WithdrawReply():
            on_floor = procedure.substantive(state.speech, state.held)
            return reply.withdrawn(state.queue, on_floor, command, now)
        case CallReplies():
            return reply.called(state.queue, command, now)
        case AskInterposedQuestion():
            on_floor = procedure.substantive(state.speech, state.held)
            return kinds.asked(run, state.queue, on_floor, command, now)
        case ConsentToQuestion():
            if state.speech is None:
                raise IllegalCommand("question.no_speech")
            return kinds.consented(run, state.queue, state.speech, command, now)
        case DeclineQuestion():
            return kinds.declined(state.queue, command, now)
        case YieldFloor():
            return _drawn(state, yields.yielded(run, state.queue, on_floor, command, now))
        case CallQuestioner():
            return yields.questioner_called(run, state.queue, on_floor, command, now)
        case OpenCaucus():
            return caucus.opened(run, state.queue, on_floor, command, now)
        case CallCaucusSpeaker():
            allotment = caucus.called(run, state.queue, command, now)
            freeing = _free_floor(state, now)
            return [*freeing, FloorGranted(now, allotment, replacing=_replacing(state, freeing))]
        case CloseCaucus():
            ending = _end_speech(state, now) if caucus.is_caucus_speech(on_floor) else []
            return [*ending, *caucus.closed(state.queue, now, CaucusEnd.CHAIR, ending)]
        case MarkAbsent(request_id=request_id):
            called = inscription.called_request(state.queue, request_id)
            request = called or _require_request(state, request_id)
            return [inscription.absence(state.queue, request, called is not None, now)]
    if state.speech is None:
        raise IllegalCommand("floor.nobody")
    if state.queue.caucus is not None and caucus.is_caucus_speech(state.speech):
        _refuse_past_caucus(state.queue, state.speech, command, now)
    return _drawn(state, list(speech.decide(state.speech, command, now)))


#: O11: the commands of Model UN's yields and caucuses (they wait for a ruling, O1,
#: and for the answer to a question, O8).
_MODEL_UN = YieldFloor | CallQuestioner | OpenCaucus | CallCaucusSpeaker | CloseCaucus
#: O11: what waits while a moderated caucus runs (the speakers' list, the phase's close).
_WAITS_FOR_CAUCUS = GrantFloor | GiveFloor | ClosePhase | ConsentToQuestion


def _refuse_past_caucus(queue: Queue, on_floor: Allotment, command: Command, now: float) -> None:
    """O11: a caucus speech is extended or set up to the time per speaker, never past the
    caucus's end."""
    assert queue.caucus is not None
    if isinstance(command, ExtendSpeech):
        total = speech.total_allotted(on_floor) + command.seconds
        caucus.refuse_past_limits(queue.caucus, on_floor, total, now)
    if isinstance(command, SetAllotment):
        total = command.seconds + on_floor.extended
        caucus.refuse_past_limits(queue.caucus, on_floor, total, now)


def _refuse_while_asked(run: SegmentRun, on_floor: Allotment, command: Command) -> None:
    """O8: while a question is on the floor the speaker answers it first, and its clock
    never passes the meeting's cap."""
    waits = GrantFloor | GiveFloor | CloseSegment | HearPointOfOrder | MarkAbsent | _MODEL_UN
    if isinstance(command, waits | ConsentToQuestion):
        raise kinds.being_asked(on_floor)
    if isinstance(command, ExtendSpeech):
        kinds.refuse_past_cap(run.plan.rules, speech.total_allotted(on_floor) + command.seconds)
    if isinstance(command, SetAllotment):
        kinds.refuse_past_cap(run.plan.rules, command.seconds + on_floor.extended)


def _check_expected_speaker(state: RoomState, command: Command, now: float) -> None:
    """M1: refuse a command decided on another speaker than the one on the floor."""
    expected = getattr(command, "expected_speaker", None)
    on_floor = state.speech
    if expected is None or expected == (on_floor.speaker.id if on_floor is not None else ""):
        return
    if on_floor is None:
        raise FloorChanged("floor.changed_ended")
    code = "floor.already_given" if expected == "" else "floor.changed_speaker"
    who = on_floor.speaker
    ago = round(now - on_floor.granted_at)
    raise FloorChanged(code, speaker=who.name, speaker_code=who.id, seconds=ago)


def _check_segment(state: RoomState, segment_id: str) -> None:
    """M1: the segment the console showed is the one open."""
    run = state.segment
    if run is None:
        raise FloorChanged("segment.no_longer_open", segment=segment_id)
    if run.plan.id != segment_id:
        raise FloorChanged("segment.other_open", segment=segment_id, open=run.plan.title)


def _phase_title(run: SegmentRun, key: str) -> str:
    return next((p.title for p in run.plan.phases if p.key == key), key)


def _withdraw(state: RoomState, command: WithdrawRequest, now: float) -> list[Event]:
    request = open_request_of(state.queue, command.delegation_id)
    if command.request_id is not None and (request is None or request.id != command.request_id):
        _refuse_if_granted(state, command.request_id)
        return []  # M1, M2: it left the queue already; a newer request is not the target
    return [] if request is None else [RequestWithdrawn(now, request)]


def _undo(state: RoomState, now: float) -> FloorRestored:
    """M3: the floor as it was before its last change, if nothing changed since."""
    point = state.undo
    if point is None:
        raise FloorRuleRefused("undo.nothing")
    if point.before is None:
        raise FloorRuleRefused("undo.spent", changed=point.changed, what=point.what)
    if now > point.until:
        window = point.until - point.at
        raise FloorRuleRefused(
            "undo.too_late", what=point.what, seconds=round(now - point.at), window=f"{window:g}"
        )
    return undo.restored(point, now, state.speech)


def _require_segment(state: RoomState, command: Command) -> SegmentRun:
    if state.segment is None:
        raise IllegalCommand("segment.none_open")
    return state.segment


def _require_positive(command: Command, seconds: float | None) -> None:
    """A moderator's allotment is a positive time (T2's override), or none."""
    if seconds is not None and seconds <= 0:
        raise IllegalCommand("speech.allotment_not_positive", seconds=f"{seconds:g}")


def _require_request(state: RoomState, request_id: str) -> FloorRequest:
    request = find(state.queue, request_id)
    if request is None:
        _refuse_if_granted(state, request_id)
        raise NotFound("request.not_found", request=request_id)
    return request


def _refuse_if_granted(state: RoomState, request_id: str) -> None:
    """M1: a command aimed at a request that has been granted meanwhile says so."""
    on_floor = procedure.substantive(state.speech, state.held)
    if on_floor is not None and on_floor.request_id == request_id:
        who = on_floor.speaker
        raise FloorChanged("request.already_granted", speaker=who.name, speaker_code=who.id)


def _request(state: RoomState, command: RequestFloor, now: float) -> list[Event]:
    run = _require_segment(state, command)
    who = command.delegation
    granted = state.queue.granted
    if open_request_of(state.queue, who.id) is not None or (
        granted is not None and granted.delegation_id == who.id
    ):
        return []  # P6: a second press keeps the same place (M5: a granted one, too)
    if who.category is None or not is_open_to(who.category):
        raise FloorRuleRefused("floor.by_programme", speaker=who.name, speaker_code=who.id)
    if run.closing is not None and not _heard_later(run, who.category, run.phase_index + 1):
        if command.on_behalf or _heard_later(run, who.category):
            # A3, A4: a closing phase gives the floor to no one new; a request it
            # accepted now would be closed as not heard when its speaker finishes
            closing = programme.current_phase(run)
            raise FloorRuleRefused(
                "floor.closing_not_heard_later", phase=closing.title, phase_key=closing.key
            )
    if not command.on_behalf and not _heard_later(run, who.category):
        raise FloorRuleRefused(
            "floor.not_open_to", speaker=who.name, speaker_code=who.id, segment=run.plan.title
        )
    if not command.on_behalf:
        procedure.refuse_if_closed(run, state.queue, who.category)  # O3: only the chair adds
    plan = run.plan
    rank = plan.rules.rank_of(who.category)
    if who.category is Category.MEMBER_STATE and who.id in plan.rcp_chairs:
        rank = plan.rules.rcp_rank  # P4
    on_floor = procedure.substantive(state.speech, state.held)
    speaking = on_floor is not None and on_floor.speaker.id == who.id
    speaking = speaking and on_floor is not None and on_floor.basis not in _NOT_A_TURN
    request = FloorRequest(
        id=f"{plan.id}.{state.queue.next_seq}",
        delegation_id=who.id,
        name=who.name,
        category=who.category,
        rank=rank,
        first_time=who.id not in state.queue.spoken and not speaking,  # P8
        seq=state.queue.next_seq,
        requested_at=now,
        on_behalf=command.on_behalf,
        inscribed=command.inscribed,
        stance=command.stance,  # O8
        speaks_for=command.speaks_for or None,  # O7
    )
    return [FloorRequested(now, request)]


def _heard_later(run: SegmentRun, category: Category, start: int | None = None) -> bool:
    """Whether the current (or ``start``) or a later phase gives the floor to this category."""
    return any(
        p.kind is PhaseKind.FLOOR and category in p.eligible
        for p in run.plan.phases[run.phase_index if start is None else start :]
    )


def _grant(state: RoomState, run: SegmentRun, command: GrantFloor, now: float) -> list[Event]:
    if run.closing is not None:
        closing = programme.current_phase(run)
        raise IllegalCommand("phase.closing", phase=closing.title, phase_key=closing.key)
    if command.request_id is not None:
        _refuse_if_granted(state, command.request_id)  # M1: not sent back and granted again
    # "Next speaker": the current speech ends first (or, if its speaker has not
    # started, their request goes back to the head of the queue, M5), which may
    # end the phase (A3).
    events: list[Event] = []
    freeing = _free_floor(state, now)
    after = _fold(state, freeing, events)
    after = _fold(after, _when_floor_free(after, now, _freed_at(events)), events)
    if after.segment is None:
        raise IllegalCommand("segment.closed", segment=run.plan.title)
    if after.segment.phase_index != run.phase_index and command.request_id is None:
        return events  # the phase ended with that speech; the moderator sees the new one
    replacing = _replacing(state, freeing)
    if command.request_id is None and after.queue.points:  # O1: before every request
        first = after.queue.points[0]
        return [*events, procedure.heard(after.segment, first, None, now, replacing)]
    returned = next(
        (
            e.request.id if isinstance(e, RequestReturned) else e.reply.id
            for e in freeing
            if isinstance(e, RequestReturned | ReplyReturned)
        ),
        None,
    )
    asked = (
        reply.taken_now(after.segment, after.queue, skip=returned)
        if command.request_id is None
        else reply.find(after.queue, command.request_id)
    )
    if asked is None:
        granted = _grant_on(after, after.segment, command, now, skip=returned)
        warned: tuple[ContingentWarned, ...] = ()
        if granted.allotment.request_id is not None:  # O9: a member's group short of time
            rules, drawn = after.segment.plan.rules, after.queue.drawn
            allotment, warned = contingent.at_grant(rules, drawn, granted.allotment, now)
            granted = replace(granted, allotment=allotment)
        return [*events, replace(granted, replacing=replacing), *warned]
    # O2: the replies are taken now, or the chair named one; the reply's limit is the
    # rules', and the chair's own time is recorded as an override of it
    granted = replace(reply.granted(after.segment, after.queue, asked, now), replacing=replacing)
    overridden = [] if command.seconds is None else [AllotmentOverridden(now, command.seconds)]
    return [*events, granted, *overridden]


def _grant_on(
    state: RoomState, run: SegmentRun, command: GrantFloor, now: float, skip: str | None
) -> FloorGranted:
    """The grant of ``command``; "next speaker" passes over ``skip`` (M5: sent back)."""
    phase = programme.current_phase(run)
    if command.request_id is not None:
        request = _require_request(state, command.request_id)
    elif phase.kind is PhaseKind.PROGRAMME:
        return _next_programme_speaker(state, run, phase, command, now)
    elif phase.kind is PhaseKind.DISCUSSION:
        raise IllegalCommand("phase.by_name", phase=phase.title, phase_key=phase.key)
    else:
        found = kinds.next_in(run.plan.rules, state.queue, phase, skip)  # O8: alternated
        if found is None:
            code = "queue.no_one_else" if skip is not None else "queue.empty"
            raise IllegalCommand(code, phase=phase.title, phase_key=phase.key)
        request = found
    by_rule = kinds.in_rule_order(run.plan.rules, state.queue, phase)
    out_of_order = by_rule is None or by_rule.id != request.id  # P2: recorded, never refused
    if command.seconds is not None:
        seconds, basis = command.seconds, Basis.OVERRIDE
    elif phase.kind is PhaseKind.FLOOR:
        # T2's n: the requests this phase would hear, the speaker included
        waiting = sum(
            1
            for r in state.queue.waiting
            if r.id == request.id or r.moved or order.accepts(phase, r)
        )
        seconds, basis = floor_allotment(
            run.plan, phase, request, waiting, programme.phase_time_left(run, now)
        )
    else:
        seconds, basis = floor_allotment(run.plan, replace(phase, flex=False), request, 1, 0.0)
    return FloorGranted(
        now,
        speech.allot(
            Speaker(request.delegation_id, request.name, request.category),
            seconds,
            basis,
            now=now,
            warning_seconds=run.plan.rules.warning_seconds,
            request_id=request.id,
            requested_at=request.requested_at,
            phase_key=phase.key,
            out_of_order=out_of_order,
        ),
    )


def _next_programme_speaker(
    state: RoomState, run: SegmentRun, phase: PhasePlan, command: GrantFloor, now: float
) -> FloorGranted:
    if run.programme_cursor >= len(phase.speakers):
        raise IllegalCommand(
            "floor.programme_speakers_done", phase=phase.title, phase_key=phase.key
        )
    listed = phase.speakers[run.programme_cursor]
    seconds, basis = (
        (command.seconds, Basis.OVERRIDE)
        if command.seconds is not None
        else (listed.seconds or run.plan.slot(phase), Basis.PROGRAMME)
    )
    who = Speaker(f"programme:{phase.key}:{run.programme_cursor}", listed.name)
    granted = speech.allot(
        who,
        seconds,
        basis,
        now=now,
        warning_seconds=run.plan.rules.warning_seconds,
        phase_key=phase.key,
    )
    return FloorGranted(now, granted, programme_index=run.programme_cursor)


def _give(
    state: RoomState,
    run: SegmentRun,
    name: str,
    seconds: float | None,
    now: float,
    replacing: str | None,
) -> list[Event]:
    phase = programme.current_phase(run)
    basis = Basis.SLOT if seconds is None else Basis.OVERRIDE
    who = Speaker(f"named:{name}", name)
    granted = speech.allot(
        who,
        seconds if seconds is not None else run.plan.slot(phase),
        basis,
        now=now,
        warning_seconds=run.plan.rules.warning_seconds,
        phase_key=phase.key,
    )
    return [FloorGranted(now, granted, replacing=replacing)]


def _hear_point(
    state: RoomState, run: SegmentRun, command: HearPointOfOrder, now: float
) -> list[Event]:
    """O1: the raiser has the floor; the speech on it is paused and held, never ended,
    unless the meeting's rules make the point wait for the end of the speech."""
    point = procedure.chosen(state.queue, command)
    on_floor = state.speech
    if on_floor is None:
        return [procedure.heard(run, point, None, now)]
    if not run.plan.rules.point_of_order_interrupts or caucus.is_caucus_speech(on_floor):
        raise FloorRuleRefused(
            "point.waits_for_speech",
            raiser=point.name,
            raiser_code=point.delegation_id,
            speaker=on_floor.speaker.name,
            speaker_code=on_floor.speaker.id,
        )
    pause: list[Event] = []
    if on_floor.status is SpeechStatus.RUNNING:
        paused = SpeechPaused(now, speech.seconds_left(on_floor, now))
        pause, on_floor = [paused], speech.evolve(on_floor, paused)
    return [*pause, procedure.heard(run, point, on_floor, now)]


def _end_speech(state: RoomState, now: float) -> list[Event]:
    return [] if state.speech is None else _drawn(state, [speech.ended(state.speech, now)])


def _drawn(state: RoomState, events: list[Event]) -> list[Event]:
    """O9: ``events`` with each ended speech followed by its group's draw-down."""
    assert state.segment is not None  # a speech is always in a segment
    rules, drawn = state.segment.plan.rules, state.queue.drawn
    out: list[Event] = []
    for event in events:
        out.append(event)
        if isinstance(event, SpeechEnded):
            out.extend(contingent.at_end(rules, drawn, event))
    return out


def _free_floor(state: RoomState, now: float) -> list[Event]:
    """Before the floor goes to someone else: M5, a granted speaker who has not started
    goes back to the head of the queue, never dropped; any other speech ends."""
    granted = state.queue.granted
    if granted is not None:
        return [RequestReturned(now, granted)]
    if state.queue.replying is not None:  # O2: a granted reply, too
        return [ReplyReturned(now, state.queue.replying)]
    return _end_speech(state, now)


def _replacing(state: RoomState, freeing: list[Event]) -> str | None:
    """The speaker whose speech "next speaker" ended or sent back (M3 reads it)."""
    return state.speech.speaker.id if freeing and state.speech is not None else None


def _close_phase(state: RoomState, run: SegmentRun, now: float) -> list[Event]:
    phase = programme.current_phase(run)
    # A4: a speaker who has started will finish before the phase ends, so counts
    # (O1: the held speaker, not the raiser of a point of order)
    on_floor = procedure.substantive(state.speech, state.held)
    speaking = (
        on_floor is not None
        and on_floor.started_at is not None
        and on_floor.basis not in _NOT_A_TURN  # O2: a reply fills no slot, O11
        and fills_a_slot(run, state.queue, on_floor.speaker)
    )
    heard = run.heard_in_phase + (1 if speaking else 0)
    if phase.protected_slots and heard < phase.protected_slots:
        waiting = [r for r in state.queue.waiting if order.accepts(phase, r)]
        if waiting:
            raise FloorRuleRefused(
                "phase.protected_slots",
                phase=phase.title,
                phase_key=phase.key,
                count=phase.protected_slots,
                heard=heard,
                waiting=len(waiting),
            )
    if state.speech is not None:
        if run.closing is not None:
            return []
        return [PhaseClosing(now, run.phase_index, PhaseEndReason.COMMAND)]
    return _end_phase(state, run, now, PhaseEndReason.COMMAND)


def _close_segment(
    state: RoomState, now: float, reason: PhaseEndReason = PhaseEndReason.SEGMENT_CLOSED
) -> list[Event]:
    """End the speech and the phase (for ``reason``), close every waiting request."""
    run = state.segment
    assert run is not None
    events: list[Event] = _end_speech(state, now)
    events.extend(caucus.closed(state.queue, now, CaucusEnd.SEGMENT_CLOSED, events))  # O11
    phase = programme.current_phase(run)
    events.append(PhaseEnded(now, run.phase_index, phase.key, reason))
    if state.queue.waiting:
        events.append(RequestsClosed(now, state.queue.waiting, ClosedBecause.SEGMENT_CLOSED))
    if state.queue.replies:  # O2: replies not taken close as not heard too
        events.append(RepliesClosed(now, state.queue.replies, ClosedBecause.SEGMENT_CLOSED))
    events.append(SegmentClosed(now, run.plan.id))
    return events


def _end_phase(state: RoomState, run: SegmentRun, at: float, reason: PhaseEndReason) -> list[Event]:
    """A3: end the phase, close what no later phase would hear, start the next."""
    phase = programme.current_phase(run)
    if programme.is_last_phase(run):
        return _close_segment(state, at, reason)  # the record keeps why the last phase ended
    events: list[Event] = caucus.closed(state.queue, at, CaucusEnd.PHASE_ENDED)  # O11
    events.append(PhaseEnded(at, run.phase_index, phase.key, reason))
    later = replace(run, phase_index=run.phase_index + 1)
    unheard = tuple(r for r in state.queue.waiting if not _heard_later(later, r.category))
    if unheard:
        events.append(RequestsClosed(at, unheard, ClosedBecause.PHASE_ENDED))
    following = run.plan.phases[run.phase_index + 1]
    events.append(PhaseStarted(at, run.phase_index + 1, following.key))
    return events


def _due(state: RoomState, now: float) -> list[Event]:
    """The deadlines passed by ``now``: the speech's warning and end (T5), hard stop, and
    the end of a moderated caucus (O11), which ends its speech on the floor."""
    caucus_end = caucus.due(state.queue, now)
    horizon = now if caucus_end is None else caucus_end  # nothing is due past the caucus
    events: list[Event] = []
    if state.speech is not None:
        events = _speech_due(state, state.speech, horizon)
    if caucus_end is not None:
        timed = _fold(state, events, [])
        ending = _end_speech(timed, caucus_end) if caucus.is_caucus_speech(timed.speech) else []
        closing = caucus.closed(timed.queue, caucus_end, CaucusEnd.TIME_UP, ending)
        events.extend([*ending, *closing])
    return events


def _speech_due(state: RoomState, on_floor: Allotment, now: float) -> list[Event]:
    """The speech deadlines passed by ``now``: warning and end (T5), hard stop."""
    events: list[Event] = list(speech.due(on_floor, now))
    assert state.segment is not None  # a speech is always in a segment
    rules: FloorRules | None = state.segment.plan.rules
    if procedure.is_point_of_order(on_floor):
        rules = None  # O1: the chair rules; the clock of a point of order only signals
    if kinds.is_question(on_floor):
        rules = None  # O8: at most its time: its time up ends it, the speaker is back
        if events and isinstance(events[-1], speech.TimeUp):
            ended = kinds.ended(on_floor, state.held, events[-1].at)
            events.extend(_drawn(state, yields.question_ended(state.queue, ended)))  # O11
    # T5: a hard stop; O11: a caucus speech lasts at most its time, and a yield to
    # questions ends when its budget is gone
    cut = rules is not None and (rules.hard_stop or caucus.cut_at_time_up(state.queue, on_floor))
    if cut and events and isinstance(events[-1], speech.TimeUp):
        timed = _fold(state, events, [])
        assert timed.speech is not None
        events.extend(_drawn(state, [speech.ended(timed.speech, events[-1].at)]))
    return events


def _freed_at(events: Iterable[Event]) -> float:
    """When the floor was last freed among ``events`` (a speech ended, a granted
    speaker sent back, M5, an undo, M3, or a ruling, O1); -inf if it was not."""
    freeing = SpeechEnded | RequestReturned | ReplyReturned | FloorRestored | PointOfOrderRuled
    absent = InscribedSpeakerAbsent | InscribedSpeakerDropped  # O5: when it was called
    return max(
        (e.at for e in events if isinstance(e, freeing) or (isinstance(e, absent) and e.called)),
        default=float("-inf"),
    )


def _when_floor_free(state: RoomState, now: float, freed_at: float) -> list[Event]:
    """A3: with no one on the floor, end a phase that is closing or past its limit.

    The phase ends at its deadline if the floor was already free then (a late
    Tick), else when the floor became free (``freed_at``): the speaker on the
    floor finishes first, and the next phase starts when they do (A3, A4).
    """
    events: list[Event] = []
    for _ in range(len(state.segment.plan.phases) if state.segment else 0):
        run = state.segment
        if run is None or state.speech is not None:
            break
        reason = run.closing or programme.phase_end_due(run, now)
        if reason is None:
            break
        deadline = programme.phase_end_deadline(run)
        if deadline is None:  # closing: the phase ends with its speaker's speech
            at = max(run.phase_started_at, freed_at)
        else:  # past its limit: at the deadline, or when the floor became free
            at = max(run.phase_started_at, freed_at, min(now, deadline))
        step = _end_phase(state, run, at, reason)
        state = _fold(state, step, events)
    return events


# -- evolving -----------------------------------------------------------------------


def _fold(state: RoomState, new: Iterable[Event], into: list[Event]) -> RoomState:
    for event in new:
        state = evolve(state, event)
        into.append(event)
    return state


def evolve(state: RoomState, event: Event) -> RoomState:
    """The room after ``event``. Total: a recorded event always applies.

    The undo point (M3) follows every event but those that open or close a
    segment, which start a fresh room, and the inscriptions of segments not yet open
    (O4), which do not touch the floor."""
    after = _evolve(state, event)
    if (
        state.segment is None
        or after.segment is None
        or isinstance(event, SegmentOpened | InscriptionEvent)
    ):
        return after
    floor = undo.Floor(state.segment, state.speech, state.queue, state.held)
    return replace(after, undo=undo.track(state.undo, floor, event))


def _evolve(state: RoomState, event: Event) -> RoomState:
    match event:
        case SegmentOpened(at=at, plan=plan):
            lists = inscription.without_list(state.inscriptions, plan.id)  # O4: now its queue
            run = programme.open_run(plan, at)
            queue = Queue(drawn=contingent.kept(state.queue.drawn))  # O9: the meeting's
            return RoomState(state.room_id, run, None, queue, inscriptions=lists)
        case SegmentClosed():  # what lapsed stays said until a segment opens (R2)
            queue = Queue(lapsed=state.queue.lapsed, drawn=contingent.kept(state.queue.drawn))
            return RoomState(state.room_id, None, None, queue, inscriptions=state.inscriptions)
        case Inscribed() | InscriptionWithdrawn() | InscriptionsSwapped() | LotsDrawn():
            return replace(state, inscriptions=inscription.evolve(state.inscriptions, event))
        case InscribedSpeakerAbsent(called=called) | InscribedSpeakerDropped(called=called):
            queue = inscription.after_absence(state.queue, event)  # O5
            return replace(state, queue=queue, speech=None if called else state.speech)
        case PhaseClosing() | PhaseEnded() | PhaseStarted():
            assert state.segment is not None
            return replace(state, segment=programme.evolve(state.segment, event))
        case FloorRequested(request=request):
            queue = state.queue
            waiting = order.insert(queue.waiting, request)
            lapsed = tuple(x for x in queue.lapsed if x.delegation_id != request.delegation_id)
            queue = replace(queue, waiting=waiting, next_seq=request.seq + 1, lapsed=lapsed)
            return replace(state, queue=queue)
        case RequestWithdrawn(request=request) | RequestStruck(request=request):
            return replace(state, queue=without(state.queue, frozenset({request.id})))
        case RequestReturned(request=request):
            # M5: back at the head, its place held there like a moved request's
            waiting = (replace(request, moved=True), *state.queue.waiting)
            return replace(
                state, speech=None, queue=replace(state.queue, waiting=waiting, granted=None)
            )
        case FloorRestored(segment=run, speech=restored, queue=queue, held=held):
            return replace(state, segment=run, speech=restored, queue=queue, held=held)
        case PointOfOrderRaised(point=point):
            queue = replace(
                state.queue, points=(*state.queue.points, point), next_seq=point.seq + 1
            )
            return replace(state, queue=queue)
        case PointOfOrderHeard(point=point, allotment=allotment, interrupted=interrupted):
            points = tuple(p for p in state.queue.points if p.id != point.id)
            queue = replace(state.queue, points=points)
            return replace(state, speech=allotment, held=interrupted, queue=queue)
        case PointOfOrderRuled(resumed=resumed):
            return replace(state, speech=resumed, held=None)
        case QuestionEnded(resumed=resumed):  # O11: a yield's questions are counted
            return replace(state, speech=resumed, held=None, queue=yields.asked(state.queue, event))
        case InterposedQuestionAsked(question=asked):
            questions = (*state.queue.questions, asked)
            queue = replace(state.queue, questions=questions, next_seq=asked.seq + 1)
            return replace(state, queue=queue)
        case QuestionDeclined(question=asked):
            questions = tuple(q for q in state.queue.questions if q.id != asked.id)
            return replace(state, queue=replace(state.queue, questions=questions))
        case QuestionConsented(question=asked, allotment=allotment, interrupted=interrupted):
            questions = tuple(q for q in state.queue.questions if q.id != asked.id)
            seq = max(state.queue.next_seq, asked.seq + 1)  # O11: a questioner called
            queue = replace(state.queue, questions=questions, next_seq=seq)
            return replace(state, speech=allotment, held=interrupted, queue=queue)
        case SpeakersListClosed(phase_key=key):
            queue = replace(state.queue, closed_lists=state.queue.closed_lists | {key})
            return replace(state, queue=queue)
        case SpeakersListReopened(phase_key=key):
            queue = replace(state.queue, closed_lists=state.queue.closed_lists - {key})
            return replace(state, queue=queue)
        case ReplyRequested(reply=asked):
            queue = replace(
                state.queue, replies=(*state.queue.replies, asked), next_seq=asked.seq + 1
            )
            return replace(state, queue=queue)
        case ReplyWithdrawn(reply=asked):
            return replace(state, queue=reply.without(state.queue, asked.id))
        case RepliesCalled():
            return replace(state, queue=replace(state.queue, replies_called=True))
        case ReplyReturned(reply=asked):  # M5: back at the head of the replies, as it was
            replies = (asked, *state.queue.replies)
            queue = replace(state.queue, replies=replies, replying=None)
            return replace(state, speech=None, queue=queue)
        case RepliesClosed():
            return replace(state, queue=replace(state.queue, replies=(), replies_called=False))
        case RequestsClosed(at=at, requests=requests, reason=reason):
            return replace(state, queue=_lapsed(state, requests, reason, at))
        case ContingentDrawn(group=group, per=per, seconds=seconds):  # O9
            drawn = contingent.add(state.queue.drawn, group, per, seconds)
            return replace(state, queue=replace(state.queue, drawn=drawn))
        case ContingentWarned():  # O9: said, changes nothing
            return state
        case FloorYielded(allotment=allotment):  # O11
            on_floor = state.speech if allotment is None else allotment
            return replace(state, speech=on_floor, queue=yields.given(state.queue, event))
        case CaucusOpened(caucus=opened):  # O11
            return replace(state, queue=replace(state.queue, caucus=opened))
        case CaucusClosed():
            return replace(state, queue=replace(state.queue, caucus=None))
        case RequestMoved(request_id=request_id, to=to):
            waiting = order.move(state.queue.waiting, request_id, to)
            return replace(state, queue=replace(state.queue, waiting=waiting))
        case RequestAllotmentSet(request_id=request_id, seconds=seconds):
            waiting = tuple(
                replace(r, seconds=seconds) if r.id == request_id else r
                for r in state.queue.waiting
            )
            return replace(state, queue=replace(state.queue, waiting=waiting))
        case FloorGranted(allotment=granted) if reply.is_reply(granted):
            queue = reply.given(replace(state.queue, granted=None), granted)
            return replace(state, speech=granted, queue=queue)
        case FloorGranted(allotment=granted, programme_index=index):
            queue = caucus.after_grant(replace(state.queue, granted=None, replying=None), event)
            if granted.request_id is not None:
                kept = find(queue, granted.request_id)  # M5: until the speaker starts
                queue = replace(without(queue, frozenset({granted.request_id})), granted=kept)
            segment = state.segment
            if segment is not None and index is not None:
                segment = replace(segment, programme_cursor=index + 1)
            return replace(state, speech=granted, queue=queue, segment=segment)
        case SpeechEnded():
            return _after_speech(state, event)
        case SpeechStarted():  # M5: once the speaker speaks, the request is used
            assert state.speech is not None
            queue = state.queue
            if not kinds.is_procedural(state.speech):  # O1, O8: the held speech's stays
                stance = kinds.started(queue)  # O8: for alternation
                queue = replace(queue, granted=None, replying=None, last_stance=stance)
            return replace(state, speech=speech.evolve(state.speech, event), queue=queue)
    assert state.speech is not None, f"{type(event).__name__} with no one on the floor"
    return replace(state, speech=speech.evolve(state.speech, event))


def _lapsed(
    state: RoomState, requests: tuple[FloorRequest, ...], reason: ClosedBecause, at: float
) -> Queue:
    """The queue without ``requests``, each kept as its delegation's lapse (A3, R2)."""
    run = state.segment
    segment, phase = (run.plan.id, programme.current_phase(run).key) if run else ("", "")
    closed = {
        r.delegation_id: Lapse(r.delegation_id, r.id, segment, phase, reason.value, at)
        for r in requests
    }
    kept = tuple(x for x in state.queue.lapsed if x.delegation_id not in closed)
    queue = without(state.queue, frozenset(r.id for r in requests))
    return replace(queue, lapsed=(*kept, *closed.values()))


def _after_speech(state: RoomState, event: SpeechEnded) -> RoomState:
    # O8: questions to the speech lapse with it; O11: so does its yield
    queue = replace(state.queue, replying=None, questions=(), yielded=None)
    queue, segment = caucus.after_speech(queue, event), state.segment
    if event.basis is Basis.REPLY:  # O2: counted against the limits; no slot, no P8
        if event.heard:
            queue = replace(queue, replied=(*queue.replied, event.speaker.id))
    elif event.heard and event.basis not in _NOT_A_TURN:  # O11: yielded, caucus
        if segment is not None and fills_a_slot(segment, queue, event.speaker):
            segment = replace(segment, heard_in_phase=segment.heard_in_phase + 1)  # A4
        if event.request_id is not None:
            queue = replace(queue, spoken=queue.spoken | {event.speaker.id})  # P8
    return replace(state, speech=None, queue=replace(queue, granted=None), segment=segment)


#: O2, O11: speeches that are no turn of the speakers' list: a reply, the time another
#: speaker yielded, a caucus speech (no slot, A4; no first-time mark, P8).
_NOT_A_TURN = frozenset({Basis.REPLY, Basis.YIELDED, Basis.CAUCUS})


def fills_a_slot(run: SegmentRun, queue: Queue, speaker: Speaker) -> bool:
    """A4: a phase's slots go to delegations of the categories it hears by the rules,
    heard for the first time in the segment; a second turn, or a Member State or a guest
    given the floor there by override, fills none."""
    category = speaker.category
    eligible = category is not None and category in programme.current_phase(run).eligible
    return eligible and speaker.id not in queue.spoken
