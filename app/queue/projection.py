"""Who will speak when, and who will not fit (C3), and the segment's end (C2).

Theory of operation
-------------------
The projection plays the queue forward from ``now`` with the engine's own
rules, assuming every speaker uses exactly the allotment T2 would give:

* the speaker on the floor finishes their time (never before ``now``);
* O1: a point of order being heard takes its time left, then the speech it
  interrupted (held) takes the seconds it kept: it is never assumed gone;
  each point of order still waiting takes its cap, before every request;
* in the current floor phase, the waiting requests it accepts speak in
  queue order until the phase's limit (A3) would be passed; the first one
  that does not fit is the *cut-off*: it and every request after it will
  not be reached in that phase;
* requests waiting for a later floor phase (stakeholders waiting for the
  block, A4) are placed in that phase from its projected start; a protected
  phase always runs its slots;
* every phase that is not closing takes at least its plan (bounded by its
  A3 limit): requests are made live in the room (P7), so an empty queue
  does not mean an early end. Only the moderator's ``ClosePhase`` (or an
  A3 limit) ends a phase early, and then the drift shows it.

* O2: rights of reply waiting take the limit of each delegation's next reply;
  called by the chair, they come first (after the points of order); taken at
  the end (the default), they come after the last floor phase's speakers,
  from its projected end; waiting for a call that has not come, they are not
  placed (``Projection.replies``, apart from the requests).
* O11: while a moderated caucus runs, the speakers' list waits for its end
  (``Caucus.ends_at``), the chair may close it earlier.

The projected end of the segment and the drift (C2) follow from the same walk.

M7: the walk starts from the running deadline and from ``now``, so the
estimates move with the clock: a speaker in overtime pushes every later
estimate by the overtime, and no estimate is ever before ``now``. While a
speech runs within its time the estimates hold still; ``steady_until`` says
until when (its deadline), so that the shell renders the view again from
then on (None: they move with the clock now, or nothing waits).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.queue import order, procedure, reply
from app.queue.floor import RoomState, fills_a_slot
from app.queue.requests import FloorRequest
from app.queue.slot import floor_allotment
from app.timing import programme
from app.timing.allotment import Basis, SpeechStatus, seconds_left
from app.timing.plan import PhaseKind, RepliesTaken
from app.timing.programme import SegmentRun


@dataclass(frozen=True, slots=True)
class ProjectedRequest:
    request_id: str
    delegation_id: str
    phase_key: str | None  # None: no remaining phase would hear it
    starts_at: float | None
    seconds: float | None
    basis: Basis | None
    reached: bool


@dataclass(frozen=True, slots=True)
class Projection:
    requests: tuple[ProjectedRequest, ...]  # in queue order
    cut_off: str | None  # the first request that will not be reached in its phase (C3)
    phase_ends_at: float | None  # the current phase's projected end
    segment_ends_at: float | None  # C2
    drift: float | None  # C2: seconds behind the programme (negative: ahead)
    steady_until: float | None = None  # M7: the estimates hold still until then
    replies: tuple[ProjectedRequest, ...] = ()  # O2: the rights of reply, in their order


def project(state: RoomState, now: float) -> Projection:
    """C3 and C2 for the room at ``now``."""
    run = state.segment
    if run is None:
        return Projection((), None, None, None, None)
    t = now
    if state.speech is not None:  # they finish their time; overtime is already spent
        t = now + max(0.0, seconds_left(state.speech, now))
    if state.held is not None:  # O1: after the ruling, the held speech resumes
        t += max(0.0, state.held.seconds_left)
    if state.queue.caucus is not None:  # O11: the speakers' list waits for the caucus's end
        t = max(t, state.queue.caucus.ends_at)
    t += len(state.queue.points) * run.plan.rules.point_of_order_seconds  # O1: first
    placed: dict[str, ProjectedRequest] = {}
    replies: list[ProjectedRequest] = []
    floors = [n for n, p in enumerate(run.plan.phases) if p.kind is PhaseKind.FLOOR]
    at_end = run.plan.rules.replies_taken is RepliesTaken.AT_END and bool(floors)
    if state.queue.replies_called:  # O2: the chair called them: they come first
        t = _place_replies(state, programme.current_phase(run).key, t, replies)
    phase_end = t
    for index in range(run.phase_index, len(run.plan.phases)):
        current = index == run.phase_index
        phase_run = run if current else _started(run, index, t)
        t = _walk_phase(state, phase_run, t, placed, current=current)
        if at_end and not replies and index == floors[-1]:  # O2: after its speakers
            t = _place_replies(state, run.plan.phases[index].key, t, replies)
        if current:
            phase_end = t
    unplaced = state.queue.replies[len(replies) :]
    replies += [
        ProjectedRequest(r.id, r.delegation_id, None, None, None, None, False) for r in unplaced
    ]
    projected = tuple(
        placed.get(r.id) or ProjectedRequest(r.id, r.delegation_id, None, None, None, None, False)
        for r in state.queue.waiting
    )
    cut_off = next((p.request_id for p in projected if not p.reached), None)
    return Projection(
        projected,
        cut_off,
        phase_end,
        t,
        programme.drift(run, t),
        _steady_until(state, now),
        tuple(replies),
    )


def _place_replies(
    state: RoomState, phase_key: str, t: float, into: list[ProjectedRequest]
) -> float:
    """O2: the waiting replies from ``t``, each with its delegation's next limit."""
    assert state.segment is not None
    limits = state.segment.plan.rules.reply_limits
    on_floor = procedure.substantive(state.speech, state.held)
    taken = list(state.queue.replied)  # a delegation id per reply heard or on the floor
    if reply.is_reply(on_floor) and on_floor is not None:
        taken.append(on_floor.speaker.id)
    for asked in state.queue.replies:
        seconds = limits[min(taken.count(asked.delegation_id), len(limits) - 1)]
        into.append(
            ProjectedRequest(
                asked.id, asked.delegation_id, phase_key, t, seconds, Basis.REPLY, True
            )
        )
        taken.append(asked.delegation_id)
        t += seconds
    return t


