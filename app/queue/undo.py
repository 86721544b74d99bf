"""The undo point of a room (M3): the floor before its last change, kept by the fold.

Theory of operation
-------------------
The last command that changed the floor can be undone for a short while
(``FloorRules.undo_seconds``, 30 s by default) if nothing has changed since.
A command is not an event, so the room keeps, beside its state, an
``UndoPoint``: what the change was (in the moderator's words), when, until
when it can be undone, and the ``Floor`` before it (the phase, the speaker,
the queue). ``track`` keeps it up to date from the events alone, so a replay
of the stored events rebuilds it exactly as the live room had it.

Which events make up one change is read from the events themselves:

* an *opening* event starts a change and takes a new undo point: a speech
  ended (``EndSpeech``, or "next speaker"), a granted speaker sent back to the
  queue (M5), the floor given from a free floor, a request withdrawn or struck,
  an inscribed speaker marked absent, moved or dropped (O5), a phase closing
  or closed by the moderator;
* what the engine does as a consequence, at the same instant, belongs to that
  change: the grant of "next speaker" (``FloorGranted.replacing``), and the
  phase that ends when the floor becomes free (A3) with its closed requests and
  the next phase's start. A later command never yields these at the same
  instant: ``apply`` has caught up with the clock by then;
* points of order (O1): hearing one is the floor given (it opens a change, or
  follows "next speaker"); the held speech is part of the floor an undo brings
  back (``Floor.held``). A point raised, a ruling and a list closed or
  reopened (O3) are changes since;
* rights of reply (O2): a reply given the floor is the floor given, a reply
  withdrawn or sent back (M5) opens a change like a request's; a reply asked
  for and the chair's call of the replies are changes since;
* interposed questions (O8): a question consented to is the floor given (the
  speaker held, as for a point of order); a question asked, declined or
  ended is a change since;
* time contingents (O9): a speech's draw-down and a grant's warning belong to
  the change of their speech; the ledger is in the queue, so an undo brings
  a group's seconds back with the speech;
* Model UN (O11): a yield to a delegate or to the chair belongs to the end of
  the yielder's speech (an undo gives the yielder back the floor and its
  seconds); a yield to questions, a caucus opened or ended are changes since;
  a caucus speaker called is the floor given;
* the clock's own announcements (a warning, a time up) change nothing that an
  undo restores: they are applied to the undo point's speech too;
* anything else is a change since: the point is *spent* (``before`` is None)
  and remembers why, so that a refused undo can say it. A closed segment
  takes the point with it (``SegmentClosed`` starts a fresh state).

The undo itself (``FloorRestored``) spends the point: an undo is not undone.
Rules: M3 (with O1, O2, O3, O5, O8, O11).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.queue.caucus import cut_at_time_up
from app.queue.events import (
    CaucusClosed,
    CaucusOpened,
    ClosedBecause,
    ContingentDrawn,
    ContingentWarned,
    Event,
    FloorGranted,
    FloorRequested,
    FloorRestored,
    FloorYielded,
    InscribedSpeakerAbsent,
    InscribedSpeakerDropped,
    InterposedQuestionAsked,
    PointOfOrderHeard,
    PointOfOrderRaised,
    PointOfOrderRuled,
    QuestionConsented,
    QuestionDeclined,
    QuestionEnded,
    RepliesCalled,
    ReplyRequested,
    ReplyReturned,
    ReplyWithdrawn,
    RequestReturned,
    RequestsClosed,
    RequestStruck,
    RequestWithdrawn,
    SpeakersListClosed,
    SpeakersListReopened,
)
from app.queue.requests import Queue
from app.timing import allotment as speech
from app.timing.allotment import (
    Allotment,
    AllotmentOverridden,
    SpeechEnded,
    SpeechExtended,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    SpeechStatus,
    TimeUp,
    WarningReached,
)
from app.timing.plan import YieldKind
from app.timing.programme import (
    PhaseClosing,
    PhaseEnded,
    PhaseEndReason,
    PhaseStarted,
    SegmentRun,
    current_phase,
)


@dataclass(frozen=True, slots=True)
class Floor:
    """What an undo brings back: the phase, the speaker and the queue (M3)."""

    segment: SegmentRun
    speech: Allotment | None
    queue: Queue
    held: Allotment | None = None  # O1: the speech a point of order interrupted


@dataclass(frozen=True, slots=True)
class UndoPoint:
    what: str  # the change, in the moderator's words: "the end of Ghana's speech"
    at: float
    until: float  # the undo is refused after this instant
    before: Floor | None  # None: spent, something changed since (``changed`` says what)
    changed: str = ""


def track(point: UndoPoint | None, floor: Floor, event: Event) -> UndoPoint | None:
    """The undo point after ``event``, which applies to ``floor``."""
    what = _opens(floor, event)
    if what is not None:
        until = event.at + floor.segment.plan.rules.undo_seconds
        return UndoPoint(what, event.at, until, floor)
    if point is None or point.before is None:
        return point
    before = point.before
    if event.at == point.at and _follows(floor, event):
        if isinstance(event, FloorGranted | PointOfOrderHeard):
            return replace(point, what=f"{point.what} and the floor given to {_name(event)}")
        if isinstance(event, FloorYielded):  # O11
            to = "the chair" if event.to is None else event.to.name
            return replace(point, what=f"{point.what} and its yield to {to}")
        return point
    if isinstance(event, WarningReached | TimeUp) and before.speech == floor.speech:
        assert before.speech is not None
        return replace(point, before=replace(before, speech=speech.evolve(before.speech, event)))
    return replace(point, before=None, changed=_change(floor, event))


def restored(point: UndoPoint, now: float, live: Allotment | None) -> FloorRestored:
    """The undo of ``point`` at ``now``: the floor as it was before the change.

    A speech the change did not touch stays as it runs now. A speech the change
    ended or took away comes back with the seconds it had left then (M3): a
    running one comes back paused, since its speaker stopped when they were cut
    off and must not lose the seconds the undo took; the moderator resumes it.
    """
    before = point.before
    assert before is not None
    back = before.speech
    if back is not None and back != live and back.status is SpeechStatus.RUNNING:
        left = speech.seconds_left(back, point.at)
        back = replace(back, status=SpeechStatus.PAUSED, seconds_left=left, ends_at=None)
    return FloorRestored(now, point.what, before.segment, back, before.queue, before.held)


def _opens(floor: Floor, event: Event) -> str | None:
    """The change an opening event starts, in the moderator's words; None for others."""
    run = floor.segment
    match event:
        case SpeechEnded(speaker=who) if not _hard_stop(floor, event):
            return f"the end of {who.name}'s speech"
        case RequestReturned(request=r):
            return f"{r.name} sent back to the head of the queue"
        case ReplyReturned(reply=r):
            return f"{r.name}'s reply sent back to the head of the replies"
        case ReplyWithdrawn(reply=r):
            return f"the withdrawal of {r.name}'s reply"
        case FloorGranted(replacing=None) | PointOfOrderHeard(replacing=None):
            return f"the floor given to {_name(event)}"
        case QuestionConsented(question=q):
            return f"the floor given to {q.name}'s interposed question"
        case RequestWithdrawn(request=r):
            return f"the withdrawal of {r.name}'s request"
        case RequestStruck(request=r):
            return f"the request of {r.name} struck"
        case InscribedSpeakerAbsent(request=r):
            return f"{r.name} marked absent (moved to the end of its tier)"
        case InscribedSpeakerDropped(request=r):
            return f"{r.name} dropped after a second absence"
        case PhaseClosing():
            return f"the close of '{current_phase(run).title}'"
        case PhaseEnded(reason=PhaseEndReason.COMMAND) if run.closing is None:
            return f"the close of '{current_phase(run).title}'"
    return None


