"""What a screen sees of a room: the engine state as JSON, per role.

A view carries deadlines, never a ticking number (T6, S9): a running speech
is sent as ``ends_at``; a screen computes what is left with its measured
clock offset. The moderator's view has the whole queue with its projection
and overrides (C3); a display's view has the speaker, the next speakers and
the phase, and nothing a moderator alone should see.

Estimates (a request's ``starts_at``, the projected ends) are computed at the
view's own ``now`` and are never before it (M7); ``steady_until`` says until
when they hold still (a running speech's deadline), after which they move
with the clock. The moderator's view carries the undo point (M3) while it
can be used: what an undo would bring back and until when.

Every view has ``procedure`` (O1, O3): the points of order waiting, in the
order they will be heard, the one being heard (its raiser; its clock is
``speech``, an allotment of basis ``point_of_order``), the speech it holds
(paused, with the seconds it will resume with) and, per remaining floor
phase, whether its list of speakers is closed. A phone finds its own point
there, the wall and the podium say a point is heard and whose speech waits;
the console's ``hear_point`` says whether "Hear" would give the floor.

Every view has ``replies`` (O2, ``app.live.replies``): the rights of reply
waiting with their rank and limit, the one on the floor, whether "next
speaker" takes them now, and each delegation's replies left; the console's
``call_replies`` says whether "Call replies" would act.

Every view has ``interposed`` (O8): the questions waiting for the speaker's consent
and, while one is put, the speech it holds; ``inscriptions`` (O4-O6): the inscribed
lists of the segments not yet open, in speaking order; ``segment.floor``: what the
segment's rules let a phone offer (stances, questions, a group statement); and each
queue item's ``stance`` and ``speaks_for`` (O7, O8).
The module is longer than 400 lines on purpose: ``room_view`` and the small
functions of its keys are one document, the view of docs/protocol.md, read
together; a key with logic of its own lives beside it (``app.live.replies``;
``app.live.model_un``: O11's ``caucus`` and ``yielded``).

The delegate's view adds ``lapsed``: the delegations whose last request closed
as not heard (A3, the segment closed, the queue cleared), so that a phone can
say its request lapsed and offer the written recommendation (R2), even after
a reload and once the segment has closed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.access.roles import Role
from app.category import is_stakeholder
from app.live.model_un import caucus_view, yield_view
from app.live.replies import replies_view
from app.queue import (
    CallReplies,
    ClosePhase,
    GrantFloor,
    HearPointOfOrder,
    RoomState,
    UndoPoint,
    contingents_left,
    procedure,
    trial,
)
from app.queue import order as queue_order
from app.queue.kinds import is_question
from app.queue.projection import Projection, project
from app.timing import programme
from app.timing.allotment import Allotment, SpeechStatus, total_allotted
from app.timing.plan import FloorRules, PhaseKind
from app.timing.programme import SegmentRun

#: How many waiting speakers a display shows (``wall.waiting`` counts them all).
DISPLAY_NEXT = 5

#: The distinct views: every role is shown one of these (see ``view_role``).
LIVE_VIEWS = (Role.MODERATOR, Role.DELEGATE, Role.DISPLAY)


def view_role(role: Role) -> Role:
    """The view ``role`` is shown: the secretariat and the rapporteur see the moderator's."""
    return role if role in LIVE_VIEWS else Role.MODERATOR


def room_view(
    state: RoomState,
    version: int,
    now: float,
    role: Role,
    projection: Projection | None = None,
) -> dict[str, Any]:
    """The JSON-able view of the room for ``role`` at ``now``.

    ``projection`` is ``project(state, now)``, when the caller renders several
    views of one state and computes it once for all of them.
    """
    return room_views(state, version, now, (role,), projection)[role]


