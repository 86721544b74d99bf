"""What happened in a room (past tense): the queue's events and the full union.

Every event carries the instant it took effect (``at``, UTC epoch seconds).
Events that take a request out of the queue carry the request itself, so
that the record (R1) is a fold over events and needs no other table. An
undo (M3) is an event too, ``FloorRestored``: it carries the floor it brings
back, so that the fold needs nothing but the events, and the undone events
stay in the record as they were.

The module is longer than 400 lines on purpose: the events are the record's
vocabulary (R1), one frozen dataclass each, and the union ``Event`` that the
store's registry reads must list them in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.queue.requests import (
    Caucus,
    FloorRequest,
    Inscription,
    InterposedQuestion,
    PointOfOrder,
    Queue,
    Reply,
    Tier,
)
from app.timing.allotment import Allotment, Speaker, SpeechEvent
from app.timing.plan import ContingentPer, YieldKind
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
    held: Allotment | None = None  # O1: the speech a point of order on the floor interrupted


@dataclass(frozen=True, slots=True)
class PointOfOrderRaised:
    """O1: a point of order joins its own list, ahead of every request."""

    at: float
    point: PointOfOrder


@dataclass(frozen=True, slots=True)
class PointOfOrderHeard:
    """O1: the raiser has the floor with the procedural cap (``allotment``); the speech
    it interrupted (``interrupted``, paused with its seconds left) is held until the
    ruling."""

    at: float
    point: PointOfOrder
    allotment: Allotment  # basis POINT_OF_ORDER
    interrupted: Allotment | None  # None: the floor was free
    replacing: str | None = None  # "next speaker": whose speech ended first (M3 reads it)


@dataclass(frozen=True, slots=True)
class PointOfOrderRuled:
    """O1: the chair's ruling, as text; ``resumed`` (the interrupted speech, exactly as
    it was held) is back on the floor for the moderator to resume."""

    at: float
    point_id: str
    raised_by: Speaker
    raised_at: float
    ruling: str
    spoken: float  # the procedural intervention's seconds (not the speaker's, R1)
    resumed: Allotment | None


@dataclass(frozen=True, slots=True)
class SpeakersListClosed:
    """O3: the chair closed the phase's list of speakers."""

    at: float
    phase_key: str


@dataclass(frozen=True, slots=True)
class SpeakersListReopened:
    """O3: the chair reopened it."""

    at: float
    phase_key: str


@dataclass(frozen=True, slots=True)
class ReplyRequested:
    """O2: a right of reply joins its own list, apart from the speakers' list."""

    at: float
    reply: Reply


@dataclass(frozen=True, slots=True)
class ReplyWithdrawn:
    """O2: the delegation took back its waiting reply."""

    at: float
    reply: Reply


@dataclass(frozen=True, slots=True)
class RepliesCalled:
    """O2: the chair called the replies: "next speaker" takes them now."""

    at: float


@dataclass(frozen=True, slots=True)
class ReplyReturned:
    """O2, M5: the floor went to someone else before this reply started; the reply is
    back at the head of the replies, as it was."""

    at: float
    reply: Reply


@dataclass(frozen=True, slots=True)
class RepliesClosed:
    """O2: replies still waiting when the segment closed (not heard, R1)."""

    at: float
    replies: tuple[Reply, ...]
    reason: ClosedBecause


@dataclass(frozen=True, slots=True)
class Inscribed:
    """O4: the acknowledgement of an inscription (``title``: the segment's)."""

    at: float
    segment_id: str
    title: str
    inscription: Inscription


@dataclass(frozen=True, slots=True)
class InscriptionWithdrawn:
    at: float
    segment_id: str
    inscription: Inscription


@dataclass(frozen=True, slots=True)
class InscriptionsSwapped:
    """O4: two speakers of one tier swapped places, with the secretariat's approval."""

    at: float
    segment_id: str
    first: str  # delegation ids
    second: str


@dataclass(frozen=True, slots=True)
class LotsDrawn:
    """O6: a draw of lots within a tier, published: ``drawn_order(candidates, seed)``
    gives ``drawn``; the ``not_drawn`` (K of N) leave the list."""

    at: float
    segment_id: str
    tier: Tier
    seed: str
    candidates: tuple[str, ...]  # the tier's delegation ids, sorted: the draw's input
    drawn: tuple[str, ...]  # the order drawn, the ones kept
    not_drawn: tuple[Inscription, ...] = ()


@dataclass(frozen=True, slots=True)
class InscribedSpeakerAbsent:
    """O5: called and absent the first time: the request moves to the end of its tier
    (``place``); ``called``: it had the floor, not yet started, which is free again."""

    at: float
    request: FloorRequest
    place: int
    called: bool = False


