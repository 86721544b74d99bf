"""Who will speak when, the cut-off line (C3), the projected end and the drift (C2)."""

from __future__ import annotations

from app.queue import (
    ClosePhase,
    GiveFloor,
    GrantFloor,
    MoveRequest,
    OpenSegment,
    RequestFloor,
    RoomState,
    WithdrawRequest,
)
from app.queue.projection import ProjectedRequest, Projection, project
from app.timing import Basis, EndSpeech, PauseSpeech, StartSpeech
from tests.builders import in_member_states
from tests.fakes import RoomLog, stakeholder, state
from tests.plans import MIN, MS_PHASE, START, action_group, panel

BLOCK_SLOTS = ("MADE", "IOM", "ILO", "UCLG", "WFP")


def starts(projection: Projection) -> list[tuple[str, float | None, float | None]]:
    """(delegation, minutes after START, seconds) for each waiting request, in queue order."""
    return [
        (p.delegation_id, None if p.starts_at is None else (p.starts_at - START) / MIN, p.seconds)
        for p in projection.requests
    ]


def minutes(at: float | None) -> float | None:
    return None if at is None else (at - START) / MIN


# -- C3 estimated starts and the cut-off line ----------------------------------------------


def test_C3_estimated_starts_follow_the_queue_with_the_allotments_T2_would_give() -> None:
    room = in_member_states("MEX", "GHA", "CHE", asked_at=START + 10 * MIN)

    projection = project(room.state, START + 10 * MIN)

    assert starts(projection) == [("MEX", 10.0, 180.0), ("GHA", 13.0, 180.0), ("CHE", 16.0, 180.0)]
    assert {p.basis for p in projection.requests} == {Basis.FLEX}
    assert projection.cut_off is None


def test_C3_the_cut_off_is_the_first_request_that_will_not_fit_in_the_member_state_phase() -> None:
    room = in_member_states("MEX", "GHA", "CHE", "BRA", "COL", "PER", asked_at=START + 70 * MIN)

    projection = project(room.state, START + 70 * MIN)

    # two-minute slots (6 x 3 min would not fit in 10), the last start at 78: 78 + 2 = 80
    assert starts(projection) == [
        ("MEX", 70.0, 120.0),
        ("GHA", 72.0, 120.0),
        ("CHE", 74.0, 120.0),
        ("BRA", 76.0, 120.0),
        ("COL", 78.0, 120.0),
        ("PER", None, None),
    ]
    assert projection.cut_off == "ag1.6"
    assert projection.requests[-1] == ProjectedRequest(
        "ag1.6", "PER", "member_states", None, None, None, False
    )


def test_C3_the_projection_updates_after_a_withdrawal() -> None:
    room = in_member_states("MEX", "GHA", "CHE", "BRA", "COL", "PER", asked_at=START + 70 * MIN)
    room.do(WithdrawRequest("GHA"), START + 70 * MIN)

    projection = project(room.state, START + 70 * MIN)

    assert projection.cut_off is None
    assert [d for d, _, _ in starts(projection)] == ["MEX", "CHE", "BRA", "COL", "PER"]
    assert starts(projection)[-1] == ("PER", 78.0, 120.0)


def test_C3_the_speaker_on_the_floor_finishes_before_the_queue_starts() -> None:
    room = in_member_states("MEX", "GHA", "CHE", asked_at=START + 10 * MIN)
    room.do(GrantFloor(), START + 10 * MIN)
    room.do(StartSpeech(), START + 11 * MIN)  # three minutes: to 14

    assert starts(project(room.state, START + 12 * MIN)) == [
        ("GHA", 14.0, 180.0),
        ("CHE", 17.0, 180.0),
    ]


def test_C3_stakeholders_are_projected_into_the_block_after_the_member_state_phase() -> None:
    room = in_member_states("MEX", "GHA", asked_at=START + 70 * MIN)
    room.do(RequestFloor(stakeholder("MADE")), START + 70 * MIN)
    room.do(RequestFloor(stakeholder("IOM")), START + 70 * MIN)

    projection = project(room.state, START + 70 * MIN)

    assert starts(projection) == [
        ("MEX", 70.0, 180.0),
        ("GHA", 73.0, 180.0),
        ("MADE", 80.0, 180.0),  # the Member State phase runs its plan, to 80
        ("IOM", 83.0, 180.0),
    ]
    assert [p.phase_key for p in projection.requests] == [
        "member_states",
        "member_states",
        "stakeholders",
        "stakeholders",
    ]
    assert minutes(projection.phase_ends_at) == 80.0
    assert minutes(projection.segment_ends_at) == 97.0
    assert projection.drift == 0.0


