"""The speaker queue and the floor rules of a room (pure: no I/O).

``apply(state, command, now)`` is the whole engine; see ``app.queue.floor``.
"""

from app.queue.commands import (
    ClearQueue,
    ClosePhase,
    CloseSegment,
    Command,
    GiveFloor,
    GrantFloor,
    MoveRequest,
    OpenSegment,
    RequestFloor,
    SetRequestAllotment,
    Tick,
    WithdrawRequest,
)
from app.queue.events import (
    ClosedBecause,
    Event,
    FloorGranted,
    FloorRequested,
    RequestAllotmentSet,
    RequestMoved,
    RequestsClosed,
    RequestWithdrawn,
)
from app.queue.floor import Decision, RoomState, apply, evolve, next_deadline, replay
from app.queue.requests import FloorRequest, Queue

__all__ = [
    "ClearQueue",
    "ClosePhase",
    "CloseSegment",
    "ClosedBecause",
    "Command",
    "Decision",
    "Event",
    "FloorGranted",
    "FloorRequest",
    "FloorRequested",
    "GiveFloor",
    "GrantFloor",
    "MoveRequest",
    "OpenSegment",
    "Queue",
    "RequestAllotmentSet",
    "RequestFloor",
    "RequestMoved",
    "RequestWithdrawn",
    "RequestsClosed",
    "RoomState",
    "SetRequestAllotment",
    "Tick",
    "WithdrawRequest",
    "apply",
    "evolve",
    "next_deadline",
    "replay",
]
