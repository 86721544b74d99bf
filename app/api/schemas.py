"""Wire schemas: HTTP bodies and answers. Each command variant becomes an engine command.

A command's answer is the store's ``CommandAck`` (``app.room.store``),
returned by the routes as it is; the list of screens is ``ScreenOut``, made
from the hub's ``Screen`` in one place (``ScreenOut.of``).

Every command carries a ``command_id`` chosen by the client (a UUID is
fine): a retry with the same id is answered, never applied twice.

The module is longer than 400 lines on purpose: every command body a route
takes is here, one discriminated union per route, so that the wire's whole
vocabulary (and the checks at its edge) reads in one place beside the
protocol document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.access.guard import MAX_ID
from app.access.roles import Role
from app.db.engine import DatabaseState
from app.meeting.names import Name
from app.queue import (
    AskInterposedQuestion,
    CallCaucusSpeaker,
    CallQuestioner,
    CallReplies,
    ClearQueue,
    CloseCaucus,
    ClosePhase,
    CloseSegment,
    CloseSpeakersList,
    ConsentToQuestion,
    DeclineQuestion,
    GiveFloor,
    GrantFloor,
    HearPointOfOrder,
    MarkAbsent,
    MoveRequest,
    OpenCaucus,
    ReopenSpeakersList,
    RequestFloor,
    RulePointOfOrder,
    SetRequestAllotment,
    Stance,
    StrikeRequest,
    Tier,
    Undo,
    WithdrawReply,
    WithdrawRequest,
    YieldFloor,
)
from app.room.store import CommandAck
from app.timing import (
    EndSpeech,
    ExtendSpeech,
    PauseSpeech,
    ResumeSpeech,
    SetAllotment,
    Speaker,
    StartSpeech,
    YieldKind,
)
from app.timing.allotment import SpeechCommand

if TYPE_CHECKING:
    from app.live.hub import Screen
    from app.queue import LotsDrawn

Seconds = Annotated[float, Field(gt=0, le=4 * 3600, description="seconds, more than 0")]
#: A delegation's code, as registered for the meeting ("MEX").
DelegationCode = Annotated[str, Field(min_length=1, max_length=32)]
#: The programme's integer id of a segment (``open_segment``, the inscriptions); an id past
#: the database's 64-bit ids is refused here, not by the driver (a 500).
SegmentId = Annotated[
    int, Field(ge=1, le=MAX_ID, description="the programme's integer id of the segment")
]


class BodyIn(BaseModel):
    """Every JSON body: an unknown field is refused, and nothing is coerced.

    A boolean is not a number (``"seconds": true`` is not 1 s), nor a string
    one; a number is not a boolean. A JSON integer still fills a float field.
    An enum field that takes its value as a string says ``Field(strict=False)``.
    """

    model_config = ConfigDict(extra="forbid", strict=True)


class CommandIn(BodyIn):
    command_id: str = Field(
        min_length=8,
        max_length=80,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="chosen by the client; a retry with the same id is not applied twice",
    )

    @field_validator("command_id")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value.startswith("tick:"):
            raise ValueError("command ids starting with 'tick:' are reserved for the clock")
        return value


# -- the speaker's clock -----------------------------------------------------

#: M1: the speaker the console showed on the floor (``speech.speaker.id``), "" for a free
#: floor; the command is refused (409) if someone else has the floor now. None: not checked.
ExpectedSpeaker = Annotated[
    str | None,
    Field(max_length=300, description="the speech.speaker.id the console showed; '' for none"),
]


class SpeechIn(CommandIn):
    """A command of the speaker's clock, decided on the speaker the console showed (M1)."""

    expected_speaker: ExpectedSpeaker = None


class StartIn(SpeechIn):
    type: Literal["start"]

    def to_command(self) -> SpeechCommand:
        return StartSpeech(self.expected_speaker)


class PauseIn(SpeechIn):
    type: Literal["pause"]

    def to_command(self) -> SpeechCommand:
        return PauseSpeech(self.expected_speaker)


