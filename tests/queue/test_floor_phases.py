"""Formats run through the room engine: phases, programme speakers, A3 ends, the A4 block."""

from __future__ import annotations

import pytest

from app.errors import FloorRuleRefused, IllegalCommand
from app.queue import (
    ClosedBecause,
    ClosePhase,
    CloseSegment,
    FloorGranted,
    GiveFloor,
    GrantFloor,
    OpenSegment,
    Queue,
    RequestFloor,
    RequestsClosed,
    RoomState,
    SetRequestAllotment,
    Tick,
    apply,
    next_deadline,
    replay,
)
from app.timing import (
    Basis,
    EndSpeech,
    ExtendSpeech,
    FloorRules,
    PauseSpeech,
    PhaseClosing,
    PhaseEnded,
    PhaseEndReason,
    PhaseStarted,
    ResumeSpeech,
    SegmentClosed,
    SegmentOpened,
    SpeechEnded,
    SpeechResumed,
    SpeechStarted,
    SpeechStatus,
    StartSpeech,
    TimeUp,
    WarningReached,
)
from tests.builders import in_member_states, waiting
from tests.fakes import RoomLog, names, rcp_chair, stakeholder, state
from tests.plans import (
    MIN,
    MS_PHASE,
    START,
    action_group,
    ceremony,
    concluding_session,
    idea_lab,
    panel,
    reporting_session,
)

STAKEHOLDERS = ("MADE", "IOM", "ILO", "UCLG", "WFP")


def opened(
    plan_start: float = START, at: float = START, rules: FloorRules | None = None
) -> RoomLog:
    room = RoomLog()
    room.do(OpenSegment(action_group(start=plan_start, rules=rules or FloorRules())), at)
    return room


def phase_key(room: RoomLog) -> str:
    assert room.state.segment is not None
    return room.state.segment.plan.phases[room.state.segment.phase_index].key


def phase_started_at(room: RoomLog) -> float:
    assert room.state.segment is not None
    return room.state.segment.phase_started_at


def grant(room: RoomLog, now: float, command: GrantFloor | None = None) -> FloorGranted:
    (granted,) = [e for e in room.do(command or GrantFloor(), now) if isinstance(e, FloorGranted)]
    return granted


def speak(room: RoomLog, start: float, end: float, command: GrantFloor | None = None) -> str:
    """Give the floor at ``start``, start the clock, end the speech at ``end``; who spoke."""
    granted = grant(room, start, command)
    room.do(StartSpeech(), start)
    room.do(EndSpeech(), end)
    return granted.allotment.speaker.name


# -- A1 action group ---------------------------------------------------------------------


def test_A1_action_group_runs_welcome_member_states_stakeholders_concluding() -> None:
    room = opened()
    seen = [phase_key(room)]
    speak(room, START, START + 5 * MIN)
    for n, at in enumerate((MS_PHASE, START + 60 * MIN, START + 75 * MIN)):
        room.do(ClosePhase(), at + n)
        seen.append(phase_key(room))

    assert seen == ["welcome", "member_states", "stakeholders", "concluding"]
    room.do(ClosePhase(), START + 80 * MIN)
    assert room.state.segment is None


def test_A1_the_welcome_phase_shows_the_guiding_questions() -> None:
    room = opened()
    assert room.state.segment is not None
    assert room.state.segment.plan.phases[room.state.segment.phase_index].show_questions


def test_T3_the_moderators_welcome_is_five_minutes_by_programme() -> None:
    granted = grant(opened(), START + 30)

    assert granted.allotment.speaker.name == "Moderator"
    assert granted.allotment.speaker.id == "programme:welcome:0"
    assert (granted.allotment.seconds, granted.allotment.basis) == (300.0, Basis.PROGRAMME)
    assert granted.programme_index == 0


def test_A1_requests_made_during_the_welcome_wait_for_the_member_state_phase() -> None:
    room = opened()
    room.do(RequestFloor(state("MEX")), START + 10)

    assert grant(room, START + 20).allotment.speaker.name == "Moderator"
    assert waiting(room) == ["MEX"]


def test_A1_when_every_programme_speaker_has_spoken_the_phase_must_be_closed() -> None:
    room = opened()
    speak(room, START, START + 4 * MIN)

    with pytest.raises(IllegalCommand) as refused:
        room.do(GrantFloor(), START + 4 * MIN)
    assert refused.value.detail == (
        "every programme speaker of 'Welcome by chair' has spoken: "
        "close the phase to open the next one"
    )
    assert refused.value.code == "floor.programme_speakers_done"
    assert refused.value.params == {"phase": "Welcome by chair", "phase_key": "welcome"}


