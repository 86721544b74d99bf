"""Operating the floor (M1-M5, M7): every tap is safe, and the floor is never lost.

Each test drives a room with a fake clock (``RoomLog`` at chosen instants) and
names the finding of issue 14 it pins.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.errors import FloorChanged, FloorRuleRefused, IllegalCommand, NotFound
from app.queue import (
    ClearQueue,
    ClosePhase,
    CloseSegment,
    FloorGranted,
    FloorRestored,
    GiveFloor,
    GrantFloor,
    MoveRequest,
    OpenSegment,
    RequestFloor,
    RequestReturned,
    RequestStruck,
    RoomState,
    SetRequestAllotment,
    StrikeRequest,
    Tick,
    Undo,
    WithdrawRequest,
    replay,
)
from app.queue.projection import project
from app.record import build_record
from app.record.interventions import Outcome
from app.timing import (
    EndSpeech,
    ExtendSpeech,
    FloorRules,
    PauseSpeech,
    ResumeSpeech,
    SetAllotment,
    SpeechStatus,
    StartSpeech,
    seconds_left,
)
from tests.fakes import FRANCE, PHILIPPINES, RoomLog, names, stakeholder, state, waiting
from tests.fakes import member_state_room as room
from tests.plans import MIN, MS_PHASE, START, action_group


def status(log: RoomLog) -> SpeechStatus | None:
    return None if log.state.speech is None else log.state.speech.status


def refused(log: RoomLog, command: object, now: float) -> str:
    """The refusal's message; the room must be unchanged."""
    before, count = log.state, len(log.events)
    with pytest.raises(FloorChanged) as error:
        log.do(command, now)  # type: ignore[arg-type]
    assert (log.state, len(log.events)) == (before, count)
    return error.value.detail


T = MS_PHASE + 10  # every request has been made


# -- M1 a command names what it acts on ----------------------------------------------


def test_M1_two_consoles_granting_at_once_the_second_is_refused_and_says_who_has_the_floor() -> (
    None
):
    log = room()
    log.do(GrantFloor("ag1.1", expected_speaker=""), T)  # console A: France

    detail = refused(log, GrantFloor("ag1.2", expected_speaker=""), T + 2)  # console B

    assert detail == "France already has the floor (given 2 s ago)"
    assert log.state.speech is not None
    assert log.state.speech.speaker.id == "FRA"
    assert waiting(log) == ["PHL", "GHA"]


def test_M1_a_speech_command_decided_on_another_speaker_is_refused() -> None:
    log = room()
    log.do(GrantFloor(), T)
    log.do(StartSpeech(expected_speaker="FRA"), T)

    assert refused(log, PauseSpeech(expected_speaker="GHA"), T + 5) == (
        "France has the floor now (given 5 s ago), not the speaker the console showed"
    )
    log.do(EndSpeech(expected_speaker="FRA"), T + 60)
    assert refused(log, ExtendSpeech(30, expected_speaker="FRA"), T + 61) == (
        "no one has the floor now: the speech the console showed has ended"
    )


def test_M1_a_command_on_a_request_granted_meanwhile_says_so() -> None:
    log = room()
    log.do(GrantFloor(), T)
    message = "the request of France was already granted: France has the floor"
    for command in (
        GrantFloor("ag1.1"),
        MoveRequest("ag1.1", 1),
        SetRequestAllotment("ag1.1", 60),
        StrikeRequest("ag1.1", "asked twice"),
        WithdrawRequest("FRA", request_id="ag1.1"),
    ):
        assert refused(log, command, T + 1) == message
    with pytest.raises(NotFound, match="no waiting request 'ag1.9'"):
        log.do(StrikeRequest("ag1.9", "typo"), T + 1)


def test_M1_a_withdrawal_names_its_request_and_never_takes_a_newer_one() -> None:
    log = room()
    log.do(WithdrawRequest("PHL", request_id="ag1.2"), T)
    log.do(RequestFloor(PHILIPPINES), T + 1)  # asks again: ag1.4

    assert log.do(WithdrawRequest("PHL", request_id="ag1.2"), T + 2) == ()  # M2: harmless
    assert waiting(log) == ["FRA", "GHA", "PHL"]
    assert names(log.do(WithdrawRequest("PHL", request_id="ag1.4"), T + 3)) == ["RequestWithdrawn"]


