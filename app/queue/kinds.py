"""Speech kinds (O8): pro and contra, interposed questions, answers.

Theory of operation
-------------------
*Pro and contra.* A request may speak ``pro`` or ``contra`` (its ``stance``;
``none`` is a plain contribution). With ``FloorRules.alternate_stances`` on,
"next speaker" alternates them where both wait. Alternation composes with the
speaking order (P2, P4, P8, O4) this way: the order picks the candidates and
their order, alternation only chooses among them. Exactly:

* a request the moderator moved (an override, P2) that "next speaker" would
  reach first keeps its turn, whatever its stance;
* otherwise, if the last speaker with a stance (``Queue.last_stance``: set
  when a pro or contra speaker starts speaking) was pro, the first waiting
  contra request the phase hears, in the queue's order, speaks next (and the
  other way round); a plain contribution never breaks the alternation;
* if none of the opposite stance waits, or no one has spoken pro or contra
  yet, the queue's order alone decides.

A grant is *in order* (P2) when it goes to the request these rules pick from
the rules' order (moves ignored); any other is recorded as out of order.

*Interposed questions.* Where the meeting takes them
(``FloorRules.interposed_questions``, off by default), a delegation asks to
put a question to the speaker on the floor (``AskInterposedQuestion``), for
at most ``interposed_question_seconds`` (30 s by default; a longer one is
refused). The questions wait in their own list (``Queue.questions``) until
the chair records the speaker's answer: ``DeclineQuestion`` drops it;
``ConsentToQuestion`` stops the speaker's clock and *holds* the speech
(``RoomState.held``, exactly as a point of order holds it, O1) while the
questioner has the floor (basis ``QUESTION``). Ending it (``EndSpeech``), or
its time up, which always ends it (the cap is "at most"), puts the held speech
back on the floor, paused, with exactly the seconds it had
(``QuestionEnded``); the moderator resumes it. Waiting questions lapse when
the speech ends.

The *answer* is part of the speaker's own speech: it takes the speaker's own
time and needs no allotment of its own.

A question is not a contribution: it fills no slot (A4), marks no one as
having spoken (P8) and makes no line of the record (R1); its events carry
who asked, when, and how long. While a question is on the floor the speaker
answers it first: another grant, the segment's close, a point of order's
hearing and a second consent are refused (a point of order may still be
raised; it is heard once the speaker is back, after at most the question's
30 s, so that one held speech is never held twice). Questions may be asked
while a point of order is heard; the consent waits for the ruling.

Rules: O8 (with O1, P2, M1, M3). Pure: no I/O; time is an argument (UTC epoch seconds).
"""

from __future__ import annotations

from collections.abc import Iterable

from app.errors import FloorChanged, FloorRuleRefused, IllegalCommand
from app.queue import order
from app.queue.commands import AskInterposedQuestion, ConsentToQuestion, DeclineQuestion
from app.queue.events import (
    Event,
    InterposedQuestionAsked,
    QuestionConsented,
    QuestionDeclined,
    QuestionEnded,
)
from app.queue.requests import FloorRequest, InterposedQuestion, Queue, Stance, is_open_to
from app.timing import allotment as speech
from app.timing.allotment import Allotment, Basis, Speaker, SpeechPaused, SpeechStatus
from app.timing.plan import FloorRules, PhasePlan
from app.timing.programme import SegmentRun, current_phase

_OPPOSITE = {Stance.PRO: Stance.CONTRA, Stance.CONTRA: Stance.PRO}

# -- pro and contra --------------------------------------------------------------------


def _alternated(
    rules: FloorRules, last: Stance, requests: Iterable[FloorRequest]
) -> FloorRequest | None:
    """O8: the first of ``requests`` of the stance opposite to ``last``, if alternating."""
    wanted = _OPPOSITE.get(last) if rules.alternate_stances else None
    return next((r for r in requests if r.stance is wanted), None) if wanted else None


def next_in(
    rules: FloorRules, queue: Queue, phase: PhasePlan, skip: str | None = None
) -> FloorRequest | None:
    """The request "next speaker" gives the floor to (``order.next_in``, alternated)."""
    waiting = tuple(r for r in queue.waiting if r.id != skip)
    found = order.next_in(phase, waiting)
    if found is None or found.moved:
        return found  # P2: a moved request keeps the turn it was given
    heard = (r for r in waiting if order.accepts(phase, r))
    return _alternated(rules, queue.last_stance, heard) or found


def in_rule_order(rules: FloorRules, queue: Queue, phase: PhasePlan) -> FloorRequest | None:
    """P2 with O8: the next request by the rules alone (moves ignored), alternated."""
    by_rule = sorted((r for r in queue.waiting if order.accepts(phase, r)), key=order.order_key)
    return _alternated(rules, queue.last_stance, by_rule) or next(iter(by_rule), None)


def started(queue: Queue) -> Stance:
    """O8: the last stance once the speaker on the floor starts (its request's, if any)."""
    granted = queue.granted
    if granted is None or granted.stance is Stance.NONE:
        return queue.last_stance
    return granted.stance


