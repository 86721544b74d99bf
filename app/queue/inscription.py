"""Inscription before the segment (O4), no-shows (O5) and the draw of lots (O6).

Theory of operation
-------------------
A segment whose plan has an inscription window (``SegmentPlan.inscription``)
takes inscriptions before it opens, from ``opens_at`` to ``deadline``: a
delegation inscribes from its own page (``Inscribe``; the ``Inscribed`` event
is its acknowledgement) or the secretariat enters it (``by_secretariat``).
Before the window, after the deadline, once the segment is open, for a
segment without a window, or for someone no floor phase of the segment
hears, the inscription is refused with its own code. A delegation is
inscribed once: the same inscription again changes nothing (M2); at another
level it is refused (withdraw first, and lose the time of inscription).

The lists of the segments not yet open are kept in ``RoomState.inscriptions``
(one ``InscriptionList`` per segment), whatever segment runs meanwhile. A
list is kept in speaking order: protocol tier first (``Tier``: Head of State
down to other), then the time of inscription; a new inscription goes to the
end of its tier. The secretariat may swap two speakers of one tier
(``SwapInscriptions``; across tiers it is refused, the tier is the rule's
first key), and may draw a tier's order by lot (``DrawLots``, O6), or K of
its N applicants (``keep``): the others leave the list, recorded in the
event.

The draw is reproducible by anyone: the candidates are the tier's delegation
codes sorted (``sorted``, code-point order), and ``drawn_order`` shuffles
them with a Fisher-Yates pass whose draws are ``random.Random(seed).random()``
(Python's Mersenne Twister, a string seed hashed with SHA-512: the seeding
and ``random()`` that Python keeps stable across versions): for ``i`` from
the last index down to 1, ``j = int(random() * (i + 1))``, swap ``i`` and
``j``. The seed is chosen outside the engine (by the shell, or given by the
secretariat), so the engine stays a function of its commands; the event
records the seed, the candidates and the order drawn.

When the segment opens (``OpenSegment``), its list becomes its queue: each
inscription becomes a request (``FloorRequested``, ``inscribed``), with its
tier and its place in the list; inscribed requests keep that order ahead of
every live request (``app.queue.order``), so live requests, where a phase
allows them, follow the list (O4). The list leaves ``RoomState.inscriptions``.

No-show (O5): the chair marks an inscribed speaker absent when calling it
(``MarkAbsent``: a waiting request, or the one just granted and not started,
whose floor is free again). The first absence moves it to the end of its
tier (a place after every inscribed request); the second drops it, recorded
as not heard. Both are events, and both can be undone like a withdrawal (M3).

Rules: O4, O5, O6 (with P2 for live requests after the list, M2, M3).
Pure: no I/O; time is an argument (UTC epoch seconds); ``random`` is used
only as ``Random(seed)`` with a seed the command gives (tests/test_layering.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from random import Random

from app.category import Category
from app.errors import FloorRuleRefused, IllegalCommand, NotFound
from app.queue import order
from app.queue.commands import DrawLots, Inscribe, SwapInscriptions, WithdrawInscription
from app.queue.events import (
    Event,
    FloorRequested,
    Inscribed,
    InscribedSpeakerAbsent,
    InscribedSpeakerDropped,
    InscriptionEvent,
    InscriptionsSwapped,
    InscriptionWithdrawn,
    LotsDrawn,
)
from app.queue.requests import (
    FloorRequest,
    Inscription,
    InscriptionList,
    Queue,
    is_open_to,
    tier_rank,
    without,
)
from app.timing.plan import PhaseKind, SegmentPlan
from app.timing.programme import SegmentRun

Lists = tuple[InscriptionList, ...]
InscriptionCommand = Inscribe | WithdrawInscription | SwapInscriptions | DrawLots


def drawn_order(candidates: Sequence[str], seed: str) -> tuple[str, ...]:
    """O6: the candidates (sorted first) in the order the seed draws; anyone re-draws it."""
    pool = sorted(candidates)
    draws = Random(seed)
    for i in range(len(pool) - 1, 0, -1):
        j = int(draws.random() * (i + 1))
        pool[i], pool[j] = pool[j], pool[i]
    return tuple(pool)


def list_of(lists: Lists, segment_id: str) -> InscriptionList | None:
    return next((x for x in lists if x.segment_id == segment_id), None)


def entry_of(inscribed: InscriptionList | None, delegation_id: str) -> Inscription | None:
    if inscribed is None:
        return None
    return next((e for e in inscribed.entries if e.delegation_id == delegation_id), None)


# -- deciding ------------------------------------------------------------------------------


def decide(
    lists: Lists, run: SegmentRun | None, command: InscriptionCommand, now: float
) -> list[Event]:
    """O4, O6: what an inscription command means before its segment opens."""
    if isinstance(command, Inscribe):
        return _inscribe(lists, run, command, now)
    inscribed = list_of(lists, command.segment_id)
    title = inscribed.title if inscribed is not None else command.segment_id
    if run is not None and run.plan.id == command.segment_id:
        raise IllegalCommand("inscription.segment_open", segment=run.plan.title)
    match command:
        case WithdrawInscription(delegation_id=who):
            entry = entry_of(inscribed, who)
            return [] if entry is None else [InscriptionWithdrawn(now, command.segment_id, entry)]
        case SwapInscriptions(first=first, second=second):
            one, other = _required(inscribed, first, title), _required(inscribed, second, title)
            if one.tier is not other.tier:
                raise FloorRuleRefused(
                    "inscription.swap_other_tier",
                    first=one.name,
                    first_code=one.delegation_id,
                    second=other.name,
                    second_code=other.delegation_id,
                )
            return (
                []
                if first == second
                else [InscriptionsSwapped(now, command.segment_id, first, second)]
            )
    assert isinstance(command, DrawLots)
    return [_draw(inscribed, command, title, now)]


def _inscribe(lists: Lists, run: SegmentRun | None, command: Inscribe, now: float) -> list[Event]:
    plan, who = command.plan, command.delegation
    window = plan.inscription
    if window is None:
        raise IllegalCommand("inscription.no_window", segment=plan.title)
    if run is not None and run.plan.id == plan.id:
        raise IllegalCommand("inscription.segment_open", segment=plan.title)
    if who.category is None or not is_open_to(who.category):
        raise FloorRuleRefused("floor.by_programme", speaker=who.name, speaker_code=who.id)
    if not _heard(plan, who.category):
        raise FloorRuleRefused(
            "floor.not_open_to", speaker=who.name, speaker_code=who.id, segment=plan.title
        )
    if now < window.opens_at:
        minutes = -(-(window.opens_at - now) // 60)  # whole minutes, rounded up
        raise FloorRuleRefused("inscription.not_open_yet", segment=plan.title, minutes=int(minutes))
    if now > window.deadline:
        raise FloorRuleRefused("inscription.closed", segment=plan.title)
    inscribed = list_of(lists, plan.id)
    entry = entry_of(inscribed, who.id)
    if entry is not None:
        if entry.tier is command.tier:
            return []  # M2: the same inscription again keeps its place
        raise FloorRuleRefused(
            "inscription.already", speaker=who.name, speaker_code=who.id, segment=plan.title
        )
    seq = inscribed.next_seq if inscribed is not None else 1
    new = Inscription(
        who.id, who.name, who.category, command.tier, now, seq, command.by_secretariat
    )
    return [Inscribed(now, plan.id, plan.title, new)]


def _heard(plan: SegmentPlan, category: Category) -> bool:
    return any(p.kind is PhaseKind.FLOOR and category in p.eligible for p in plan.phases)


def _required(inscribed: InscriptionList | None, delegation_id: str, title: str) -> Inscription:
    entry = entry_of(inscribed, delegation_id)
    if entry is None:
        raise NotFound(
            "inscription.not_found",
            speaker=delegation_id,
            speaker_code=delegation_id,
            segment=title,
        )
    return entry


def _draw(
    inscribed: InscriptionList | None, command: DrawLots, title: str, now: float
) -> LotsDrawn:
    """O6: the tier's order drawn from the seed; K of N keeps the first ``keep``."""
    if not command.seed.strip():
        raise IllegalCommand("inscription.no_seed")
    tier = [e for e in (inscribed.entries if inscribed else ()) if e.tier is command.tier]
    if not tier:
        raise NotFound("inscription.tier_empty", segment=title)
    keep = len(tier) if command.keep is None else command.keep
    if not 1 <= keep <= len(tier):
        raise IllegalCommand("inscription.draw_count", keep=keep, applicants=len(tier))
    candidates = tuple(sorted(e.delegation_id for e in tier))
    drawn = drawn_order(candidates, command.seed)
    left = frozenset(drawn[keep:])
    not_drawn = tuple(e for e in tier if e.delegation_id in left)
    return LotsDrawn(
        now, command.segment_id, command.tier, command.seed, candidates, drawn[:keep], not_drawn
    )