def test_M1_closing_a_phase_or_a_segment_the_console_no_longer_shows_is_refused() -> None:
    log = room()
    assert refused(log, ClosePhase(phase_key="welcome"), T) == (
        "the phase 'Welcome by chair' is no longer open: 'Member State interventions' runs now"
    )
    assert refused(log, ClosePhase(segment_id="ag2"), T) == (
        "the segment 'ag2' is no longer open: 'Action group 1: human dimension' is"
    )
    assert refused(log, CloseSegment(segment_id="ag2"), T).startswith("the segment 'ag2'")
    log.do(ClosePhase(phase_key="member_states", segment_id="ag1"), T)
    log.do(CloseSegment(segment_id="ag1"), T + 1)
    assert refused(log, CloseSegment(segment_id="ag1"), T + 2) == (
        "the segment 'ag1' is no longer open"
    )


# -- M2 no toggles -----------------------------------------------------------------------


def test_M2_two_consoles_pressing_pause_leave_the_speech_paused() -> None:
    log = room()
    log.do(GrantFloor(), T)
    log.do(StartSpeech(), T)
    log.do(PauseSpeech(), T + 30)

    assert log.do(PauseSpeech(), T + 31) == ()
    assert status(log) is SpeechStatus.PAUSED
    log.do(ResumeSpeech(), T + 40)
    assert log.do(ResumeSpeech(), T + 41) == ()
    assert status(log) is SpeechStatus.RUNNING


def test_M2_opening_the_segment_already_open_is_harmless_and_never_a_restart() -> None:
    log = room()
    log.do(GrantFloor(), T)
    before = log.state

    assert log.do(OpenSegment(action_group()), T + 1) == ()
    assert log.state == before  # the speaker, the queue and the phase stay


# -- M3 undo -----------------------------------------------------------------------------


def test_M3_next_speaker_is_undone_the_cut_speaker_comes_back_with_their_seconds_left() -> None:
    log = room()
    log.do(GrantFloor(), T)
    log.do(StartSpeech(), T)  # France: 3 minutes (T2 flex)
    cut = log.state
    events = log.do(GrantFloor(), T + 50)  # "next speaker" by mistake: Philippines
    assert names(events) == ["SpeechEnded", "FloorGranted"]

    (restored,) = log.do(Undo(expected_speaker="PHL"), T + 55)

    assert isinstance(restored, FloorRestored)
    assert restored.undone == "the end of France's speech and the floor given to Philippines"
    speech = log.state.speech
    assert speech is not None
    assert speech.speaker.id == "FRA"
    # paused with the 130 s France had left when cut off, not 125: the undo costs nothing
    assert (speech.status, seconds_left(speech, T + 999)) == (SpeechStatus.PAUSED, 130.0)
    assert log.state.queue == cut.queue  # Philippines first again, Ghana after
    assert log.state.segment == cut.segment
    log.do(ResumeSpeech(), T + 60)
    assert seconds_left(log.state.speech, T + 60) == 130.0  # type: ignore[arg-type]


def test_M3_the_record_keeps_the_cut_and_the_undo_and_shows_the_speech_continuing() -> None:
    log = room()
    log.do(GrantFloor(), T)
    log.do(StartSpeech(), T)
    log.do(EndSpeech(), T + 50)
    log.do(Undo(), T + 52)
    log.do(ResumeSpeech(), T + 53)
    log.do(EndSpeech(), T + 113)

    assert names(log.events).count("SpeechEnded") == 2  # both stay in the record
    france = next(i for i in build_record(log.events) if i.delegation == "FRA")
    assert (france.outcome, france.spoken, france.ended_at) == (Outcome.HEARD, 110.0, T + 113)
    assert replay(log.initial, log.events) == log.state


def test_M3_an_undone_grant_is_no_grant_in_the_record() -> None:
    log = room()
    log.do(GiveFloor("Guest"), T)
    log.do(Undo(), T + 1)
    log.do(GrantFloor("ag1.2"), T + 2)
    log.do(Undo(), T + 3)

    assert log.state.speech is None
    assert waiting(log) == ["FRA", "PHL", "GHA"]
    record = build_record(log.events)
    assert [(i.delegation, i.outcome) for i in record] == [
        ("FRA", Outcome.WAITING),
        ("PHL", Outcome.WAITING),
        ("GHA", Outcome.WAITING),
    ]
    assert record[1].overrides == ()
    assert record[1].granted_at is None


def test_M3_a_withdrawal_a_strike_and_a_phase_close_are_undone_in_place() -> None:
    log = room()
    log.do(GrantFloor(), T)
    log.do(StartSpeech(), T)
    for command in (
        WithdrawRequest("PHL"),
        StrikeRequest("ag1.3", "not registered"),
        ClosePhase(),
    ):
        before = log.state
        log.do(command, T + 10)
        log.do(Undo(), T + 20)
        # the speech the change did not touch runs on, with the same deadline
        assert replace(log.state, undo=None) == replace(before, undo=None)
    assert [i.outcome for i in build_record(log.events)][1:] == [Outcome.WAITING] * 2