def room_views(
    state: RoomState,
    version: int,
    now: float,
    roles: Iterable[Role],
    projection: Projection | None = None,
) -> dict[Role, dict[str, Any]]:
    """``room_view`` for each of ``roles``, of one state at one time (a change's live views).

    What every view shows alike is computed once and shared between them (the
    same objects: a view is never changed once rendered): the segment, the
    speech, the wall, the guarantee, the caucus; what depends on whether the
    role sees the whole list, once per kind of access; the queue, per role.
    """
    if projection is None:
        projection = project(state, now)
    run = state.segment
    segment = _segment(run, projection, now) if run else None
    speech = _speech(state.speech) if state.speech else None
    guarantee = _guarantee(state) if run else None
    wall, caucus, yielded = _wall(state), caucus_view(state), yield_view(state)
    by_access: dict[bool, dict[str, Any]] = {}
    views: dict[Role, dict[str, Any]] = {}
    for role in roles:
        full = role in (Role.MODERATOR, Role.SECRETARIAT, Role.RAPPORTEUR)
        seen = by_access.get(full)
        if seen is None:
            seen = by_access[full] = {
                "undo": _undo(state.undo, now) if full else None,
                "procedure": _procedure(state, full),
                "replies": replies_view(state, projection, full),
                "console": _console(state, now) if full and run else None,
                "interposed": _interposed(state, full),
                "inscriptions": _inscriptions(state, full),
            }
        view: dict[str, Any] = {
            "room_id": state.room_id,
            "version": version,
            "server_time": now,
            "segment": segment,
            "speech": speech,
            "queue": _queue(
                state, projection, full, limit=DISPLAY_NEXT if role is Role.DISPLAY else None
            ),
            "cut_off": projection.cut_off if full else None,
            "guarantee": guarantee,
            "undo": seen["undo"],
            "steady_until": projection.steady_until,
            "wall": wall,
            "procedure": seen["procedure"],
            "replies": seen["replies"],
            "console": seen["console"],
            "interposed": seen["interposed"],
            "inscriptions": seen["inscriptions"],
            "caucus": caucus,
            "yielded": yielded,
        }
        if role is Role.DELEGATE:
            view["lapsed"] = _lapsed(state)
        views[role] = view
    return views


def _wall(state: RoomState) -> dict[str, Any]:
    """What the room's screens show beside the floor: how many wait, the guiding questions.

    ``waiting`` counts every waiting request (a display is sent the first
    ``DISPLAY_NEXT``). ``questions`` are the segment's guiding questions in every
    phase of a format that shows them (A1), so the wall keeps them in a side
    panel while Member States speak; ``questions_focus`` is true in the phase
    that puts them first (the welcome).
    """
    run = state.segment
    focus = run is not None and programme.current_phase(run).show_questions
    return {
        "waiting": len(state.queue.waiting),
        "questions": list(run.plan.questions) if run is not None else [],
        "questions_focus": focus,
    }


def _procedure(state: RoomState, full: bool) -> dict[str, Any]:
    """O1, O3: the points of order waiting and the one heard, the speech it holds, and
    which remaining floor phases' lists of speakers are closed.

    ``point`` is the point being heard (its raiser has ``speech``); ``held`` is the speech
    it interrupted, exactly as it will come back after the ruling (paused, its seconds
    left), null when the floor was free. A request joins the first list whose
    ``eligible`` holds its category (O3), so a phone can tell whether a closed list is
    its own. ``interrupts`` is the meeting's rule: false, a
    point waits for the end of the speech on the floor.
    """
    run = state.segment
    points = []
    for place, point in enumerate(state.queue.points):
        item: dict[str, Any] = {
            "id": point.id,
            "place": place + 1,
            "delegation_id": point.delegation_id,
            "name": point.name,
            "raised_at": point.raised_at,
        }
        if full:
            item["on_behalf"] = point.on_behalf
        points.append(item)
    heard = state.speech if procedure.is_point_of_order(state.speech) else None
    lists = []
    if run is not None:
        for phase in run.plan.phases[run.phase_index :]:
            if phase.kind is PhaseKind.FLOOR:
                closed = phase.key in state.queue.closed_lists
                hears = sorted(c.value for c in phase.eligible)
                lists.append(
                    {"key": phase.key, "title": phase.title, "closed": closed, "eligible": hears}
                )
    return {
        "points": points,
        "point": None
        if heard is None
        else {
            "id": heard.request_id,
            "delegation_id": heard.speaker.id,
            "name": heard.speaker.name,
            "raised_at": heard.requested_at,
        },
        "held": _speech(state.held) if heard is not None and state.held is not None else None,
        "lists": lists,
        "interrupts": run.plan.rules.point_of_order_interrupts if run is not None else True,
    }


def _floor_rules(rules: FloorRules) -> dict[str, Any]:
    """O7, O8, O9: what the segment's rules let a phone offer, so that it shows a button
    only where the engine would take the tap: pro and contra alternating, interposed
    questions (and their cap), a statement on behalf of a group (its allotment) and the
    groups that have a contingent; O11: the yields a speaker of the list may make and
    whether the chair may open a moderated caucus (with its default total and time per
    speaker), so that the console shows those buttons only where the engine takes them."""
    return {
        "alternate_stances": rules.alternate_stances,
        "interposed_questions": rules.interposed_questions,
        "question_seconds": rules.interposed_question_seconds,
        "capacity_seconds": rules.capacity_seconds,
        "groups": [c.group for c in rules.contingents],
        "yields": sorted(kind.value for kind in rules.yield_kinds),
        "caucuses": rules.moderated_caucuses,
        "caucus_seconds": rules.caucus_seconds,
        "caucus_speaker_seconds": rules.caucus_speaker_seconds,
    }