def test_C3_requests_made_during_the_welcome_are_placed_from_the_member_state_phase() -> None:
    room = RoomLog()
    room.do(OpenSegment(action_group()), START)
    room.do(RequestFloor(state("MEX")), START + MIN)

    projection = project(room.state, START + MIN)

    assert starts(projection) == [("MEX", 5.0, 180.0)]
    assert minutes(projection.phase_ends_at) == 5.0


def test_C3_a_stakeholder_moved_up_by_hand_is_projected_in_the_member_state_phase() -> None:
    room = in_member_states("MEX", asked_at=START + 10 * MIN)
    room.do(RequestFloor(stakeholder("MADE")), START + 10 * MIN)
    room.do(MoveRequest("ag1.2", 0), START + 10 * MIN)

    projection = project(room.state, START + 10 * MIN)

    assert [(p.delegation_id, p.phase_key) for p in projection.requests] == [
        ("MADE", "member_states"),
        ("MEX", "member_states"),
    ]


def test_C3_requests_no_remaining_phase_would_hear_are_not_reached() -> None:
    room = in_member_states()
    room.do(ClosePhase(), START + 20 * MIN)  # the block
    room.do(RequestFloor(state("MEX"), on_behalf=True), START + 21 * MIN)

    projection = project(room.state, START + 21 * MIN)

    assert projection.requests == (ProjectedRequest("ag1.1", "MEX", None, None, None, None, False),)
    assert projection.cut_off == "ag1.1"


def test_C3_a_closing_phase_ends_when_its_speaker_finishes_and_hears_no_one_else() -> None:
    room = in_member_states("MEX", "GHA", asked_at=START + 30 * MIN)
    room.do(GrantFloor(), START + 30 * MIN)
    room.do(StartSpeech(), START + 30 * MIN)
    room.do(ClosePhase(), START + 31 * MIN)

    projection = project(room.state, START + 31 * MIN)

    assert minutes(projection.phase_ends_at) == 33.0
    assert projection.cut_off == "ag1.2"
    assert minutes(projection.segment_ends_at) == 33.0 + 12 + 5


def test_A4_the_projection_keeps_the_blocks_four_slots_past_its_planned_end() -> None:
    room = in_member_states()
    for code in BLOCK_SLOTS:
        room.do(RequestFloor(stakeholder(code)), START + 10 * MIN)
    # at its maximum the Member State phase ends; the block is planned to end at 92
    room.do(GrantFloor(seconds=600.0), START + 80 * MIN)
    room.do(StartSpeech(), START + 80 * MIN)  # to 90

    projection = project(room.state, START + 85 * MIN)

    assert starts(projection) == [
        ("IOM", 90.0, 120.0),
        ("ILO", 92.0, 120.0),  # past the plan, but the second of the four slots
        ("UCLG", 94.0, 120.0),
        ("WFP", None, None),
    ]
    assert projection.cut_off == "ag1.5"
    assert minutes(projection.phase_ends_at) == 96.0


def test_A4_a_guest_given_the_floor_in_the_block_takes_none_of_its_four_slots() -> None:
    room = in_member_states()
    for code in BLOCK_SLOTS:
        room.do(RequestFloor(stakeholder(code)), START + 10 * MIN)
    room.do(GiveFloor("Special Rapporteur", seconds=600.0), START + 80 * MIN)
    room.do(StartSpeech(), START + 80 * MIN)  # to 90, past nothing the block owes

    projection = project(room.state, START + 85 * MIN)

    assert starts(projection) == [
        ("MADE", 90.0, 120.0),
        ("IOM", 92.0, 120.0),
        ("ILO", 94.0, 120.0),
        ("UCLG", 96.0, 120.0),  # the fourth stakeholder slot, though past the plan
        ("WFP", None, None),
    ]


