"""Speech kinds (O8): pro and contra with alternation, interposed questions, answers.

Each test drives a room with a fake clock (``RoomLog`` at chosen instants).
"""

from __future__ import annotations

import pytest

from app.db import codec
from app.errors import FloorChanged, FloorRuleRefused, IllegalCommand
from app.queue import (
    AskInterposedQuestion,
    ClosePhase,
    CloseSegment,
    ConsentToQuestion,
    DeclineQuestion,
    FloorGranted,
    FloorRestored,
    GiveFloor,
    GrantFloor,
    HearPointOfOrder,
    InterposedQuestionAsked,
    MoveRequest,
    OpenSegment,
    QuestionConsented,
    QuestionEnded,
    RaisePointOfOrder,
    RequestFloor,
    RoomState,
    RulePointOfOrder,
    Stance,
    Tick,
    Undo,
    replay,
)
from app.record import build_record
from app.room.store import EVENTS
from app.timing import (
    Basis,
    EndSpeech,
    ExtendSpeech,
    FloorRules,
    PauseSpeech,
    ResumeSpeech,
    SetAllotment,
    Speaker,
    SpeechStatus,
    StartSpeech,
    seconds_left,
)
from tests.fakes import FRANCE, GHANA, PHILIPPINES, RoomLog, names, state
from tests.fakes import member_state_room as room
from tests.plans import MS_PHASE, START, action_group

MEXICO, PERU = state("MEX", "Mexico"), state("PER", "Peru")
T = MS_PHASE + 10
QUESTIONS = FloorRules(interposed_questions=True)


def debate(*asks: tuple[Speaker, Stance], alternate: bool = True) -> RoomLog:
    """The Member State phase, each delegation asking with its stance, a second apart."""
    log = RoomLog()
    log.do(OpenSegment(action_group(rules=FloorRules(alternate_stances=alternate))), START)
    log.do(ClosePhase(), MS_PHASE)
    for n, (who, stance) in enumerate(asks):
        log.do(RequestFloor(who, stance=stance), MS_PHASE + n)
    return log


def heard_in_turn(log: RoomLog, now: float, count: int) -> list[str]:
    """Who "next speaker" gives the floor to, ``count`` times, each speaking 10 s."""
    order: list[str] = []
    for n in range(count):
        (*_, granted) = log.do(GrantFloor(), now + 20 * n)
        assert isinstance(granted, FloorGranted)
        assert not granted.allotment.out_of_order  # P2: alternation is the rules' order
        order.append(granted.allotment.speaker.id)
        log.do(StartSpeech(), now + 20 * n)
        log.do(EndSpeech(), now + 20 * n + 10)
    return order


def last_stance(log: RoomLog) -> Stance:
    """O8: the stance the alternation reads."""
    return log.state.queue.last_stance


def speaking(log: RoomLog, now: float) -> RoomLog:
    """France on the floor since ``now``, 180 s (T2 flex)."""
    log.do(GrantFloor(), now)
    log.do(StartSpeech(), now)
    return log


# -- pro and contra ------------------------------------------------------------------------


def test_O8_a_requests_stance_is_kept_and_recorded_on_its_line() -> None:
    log = debate((FRANCE, Stance.PRO), (GHANA, Stance.CONTRA), (PERU, Stance.NONE))
    assert [r.stance for r in log.state.queue.waiting] == [Stance.PRO, Stance.CONTRA, Stance.NONE]
    heard_in_turn(log, T, 1)
    log.do(CloseSegment(), T + 60)

    lines = {line.speaker_id: line.stance for line in build_record(log.events)}
    assert lines == {"FRA": Stance.PRO, "GHA": Stance.CONTRA, "PER": Stance.NONE}
    assert RequestFloor(FRANCE).stance is Stance.NONE  # a plain contribution by default


def test_O8_without_alternation_the_queue_order_alone_decides() -> None:
    log = debate((FRANCE, Stance.PRO), (GHANA, Stance.PRO), (PERU, Stance.CONTRA), alternate=False)
    assert heard_in_turn(log, T, 3) == ["FRA", "GHA", "PER"]
    assert FloorRules().alternate_stances is False