class ResumeIn(SpeechIn):
    type: Literal["resume"]

    def to_command(self) -> SpeechCommand:
        return ResumeSpeech(self.expected_speaker)


class ExtendIn(SpeechIn):
    type: Literal["extend"]
    seconds: Seconds

    def to_command(self) -> SpeechCommand:
        return ExtendSpeech(self.seconds, self.expected_speaker)


class EndIn(SpeechIn):
    type: Literal["end"]

    def to_command(self) -> SpeechCommand:
        return EndSpeech(self.expected_speaker)


class SetAllotmentIn(SpeechIn):
    type: Literal["set_allotment"]
    seconds: Seconds

    def to_command(self) -> SpeechCommand:
        return SetAllotment(self.seconds, self.expected_speaker)


SpeechCommandIn = Annotated[
    StartIn | PauseIn | ResumeIn | ExtendIn | EndIn | SetAllotmentIn,
    Field(discriminator="type"),
]

# -- the programme ---------------------------------------------------------------


class OpenSegmentIn(CommandIn):
    type: Literal["open_segment"]
    segment_id: SegmentId


#: M1: the segment the console showed, as the view names it (``segment.id``, a string;
#: ``open_segment``'s ``segment_id`` is the programme's integer id of the same segment).
ShownSegment = Annotated[
    str | None, Field(max_length=80, description="the view's segment.id the console showed")
]


class ClosePhaseIn(CommandIn):
    type: Literal["close_phase"]
    phase_key: str | None = Field(
        default=None, max_length=80, description="the view's segment.phase.key (M1)"
    )
    segment_id: ShownSegment = None

    def to_command(self) -> ClosePhase:
        return ClosePhase(self.phase_key, self.segment_id)


class CloseSegmentIn(CommandIn):
    type: Literal["close_segment"]
    segment_id: ShownSegment = None

    def to_command(self) -> CloseSegment:
        return CloseSegment(self.segment_id)


ProgrammeCommandIn = Annotated[
    OpenSegmentIn | ClosePhaseIn | CloseSegmentIn, Field(discriminator="type")
]

# -- the floor (moderator) -------------------------------------------------------


class GrantIn(CommandIn):
    """Next speaker (no ``request_id``) or a named request; ends the speech on the floor."""

    type: Literal["grant"]
    request_id: str | None = Field(default=None, max_length=80)
    seconds: Seconds | None = None
    expected_speaker: ExpectedSpeaker = None

    def to_command(self) -> GrantFloor:
        return GrantFloor(self.request_id, self.seconds, self.expected_speaker)


class GiveIn(CommandIn):
    type: Literal["give"]
    name: Name = Field(min_length=1, max_length=200)
    seconds: Seconds | None = None
    expected_speaker: ExpectedSpeaker = None

    def to_command(self) -> GiveFloor:
        return GiveFloor(self.name, self.seconds, self.expected_speaker)


class StrikeIn(CommandIn):
    """M4: remove one waiting request, saying why; recorded as not heard, struck."""

    type: Literal["strike"]
    request_id: str = Field(max_length=80)
    reason: str = Field(min_length=1, max_length=200)

    def to_command(self) -> StrikeRequest:
        return StrikeRequest(self.request_id, self.reason)


class UndoIn(CommandIn):
    """M3: undo the last change of the floor, within the meeting's window."""

    type: Literal["undo"]
    expected_speaker: ExpectedSpeaker = None

    def to_command(self) -> Undo:
        return Undo(self.expected_speaker)


class MoveIn(CommandIn):
    type: Literal["move"]
    request_id: str = Field(max_length=80)
    to: int = Field(ge=0, le=10_000, description="0 is next")

    def to_command(self) -> MoveRequest:
        return MoveRequest(self.request_id, self.to)


class SetRequestAllotmentIn(CommandIn):
    type: Literal["set_request_allotment"]
    request_id: str = Field(max_length=80)
    seconds: Seconds

    def to_command(self) -> SetRequestAllotment:
        return SetRequestAllotment(self.request_id, self.seconds)