def test_A4_a_block_still_owing_a_slot_reaches_a_stakeholders_second_turn() -> None:
    room = in_member_states()
    room.do(RequestFloor(stakeholder("MADE")), START + 10 * MIN)
    room.do(GrantFloor(seconds=480.0), START + 80 * MIN)  # the block starts; MADE, 8 minutes
    room.do(StartSpeech(), START + 80 * MIN)
    room.do(EndSpeech(), START + 88 * MIN)
    room.do(RequestFloor(stakeholder("MADE")), START + 88 * MIN)  # asks again (P8: last)
    for code in ("IOM", "ILO"):
        room.do(RequestFloor(stakeholder(code)), START + 88 * MIN)

    projection = project(room.state, START + 88 * MIN)

    # three stakeholders heard by 92 and no other one waiting: the fourth slot goes
    # to MADE's second turn, past the block's planned end
    assert starts(projection) == [("IOM", 88.0, 120.0), ("ILO", 90.0, 120.0), ("MADE", 92.0, 120.0)]
    assert projection.cut_off is None


def test_C3_a_phase_without_a_limit_is_cut_at_its_planned_end() -> None:
    room = RoomLog()
    room.do(OpenSegment(panel()), START)
    for at in (5, 25, 45):
        room.do(ClosePhase(), START + at * MIN)  # Q&A from 45 to 120
    for code in ("MEX", "GHA", "CHE"):
        room.do(RequestFloor(state(code)), START + 115 * MIN)

    projection = project(room.state, START + 115 * MIN)

    assert starts(projection) == [("MEX", 115.0, 120.0), ("GHA", 117.0, 120.0), ("CHE", None, None)]
    assert minutes(projection.segment_ends_at) == 120.0


# -- C2 projected end and drift ------------------------------------------------------------


def test_C2_a_segment_opened_late_shows_positive_drift() -> None:
    room = RoomLog()
    room.do(OpenSegment(action_group()), START + 10 * MIN)

    projection = project(room.state, START + 10 * MIN)

    assert minutes(projection.segment_ends_at) == 107.0
    assert projection.drift == 10 * MIN


def test_C2_drift_becomes_negative_when_a_phase_is_closed_early() -> None:
    room = in_member_states()
    assert project(room.state, MS_PHASE).drift == 0.0

    room.do(ClosePhase(), START + 20 * MIN)  # 60 minutes before the Member State phase's plan

    projection = project(room.state, START + 20 * MIN)
    assert minutes(projection.segment_ends_at) == 37.0
    assert projection.drift == -60 * MIN


def test_C2_a_speaker_in_overtime_past_the_maximum_pushes_the_projected_end() -> None:
    room = in_member_states("MEX", asked_at=START + 70 * MIN)
    room.do(GrantFloor(), START + 79 * MIN)
    room.do(StartSpeech(), START + 79 * MIN)  # one minute left in the phase: the slot, to 81

    projection = project(room.state, START + 84 * MIN)  # three minutes over

    assert minutes(projection.phase_ends_at) == 84.0
    assert minutes(projection.segment_ends_at) == 84.0 + 12 + 5
    assert projection.drift == 4 * MIN


def test_C2_a_speech_paused_in_overtime_adds_no_time_it_already_used() -> None:
    room = in_member_states("MEX", asked_at=START + 70 * MIN)
    room.do(GrantFloor(), START + 79 * MIN)
    room.do(StartSpeech(), START + 79 * MIN)
    room.do(PauseSpeech(), START + 84 * MIN)  # three minutes over

    projection = project(room.state, START + 84 * MIN)

    assert minutes(projection.phase_ends_at) == 84.0
    assert projection.drift == 4 * MIN


def test_C2_a_speaker_given_the_floor_but_not_started_is_projected_in_full() -> None:
    room = in_member_states("MEX", asked_at=START + 70 * MIN)
    room.do(GrantFloor(), START + 79 * MIN)

    assert minutes(project(room.state, START + 79 * MIN).phase_ends_at) == 81.0


def test_C2_the_projection_is_empty_without_a_segment() -> None:
    assert project(RoomState("plenary"), START) == Projection((), None, None, None, None)


def test_C2_the_last_phase_ends_the_segment() -> None:
    room = in_member_states()
    room.do(ClosePhase(), START + 20 * MIN)
    room.do(ClosePhase(), START + 30 * MIN)
    room.do(GrantFloor(), START + 30 * MIN)
    room.do(StartSpeech(), START + 30 * MIN)
    room.do(EndSpeech(), START + 33 * MIN)

    projection = project(room.state, START + 33 * MIN)

    assert minutes(projection.segment_ends_at) == 35.0  # the concluding phase's plan
    assert projection.drift == -62 * MIN
