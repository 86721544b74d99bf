"""What happened in a room (past tense): the queue's events and the full union.

Every event carries the instant it took effect (``at``, UTC epoch seconds).
Events that take a request out of the queue carry the request itself, so
that the record (R1) is a fold over events and needs no other table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.queue.requests import FloorRequest
from app.timing.allotment import Allotment, SpeechEvent
from app.timing.programme import ProgrammeEvent


class ClosedBecause(StrEnum):
    PHASE_ENDED = "phase_ended"  # A3: no later phase would hear it
    SEGMENT_CLOSED = "segment_closed"
    QUEUE_CLEARED = "queue_cleared"  # the moderator cleared the queue (ClearQueue)


@dataclass(frozen=True, slots=True)
class FloorRequested:
    at: float
    request: FloorRequest


@dataclass(frozen=True, slots=True)
class RequestWithdrawn:
    at: float
    request: FloorRequest


@dataclass(frozen=True, slots=True)
class RequestMoved:
    """A moderator's override of the order (P2)."""

    at: float
    request_id: str
    to: int


@dataclass(frozen=True, slots=True)
class RequestAllotmentSet:
    at: float
    request_id: str
    seconds: float


@dataclass(frozen=True, slots=True)
class RequestsClosed:
    """Requests closed as not heard (A3); they stay in the record (R1, R2)."""

    at: float
    requests: tuple[FloorRequest, ...]
    reason: ClosedBecause


@dataclass(frozen=True, slots=True)
class FloorGranted:
    """The floor is given; the allotment is decided (T2) and fixed at start."""

    at: float
    allotment: Allotment
    programme_index: int | None = None  # the programme speaker's place in the phase


QueueEvent = (
    FloorRequested
    | RequestWithdrawn
    | RequestMoved
    | RequestAllotmentSet
    | RequestsClosed
    | FloorGranted
)

Event = QueueEvent | SpeechEvent | ProgrammeEvent