def test_M3_closing_a_free_floors_phase_is_undone_with_its_closed_requests() -> None:
    log = room(FRANCE, stakeholder("MADE"))
    log.do(ClearQueue(), T)
    log.do(RequestFloor(FRANCE), T + 1)
    before = log.state
    log.do(ClosePhase(), T + 2)  # France closes as not heard, the block starts
    assert log.state.segment is not None
    assert log.state.segment.phase_index == 2

    log.do(Undo(), T + 3)

    assert replace(log.state, undo=None) == replace(before, undo=None)
    assert build_record(log.events)[-1].outcome is Outcome.WAITING


def test_M3_the_undo_window_is_a_meeting_rule_and_after_it_the_undo_is_refused() -> None:
    log = room(rules=FloorRules(undo_seconds=10.0))
    log.do(WithdrawRequest("GHA"), T)

    with pytest.raises(FloorRuleRefused) as error:
        log.do(Undo(), T + 11)
    assert error.value.detail == (
        "nothing to undo: the withdrawal of Ghana's request was 11 s ago "
        "(an undo is possible for 10 s)"
    )
    assert FloorRules().undo_seconds == 30.0


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (RequestFloor(state("MEX", "Mexico")), "Mexico asked for the floor"),
        (StartSpeech(), "Ghana started speaking"),
        (SetAllotment(60.0), "Ghana's clock changed"),
        (MoveRequest("ag1.1", 1), "the queue changed"),
        (Undo(), "it was undone already"),
    ],
)
def test_M3_an_undo_after_another_change_is_refused_and_says_what_changed(
    change: object, said: str
) -> None:
    log = room()
    log.do(GrantFloor("ag1.3"), T)
    log.do(change, T + 1)  # type: ignore[arg-type]

    with pytest.raises(FloorRuleRefused) as error:
        log.do(Undo(), T + 2)
    assert error.value.detail == f"nothing to undo: {said} after the floor given to Ghana"


def test_M3_nothing_to_undo_in_a_segment_where_the_floor_has_not_changed() -> None:
    log = RoomLog()
    log.do(OpenSegment(action_group()), START)
    with pytest.raises(FloorRuleRefused, match="nothing to undo: the floor has not changed"):
        log.do(Undo(), START)
    log.do(ClosePhase(), MS_PHASE)
    log.do(RequestFloor(FRANCE), MS_PHASE)
    with pytest.raises(FloorRuleRefused) as error:
        log.do(Undo(), MS_PHASE)
    assert error.value.detail == (
        "nothing to undo: France asked for the floor after the close of 'Welcome by chair'"
    )


def test_M3_the_clock_announcing_a_warning_does_not_spend_the_undo() -> None:
    log = room()
    log.do(GrantFloor(), T)
    log.do(StartSpeech(), T)  # France: 180 s, warned at 150 s
    log.do(WithdrawRequest("GHA"), T + 140)
    assert names(log.do(Tick(), T + 150)) == ["WarningReached"]

    log.do(Undo(), T + 160)

    assert waiting(log) == ["PHL", "GHA"]
    speech = log.state.speech
    assert speech is not None
    assert speech.warned
    assert seconds_left(speech, T + 160) == 20.0
    assert log.do(Tick(), T + 161) == ()  # announced once (T5)


def test_M3_the_clock_ending_a_phase_or_a_hard_stop_spends_the_undo() -> None:
    log = room(rules=FloorRules(hard_stop=True))
    log.do(GrantFloor(), T)
    log.do(StartSpeech(), T)
    log.do(WithdrawRequest("GHA"), T + 10)
    log.do(Tick(), T + 180)  # time up and the hard stop (T5)
    with pytest.raises(FloorRuleRefused, match="France's time ran out \\(hard stop\\) after"):
        log.do(Undo(), T + 181)

    late = room()
    late.do(WithdrawRequest("GHA"), T)
    late.do(Tick(), MS_PHASE + 75 * MIN)  # A3: the Member State phase's maximum
    with pytest.raises(FloorRuleRefused, match="'Member State interventions' ended after"):
        late.do(Undo(), MS_PHASE + 75 * MIN)


def test_M3_the_undo_point_is_rebuilt_by_a_replay_of_the_events() -> None:
    log = room()
    log.do(GrantFloor(), T)
    log.do(StartSpeech(), T)
    log.do(GrantFloor(), T + 50)

    rebuilt = replay(RoomState("plenary"), log.events)

    assert rebuilt == log.state
    assert rebuilt.undo is not None
    assert rebuilt.undo.until == T + 80


