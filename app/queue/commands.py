"""What a moderator, a delegate or the scheduler asks of a room (imperative).

Speech commands (start, pause, resume, extend, end, set the allotment) live
with the speaker's clock in ``app.timing.allotment`` and are accepted here
unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.timing.allotment import Speaker, SpeechCommand
from app.timing.plan import SegmentPlan


@dataclass(frozen=True, slots=True)
class OpenSegment:
    """Open a segment in the room; its first phase starts now (C1, C2)."""

    plan: SegmentPlan


@dataclass(frozen=True, slots=True)
class ClosePhase:
    """End the current phase (A3: the speaker on the floor finishes first)."""


@dataclass(frozen=True, slots=True)
class CloseSegment:
    """End the segment: the speech ends, waiting requests close as not heard."""


@dataclass(frozen=True, slots=True)
class ClearQueue:
    """Close every waiting request as not heard (R1: the record keeps them).

    The speaker on the floor and the phase are untouched; an empty queue is
    not an error.
    """


@dataclass(frozen=True, slots=True)
class RequestFloor:
    """A delegation asks for the floor (P6, P7)."""

    delegation: Speaker
    on_behalf: bool = False  # entered by the moderator: never refused for eligibility
    inscribed: bool = False  # pre-loaded list (P7)


@dataclass(frozen=True, slots=True)
class WithdrawRequest:
    """A delegation takes back its open request; nothing to withdraw is not an error."""

    delegation_id: str


@dataclass(frozen=True, slots=True)
class GrantFloor:
    """Give the floor: the next speaker by the rules, or a named request (override)."""

    request_id: str | None = None
    seconds: float | None = None  # the moderator's allotment (override)


@dataclass(frozen=True, slots=True)
class GiveFloor:
    """Give the floor to someone the queue does not hold (a chair, an ad hoc speaker)."""

    name: str
    seconds: float | None = None


@dataclass(frozen=True, slots=True)
class MoveRequest:
    """Put a waiting request at another place (0 = next); recorded as an override (P2)."""

    request_id: str
    to: int


@dataclass(frozen=True, slots=True)
class SetRequestAllotment:
    """Fix the allotment a waiting request will get (override, T2)."""

    request_id: str
    seconds: float


@dataclass(frozen=True, slots=True)
class Tick:
    """Sent by the scheduler at a deadline: warnings, time up, phase ends (T5, A3)."""


FloorCommand = (
    OpenSegment
    | ClosePhase
    | CloseSegment
    | ClearQueue
    | RequestFloor
    | WithdrawRequest
    | GrantFloor
    | GiveFloor
    | MoveRequest
    | SetRequestAllotment
    | Tick
)

Command = FloorCommand | SpeechCommand
