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
    StrikeRequest,
    Tick,
    Undo,
    WithdrawRequest,
)
from app.queue.events import (
    ClosedBecause,
    Event,
    FloorGranted,
    FloorRequested,
    FloorRestored,
    RequestAllotmentSet,
    RequestMoved,
    RequestReturned,
    RequestsClosed,
    RequestStruck,
    RequestWithdrawn,
)
from app.queue.floor import Decision, RoomState, apply, evolve, next_deadline, replay
from app.queue.requests import FloorRequest, Queue
from app.queue.undo import Floor, UndoPoint

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
    "Floor",
    "FloorRequested",
    "FloorRestored",
    "GiveFloor",
    "GrantFloor",
    "MoveRequest",
    "OpenSegment",
    "Queue",
    "RequestAllotmentSet",
    "RequestFloor",
    "RequestMoved",
    "RequestReturned",
    "RequestStruck",
    "RequestWithdrawn",
    "RequestsClosed",
    "RoomState",
    "SetRequestAllotment",
    "StrikeRequest",
    "Tick",
    "Undo",
    "UndoPoint",
    "WithdrawRequest",
    "apply",
    "evolve",
    "next_deadline",
    "replay",
]