def test_A1_concluding_remarks_give_the_rapporteur_then_the_moderator() -> None:
    room = in_member_states()
    room.do(ClosePhase(), START + 60 * MIN)
    room.do(ClosePhase(), START + 72 * MIN)
    rapporteur = grant(room, START + 72 * MIN)
    room.do(StartSpeech(), START + 72 * MIN)
    moderator = grant(room, START + 76 * MIN)  # "next": the rapporteur's speech ends first

    assert (rapporteur.allotment.speaker.name, rapporteur.allotment.seconds) == (
        "Rapporteur",
        240.0,
    )
    assert (moderator.allotment.speaker.name, moderator.allotment.seconds) == ("Moderator", 60.0)
    assert [e.speaker.name for e in room.events if isinstance(e, SpeechEnded)] == ["Rapporteur"]


def test_T4_the_moderators_closing_remarks_are_one_minute() -> None:
    room = in_member_states()
    room.do(ClosePhase(), START + 60 * MIN)
    room.do(ClosePhase(), START + 72 * MIN)
    room.do(GrantFloor(), START + 72 * MIN)
    closing = grant(room, START + 73 * MIN)

    assert closing.allotment.seconds == 60.0
    assert closing.allotment.basis is Basis.PROGRAMME


def test_A1_closing_the_last_phase_closes_the_segment_after_the_last_speaker() -> None:
    room = in_member_states()
    room.do(ClosePhase(), START + 60 * MIN)
    room.do(ClosePhase(), START + 72 * MIN)
    room.do(GrantFloor(), START + 72 * MIN)
    room.do(StartSpeech(), START + 72 * MIN)

    assert names(room.do(ClosePhase(), START + 73 * MIN)) == ["PhaseClosing"]
    ended = room.do(EndSpeech(), START + 74 * MIN)

    assert names(ended) == ["SpeechEnded", "PhaseEnded", "SegmentClosed"]
    assert ended[1] == PhaseEnded(START + 74 * MIN, 3, "concluding", PhaseEndReason.COMMAND)
    assert room.state == RoomState("plenary")


# -- A2 plenary panel --------------------------------------------------------------------


def panel_room(rcp_chairs: frozenset[str] = frozenset()) -> RoomLog:
    room = RoomLog()
    room.do(OpenSegment(panel(rcp_chairs=rcp_chairs)), START)
    return room


def test_A2_introduction_then_four_panellists_in_order() -> None:
    room = panel_room()
    spoken = [speak(room, START, START + 5 * MIN)]
    room.do(ClosePhase(), START + 5 * MIN)
    for n in range(4):
        at = START + (5 + 5 * n) * MIN
        spoken.append(speak(room, at, at + 5 * MIN))

    assert spoken == ["Co-facilitator", "Panellist 1", "Panellist 2", "Panellist 3", "Panellist 4"]
    assert phase_key(room) == "panellists"


def test_T3_panellists_make_five_minute_introductions() -> None:
    room = panel_room()
    room.do(ClosePhase(), START + 5 * MIN)
    granted = grant(room, START + 5 * MIN)

    assert (granted.allotment.seconds, granted.allotment.basis) == (300.0, Basis.PROGRAMME)
    assert granted.allotment.phase_key == "panellists"


def test_A2_the_discussion_has_no_speakers_list() -> None:
    room = panel_room()
    room.do(ClosePhase(), START + 5 * MIN)
    room.do(ClosePhase(), START + 25 * MIN)
    assert phase_key(room) == "discussion"

    with pytest.raises(IllegalCommand, match="'Discussion' has no speakers' list: give the floor"):
        room.do(GrantFloor(), START + 26 * MIN)


def test_A2_in_the_discussion_the_moderator_gives_the_floor_by_name() -> None:
    room = panel_room()
    room.do(ClosePhase(), START + 5 * MIN)
    room.do(ClosePhase(), START + 25 * MIN)

    given = grant_by_name(room, GiveFloor("Panellist 2"), START + 26 * MIN)
    room.do(StartSpeech(), START + 26 * MIN)
    timed = grant_by_name(room, GiveFloor("Panellist 4", seconds=90.0), START + 27 * MIN)

    assert (given.allotment.speaker.id, given.allotment.seconds) == ("named:Panellist 2", 120.0)
    assert given.allotment.basis is Basis.SLOT
    assert (timed.allotment.seconds, timed.allotment.basis) == (90.0, Basis.OVERRIDE)
    ended = [e for e in room.events if isinstance(e, SpeechEnded)]
    assert [(e.speaker.name, e.spoken) for e in ended] == [("Panellist 2", 60.0)]


def grant_by_name(room: RoomLog, command: GiveFloor, now: float) -> FloorGranted:
    (granted,) = [e for e in room.do(command, now) if isinstance(e, FloorGranted)]
    return granted


