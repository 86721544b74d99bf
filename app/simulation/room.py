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

The room and its moderator are one class (``_Room``), which makes this
module longer than its neighbours (some 320 lines): they share one state,
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
from app.queue import commands
from app.queue.events import Event, FloorGranted
from app.queue.floor import RoomState, apply, next_deadline
from app.queue.order import accepts
from app.record import build_record
from app.simulation.presses import Press, schedule
from app.simulation.result import Refusal, Simulation, phase_records, summarise
from app.timing.allotment import (
    EndSpeech,
    ExtendSpeech,
    SetAllotment,
    Speaker,
    SpeechEnded,
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
        move = self._moderator()
        if move is not None:
            steps.append((max(move[0], self.now), 2, move[1]))
        return min(steps, key=lambda s: (s[0], s[1])) if steps else None

    def _press(self) -> None:
        press = self.presses[self.next_press]
        self.next_press += 1
        self._apply(press.command)

    def _apply(self, command: commands.Command) -> bool:
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
            self._apply(commands.GrantFloor())
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
            if (
                isinstance(command, commands.RequestFloor)
                and command.delegation.category in phase.eligible
            ):
                return True
        return False


def _unbounded(phase: PhasePlan) -> bool:
    """A floor phase the engine never ends by itself (no A3 maximum, no yield)."""
    return phase.max_seconds is None and not phase.yields