class SpeechKindIn(BaseModel):
    """O7, O8: what a request says of its speech, whoever enters it (a delegate's own
    ``request``, the moderator's ``add_request``): one set of fields, one validation."""

    stance: Literal["pro", "contra"] | None = Field(
        default=None, description="O8: pro or contra; none: a plain contribution"
    )
    speaks_for: Name | None = Field(
        default=None,
        min_length=1,
        max_length=80,
        description="O7: the group the statement is on behalf of (e.g. 'African Group')",
    )

    def request_of(
        self, who: Speaker, *, on_behalf: bool = False, inscribed: bool = False
    ) -> RequestFloor:
        """The engine's request, with this body's stance and group."""
        stance = Stance.NONE if self.stance is None else Stance(self.stance)
        return RequestFloor(
            who,
            on_behalf=on_behalf,
            inscribed=inscribed,
            stance=stance,
            speaks_for=self.speaks_for,
        )


class AddRequestIn(SpeechKindIn, CommandIn):
    """A request entered by the moderator on a delegation's behalf (P7), pro or contra
    (O8) or for a group (O7), as the delegation's own would be."""

    type: Literal["add_request"]
    delegation: str = Field(min_length=1, max_length=32)
    inscribed: bool = False

    def to_command(self, who: Speaker) -> RequestFloor:
        return self.request_of(who, on_behalf=True, inscribed=self.inscribed)


class ClearQueueIn(CommandIn):
    """Close every waiting request as not heard; the record keeps them (R1)."""

    type: Literal["clear_queue"]

    def to_command(self) -> ClearQueue:
        return ClearQueue()


# -- the procedure: points of order (O1) and closed lists (O3) ---------------------

#: The most characters a ruling on a point of order may have (O1: recorded as text).
RULING_MAX = 500
#: A phase key the console showed (``segment.phase.key``, ``procedure.lists[].key``).
PhaseKey = Annotated[str | None, Field(max_length=80, description="a phase's key (M1)")]


class HearPointIn(CommandIn):
    """O1: hear the first point of order waiting, or ``point_id``; the speech is held."""

    type: Literal["hear_point"]
    point_id: str | None = Field(default=None, max_length=80)
    expected_speaker: ExpectedSpeaker = None

    def to_command(self) -> HearPointOfOrder:
        return HearPointOfOrder(self.point_id, self.expected_speaker)


class RulePointIn(CommandIn):
    """O1: the chair's ruling, recorded as text; the held speech is back, paused."""

    type: Literal["rule_point"]
    ruling: Name = Field(
        min_length=1,
        max_length=RULING_MAX,
        description="the chair's ruling, one line of text (recorded, shown on the record)",
    )
    expected_speaker: ExpectedSpeaker = None

    def to_command(self) -> RulePointOfOrder:
        return RulePointOfOrder(self.ruling, self.expected_speaker)


class CloseListIn(CommandIn):
    """O3: close a phase's list of speakers (the current one by default)."""

    type: Literal["close_list"]
    phase_key: PhaseKey = None

    def to_command(self) -> CloseSpeakersList:
        return CloseSpeakersList(self.phase_key)


class ReopenListIn(CommandIn):
    """O3: reopen a phase's closed list of speakers (the current one by default)."""

    type: Literal["reopen_list"]
    phase_key: PhaseKey = None

    def to_command(self) -> ReopenSpeakersList:
        return ReopenSpeakersList(self.phase_key)


class CallRepliesIn(CommandIn):
    """O2: the chair takes the rights of reply now: "next speaker" gives them the floor."""

    type: Literal["call_replies"]

    def to_command(self) -> CallReplies:
        return CallReplies()


class MarkAbsentIn(CommandIn):
    """O5: the chair called an inscribed speaker who is not there: the first time it goes
    to the end of its level, the second time it is dropped (recorded as not heard)."""

    type: Literal["mark_absent"]
    request_id: str = Field(max_length=80)

    def to_command(self) -> MarkAbsent:
        return MarkAbsent(self.request_id)


