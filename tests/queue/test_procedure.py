"""The procedure of formal bodies (O1, O3): points of order and closed lists.

Each test drives a room with a fake clock (``RoomLog`` at chosen instants).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.errors import FloorChanged, FloorRuleRefused, IllegalCommand, NotFound
from app.queue import (
    ClosePhase,
    CloseSegment,
    CloseSpeakersList,
    FloorRestored,
    GiveFloor,
    GrantFloor,
    HearPointOfOrder,
    PointOfOrderHeard,
    PointOfOrderRaised,
    PointOfOrderRuled,
    RaisePointOfOrder,
    ReopenSpeakersList,
    RequestFloor,
    RoomState,
    RulePointOfOrder,
    Tick,
    Undo,
    WithdrawRequest,
    next_deadline,
    replay,
)
from app.queue.projection import project
from app.record import build_record
from app.record.interventions import Outcome
from app.timing import (
    Basis,
    EndSpeech,
    ExtendSpeech,
    FloorRules,
    ResumeSpeech,
    SetAllotment,
    SpeechStatus,
    StartSpeech,
    seconds_left,
)
from tests.fakes import FRANCE, GHANA, RoomLog, names, stakeholder, state, waiting
from tests.fakes import member_state_room as room
from tests.plans import MS_PHASE, START

MEXICO = state("MEX", "Mexico")
T = MS_PHASE + 10


def speaking(log: RoomLog, now: float) -> RoomLog:
    """France on the floor since ``now``, 180 s (T2 flex)."""
    log.do(GrantFloor(), now)
    log.do(StartSpeech(), now)
    return log


def on_floor(log: RoomLog) -> str | None:
    return None if log.state.speech is None else log.state.speech.speaker.id


# -- O1 point of order ---------------------------------------------------------------------


def test_O1_a_point_of_order_pauses_the_speaker_and_they_resume_with_the_seconds_left() -> None:
    log = speaking(room(), T)
    (raised,) = log.do(RaisePointOfOrder(MEXICO), T + 50)
    assert isinstance(raised, PointOfOrderRaised)
    assert (raised.point.name, raised.point.raised_at, raised.point.on_behalf) == (
        "Mexico",
        T + 50,
        False,
    )

    events = log.do(HearPointOfOrder(expected_speaker="FRA"), T + 52)

    assert names(events) == ["SpeechPaused", "PointOfOrderHeard"]
    heard = events[1]
    assert isinstance(heard, PointOfOrderHeard)
    assert heard.interrupted is not None
    assert (heard.interrupted.speaker.id, heard.interrupted.seconds_left) == ("FRA", 128.0)
    assert log.state.held == heard.interrupted
    point = log.state.speech
    assert point is not None
    assert (point.speaker.id, point.basis, point.seconds) == ("MEX", Basis.POINT_OF_ORDER, 300.0)

    log.do(StartSpeech(), T + 53)
    (ruled,) = log.do(RulePointOfOrder("  The point is well taken. "), T + 113)

    assert isinstance(ruled, PointOfOrderRuled)
    assert (ruled.raised_by.id, ruled.raised_at, ruled.ruling, ruled.spoken) == (
        "MEX",
        T + 50,
        "The point is well taken.",
        60.0,
    )
    assert ruled.resumed == heard.interrupted
    back = log.state.speech
    assert back is not None
    assert (back.speaker.id, back.status, seconds_left(back, T + 999)) == (
        "FRA",
        SpeechStatus.PAUSED,
        128.0,
    )
    assert log.state.held is None
    log.do(ResumeSpeech(), T + 120)
    assert log.state.speech is not None
    assert seconds_left(log.state.speech, T + 120) == 128.0
    assert replay(log.initial, log.events) == log.state


def test_O1_a_point_of_order_goes_before_every_request_whatever_its_rank() -> None:
    log = room(stakeholder("MADE"))
    log.do(RaisePointOfOrder(stakeholder("NGO"), on_behalf=True), T)
    log.do(RequestFloor(FRANCE), T + 1)

    log.do(GrantFloor(), T + 2)  # "next speaker"

    assert on_floor(log) == "NGO"
    assert log.state.speech is not None
    assert log.state.speech.basis is Basis.POINT_OF_ORDER
    assert log.state.held is None  # the floor was free
    assert waiting(log) == ["FRA", "MADE"]  # no request was used
    assert log.state.queue.points == ()


def test_O1_next_speaker_ends_the_speech_and_hears_the_waiting_point_in_one_change() -> None:
    log = speaking(room(), T)
    log.do(RaisePointOfOrder(MEXICO), T + 10)
    before = log.state

    events = log.do(GrantFloor(), T + 60)

    assert names(events) == ["SpeechEnded", "PointOfOrderHeard"]
    (restored,) = log.do(Undo(), T + 61)
    assert isinstance(restored, FloorRestored)
    assert restored.undone == (
        "the end of France's speech and the floor given to Mexico's point of order"
    )
    assert log.state.queue == before.queue
    assert log.state.speech is not None
    assert seconds_left(log.state.speech, T + 61) == 120.0


def test_O1_a_second_press_keeps_one_point_and_points_are_heard_in_order_raised() -> None:
    log = room()
    log.do(RaisePointOfOrder(MEXICO), T)
    assert log.do(RaisePointOfOrder(MEXICO), T + 1) == ()
    log.do(RaisePointOfOrder(GHANA), T + 2)  # Ghana also waits for the floor: a point too

    assert [p.delegation_id for p in log.state.queue.points] == ["MEX", "GHA"]
    log.do(HearPointOfOrder(), T + 3)
    assert on_floor(log) == "MEX"
    with pytest.raises(IllegalCommand, match="point of order of Mexico is being heard"):
        log.do(HearPointOfOrder(), T + 4)
    log.do(RulePointOfOrder("Not a point of order."), T + 5)
    log.do(HearPointOfOrder(point_id=log.state.queue.points[0].id), T + 6)
    assert on_floor(log) == "GHA"


def test_O1_while_a_point_is_heard_the_chair_rules_first() -> None:
    log = speaking(room(), T)
    log.do(RaisePointOfOrder(MEXICO), T + 10)
    log.do(HearPointOfOrder(), T + 10)
    before = log.state

    for command in (EndSpeech(), GrantFloor(), GiveFloor("Guest"), CloseSegment()):
        with pytest.raises(IllegalCommand, match="the chair rules on it first \\(O1\\)"):
            log.do(command, T + 20)
    with pytest.raises(IllegalCommand, match="no ruling is given"):
        log.do(RulePointOfOrder(" "), T + 20)
    with pytest.raises(FloorChanged, match="Mexico has the floor now"):
        log.do(ResumeSpeech(expected_speaker="FRA"), T + 20)
    assert log.state == before


def test_O1_the_points_cap_is_a_meeting_rule_and_its_time_up_cuts_nothing() -> None:
    log = room(rules=FloorRules(point_of_order_seconds=60.0, hard_stop=True))
    log.do(RaisePointOfOrder(MEXICO), T)
    log.do(HearPointOfOrder(), T)
    log.do(StartSpeech(), T)
    assert next_deadline(log.state) == T + 30  # T5: warned 30 s before the cap
    log.do(ExtendSpeech(10), T + 1)
    assert log.state.speech is not None
    assert log.state.speech.basis is Basis.POINT_OF_ORDER  # still a point, extended

    assert names(log.do(Tick(), T + 75)) == ["WarningReached", "TimeUp"]
    assert on_floor(log) == "MEX"  # no hard stop: the chair rules
    (ruled,) = log.do(RulePointOfOrder("Noted."), T + 80)
    assert isinstance(ruled, PointOfOrderRuled)
    assert ruled.spoken == 80.0
    assert FloorRules().point_of_order_seconds == 300.0


def test_O1_a_profile_may_make_a_point_wait_for_the_end_of_the_speech() -> None:
    log = speaking(room(rules=FloorRules(point_of_order_interrupts=False)), T)
    log.do(RaisePointOfOrder(MEXICO), T + 10)

    with pytest.raises(FloorRuleRefused) as refused:
        log.do(HearPointOfOrder(), T + 11)
    assert refused.value.detail == (
        "the point of order of Mexico waits until France has finished speaking "
        "(the meeting's rules, O1)"
    )
    assert refused.value.code == "point.waits_for_speech"
    log.do(EndSpeech(), T + 60)
    log.do(HearPointOfOrder(), T + 61)
    assert (on_floor(log), log.state.held) == ("MEX", None)
    assert FloorRules().point_of_order_interrupts is True


def test_O1_the_moderators_allotment_for_a_point_keeps_it_a_point_of_order() -> None:
    log = speaking(room(), T)
    log.do(RaisePointOfOrder(MEXICO), T + 10)
    log.do(HearPointOfOrder(), T + 10)

    log.do(SetAllotment(60), T + 11)

    assert log.state.speech is not None
    assert (log.state.speech.basis, log.state.speech.seconds) == (Basis.POINT_OF_ORDER, 60.0)
    with pytest.raises(IllegalCommand, match="the chair rules on it first"):
        log.do(EndSpeech(), T + 12)


def test_O1_a_granted_speaker_who_has_not_started_is_held_as_granted() -> None:
    log = room()
    log.do(GrantFloor(), T)  # France, not started
    log.do(RaisePointOfOrder(MEXICO), T + 1)
    log.do(HearPointOfOrder(), T + 2)
    assert log.state.held is not None
    assert log.state.held.status is SpeechStatus.ALLOTTED

    log.do(RulePointOfOrder("Out of order."), T + 30)

    speech = log.state.speech
    assert speech is not None
    assert (speech.speaker.id, speech.status, speech.seconds_left) == (
        "FRA",
        SpeechStatus.ALLOTTED,
        180.0,
    )
    assert log.state.queue.granted is not None  # M5: still France's one request
    assert log.do(RequestFloor(FRANCE), T + 31) == ()  # P6


def test_O1_hearing_a_point_is_undone_the_speaker_comes_back_paused_with_their_seconds() -> None:
    log = speaking(room(), T)
    log.do(RaisePointOfOrder(MEXICO), T + 40)
    raised = log.state
    log.do(HearPointOfOrder(), T + 40)

    (restored,) = log.do(Undo(expected_speaker="MEX"), T + 45)

    assert isinstance(restored, FloorRestored)
    assert restored.undone == "the floor given to Mexico's point of order"
    assert log.state.held is None
    assert log.state.queue == raised.queue  # the point waits again
    assert log.state.speech is not None
    assert (log.state.speech.status, seconds_left(log.state.speech, T + 99)) == (
        SpeechStatus.PAUSED,
        140.0,
    )


def test_O1_an_undo_during_a_point_restores_the_held_speech_too() -> None:
    log = speaking(room(), T)
    log.do(RaisePointOfOrder(MEXICO), T + 40)
    log.do(HearPointOfOrder(), T + 40)
    before = log.state
    log.do(WithdrawRequest("GHA"), T + 50)

    log.do(Undo(), T + 55)

    assert replace(log.state, undo=None) == replace(before, undo=None)
    assert replay(RoomState("plenary"), log.events) == log.state


def test_O1_a_ruling_is_not_undone() -> None:
    log = speaking(room(), T)
    log.do(RaisePointOfOrder(MEXICO), T + 40)
    log.do(HearPointOfOrder(), T + 40)
    log.do(RulePointOfOrder("Noted."), T + 60)

    with pytest.raises(FloorRuleRefused) as refused:
        log.do(Undo(), T + 61)
    assert refused.value.detail == (
        "nothing to undo: the chair ruled on Mexico's point of order "
        "after the floor given to Mexico's point of order"
    )


def test_O1_the_record_keeps_one_line_for_the_interrupted_speech_and_none_for_the_point() -> None:
    log = speaking(room(), T)
    log.do(RaisePointOfOrder(MEXICO), T + 40)
    log.do(HearPointOfOrder(), T + 40)
    log.do(StartSpeech(), T + 41)
    log.do(ExtendSpeech(30), T + 42)  # the point's clock, not France's
    log.do(RulePointOfOrder("Noted."), T + 100)
    log.do(ResumeSpeech(), T + 101)
    log.do(EndSpeech(), T + 201)

    record = build_record(log.events)
    france = next(i for i in record if i.delegation == "FRA")
    assert (france.outcome, france.spoken, france.extended, france.ended_at) == (
        Outcome.HEARD,
        140.0,
        0.0,
        T + 201,
    )
    assert [i.delegation for i in record] == ["FRA", "PHL", "GHA"]  # no line for Mexico
    assert "MEX" not in log.state.queue.spoken  # P8: not a speech on substance


def test_O1_a_point_of_order_is_raised_only_in_an_open_segment_by_a_delegation() -> None:
    with pytest.raises(IllegalCommand, match="no segment is open"):
        RoomLog().do(RaisePointOfOrder(MEXICO), START)
    log = room()
    panellist = replace(stakeholder("PN"), category=None)
    with pytest.raises(FloorRuleRefused, match="speaks by programme"):
        log.do(RaisePointOfOrder(panellist), T)
    with pytest.raises(IllegalCommand, match="no point of order is waiting"):
        log.do(HearPointOfOrder(), T)
    with pytest.raises(FloorChanged, match="'ag1.9' is no longer waiting"):
        log.do(HearPointOfOrder(point_id="ag1.9"), T)
    with pytest.raises(IllegalCommand, match="no point of order is being heard"):
        log.do(RulePointOfOrder("Noted."), T)


def test_O1_C3_estimates_count_the_point_in_progress_and_the_held_speech() -> None:
    log = speaking(room(), T)  # France to T + 180; Philippines, Ghana wait
    log.do(RaisePointOfOrder(MEXICO), T + 40)
    assert [p.starts_at for p in project(log.state, T + 40).requests] == [T + 480, T + 660]

    log.do(HearPointOfOrder(), T + 40)  # France held with 140 s
    log.do(StartSpeech(), T + 40)  # Mexico: up to 300 s

    estimates = project(log.state, T + 100)
    assert [p.starts_at for p in estimates.requests] == [T + 480, T + 660]
    assert estimates.steady_until == T + 340


def test_O1_the_point_holds_a_phase_that_closes_and_it_ends_after_the_held_speech() -> None:
    log = speaking(room(), T)
    log.do(RaisePointOfOrder(MEXICO), T + 40)
    log.do(HearPointOfOrder(), T + 40)
    log.do(ClosePhase(), T + 50)  # A3: the speaker on the floor finishes first

    log.do(RulePointOfOrder("Noted."), T + 60)
    assert log.state.segment is not None
    assert log.state.segment.phase_index == 1
    log.do(ResumeSpeech(), T + 60)
    log.do(EndSpeech(), T + 100)
    assert log.state.segment is not None
    assert log.state.segment.phase_index == 2


def test_O1_a_ruling_on_a_free_floor_lets_a_phase_past_its_limit_end_then() -> None:
    log = room()
    log.do(RaisePointOfOrder(MEXICO), T)
    log.do(HearPointOfOrder(), T)
    limit = MS_PHASE + 75 * 60  # A3: the Member State phase's maximum

    events = log.do(RulePointOfOrder("Noted."), limit + 100)

    ended = [e for e in events if type(e).__name__ == "PhaseEnded"]
    assert [e.at for e in ended] == [limit + 100]  # never before the ruling


# -- O3 closing and reopening a list ------------------------------------------------------


def test_O3_a_closed_list_refuses_a_delegations_own_request_and_names_the_list() -> None:
    log = room()
    (closed,) = log.do(CloseSpeakersList(), T)
    assert type(closed).__name__ == "SpeakersListClosed"

    with pytest.raises(FloorRuleRefused) as refused:
        log.do(RequestFloor(MEXICO), T + 1)
    assert refused.value.detail == (
        "the list of speakers of 'Member State interventions' is closed: only the chair "
        "adds to it (O3); a point of order can still be raised"
    )
    assert waiting(log) == ["FRA", "PHL", "GHA"]  # those on it stay


def test_O3_the_chair_still_adds_and_points_of_order_are_still_taken() -> None:
    log = room()
    log.do(CloseSpeakersList("member_states"), T)

    assert names(log.do(RequestFloor(MEXICO, on_behalf=True), T + 1)) == ["FloorRequested"]
    assert names(log.do(RaisePointOfOrder(GHANA), T + 2)) == ["PointOfOrderRaised"]
    assert waiting(log) == ["FRA", "PHL", "GHA", "MEX"]


def test_O3_a_request_for_a_later_phase_whose_list_is_open_is_taken() -> None:
    log = room()
    log.do(CloseSpeakersList(), T)
    assert names(log.do(RequestFloor(stakeholder("MADE")), T + 1)) == ["FloorRequested"]

    log.do(CloseSpeakersList("stakeholders"), T + 2)
    with pytest.raises(FloorRuleRefused, match="'Interventions from stakeholders' is closed"):
        log.do(RequestFloor(stakeholder("NGO")), T + 3)


def test_O3_reopening_the_list_takes_requests_again_and_repeats_change_nothing() -> None:
    log = room()
    log.do(CloseSpeakersList(), T)
    assert log.do(CloseSpeakersList(), T + 1) == ()  # M2

    assert names(log.do(ReopenSpeakersList(), T + 2)) == ["SpeakersListReopened"]
    assert log.do(ReopenSpeakersList(), T + 3) == ()
    assert names(log.do(RequestFloor(MEXICO), T + 4)) == ["FloorRequested"]
    assert replay(log.initial, log.events) == log.state


def test_O3_only_a_remaining_floor_phase_has_a_list_to_close() -> None:
    log = room()
    with pytest.raises(NotFound, match="no phase 'debate'"):
        log.do(CloseSpeakersList("debate"), T)
    with pytest.raises(FloorChanged, match="'Welcome by chair' is no longer open"):
        log.do(CloseSpeakersList("welcome"), T)
    with pytest.raises(IllegalCommand, match="'Concluding remarks' has no list of speakers"):
        log.do(ReopenSpeakersList("concluding"), T)


def test_O3_closing_a_list_spends_the_undo_and_says_so() -> None:
    log = room()
    log.do(WithdrawRequest("GHA"), T)
    log.do(CloseSpeakersList(), T + 1)

    with pytest.raises(FloorRuleRefused) as refused:
        log.do(Undo(), T + 2)
    assert refused.value.detail == (
        "nothing to undo: the list of speakers of 'Member State interventions' was closed "
        "after the withdrawal of Ghana's request"
    )
