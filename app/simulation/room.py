"""A segment played in virtual time: the engine driven by a simulated room.

Theory of operation
-------------------
``simulate`` opens a segment (``OpenSegment``) in an empty ``RoomState`` and
then repeats one step until the segment closes. Three things can happen
next: a deadline of the engine (``next_deadline``: a warning, a time up, a
phase that must end; T5, A3), a delegation's press (``app.simulation.presses``;
P6, P7) and the moderator's next move. The earliest is applied with
``apply(state, command, now)``; on a tie the deadline goes first, then the
delegation, then the moderator. Time is virtual: ``now`` jumps from one
instant to the next, nothing sleeps, no clock is read.

The room is random but reproducible: every draw comes from one
``random.Random(seed)`` in a fixed order, so a seed gives the same meeting
twice. Speeches: about 20 % stop early (50-95 % of the allotment), 60 % end
near it (95-105 %), 20 % run over by up to a minute (T5).

The moderator is simple. Programme phases: each programme speaker, then
close. Discussion phases: their planned time, then close. Floor phases: the
next speaker by the rules while someone eligible waits; wait while more
requests are expected (the simulator knows its schedule, a real moderator
asks the room); close otherwise. A floor phase with no A3 limit is closed
when its planned time is up, if the engine allows (A4 may refuse). With
``override_rate`` > 0 the moderator sometimes grants out of order, moves a
request to the front, sets an allotment or extends a speech: overrides the
engine must record. A refused command is kept in ``Simulation.refusals``.

The procedure of formal bodies, as the segment's rules allow it (O1, O2,
O3, O8). While a request's speech runs in a floor phase, a delegation may
raise a point of order (any meeting: O1 is every body's) or, where the
rules take them, put an interposed question; after such a speech, where the
rules give a right of reply, a delegation may ask for one (now and then one
that has used its replies: the engine must refuse it). The chair hears a
point at once where the rules say it interrupts (the speech paused and
held), else once the floor is free, and rules on it; the speaker consents
to a question or declines it; a held speech resumes when the ruling or the
question is over, its own clock never counting theirs. Replies are taken
when the chair calls them (sometimes, as soon as one waits) or when the
last floor phase's list is exhausted (``replies_taken`` "end"); if the
debate's time is up first, the chair calls them before closing. In a
debate (A8) the chair closes the list of speakers, in about half the runs,
late in its planned time (O3): from then on only its own entries (P7) join.
Where a profile refuses a group with no time left (O9, ``refuse``), the
chair strikes the request "next speaker" was refused for (M4).

The room and its moderator are one class (``_Room``): the module is
longer than 400 lines on purpose (some 540): they share one state,
one generator and the order of its draws, which is what makes a seed
reproducible; split, that order would be a contract between two modules.

What is reported is rebuilt from the events alone (``app.simulation.result``,
the record's fold ``app.record.build_record``), and checked by
``app.simulation.oracle``. Pure except for randomness. Times are UTC epoch
seconds, durations seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from random import Random

from app.errors import DomainError
from app.queue import commands, events
from app.queue.events import Event, FloorGranted
from app.queue.floor import RoomState, apply, next_deadline
from app.queue.order import accepts
from app.queue.reply import taken_now
from app.record import build_record
from app.simulation.presses import Press, schedule
from app.simulation.result import Refusal, Simulation, phase_records, summarise
from app.timing.allotment import (
    Basis,
    EndSpeech,
    ExtendSpeech,
    ResumeSpeech,
    SetAllotment,
    Speaker,
    SpeechEnded,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    SpeechStatus,
    StartSpeech,
)
from app.timing.plan import PhaseKind, PhasePlan, SegmentPlan
from app.timing.programme import PhaseStarted, SegmentOpened, SegmentRun, current_phase

# -- the room's habits (seconds) -------------------------------------------------------
GAP = (2.0, 8.0)  # between one speaker and the next
START_DELAY = (1.0, 5.0)  # from the grant to the first word
OVERRUN_MAX = 60.0
EXTENSION = 30.0
OVERRIDE_SECONDS = (60.0, 90.0, 150.0, 240.0)
OVERRIDE_KINDS = ("grant_named", "grant_seconds", "set_after_grant", "move", "set_waiting")
MAX_STEPS = 20_000
# -- the procedure's habits (O1, O2, O3, O8): shares of speeches, seconds
POINT_PER_MINUTE = 0.03  # a point of order during a request's speech, per minute (O1) ...
POINT_MAX_SHARE = 0.5  # ... at most this share of a (long) speech
POINT_LENGTH = (20.0, 120.0)  # the raiser's procedural intervention, under the 5-min cap
QUESTION_SHARE = 0.3  # an interposed question, where the rules take them (O8)
CONSENT_SHARE = 0.7  # the speaker consents (O8); otherwise declines
REPLY_SHARE = 0.15  # a right of reply after a request's speech, where the rules give one (O2)
REPLY_AGAIN_SHARE = 0.3  # asked by a delegation that already asked (past the limits: refused)
CALL_SHARE = 0.3  # the chair calls the replies as soon as one waits (O2)
CLOSE_LIST_SHARE = 0.5  # the chair closes a debate's list (A8, O3) ...
CLOSE_LIST_AT = (0.6, 0.85)  # ... at this share of the phase's planned time
REACTION = (2.0, 6.0)  # the chair hears a point, the speaker answers a question
RULING = "The point is well taken; the speaker may continue."  # O1: recorded as text
_PROCEDURAL = (Basis.POINT_OF_ORDER, Basis.QUESTION)
HORIZON = 4 * 3600.0  # stop if the segment is still open this long after its scheduled end


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
    room.presses = schedule(plan, member_states, stakeholders, room.rng)
    room.delegations = (*member_states, *stakeholders)
    complete = room.run(plan.scheduled_start if opened_at is None else opened_at, max_steps)
    events = tuple(room.events)
    timeline = build_record(events)
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


_Action = Callable[[], object]
_Step = tuple[float, int, _Action]  # when, tie rank, what
#: A delegation's procedural press (O1, O2, O8), drawn as the room goes: when, what, and
#: for a question the speaker it is put to (it lapses if that speech is over)
_Reaction = tuple[float, commands.Command, str | None]


class _Room:
    """The simulated room: presses on a schedule, a moderator with simple habits."""

    def __init__(self, plan: SegmentPlan, rng: Random, override_rate: float) -> None:
        self.plan, self.rng, self.override_rate = plan, rng, override_rate
        self.state = RoomState(plan.room_id)
        self.now = plan.scheduled_start
        self.events: list[Event] = []
        self.refusals: list[Refusal] = []
        self.presses: list[Press] = []
        self.next_press = 0
        self.anchor: float | None = None  # when the first floor phase started
        self.idle_until = 0.0  # the moderator's pause between speakers
        self.start_at = 0.0  # the current speaker's first word ...
        self.end_at = 0.0  # ... and last
        self.extend_at: float | None = None  # an extension the moderator will give
        self.reallot: float | None = None  # an allotment to set before the next start
        self.plain_next = False  # after a move or a refused override: no second override
        self.close_refused = False  # A4 refused to close; grant until something happens
        # -- the procedure (O1, O2, O3, O8)
        self.delegations: tuple[Speaker, ...] = ()
        self.reactions: list[_Reaction] = []  # in time order
        self.procedural_start = 0.0  # a point's or a question's first word ...
        self.procedural_end = 0.0  # ... and last
        self.hear_at = 0.0  # the chair hears the first point waiting
        self.answer_at = 0.0  # the speaker answers the first question waiting
        self.consents: dict[str, bool] = {}  # by question id, drawn when asked
        self.resume_at = 0.0  # a held speech resumes
        self.left: float | None = None  # a held speech's own seconds still to speak ...
        self.extend_left: float | None = None  # ... and to its extension
        self.call_replies = False  # the chair will call the replies waiting
        self.repliers: list[str] = []  # delegations that asked for a reply
        self.close_list_at: float | None = None  # O3: when the chair closes this phase's list
        self.refused: DomainError | None = None  # the engine's last refusal

    # -- the loop

    def run(self, opened_at: float, max_steps: int) -> bool:
        """Step until the segment closes; False if a bound stopped it first."""
        self.now = opened_at
        self._apply(commands.OpenSegment(self.plan))
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
            steps.append((max(deadline, self.now), 0, lambda: self._apply(commands.Tick())))
        if self.anchor is not None and self.next_press < len(self.presses):
            press = self.presses[self.next_press]
            steps.append((max(self.anchor + press.offset, self.now), 1, self._press))
        if self.reactions:
            steps.append((max(self.reactions[0][0], self.now), 1, self._react))
        move = self._moderator()
        if self.close_list_at is not None and (move is None or self.close_list_at <= move[0]):
            move = self.close_list_at, self._close_list  # O3
        if move is not None:
            steps.append((max(move[0], self.now), 2, move[1]))
        return min(steps, key=lambda s: (s[0], s[1])) if steps else None

    def _press(self) -> None:
        press = self.presses[self.next_press]
        self.next_press += 1
        self._apply(press.command)

    def _react(self) -> None:
        """A delegation's point of order, reply or question (O1, O2, O8); a question to a
        speech that is over, or held, lapses unasked."""
        _, command, to_speaker = self.reactions.pop(0)
        if to_speaker is not None:
            speech = self.state.speech
            if (
                speech is None
                or speech.speaker.id != to_speaker
                or speech.status is not SpeechStatus.RUNNING
                or speech.basis in _PROCEDURAL
            ):
                return
        self._apply(command)

    def _react_later(self, at: float, command: commands.Command, to: str | None = None) -> None:
        self.reactions.append((at, command, to))
        self.reactions.sort(key=lambda r: r[0])  # stable: ties keep the order of drawing

    def _other(self, speaker: Speaker) -> Speaker | None:
        """A delegation other than ``speaker``, drawn."""
        others = [d for d in self.delegations if d.id != speaker.id]
        return self.rng.choice(others) if others else None

    def _apply(self, command: commands.Command) -> bool:
        """Apply ``command`` now; a refusal is recorded and changes nothing."""
        try:
            decision = apply(self.state, command, self.now)
        except DomainError as error:
            self.refusals.append(Refusal(self.now, type(command).__name__, error.detail))
            self.refused = error
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
                self.close_list_at = self._list_closing(at, self.plan.phases[index])
            case FloorGranted():
                self.start_at = self.now + self._uniform(START_DELAY)
                self.extend_at = None
            case SpeechStarted(at=at):
                speech = self.state.speech
                assert speech is not None
                if speech.basis in _PROCEDURAL:  # O1, O8: the raiser's or questioner's words
                    self.procedural_end = at + self._procedural_length(speech.seconds)
                    return
                seconds = speech.seconds
                self.end_at = at + self._speech_length(seconds)
                if self.override_rate and self.rng.random() < self.override_rate / 2:
                    self.extend_at = at + max(0.0, seconds - 10.0)  # T5: +30 s near the end
                if speech.request_id is not None and speech.basis is not Basis.REPLY:
                    self._during(speech.speaker, at, self.end_at - at)
            case SpeechPaused(at=at):  # only ever a speech held by a point or a question
                self.left = self.end_at - at
                self.extend_left = None if self.extend_at is None else self.extend_at - at
            case SpeechResumed(at=at) if self.left is not None:
                self.end_at, self.left = at + self.left, None
                if self.extend_left is not None:
                    self.extend_at, self.extend_left = at + self.extend_left, None
            case SpeechEnded(speaker=speaker, request_id=request_id, basis=basis):
                self.idle_until = self.now + self._uniform(GAP)
                if request_id is not None and basis is not Basis.REPLY:
                    self._after(speaker)
            case events.PointOfOrderRaised():
                if len(self.state.queue.points) == 1:  # the first waiting: the chair hears it
                    self.hear_at = self.now + self._uniform(REACTION)
            case events.InterposedQuestionAsked(question=question):
                self.consents[question.id] = self.rng.random() < CONSENT_SHARE
                if len(self.state.queue.questions) == 1:
                    self.answer_at = self.now + self._uniform(REACTION)
            case events.PointOfOrderHeard() | events.QuestionConsented():
                self.procedural_start = self.now + self._uniform(START_DELAY)
            case events.PointOfOrderRuled() | events.QuestionEnded():
                self.resume_at = self.now + self._uniform(START_DELAY)
                self.hear_at = self.now + self._uniform(REACTION)  # a point still waiting
            case events.QuestionDeclined():
                self.answer_at = self.now + self._uniform(REACTION)  # the next, if any
            case events.ReplyRequested():
                if not self.state.queue.replies_called:
                    self.call_replies = self.rng.random() < CALL_SHARE
            case _:
                pass

    # -- the delegations' procedure (O1, O2, O8)

    def _during(self, speaker: Speaker, at: float, length: float) -> None:
        """O1, O8: a point of order or an interposed question, at a time into the speech."""
        if self.rng.random() < min(POINT_MAX_SHARE, POINT_PER_MINUTE * length / 60):
            raiser = self._other(speaker)
            if raiser is not None:
                when = at + round(length * self.rng.uniform(0.1, 0.9), 1)
                self._react_later(when, commands.RaisePointOfOrder(raiser))
        if self.plan.rules.interposed_questions and self.rng.random() < QUESTION_SHARE:
            asker = self._other(speaker)
            if asker is not None:
                when = at + round(length * self.rng.uniform(0.2, 0.7), 1)
                asked = commands.AskInterposedQuestion(asker, expected_speaker=speaker.id)
                self._react_later(when, asked, speaker.id)

    def _after(self, speaker: Speaker) -> None:
        """O2: a right of reply to the speech just ended; now and then by a delegation that
        already asked (a third is refused by the engine: the limits hold)."""
        if not self.plan.rules.reply_limits or self.rng.random() >= REPLY_SHARE:
            return
        again = [d for d in self.delegations if d.id in self.repliers and d.id != speaker.id]
        if again and self.rng.random() < REPLY_AGAIN_SHARE:
            replier: Speaker | None = self.rng.choice(again)
        else:
            replier = self._other(speaker)
        if replier is None:
            return
        self.repliers.append(replier.id)
        when = self.now + self._uniform((5.0, 60.0))
        self._react_later(when, commands.RequestReply(replier))

    def _list_closing(self, at: float, phase: PhasePlan) -> float | None:
        """O3: in a debate (A8), about half the time, the chair closes its list late."""
        if self.plan.format != "A8" or phase.kind is not PhaseKind.FLOOR:
            return None
        if self.rng.random() >= CLOSE_LIST_SHARE:
            return None
        return at + round(phase.planned_seconds * self.rng.uniform(*CLOSE_LIST_AT), 1)

    def _procedural_length(self, allotted: float) -> float:
        """A point of order's intervention, or a question's (at most its seconds)."""
        speech = self.state.speech
        assert speech is not None
        if speech.basis is Basis.POINT_OF_ORDER:
            return round(min(self.rng.uniform(*POINT_LENGTH), allotted), 1)
        return round(allotted * self.rng.uniform(0.5, 1.0), 1)

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
        run, speech, queue = self.state.segment, self.state.speech, self.state.queue
        assert run is not None
        rules = run.plan.rules
        if speech is not None:
            if speech.basis in _PROCEDURAL:  # O1, O8: the raiser or the questioner speaks
                if speech.status is SpeechStatus.ALLOTTED:
                    return self.procedural_start, lambda: self._apply(StartSpeech())
                if speech.basis is Basis.POINT_OF_ORDER:
                    return self.procedural_end, self._rule
                return self.procedural_end, lambda: self._apply(EndSpeech())
            if queue.points and rules.point_of_order_interrupts:  # O1: heard at once
                return self.hear_at, lambda: self._apply(commands.HearPointOfOrder())
            if queue.questions and speech.status is SpeechStatus.RUNNING:
                return self.answer_at, self._answer  # O8
            if speech.status is SpeechStatus.PAUSED:  # held: back after the ruling, the question
                return self.resume_at, lambda: self._apply(ResumeSpeech())
            if speech.status is SpeechStatus.ALLOTTED:
                if self.reallot is not None:
                    return self.start_at, self._set_allotment
                return max(self.start_at, self.resume_at), lambda: self._apply(StartSpeech())
            if self.extend_at is not None and self.extend_at < self.end_at:
                return self.extend_at, self._extend
            return self.end_at, lambda: self._apply(EndSpeech())
        phase = current_phase(run)
        at = max(self.now, self.idle_until)
        if queue.points:  # O1: a free floor hears the points waiting first
            return max(at, self.hear_at), lambda: self._apply(commands.HearPointOfOrder())
        if phase.kind is PhaseKind.FLOOR and queue.replies:  # O2
            time_up = at >= run.phase_started_at + phase.planned_seconds
            if not queue.replies_called and (self.call_replies or time_up):
                return at, self._call_replies
            if taken_now(run, queue) is not None:
                return at, lambda: self._apply(commands.GrantFloor())
        if phase.kind is PhaseKind.PROGRAMME:
            if run.programme_cursor < len(phase.speakers):
                return at, lambda: self._apply(commands.GrantFloor())
            return at, self._close
        if phase.kind is PhaseKind.DISCUSSION:
            return max(at, run.phase_started_at + phase.planned_seconds), self._close
        if any(r.moved or accepts(phase, r) for r in self.state.queue.waiting):
            time_up = _unbounded(phase) and at >= run.phase_started_at + phase.planned_seconds
            if time_up and not self.close_refused:
                return at, self._close
            return at, self._grant
        if self._expecting(run, phase):
            return None
        return at, self._close

    def _close(self) -> None:
        self.close_refused = not self._apply(commands.ClosePhase())  # A4 may refuse

    def _rule(self) -> None:
        self._apply(commands.RulePointOfOrder(RULING))  # O1: the held speech is back

    def _answer(self) -> None:
        """O8: the speaker consents to the first question waiting, or declines it."""
        question = self.state.queue.questions[0]
        if self.consents.pop(question.id, True):
            self._apply(commands.ConsentToQuestion(question.id))
        else:
            self._apply(commands.DeclineQuestion(question.id))

    def _call_replies(self) -> None:
        self.call_replies = False
        self._apply(commands.CallReplies())  # O2

    def _close_list(self) -> None:
        """O3: the chair closes the current phase's list of speakers."""
        self.close_list_at = None
        run = self.state.segment
        assert run is not None
        self._apply(commands.CloseSpeakersList(current_phase(run).key))

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
            if not self._apply(commands.GrantFloor()):
                self._strike_if_out_of_time()
            return
        kind = self.rng.choice(OVERRIDE_KINDS)
        seconds = self.rng.choice(OVERRIDE_SECONDS)
        chosen = self.rng.choice(waiting[1:])
        if kind == "grant_named":
            done = self._apply(commands.GrantFloor(request_id=chosen.id))
        elif kind == "grant_seconds":
            done = self._apply(commands.GrantFloor(seconds=seconds))
        elif kind == "set_after_grant":
            self.reallot = seconds
            done = self._apply(commands.GrantFloor())
        else:
            command = (
                commands.MoveRequest(chosen.id, 0)
                if kind == "move"
                else commands.SetRequestAllotment(chosen.id, seconds)
            )
            # the grant that follows is by the rules (and takes a moved request)
            self.plain_next = self._apply(command)
            return
        self.plain_next = not done

    def _strike_if_out_of_time(self) -> None:
        """O9: a profile that refuses a group with no time left: the chair strikes the
        request "next speaker" was refused for (M4), so that the list moves on."""
        error = self.refused
        if error is None or error.code != "contingent.exhausted":
            return
        who = error.params.get("speaker_code")
        request = next((r for r in self.state.queue.waiting if r.delegation_id == who), None)
        if request is not None:
            reason = "its group's speaking time is used up (O9)"
            self._apply(commands.StrikeRequest(request.id, reason))

    def _expecting(self, run: SegmentRun, phase: PhasePlan) -> bool:
        """Whether a press still to come asks for this phase before its planned end."""
        assert self.anchor is not None  # the first floor phase has started
        until = run.phase_started_at + phase.planned_seconds
        if phase.max_seconds is not None:
            until = min(until, run.phase_started_at + phase.max_seconds)
        closed = phase.key in self.state.queue.closed_lists  # O3: only the chair's entries
        for press in self.presses[self.next_press :]:
            if self.anchor + press.offset > until:
                return False
            command = press.command
            if (
                isinstance(command, commands.RequestFloor)
                and command.delegation.category in phase.eligible
                and (command.on_behalf or not closed)
            ):
                return True
        return False


def _unbounded(phase: PhasePlan) -> bool:
    """A floor phase the engine never ends by itself (no A3 maximum, no yield)."""
    return phase.max_seconds is None and not phase.yields
