"""Yields (O11, Model UN): the speaker gives away the time it has left.

Theory of operation
-------------------
Where the meeting takes them (``FloorRules.yield_kinds``: the Model UN
profile takes all three; every other profile none, and a yield is refused
there), the speaker on the floor yields the seconds it has left
(``YieldFloor``). The console sends it for the speaker, naming it
(``expected_speaker``, M1): only the speaker on the floor yields. Only a
speech of the general speakers' list (a request's, on substance) yields, once
(time yielded is never yielded again), after it has started, and only while
time is left.

* *To another delegate* (``DELEGATE``): the yielder's speech ends
  (``SpeechEnded``, its own seconds) and the delegate has the floor for
  exactly the seconds that were left (``FloorYielded``, an allotment of basis
  ``YIELDED``): no new allotment of the list, no request, no place in the
  queue. Its line in the record is the yield's (basis ``yielded``).
* *To questions* (``QUESTIONS``): the speech stays on the floor and its clock
  becomes the chair's budget. The chair calls questioners
  (``CallQuestioner``): as for an interposed question (O8), the speaker's
  clock stops and the speech is *held* (``RoomState.held``), and the
  questioner has the floor (basis ``QUESTION``) for at most the budget left.
  When the question ends (``EndSpeech`` or its time up) the speech comes back
  paused with the budget less the question's seconds (taken from its
  allotment too, so the speaker's line keeps its own seconds); the speaker's
  answers run on its own clock, the budget. When the budget is gone, at its
  deadline or with a question, the speech ends and the yield with it.
* *To the chair* (``CHAIR``): the speech ends; the seconds left lapse and the
  floor is free.

The yield in force is ``Queue.yielded`` (``Yielding``), until the speech it
belongs to ends. Undoing a yield to a delegate or to the chair (M3) gives the
yielder back the floor with the seconds it had, as for any end of a speech.

Rules: O11 (with O8, M1, M3). Pure: no I/O; time is an argument (UTC epoch seconds).
"""

from __future__ import annotations

from dataclasses import replace

from app.errors import FloorRuleRefused, IllegalCommand
from app.queue import kinds
from app.queue.commands import CallQuestioner, YieldFloor
from app.queue.events import Event, FloorYielded, QuestionEnded
from app.queue.requests import InterposedQuestion, Queue, Yielding, is_open_to
from app.timing import allotment as speech
from app.timing.allotment import Allotment, Basis
from app.timing.plan import YieldKind
from app.timing.programme import SegmentRun

#: The kinds of yield, in the meeting's words (the messages name them so).
KIND_WORDS = {
    YieldKind.DELEGATE: "to another delegate",
    YieldKind.QUESTIONS: "to questions",
    YieldKind.CHAIR: "to the chair",
}

#: O11: the speeches of the general speakers' list (a request's, on substance).
_ON_THE_LIST = frozenset(
    {
        Basis.SLOT,
        Basis.FLEX,
        Basis.RCP,
        Basis.OVERRIDE,
        Basis.CATEGORY,
        Basis.CAPACITY,
        Basis.CONTINGENT,
    }
)


