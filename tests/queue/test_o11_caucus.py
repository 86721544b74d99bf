"""Moderated caucuses (O11, Model UN): a topic, a total time, a time per speaker.

Each test drives a room with a fake clock (``RoomLog`` at chosen instants): the
action group's Member State phase with France, the Philippines and Ghana
waiting on the speakers' list, and a caucus of 10 minutes, 60 s a speaker by
default.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.db import codec
from app.errors import DomainError, FloorRuleRefused, IllegalCommand
from app.queue import (
    AskInterposedQuestion,
    CallCaucusSpeaker,
    CaucusClosed,
    CaucusEnd,
    CaucusOpened,
    CloseCaucus,
    ClosePhase,
    CloseSegment,
    Command,
    ConsentToQuestion,
    FloorGranted,
    FloorRestored,
    GiveFloor,
    GrantFloor,
    HearPointOfOrder,
    OpenCaucus,
    OpenSegment,
    RaisePointOfOrder,
    RequestFloor,
    RoomState,
    RulePointOfOrder,
    Tick,
    Undo,
    YieldFloor,
    next_deadline,
    replay,
)
from app.queue.projection import project
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
    StartSpeech,
    YieldKind,
)
from tests.fakes import FRANCE, GHANA, RoomLog, names, state, waiting
from tests.fakes import member_state_room as room
from tests.plans import MIN, MS_PHASE, START, action_group

MEXICO, PERU = state("MEX", "Mexico"), state("PER", "Peru")
T = MS_PHASE + 10
CAUCUSES = FloorRules(
    moderated_caucuses=True, yield_kinds=frozenset(YieldKind), point_of_order_interrupts=True
)
TOPIC = "Financing of climate adaptation"


def caucusing(seconds: float | None = None, speaker_seconds: float | None = None) -> RoomLog:
    """A caucus opened at ``T`` (the meeting's defaults: 600 s, 60 s a speaker)."""
    log = room(rules=CAUCUSES)
    log.do(OpenCaucus(TOPIC, seconds, speaker_seconds), T)
    return log


def call(log: RoomLog, who: Speaker, at: float) -> FloorGranted:
    (*_, granted) = log.do(CallCaucusSpeaker(who), at)
    assert isinstance(granted, FloorGranted)
    return granted


# -- opening -----------------------------------------------------------------------------------


def test_o11_caucus_opens_with_the_meetings_defaults_and_the_list_waits() -> None:
    log = room(rules=CAUCUSES)
    (opened,) = log.do(OpenCaucus(TOPIC), T)

    assert isinstance(opened, CaucusOpened)
    c = log.state.queue.caucus
    assert c is not None
    assert (c.topic, c.seconds, c.speaker_seconds, c.ends_at) == (TOPIC, 600, 60, T + 600)
    assert (FloorRules().caucus_seconds, FloorRules().caucus_speaker_seconds) == (600, 60)
    for waits in (GrantFloor(), GiveFloor("Chair"), ClosePhase()):
        with pytest.raises(IllegalCommand) as refused:
            log.do(waits, T + 1)
        assert refused.value.code == "caucus.running"
        assert TOPIC in str(refused.value)
    log.do(RequestFloor(MEXICO), T + 2)  # the list still takes requests
    assert waiting(log) == ["FRA", "PHL", "GHA", "MEX"]


def test_o11_the_motion_sets_the_caucus_times() -> None:
    log = caucusing(300, 45)
    c = log.state.queue.caucus
    assert c is not None
    assert (c.seconds, c.speaker_seconds, c.ends_at) == (300, 45, T + 300)


def test_o11_a_caucus_is_refused_where_the_meeting_holds_none() -> None:
    log = room()
    with pytest.raises(FloorRuleRefused) as refused:
        log.do(OpenCaucus(TOPIC), T)
    assert refused.value.code == "caucus.not_taken"


@pytest.mark.parametrize(
    ("motion", "code"),
    [
        (OpenCaucus("  "), "caucus.no_topic"),
        (OpenCaucus(TOPIC, seconds=0), "speech.allotment_not_positive"),
        (OpenCaucus(TOPIC, speaker_seconds=-5), "speech.allotment_not_positive"),
        (OpenCaucus(TOPIC, seconds=60, speaker_seconds=90), "caucus.speaker_past_total"),
    ],
)
def test_o11_a_caucus_has_a_topic_and_times_that_fit(motion: OpenCaucus, code: str) -> None:
    log = room(rules=CAUCUSES)
    with pytest.raises(IllegalCommand) as refused:
        log.do(motion, T)
    assert refused.value.code == code


def test_o11_a_caucus_opens_on_a_free_floor_of_a_floor_phase_and_one_at_a_time() -> None:
    log = room(rules=CAUCUSES)
    log.do(GrantFloor(), T)
    with pytest.raises(IllegalCommand) as taken:
        log.do(OpenCaucus(TOPIC), T + 1)
    assert taken.value.code == "floor.taken"
    log.do(EndSpeech(), T + 2)
    log.do(OpenCaucus(TOPIC), T + 3)
    with pytest.raises(IllegalCommand) as running:
        log.do(OpenCaucus("Another topic"), T + 4)
    assert running.value.code == "caucus.running"

    welcome = RoomLog()
    welcome.do(OpenSegment(action_group(rules=CAUCUSES)), START)
    with pytest.raises(IllegalCommand) as no_list:
        welcome.do(OpenCaucus(TOPIC), START + 1)
    assert no_list.value.code == "phase.no_list"


def test_o11_a_closing_phase_opens_no_caucus() -> None:
    log = room(rules=CAUCUSES)
    log.do(GrantFloor(), T)
    log.do(ClosePhase(), T + 1)
    with pytest.raises(IllegalCommand) as refused:
        log.do(OpenCaucus(TOPIC, expected_speaker="FRA"), T + 2)
    assert refused.value.code == "phase.closing"


# -- speakers called by the chair ----------------------------------------------------------


def test_o11_caucus_speakers_are_called_by_the_chair_not_by_the_queue() -> None:
    log = caucusing()
    granted = call(log, PERU, T + 5)

    a = granted.allotment
    assert (a.speaker.id, a.basis, a.seconds, a.request_id) == ("PER", Basis.CAUCUS, 60, None)
    assert waiting(log) == ["FRA", "PHL", "GHA"]  # the list is untouched
    c = log.state.queue.caucus
    assert c is not None
    assert c.speakers == 1


def test_o11_calling_the_next_caucus_speaker_ends_the_speech_on_the_floor() -> None:
    log = caucusing()
    call(log, PERU, T + 5)
    log.do(StartSpeech(), T + 5)
    events = log.do(CallCaucusSpeaker(GHANA, expected_speaker="PER"), T + 45)

    assert names(events)[-2:] == ["SpeechEnded", "FloorGranted"]  # after its warning
    ended, granted = events[-2:]
    assert isinstance(ended, SpeechEnded)
    assert ended.spoken == 40
    assert isinstance(granted, FloorGranted)
    assert granted.replacing == "PER"
    c = log.state.queue.caucus
    assert c is not None
    assert (c.speakers, c.spoken) == (2, 40)
    call(log, PERU, T + 50)  # a delegation may be called again


def test_o11_caucus_speaker_never_speaks_past_the_caucus_total_left() -> None:
    log = caucusing(100, 60)
    assert call(log, PERU, T + 70).allotment.seconds == 30


def test_o11_a_caucus_speech_is_extended_or_set_up_to_its_limits_only() -> None:
    log = caucusing(100, 60)
    call(log, PERU, T + 10)
    log.do(SetAllotment(50), T + 11)
    with pytest.raises(FloorRuleRefused) as too_long:
        log.do(SetAllotment(61), T + 11)
    assert too_long.value.code == "caucus.speaker_time"
    log.do(StartSpeech(), T + 20)
    log.do(ExtendSpeech(10), T + 21)
    with pytest.raises(FloorRuleRefused, match="at most 60 s"):
        log.do(ExtendSpeech(11), T + 22)
    assert log.state.speech is not None
    assert log.state.speech.basis is Basis.CAUCUS


def test_o11_a_caucus_speech_late_in_the_caucus_is_capped_by_its_end() -> None:
    log = caucusing(100, 60)
    call(log, PERU, T + 50)
    log.do(StartSpeech(), T + 60)
    with pytest.raises(FloorRuleRefused, match="at most 40 s"):
        log.do(ExtendSpeech(5), T + 61)  # 50 s granted, 40 s left to the caucus's end


def test_o11_a_caucus_speaker_is_a_delegation() -> None:
    log = caucusing()
    with pytest.raises(FloorRuleRefused) as refused:
        log.do(CallCaucusSpeaker(Speaker("programme:x", "Panellist")), T + 1)
    assert refused.value.code == "floor.by_programme"
    none = room(rules=CAUCUSES)
    with pytest.raises(IllegalCommand) as no_caucus:
        none.do(CallCaucusSpeaker(PERU), T)
    assert no_caucus.value.code == "caucus.none_running"


def test_o11_a_caucus_speech_yields_nothing() -> None:
    log = caucusing()
    call(log, PERU, T + 1)
    log.do(StartSpeech(), T + 1)
    with pytest.raises(IllegalCommand) as refused:
        log.do(YieldFloor(YieldKind.CHAIR, expected_speaker="PER"), T + 5)
    assert refused.value.code == "yield.not_on_list"


def test_o11_caucus_speeches_fill_no_slot_and_are_recorded_as_a_caucus() -> None:
    log = caucusing()
    call(log, FRANCE, T + 1)
    log.do(StartSpeech(), T + 1)
    log.do(EndSpeech(), T + 41)
    assert log.state.queue.spoken == frozenset()  # P8: France still speaks first-time
    assert log.state.segment is not None
    assert log.state.segment.heard_in_phase == 0
    log.do(CloseCaucus(), T + 50)
    log.do(CloseSegment(), T + 60)
    lines = [line for line in build_record(log.events) if line.basis is Basis.CAUCUS]
    assert [(x.speaker_id, x.spoken) for x in lines] == [("FRA", 40)]


def test_o11_a_caucus_speaker_speaks_at_most_the_time_per_speaker() -> None:
    log = caucusing()
    call(log, PERU, T + 1)
    log.do(StartSpeech(), T + 2)
    events = log.do(Tick(), T + 70)  # its time up at T + 62 ends it: no overtime

    assert names(events) == ["WarningReached", "TimeUp", "SpeechEnded"]
    ended = events[-1]
    assert isinstance(ended, SpeechEnded)
    assert (ended.at, ended.spoken, ended.overtime) == (T + 62, 60, 0)
    with pytest.raises(FloorRuleRefused, match="nothing to undo"):  # the clock cut it
        log.do(Undo(), T + 71)


def test_o11_c3_the_speakers_list_is_projected_after_the_caucus() -> None:
    log = caucusing(300, 60)
    call(log, PERU, T + 1)
    first = project(log.state, T + 2).requests[0]
    assert (first.delegation_id, first.starts_at) == ("FRA", T + 300)


# -- the end of a caucus ---------------------------------------------------------------------


def test_o11_caucus_ends_by_itself_at_its_deadline() -> None:
    log = caucusing(100, 60)
    assert next_deadline(log.state) == T + 100
    call(log, PERU, T + 50)
    log.do(StartSpeech(), T + 55)  # 50 s: its warning at T + 80 (25 s), its end at T + 105
    assert next_deadline(log.state) == T + 80
    log.do(Tick(), T + 81)
    assert next_deadline(log.state) == T + 100
    events = log.do(Tick(), T + 103)  # a late tick: the caucus ended at its deadline

    assert names(events) == ["SpeechEnded", "CaucusClosed"]
    ended, closed = events
    assert isinstance(ended, SpeechEnded)
    assert (ended.at, ended.spoken) == (T + 100, 45)
    assert isinstance(closed, CaucusClosed)
    assert closed.reason is CaucusEnd.TIME_UP
    assert (closed.at, closed.caucus.spoken, closed.caucus.speakers) == (T + 100, 45, 1)
    assert log.state.queue.caucus is None
    assert log.state.speech is None
    (*_, granted) = log.do(GrantFloor(), T + 110)  # the speakers' list resumes
    assert isinstance(granted, FloorGranted)
    assert granted.allotment.speaker.id == "FRA"


def test_o11_caucus_total_is_reached_with_the_floor_free() -> None:
    log = caucusing(100, 60)
    (closed,) = log.do(Tick(), T + 100)
    assert isinstance(closed, CaucusClosed)
    assert closed.at == T + 100


def test_o11_a_command_after_the_deadline_finds_the_caucus_ended() -> None:
    log = caucusing(100, 60)
    with pytest.raises(IllegalCommand) as refused:
        log.do(CallCaucusSpeaker(PERU), T + 120)
    assert refused.value.code == "caucus.none_running"


def test_o11_the_chair_closes_the_caucus() -> None:
    log = caucusing()
    call(log, PERU, T + 1)
    log.do(StartSpeech(), T + 1)
    events = log.do(CloseCaucus(expected_speaker="PER"), T + 21)

    assert names(events) == ["SpeechEnded", "CaucusClosed"]
    closed = events[1]
    assert isinstance(closed, CaucusClosed)
    assert closed.reason is CaucusEnd.CHAIR
    assert closed.caucus.spoken == 20
    assert log.do(CloseCaucus(), T + 22) == ()  # M2: a repeat changes nothing


def test_o11_the_caucus_closes_with_the_segment() -> None:
    log = caucusing()
    call(log, PERU, T + 1)
    events = log.do(CloseSegment(), T + 2)
    assert names(events)[:2] == ["SpeechEnded", "CaucusClosed"]
    closed = events[1]
    assert isinstance(closed, CaucusClosed)
    assert closed.reason is CaucusEnd.SEGMENT_CLOSED


def test_o11_the_caucus_closes_with_its_phase() -> None:
    log = room(rules=CAUCUSES)
    log.do(OpenCaucus(TOPIC, 90 * MIN, 60), T)
    events = log.do(Tick(), MS_PHASE + 75 * MIN + 1)  # A3: the phase's maximum
    assert names(events)[:2] == ["CaucusClosed", "PhaseEnded"]
    closed = events[0]
    assert isinstance(closed, CaucusClosed)
    assert closed.reason is CaucusEnd.PHASE_ENDED


# -- the procedure during a caucus -----------------------------------------------------------


def test_o11_a_point_of_order_waits_for_the_end_of_a_caucus_speech() -> None:
    log = caucusing(100, 60)
    call(log, PERU, T + 1)
    log.do(RaisePointOfOrder(GHANA), T + 2)
    with pytest.raises(FloorRuleRefused) as refused:
        log.do(HearPointOfOrder(), T + 3)
    assert refused.value.code == "point.waits_for_speech"
    log.do(EndSpeech(), T + 4)
    log.do(HearPointOfOrder(), T + 5)  # on a free floor
    with pytest.raises(IllegalCommand, match="point of order"):
        log.do(CallCaucusSpeaker(PERU), T + 6)
    events = log.do(Tick(), T + 100)  # the caucus ends; the point is still heard
    assert names(events)[-1] == "CaucusClosed"
    assert log.state.speech is not None
    assert log.state.speech.basis is Basis.POINT_OF_ORDER
    log.do(RulePointOfOrder("Well taken"), T + 101)


def test_o11_no_interposed_question_is_put_in_a_caucus() -> None:
    rules = FloorRules(moderated_caucuses=True, interposed_questions=True)
    log = room(rules=rules)
    log.do(OpenCaucus(TOPIC), T)
    call(log, PERU, T + 1)
    log.do(StartSpeech(), T + 1)
    log.do(AskInterposedQuestion(MEXICO), T + 2)
    with pytest.raises(IllegalCommand) as refused:
        log.do(ConsentToQuestion(), T + 3)
    assert refused.value.code == "caucus.running"


# -- undo, replay, storage -------------------------------------------------------------------


def test_o11_m3_a_caucus_opened_or_ended_spends_the_undo() -> None:
    log = room(rules=CAUCUSES)
    log.do(GrantFloor(), T)
    log.do(EndSpeech(), T + 1)
    log.do(OpenCaucus(TOPIC), T + 2)
    with pytest.raises(FloorRuleRefused, match=f"the moderated caucus on '{TOPIC}' opened"):
        log.do(Undo(), T + 3)
    call(log, PERU, T + 4)
    log.do(CloseCaucus(), T + 5)
    with pytest.raises(FloorRuleRefused, match=f"the moderated caucus on '{TOPIC}' ended"):
        log.do(Undo(), T + 6)


def test_o11_m3_a_caucus_speaker_called_is_undone_like_the_floor_given() -> None:
    log = caucusing()
    call(log, PERU, T + 1)
    log.do(Undo(), T + 2)
    assert log.state.speech is None
    c = log.state.queue.caucus
    assert c is not None
    assert c.speakers == 0
    assert replay(log.initial, log.events) == log.state


def test_o11_the_caucus_events_and_the_room_are_stored_and_read_back_as_they_were() -> None:
    log = caucusing(100, 60)
    call(log, PERU, T + 1)
    log.do(StartSpeech(), T + 1)
    running = log.state
    log.do(Tick(), T + 100)
    assert codec.load(RoomState, codec.dump(running)) == running
    assert [EVENTS.load(codec.dump_tagged(e)) for e in log.events] == log.events
    assert replay(log.initial, log.events) == log.state


# -- properties ------------------------------------------------------------------------------

#: What the chair does in a caucus, drawn by Hypothesis.
OPERATIONS = ("call", "start", "call", "start", "pause", "resume", "extend", "end", "tick", "undo")


def _command(op: str, who: Speaker, seconds: int) -> Command:
    commands: dict[str, Command] = {
        "call": CallCaucusSpeaker(who),
        "start": StartSpeech(),
        "pause": PauseSpeech(),
        "resume": ResumeSpeech(),
        "extend": ExtendSpeech(seconds),
        "end": EndSpeech(),
        "tick": Tick(),
        "undo": Undo(),
    }
    return commands[op]


@given(
    total=st.integers(60, 400),
    each=st.integers(5, 90),
    script=st.lists(
        st.tuples(
            st.sampled_from(OPERATIONS),
            st.integers(0, 20),
            st.sampled_from((FRANCE, GHANA, MEXICO, PERU)),
        ),
        min_size=4,
        max_size=40,
    ),
)
@settings(max_examples=150, deadline=None)
def test_o11_a_caucus_never_gives_more_than_its_total_nor_a_speaker_more_than_its_time(
    total: int, each: int, script: list[tuple[str, int, Speaker]]
) -> None:
    each = min(each, total)
    log = caucusing(total, each)
    now = T
    for op, wait, who in script:
        now += wait
        try:
            log.do(_command(op, who, wait + 1), now)
        except DomainError:
            pass  # a refusal changes nothing
        on_floor = log.state.speech
        if on_floor is not None and on_floor.basis is Basis.CAUCUS:  # live: within its limits
            assert on_floor.seconds + on_floor.extended <= each
    log.do(Tick(), now + total + each + 1)  # past every deadline: the caucus has ended
    assert log.state.queue.caucus is None
    ends = [e for e in log.events if isinstance(e, SpeechEnded) and e.basis is Basis.CAUCUS]
    undone = any(isinstance(e, FloorRestored) for e in log.events)
    for ended in ends:
        assert ended.spoken <= each
        assert ended.overtime == 0
        assert T <= ended.at <= T + total
    if not undone:  # an undo brings a speech back: its first end is not its last
        assert sum(e.spoken for e in ends) <= total
    (closed,) = [e for e in log.events if isinstance(e, CaucusClosed)]
    assert closed.at <= T + total
    assert replay(log.initial, log.events) == log.state