def _interposed(state: RoomState, full: bool) -> dict[str, Any]:
    """O8: the interposed questions waiting for the speaker's consent, in the order asked,
    and, while one is put, the speech it holds (paused, with the seconds it resumes with).

    A phone finds its own question here; the console consents or declines by ``id``.
    """
    waiting = []
    for place, question in enumerate(state.queue.questions):
        item: dict[str, Any] = {
            "id": question.id,
            "place": place + 1,
            "delegation_id": question.delegation_id,
            "name": question.name,
            "seconds": question.seconds,
            "to_speaker": question.to_speaker,
            "asked_at": question.asked_at,
        }
        if full:
            item["on_behalf"] = question.on_behalf
        waiting.append(item)
    asking = is_question(state.speech)
    held = state.held if asking else None
    return {"waiting": waiting, "held": _speech(held) if held is not None else None}


def _inscriptions(state: RoomState, full: bool) -> list[dict[str, Any]]:
    """O4-O6: the inscribed lists of the segments not yet open, each in speaking order
    (tier, then time of inscription, as swapped or drawn), so that a phone sees its own
    place and the secretariat arranges the list; ``by_secretariat`` is theirs alone."""
    lists = []
    for inscribed in state.inscriptions:
        entries = []
        for place, entry in enumerate(inscribed.entries):
            item: dict[str, Any] = {
                "place": place + 1,
                "delegation_id": entry.delegation_id,
                "name": entry.name,
                "category": entry.category.value,
                "tier": entry.tier.value,
                "inscribed_at": entry.inscribed_at,
            }
            if full:
                item["by_secretariat"] = entry.by_secretariat
            entries.append(item)
        lists.append(
            {"segment_id": inscribed.segment_id, "title": inscribed.title, "entries": entries}
        )
    return lists


def _lapsed(state: RoomState) -> list[dict[str, Any]]:
    """A3, R2: each delegation's last request closed as not heard, until it asks again."""
    return [
        {
            "delegation_id": lapse.delegation_id,
            "request_id": lapse.request_id,
            "segment_id": lapse.segment_id,
            "phase_key": lapse.phase_key,
            "reason": lapse.reason,
            "at": lapse.at,
        }
        for lapse in state.queue.lapsed
    ]


def _undo(point: UndoPoint | None, now: float) -> dict[str, Any] | None:
    """M3: what an undo would bring back, and until when; None once it is spent or over."""
    if point is None or point.before is None or point.until <= now:
        return None
    return {"what": point.what, "until": point.until}


def _segment(run: SegmentRun, projection: Projection, now: float) -> dict[str, Any]:
    plan = run.plan
    phase = programme.current_phase(run)
    limit = programme.phase_limit(run)
    return {
        "id": plan.id,
        "title": plan.title,
        "format": plan.format,
        "scheduled_start": plan.scheduled_start,
        "scheduled_end": plan.scheduled_end,
        "planned_end": programme.planned_end(plan),
        "opened_at": run.opened_at,
        "projected_end": projection.segment_ends_at,
        "drift": projection.drift,
        "questions": list(plan.questions) if phase.show_questions else [],
        "floor": _floor_rules(plan.rules),
        "phases": [
            {
                "key": p.key,
                "title": p.title,
                "kind": p.kind.value,
                "planned_seconds": p.planned_seconds,
            }
            for p in plan.phases
        ],
        "phase": {
            "index": run.phase_index,
            "key": phase.key,
            "title": phase.title,
            "kind": phase.kind.value,
            "started_at": run.phase_started_at,
            "planned_end": programme.phase_planned_end(run),
            "limit": limit,
            "projected_end": projection.phase_ends_at,
            "closing": run.closing.value if run.closing else None,
            "programme_next": (
                phase.speakers[run.programme_cursor].name
                if phase.kind is PhaseKind.PROGRAMME and run.programme_cursor < len(phase.speakers)
                else None
            ),
        },
    }


def _speech(speech: Allotment) -> dict[str, Any]:
    running = speech.status is SpeechStatus.RUNNING
    return {
        "speaker": {
            "id": speech.speaker.id,
            "name": speech.speaker.name,
            "category": speech.speaker.category.value if speech.speaker.category else None,
        },
        "status": speech.status.value,
        "allotted": total_allotted(speech),
        "basis": speech.basis.value,
        "ends_at": speech.ends_at if running else None,
        "seconds_left": None if running else speech.seconds_left,
        "warning_seconds": speech.warning_seconds,
        "started_at": speech.started_at,
        "request_id": speech.request_id,
        "out_of_order": speech.out_of_order,
    }


