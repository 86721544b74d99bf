"""What a moderator, a delegate or the scheduler asks of a room (imperative).

Speech commands (start, pause, resume, extend, end, set the allotment) live
with the speaker's clock in ``app.timing.allotment`` and are accepted here
unchanged.

M1: a command that changes the floor may name what the console saw when the
moderator tapped: ``expected_speaker`` (the speaker id on the floor, or ""
for a free floor), ``request_id`` (the request it acts on), ``segment_id``
and ``phase_key``. Each defaults to None, not checked; when given and no
longer true, the engine refuses the command (``FloorChanged``) and says what
changed, rather than apply it to something else.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.queue.requests import Stance, Tier
from app.timing.allotment import Speaker, SpeechCommand
from app.timing.plan import SegmentPlan, YieldKind


@dataclass(frozen=True, slots=True)
class OpenSegment:
    """Open a segment in the room; its first phase starts now (C1, C2)."""

    plan: SegmentPlan


@dataclass(frozen=True, slots=True)
class ClosePhase:
    """End the current phase (A3: the speaker on the floor finishes first); undoable (M3)."""

    phase_key: str | None = None  # M1: the phase the console showed
    segment_id: str | None = None


@dataclass(frozen=True, slots=True)
class CloseSegment:
    """End the segment: the speech ends, waiting requests close as not heard."""

    segment_id: str | None = None  # M1: the segment the console showed


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
    stance: Stance = Stance.NONE  # O8: pro or contra, where the meeting debates so
    speaks_for: str | None = None  # O7: on behalf of this group (a longer allotment)


@dataclass(frozen=True, slots=True)
class WithdrawRequest:
    """A delegation takes back its open request; nothing to withdraw is not an error (M2).

    With ``request_id`` (M1) only that request is withdrawn: if it has been granted
    meanwhile the command is refused, if it has left the queue otherwise nothing
    happens, and a newer request of the delegation is never touched."""

    delegation_id: str
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class GrantFloor:
    """Give the floor: the next speaker by the rules, or a named request (override)."""

    request_id: str | None = None
    seconds: float | None = None  # the moderator's allotment (override)
    expected_speaker: str | None = None  # M1: who had the floor ("" for no one)


@dataclass(frozen=True, slots=True)
class GiveFloor:
    """Give the floor to someone the queue does not hold (a chair, an ad hoc speaker)."""

    name: str
    seconds: float | None = None
    expected_speaker: str | None = None  # M1


@dataclass(frozen=True, slots=True)
class StrikeRequest:
    """M4: remove one waiting request, with the moderator's reason (not heard, struck)."""

    request_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Undo:
    """M3: undo the last change of the floor, within the meeting's window, if nothing
    has changed since."""

    expected_speaker: str | None = None  # M1: who had the floor ("" for no one)


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
class RaisePointOfOrder:
    """O1: a delegation raises a point of order, from its phone or through the chair
    (``on_behalf``); it goes before every request. A second press changes nothing."""

    delegation: Speaker
    on_behalf: bool = False


@dataclass(frozen=True, slots=True)
class HearPointOfOrder:
    """O1: give the floor to the first point of order raised (or ``point_id``). By
    default the speaker on the floor is paused and held; the meeting's rules may
    instead make the point wait for the end of the speech."""

    point_id: str | None = None  # M1: the point the console showed
    expected_speaker: str | None = None  # M1: who had the floor ("" for no one)


@dataclass(frozen=True, slots=True)
class RulePointOfOrder:
    """O1: the chair's ruling on the point of order being heard (recorded as text);
    the speaker it interrupted is back on the floor, paused, with the seconds they had."""

    ruling: str
    expected_speaker: str | None = None  # M1: the raiser on the floor


@dataclass(frozen=True, slots=True)
class CloseSpeakersList:
    """O3: close a phase's list of speakers (the current one by default): only the
    chair adds to it; points of order and replies are still taken."""

    phase_key: str | None = None  # M1: the phase the console showed


@dataclass(frozen=True, slots=True)
class ReopenSpeakersList:
    """O3: reopen a phase's closed list; delegations may ask again."""

    phase_key: str | None = None


@dataclass(frozen=True, slots=True)
class RequestReply:
    """O2: a delegation asks for a right of reply, from its phone or through the chair
    (``on_behalf``); its own list, apart from the speakers'. A second press changes
    nothing; past the meeting's number of replies it is refused."""

    delegation: Speaker
    on_behalf: bool = False


@dataclass(frozen=True, slots=True)
class WithdrawReply:
    """O2: a delegation takes back its waiting reply; nothing to withdraw is not an error
    (M2). With ``reply_id`` (M1) only that reply."""

    delegation_id: str
    reply_id: str | None = None


@dataclass(frozen=True, slots=True)
class CallReplies:
    """O2: the chair takes the replies now: "next speaker" gives the floor to the first
    reply waiting, then the next, until none waits. A repeat changes nothing (M2)."""