# -- the list becomes the queue (O4) -------------------------------------------------------


def queued(lists: Lists, plan: SegmentPlan, queue: Queue, now: float) -> list[Event]:
    """O4: the segment's inscribed list as its first requests, in the list's order."""
    inscribed = list_of(lists, plan.id)
    events: list[Event] = []
    seq = queue.next_seq
    for place, entry in enumerate(inscribed.entries if inscribed else ()):
        rank = plan.rules.rank_of(entry.category)
        if entry.category is Category.MEMBER_STATE and entry.delegation_id in plan.rcp_chairs:
            rank = plan.rules.rcp_rank  # P4, shown as for any request
        request = FloorRequest(
            id=f"{plan.id}.{seq}",
            delegation_id=entry.delegation_id,
            name=entry.name,
            category=entry.category,
            rank=rank,
            first_time=True,  # P8: no one has spoken in a segment that opens
            seq=seq,
            requested_at=entry.inscribed_at,
            on_behalf=entry.by_secretariat,
            inscribed=True,
            tier=entry.tier,
            place=place,
        )
        events.append(FloorRequested(now, request))
        seq += 1
    return events


# -- no-shows (O5) -------------------------------------------------------------------------


def absence(
    queue: Queue, request: FloorRequest, called: bool, now: float
) -> InscribedSpeakerAbsent | InscribedSpeakerDropped:
    """O5: the first absence moves the request to the end of its tier; the second drops it."""
    if request.tier is None:
        raise IllegalCommand(
            "inscription.not_inscribed", speaker=request.name, speaker_code=request.delegation_id
        )
    if request.absences:
        return InscribedSpeakerDropped(now, request, called)
    last = max((r.place for r in queue.waiting if r.tier is not None), default=request.place)
    return InscribedSpeakerAbsent(now, request, max(last, request.place) + 1, called)