def in_questions_and_answers(rcp_chairs: frozenset[str] = frozenset()) -> RoomLog:
    room = panel_room(rcp_chairs)
    for at in (5, 25, 45):
        room.do(ClosePhase(), START + at * MIN)
    assert phase_key(room) == "qa"
    return room


def test_A2_questions_and_answers_by_request_with_member_state_priority() -> None:
    room = in_questions_and_answers()
    room.do(RequestFloor(stakeholder("MADE")), START + 45 * MIN)
    room.do(RequestFloor(state("MEX")), START + 45 * MIN + 5)
    first = grant(room, START + 46 * MIN)

    assert first.allotment.speaker.id == "MEX"
    # T1 without flex: two minutes although the hour is nearly empty
    assert (first.allotment.seconds, first.allotment.basis) == (120.0, Basis.SLOT)
    assert waiting(room) == ["MADE"]


def test_P4_rcp_chairs_speak_first_in_the_panel_with_an_extra_minute() -> None:
    room = in_questions_and_answers(rcp_chairs=frozenset({"SLV"}))
    room.do(RequestFloor(state("MEX")), START + 45 * MIN)
    room.do(RequestFloor(rcp_chair("SLV")), START + 45 * MIN + 5)

    chair = grant(room, START + 46 * MIN)

    assert chair.allotment.speaker.id == "SLV"
    assert (chair.allotment.seconds, chair.allotment.basis) == (180.0, Basis.RCP)
    assert chair.allotment.out_of_order is False


def test_A2_a_request_granted_during_the_panellists_is_recorded_out_of_order() -> None:
    room = panel_room()
    room.do(ClosePhase(), START + 5 * MIN)
    room.do(RequestFloor(state("MEX")), START + 6 * MIN)

    granted = grant(room, START + 7 * MIN, GrantFloor("panel1.1"))

    assert (granted.allotment.speaker.id, granted.allotment.seconds) == ("MEX", 120.0)
    assert granted.allotment.out_of_order is True


# -- A5-A8 -------------------------------------------------------------------------------


def test_A5_idea_lab_presenters_speak_consecutively_for_the_presenter_time() -> None:
    room = RoomLog()
    room.do(OpenSegment(idea_lab()), START)
    room.do(ClosePhase(), START + 5 * MIN)
    spoken = []
    for n in range(3):
        at = START + (5 + 10 * n) * MIN
        granted = grant(room, at)
        room.do(StartSpeech(), at)
        spoken.append((granted.allotment.speaker.name, granted.allotment.seconds))
    room.do(EndSpeech(), START + 35 * MIN)
    room.do(ClosePhase(), START + 35 * MIN)

    assert spoken == [("Presenter 1", 600.0), ("Presenter 2", 600.0), ("Presenter 3", 600.0)]
    assert phase_key(room) == "panel"
    room.do(ClosePhase(), START + 60 * MIN)
    room.do(RequestFloor(stakeholder("MADE")), START + 60 * MIN)
    assert grant(room, START + 61 * MIN).allotment.phase_key == "qa"


def test_A6_six_rapporteurs_report_in_equal_shares_of_the_segment() -> None:
    room = RoomLog()
    room.do(OpenSegment(reporting_session()), START)
    granted = []
    for n in range(6):
        granted.append(grant(room, START + n * 550.0).allotment)
        room.do(StartSpeech(), START + n * 550.0)

    assert [a.speaker.name for a in granted] == [f"Rapporteur {n}" for n in range(1, 7)]
    assert {a.seconds for a in granted} == {550.0}


def test_A7_a_ceremony_gives_the_floor_in_order_with_allotments_if_set() -> None:
    room = RoomLog()
    room.do(OpenSegment(ceremony()), START)
    first = grant(room, START)
    second = grant(room, START + 10 * MIN)

    assert (first.allotment.speaker.name, first.allotment.seconds) == (
        "President of the General Assembly",
        600.0,
    )
    assert (second.allotment.speaker.name, second.allotment.seconds) == ("Co-facilitator", 120.0)


def test_A8_podium_statements_then_an_interactive_debate_by_request() -> None:
    room = RoomLog()
    room.do(OpenSegment(concluding_session()), START)
    speak(room, START, START + 10 * MIN)
    speak(room, START + 10 * MIN, START + 20 * MIN)
    room.do(ClosePhase(), START + 20 * MIN)
    room.do(RequestFloor(stakeholder("MADE")), START + 21 * MIN)
    room.do(RequestFloor(state("MEX")), START + 22 * MIN)

    assert speak(room, START + 23 * MIN, START + 25 * MIN) == "MEX"
    assert speak(room, START + 25 * MIN, START + 27 * MIN) == "MADE"