class ConsentToQuestionIn(CommandIn):
    """O8: the speaker consents to the first question waiting (or ``question_id``): its
    clock stops, held, and the questioner has the floor; ``end`` on the speech ends the
    question and gives the speaker back its seconds."""

    type: Literal["consent_to_question"]
    question_id: str | None = Field(default=None, max_length=80)
    expected_speaker: ExpectedSpeaker = None

    def to_command(self) -> ConsentToQuestion:
        return ConsentToQuestion(self.question_id, self.expected_speaker)


class DeclineQuestionIn(CommandIn):
    """O8: the speaker declines the first question waiting (or ``question_id``): dropped."""

    type: Literal["decline_question"]
    question_id: str | None = Field(default=None, max_length=80)

    def to_command(self) -> DeclineQuestion:
        return DeclineQuestion(self.question_id)


# -- Model UN (O11): yields and moderated caucuses ----------------------------------------

#: The most characters a caucus's topic may have (shown on the screens).
TOPIC_MAX = 200


class YieldIn(CommandIn):
    """O11: the speaker on the floor yields its time left, sent by the console for it:
    ``expected_speaker`` (M1) names the speaker; ``to`` the delegate of a yield to one."""

    type: Literal["yield"]
    kind: Literal["delegate", "questions", "chair"]
    to: DelegationCode | None = Field(
        default=None, description="the delegation yielded to (kind 'delegate' only)"
    )
    expected_speaker: str = Field(
        min_length=1, max_length=300, description="the speech.speaker.id of the yielder"
    )

    @model_validator(mode="after")
    def _to_a_delegate_only(self) -> YieldIn:
        if (self.kind == "delegate") != (self.to is not None):
            raise ValueError("'to' names the delegate of a yield to a delegate, and only then")
        return self

    def to_command(self, to: Speaker | None) -> YieldFloor:
        return YieldFloor(YieldKind(self.kind), self.expected_speaker, to)


class CallQuestionerIn(CommandIn):
    """O11: after a yield to questions, call ``delegation`` to put its question: the
    speaker's clock stops; ``end`` on the speech ends the question."""

    type: Literal["call_questioner"]
    delegation: DelegationCode
    expected_speaker: ExpectedSpeaker = None

    def to_command(self, who: Speaker) -> CallQuestioner:
        return CallQuestioner(who, self.expected_speaker)


class OpenCaucusIn(CommandIn):
    """O11: open a moderated caucus on ``topic``; its total and per-speaker times are the
    meeting's defaults unless given (the motion's)."""

    type: Literal["open_caucus"]
    topic: Name = Field(min_length=1, max_length=TOPIC_MAX)
    seconds: Seconds | None = None
    speaker_seconds: Seconds | None = None
    expected_speaker: ExpectedSpeaker = None

    def to_command(self) -> OpenCaucus:
        return OpenCaucus(self.topic, self.seconds, self.speaker_seconds, self.expected_speaker)


class CallCaucusSpeakerIn(CommandIn):
    """O11: the chair calls ``delegation`` in the caucus (the speech on the floor ends)."""

    type: Literal["call_caucus_speaker"]
    delegation: DelegationCode
    expected_speaker: ExpectedSpeaker = None

    def to_command(self, who: Speaker) -> CallCaucusSpeaker:
        return CallCaucusSpeaker(who, self.expected_speaker)


class CloseCaucusIn(CommandIn):
    """O11: close the moderated caucus; the speakers' list resumes (a repeat is harmless)."""

    type: Literal["close_caucus"]
    expected_speaker: ExpectedSpeaker = None

    def to_command(self) -> CloseCaucus:
        return CloseCaucus(self.expected_speaker)


#: O11: the floor commands that name a delegation, found in the meeting by the route.
ModelUnCallIn = CallQuestionerIn | CallCaucusSpeakerIn