def test_O8_with_alternation_pro_and_contra_alternate_where_both_wait() -> None:
    log = debate(
        (FRANCE, Stance.PRO),
        (GHANA, Stance.PRO),
        (MEXICO, Stance.NONE),
        (PERU, Stance.CONTRA),
        (PHILIPPINES, Stance.CONTRA),
    )
    # the first by order; then contra, pro, contra; no pro is left, so the order decides,
    # and a plain contribution never breaks the alternation
    assert heard_in_turn(log, T, 5) == ["FRA", "PER", "GHA", "PHL", "MEX"]
    assert replay(log.initial, log.events) == log.state


def test_O8_alternation_follows_the_last_speaker_who_started() -> None:
    log = debate((FRANCE, Stance.PRO), (GHANA, Stance.PRO), (PERU, Stance.CONTRA))
    log.do(GrantFloor(), T)
    log.do(EndSpeech(), T + 1)  # France never started: no stance spoken yet
    assert last_stance(log) is Stance.NONE
    assert heard_in_turn(log, T + 10, 2) == ["GHA", "PER"]


def test_O8_a_request_the_moderator_moved_keeps_its_turn_whatever_its_stance() -> None:
    log = debate((FRANCE, Stance.PRO), (GHANA, Stance.PRO), (PERU, Stance.CONTRA))
    heard_in_turn(log, T, 1)
    ghana = next(r for r in log.state.queue.waiting if r.delegation_id == "GHA")
    log.do(MoveRequest(ghana.id, 0), T + 30)
    (*_, granted) = log.do(GrantFloor(), T + 40)
    assert isinstance(granted, FloorGranted)
    assert granted.allotment.speaker.id == "GHA"
    assert granted.allotment.out_of_order  # P2: the move is an override, recorded


def test_O8_a_point_of_order_or_a_question_is_not_a_turn_for_the_alternation() -> None:
    rules = FloorRules(alternate_stances=True, interposed_questions=True)
    log = RoomLog()
    log.do(OpenSegment(action_group(rules=rules)), START)
    log.do(ClosePhase(), MS_PHASE)
    log.do(RequestFloor(FRANCE, stance=Stance.CONTRA), MS_PHASE)
    log.do(GrantFloor(), T)
    log.do(RaisePointOfOrder(MEXICO), T)
    log.do(HearPointOfOrder(), T + 1)  # France granted, not started, is held
    log.do(StartSpeech(), T + 1)
    assert last_stance(log) is Stance.NONE
    log.do(RulePointOfOrder("Noted."), T + 5)
    log.do(StartSpeech(), T + 6)
    assert last_stance(log) is Stance.CONTRA
    log.do(AskInterposedQuestion(PERU), T + 7)
    log.do(ConsentToQuestion(), T + 8)
    log.do(StartSpeech(), T + 8)
    assert last_stance(log) is Stance.CONTRA


# -- interposed questions ------------------------------------------------------------------


def test_O8_a_question_is_refused_where_the_meeting_takes_none() -> None:
    log = speaking(room(), T)
    assert FloorRules().interposed_questions is False  # the seeds' informal meeting
    with pytest.raises(FloorRuleRefused, match="takes no interposed questions"):
        log.do(AskInterposedQuestion(MEXICO), T + 5)
    programme = Speaker("programme:x:0", "Panellist")
    with pytest.raises(FloorRuleRefused):
        log.do(AskInterposedQuestion(programme), T + 5)


def test_O8_a_question_is_put_only_to_a_speaker_who_is_speaking() -> None:
    log = room(rules=QUESTIONS)
    with pytest.raises(IllegalCommand, match="no one is speaking"):
        log.do(AskInterposedQuestion(MEXICO), T)
    with pytest.raises(IllegalCommand, match="no one is speaking"):
        log.do(ConsentToQuestion(), T)
    log.do(GrantFloor(), T)
    with pytest.raises(IllegalCommand, match="no one is speaking"):
        log.do(AskInterposedQuestion(MEXICO), T + 1)  # granted, not started
    log.do(StartSpeech(), T + 2)
    with pytest.raises(IllegalCommand, match="puts no question to itself"):
        log.do(AskInterposedQuestion(FRANCE), T + 3)


