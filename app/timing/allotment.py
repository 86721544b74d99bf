"""The speaker's clock: one allotment, from the grant of the floor to its end.

Theory of operation
-------------------
States (``SpeechStatus``) and what is authoritative in each:

=========  ==========================================================
ALLOTTED   given the floor, clock not started; ``seconds_left``
RUNNING    the clock runs; ``ends_at`` (UTC epoch seconds)
PAUSED     stopped mid-speech; ``seconds_left``
=========  ==========================================================

Nothing is decremented by a ticker (T6): a running speech stores its deadline
and a screen renders ``ends_at - now``. ``seconds_left`` goes negative in
overtime, which counts upwards (T5). A wrap-up warning is announced once at
``ends_at - warning_seconds`` and the end once at ``ends_at`` (T5); an
extension that gives the time back re-arms them. The allotment itself
(``seconds``) is fixed when the speech starts; only an extension adds to it.

``next_deadline`` tells the shell when to send a ``Tick``; a tick before the
deadline does nothing, so a scheduler that fires twice is harmless.

Pause and resume are distinct commands, never a toggle (M2): a pause of a
paused speech and a resume of a running one change nothing (no event), so two
consoles that both press pause leave the speech paused. Every speech command
may name the speaker it was decided on (``expected_speaker``, M1); the floor
engine (``app.queue.floor``) checks it, since only it knows who has the floor.

Rules: T1-T6 (numbers come from the plan, never from here), M1, M2.

The module is longer than 400 lines on purpose: the commands, the events and
the two functions that read them (``decide``, ``evolve``) are one state
machine of three states, and the deadlines both share are read with them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from app.category import Category
from app.errors import IllegalCommand


class SpeechStatus(StrEnum):
    ALLOTTED = "allotted"
    RUNNING = "running"
    PAUSED = "paused"


class Basis(StrEnum):
    """Why the allotment is what it is (the record and the P2/T2 invariants)."""

    SLOT = "slot"  # T1
    FLEX = "flex"  # T2
    RCP = "rcp"  # P4: the slot (or flex) plus the RCP extra
    PROGRAMME = "programme"  # T3, T4, A6: the programme's time
    OVERRIDE = "override"  # the moderator's explicit allotment
    POINT_OF_ORDER = "point_of_order"  # O1: the procedural cap; not a speech on substance
    REPLY = "reply"  # O2: a right of reply's limit; not a contribution (no slot, no P8)
    QUESTION = "question"  # O8: an interposed question's time; the speaker is held meanwhile
    CATEGORY = "category"  # O7: the speaker's category's allotment (replaces slot and flex)
    CAPACITY = "capacity"  # O7: a statement on behalf of a group
    CONTINGENT = "contingent"  # O9: capped at what the speaker's group has left
    YIELDED = "yielded"  # O11: the seconds another speaker yielded to this delegation
    CAUCUS = "caucus"  # O11: a speaker called by the chair in a moderated caucus


class Cue(StrEnum):
    """What a screen shows (T5): told apart by colour and by a second cue."""

    READY = "ready"
    NORMAL = "normal"
    WARNING = "warning"
    OVERTIME = "overtime"
    PAUSED = "paused"


@dataclass(frozen=True, slots=True)
class Speaker:
    """Who has the floor: a delegation (by request) or a programme speaker."""

    id: str  # delegation code, or "programme:<phase>:<n>"
    name: str
    category: Category | None = None  # None for a programme speaker without delegation


@dataclass(frozen=True, slots=True)
class Allotment:
    speaker: Speaker
    seconds: float  # the allotment as granted (T1-T4, P4 or override)
    basis: Basis
    status: SpeechStatus = SpeechStatus.ALLOTTED
    seconds_left: float = 0.0  # authoritative while ALLOTTED or PAUSED
    ends_at: float | None = None  # authoritative while RUNNING
    extended: float = 0.0  # seconds added by extensions
    warning_seconds: float = 30.0  # T5
    warned: bool = False
    timed_out: bool = False
    started_at: float | None = None  # first start; None until the speaker speaks
    granted_at: float = 0.0
    # the grant's context, kept for the record (R1)
    request_id: str | None = None
    requested_at: float | None = None
    phase_key: str = ""
    out_of_order: bool = False


def allot(
    speaker: Speaker,
    seconds: float,
    basis: Basis,
    *,
    now: float = 0.0,
    warning_seconds: float = 30.0,
    request_id: str | None = None,
    requested_at: float | None = None,
    phase_key: str = "",
    out_of_order: bool = False,
) -> Allotment:
    """A fresh allotment, clock not started."""
    return Allotment(
        speaker=speaker,
        seconds=seconds,
        basis=basis,
        seconds_left=seconds,
        warning_seconds=warning_seconds,
        granted_at=now,
        request_id=request_id,
        requested_at=requested_at,
        phase_key=phase_key,
        out_of_order=out_of_order,
    )


# -- commands ----------------------------------------------------------------
#
# ``expected_speaker`` (M1): the speaker id the console showed on the floor when the
# moderator tapped, or "" for a free floor; None: not checked (older callers).


@dataclass(frozen=True, slots=True)
class StartSpeech:
    """Start the clock of the speaker who has the floor."""

    expected_speaker: str | None = None


@dataclass(frozen=True, slots=True)
class PauseSpeech:
    """Stop the clock, keeping the seconds left (a point of order, a translation gap).

    A pause of a paused speech is harmless and never resumes it (M2)."""

    expected_speaker: str | None = None


@dataclass(frozen=True, slots=True)
class ResumeSpeech:
    """Restart a paused clock from the seconds it kept.

    A resume of a running speech is harmless and never pauses it (M2)."""

    expected_speaker: str | None = None


@dataclass(frozen=True, slots=True)
class ExtendSpeech:
    """Add time to the current allotment; allowed in every status."""

    seconds: float
    expected_speaker: str | None = None


@dataclass(frozen=True, slots=True)
class EndSpeech:
    """The speaker has finished (or the moderator ends the speech); undoable (M3)."""

    expected_speaker: str | None = None


@dataclass(frozen=True, slots=True)
class SetAllotment:
    """The moderator's explicit allotment, before the clock starts (T2: fixed at start)."""

    seconds: float
    expected_speaker: str | None = None


