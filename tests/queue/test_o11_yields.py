"""Yields (O11, Model UN): to another delegate, to questions, to the chair.

Each test drives a room with a fake clock (``RoomLog`` at chosen instants): the
action group's Member State phase, France on the floor from ``T`` with 180 s
(T2 flex), the Philippines and Ghana waiting.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.db import codec
from app.errors import DomainError, FloorChanged, FloorRuleRefused, IllegalCommand
from app.queue import (
    AskInterposedQuestion,
    CallQuestioner,
    Command,
    ConsentToQuestion,
    FloorGranted,
    FloorRestored,
    FloorYielded,
    GiveFloor,
    GrantFloor,
    HearPointOfOrder,
    QuestionConsented,
    QuestionEnded,
    RaisePointOfOrder,
    RoomState,
    Tick,
    Undo,
    WithdrawRequest,
    YieldFloor,
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
    SpeechEnded,
    SpeechStatus,
    StartSpeech,
    YieldKind,
)
from tests.fakes import FRANCE, GHANA, RoomLog, names, state, waiting
from tests.fakes import member_state_room as room
from tests.plans import MS_PHASE

MEXICO = state("MEX", "Mexico")
T = MS_PHASE + 10
ALLOTTED = 180.0  # France's allotment (T2 flex)
MODEL_UN = FloorRules(yield_kinds=frozenset(YieldKind), point_of_order_interrupts=True)
DELEGATE, QUESTIONS, CHAIR = YieldKind.DELEGATE, YieldKind.QUESTIONS, YieldKind.CHAIR


def speaking(rules: FloorRules = MODEL_UN) -> RoomLog:
    """France on the floor since ``T``, 180 s; the Philippines and Ghana waiting."""
    log = room(rules=rules)
    log.do(GrantFloor(), T)
    log.do(StartSpeech(), T)
    return log


def yield_(kind: YieldKind, to: Speaker | None = None, by: str = "FRA") -> YieldFloor:
    return YieldFloor(kind, expected_speaker=by, to=to)


def on_floor(log: RoomLog) -> tuple[str, Basis, SpeechStatus, float]:
    s = log.state.speech
    assert s is not None
    return s.speaker.id, s.basis, s.status, s.seconds_left


# -- to another delegate -------------------------------------------------------------------


def test_o11_yield_to_delegate_gives_exactly_the_seconds_left() -> None:
    log = speaking()
    events = log.do(yield_(DELEGATE, MEXICO), T + 50)

    assert names(events) == ["SpeechEnded", "FloorYielded"]
    ended, yielded = events
    assert isinstance(ended, SpeechEnded)
    assert ended.spoken == 50
    assert isinstance(yielded, FloorYielded)
    assert (yielded.kind, yielded.by.id, yielded.seconds) == (DELEGATE, "FRA", ALLOTTED - 50)
    assert on_floor(log) == ("MEX", Basis.YIELDED, SpeechStatus.ALLOTTED, ALLOTTED - 50)
    assert waiting(log) == ["PHL", "GHA"]  # no request, no place in the queue
    y = log.state.queue.yielded
    assert y is not None
    assert (y.kind, y.by.id, y.to, y.seconds) == (DELEGATE, "FRA", MEXICO, 130)


def test_o11_yielded_time_is_recorded_as_a_yield_and_fills_no_slot() -> None:
    log = speaking()
    log.do(yield_(DELEGATE, MEXICO), T + 50)
    heard = log.state.segment.heard_in_phase if log.state.segment else 0
    log.do(StartSpeech(), T + 51)
    log.do(EndSpeech(), T + 151)

    assert log.state.queue.yielded is None  # the yield ends with its speech
    assert log.state.segment is not None
    assert log.state.segment.heard_in_phase == heard
    assert "MEX" not in log.state.queue.spoken  # P8: no turn of the list
    lines = {line.speaker_id: line for line in build_record(log.events)}
    assert (lines["FRA"].basis, lines["FRA"].spoken) == (Basis.FLEX, 50)
    assert (lines["MEX"].basis, lines["MEX"].allotted, lines["MEX"].spoken) == (
        Basis.YIELDED,
        130,
        100,
    )


def test_o11_yielded_time_is_not_yielded_again() -> None:
    log = speaking()
    log.do(yield_(DELEGATE, MEXICO), T + 50)
    log.do(StartSpeech(), T + 51)
    with pytest.raises(IllegalCommand) as refused:
        log.do(yield_(DELEGATE, GHANA, by="MEX"), T + 60)
    assert refused.value.code == "yield.already"


def test_o11_a_speech_yields_once() -> None:
    log = speaking()
    log.do(yield_(QUESTIONS), T + 50)
    with pytest.raises(IllegalCommand, match="yielded already"):
        log.do(yield_(CHAIR), T + 55)


def test_o11_a_yield_set_by_the_chair_stays_a_yield() -> None:
    log = speaking()
    log.do(yield_(DELEGATE, MEXICO), T + 50)
    log.do(SetAllotment(100), T + 51)
    assert on_floor(log)[:2] == ("MEX", Basis.YIELDED)
    log.do(StartSpeech(), T + 52)
    log.do(EndSpeech(), T + 62)
    (line,) = [x for x in build_record(log.events) if x.speaker_id == "MEX"]
    assert (line.basis, line.granted_at, line.allotted) == (Basis.YIELDED, T + 50, 100)


def test_o11_to_whom_a_speaker_yields_is_named_and_is_another_delegate() -> None:
    log = speaking()
    with pytest.raises(IllegalCommand) as refused:
        log.do(yield_(DELEGATE), T + 5)
    assert refused.value.code == "yield.to_whom"
    with pytest.raises(IllegalCommand) as refused:
        log.do(yield_(DELEGATE, FRANCE), T + 5)
    assert refused.value.code == "yield.to_self"
    with pytest.raises(FloorRuleRefused) as by_programme:
        log.do(yield_(DELEGATE, Speaker("programme:x", "Panellist")), T + 5)
    assert by_programme.value.code == "floor.by_programme"


# -- who yields, and when ----------------------------------------------------------------


def test_o11_a_yield_is_refused_where_the_meeting_takes_none() -> None:
    log = speaking(FloorRules())
    assert FloorRules().yield_kinds == frozenset()
    with pytest.raises(FloorRuleRefused) as refused:
        log.do(yield_(CHAIR), T + 5)
    assert refused.value.code == "yield.not_taken"
    assert "takes no yield to the chair" in str(refused.value)


def test_o11_a_meeting_may_take_some_kinds_of_yield_only() -> None:
    log = speaking(FloorRules(yield_kinds=frozenset({CHAIR})))
    with pytest.raises(FloorRuleRefused, match="takes no yield to questions"):
        log.do(yield_(QUESTIONS), T + 5)
    log.do(yield_(CHAIR), T + 6)
    assert log.state.speech is None


def test_o11_only_the_speaker_on_the_floor_yields() -> None:
    log = speaking()
    with pytest.raises(FloorChanged):
        log.do(yield_(CHAIR, by="GHA"), T + 5)
    log.do(EndSpeech(), T + 6)
    with pytest.raises(IllegalCommand) as refused:
        log.do(yield_(CHAIR, by=""), T + 7)
    assert refused.value.code == "floor.nobody"


def test_o11_no_yield_when_nothing_is_left() -> None:
    log = speaking()
    with pytest.raises(IllegalCommand) as refused:
        log.do(yield_(DELEGATE, MEXICO), T + ALLOTTED + 5)  # in overtime
    assert refused.value.code == "yield.nothing_left"


def test_o11_no_yield_before_the_speech_starts() -> None:
    log = room(rules=MODEL_UN)
    log.do(GrantFloor(), T)
    with pytest.raises(IllegalCommand) as refused:
        log.do(yield_(CHAIR), T + 1)
    assert refused.value.code == "speech.not_started"


def test_o11_only_a_speech_of_the_speakers_list_yields() -> None:
    log = room(rules=MODEL_UN)
    log.do(GiveFloor("Secretary"), T)
    log.do(StartSpeech(), T)
    with pytest.raises(IllegalCommand) as refused:
        log.do(yield_(CHAIR, by="named:Secretary"), T + 5)
    assert refused.value.code == "yield.not_on_list"


def test_o11_a_yield_waits_for_the_ruling_on_a_point_of_order() -> None:
    log = speaking()
    log.do(RaisePointOfOrder(GHANA), T + 5)
    log.do(HearPointOfOrder(), T + 6)
    with pytest.raises(IllegalCommand, match="point of order"):
        log.do(YieldFloor(CHAIR, expected_speaker="GHA"), T + 7)


# -- to the chair ------------------------------------------------------------------------


def test_o11_yield_to_the_chair_lapses_the_time_and_frees_the_floor() -> None:
    log = speaking()
    events = log.do(yield_(CHAIR), T + 40)

    assert names(events) == ["SpeechEnded", "FloorYielded"]
    assert isinstance(events[1], FloorYielded)
    assert events[1].seconds == ALLOTTED - 40
    assert log.state.speech is None
    assert log.state.queue.yielded is None
    (*_, granted) = log.do(GrantFloor(), T + 41)  # the list goes on
    assert isinstance(granted, FloorGranted)
    assert granted.allotment.speaker.id == "PHL"


# -- to questions -------------------------------------------------------------------------


def test_o11_yield_to_questions_makes_the_seconds_left_a_budget() -> None:
    log = speaking()
    (yielded,) = log.do(yield_(QUESTIONS), T + 60)

    assert isinstance(yielded, FloorYielded)
    assert yielded.seconds == 120
    assert on_floor(log)[:3] == ("FRA", Basis.FLEX, SpeechStatus.RUNNING)  # its clock, the budget
    y = log.state.queue.yielded
    assert y is not None
    assert (y.kind, y.seconds, y.asked) == (QUESTIONS, 120, 0)


def test_o11_the_chair_calls_a_questioner_who_speaks_from_the_budget() -> None:
    log = speaking()
    log.do(yield_(QUESTIONS), T + 60)
    events = log.do(CallQuestioner(MEXICO, expected_speaker="FRA"), T + 70)  # 10 s answering

    assert names(events) == ["SpeechPaused", "QuestionConsented"]
    consented = events[1]
    assert isinstance(consented, QuestionConsented)
    assert on_floor(log) == ("MEX", Basis.QUESTION, SpeechStatus.ALLOTTED, 110)
    assert log.state.held is not None
    assert log.state.held.seconds_left == 110
    log.do(StartSpeech(), T + 70)
    (ended,) = log.do(EndSpeech(), T + 85)  # a 15-second question

    assert isinstance(ended, QuestionEnded)
    assert ended.spoken == 15
    assert on_floor(log) == ("FRA", Basis.FLEX, SpeechStatus.PAUSED, 95)  # 110 less the question
    y = log.state.queue.yielded
    assert y is not None
    assert (y.asked, y.questioners) == (15, 1)


def test_o11_the_answers_count_against_the_budget_and_its_end_ends_the_yield() -> None:
    log = speaking()
    log.do(yield_(QUESTIONS), T + 60)
    log.do(CallQuestioner(MEXICO), T + 70)
    log.do(StartSpeech(), T + 70)
    log.do(EndSpeech(), T + 85)
    log.do(ResumeSpeech(), T + 90)  # France answers: 95 s left of the budget
    assert log.state.speech is not None
    assert log.state.speech.ends_at == T + 185
    events = log.do(Tick(), T + 200)

    assert names(events)[-2:] == ["TimeUp", "SpeechEnded"]
    assert log.state.speech is None
    assert log.state.queue.yielded is None
    (line,) = [x for x in build_record(log.events) if x.speaker_id == "FRA"]
    assert line.spoken == 60 + 10 + 95  # its speech and its answers, not the question


def test_o11_a_question_that_spends_the_budget_ends_the_yield() -> None:
    log = speaking()
    log.do(yield_(QUESTIONS), T + 170)  # 10 s left
    log.do(CallQuestioner(GHANA), T + 171)
    log.do(StartSpeech(), T + 171)
    events = log.do(Tick(), T + 190)  # the question's time up, 9 s later

    assert names(events) == ["WarningReached", "TimeUp", "QuestionEnded", "SpeechEnded"]
    assert events[-1].at == T + 180
    assert log.state.speech is None
    assert log.state.held is None
    assert log.state.queue.yielded is None


def test_o11_a_question_ended_by_the_chair_can_spend_the_budget_too() -> None:
    log = speaking()
    log.do(yield_(QUESTIONS), T + 170)
    log.do(CallQuestioner(GHANA), T + 171)  # 9 s budget left
    log.do(StartSpeech(), T + 171)
    log.do(ExtendSpeech(5), T + 172)  # the chair gives the questioner more than the budget
    events = log.do(EndSpeech(), T + 183)

    assert names(events)[-2:] == ["QuestionEnded", "SpeechEnded"]
    assert log.state.speech is None


def test_o11_questioners_are_called_only_after_a_yield_to_questions() -> None:
    log = speaking()
    with pytest.raises(IllegalCommand) as refused:
        log.do(CallQuestioner(MEXICO), T + 5)
    assert refused.value.code == "yield.no_questions"
    log.do(yield_(QUESTIONS), T + 6)
    with pytest.raises(IllegalCommand) as own:
        log.do(CallQuestioner(FRANCE), T + 7)
    assert own.value.code == "question.own_speech"
    with pytest.raises(FloorRuleRefused):
        log.do(CallQuestioner(Speaker("programme:x", "Panellist")), T + 7)
    log.do(CallQuestioner(MEXICO), T + 8)
    with pytest.raises(IllegalCommand, match="answers it first"):
        log.do(CallQuestioner(GHANA), T + 9)  # one question at a time


def test_o11_a_paused_speaker_yields_to_questions_and_takes_them_paused() -> None:
    log = speaking()
    log.do(yield_(QUESTIONS), T + 60)
    log.do(PauseSpeech(), T + 61)
    events = log.do(CallQuestioner(MEXICO), T + 70)
    assert names(events) == ["QuestionConsented"]
    held = log.state.held
    assert held is not None
    assert held.seconds_left == 119


def test_o11_an_interposed_question_of_o8_draws_no_budget_without_a_yield() -> None:
    log = speaking(FloorRules(interposed_questions=True, yield_kinds=frozenset(YieldKind)))
    log.do(AskInterposedQuestion(MEXICO), T + 10)
    log.do(ConsentToQuestion(), T + 11)
    log.do(StartSpeech(), T + 11)
    log.do(EndSpeech(), T + 21)
    assert on_floor(log) == ("FRA", Basis.FLEX, SpeechStatus.PAUSED, 169)


# -- undo, replay, storage -------------------------------------------------------------------


def test_o11_m3_a_yield_to_a_delegate_is_undone_with_the_end_of_the_speech() -> None:
    log = speaking()
    log.do(yield_(DELEGATE, MEXICO), T + 50)
    (undone,) = log.do(Undo(), T + 55)

    assert isinstance(undone, FloorRestored)
    assert undone.undone == "the end of France's speech and its yield to Mexico"
    assert on_floor(log) == ("FRA", Basis.FLEX, SpeechStatus.PAUSED, 130)
    assert log.state.queue.yielded is None
    assert replay(log.initial, log.events) == log.state


def test_o11_m3_a_yield_to_the_chair_is_undone_too() -> None:
    log = speaking()
    log.do(yield_(CHAIR), T + 50)
    (undone,) = log.do(Undo(), T + 55)
    assert isinstance(undone, FloorRestored)
    assert undone.undone == "the end of France's speech and its yield to the chair"


def test_o11_m3_a_yield_to_questions_spends_the_undo() -> None:
    log = speaking()
    log.do(WithdrawRequest("GHA"), T + 7)  # a change of the floor: an undo point
    log.do(yield_(QUESTIONS), T + 8)
    with pytest.raises(FloorRuleRefused, match="yielded to questions"):
        log.do(Undo(), T + 9)


def test_o11_the_new_events_and_the_room_are_stored_and_read_back_as_they_were() -> None:
    log = speaking()
    log.do(yield_(QUESTIONS), T + 60)
    log.do(CallQuestioner(MEXICO), T + 70)
    held = log.state
    log.do(StartSpeech(), T + 70)
    log.do(EndSpeech(), T + 80)
    log.do(EndSpeech(), T + 90)
    log.do(GrantFloor(), T + 91)
    log.do(StartSpeech(), T + 92)
    log.do(YieldFloor(DELEGATE, expected_speaker="PHL", to=MEXICO), T + 93)
    assert codec.load(RoomState, codec.dump(held)) == held
    assert codec.load(RoomState, codec.dump(log.state)) == log.state
    assert [EVENTS.load(codec.dump_tagged(e)) for e in log.events] == log.events
    assert replay(log.initial, log.events) == log.state


# -- properties ------------------------------------------------------------------------------


@given(at=st.integers(1, 179), kind=st.sampled_from(tuple(YieldKind)))
@settings(max_examples=60, deadline=None)
def test_o11_a_yield_gives_away_exactly_the_seconds_left(at: int, kind: YieldKind) -> None:
    log = speaking()
    to = MEXICO if kind is DELEGATE else None
    (*_, yielded) = log.do(yield_(kind, to), T + at)
    assert isinstance(yielded, FloorYielded)
    assert yielded.seconds == ALLOTTED - at
    if kind is DELEGATE:
        assert on_floor(log) == ("MEX", Basis.YIELDED, SpeechStatus.ALLOTTED, ALLOTTED - at)
    assert replay(log.initial, log.events) == log.state


@given(
    at=st.integers(1, 170),
    script=st.lists(
        st.tuples(st.sampled_from(("call", "start", "end", "resume", "tick")), st.integers(0, 30)),
        min_size=3,
        max_size=25,
    ),
)
@settings(max_examples=120, deadline=None)
def test_o11_a_yield_to_questions_never_spends_more_than_the_seconds_left(
    at: int, script: list[tuple[str, int]]
) -> None:
    log = speaking()
    log.do(yield_(QUESTIONS), T + at)
    now = T + at
    commands: dict[str, Command] = {
        "call": CallQuestioner(GHANA),
        "start": StartSpeech(),
        "end": EndSpeech(),
        "resume": ResumeSpeech(),
        "tick": Tick(),
    }
    for op, wait in script:
        now += wait
        try:
            log.do(commands[op], now)
        except DomainError:
            pass  # a refusal changes nothing
    now += 1
    log.do(Tick(), now)  # what fell due meanwhile
    if log.state.speech is not None and log.state.speech.basis is Basis.QUESTION:
        log.do(EndSpeech(), now)  # the chair ends the question on the floor
    if log.state.speech is not None and log.state.speech.status is SpeechStatus.PAUSED:
        log.do(ResumeSpeech(), now)  # and the speaker answers
    log.do(Tick(), now + 2 * ALLOTTED)  # past every deadline: the budget is spent

    assert log.state.speech is None
    assert log.state.queue.yielded is None
    asked = sum(e.spoken for e in log.events if isinstance(e, QuestionEnded))
    (ended,) = [e for e in log.events if isinstance(e, SpeechEnded) and e.speaker.id == "FRA"]
    assert ended.spoken + asked <= ALLOTTED + 1e-9  # the seconds left, never more
    assert ended.spoken >= at
    assert replay(log.initial, log.events) == log.state
