"""What happened in a room (past tense): the queue's events and the full union.

Every event carries the instant it took effect (``at``, UTC epoch seconds).
Events that take a request out of the queue carry the request itself, so
that the record (R1) is a fold over events and needs no other table. An
undo (M3) is an event too, ``FloorRestored``: it carries the floor it brings
back, so that the fold needs nothing but the events, and the undone events
stay in the record as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.queue.requests import FloorRequest, Queue
from app.timing.allotment import Allotment, SpeechEvent
from app.timing.programme import ProgrammeEvent, SegmentRun


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
class RequestStruck:
    """M4: the moderator removed the request, with a reason; recorded as not heard."""

    at: float
    request: FloorRequest
    reason: str


@dataclass(frozen=True, slots=True)
class RequestReturned:
    """M5: the floor went to someone else before this granted speaker started; the
    request is back at the head of the queue, as it was."""

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
    replacing: str | None = None  # "next speaker": whose speech this grant ended or returned


@dataclass(frozen=True, slots=True)
class FloorRestored:
    """M3: the last change of the floor (``undone``, in the moderator's words) is
    undone; the floor is back as it was: the phase, the speaker, the queue."""

    at: float
    undone: str
    segment: SegmentRun
    speech: Allotment | None
    queue: Queue


QueueEvent = (
    FloorRequested
    | RequestWithdrawn
    | RequestStruck
    | RequestReturned
    | RequestMoved
    | RequestAllotmentSet
    | RequestsClosed
    | FloorGranted
    | FloorRestored
)

Event = QueueEvent | SpeechEvent | ProgrammeEvent