FloorCommandIn = Annotated[
    GrantIn
    | GiveIn
    | MoveIn
    | SetRequestAllotmentIn
    | AddRequestIn
    | ClearQueueIn
    | StrikeIn
    | UndoIn
    | HearPointIn
    | RulePointIn
    | CloseListIn
    | ReopenListIn
    | CallRepliesIn
    | MarkAbsentIn
    | ConsentToQuestionIn
    | DeclineQuestionIn
    | YieldIn
    | CallQuestionerIn
    | OpenCaucusIn
    | CallCaucusSpeakerIn
    | CloseCaucusIn,
    Field(discriminator="type"),
]

# -- requests (a delegation) -------------------------------------------------------


class RequestIn(SpeechKindIn, CommandIn):
    """A delegation asks for the floor (P6): for or against (O8, where the meeting debates
    so), or on behalf of a group (O7: the meeting's allotment for a group statement)."""

    type: Literal["request"]
    delegation: DelegationCode

    def to_command(self, who: Speaker) -> RequestFloor:
        return self.request_of(who)


class WithdrawIn(CommandIn):
    """Withdraw the delegation's open request; with ``request_id`` only that one (M1, M2)."""

    type: Literal["withdraw"]
    delegation: str = Field(min_length=1, max_length=32)
    request_id: str | None = Field(default=None, max_length=80)

    def to_command(self) -> WithdrawRequest:
        return WithdrawRequest(self.delegation, self.request_id)


class PointOfOrderIn(CommandIn):
    """O1: raise a point of order for ``delegation``: a delegate for its own only, the
    moderator on behalf of any (its rule); a second press of a waiting point changes nothing."""

    type: Literal["point_of_order"]
    delegation: str = Field(min_length=1, max_length=32)


class ReplyIn(CommandIn):
    """O2: ask for a right of reply for ``delegation``: a delegate for its own only, the
    moderator on behalf of any; a second press of a waiting reply changes nothing."""

    type: Literal["reply"]
    delegation: str = Field(min_length=1, max_length=32)


class WithdrawReplyIn(CommandIn):
    """O2: withdraw the delegation's waiting reply; with ``reply_id`` only that one (M1, M2)."""

    type: Literal["withdraw_reply"]
    delegation: str = Field(min_length=1, max_length=32)
    reply_id: str | None = Field(default=None, max_length=80)

    def to_command(self) -> WithdrawReply:
        return WithdrawReply(self.delegation, self.reply_id)


class QuestionIn(CommandIn):
    """O8: ask to put an interposed question to the speaker on the floor (at most the
    meeting's cap, ``seconds`` if shorter): a delegate for its own delegation, the
    moderator on behalf of any; the chair then records the speaker's answer."""

    type: Literal["question"]
    delegation: DelegationCode
    seconds: Seconds | None = None  # None: the meeting's cap
    expected_speaker: ExpectedSpeaker = None  # M1: the speaker the question is put to

    def to_command(self, who: Speaker, on_behalf: bool) -> AskInterposedQuestion:
        return AskInterposedQuestion(who, self.seconds, on_behalf, self.expected_speaker)


RequestCommandIn = Annotated[
    RequestIn | WithdrawIn | PointOfOrderIn | ReplyIn | WithdrawReplyIn | QuestionIn,
    Field(discriminator="type"),
]


# -- inscription before the segment (O4, O6) ------------------------------------------


class InscribeIn(CommandIn):
    """O4: inscribe a delegation on a segment's list, within the segment's window."""

    type: Literal["inscribe"]
    segment_id: SegmentId
    delegation: DelegationCode
    tier: Tier = Field(strict=False)  # the level of representation of who will speak (JSON)


class WithdrawInscriptionIn(CommandIn):
    """O4: take a delegation off a segment's list before it opens; a delegate its own, the
    secretariat any. Nothing to withdraw is not an error (M2)."""

    type: Literal["withdraw_inscription"]
    segment_id: SegmentId
    delegation: DelegationCode