def test_O8_a_question_longer_than_the_cap_is_refused() -> None:
    log = speaking(room(rules=QUESTIONS), T)
    assert QUESTIONS.interposed_question_seconds == 30.0
    with pytest.raises(FloorRuleRefused, match="at most 30 s, not 45 s"):
        log.do(AskInterposedQuestion(MEXICO, seconds=45), T + 5)
    with pytest.raises(IllegalCommand):
        log.do(AskInterposedQuestion(MEXICO, seconds=0), T + 5)
    (asked,) = log.do(AskInterposedQuestion(MEXICO, seconds=20, on_behalf=True), T + 5)
    assert isinstance(asked, InterposedQuestionAsked)
    assert (asked.question.seconds, asked.question.to_speaker) == (20.0, "FRA")
    log.do(ConsentToQuestion(), T + 6)
    with pytest.raises(FloorRuleRefused, match="at most 30 s, not 35 s"):
        log.do(ExtendSpeech(15), T + 7)
    with pytest.raises(FloorRuleRefused, match="at most 30 s, not 31 s"):
        log.do(SetAllotment(31), T + 7)
    assert names(log.do(ExtendSpeech(10), T + 7)) == ["SpeechExtended"]
    with pytest.raises(FloorRuleRefused, match="at most 30 s, not 35 s"):
        log.do(SetAllotment(25), T + 7)  # with the 10 s extension
    assert names(log.do(SetAllotment(20), T + 7)) == ["AllotmentOverridden"]
    question = log.state.speech
    assert question is not None
    assert (question.basis, question.seconds) == (Basis.QUESTION, 20.0)  # still a question


def test_O8_a_question_waits_for_the_speakers_consent_and_a_decline_drops_it() -> None:
    log = speaking(room(rules=QUESTIONS), T)
    (asked,) = log.do(AskInterposedQuestion(MEXICO), T + 5)
    assert isinstance(asked, InterposedQuestionAsked)
    assert log.do(AskInterposedQuestion(MEXICO), T + 6) == ()  # a second press: nothing
    speech = log.state.speech
    assert speech is not None
    assert (speech.speaker.id, speech.status) == ("FRA", SpeechStatus.RUNNING)  # untouched

    assert names(log.do(DeclineQuestion(), T + 7)) == ["QuestionDeclined"]
    assert log.state.queue.questions == ()
    with pytest.raises(IllegalCommand, match="no interposed question is waiting"):
        log.do(ConsentToQuestion(), T + 8)
    with pytest.raises(FloorChanged, match="no longer waiting"):
        log.do(DeclineQuestion(asked.question.id), T + 8)  # M1


def test_O8_with_consent_the_speakers_clock_stops_and_resumes_with_exactly_its_seconds() -> None:
    log = speaking(room(rules=QUESTIONS), T)
    (asked,) = log.do(AskInterposedQuestion(MEXICO), T + 50)
    assert isinstance(asked, InterposedQuestionAsked)

    events = log.do(ConsentToQuestion(asked.question.id, expected_speaker="FRA"), T + 52)

    assert names(events) == ["SpeechPaused", "QuestionConsented"]
    consented = events[1]
    assert isinstance(consented, QuestionConsented)
    assert (consented.interrupted.speaker.id, consented.interrupted.seconds_left) == ("FRA", 128)
    assert log.state.held == consented.interrupted
    question = log.state.speech
    assert question is not None
    assert (question.speaker.id, question.basis, question.seconds) == ("MEX", Basis.QUESTION, 30)
    assert log.state.queue.questions == ()

    log.do(StartSpeech(), T + 53)
    (warned, ended) = log.do(EndSpeech(expected_speaker="MEX"), T + 73)

    assert type(warned).__name__ == "WarningReached"  # at half its time: 15 s left

    assert isinstance(ended, QuestionEnded)
    assert (ended.asked_by.id, ended.asked_at, ended.spoken) == ("MEX", T + 50, 20.0)
    assert ended.resumed == consented.interrupted
    back = log.state.speech
    assert back is not None
    assert (back.speaker.id, back.status, seconds_left(back, T + 999)) == (
        "FRA",
        SpeechStatus.PAUSED,
        128.0,
    )
    assert log.state.held is None
    log.do(ResumeSpeech(), T + 80)  # the answer is part of France's own speech
    assert log.state.speech is not None
    assert seconds_left(log.state.speech, T + 80) == 128.0
    assert replay(log.initial, log.events) == log.state


