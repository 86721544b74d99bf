"""The rule checker: the recorded events read again, independently of the engine.

Theory of operation
-------------------
``check_invariants`` folds a simulation's events through ``_RuleCheck``,
which keeps its own queue and recomputes what the rules fix (P2, P4, P6,
P8, T1-T4, A3, A4) from what was recorded, instead of trusting the engine's
decisions, so that a wrong decision shows up as a violation. It also
checks that the record runs forward in time, that each speech's recorded
allotment is its grant plus what followed (R1) and that the segment closed.
Overrides are what the engine recorded as such: ``out_of_order`` on a grant,
``override`` as the basis of an allotment, ``SpeechExtended``.

The moderator's operations (M3-M5) are read too: a struck request leaves the
queue like a withdrawn one (M4); a granted speaker sent back before starting
is waiting again at the head, its place held like a moved request's (M5);
an undo (``FloorRestored``, M3) puts the queue, the speaker and the phase
back as the event says, each request with the key it was given when it was
made. A point of order (O1) holds the speech it interrupts: the raiser's clock
events between its hearing and its ruling are not the held speech's, whose
allotment is checked when it ends. A right of reply (O2) is read from its own
list: no delegation has more replies than the meeting's limits, a reply is
given the floor only while it waits, with the limit of the delegation's next
reply, and it marks no one as having spoken (P8). Allotments by category and
capacity (O7) replace the slot and flex; a group's contingent (O9) may only
shorten an allotment, is drawn down by the seconds its member spoke, and is
warned at once when a draw leaves it below zero. An interposed question (O8)
holds the speech like a point of order; where the meeting alternates pro and
contra, in order is the first waiting request of the stance opposite to the
last pro or contra speaker heard, if one waits.

The clocks are read too (``_clocks``). A speech held by a point of order or
a question (O1, O8) is paused, never running, while held; it comes back
exactly as it was held (its status, allotment, extensions and seconds left)
and, resumed, runs for exactly the seconds it had. Every speech's recorded
``spoken`` is the time its own clock ran, and a point's or a question's
recorded seconds are the time the raiser's or questioner's clock ran: a
point of order's time is never counted as the speaker's. A phase's list of
speakers closed by the chair (O3) takes no delegation's own request, only
the chair's entries (points of order and replies have their own lists).

An inscribed list (O4) is the segment's first requests, ordered by tier
then place, ahead of every live request; an absent inscribed speaker (O5)
goes after every inscribed request of its tier the first time, and is
dropped only the second time.

It shares no rule code with the engine on purpose (it even has its own
``_accepts``): an oracle that called the engine's functions would agree
with the engine's mistakes. The module is longer than 400 lines on purpose:
it is one class, because every check reads the same fold's state (the
queue, the inscribed list, the replies, the phase, who has spoken), and the
procedure of formal bodies (O1-O5, O8, O9) adds its checks to that fold.

A violation is one line that starts with its time from the scheduled start
(``+H:MM:SS``). Pure: no I/O. Times are UTC epoch seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from app.category import Category, is_stakeholder
from app.queue import events
from app.queue.requests import FloorRequest, Reply, Stance, Tier
from app.simulation.result import Simulation, clock
from app.timing.allotment import (
    Allotment,
    AllotmentOverridden,
    Basis,
    SpeechEnded,
    SpeechExtended,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    SpeechStatus,
)
from app.timing.plan import PhaseKind, PhasePlan, SegmentPlan
from app.timing.programme import PhaseStarted, SegmentClosed, SegmentOpened


def check_invariants(simulation: Simulation) -> list[str]:
    """Violations of P2, P4, P6, P8, T1-T4, A3, A4, R1 and O1-O9 in the recorded events;
    [] if none."""
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
    waiting: dict[str, tuple[FloorRequest, tuple[int, ...]]] = field(default_factory=dict)
    keys: dict[str, tuple[int, ...]] = field(default_factory=dict)  # every request's key
    live_asked: bool = False  # O4: a live request was made in the segment
    moved: set[str] = field(default_factory=set)  # request ids placed by the moderator
    allotment_set: dict[str, float] = field(default_factory=dict)
    spoken: set[str] = field(default_factory=set)  # P8: delegations heard in the segment
    on_floor: str | None = None  # who holds the floor (speaker id)
    seconds: float = 0.0  # the current allotment, overrides included
    extended: float = 0.0
    point: bool = False  # O1: a point of order is heard; the clock events are its own
    programme_given: int = 0  # programme speakers given the floor in this phase
    asked: dict[str, FloorRequest] = field(default_factory=dict)  # for a block, not withdrawn (A4)
    closed: bool = False
    last_at: float = float("-inf")
    replies: dict[str, Reply] = field(default_factory=dict)  # O2: waiting, by id
    replied: list[str] = field(default_factory=list)  # O2: a delegation id per reply heard
    replying: bool = False  # O2: the speech on the floor is a reply
    stances: dict[str, Stance] = field(default_factory=dict)  # O8: every request's stance
    last_stance: Stance = Stance.NONE  # O8: the last pro or contra speaker heard
    ended: SpeechEnded | None = None  # O9: the last speech ended, its draw-down to come
    overdrawn: set[str] = field(default_factory=set)  # O9: below zero, warning to come
    # -- the clocks (O1, O8): the speech's own, and a point's or a question's
    ran: float = 0.0  # seconds the speech on substance has run so far ...
    run_from: float | None = None  # ... and since when it runs
    clocked: bool = True  # False after an undo (M3): the clock's history is the undo's ...
    procedural_clocked: bool = True  # ... and the point's or question's, until the next one
    held: Allotment | None = None  # the speech a point or a question holds, as held
    procedural_ran: float = 0.0  # seconds the raiser's or questioner's clock has run ...
    procedural_from: float | None = None  # ... and since when
    resume_left: float | None = None  # a held speech's seconds left, when it is back
    closed_lists: set[str] = field(default_factory=set)  # O3: phase keys closed by the chair

    def fold(self, event: events.Event) -> None:
        if event.at < self.last_at:  # R1: the record is a history, in time order
            self._fail(
                event.at, f"{type(event).__name__} dated before the event recorded before it"
            )
        self.last_at = max(self.last_at, event.at)
        self._contingents(event)
        self._clocks(event)
        match event:
            case SegmentOpened(at=at):
                self.index, self.phase_started_at, self.programme_given = 0, at, 0
                self.live_asked = False
                self.closed_lists.clear()
            case events.SpeakersListClosed(phase_key=key):
                self.closed_lists.add(key)
            case events.SpeakersListReopened(phase_key=key):
                self.closed_lists.discard(key)
            case PhaseStarted(at=at, index=index):
                self.index, self.phase_started_at, self.programme_given = index, at, 0
                self._a3_waiting_closed(at)
            case events.FloorRequested():
                self._requested(event)
            case events.RequestWithdrawn(request=r) | events.RequestStruck(request=r):
                self.waiting.pop(r.id, None)
                self.asked.pop(r.id, None)  # A4 counts who still asks
            case events.RequestReturned(request=r):
                self.waiting[r.id] = (r, self.keys[r.id])  # M5: back at the head
                self.moved.add(r.id)
                self.on_floor = None
            case events.FloorRestored():
                self._restored(event)
            case events.RequestsClosed(requests=requests):
                for r in requests:
                    self.waiting.pop(r.id, None)
            case events.RequestMoved(request_id=request_id):
                self.moved.add(request_id)
            case events.InscribedSpeakerAbsent() | events.InscribedSpeakerDropped():
                self._absent(event)
            case events.RequestAllotmentSet(request_id=request_id, seconds=seconds):
                self.allotment_set[request_id] = seconds
            case events.FloorGranted(allotment=a) if a.basis is Basis.REPLY:
                self._reply_granted(event)
            case events.FloorGranted():
                self._granted(event)
            case events.ReplyRequested(reply=r):
                self._reply_asked(event.at, r)
            case events.ReplyWithdrawn(reply=r):
                self.replies.pop(r.id, None)
            case events.ReplyReturned(reply=r):
                self.replies = {r.id: r, **self.replies}  # M5: back at the head
                self.on_floor, self.replying = None, False
            case events.RepliesClosed(replies=closed):
                for r in closed:
                    self.replies.pop(r.id, None)
            case events.PointOfOrderHeard() | events.PointOfOrderRuled():
                self.point = isinstance(event, events.PointOfOrderHeard)
            case events.QuestionConsented() | events.QuestionEnded():
                self.point = isinstance(event, events.QuestionConsented)  # O8: held likewise
            case AllotmentOverridden(seconds=seconds) if not self.point:
                self.seconds = seconds
            case SpeechExtended(seconds=seconds) if not self.point:
                self.extended += seconds
            case SpeechEnded():
                self._ended(event)
            case SegmentClosed():
                self.closed = True
            case _:
                pass

    # -- time contingents: O9

    def _contingents(self, event: events.Event) -> None:
        """O9: a draw-down is the seconds its speech spoke; a contingent left below zero
        is warned at once (the events that follow the draw, at its instant)."""
        if isinstance(event, events.ContingentDrawn):
            ended = self.ended
            if ended is None or (ended.speaker.id, ended.spoken) != (
                event.delegation_id,
                event.seconds,
            ):
                self._fail(event.at, f"O9: {event.group} drawn down without a speech")
            if event.left < 0:
                self.overdrawn.add(event.group)
            return
        if isinstance(event, events.ContingentWarned):
            self.overdrawn.discard(event.group)
            return
        if self.overdrawn:
            groups = ", ".join(sorted(self.overdrawn))
            self._fail(event.at, f"O9: {groups} below zero without a warning")
            self.overdrawn.clear()
        self.ended = event if isinstance(event, SpeechEnded) else None

    # -- the clocks: O1, O8 (a held speech, a procedural intervention), R1

    def _clocks(self, event: events.Event) -> None:
        """Each clock's own time: read before ``fold`` moves ``point`` (which says whose
        clock the start, pause and resume events are)."""
        match event:
            case SpeechStarted(at=at) | SpeechResumed(at=at) if self.point:
                self.procedural_from = at
            case SpeechStarted(at=at) | SpeechResumed(at=at):
                if isinstance(event, SpeechResumed) and self.resume_left is not None:
                    if abs(event.ends_at - at - self.resume_left) > 1e-6:
                        self._fail(
                            at,
                            f"O1/O8: a held speech resumed with {event.ends_at - at:g} s, "
                            f"it had {self.resume_left:g} s",
                        )
                self.resume_left, self.run_from = None, at
            case SpeechPaused(at=at) if self.point:
                self.procedural_ran += self._since(self.procedural_from, at)
                self.procedural_from = None
            case SpeechPaused(at=at):
                self.ran += self._since(self.run_from, at)
                self.run_from = None
            case (
                events.PointOfOrderHeard(interrupted=held)
                | events.QuestionConsented(interrupted=held)
            ):
                self.held, self.procedural_ran, self.procedural_from = held, 0.0, None
                self.procedural_clocked = True
                if held is not None and held.status is SpeechStatus.RUNNING:
                    self._fail(event.at, f"O1/O8: {held.speaker.name}'s clock runs while held")
            case events.PointOfOrderRuled(resumed=back) | events.QuestionEnded(resumed=back):
                self._procedural_over(event, back)
            case SpeechEnded(at=at, spoken=spoken) if self.clocked:
                ran = self.ran + self._since(self.run_from, at)
                if abs(spoken - ran) > 1e-6:
                    self._fail(
                        at,
                        f"{event.speaker.name}: recorded {spoken:g} s spoken, its clock ran "
                        f"{ran:g} s (O1/O8: a point's or a question's time is not the speaker's)",
                    )
            case events.FloorRestored():
                # M3: the undone floor's clocks are the undo's, not re-read here
                self.clocked = self.procedural_clocked = False
                self.resume_left = None
            case events.FloorGranted():
                self.ran, self.run_from, self.clocked, self.resume_left = 0.0, None, True, None
            case _:
                pass

    def _procedural_over(
        self, event: events.PointOfOrderRuled | events.QuestionEnded, back: Allotment | None
    ) -> None:
        """O1, O8: its recorded seconds are its own clock's; the held speech is back as held."""
        at = event.at
        ran = self.procedural_ran + self._since(self.procedural_from, at)
        what = "point of order" if isinstance(event, events.PointOfOrderRuled) else "question"
        if self.procedural_clocked and abs(event.spoken - ran) > 1e-6:
            self._fail(
                at, f"O1/O8: the {what} recorded {event.spoken:g} s, its clock ran {ran:g} s"
            )
        held, self.held, self.procedural_from = self.held, None, None
        if not self.clocked:
            return
        if _as_held(held) != _as_held(back):
            self._fail(at, f"O1/O8: the speech held by the {what} is not back as it was held")
        paused = back is not None and back.status is SpeechStatus.PAUSED
        self.resume_left = back.seconds_left if paused and back is not None else None

    @staticmethod
    def _since(start: float | None, at: float) -> float:
        return 0.0 if start is None else at - start

    # -- requests: P2, P4, P6, P8

    def _requested(self, event: events.FloorRequested) -> None:
        r = event.request
        self.stances[r.id] = r.stance  # O8
        if not r.on_behalf and r.tier is None:  # O3: a closed list takes the chair's alone
            listed = next((p for p in self.plan.phases[self.index :] if _accepts(p, r)), None)
            if listed is not None and listed.key in self.closed_lists:
                self._fail(event.at, f"O3: {r.name}'s own request joined the closed '{listed.key}'")
        if any(w.delegation_id == r.delegation_id for w, _ in self.waiting.values()):
            self._fail(event.at, f"P6: {r.name} is twice in the queue")
        rank = self.plan.rules.rank_of(r.category)
        if r.category is Category.MEMBER_STATE and r.delegation_id in self.plan.rcp_chairs:
            rank = self.plan.rules.rcp_rank  # P4
        speaking = None if self.replying else self.on_floor  # O2: replying is not speaking
        first = r.delegation_id not in self.spoken and r.delegation_id != speaking
        if r.rank != rank:
            self._fail(event.at, f"P2/P4: {r.name} queued at rank {r.rank}, the rules say {rank}")
        if r.first_time != first:
            self._fail(event.at, f"P8: {r.name} queued with first_time={r.first_time}")
        self.seq += 1
        self.keys[r.id] = (1, rank, 0 if first else 1, self.seq)
        if r.tier is not None:  # O4: the inscribed list, by tier then place, goes first
            if self.live_asked:
                self._fail(event.at, f"O4: {r.name} inscribed, queued after a live request")
            self.keys[r.id] = _inscribed_key(r)
        self.live_asked = self.live_asked or r.tier is None
        self.waiting[r.id] = (r, self.keys[r.id])
        self._asks(r)

    def _asks(self, r: FloorRequest) -> None:
        if any(
            p.protected_slots and r.category in p.eligible for p in self.plan.phases[self.index :]
        ):
            self.asked[r.id] = r  # A4 promises slots to those who ask before the block is over

    def _restored(self, event: events.FloorRestored) -> None:
        """M3: the floor is back as the undo says: queue, speaker, phase, who has spoken."""
        run, speech = event.segment, event.speech
        procedural = (Basis.POINT_OF_ORDER, Basis.QUESTION)  # O1, O8: the speech is held
        self.point = speech is not None and speech.basis in procedural
        if self.point:
            speech = event.held  # O1: the speech on substance
        self.index, self.phase_started_at = run.phase_index, run.phase_started_at
        self.programme_given = run.programme_cursor
        for r in event.queue.waiting:
            if r.tier is not None:  # O5: an undone absence puts it back in its place
                self.keys[r.id] = _inscribed_key(r)
        self.waiting = {r.id: (r, self.keys[r.id]) for r in event.queue.waiting}
        self.moved = {r.id for r in event.queue.waiting if r.moved}
        for r in event.queue.waiting:
            self._asks(r)
        self.spoken = set(event.queue.spoken)
        self.replies = {r.id: r for r in event.queue.replies}  # O2
        self.replied = list(event.queue.replied)
        self.replying = speech is not None and speech.basis is Basis.REPLY
        self.on_floor = None if speech is None else speech.speaker.id
        if speech is not None:
            self.seconds, self.extended = speech.seconds, speech.extended

    def _absent(
        self, event: events.InscribedSpeakerAbsent | events.InscribedSpeakerDropped
    ) -> None:
        """O5: the first absence to the end of the tier, the second drops the request."""
        r = event.request
        if event.called:
            self.on_floor = None
        self.waiting.pop(r.id, None)
        self.moved.discard(r.id)
        if isinstance(event, events.InscribedSpeakerDropped):
            if r.absences < 1:
                self._fail(event.at, f"O5: {r.name} dropped at its first absence")
            self.asked.pop(r.id, None)
            return
        tier = [w.place for w, _ in self.waiting.values() if w.tier is r.tier]
        if r.absences or r.tier is None or any(place >= event.place for place in tier):
            self._fail(event.at, f"O5: {r.name} not moved to the end of its tier once")
        back = replace(r, place=event.place, absences=r.absences + 1)
        self.keys[r.id] = _inscribed_key(back)
        self.waiting[r.id] = (back, self.keys[r.id])

    # -- grants: order (P2, P4, P8), allotment (T1, T2, P4), A3, A4

    # -- rights of reply: O2

    def _reply_asked(self, at: float, r: Reply) -> None:
        """O2: no more replies (heard, on the floor, waiting) than the meeting's limits."""
        mine = self.replied.count(r.delegation_id) + sum(
            1 for w in self.replies.values() if w.delegation_id == r.delegation_id
        )
        mine += self.replying and self.on_floor == r.delegation_id
        if mine >= len(self.plan.rules.reply_limits):
            self._fail(at, f"O2: {r.name} asked for a reply past the meeting's limits")
        self.replies[r.id] = r

    def _reply_granted(self, event: events.FloorGranted) -> None:
        """O2: a waiting reply, with the limit of the delegation's next reply."""
        a, at = event.allotment, event.at
        self.on_floor, self.seconds, self.extended = a.speaker.id, a.seconds, 0.0
        self.replying = True
        reply = self.replies.pop(a.request_id or "", None)
        limits = self.plan.rules.reply_limits
        rank = self.replied.count(a.speaker.id)
        if reply is None or rank >= len(limits):
            self._fail(at, f"O2: {a.speaker.name} given a reply it did not have")
        elif a.seconds != limits[rank]:
            self._fail(at, f"O2: {a.speaker.name}'s reply {rank + 1} allotted {a.seconds:g} s")

    def _granted(self, event: events.FloorGranted) -> None:
        a, at = event.allotment, event.at
        self.replying = False
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

    def _order(self, event: events.FloorGranted, phase: PhasePlan, request: FloorRequest) -> None:
        """P2, P4, P8: in order is the request the phase accepts with the lowest
        (rank, not first time, order of request), as if no request had been moved."""
        by_rule = [(key, rid) for rid, (r, key) in self.waiting.items() if _accepts(phase, r)]
        expected = min(by_rule)[1] if by_rule else None
        if self.plan.rules.alternate_stances and self.last_stance is not Stance.NONE:
            wanted = Stance.PRO if self.last_stance is Stance.CONTRA else Stance.CONTRA
            opposite = [rid for _, rid in sorted(by_rule) if self.stances.get(rid) is wanted]
            expected = opposite[0] if opposite else expected  # O8: alternated
        if expected != request.id and not event.allotment.out_of_order:
            who = self.waiting[expected][0].name if expected is not None else "no one"
            self._fail(
                event.at,
                f"P2/P4/P8: {request.name} given the floor, the rules say {who}, "
                "and no override is recorded",
            )

    def _allotment(
        self, event: events.FloorGranted, phase: PhasePlan, request: FloorRequest
    ) -> None:
        """T1, T2, P4: the slot, the flex if n x F <= R, the RCP extra, or an override."""
        a, at = event.allotment, event.at
        if a.basis is Basis.OVERRIDE:
            return  # the moderator's allotment, recorded as such
        if a.basis is Basis.CONTINGENT:
            return  # O9: capped at what the speaker's group has left (a positive time)
        if request.id in self.allotment_set:
            self._fail(at, f"{request.name}: the allotment the moderator set was not used")
            return
        rules = self.plan.rules
        seconds = phase.slot_seconds if phase.slot_seconds is not None else rules.slot_seconds
        basis = Basis.SLOT
        flex = phase.flex_seconds if phase.flex_seconds is not None else rules.flex_seconds
        by_category = dict(rules.category_seconds).get(request.category)  # O7
        if request.speaks_for is not None and rules.capacity_seconds is not None:
            seconds, basis = rules.capacity_seconds, Basis.CAPACITY
        elif by_category is not None:
            seconds, basis = by_category, Basis.CATEGORY
        elif phase.kind is PhaseKind.FLOOR and phase.flex and rules.flex_rule and flex is not None:
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
        self, event: events.FloorGranted, phase: PhasePlan, request: FloorRequest
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
        self, event: events.FloorGranted, phase: PhasePlan, request: FloorRequest
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

    def _programme_grant(self, event: events.FloorGranted, phase: PhasePlan) -> None:
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
        if event.basis is Basis.REPLY:  # O2: counted against the limits, not as spoken
            self.replied += [event.speaker.id] if event.heard else []
        elif event.heard and event.request_id is not None:
            self.spoken.add(event.speaker.id)
            stance = self.stances.get(event.request_id, Stance.NONE)
            self.last_stance = self.last_stance if stance is Stance.NONE else stance  # O8
        self.on_floor, self.replying = None, False

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
        self.violations.append(f"{clock(at - self.plan.scheduled_start)} {message}")


def _accepts(phase: PhasePlan, request: FloorRequest) -> bool:
    return phase.kind is PhaseKind.FLOOR and request.category in phase.eligible


def _as_held(allotment: Allotment | None) -> tuple[object, ...] | None:
    """What a held speech must keep (O1, O8): who, its status, allotment and seconds left."""
    if allotment is None:
        return None
    a = allotment
    return (a.speaker.id, a.status, a.seconds, a.extended, a.seconds_left, a.request_id)


def _inscribed_key(request: FloorRequest) -> tuple[int, ...]:
    """O4: the inscribed list goes first, by tier (Head of State first), then place."""
    assert request.tier is not None
    return (0, list(Tier).index(request.tier), request.place, 0)