def _queue(
    state: RoomState, projection: Projection, full: bool, limit: int | None
) -> list[dict[str, Any]]:
    """The waiting requests; a delegate gets the whole public list, to find its own place."""
    by_id = {p.request_id: p for p in projection.requests}
    items: list[dict[str, Any]] = []
    for place, request in enumerate(state.queue.waiting):
        if limit is not None and place >= limit:
            break
        projected = by_id.get(request.id)
        item: dict[str, Any] = {
            "id": request.id,
            "place": place + 1,
            "delegation_id": request.delegation_id,
            "name": request.name,
            "category": request.category.value,
            "first_time": request.first_time,
            "starts_at": projected.starts_at if projected else None,
            "seconds": projected.seconds if projected else None,
            "reached": projected.reached if projected else False,
            "stance": request.stance.value,
            "speaks_for": request.speaks_for,
        }
        if full:
            item |= {
                "rank": request.rank,
                "requested_at": request.requested_at,
                "on_behalf": request.on_behalf,
                "inscribed": request.inscribed,
                "tier": request.tier.value if request.tier is not None else None,
                "moved": request.moved,
                "override_seconds": request.seconds,
                "basis": projected.basis.value if projected and projected.basis else None,
                "phase_key": projected.phase_key if projected else None,
            }
        items.append(item)
    return items


def _guarantee(state: RoomState) -> dict[str, Any] | None:
    """A4: the stakeholder slots the block still protects, shown during the MS phase."""
    run = state.segment
    assert run is not None
    for index in range(run.phase_index, len(run.plan.phases)):
        phase = run.plan.phases[index]
        if not phase.protected_slots:
            continue
        heard = run.heard_in_phase if index == run.phase_index else 0
        waiting = sum(1 for r in state.queue.waiting if queue_order.accepts(phase, r))
        observers = run.plan.rules.observer_state_is_stakeholder
        return {
            "phase_key": phase.key,
            "slots": phase.protected_slots,
            "heard": heard,
            "waiting_stakeholders": waiting,
            "stakeholders_asked": sum(
                1 for r in state.queue.waiting if is_stakeholder(r.category, observers)
            ),
            "latest_start": programme.block_latest_start(run.plan, index - 1) if index else None,
        }
    return None


def _console(state: RoomState, now: float) -> dict[str, Any]:
    """What the console's buttons would do now, so it words its warnings from the engine.

    ``next``: whether "next speaker" would give the floor (the engine is asked, on a
    copy: it is pure), so the button is disabled when it can do nothing.
    ``close_phase``: the waiting requests a later phase hears (they carry over, counted
    by the first phase that hears them) and those no later phase hears (they close as
    not heard, A3); none carry over from the last phase, whose end closes the segment.
    ``close_segment``: every waiting request closes as not heard.
    ``hear_point``: whether "Hear" would give the floor to the first point of order
    waiting (O1: false with none waiting, while one is heard, or while the meeting's rules
    make it wait for the end of the speech).
    ``call_replies``: whether "Call replies" would change anything (O2).
    ``contingents``: each group's time budget and what it has left (O9).
    """
    run = state.segment
    assert run is not None
    on_floor = _on_floor(state)
    grant, hear, close, replies = trial(  # the engine is asked, once caught up with the clock
        state,
        (
            GrantFloor(expected_speaker=on_floor),
            HearPointOfOrder(expected_speaker=on_floor),
            ClosePhase(),  # A4: the protected block refuses; the console says why on a tap
            CallReplies(),  # O2: only if it would change anything
        ),
        now,
    )
    later = run.plan.phases[run.phase_index + 1 :]
    waiting = state.queue.waiting
    carried: dict[str, dict[str, Any]] = {}  # the first later phase that hears each request
    for request in waiting:
        heard_by = next(
            (p for p in later if p.kind is PhaseKind.FLOOR and request.category in p.eligible), None
        )
        if heard_by is not None:
            entry = carried.setdefault(heard_by.key, {"key": heard_by.key, "title": heard_by.title})
            entry["count"] = entry.get("count", 0) + 1
    carry_over = sum(c["count"] for c in carried.values())
    return {
        "next": grant is not None,
        "close_phase": {
            "allowed": close is not None,
            "carry_over": list(carried.values()),
            "close": len(waiting) - carry_over,
            "closes_segment": not later,
        },
        "close_segment": {"close": len(waiting)},
        "hear_point": hear is not None,
        "call_replies": bool(replies),
        "contingents": _contingents(state),
    }


def _contingents(state: RoomState) -> list[dict[str, Any]]:
    """O9: each group's budget and seconds left (negative: overdrawn, always warned), and
    its members, so that the console can draw down the speech on the floor as it runs."""
    assert state.segment is not None
    rules = state.segment.plan.rules
    left = dict(contingents_left(rules, state.queue.drawn))
    return [
        {
            "group": c.group,
            "per": c.per.value,
            "seconds": c.seconds,
            "left": left[c.group],
            "members": sorted(c.members),
        }
        for c in rules.contingents
    ]


def _on_floor(state: RoomState) -> str:
    return state.speech.speaker.id if state.speech is not None else ""