def test_A8_a_debate_that_reaches_its_maximum_closes_the_segment_with_its_speaker() -> None:
    room = RoomLog()
    room.do(OpenSegment(concluding_session()), START)
    room.do(ClosePhase(), START + 30 * MIN)  # the debate's maximum is at START + 150 min
    room.do(RequestFloor(state("MEX")), START + 149 * MIN)
    room.do(RequestFloor(state("GHA")), START + 149 * MIN)
    grant(room, START + 149 * MIN)
    room.do(StartSpeech(), START + 149 * MIN)

    with pytest.raises(IllegalCommand, match="'Concluding session' has closed"):
        room.do(GrantFloor(), START + 151 * MIN)
    closed = room.do(EndSpeech(), START + 151 * MIN)

    assert names(closed) == [
        "WarningReached",
        "TimeUp",
        "SpeechEnded",
        "PhaseEnded",
        "RequestsClosed",
        "SegmentClosed",
    ]
    phase_ended = closed[3]
    assert isinstance(phase_ended, PhaseEnded)
    assert phase_ended.reason is PhaseEndReason.MAXIMUM
    assert room.state.segment is None


# -- A3 the Member State phase ends ------------------------------------------------------


def test_A3_the_phase_ends_at_its_maximum_when_the_speaker_on_the_floor_finishes() -> None:
    room = in_member_states()
    for code in ("MEX", "GHA"):
        room.do(RequestFloor(state(code)), START + 70 * MIN)
    room.do(RequestFloor(stakeholder("MADE")), START + 70 * MIN)
    speak(room, START + 76 * MIN, START + 78 * MIN - 30)
    grant(room, START + 79 * MIN)
    room.do(StartSpeech(), START + 79 * MIN)

    at_maximum = room.do(Tick(), START + 80 * MIN)
    ended = room.do(EndSpeech(), START + 81 * MIN + 30)

    assert at_maximum == ()  # no PhaseClosing: the speaker on the floor finishes first
    assert names(ended) == [
        "WarningReached",
        "TimeUp",
        "SpeechEnded",
        "PhaseEnded",
        "PhaseStarted",
    ]
    phase_ended = ended[3]
    assert isinstance(phase_ended, PhaseEnded)
    assert (phase_ended.at, phase_ended.reason) == (START + 81 * MIN + 30, PhaseEndReason.MAXIMUM)
    assert phase_started_at(room) == START + 81 * MIN + 30
    assert waiting(room) == ["MADE"]


def test_A3_waiting_member_state_requests_close_as_not_heard_and_stakeholders_stay() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), START + 70 * MIN)
    room.do(RequestFloor(stakeholder("MADE")), START + 70 * MIN)
    room.do(RequestFloor(state("GHA")), START + 71 * MIN)
    grant(room, START + 79 * MIN)
    room.do(StartSpeech(), START + 79 * MIN)

    ended = room.do(EndSpeech(), START + 81 * MIN)
    (closed,) = [e for e in ended if isinstance(e, RequestsClosed)]

    assert [r.delegation_id for r in closed.requests] == ["GHA"]
    assert closed.reason is ClosedBecause.PHASE_ENDED
    assert waiting(room) == ["MADE"]
    assert phase_key(room) == "stakeholders"


def test_A3_an_idle_phase_ends_by_itself_at_its_deadline() -> None:
    room = in_member_states()
    deadline = next_deadline(room.state)

    assert deadline == START + 80 * MIN
    events = room.do(Tick(), deadline)
    assert names(events) == ["PhaseEnded", "PhaseStarted"]
    assert phase_started_at(room) == deadline
    assert next_deadline(room.state) is None  # the block never ends by itself


def test_A3_a_tick_before_the_deadline_changes_nothing() -> None:
    room = in_member_states()
    before = room.state
    assert room.do(Tick(), START + 80 * MIN - 1) == ()
    assert room.state == before


def test_A3_a_late_tick_ends_the_phase_at_its_deadline_not_at_the_tick() -> None:
    room = in_member_states()
    events = room.do(Tick(), START + 84 * MIN)

    ended, started = events
    assert isinstance(ended, PhaseEnded)
    assert isinstance(started, PhaseStarted)
    assert ended.at == started.at == START + 80 * MIN


def test_A3_any_command_after_the_deadline_first_ends_the_phase() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), START + 70 * MIN)

    events = room.do(RequestFloor(stakeholder("MADE")), START + 81 * MIN)

    assert names(events) == ["PhaseEnded", "RequestsClosed", "PhaseStarted", "FloorRequested"]


