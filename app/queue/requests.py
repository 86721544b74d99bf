"""Floor requests and the queue of one segment (P6, P7, P8).

Theory of operation
-------------------
A delegation asks for the floor from its own device or through the moderator
on its behalf (P7); meetings that inscribe speakers in advance pre-load
requests the same way. A delegation has at most one open request per segment:
a second press changes nothing (P6). The queue holds only the requests still
waiting, in speaking order; a request leaves it when it is granted, withdrawn
struck by the moderator (M4) or closed as not heard, and the event that
removes it carries it to the record (R1). ``spoken`` remembers who has been
heard in the segment (P8). ``granted`` keeps the request of the speaker on
the floor until they start (it is still their one open request, P6): if
the floor goes to someone else first, that request comes back to the head
of the queue as it was (M5), never dropped.

A request's rank and first-time mark are fixed when it is made: a waiting
delegation cannot speak, so neither can change while it waits.

Points of order (O1) are a list of their own (``points``), in the order they
were raised, ahead of every request whatever its rank: they are not requests
to speak on substance, so they take no place in ``waiting``, no rank and no
P8 mark. ``closed_lists`` names the phases whose list of speakers the chair
has closed (O3): their waiting requests stay, and only the chair adds.

Rights of reply (O2) are a list of their own too (``replies``), in the order
asked, apart from the speakers' list: no rank, no P8 mark, and a closed list
(O3) does not stop them. ``replied`` counts each delegation's replies heard in
the segment (one id per reply) against the meeting's limits; ``replies_called``
says the chair called them; ``replying`` keeps a granted reply until its
speaker starts (M5, like ``granted``).

``lapsed`` keeps, per delegation, its last request closed as not heard (the
phase ended, A3, the segment closed, or the queue was cleared), until the
delegation asks again or another segment opens: its phone says the request
lapsed and offers the written recommendation instead (A3, R2). It survives
the closing of the segment, since that is when most requests lapse.

Inscription before the segment (O4-O6, ``app.queue.inscription``): a
segment's ``InscriptionList`` holds its inscribed speakers in speaking order
(protocol ``Tier`` first, then the time of inscription, a draw of lots or a
swap within a tier). When the segment opens, each becomes a request with its
``tier`` and its ``place`` in the list: inscribed requests go before every
live one, in that order (``app.queue.order``); ``absences`` counts the times
the chair called it in vain (O5).

Speech kinds (O8, ``app.queue.kinds``): a request may be *pro* or *contra*
(its ``stance``); ``last_stance`` is the stance of the last such speaker who
started, which a list that alternates reads. Interposed questions to the
speaker on the floor are a list of their own (``questions``), in the order
asked, until the speaker consents or declines; they lapse when the speech
ends.
Time contingents (O9, ``app.queue.contingent``): ``drawn`` is the ledger of the
seconds each group's members have spoken; a meeting's contingents outlive the
segment (the rest start afresh when one opens).

Model UN (O11, ``app.queue.yields`` and ``app.queue.caucus``): ``yielded`` is the
yield of the speech on the floor (``Yielding``: to another delegate, whose
speech it is, or to questions, whose budget the chair spends), until that
speech ends; ``caucus`` is the moderated caucus running (``Caucus``), while the
speakers' list waits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from app.category import Category
from app.timing.allotment import Speaker
from app.timing.plan import ContingentPer, YieldKind


class Tier(StrEnum):
    """O4: the level of representation of an inscribed speaker, highest first."""

    HEAD_OF_STATE = "head_of_state"
    HEAD_OF_GOVERNMENT = "head_of_government"
    VICE_PRESIDENT = "vice_president"
    MINISTER = "minister"
    DEPUTY_MINISTER = "deputy_minister"
    HEAD_OF_DELEGATION = "head_of_delegation"
    OTHER = "other"


class Stance(StrEnum):
    """O8: what a request speaks for; ``none`` is a plain contribution."""

    NONE = "none"
    PRO = "pro"
    CONTRA = "contra"


def tier_rank(tier: Tier) -> int:
    """O4: 0 for a Head of State, the lowest tier last."""
    return list(Tier).index(tier)


@dataclass(frozen=True, slots=True)
class FloorRequest:
    id: str
    delegation_id: str
    name: str
    category: Category
    rank: int  # P2, P4: lower speaks first
    first_time: bool  # P8: had not spoken in the segment when asking
    seq: int  # order of request within the segment
    requested_at: float
    on_behalf: bool = False  # P7: raised name plate, entered by the moderator
    inscribed: bool = False  # P7: pre-loaded list
    moved: bool = False  # the moderator moved it: its place is an override (P2)
    seconds: float | None = None  # the moderator's allotment for it (override)
    tier: Tier | None = None  # O4: inscribed before the segment, at this level; None: live
    place: int = 0  # O4: its place in the inscribed list (O5: an absence moves it on)
    absences: int = 0  # O5: called and absent (a second absence drops it)
    stance: Stance = Stance.NONE  # O8: pro, contra, or a plain contribution
    speaks_for: str | None = None  # O7: the group it speaks on behalf of (capacity)


@dataclass(frozen=True, slots=True)
class PointOfOrder:
    """O1: a delegation raised a point of order (from its phone or through the chair)."""

    id: str
    delegation_id: str
    name: str
    category: Category
    raised_at: float
    seq: int  # shared with requests: ids are unique in the segment
    on_behalf: bool = False  # raised by the moderator for the delegation


@dataclass(frozen=True, slots=True)
class Reply:
    """O2: a delegation asked for a right of reply (from its phone or through the chair)."""

    id: str
    delegation_id: str
    name: str
    category: Category
    requested_at: float
    seq: int  # shared with requests: ids are unique in the segment
    on_behalf: bool = False  # asked by the moderator for the delegation


@dataclass(frozen=True, slots=True)
class InterposedQuestion:
    """O8: a delegation asks to put a question to the speaker on the floor."""

    id: str
    delegation_id: str
    name: str
    category: Category
    asked_at: float
    seq: int  # shared with requests: ids are unique in the segment
    seconds: float  # at most the meeting's cap
    to_speaker: str  # the speaker id it is put to
    on_behalf: bool = False  # entered by the moderator for the delegation


@dataclass(frozen=True, slots=True)
class Yielding:
    """O11: the speech on the floor gave away the seconds it had left (``seconds``).

    To a delegate (``to``): the speech on the floor is that delegate's, of exactly those
    seconds. To questions: the speech is still the yielder's; its clock is the budget,
    and ``asked`` the seconds the questioners have drawn from it."""

    kind: YieldKind
    by: Speaker  # the yielder
    seconds: float  # the seconds left when it yielded
    at: float
    to: Speaker | None = None  # the delegate yielded to
    asked: float = 0.0  # questions: the questioners' seconds, drawn from the budget
    questioners: int = 0  # questions: how many the chair called


@dataclass(frozen=True, slots=True)
class Caucus:
    """O11: a moderated caucus: a topic, a total time (until ``ends_at``) and a time per
    speaker; the chair calls the speakers."""

    topic: str
    seconds: float  # the total
    speaker_seconds: float  # at most, per speaker
    opened_at: float
    ends_at: float  # opened_at + seconds: the caucus ends by itself then
    phase_key: str
    speakers: int = 0  # called so far
    spoken: float = 0.0  # the caucus speeches' seconds, ended so far


@dataclass(frozen=True, slots=True)
class Inscription:
    """O4: a delegation inscribed on a segment's list before the segment opens."""

    delegation_id: str
    name: str
    category: Category
    tier: Tier
    inscribed_at: float  # O4: the time of inscription orders a tier
    seq: int  # order of inscription in the list
    by_secretariat: bool = False  # entered by the secretariat, not from the delegation's page