@dataclass(frozen=True, slots=True)
class InscribedSpeakerDropped:
    """O5: absent a second time: the request leaves the queue, recorded as not heard."""

    at: float
    request: FloorRequest
    called: bool = False


@dataclass(frozen=True, slots=True)
class InterposedQuestionAsked:
    """O8: a question to the speaker on the floor waits for the speaker's answer."""

    at: float
    question: InterposedQuestion


@dataclass(frozen=True, slots=True)
class QuestionDeclined:
    """O8: the speaker declined the question (or it lapsed with the speech)."""

    at: float
    question: InterposedQuestion


@dataclass(frozen=True, slots=True)
class QuestionConsented:
    """O8: the speaker consented: the questioner has the floor (``allotment``, basis
    QUESTION); the speech (``interrupted``, paused with its seconds) is held."""

    at: float
    question: InterposedQuestion
    allotment: Allotment
    interrupted: Allotment


@dataclass(frozen=True, slots=True)
class QuestionEnded:
    """O8: the question is over (ended, or its time up); ``resumed``, the held speech
    exactly as held, is back on the floor for the moderator to resume."""

    at: float
    question_id: str
    asked_by: Speaker
    asked_at: float
    spoken: float  # the question's seconds (not the speaker's, R1)
    resumed: Allotment


QuestionEvent = InterposedQuestionAsked | QuestionDeclined | QuestionConsented | QuestionEnded


class ContingentShort(StrEnum):
    """O9: why a group's contingent is announced short."""

    SHORT = "short"  # at a grant: less left than the allotment (the profile warns)
    OVERDRAWN = "overdrawn"  # at a speech's end: the draw left it below zero


@dataclass(frozen=True, slots=True)
class ContingentDrawn:
    """O9: a member's speech ended; its spoken seconds are drawn from its group's budget."""

    at: float
    group: str
    per: ContingentPer
    delegation_id: str
    seconds: float  # spoken
    left: float  # the group's seconds left after it


@dataclass(frozen=True, slots=True)
class ContingentWarned:
    """O9: a group is short of time: ``left`` (before the speech at a grant, after the
    draw when overdrawn) against ``needed`` (the allotment, or the seconds spoken)."""

    at: float
    group: str
    delegation_id: str
    left: float
    needed: float
    reason: ContingentShort


ContingentEvent = ContingentDrawn | ContingentWarned


@dataclass(frozen=True, slots=True)
class FloorYielded:
    """O11: the speaker ``by`` yielded the ``seconds`` it had left. To a delegate: its
    speech ended just before (``SpeechEnded``) and ``allotment`` (basis YIELDED, exactly
    those seconds) is ``to``'s, on the floor; to the chair: its speech ended and the time
    lapsed; to questions: the speech stays on the floor, its clock the chair's budget."""

    at: float
    kind: YieldKind
    by: Speaker
    request_id: str | None  # the yielder's request (its line in the record)
    seconds: float
    to: Speaker | None = None
    allotment: Allotment | None = None


class CaucusEnd(StrEnum):
    """O11: why a moderated caucus ended."""

    TIME_UP = "time_up"  # its total time is spent (the engine ends it at the deadline)
    CHAIR = "chair"  # the chair closed it
    PHASE_ENDED = "phase_ended"
    SEGMENT_CLOSED = "segment_closed"


@dataclass(frozen=True, slots=True)
class CaucusOpened:
    """O11: the chair opened a moderated caucus; the speakers' list waits meanwhile."""

    at: float
    caucus: Caucus


@dataclass(frozen=True, slots=True)
class CaucusClosed:
    """O11: the caucus ended (``caucus`` as it stood: its speakers and seconds spoken);
    the speakers' list resumes."""

    at: float
    caucus: Caucus
    reason: CaucusEnd


ModelUnEvent = FloorYielded | CaucusOpened | CaucusClosed

InscriptionEvent = Inscribed | InscriptionWithdrawn | InscriptionsSwapped | LotsDrawn

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
    | PointOfOrderRaised
    | PointOfOrderHeard
    | PointOfOrderRuled
    | SpeakersListClosed
    | SpeakersListReopened
    | ReplyRequested
    | ReplyWithdrawn
    | RepliesCalled
    | ReplyReturned
    | RepliesClosed
    | InscriptionEvent
    | InscribedSpeakerAbsent
    | InscribedSpeakerDropped
    | QuestionEvent
    | ContingentEvent
    | ModelUnEvent
)

Event = QueueEvent | SpeechEvent | ProgrammeEvent