def test_O8_a_paused_speaker_stays_paused_and_keeps_its_seconds() -> None:
    log = speaking(room(rules=QUESTIONS), T)
    log.do(PauseSpeech(), T + 30)
    log.do(AskInterposedQuestion(MEXICO), T + 31)
    assert names(log.do(ConsentToQuestion(), T + 40)) == ["QuestionConsented"]
    assert log.state.held is not None
    assert log.state.held.seconds_left == 150.0


def test_O8_a_questions_time_up_ends_it_and_the_speaker_is_back() -> None:
    log = speaking(room(rules=QUESTIONS), T)
    log.do(AskInterposedQuestion(MEXICO, seconds=20), T + 10)
    log.do(ConsentToQuestion(), T + 11)
    log.do(StartSpeech(), T + 12)
    question = log.state.speech
    assert question is not None
    assert question.warning_seconds == 10.0  # the meeting's 30 s warning, within its time

    events = log.do(Tick(), T + 40)

    assert names(events) == ["WarningReached", "TimeUp", "QuestionEnded"]
    ended = events[-1]
    assert isinstance(ended, QuestionEnded)
    assert (ended.at, ended.spoken) == (T + 32, 20.0)
    back = log.state.speech
    assert back is not None
    assert (back.speaker.id, back.status, back.seconds_left) == ("FRA", SpeechStatus.PAUSED, 169)


def test_O8_a_question_is_not_a_contribution() -> None:
    log = speaking(room(MEXICO, FRANCE, rules=QUESTIONS), T)  # Mexico speaks first
    log.do(AskInterposedQuestion(GHANA), T + 5)
    log.do(ConsentToQuestion(), T + 6)
    log.do(StartSpeech(), T + 6)
    log.do(EndSpeech(), T + 30)
    assert log.state.queue.spoken == frozenset()  # P8: Ghana has not spoken
    assert log.state.segment is not None
    assert log.state.segment.heard_in_phase == 0  # A4: Mexico's speech is not over
    log.do(RequestFloor(GHANA), T + 31)
    ghana = next(r for r in log.state.queue.waiting if r.delegation_id == "GHA")
    assert ghana.first_time  # P8: still a first-time speaker
    log.do(ResumeSpeech(), T + 32)
    log.do(EndSpeech(), T + 60)
    log.do(CloseSegment(), T + 61)

    lines = build_record(log.events)
    assert [(line.speaker_id, line.spoken) for line in lines if line.heard] == [("MEX", 34.0)]
    assert [line.speaker_id for line in lines] == ["MEX", "FRA", "GHA"]  # no question line


def test_O8_while_a_question_is_on_the_floor_the_speaker_answers_it_first() -> None:
    log = speaking(room(rules=QUESTIONS), T)
    log.do(AskInterposedQuestion(MEXICO), T + 5)
    log.do(AskInterposedQuestion(PERU), T + 5)
    log.do(ConsentToQuestion(), T + 6)
    refused: list[object] = [
        GrantFloor(),
        GiveFloor("Chair"),
        CloseSegment(),
        HearPointOfOrder(),
        ConsentToQuestion(),
    ]
    log.do(RaisePointOfOrder(GHANA), T + 7)  # a point may be raised; it is heard after
    for command in refused:
        with pytest.raises(IllegalCommand, match="the speaker answers it first"):
            log.do(command, T + 8)  # type: ignore[arg-type]
    log.do(EndSpeech(), T + 9)
    assert names(log.do(HearPointOfOrder(), T + 10))[-1] == "PointOfOrderHeard"
    assert log.state.held is not None
    assert log.state.held.speaker.id == "FRA"


