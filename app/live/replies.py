"""What a screen sees of the rights of reply (O2): every view's ``replies`` key.

A reply's list is apart from the speakers' list, so its view is too: the
replies waiting in the order they will be heard, each with which reply of its
delegation it is (``rank``: 1 the first, 2 the second) and the limit that rank
has in the meeting's rules (``seconds``); the reply on the floor; whether the
chair has called the replies and whether "next speaker" takes them now (called,
or the end of the last floor phase's speakers reached); and, per delegation
that has used any, how many replies it has left. A phone finds its own reply
and its count there; the console words its panel from it; the wall and the
podium read ``speech.basis`` ("reply") and ``speaking.rank``.

The rank and limit are counted as the engine counts them when it gives the
floor (``app.queue.reply.granted``): the replies heard in the segment, plus the
delegation's reply on the floor.
"""

from __future__ import annotations

from typing import Any

from app.queue import RoomState, procedure, reply
from app.queue.projection import Projection


def replies_view(state: RoomState, projection: Projection, full: bool) -> dict[str, Any]:
    """O2: the replies waiting (with rank and limit), the one on the floor, whether they
    are taken now, and each delegation's replies left; ``on_behalf`` for ``full`` only."""
    run = state.segment
    limits = list(run.plan.rules.reply_limits) if run is not None else []
    on_floor = procedure.substantive(state.speech, state.held)
    speaking = on_floor if reply.is_reply(on_floor) else None
    taken = list(state.queue.replied)  # a delegation id per reply heard or on the floor
    if speaking is not None:
        taken.append(speaking.speaker.id)
    starts = {p.request_id: p.starts_at for p in projection.replies}
    waiting = []
    for place, asked in enumerate(state.queue.replies):
        rank = taken.count(asked.delegation_id) + 1
        item: dict[str, Any] = {
            "id": asked.id,
            "place": place + 1,
            "delegation_id": asked.delegation_id,
            "name": asked.name,
            "rank": rank,
            "seconds": limits[min(rank, len(limits)) - 1] if limits else None,
            "requested_at": asked.requested_at,
            "starts_at": starts.get(asked.id),
        }
        if full:
            item["on_behalf"] = asked.on_behalf
        waiting.append(item)
    counts = [
        {"delegation_id": code, "used": taken.count(code), "left": len(limits) - taken.count(code)}
        for code in dict.fromkeys(taken)
    ]
    return {
        "limits": limits,
        "waiting": waiting,
        "speaking": None
        if speaking is None
        else {
            "id": speaking.request_id,
            "delegation_id": speaking.speaker.id,
            "name": speaking.speaker.name,
            "rank": taken.count(speaking.speaker.id),
        },
        "called": state.queue.replies_called,
        "taken": run is not None and reply.taken_now(run, state.queue) is not None,
        "counts": counts,
    }