def test_A3_the_phase_ends_when_the_next_slot_would_end_after_the_blocks_latest_start() -> None:
    # opened 50 minutes late: the maximum (130) is past the block's latest start (118)
    room = in_member_states(phase_at=START + 55 * MIN, opened_at=START + 50 * MIN)
    room.do(RequestFloor(state("MEX")), START + 60 * MIN)
    room.do(RequestFloor(state("GHA")), START + 60 * MIN)
    room.do(RequestFloor(state("CHE")), START + 60 * MIN)

    last = grant(room, START + 115 * MIN)  # 115 + 2 < 118: still fits
    room.do(StartSpeech(), START + 115 * MIN)
    ended = room.do(EndSpeech(), START + 117 * MIN + 30)

    assert last.allotment.speaker.id == "MEX"
    assert names(ended)[-4:] == ["SpeechEnded", "PhaseEnded", "RequestsClosed", "PhaseStarted"]
    phase_ended = ended[-3]
    assert isinstance(phase_ended, PhaseEnded)
    assert phase_ended.reason is PhaseEndReason.BLOCK


def test_A3_no_member_state_slot_starts_once_it_would_end_after_the_latest_start() -> None:
    room = in_member_states(phase_at=START + 55 * MIN, opened_at=START + 50 * MIN)
    room.do(RequestFloor(state("MEX")), START + 60 * MIN)
    room.do(RequestFloor(stakeholder("MADE")), START + 60 * MIN)

    assert next_deadline(room.state) == START + 116 * MIN  # 116 + 2 = 118
    events = room.do(GrantFloor(), START + 116 * MIN)

    assert names(events) == ["PhaseEnded", "RequestsClosed", "PhaseStarted", "FloorGranted"]
    granted = events[-1]
    assert isinstance(granted, FloorGranted)
    assert granted.allotment.speaker.id == "MADE"


def test_A3_the_moderator_closes_the_phase_when_the_floor_is_free() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), START + 30 * MIN)

    events = room.do(ClosePhase(), START + 40 * MIN)

    assert names(events) == ["PhaseEnded", "RequestsClosed", "PhaseStarted"]
    phase_ended = events[0]
    assert isinstance(phase_ended, PhaseEnded)
    assert phase_ended.reason is PhaseEndReason.COMMAND


def test_A3_closing_the_phase_lets_the_speaker_on_the_floor_finish() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), START + 30 * MIN)
    room.do(RequestFloor(state("GHA")), START + 30 * MIN)
    grant(room, START + 31 * MIN)
    room.do(StartSpeech(), START + 31 * MIN)

    assert room.do(ClosePhase(), START + 32 * MIN) == (
        PhaseClosing(START + 32 * MIN, 1, PhaseEndReason.COMMAND),
    )
    assert room.do(ClosePhase(), START + 32 * MIN + 10) == ()  # already closing
    with pytest.raises(IllegalCommand, match="'Member State interventions' is closing"):
        room.do(GrantFloor(), START + 33 * MIN)
    assert next_deadline(room.state) == START + 33 * MIN + 30  # the speech's warning only
    ended = room.do(EndSpeech(), START + 33 * MIN)

    assert names(ended) == ["SpeechEnded", "PhaseEnded", "RequestsClosed", "PhaseStarted"]
    assert phase_started_at(room) == START + 33 * MIN


def test_A3_grant_floor_after_the_last_member_state_speech_opens_the_block_first() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), START + 70 * MIN)
    room.do(RequestFloor(state("GHA")), START + 70 * MIN)
    room.do(RequestFloor(stakeholder("MADE")), START + 70 * MIN)
    grant(room, START + 79 * MIN)
    room.do(StartSpeech(), START + 79 * MIN)

    events = room.do(GrantFloor(), START + 81 * MIN)  # "next" after the maximum

    assert names(events)[-4:] == ["SpeechEnded", "PhaseEnded", "RequestsClosed", "PhaseStarted"]
    assert room.state.speech is None  # the moderator sees the block before giving the floor


def test_A3_a_named_grant_after_the_phase_ended_goes_to_the_block() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), START + 70 * MIN)
    room.do(RequestFloor(stakeholder("MADE")), START + 70 * MIN)
    grant(room, START + 79 * MIN)
    room.do(StartSpeech(), START + 79 * MIN)

    granted = grant(room, START + 81 * MIN, GrantFloor("ag1.2"))

    assert granted.allotment.phase_key == "stakeholders"
    assert granted.allotment.out_of_order is False


def test_T5_a_hard_stop_after_the_maximum_ends_the_phase_at_time_up() -> None:
    room = opened(rules=FloorRules(hard_stop=True))
    room.do(ClosePhase(), MS_PHASE)
    room.do(RequestFloor(state("MEX")), START + 79 * MIN)
    grant(room, START + 79 * MIN, GrantFloor(seconds=90.0))
    room.do(StartSpeech(), START + 79 * MIN)

    events = room.do(Tick(), START + 85 * MIN)  # a late tick

    assert names(events) == [
        "WarningReached",
        "TimeUp",
        "SpeechEnded",
        "PhaseEnded",
        "PhaseStarted",
    ]
    assert {getattr(e, "at", None) for e in events[2:]} == {START + 80 * MIN + 30}


