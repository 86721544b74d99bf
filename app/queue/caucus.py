"""Moderated caucuses (O11, Model UN): a topic, a total time, a time per speaker.

Theory of operation
-------------------
Where the meeting takes them (``FloorRules.moderated_caucuses``, the Model UN
profile), the chair opens a moderated caucus on a free floor of a floor
phase (``OpenCaucus``): a topic, a total time and a time per speaker, the
meeting's defaults (``caucus_seconds``, ``caucus_speaker_seconds``) unless the
motion set others. It runs from its opening to ``Caucus.ends_at``: the total
is wall-clock time, as the chair's timer in a committee room.

While it runs the general speakers' list waits: requests still join it, but
"next speaker", a grant of a request and the floor given by name are
refused, and so is the close of the phase. The chair calls the speakers
(``CallCaucusSpeaker``, naming the delegation): no queue, no ranking (P2, P4,
P8), a delegation may be called again. The speech on the floor ends first;
the one called has at most the time per speaker and never past the caucus's
end (basis ``CAUCUS``): its time up ends it, whatever the hard stop (T5). A
caucus speech may be extended up to the time per speaker, never past the
caucus's end; it yields nothing (O11's yields belong to the speakers' list).
A point of order waits for the end of a caucus speech (it is heard on a free
floor), and interposed questions are not put.

The caucus ends when its total is spent: at ``ends_at`` the engine ends the
speech on the floor and the caucus (``CaucusClosed``, ``time_up``), through
the same catch-up with the clock as every deadline (``next_deadline`` names
it). It ends too when the chair closes it (``CloseCaucus``; a repeat changes
nothing, M2), when its phase ends, or when the segment closes. The caucus's
speeches fill no slot (A4) and mark no one as having spoken (P8); their
seconds are recorded as a caucus's (basis ``caucus``), and ``CaucusClosed``
carries how many spoke and for how long.

Rules: O11 (with M1, M2, A3). Pure: no I/O; time is an argument (UTC epoch seconds).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from app.errors import FloorRuleRefused, IllegalCommand
from app.queue.commands import CallCaucusSpeaker, OpenCaucus
from app.queue.events import CaucusClosed, CaucusEnd, CaucusOpened, Event, FloorGranted
from app.queue.requests import Caucus, Queue, is_open_to
from app.queue.yields import to_questions
from app.timing import allotment as speech
from app.timing.allotment import Allotment, Basis, SpeechEnded
from app.timing.plan import PhaseKind
from app.timing.programme import SegmentRun, current_phase


def running(queue: Queue) -> IllegalCommand:
    """Why a command of the speakers' list waits while a caucus runs."""
    assert queue.caucus is not None
    return IllegalCommand("caucus.running", topic=queue.caucus.topic)


def is_caucus_speech(allotment: Allotment | None) -> bool:
    return allotment is not None and allotment.basis is Basis.CAUCUS


def opened(
    run: SegmentRun, queue: Queue, on_floor: Allotment | None, command: OpenCaucus, now: float
) -> list[Event]:
    """O11: the caucus opens, with the motion's times or the meeting's defaults."""
    rules, phase = run.plan.rules, current_phase(run)
    if not rules.moderated_caucuses:
        raise FloorRuleRefused("caucus.not_taken", segment=run.plan.title)
    if queue.caucus is not None:
        raise running(queue)
    topic = command.topic.strip()
    if not topic:
        raise IllegalCommand("caucus.no_topic")
    seconds = rules.caucus_seconds if command.seconds is None else command.seconds
    each = (
        rules.caucus_speaker_seconds if command.speaker_seconds is None else command.speaker_seconds
    )
    for given in (seconds, each):
        if given <= 0:
            raise IllegalCommand("speech.allotment_not_positive", seconds=f"{given:g}")
    if each > seconds:
        raise IllegalCommand(
            "caucus.speaker_past_total", speaker_seconds=f"{each:g}", seconds=f"{seconds:g}"
        )
    if phase.kind is not PhaseKind.FLOOR:
        raise IllegalCommand("phase.no_list", phase=phase.title, phase_key=phase.key)
    if run.closing is not None:
        raise IllegalCommand("phase.closing", phase=phase.title, phase_key=phase.key)
    if on_floor is not None:
        who = on_floor.speaker
        raise IllegalCommand("floor.taken", speaker=who.name, speaker_code=who.id)
    caucus = Caucus(topic, seconds, each, now, now + seconds, phase.key)
    return [CaucusOpened(now, caucus)]


def called(run: SegmentRun, queue: Queue, command: CallCaucusSpeaker, now: float) -> Allotment:
    """O11: the allotment of the delegation the chair called: the time per speaker, at
    most what the caucus has left (positive: a caucus at its end has closed)."""
    caucus = queue.caucus
    if caucus is None:
        raise IllegalCommand("caucus.none_running")
    who = command.delegation
    if who.category is None or not is_open_to(who.category):
        raise FloorRuleRefused("floor.by_programme", speaker=who.name, speaker_code=who.id)
    seconds = min(caucus.speaker_seconds, caucus.ends_at - now)
    allotment = speech.allot(
        who,
        seconds,
        Basis.CAUCUS,
        now=now,
        warning_seconds=min(run.plan.rules.warning_seconds, seconds / 2),
        phase_key=current_phase(run).key,
    )
    return allotment


def refuse_past_limits(caucus: Caucus, on_floor: Allotment, seconds: float, now: float) -> None:
    """O11: a caucus speech lasts at most the time per speaker, never past the caucus's
    end (``seconds``: its total allotted once extended or set)."""
    started = on_floor.started_at if on_floor.started_at is not None else now
    limit = min(caucus.speaker_seconds, caucus.ends_at - started)
    if seconds > limit:
        raise FloorRuleRefused(
            "caucus.speaker_time", seconds=f"{seconds:g}", limit=f"{limit:g}", topic=caucus.topic
        )


def closed(queue: Queue, at: float, reason: CaucusEnd, ending: Iterable[Event] = ()) -> list[Event]:
    """The caucus's end, if one runs, counting the speech ``ending`` ends with it."""
    if queue.caucus is None:
        return []
    spoken = sum(e.spoken for e in ending if isinstance(e, SpeechEnded) and e.basis is Basis.CAUCUS)
    return [CaucusClosed(at, replace(queue.caucus, spoken=queue.caucus.spoken + spoken), reason)]


def due(queue: Queue, now: float) -> float | None:
    """The caucus's end if ``now`` has reached it, else None."""
    caucus = queue.caucus
    return caucus.ends_at if caucus is not None and now >= caucus.ends_at else None


def after_grant(queue: Queue, event: FloorGranted) -> Queue:
    """O11: a caucus speaker called counts among its speakers."""
    if queue.caucus is None or event.allotment.basis is not Basis.CAUCUS:
        return queue
    return replace(queue, caucus=replace(queue.caucus, speakers=queue.caucus.speakers + 1))


def after_speech(queue: Queue, event: SpeechEnded) -> Queue:
    """O11: a caucus speech's seconds count towards the caucus's."""
    if queue.caucus is None or event.basis is not Basis.CAUCUS:
        return queue
    return replace(queue, caucus=replace(queue.caucus, spoken=queue.caucus.spoken + event.spoken))


def cut_at_time_up(queue: Queue, on_floor: Allotment) -> bool:
    """O11: the speeches whose time up ends them whatever the hard stop (T5): a caucus
    speech (at most its time) and a speech whose yield to questions spent its budget."""
    return on_floor.basis is Basis.CAUCUS or to_questions(queue, on_floor)