SpeechCommand = StartSpeech | PauseSpeech | ResumeSpeech | ExtendSpeech | EndSpeech | SetAllotment


# -- events --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    at: float
    ends_at: float


@dataclass(frozen=True, slots=True)
class SpeechPaused:
    at: float
    seconds_left: float


@dataclass(frozen=True, slots=True)
class SpeechResumed:
    at: float
    ends_at: float


@dataclass(frozen=True, slots=True)
class SpeechExtended:
    at: float
    seconds: float


@dataclass(frozen=True, slots=True)
class AllotmentOverridden:
    at: float
    seconds: float


@dataclass(frozen=True, slots=True)
class WarningReached:
    at: float  # the deadline itself, even if the tick came late


@dataclass(frozen=True, slots=True)
class TimeUp:
    at: float


@dataclass(frozen=True, slots=True)
class SpeechEnded:
    """The intervention as the record keeps it (R1)."""

    at: float
    speaker: Speaker
    request_id: str | None
    requested_at: float | None
    phase_key: str
    basis: Basis
    allotted: float  # as granted plus extensions
    extended: float
    spoken: float
    overtime: float
    started_at: float | None
    out_of_order: bool
    heard: bool


SpeechEvent = (
    SpeechStarted
    | SpeechPaused
    | SpeechResumed
    | SpeechExtended
    | AllotmentOverridden
    | WarningReached
    | TimeUp
    | SpeechEnded
)


# -- queries ---------------------------------------------------------------------


def seconds_left(allotment: Allotment, now: float) -> float:
    """Negative in overtime (T5 counts overtime upwards)."""
    if allotment.status is SpeechStatus.RUNNING:
        assert allotment.ends_at is not None
        return allotment.ends_at - now
    return allotment.seconds_left


def next_deadline(allotment: Allotment) -> float | None:
    """When the shell must send a Tick; None if only a command can change things."""
    if allotment.status is not SpeechStatus.RUNNING:
        return None
    assert allotment.ends_at is not None
    if not allotment.warned:
        return allotment.ends_at - allotment.warning_seconds
    if not allotment.timed_out:
        return allotment.ends_at
    return None


def cue(allotment: Allotment, now: float) -> Cue:
    """T5: the state a screen shows at ``now``."""
    if allotment.status is SpeechStatus.ALLOTTED:
        return Cue.READY
    if allotment.status is SpeechStatus.PAUSED:
        return Cue.PAUSED
    left = seconds_left(allotment, now)
    if left <= 0:
        return Cue.OVERTIME
    if left <= allotment.warning_seconds:
        return Cue.WARNING
    return Cue.NORMAL


def total_allotted(allotment: Allotment) -> float:
    return allotment.seconds + allotment.extended


# -- decide and evolve -------------------------------------------------------------


def decide(allotment: Allotment, command: SpeechCommand, now: float) -> tuple[SpeechEvent, ...]:
    """What ``command`` at ``now`` means for the speech. Raises IllegalCommand."""
    status = allotment.status
    match command, status:
        case StartSpeech(), SpeechStatus.ALLOTTED:
            return (SpeechStarted(now, ends_at=now + allotment.seconds_left),)
        case ResumeSpeech(), SpeechStatus.PAUSED:
            return (SpeechResumed(now, ends_at=now + allotment.seconds_left),)
        case PauseSpeech(), SpeechStatus.RUNNING:
            return (SpeechPaused(now, seconds_left(allotment, now)),)
        case PauseSpeech(), SpeechStatus.PAUSED:
            return ()  # M2: a repeated pause is harmless; it never resumes
        case ResumeSpeech(), SpeechStatus.RUNNING:
            return ()  # M2: a repeated resume is harmless; it never pauses
        case ExtendSpeech(seconds=seconds), _:
            if seconds <= 0:
                raise IllegalCommand("speech.extension_not_positive", seconds=f"{seconds:g}")
            return (SpeechExtended(now, seconds),)
        case SetAllotment(seconds=seconds), SpeechStatus.ALLOTTED:
            if seconds <= 0:
                raise IllegalCommand("speech.allotment_not_positive", seconds=f"{seconds:g}")
            return (AllotmentOverridden(now, seconds),)
        case EndSpeech(), _:
            return (ended(allotment, now),)
    speaker = allotment.speaker
    raise IllegalCommand(_NOT_NOW[status], speaker=speaker.name, speaker_code=speaker.id)