# -- A4 the stakeholder block ------------------------------------------------------------


def in_block_after_overrun(*stakeholders: str) -> RoomLog:
    """The last Member State speaker, given the floor at 79, runs to 83: the block starts late."""
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), START + 60 * MIN)
    for code in stakeholders:
        room.do(RequestFloor(stakeholder(code)), START + 61 * MIN)
    speak(room, START + 79 * MIN, START + 83 * MIN)
    assert phase_key(room) == "stakeholders"
    return room


def test_A4_the_block_keeps_four_slots_when_it_starts_late() -> None:
    room = in_block_after_overrun(*STAKEHOLDERS[:4])
    heard = []
    at = START + 83 * MIN
    for _ in range(4):
        granted = grant(room, at)
        room.do(StartSpeech(), at)
        heard.append((granted.allotment.speaker.id, granted.allotment.seconds))
        at += granted.allotment.seconds

    assert phase_started_at(room) == START + 83 * MIN
    assert [code for code, _ in heard] == list(STAKEHOLDERS[:4])
    assert heard[0][1] == 180.0  # T2: 4 x 3 min fit exactly in the 12 minutes from its start


def test_A4_an_extension_in_the_member_state_phase_does_not_shorten_the_block() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), START + 60 * MIN)
    for code in STAKEHOLDERS[:4]:
        room.do(RequestFloor(stakeholder(code)), START + 61 * MIN)
    grant(room, START + 79 * MIN)
    room.do(StartSpeech(), START + 79 * MIN)
    room.do(ExtendSpeech(300.0), START + 80 * MIN)
    room.do(EndSpeech(), START + 86 * MIN)

    block = grant(room, START + 86 * MIN)

    assert phase_started_at(room) == START + 86 * MIN
    assert (block.allotment.seconds, block.allotment.basis) == (180.0, Basis.FLEX)


def test_A4_closing_the_block_with_fewer_than_four_heard_while_stakeholders_wait_is_refused() -> (
    None
):
    room = in_block_after_overrun(*STAKEHOLDERS[:4])
    for n in range(3):
        speak(room, START + (83 + 2 * n) * MIN, START + (84 + 2 * n) * MIN)

    with pytest.raises(FloorRuleRefused) as refused:
        room.do(ClosePhase(), START + 90 * MIN)
    assert refused.value.detail == (
        "'Interventions from stakeholders' keeps 4 slots (A4): 3 heard, 1 still waiting"
    )


def test_A4_the_block_can_close_while_its_fourth_speaker_has_the_floor() -> None:
    room = in_block_after_overrun(*STAKEHOLDERS)
    for n in range(3):
        speak(room, START + (83 + 2 * n) * MIN, START + (84 + 2 * n) * MIN)
    grant(room, START + 90 * MIN)
    room.do(StartSpeech(), START + 90 * MIN)

    assert names(room.do(ClosePhase(), START + 91 * MIN)) == ["PhaseClosing"]
    ended = room.do(EndSpeech(), START + 92 * MIN)
    assert names(ended)[-4:] == ["SpeechEnded", "PhaseEnded", "RequestsClosed", "PhaseStarted"]


def test_A4_a_speaker_not_yet_started_does_not_count_as_a_fourth_slot() -> None:
    room = in_block_after_overrun(*STAKEHOLDERS)
    for n in range(3):
        speak(room, START + (83 + 2 * n) * MIN, START + (84 + 2 * n) * MIN)
    grant(room, START + 90 * MIN)

    with pytest.raises(FloorRuleRefused, match="3 heard, 1 still waiting"):
        room.do(ClosePhase(), START + 91 * MIN)


def test_A4_the_block_can_close_with_fewer_than_four_when_no_stakeholder_waits() -> None:
    room = in_block_after_overrun("MADE")
    speak(room, START + 83 * MIN, START + 85 * MIN)

    assert names(room.do(ClosePhase(), START + 86 * MIN)) == ["PhaseEnded", "PhaseStarted"]


def test_A4_the_block_can_close_once_four_stakeholders_are_heard() -> None:
    room = in_block_after_overrun(*STAKEHOLDERS)
    for n in range(4):
        speak(room, START + (83 + 2 * n) * MIN, START + (84 + 2 * n) * MIN)

    events = room.do(ClosePhase(), START + 92 * MIN)

    assert names(events) == ["PhaseEnded", "RequestsClosed", "PhaseStarted"]
    closed = events[1]
    assert isinstance(closed, RequestsClosed)
    assert [r.delegation_id for r in closed.requests] == ["WFP"]


def test_A4_the_block_does_not_end_by_itself_at_its_planned_end() -> None:
    room = in_block_after_overrun(*STAKEHOLDERS[:2])

    assert room.do(Tick(), START + 200 * MIN) == ()
    assert phase_key(room) == "stakeholders"