@dataclass(frozen=True, slots=True)
class AskInterposedQuestion:
    """O8: a delegation asks to put a question to the speaker on the floor (at most the
    meeting's cap, ``seconds`` if shorter); the chair asks the speaker. A second press
    of a waiting question changes nothing."""

    delegation: Speaker
    seconds: float | None = None  # None: the meeting's cap
    on_behalf: bool = False
    expected_speaker: str | None = None  # M1: the speaker the question is put to


@dataclass(frozen=True, slots=True)
class ConsentToQuestion:
    """O8: the speaker consents (the chair records it): the speaker's clock stops, held,
    and the questioner has the floor; ending it puts the speaker back with its seconds."""

    question_id: str | None = None  # M1: the question the console showed
    expected_speaker: str | None = None  # M1: the speaker on the floor


@dataclass(frozen=True, slots=True)
class DeclineQuestion:
    """O8: the speaker declines (the chair records it): the question is dropped."""

    question_id: str | None = None  # M1


@dataclass(frozen=True, slots=True)
class Inscribe:
    """O4: inscribe a delegation on a segment's list, within its window (``plan.inscription``),
    at its level of representation; from its own page or by the secretariat."""

    plan: SegmentPlan
    delegation: Speaker
    tier: Tier
    by_secretariat: bool = False


@dataclass(frozen=True, slots=True)
class WithdrawInscription:
    """O4: take a delegation off a segment's list before the segment opens; nothing to
    withdraw is not an error (M2)."""

    segment_id: str
    delegation_id: str


@dataclass(frozen=True, slots=True)
class SwapInscriptions:
    """O4: two inscribed speakers of one tier swap places (the secretariat approves)."""

    segment_id: str
    first: str  # delegation ids
    second: str


@dataclass(frozen=True, slots=True)
class DrawLots:
    """O6: draw the order within a tier by lot, or ``keep`` of its applicants; ``seed`` is
    chosen outside the engine and published with the result."""

    segment_id: str
    tier: Tier
    seed: str
    keep: int | None = None  # K of N: only the first ``keep`` drawn stay inscribed


@dataclass(frozen=True, slots=True)
class MarkAbsent:
    """O5: the chair called an inscribed speaker who is not there (waiting, or granted
    and not started): the first time it moves to the end of its tier, then it is dropped."""

    request_id: str


@dataclass(frozen=True, slots=True)
class YieldFloor:
    """O11: the speaker on the floor (``expected_speaker``, M1: the console sends it for
    them) yields the time it has left: to another delegate (``to``), to questions or to
    the chair. Once per speech, only a speech of the speakers' list, only with time left."""

    kind: YieldKind
    expected_speaker: str
    to: Speaker | None = None  # the delegate yielded to (kind DELEGATE)


@dataclass(frozen=True, slots=True)
class CallQuestioner:
    """O11: after a yield to questions, the chair calls a questioner: the speaker's clock
    stops and is held, the questioner speaks from the budget left; ending the question
    gives the speaker back the budget less the question's seconds."""

    delegation: Speaker
    expected_speaker: str | None = None  # M1: the speaker who yielded


@dataclass(frozen=True, slots=True)
class OpenCaucus:
    """O11: open a moderated caucus on ``topic``; its total time and time per speaker are
    the meeting's defaults unless given. The speakers' list waits meanwhile."""

    topic: str
    seconds: float | None = None
    speaker_seconds: float | None = None
    expected_speaker: str | None = None  # M1: "" for the free floor the console showed


@dataclass(frozen=True, slots=True)
class CallCaucusSpeaker:
    """O11: the chair calls a delegation in the moderated caucus: the speech on the floor
    ends, and it speaks at most the time per speaker, never past the caucus's end."""

    delegation: Speaker
    expected_speaker: str | None = None  # M1


@dataclass(frozen=True, slots=True)
class CloseCaucus:
    """O11: the chair closes the moderated caucus (its speech on the floor ends); the
    speakers' list resumes. With no caucus running it changes nothing (M2)."""

    expected_speaker: str | None = None  # M1


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
    | StrikeRequest
    | Undo
    | RaisePointOfOrder
    | HearPointOfOrder
    | RulePointOfOrder
    | CloseSpeakersList
    | ReopenSpeakersList
    | RequestReply
    | WithdrawReply
    | CallReplies
    | Inscribe
    | WithdrawInscription
    | SwapInscriptions
    | DrawLots
    | MarkAbsent
    | AskInterposedQuestion
    | ConsentToQuestion
    | DeclineQuestion
    | YieldFloor
    | CallQuestioner
    | OpenCaucus
    | CallCaucusSpeaker
    | CloseCaucus
    | Tick
)

Command = FloorCommand | SpeechCommand