#: Why a command does not fit the speech's status (its code).
_NOT_NOW = {
    SpeechStatus.ALLOTTED: "speech.not_started",
    SpeechStatus.RUNNING: "speech.running",
    SpeechStatus.PAUSED: "speech.paused",
}


def due(allotment: Allotment, now: float) -> tuple[SpeechEvent, ...]:
    """T5: the warning and the end whose deadlines have passed, each once."""
    if allotment.status is not SpeechStatus.RUNNING:
        return ()
    assert allotment.ends_at is not None
    events: list[SpeechEvent] = []
    warn_at = allotment.ends_at - allotment.warning_seconds
    if not allotment.warned and now >= warn_at:
        events.append(WarningReached(warn_at))
    if not allotment.timed_out and now >= allotment.ends_at:
        events.append(TimeUp(allotment.ends_at))
    return tuple(events)


def ended(allotment: Allotment, now: float) -> SpeechEnded:
    """The record of the speech if it ends at ``now`` (R1)."""
    left = seconds_left(allotment, now)
    total = total_allotted(allotment)
    heard = allotment.started_at is not None
    return SpeechEnded(
        at=now,
        speaker=allotment.speaker,
        request_id=allotment.request_id,
        requested_at=allotment.requested_at,
        phase_key=allotment.phase_key,
        basis=allotment.basis,
        allotted=total,
        extended=allotment.extended,
        spoken=(total - left) if heard else 0.0,
        overtime=max(0.0, -left) if heard else 0.0,
        started_at=allotment.started_at,
        out_of_order=allotment.out_of_order,
        heard=heard,
    )


def evolve(allotment: Allotment, event: SpeechEvent) -> Allotment:
    """The allotment after ``event``. Total: a recorded event always applies."""
    match event:
        case SpeechStarted(at=at, ends_at=ends_at):
            return replace(allotment, status=SpeechStatus.RUNNING, ends_at=ends_at, started_at=at)
        case SpeechResumed(ends_at=ends_at):
            return replace(allotment, status=SpeechStatus.RUNNING, ends_at=ends_at)
        case SpeechPaused(seconds_left=left):
            return replace(allotment, status=SpeechStatus.PAUSED, seconds_left=left, ends_at=None)
        case SpeechExtended(at=at, seconds=seconds):
            return _rearm(_add_time(allotment, seconds), at)
        case AllotmentOverridden(at=at, seconds=seconds):
            # an extension given before the override still counts (total_allotted);
            # a point of order's cap set by the moderator is still a point of order (O1),
            # and a reply's limit still a reply (O2), a question's still a question (O8),
            # yielded time still yielded and a caucus speech still a caucus's (O11)
            left = seconds + allotment.extended
            kept = allotment.basis in _KEPT_BASES
            basis = allotment.basis if kept else Basis.OVERRIDE
            return _rearm(replace(allotment, seconds=seconds, seconds_left=left, basis=basis), at)
        case WarningReached():
            return replace(allotment, warned=True)
        case TimeUp():
            return replace(allotment, warned=True, timed_out=True)
        case SpeechEnded():
            return allotment  # the floor engine drops the allotment
    raise AssertionError(f"unknown speech event {event!r}")  # pragma: no cover


#: O1, O2, O8, O11: the bases an allotment set by the moderator keeps.
_KEPT_BASES = frozenset(
    {Basis.POINT_OF_ORDER, Basis.REPLY, Basis.QUESTION, Basis.YIELDED, Basis.CAUCUS}
)


def _add_time(allotment: Allotment, seconds: float) -> Allotment:
    extended = allotment.extended + seconds
    if allotment.status is SpeechStatus.RUNNING:
        assert allotment.ends_at is not None
        return replace(allotment, ends_at=allotment.ends_at + seconds, extended=extended)
    return replace(allotment, seconds_left=allotment.seconds_left + seconds, extended=extended)


def _rearm(allotment: Allotment, at: float) -> Allotment:
    """After time was given back, what is no longer passed is announced again (T5)."""
    left = seconds_left(allotment, at)
    return replace(
        allotment,
        warned=allotment.warned and left <= allotment.warning_seconds,
        timed_out=allotment.timed_out and left <= 0,
    )