@dataclass(frozen=True, slots=True)
class InscriptionList:
    """O4: the inscribed speakers of a segment not yet open, in speaking order."""

    segment_id: str
    title: str  # the segment's, for the messages that name it
    entries: tuple[Inscription, ...] = ()
    next_seq: int = 1


@dataclass(frozen=True, slots=True)
class Lapse:
    """A request closed as not heard (A3, R2): whose, in which phase, why and when."""

    delegation_id: str
    request_id: str
    segment_id: str
    phase_key: str
    reason: str  # app.queue.events.ClosedBecause's value
    at: float


@dataclass(frozen=True, slots=True)
class Drawn:
    """O9: the seconds a group's members have spoken, for a segment or the meeting."""

    group: str
    per: ContingentPer
    seconds: float


@dataclass(frozen=True, slots=True)
class Queue:
    waiting: tuple[FloorRequest, ...] = ()
    spoken: frozenset[str] = frozenset()  # delegation ids heard in this segment (P8)
    next_seq: int = 1  # requests and points of order share the sequence (unique ids)
    granted: FloorRequest | None = None  # M5: the granted request, until its speaker starts
    points: tuple[PointOfOrder, ...] = ()  # O1: raised, not yet heard, in order raised
    closed_lists: frozenset[str] = frozenset()  # O3: phase keys whose list is closed
    lapsed: tuple[Lapse, ...] = ()  # A3, R2: last request closed as not heard, per delegation
    replies: tuple[Reply, ...] = ()  # O2: asked, not yet given, in order asked
    replied: tuple[str, ...] = ()  # O2: a delegation id per reply heard in the segment
    replies_called: bool = False  # O2: the chair called the replies; until none waits
    replying: Reply | None = None  # O2, M5: the granted reply, until its speaker starts
    questions: tuple[InterposedQuestion, ...] = ()  # O8: asked of the speaker, in order
    last_stance: Stance = Stance.NONE  # O8: the last pro or contra speaker's (alternation)
    drawn: tuple[Drawn, ...] = ()  # O9: the groups' spoken seconds (app.queue.contingent)
    yielded: Yielding | None = None  # O11: the yield of the speech on the floor
    caucus: Caucus | None = None  # O11: the moderated caucus running


def find(queue: Queue, request_id: str) -> FloorRequest | None:
    return next((r for r in queue.waiting if r.id == request_id), None)


def open_request_of(queue: Queue, delegation_id: str) -> FloorRequest | None:
    """P6: the delegation's one open request, if any."""
    return next((r for r in queue.waiting if r.delegation_id == delegation_id), None)


def position(queue: Queue, request_id: str) -> int | None:
    """0-based place in the queue, or None."""
    for index, request in enumerate(queue.waiting):
        if request.id == request_id:
            return index
    return None


def without(queue: Queue, request_ids: frozenset[str]) -> Queue:
    return replace(queue, waiting=tuple(r for r in queue.waiting if r.id not in request_ids))


def is_open_to(category: Category) -> bool:
    """P1: programme categories never request the floor."""
    return category not in {Category.PANELLIST, Category.PRESENTER, Category.OFFICIAL}