def is_procedural(allotment: Allotment) -> bool:
    """O1, O8: a point of order's or a question's clock, which holds a speech: not a turn."""
    return allotment.basis in (Basis.POINT_OF_ORDER, Basis.QUESTION)


# -- interposed questions --------------------------------------------------------------


def is_question(allotment: Allotment | None) -> bool:
    """O8: whether the allotment on the floor is an interposed question's."""
    return allotment is not None and allotment.basis is Basis.QUESTION


def being_asked(on_floor: Allotment) -> IllegalCommand:
    """Why a command must wait while a question is on the floor (the refusal to raise)."""
    who = on_floor.speaker
    return IllegalCommand("question.being_asked", speaker=who.name, speaker_code=who.id)


def asked(
    run: SegmentRun,
    queue: Queue,
    on_floor: Allotment | None,
    command: AskInterposedQuestion,
    now: float,
) -> list[Event]:
    """O8: the question joins its list; ``on_floor`` is the speech on substance. A second
    press of a waiting question changes nothing."""
    rules, who = run.plan.rules, command.delegation
    if who.category is None or not is_open_to(who.category):
        raise FloorRuleRefused("floor.by_programme", speaker=who.name, speaker_code=who.id)
    if not rules.interposed_questions:
        raise FloorRuleRefused("question.not_taken", segment=run.plan.title)
    if on_floor is None or on_floor.started_at is None:
        raise IllegalCommand("question.no_speech")
    if on_floor.speaker.id == who.id:
        raise IllegalCommand("question.own_speech", speaker=who.name, speaker_code=who.id)
    cap = rules.interposed_question_seconds
    seconds = cap if command.seconds is None else command.seconds
    if seconds <= 0:
        raise IllegalCommand("speech.allotment_not_positive", seconds=f"{seconds:g}")
    refuse_past_cap(rules, seconds)
    if any(q.delegation_id == who.id for q in queue.questions):
        return []
    question = InterposedQuestion(
        id=f"{run.plan.id}.{queue.next_seq}",
        delegation_id=who.id,
        name=who.name,
        category=who.category,
        asked_at=now,
        seq=queue.next_seq,
        seconds=seconds,
        to_speaker=on_floor.speaker.id,
        on_behalf=command.on_behalf,
    )
    return [InterposedQuestionAsked(now, question)]


def refuse_past_cap(rules: FloorRules, seconds: float) -> None:
    """O8: a question lasts at most the meeting's cap (asked, extended or set)."""
    cap = rules.interposed_question_seconds
    if seconds > cap:
        raise FloorRuleRefused("question.too_long", seconds=f"{seconds:g}", cap=f"{cap:g}")


def chosen(queue: Queue, command: ConsentToQuestion | DeclineQuestion) -> InterposedQuestion:
    """The question the speaker answers: the first asked, or the one the console showed."""
    if command.question_id is None:
        if not queue.questions:
            raise IllegalCommand("question.none_waiting")
        return queue.questions[0]
    question = next((q for q in queue.questions if q.id == command.question_id), None)
    if question is None:
        raise FloorChanged("question.no_longer_waiting", question=command.question_id)
    return question


def consented(
    run: SegmentRun, queue: Queue, on_floor: Allotment, command: ConsentToQuestion, now: float
) -> list[Event]:
    """O8: the speaker's clock stops (paused if it ran) and is held; the questioner has
    the floor for the question's seconds."""
    return put(run, chosen(queue, command), on_floor, now)


def put(
    run: SegmentRun, question: InterposedQuestion, on_floor: Allotment, now: float
) -> list[Event]:
    """O8, O11: a question is put: the speech on the floor is paused (if it ran) and held,
    and the questioner has the floor for the question's seconds. The speaker's consent
    (O8) and the chair's call after a yield to questions (O11) both come here."""
    pause: list[Event] = []
    if on_floor.status is SpeechStatus.RUNNING:
        paused = SpeechPaused(now, speech.seconds_left(on_floor, now))
        pause, on_floor = [paused], speech.evolve(on_floor, paused)
    allotment = speech.allot(
        Speaker(question.delegation_id, question.name, question.category),
        question.seconds,
        Basis.QUESTION,
        now=now,
        warning_seconds=min(run.plan.rules.warning_seconds, question.seconds / 2),
        request_id=question.id,
        requested_at=question.asked_at,
        phase_key=current_phase(run).key,
    )
    return [*pause, QuestionConsented(now, question, allotment, on_floor)]


def declined(queue: Queue, command: DeclineQuestion, now: float) -> list[Event]:
    """O8: the speaker declines; the question is dropped."""
    return [QuestionDeclined(now, chosen(queue, command))]


def ended(on_floor: Allotment, held: Allotment | None, now: float) -> QuestionEnded:
    """O8: the question is over; the held speech comes back exactly as held."""
    assert held is not None  # a question is only ever put to a speech, held meanwhile
    assert on_floor.request_id is not None  # a question's allotment names it (consented)
    assert on_floor.requested_at is not None
    spoken = speech.ended(on_floor, now).spoken
    return QuestionEnded(
        now, on_floor.request_id, on_floor.speaker, on_floor.requested_at, spoken, held
    )