def test_O8_O1_a_question_asked_during_a_point_of_order_waits_for_the_ruling() -> None:
    log = speaking(room(rules=QUESTIONS), T)
    log.do(RaisePointOfOrder(GHANA), T + 5)
    log.do(HearPointOfOrder(), T + 6)
    (asked,) = log.do(AskInterposedQuestion(MEXICO), T + 7)
    assert isinstance(asked, InterposedQuestionAsked)
    assert asked.question.to_speaker == "FRA"  # the held speech, not the raiser
    with pytest.raises(IllegalCommand, match="the chair rules on it first"):
        log.do(ConsentToQuestion(), T + 8)
    log.do(RulePointOfOrder("Noted."), T + 9)
    assert names(log.do(ConsentToQuestion(), T + 10)) == ["QuestionConsented"]


def test_O8_waiting_questions_lapse_when_the_speech_ends() -> None:
    log = speaking(room(rules=QUESTIONS), T)
    log.do(AskInterposedQuestion(MEXICO), T + 5)
    log.do(EndSpeech(), T + 6)
    assert log.state.queue.questions == ()


def test_O8_M3_the_consent_is_undone_like_the_floor_given() -> None:
    log = speaking(room(rules=QUESTIONS), T)
    log.do(AskInterposedQuestion(MEXICO), T + 50)
    log.do(ConsentToQuestion(), T + 52)
    (undone,) = log.do(Undo(), T + 60)

    assert isinstance(undone, FloorRestored)
    assert undone.undone == "the floor given to Mexico's interposed question"
    back = log.state.speech
    assert back is not None
    assert (back.speaker.id, back.status, back.seconds_left) == ("FRA", SpeechStatus.PAUSED, 128)
    assert log.state.held is None
    assert [q.delegation_id for q in log.state.queue.questions] == ["MEX"]
    assert replay(log.initial, log.events) == log.state


@pytest.mark.parametrize(
    ("then", "changed"),
    [
        (AskInterposedQuestion(GHANA), "Ghana asked to put an interposed question"),
        (DeclineQuestion(), "Peru's interposed question was declined"),
        (EndSpeech(), "Mexico's question ended"),
    ],
)
def test_O8_M3_a_question_asked_declined_or_ended_spends_the_undo(
    then: AskInterposedQuestion | DeclineQuestion | EndSpeech, changed: str
) -> None:
    log = speaking(room(rules=QUESTIONS), T)
    log.do(AskInterposedQuestion(MEXICO), T + 1)
    log.do(AskInterposedQuestion(PERU), T + 1)
    log.do(ConsentToQuestion(), T + 2)  # the floor given: an undo point
    log.do(then, T + 3)
    with pytest.raises(FloorRuleRefused, match=changed):
        log.do(Undo(), T + 4)


def test_O8_the_new_events_and_the_room_are_stored_and_read_back_as_they_were() -> None:
    log = speaking(room(rules=QUESTIONS), T)
    log.do(RequestFloor(GHANA, stance=Stance.CONTRA), T + 1)
    log.do(AskInterposedQuestion(MEXICO), T + 2)
    log.do(AskInterposedQuestion(PERU), T + 2)
    log.do(ConsentToQuestion(), T + 3)
    held = log.state
    log.do(EndSpeech(), T + 4)
    log.do(DeclineQuestion(), T + 5)
    assert codec.load(RoomState, codec.dump(held)) == held
    assert [EVENTS.load(codec.dump_tagged(e)) for e in log.events] == log.events