def yielded(
    run: SegmentRun, queue: Queue, on_floor: Allotment | None, command: YieldFloor, now: float
) -> list[Event]:
    """O11: the events of the yield of ``command`` by the speech ``on_floor``."""
    rules, kind = run.plan.rules, command.kind
    if kind not in rules.yield_kinds:
        raise FloorRuleRefused("yield.not_taken", kind=KIND_WORDS[kind], segment=run.plan.title)
    if on_floor is None:
        raise IllegalCommand("floor.nobody")
    who = on_floor.speaker
    if queue.yielded is not None:
        raise IllegalCommand("yield.already", speaker=who.name, speaker_code=who.id)
    if on_floor.basis not in _ON_THE_LIST or on_floor.request_id is None:
        raise IllegalCommand("yield.not_on_list", speaker=who.name, speaker_code=who.id)
    if on_floor.started_at is None:
        raise IllegalCommand("speech.not_started", speaker=who.name, speaker_code=who.id)
    left = speech.seconds_left(on_floor, now)
    if left <= 0:
        raise IllegalCommand("yield.nothing_left", speaker=who.name, speaker_code=who.id)
    if kind is YieldKind.QUESTIONS:
        return [FloorYielded(now, kind, who, on_floor.request_id, left)]
    ended = speech.ended(on_floor, now)
    if kind is YieldKind.CHAIR:
        return [ended, FloorYielded(now, kind, who, on_floor.request_id, left)]
    to = command.to
    if to is None:
        raise IllegalCommand("yield.to_whom", speaker=who.name, speaker_code=who.id)
    if to.id == who.id:
        raise IllegalCommand("yield.to_self", speaker=who.name, speaker_code=who.id)
    if to.category is None or not is_open_to(to.category):
        raise FloorRuleRefused("floor.by_programme", speaker=to.name, speaker_code=to.id)
    allotment = speech.allot(
        to,
        left,
        Basis.YIELDED,
        now=now,
        warning_seconds=min(rules.warning_seconds, left / 2),
        phase_key=on_floor.phase_key,
    )
    return [ended, FloorYielded(now, kind, who, on_floor.request_id, left, to, allotment)]


def given(queue: Queue, event: FloorYielded) -> Queue:
    """The queue after ``event``: the yield in force (none after a yield to the chair)."""
    if event.kind is YieldKind.CHAIR:
        return queue
    return replace(queue, yielded=Yielding(event.kind, event.by, event.seconds, event.at, event.to))


def to_questions(queue: Queue, on_floor: Allotment) -> bool:
    """O11: whether ``on_floor`` is a speech that yielded to questions (its clock the
    budget)."""
    y = queue.yielded
    return y is not None and y.kind is YieldKind.QUESTIONS and on_floor.speaker.id == y.by.id


def questioner_called(
    run: SegmentRun, queue: Queue, on_floor: Allotment | None, command: CallQuestioner, now: float
) -> list[Event]:
    """O11: the questioner speaks from the budget left; the speech is paused and held."""
    if on_floor is None or not to_questions(queue, on_floor):
        raise IllegalCommand("yield.no_questions")
    who = command.delegation
    if who.category is None or not is_open_to(who.category):
        raise FloorRuleRefused("floor.by_programme", speaker=who.name, speaker_code=who.id)
    if who.id == on_floor.speaker.id:
        raise IllegalCommand("question.own_speech", speaker=who.name, speaker_code=who.id)
    budget = speech.seconds_left(on_floor, now)  # positive: a spent budget ended the speech
    question = InterposedQuestion(
        id=f"{run.plan.id}.{queue.next_seq}",
        delegation_id=who.id,
        name=who.name,
        category=who.category,
        asked_at=now,
        seq=queue.next_seq,
        seconds=budget,
        to_speaker=on_floor.speaker.id,
        on_behalf=True,
    )
    return kinds.put(run, question, on_floor, now)


def question_ended(queue: Queue, ended: QuestionEnded) -> list[Event]:
    """O8, O11: the question is over. After a yield to questions its seconds come off the
    budget; a budget spent ends the speech (and the yield)."""
    back = ended.resumed
    if not to_questions(queue, back):
        return [ended]
    drawn = replace(
        back, seconds=back.seconds - ended.spoken, seconds_left=back.seconds_left - ended.spoken
    )
    events: list[Event] = [replace(ended, resumed=drawn)]
    if drawn.seconds_left <= 0:
        events.append(speech.ended(drawn, ended.at))
    return events


def asked(queue: Queue, event: QuestionEnded) -> Queue:
    """O11: the yield's account of the questions, once one has ended."""
    y = queue.yielded
    if y is None or not to_questions(queue, event.resumed):
        return queue
    return replace(
        queue, yielded=replace(y, asked=y.asked + event.spoken, questioners=y.questioners + 1)
    )
