"""Speaking order (P2, P4, P8) and the moderator's overrides of it.

Theory of operation
-------------------
Without overrides the queue is sorted by ``order_key``: the segment's
inscribed list first (O4), in its order (protocol tier, then its place in
the list: time of inscription, a draw of lots or a swap, O6; an absence moves
a request to the end of its tier, O5); then the live requests, by category
rank (P2; RCP chairs rank ahead of Member States, P4), then first-time
speakers before those who spoke already in the segment (P8), then order of
request. A new
request is inserted after the last request, not moved by the moderator, whose
key is not greater than its own; requests the moderator moved keep the place
they were given (their place is a recorded override).

In a phase, the next speaker is the first waiting request that the phase
accepts (its category is eligible), or that the moderator moved up by hand.
A grant is *in order* when it goes to the request the rules alone would pick
(the lowest ``order_key`` among the requests the phase accepts, whatever the
moves); any other grant is recorded as out of order (P2).
"""

from __future__ import annotations

from dataclasses import replace

from app.queue.requests import FloorRequest, tier_rank
from app.timing.plan import PhaseKind, PhasePlan


def order_key(request: FloorRequest) -> tuple[int, int, int, int]:
    """O4: the inscribed list (tier, place) before live requests (P2, P4, P8, then order)."""
    if request.tier is not None:
        return (0, tier_rank(request.tier), request.place, 0)
    return (1, request.rank, 0 if request.first_time else 1, request.seq)


def insert(waiting: tuple[FloorRequest, ...], request: FloorRequest) -> tuple[FloorRequest, ...]:
    """The queue with ``request`` at its rule-given place (moved requests stay put)."""
    key = order_key(request)
    place = 0
    for index, other in enumerate(waiting):
        if other.moved:
            if place == index:  # moved requests at the head stay ahead
                place = index + 1
        elif order_key(other) <= key:
            place = index + 1
    return waiting[:place] + (request,) + waiting[place:]


def move(waiting: tuple[FloorRequest, ...], request_id: str, to: int) -> tuple[FloorRequest, ...]:
    """The queue with the request moved to place ``to`` (clamped), marked as moved."""
    request = next(r for r in waiting if r.id == request_id)
    rest = tuple(r for r in waiting if r.id != request_id)
    to = max(0, min(to, len(rest)))
    return rest[:to] + (replace(request, moved=True),) + rest[to:]


def accepts(phase: PhasePlan, request: FloorRequest) -> bool:
    """Whether the phase gives the floor to this request by the rules."""
    return phase.kind is PhaseKind.FLOOR and request.category in phase.eligible


def next_in(phase: PhasePlan, waiting: tuple[FloorRequest, ...]) -> FloorRequest | None:
    """The request the phase gives the floor to next: eligible, or moved up by hand."""
    return next((r for r in waiting if r.moved or accepts(phase, r)), None)


def in_rule_order(phase: PhasePlan, waiting: tuple[FloorRequest, ...]) -> FloorRequest | None:
    """The next request by the rules alone (P2, P4, P8), as if no request had been moved."""
    return min((r for r in waiting if accepts(phase, r)), key=order_key, default=None)