# -- T5 and T6 in the room ---------------------------------------------------------------


def test_T5_warning_then_time_up_each_announced_once_in_the_room() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), START + 10 * MIN)
    room.do(SetRequestAllotment("ag1.1", 120.0), START + 10 * MIN)
    grant(room, START + 10 * MIN)
    room.do(StartSpeech(), START + 10 * MIN)

    assert room.do(Tick(), START + 11 * MIN + 30) == (WarningReached(START + 11 * MIN + 30),)
    assert room.do(Tick(), START + 12 * MIN) == (TimeUp(START + 12 * MIN),)
    assert room.do(Tick(), START + 12 * MIN + 1) == ()
    assert room.state.speech is not None
    assert room.state.speech.status is SpeechStatus.RUNNING  # no hard stop: it goes on


def test_T5_a_hard_stop_ends_the_speech_at_time_up() -> None:
    room = opened(rules=FloorRules(hard_stop=True))
    room.do(ClosePhase(), MS_PHASE)
    room.do(RequestFloor(state("MEX")), START + 10 * MIN)
    granted = grant(room, START + 10 * MIN)
    room.do(StartSpeech(), START + 10 * MIN)
    ends_at = START + 10 * MIN + granted.allotment.seconds

    events = room.do(Tick(), ends_at)

    assert names(events) == ["WarningReached", "TimeUp", "SpeechEnded"]
    assert events[-1] == SpeechEnded(
        at=ends_at,
        speaker=granted.allotment.speaker,
        request_id="ag1.1",
        requested_at=START + 10 * MIN,
        phase_key="member_states",
        basis=Basis.FLEX,
        allotted=180.0,
        extended=0.0,
        spoken=180.0,
        overtime=0.0,
        started_at=START + 10 * MIN,
        out_of_order=False,
        heard=True,
    )
    assert room.state.speech is None


def test_T6_ticks_never_move_the_speakers_deadline() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), START + 10 * MIN)
    grant(room, START + 10 * MIN)
    (started,) = room.do(StartSpeech(), START + 10 * MIN)
    assert isinstance(started, SpeechStarted)

    for seconds in (1, 1, 60, 150, 150, 180, 240):
        room.do(Tick(), START + 10 * MIN + seconds)
        assert room.state.speech is not None
        assert room.state.speech.ends_at == started.ends_at


def test_T6_pause_and_resume_in_the_room() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), START + 10 * MIN)
    grant(room, START + 10 * MIN)
    room.do(StartSpeech(), START + 10 * MIN)
    room.do(PauseSpeech(), START + 11 * MIN)

    assert next_deadline(room.state) is None
    assert room.do(Tick(), START + 50 * MIN) == ()
    (resumed,) = room.do(ResumeSpeech(), START + 50 * MIN)

    assert resumed == SpeechResumed(START + 50 * MIN, ends_at=START + 52 * MIN)


def test_T6_a_replay_of_the_recorded_events_equals_the_live_state() -> None:
    room = in_block_after_overrun(*STAKEHOLDERS)
    speak(room, START + 83 * MIN, START + 86 * MIN)
    grant(room, START + 86 * MIN)
    room.do(StartSpeech(), START + 86 * MIN)
    room.do(PauseSpeech(), START + 87 * MIN)

    assert replay(room.initial, room.events) == room.state


# -- the room's commands and refusals ----------------------------------------------------


def test_commands_that_need_a_segment_name_the_rooms_state() -> None:
    empty = RoomState("plenary")
    for command in (GrantFloor(), ClosePhase(), CloseSegment(), GiveFloor("Chair")):
        with pytest.raises(IllegalCommand) as refused:
            apply(empty, command, START)
        assert refused.value.code == "segment.none_open"
        assert refused.value.detail == "no segment is open in this room: open a segment first"


def test_speech_commands_when_no_one_has_the_floor_are_refused() -> None:
    room = in_member_states()
    for command in (StartSpeech(), PauseSpeech(), EndSpeech(), ExtendSpeech(30.0)):
        with pytest.raises(IllegalCommand, match="no one has the floor"):
            room.do(command, START + 10 * MIN)


def test_pause_when_the_speech_is_not_running_names_the_speech() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), START + 10 * MIN)
    grant(room, START + 10 * MIN)

    with pytest.raises(IllegalCommand) as refused:
        room.do(PauseSpeech(), START + 10 * MIN)
    assert refused.value.detail == "the speech of MEX has not started yet: start it first"


def test_a_refused_command_changes_nothing() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), START + 10 * MIN)
    grant(room, START + 10 * MIN)
    before, recorded = room.state, list(room.events)

    with pytest.raises(IllegalCommand):
        room.do(ResumeSpeech(), START + 10 * MIN)
    assert (room.state, room.events) == (before, recorded)