def _follows(floor: Floor, event: Event) -> bool:
    """Whether ``event``, at the instant of the change, is the engine's consequence of it."""
    match event:
        case FloorGranted(replacing=replacing) | PointOfOrderHeard(replacing=replacing):
            return replacing is not None
        case PhaseEnded(reason=reason):
            return reason is not PhaseEndReason.SEGMENT_CLOSED  # A3 once the floor is free
        case RequestsClosed(reason=reason):
            return reason is ClosedBecause.PHASE_ENDED
        case PhaseStarted() | ContingentDrawn() | ContingentWarned():
            return True  # O9: a speech's draw-down, a grant's warning
        case FloorYielded(kind=kind):  # O11: to a delegate, to the chair
            return kind is not YieldKind.QUESTIONS
    return False


def _hard_stop(floor: Floor, event: SpeechEnded) -> bool:
    """T5: the clock cut the speech (no one's command): a change, never an undo point."""
    s = floor.speech
    return (
        s is not None
        and s.timed_out
        and (floor.segment.plan.rules.hard_stop or cut_at_time_up(floor.queue, s))
        and event.at == s.ends_at
    )


def _name(event: FloorGranted | PointOfOrderHeard) -> str:
    if isinstance(event, PointOfOrderHeard):
        return f"{event.point.name}'s point of order"
    return event.allotment.speaker.name


def _change(floor: Floor, event: Event) -> str:
    """What changed since the undo point, in the moderator's words."""
    on_floor = floor.speech.speaker.name if floor.speech is not None else "the speaker"
    match event:
        case FloorRequested(request=r):
            return f"{r.name} asked for the floor"
        case FloorRestored():
            return "it was undone already"
        case PointOfOrderRaised(point=p):
            return f"{p.name} raised a point of order"
        case ReplyRequested(reply=r):
            return f"{r.name} asked for a right of reply"
        case RepliesCalled():
            return "the chair called the replies"
        case PointOfOrderRuled(raised_by=who):
            return f"the chair ruled on {who.name}'s point of order"
        case InterposedQuestionAsked(question=q):
            return f"{q.name} asked to put an interposed question"
        case QuestionDeclined(question=q):
            return f"{q.name}'s interposed question was declined"
        case QuestionEnded(asked_by=who):
            return f"{who.name}'s question ended"
        case FloorYielded(by=who):  # O11: to questions
            return f"{who.name} yielded to questions"
        case CaucusOpened(caucus=c):
            return f"the moderated caucus on '{c.topic}' opened"
        case CaucusClosed(caucus=c):
            return f"the moderated caucus on '{c.topic}' ended"
        case SpeakersListClosed(phase_key=key) | SpeakersListReopened(phase_key=key):
            done = "closed" if isinstance(event, SpeakersListClosed) else "reopened"
            title = next((p.title for p in floor.segment.plan.phases if p.key == key), key)
            return f"the list of speakers of '{title}' was {done}"
        case SpeechEnded():
            return f"{on_floor}'s time ran out (hard stop)"
        case PhaseEnded() | PhaseStarted():
            return f"'{current_phase(floor.segment).title}' ended"
        case SpeechStarted():
            return f"{on_floor} started speaking"
        case SpeechPaused() | SpeechResumed() | SpeechExtended() | AllotmentOverridden():
            return f"{on_floor}'s clock changed"
    return "the queue changed"