def test_M3_a_later_command_at_the_same_instant_is_not_part_of_the_change() -> None:
    log = room()
    log.do(GrantFloor(), T)  # France
    log.do(StartSpeech(), T)
    log.do(EndSpeech(), T + 60)
    log.do(GrantFloor(), T + 60)  # a separate tap at the same instant: Philippines
    log.do(ClearQueue(), T + 60)  # and a clear: a change since the grant

    with pytest.raises(FloorRuleRefused, match="the queue changed after the floor given to"):
        log.do(Undo(), T + 61)


# -- M4 strike a request --------------------------------------------------------------------


def test_M4_a_struck_request_is_recorded_as_not_heard_struck_with_its_reason() -> None:
    log = room()
    (struck,) = log.do(StrikeRequest("ag1.2", "  entered for the wrong delegation "), T)

    assert isinstance(struck, RequestStruck)
    assert struck.reason == "entered for the wrong delegation"
    assert waiting(log) == ["FRA", "GHA"]
    line = next(i for i in build_record(log.events) if i.delegation == "PHL")
    assert (line.outcome, line.closed_reason, line.struck_reason) == (
        Outcome.NOT_HEARD,
        "struck",
        "entered for the wrong delegation",
    )


def test_M4_a_strike_says_why() -> None:
    with pytest.raises(IllegalCommand, match="no reason is given"):
        room().do(StrikeRequest("ag1.2", " "), T)


# -- M5 a granted speaker is never dropped ------------------------------------------------------


def test_M5_giving_the_floor_out_of_order_returns_the_granted_speaker_to_the_head() -> None:
    log = room()
    log.do(GrantFloor("ag1.1"), T)  # France, not started yet

    events = log.do(GrantFloor("ag1.2"), T + 5)  # "Give floor: Philippines"

    assert names(events) == ["RequestReturned", "FloorGranted"]
    assert isinstance(events[1], FloorGranted)
    assert events[1].replacing == "FRA"
    assert waiting(log) == ["FRA", "GHA"]
    france = next(i for i in build_record(log.events) if i.delegation == "FRA")
    assert (france.outcome, france.spoken, france.granted_at) == (Outcome.WAITING, 0.0, None)


def test_M5_next_speaker_passes_over_a_speaker_who_has_not_started_and_keeps_them_first() -> None:
    log = room()
    log.do(GrantFloor(), T)  # France

    log.do(GrantFloor(), T + 5)  # next speaker: Philippines; France waits first in line

    assert log.state.speech is not None
    assert log.state.speech.speaker.id == "PHL"
    assert waiting(log) == ["FRA", "GHA"]
    log.do(RequestFloor(state("BRA", "Brazil")), T + 6)
    log.do(StartSpeech(), T + 6)
    log.do(GrantFloor(), T + 60)
    assert log.state.speech is not None
    assert log.state.speech.speaker.id == "FRA"


def test_M5_a_guest_given_the_floor_sends_the_granted_speaker_back() -> None:
    log = room(FRANCE)
    log.do(GrantFloor(), T)
    with pytest.raises(IllegalCommand, match="no one else is waiting"):
        log.do(GrantFloor(), T + 1)

    events = log.do(GiveFloor("Guest"), T + 2)

    assert isinstance(events[0], RequestReturned)
    assert waiting(log) == ["FRA"]
    assert log.do(RequestFloor(FRANCE), T + 3) == ()  # P6: still its one open request


def test_M5_a_granted_speaker_who_asks_again_keeps_one_request() -> None:
    log = room(FRANCE)
    log.do(GrantFloor(), T)
    assert log.do(RequestFloor(FRANCE), T + 1) == ()
    log.do(StartSpeech(), T + 2)
    assert names(log.do(RequestFloor(FRANCE), T + 3)) == ["FloorRequested"]


# -- M7 estimates move with the clock -----------------------------------------------------------


def test_M7_a_speaker_in_overtime_pushes_every_later_estimate_and_none_is_in_the_past() -> None:
    log = room()
    log.do(GrantFloor(), T)
    log.do(StartSpeech(), T)  # France to T + 180

    on_time = project(log.state, T + 100)
    assert [p.starts_at for p in on_time.requests] == [T + 180, T + 360]
    assert on_time.steady_until == T + 180
    for over in (10.0, 45.0, 300.0):
        later = project(log.state, T + 180 + over)
        assert [p.starts_at for p in later.requests] == [T + 180 + over, T + 360 + over]
        assert later.steady_until is None  # the shell renders again as the clock moves


def test_M7_with_the_floor_free_the_next_estimate_is_now() -> None:
    log = room()
    for now in (T, T + 30, T + 90):
        estimates = [p.starts_at for p in project(log.state, now).requests]
        assert estimates[0] == now
        assert all(e is not None and e >= now for e in estimates)
    assert project(log.state, T).steady_until is None