def _steady_until(state: RoomState, now: float) -> float | None:
    """M7: the running deadline, while it is ahead; from then on estimates move."""
    speech = state.speech
    waits = state.queue.waiting or state.queue.replies
    if not waits or speech is None or speech.status is not SpeechStatus.RUNNING:
        return None
    assert speech.ends_at is not None
    return speech.ends_at if speech.ends_at > now else None


def _started(run: SegmentRun, index: int, at: float) -> SegmentRun:
    return replace(
        run,
        phase_index=index,
        phase_started_at=at,
        closing=None,
        programme_cursor=0,
        heard_in_phase=0,
    )


def _walk_phase(
    state: RoomState,
    run: SegmentRun,
    t: float,
    placed: dict[str, ProjectedRequest],
    *,
    current: bool,
) -> float:
    """Place the phase's requests from ``t`` (its floor is free); return its projected end."""
    if current and run.closing is not None:
        return t  # A3: it ends when the speaker on the floor finishes
    phase = programme.current_phase(run)
    planned_end = programme.expected_phase_end(run, t, t)
    if phase.kind is not PhaseKind.FLOOR:
        return planned_end
    queue: list[FloorRequest] = [
        r
        for r in state.queue.waiting
        if r.id not in placed and (order.accepts(phase, r) or (current and r.moved))
    ]
    limited = programme.phase_limit(run) is not None
    # A4: only a first turn of a delegation the phase hears by the rules fills a slot
    speech = procedure.substantive(state.speech, state.held) if current else None
    fills = speech is not None and not reply.is_reply(speech)  # O2: a reply fills none
    heard = run.heard_in_phase + (
        1 if fills and speech is not None and fills_a_slot(run, state.queue, speech.speaker) else 0
    )
    cut = False
    # The run does not change along the walk: its deadlines are read once (T2's R is their
    # distance from each request's start; A3's stop is the first of them, if any).
    end_by_plan = programme.phase_end_by_plan(run)
    stops_at = programme.phase_end_deadline(run) if limited else None
    for position, request in enumerate(queue):
        seconds, basis = floor_allotment(
            run.plan, phase, request, len(queue) - position, end_by_plan - t
        )
        if limited:  # A3: the engine stops giving the floor
            fits = stops_at is None or t < stops_at
        else:  # C3: a phase without a limit is cut at its planned end
            fits = t + seconds <= planned_end
        cut = cut or not (fits or heard < phase.protected_slots)
        if cut:  # A4 keeps its slots above; past them, the rest is not reached
            placed[request.id] = ProjectedRequest(
                request.id, request.delegation_id, phase.key, None, None, None, False
            )
            continue
        placed[request.id] = ProjectedRequest(
            request.id, request.delegation_id, phase.key, t, seconds, basis, True
        )
        t += seconds
        if request.category in phase.eligible and request.delegation_id not in state.queue.spoken:
            heard += 1
    return max(t, planned_end)
