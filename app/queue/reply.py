"""The right of reply (O2): its own list, its own count, its own limits.

Theory of operation
-------------------
A delegation asks for a reply from its phone or through the chair
(``RequestReply``). The reply joins a list of its own (``Queue.replies``), in
the order asked, apart from the speakers' list: it takes no rank, no P8 mark,
and a closed list of speakers (O3) does not stop it. A second press of a
waiting reply changes nothing.

The meeting's rules give each reply of a delegation its limit
(``FloorRules.reply_limits``: the first, the second, ...; GA 600 and 300 s,
HRC 180 and 120 s); their number is how many replies a delegation has in a
segment (the item). A reply past that number is refused, and with no limits
at all (the default: the seeds' informal meeting has no right of reply) every
request is refused, saying the meeting does not take them. ``Queue.replied``
counts the replies heard; a reply on the floor counts as taken when the
delegation asks again.

Replies are *taken* ("next speaker" gives the floor to the first one waiting)
when the chair has called them (``CallReplies``, until none waits), or, by
default (``replies_taken`` "end"), when the segment's last floor phase has no
one left on its speakers' list (GA practice: at the end of the debate). The
chair may also give the floor to a reply by its id at any time; one that is
not the first waiting is recorded as out of order; a time the chair gives
with the grant follows it as an override (``AllotmentOverridden``: the grant
keeps the rules' limit, the override is recorded). The grant is an ordinary
``FloorGranted`` whose allotment has basis ``REPLY`` and the limit of the
delegation's next reply (the rank counted when the floor is given), so the
speaker's clock, a point of order (O1), the undo (M3) and M5 (a granted reply
that has not started goes back to the head of the replies, ``ReplyReturned``)
work as for any speech.

A reply is not a contribution: it fills no slot (A4), marks no one as having
spoken (P8), and the record lists it as a reply (R1), counted apart in the
statistics (R4). Replies still waiting when the segment closes are closed as
not heard (``RepliesClosed``).

Rules: O2 (with O1, O3, M1-M5). Pure: no I/O; time is an argument (UTC epoch seconds).
"""

from __future__ import annotations

from dataclasses import replace

from app.errors import FloorChanged, FloorRuleRefused, IllegalCommand
from app.queue import order
from app.queue.commands import CallReplies, RequestReply, WithdrawReply
from app.queue.events import Event, FloorGranted, RepliesCalled, ReplyRequested, ReplyWithdrawn
from app.queue.requests import Queue, Reply, is_open_to
from app.timing import allotment as speech
from app.timing.allotment import Allotment, Basis, Speaker
from app.timing.plan import PhaseKind, RepliesTaken
from app.timing.programme import SegmentRun, current_phase


def is_reply(allotment: Allotment | None) -> bool:
    """O2: whether the allotment is a reply's (not a contribution)."""
    return allotment is not None and allotment.basis is Basis.REPLY


def find(queue: Queue, reply_id: str) -> Reply | None:
    return next((r for r in queue.replies if r.id == reply_id), None)


def requested(
    run: SegmentRun, queue: Queue, on_floor: Allotment | None, command: RequestReply, now: float
) -> list[Event]:
    """O2: the reply joins its list; a second press of a waiting reply changes nothing.
    ``on_floor`` is the speech on substance (a reply of the delegation counts as taken)."""
    who = command.delegation
    if who.category is None or not is_open_to(who.category):
        raise FloorRuleRefused("floor.by_programme", speaker=who.name, speaker_code=who.id)
    limits = run.plan.rules.reply_limits
    if not limits:
        raise FloorRuleRefused("reply.not_taken", segment=run.plan.title)
    if any(r.delegation_id == who.id for r in queue.replies):
        return []
    replying = is_reply(on_floor) and on_floor is not None and on_floor.speaker.id == who.id
    if queue.replied.count(who.id) + replying >= len(limits):
        raise FloorRuleRefused(
            "reply.limit_reached",
            speaker=who.name,
            speaker_code=who.id,
            segment=run.plan.title,
            limit=len(limits),
        )
    reply = Reply(
        id=f"{run.plan.id}.{queue.next_seq}",
        delegation_id=who.id,
        name=who.name,
        category=who.category,
        requested_at=now,
        seq=queue.next_seq,
        on_behalf=command.on_behalf,
    )
    return [ReplyRequested(now, reply)]


def withdrawn(
    queue: Queue, on_floor: Allotment | None, command: WithdrawReply, now: float
) -> list[Event]:
    """O2: the delegation's waiting reply leaves its list (M2: none is not an error; M1:
    with ``reply_id``, only that one, and one given the floor meanwhile says so)."""
    reply = next((r for r in queue.replies if r.delegation_id == command.delegation_id), None)
    if command.reply_id is not None and (reply is None or reply.id != command.reply_id):
        if on_floor is not None and on_floor.request_id == command.reply_id:
            who = on_floor.speaker
            raise FloorChanged("request.already_granted", speaker=who.name, speaker_code=who.id)
        return []
    return [] if reply is None else [ReplyWithdrawn(now, reply)]


def called(queue: Queue, command: CallReplies, now: float) -> list[Event]:
    """O2: the chair takes the replies now; a repeat changes nothing (M2)."""
    if not queue.replies:
        raise IllegalCommand("reply.none_waiting")
    return [] if queue.replies_called else [RepliesCalled(now)]


def taken_now(run: SegmentRun, queue: Queue, skip: str | None = None) -> Reply | None:
    """O2: the reply "next speaker" gives the floor to, if replies are taken now: called
    by the chair, or (by default) the last floor phase's speakers' list is exhausted.
    ``skip``: a request or reply just sent back (M5), passed over."""
    replies = tuple(r for r in queue.replies if r.id != skip)
    if not replies:
        return None
    if queue.replies_called:
        return replies[0]
    if run.plan.rules.replies_taken is not RepliesTaken.AT_END:
        return None
    phase = current_phase(run)
    later = run.plan.phases[run.phase_index + 1 :]
    if phase.kind is not PhaseKind.FLOOR or any(p.kind is PhaseKind.FLOOR for p in later):
        return None
    speakers = tuple(r for r in queue.waiting if r.id != skip)
    return replies[0] if order.next_in(phase, speakers) is None else None


def granted(run: SegmentRun, queue: Queue, reply: Reply, now: float) -> FloorGranted:
    """O2: the floor to ``reply`` with the limit of the delegation's next reply; one
    given before the first waiting is out of order."""
    limits = run.plan.rules.reply_limits
    rank = min(queue.replied.count(reply.delegation_id), len(limits) - 1)
    allotment = speech.allot(
        Speaker(reply.delegation_id, reply.name, reply.category),
        limits[rank],
        Basis.REPLY,
        now=now,
        warning_seconds=run.plan.rules.warning_seconds,
        request_id=reply.id,
        requested_at=reply.requested_at,
        phase_key=current_phase(run).key,
        out_of_order=reply.id != queue.replies[0].id,
    )
    return FloorGranted(now, allotment)


def given(queue: Queue, allotment: Allotment) -> Queue:
    """The queue once ``allotment`` (a reply's) has the floor: the reply leaves its list
    and is kept as ``replying`` until its speaker starts (M5)."""
    reply = find(queue, allotment.request_id or "")
    return replace(without(queue, allotment.request_id or ""), replying=reply)


def without(queue: Queue, reply_id: str) -> Queue:
    """The queue without that reply; once none waits, a call of the chair is spent."""
    replies = tuple(r for r in queue.replies if r.id != reply_id)
    return replace(queue, replies=replies, replies_called=queue.replies_called and bool(replies))