def after_absence(queue: Queue, event: InscribedSpeakerAbsent | InscribedSpeakerDropped) -> Queue:
    """The queue after an absence (O5): the request at its new place, or gone."""
    request = event.request
    queue = without(queue, frozenset({request.id}))
    if event.called:
        queue = replace(queue, granted=None)
    if isinstance(event, InscribedSpeakerDropped):
        return queue
    moved = replace(request, place=event.place, absences=request.absences + 1, moved=False)
    return replace(queue, waiting=order.insert(queue.waiting, moved))


def called_request(queue: Queue, request_id: str) -> FloorRequest | None:
    """O5: the granted request whose speaker has not started, if it is ``request_id``."""
    granted = queue.granted
    return granted if granted is not None and granted.id == request_id else None


# -- evolving ------------------------------------------------------------------------------


def evolve(lists: Lists, event: InscriptionEvent) -> Lists:
    """The lists after an inscription event. Total: a recorded event always applies."""
    found = list_of(lists, event.segment_id)
    if isinstance(event, Inscribed) and found is None:
        found = InscriptionList(event.segment_id, event.title)
    assert found is not None, f"{type(event).__name__} for a segment with no list"
    inscribed, entries = found, found.entries
    match event:
        case Inscribed(inscription=new):
            last = max(
                (n + 1 for n, e in enumerate(entries) if tier_rank(e.tier) <= tier_rank(new.tier)),
                default=0,
            )
            entries = (*entries[:last], new, *entries[last:])
            inscribed = replace(inscribed, next_seq=new.seq + 1)
        case InscriptionWithdrawn(inscription=gone):
            entries = tuple(e for e in entries if e.delegation_id != gone.delegation_id)
        case InscriptionsSwapped(first=first, second=second):
            by_id = {e.delegation_id: e for e in entries}
            swap = {first: by_id[second], second: by_id[first]}
            entries = tuple(swap.get(e.delegation_id, e) for e in entries)
        case _:  # O6: the tier in the drawn order
            assert isinstance(event, LotsDrawn)
            tier, drawn = event.tier, event.drawn
            by_id = {e.delegation_id: e for e in entries}
            start = next(n for n, e in enumerate(entries) if e.tier is tier)
            others = tuple(e for e in entries if e.tier is not tier)
            entries = (*others[:start], *(by_id[d] for d in drawn), *others[start:])
    inscribed = replace(inscribed, entries=entries)
    return (*(x for x in lists if x.segment_id != event.segment_id), inscribed)


def without_list(lists: Lists, segment_id: str) -> Lists:
    """The lists once ``segment_id`` has opened: its list is its queue now (O4)."""
    return tuple(x for x in lists if x.segment_id != segment_id)