def test_grant_floor_with_no_one_waiting_is_refused() -> None:
    with pytest.raises(IllegalCommand, match="no one is waiting for the floor in 'Member State"):
        in_member_states().do(GrantFloor(), START + 10 * MIN)


def test_a_requests_allotment_must_be_positive() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), START + 10 * MIN)
    with pytest.raises(IllegalCommand, match="the allotment is 0 s"):
        room.do(SetRequestAllotment("ag1.1", 0.0), START + 10 * MIN)


def test_giving_the_floor_ends_the_current_speech_first() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), START + 10 * MIN)
    grant(room, START + 10 * MIN)
    room.do(StartSpeech(), START + 10 * MIN)

    events = room.do(GiveFloor("Special Rapporteur"), START + 11 * MIN)

    assert names(events) == ["SpeechEnded", "FloorGranted"]
    assert room.state.speech is not None
    assert room.state.speech.speaker.name == "Special Rapporteur"


def test_a_new_segment_is_refused_while_someone_has_the_floor() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), START + 10 * MIN)
    grant(room, START + 10 * MIN)

    with pytest.raises(IllegalCommand, match="MEX has the floor: end the speech first"):
        room.do(OpenSegment(panel()), START + 11 * MIN)


def test_opening_a_segment_closes_the_one_before_and_its_waiting_requests() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), START + 10 * MIN)

    events = room.do(OpenSegment(panel()), START + 11 * MIN)

    assert names(events) == ["PhaseEnded", "RequestsClosed", "SegmentClosed", "SegmentOpened"]
    closed = events[1]
    assert isinstance(closed, RequestsClosed)
    assert closed.reason is ClosedBecause.SEGMENT_CLOSED
    assert isinstance(events[-1], SegmentOpened)
    assert room.state.queue.waiting == ()


def test_closing_the_segment_ends_the_speech_and_closes_the_requests() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), START + 10 * MIN)
    room.do(RequestFloor(state("GHA")), START + 10 * MIN)
    grant(room, START + 10 * MIN)
    room.do(StartSpeech(), START + 10 * MIN)

    events = room.do(CloseSegment(), START + 11 * MIN)

    assert names(events) == ["SpeechEnded", "PhaseEnded", "RequestsClosed", "SegmentClosed"]
    assert events[1] == PhaseEnded(
        START + 11 * MIN, 1, "member_states", PhaseEndReason.SEGMENT_CLOSED
    )
    assert events[-1] == SegmentClosed(START + 11 * MIN, "ag1")
    # A fresh room, but for what lapsed: Ghana's phone says so until a segment opens (R2).
    (lapse,) = room.state.queue.lapsed
    assert (lapse.delegation_id, lapse.reason) == ("GHA", ClosedBecause.SEGMENT_CLOSED.value)
    assert room.state == RoomState("plenary", queue=Queue(lapsed=(lapse,)))
    assert next_deadline(room.state) is None


def test_a_tick_in_an_empty_room_does_nothing() -> None:
    assert apply(RoomState("plenary"), Tick(), START).events == ()


# -- C4 parallel rooms -------------------------------------------------------------------


def test_C4_a_command_in_one_room_never_changes_another() -> None:
    one, two = RoomLog("room-1"), RoomLog("room-2")
    for room in (one, two):
        room.do(OpenSegment(action_group()), START)
        room.do(RequestFloor(state("MEX")), START + 10)
    untouched = two.state

    one.do(ClosePhase(), MS_PHASE)
    one.do(GrantFloor(), MS_PHASE + 1)
    one.do(StartSpeech(), MS_PHASE + 1)

    assert two.state == untouched
    assert one.state.speech is not None
    assert two.state.speech is None
    assert next_deadline(two.state) is None


def test_C1_a_segment_opens_in_its_first_phase() -> None:
    room = opened(at=START + 7 * MIN)
    assert names(room.events) == ["SegmentOpened"]
    assert phase_key(room) == "welcome"
    assert phase_started_at(room) == START + 7 * MIN
    assert room.state.segment is not None
    assert room.state.segment.opened_at == START + 7 * MIN


def test_R1_a_speech_heard_outside_any_segment_still_ends_cleanly() -> None:
    """evolve is total: a recorded end applies even with no segment open."""
    from app.queue import RoomState, evolve
    from app.timing.allotment import Basis, SpeechEnded, allot

    speaker = state("GHA")
    on_floor = RoomState("1", speech=allot(speaker, 120, Basis.SLOT))
    ended = SpeechEnded(
        START, speaker, None, None, "", Basis.SLOT, 120, 0, 100, 0, START - 100, False, True
    )
    after = evolve(on_floor, ended)
    assert after.speech is None
    assert after.segment is None
    assert after.queue == on_floor.queue  # no request: nobody is marked as having spoken