class SwapInscriptionsIn(CommandIn):
    """O4: two speakers inscribed at one level swap places; the secretariat's approval is
    the command itself."""

    type: Literal["swap_inscriptions"]
    segment_id: SegmentId
    first: DelegationCode
    second: DelegationCode


class DrawLotsIn(CommandIn):
    """O6: the secretariat draws the order of one level by lot, or ``keep`` of its
    applicants; without a ``seed`` the service chooses one. The seed is published with
    the result (the answer's ``lots``), so that anyone re-draws it."""

    type: Literal["draw_lots"]
    segment_id: SegmentId
    tier: Tier = Field(strict=False)
    seed: Name | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="the draw's seed, published; none: the service chooses one",
    )
    keep: int | None = Field(
        default=None, ge=1, le=10_000, description="K of N: how many of the drawn stay"
    )


InscriptionCommandIn = Annotated[
    InscribeIn | WithdrawInscriptionIn | SwapInscriptionsIn | DrawLotsIn,
    Field(discriminator="type"),
]


# -- answers -------------------------------------------------------------------------


class ScreenOut(BaseModel):
    """A connected screen and how well it keeps the room's time."""

    id: str
    role: Role
    label: str
    delegation: str | None
    connected_at: float
    last_heard: float
    silent_for: float  # seconds since the server last heard from the page
    stale: bool  # silent for longer than the page's pings allow
    offset: float | None
    uncertainty: float | None
    rtt: float | None
    samples: int
    version_sent: int
    reported_version: int | None
    resyncs: int
    direct: bool

    @classmethod
    def of(cls, screen: Screen, now: float, stale_after: float) -> ScreenOut:
        """``screen``'s row at ``now`` (the room's clock); stale if silent past ``stale_after``."""
        silent_for = max(0.0, now - screen.last_heard)
        return cls(
            id=screen.id,
            role=screen.role,
            label=screen.label,
            delegation=screen.delegation,
            connected_at=screen.connected_at,
            last_heard=screen.last_heard,
            silent_for=silent_for,
            stale=silent_for > stale_after,
            offset=screen.offset,
            uncertainty=screen.uncertainty,
            rtt=screen.rtt,
            samples=screen.samples,
            version_sent=screen.last_sent,
            reported_version=screen.reported_version,
            resyncs=screen.resyncs,
            direct=screen.direct,
        )


class LotsOut(BaseModel):
    """O6: a draw as it was published: ``app.queue.drawn_order(candidates, seed)`` re-draws
    it; ``drawn`` are the ones kept, in order, ``not_drawn`` left the list (K of N)."""

    tier: Tier
    seed: str
    candidates: list[str]  # the level's delegation codes, sorted: the draw's input
    drawn: list[str]
    not_drawn: list[str]

    @classmethod
    def of(cls, event: LotsDrawn) -> LotsOut:
        return cls(
            tier=event.tier,
            seed=event.seed,
            candidates=list(event.candidates),
            drawn=list(event.drawn),
            not_drawn=[e.delegation_id for e in event.not_drawn],
        )


@dataclass(frozen=True, slots=True)
class InscriptionAck(CommandAck):
    """The answer to an inscription command: the command's answer, and a draw's result."""

    lots: Annotated[
        LotsOut | None, Field(description="draw_lots: the draw, with its seed (O6); else null")
    ] = None

    @classmethod
    def of(cls, ack: CommandAck, drawn: LotsDrawn | None = None) -> InscriptionAck:
        lots = None if drawn is None else LotsOut.of(drawn)
        return cls(ack.command_id, ack.version, ack.events, ack.duplicate, lots)


class ErrorOut(BaseModel):
    """Every refusal: its class, its English text, a stable code and the code's params."""

    error: str
    detail: str
    code: str  # a key of app.errors.MESSAGES; the pages' catalogues say it as error.<code>
    params: dict[str, str | int | float] = {}


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: DatabaseState
    #: the fan-out to the other processes (with REDIS_URL): "unused" on a single process
    redis: Literal["ok", "unreachable", "unused"] = "unused"
    version: str


RoomViewOut = dict[str, Any]
