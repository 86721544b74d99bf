"""Speaking order: Member State priority (P2), RCP chairs (P4), first-time speakers (P8)."""

from __future__ import annotations

import pytest

from app.category import Category
from app.errors import IllegalCommand, NotFound
from app.queue import (
    ClosePhase,
    FloorGranted,
    GrantFloor,
    MoveRequest,
    RequestFloor,
    RequestMoved,
)
from app.queue.order import in_rule_order, insert, move, next_in, order_key
from app.queue.requests import FloorRequest
from app.timing import EndSpeech, StartSpeech
from tests.builders import in_member_states, waiting
from tests.fakes import RoomLog, observer, rcp_chair, stakeholder, state
from tests.plans import MIN, MS_PHASE, START, action_group


def grant(room: RoomLog, now: float, request_id: str | None = None) -> FloorGranted:
    """Give the floor and return the grant (the previous speaker, if any, ends first)."""
    granted = [e for e in room.do(GrantFloor(request_id), now) if isinstance(e, FloorGranted)]
    assert len(granted) == 1
    return granted[0]


def speak(room: RoomLog, now: float, request_id: str | None = None) -> FloorGranted:
    """Give the floor, start and end a one-minute speech."""
    granted = grant(room, now, request_id)
    room.do(StartSpeech(), now)
    room.do(EndSpeech(), now + MIN)
    return granted


# -- P2 Member State priority ------------------------------------------------------------


def test_P2_member_states_before_observer_states_before_stakeholders() -> None:
    room = in_member_states()
    room.do(RequestFloor(stakeholder("IOM", Category.UN_SYSTEM)), MS_PHASE + 1)
    room.do(RequestFloor(observer("VAT")), MS_PHASE + 2)
    room.do(RequestFloor(stakeholder("MADE")), MS_PHASE + 3)
    room.do(RequestFloor(state("MEX")), MS_PHASE + 4)

    assert waiting(room) == ["MEX", "VAT", "IOM", "MADE"]


def test_P2_equal_rank_speaks_in_order_of_request() -> None:
    room = in_member_states()
    for n, code in enumerate(("CHE", "MEX", "GHA")):
        room.do(RequestFloor(state(code)), MS_PHASE + n)

    assert waiting(room) == ["CHE", "MEX", "GHA"]
    assert speak(room, MS_PHASE + MIN).allotment.speaker.id == "CHE"
    assert speak(room, MS_PHASE + 3 * MIN).allotment.speaker.id == "MEX"


def test_P2_the_next_speaker_by_the_rules_is_in_order() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), MS_PHASE + 1)

    assert grant(room, MS_PHASE + 2).allotment.out_of_order is False


def test_P2_granting_out_of_order_is_recorded_never_refused() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), MS_PHASE + 1)
    room.do(RequestFloor(state("GHA")), MS_PHASE + 2)

    granted = grant(room, MS_PHASE + 3, request_id="ag1.2")

    assert granted.allotment.speaker.id == "GHA"
    assert granted.allotment.out_of_order is True
    assert waiting(room) == ["MEX"]


def test_P2_granting_a_request_that_is_not_waiting_is_refused() -> None:
    room = in_member_states()
    with pytest.raises(NotFound, match="no waiting request 'ag1.7'"):
        room.do(GrantFloor("ag1.7"), MS_PHASE + 3)


def test_P2_moving_a_request_is_recorded_and_its_grant_is_out_of_order() -> None:
    room = in_member_states()
    for n, code in enumerate(("MEX", "GHA", "CHE")):
        room.do(RequestFloor(state(code)), MS_PHASE + n)

    assert room.do(MoveRequest("ag1.3", 0), MS_PHASE + 10) == (
        RequestMoved(MS_PHASE + 10, "ag1.3", 0),
    )
    assert waiting(room) == ["CHE", "MEX", "GHA"]
    granted = speak(room, MS_PHASE + 20)
    assert (granted.allotment.speaker.id, granted.allotment.out_of_order) == ("CHE", True)
    assert speak(room, MS_PHASE + 2 * MIN).allotment.out_of_order is False  # MEX, back in order


def test_P2_a_grant_that_a_move_pushed_ahead_of_its_turn_is_out_of_order() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), MS_PHASE + 1)
    room.do(RequestFloor(state("GHA")), MS_PHASE + 2)
    room.do(MoveRequest("ag1.1", 5), MS_PHASE + 3)  # clamped: MEX goes last

    granted = grant(room, MS_PHASE + 4)

    assert waiting(room) == ["MEX"]
    assert (granted.allotment.speaker.id, granted.allotment.out_of_order) == ("GHA", True)


def test_P2_moving_the_request_that_is_next_anyway_leaves_its_grant_in_order() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), MS_PHASE + 1)
    room.do(RequestFloor(state("GHA")), MS_PHASE + 2)
    room.do(MoveRequest("ag1.1", 0), MS_PHASE + 3)

    assert grant(room, MS_PHASE + 4).allotment.out_of_order is False


def test_P2_a_moved_request_keeps_its_place_when_others_arrive() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), MS_PHASE + 1)
    room.do(RequestFloor(stakeholder("MADE")), MS_PHASE + 2)
    room.do(MoveRequest("ag1.2", 0), MS_PHASE + 3)  # the stakeholder first, by hand

    room.do(RequestFloor(state("GHA")), MS_PHASE + 4)
    room.do(RequestFloor(observer("VAT")), MS_PHASE + 5)

    assert waiting(room) == ["MADE", "MEX", "GHA", "VAT"]


def test_P2_moving_a_request_that_is_not_waiting_is_refused() -> None:
    with pytest.raises(NotFound, match="no waiting request 'ag1.1'"):
        in_member_states().do(MoveRequest("ag1.1", 0), MS_PHASE + 1)


# -- P4 RCP chairs -----------------------------------------------------------------------


def test_P4_an_rcp_chair_queues_ahead_of_other_member_states() -> None:
    room = in_member_states(rcp_chairs=frozenset({"SLV"}))
    room.do(RequestFloor(state("MEX")), MS_PHASE + 1)
    room.do(RequestFloor(rcp_chair("SLV")), MS_PHASE + 2)

    assert waiting(room) == ["SLV", "MEX"]
    assert room.state.queue.waiting[0].rank == -1


def test_P4_the_rcp_rank_is_only_for_a_member_state() -> None:
    room = in_member_states(rcp_chairs=frozenset({"IOM"}))
    room.do(RequestFloor(state("MEX")), MS_PHASE + 1)
    room.do(RequestFloor(stakeholder("IOM", Category.UN_SYSTEM)), MS_PHASE + 2)

    assert waiting(room) == ["MEX", "IOM"]


# -- P8 first-time speakers first --------------------------------------------------------


def test_P8_first_time_speakers_go_before_those_who_spoke() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), MS_PHASE + 1)
    speak(room, MS_PHASE + 2)
    room.do(RequestFloor(state("MEX")), MS_PHASE + 3 * MIN)  # again, after speaking
    room.do(RequestFloor(state("GHA")), MS_PHASE + 4 * MIN)  # first time

    assert waiting(room) == ["GHA", "MEX"]
    assert [r.first_time for r in room.state.queue.waiting] == [True, False]


def test_P8_a_delegation_asking_while_it_has_the_floor_has_spoken() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), MS_PHASE + 1)
    grant(room, MS_PHASE + 2)
    room.do(StartSpeech(), MS_PHASE + 2)
    room.do(RequestFloor(state("MEX")), MS_PHASE + 30)
    room.do(RequestFloor(state("GHA")), MS_PHASE + 40)

    assert waiting(room) == ["GHA", "MEX"]


def test_P8_rank_comes_before_the_first_time_mark() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), MS_PHASE + 1)
    speak(room, MS_PHASE + 2)
    room.do(RequestFloor(observer("VAT")), MS_PHASE + 3 * MIN)
    room.do(RequestFloor(state("MEX")), MS_PHASE + 4 * MIN)

    assert waiting(room) == ["MEX", "VAT"]


# -- A4 stakeholders wait for the block --------------------------------------------------


def test_A4_stakeholders_who_ask_in_the_member_state_phase_wait_for_the_block() -> None:
    room = in_member_states()
    room.do(RequestFloor(stakeholder("MADE")), MS_PHASE + 1)
    room.do(RequestFloor(state("MEX")), MS_PHASE + 2)

    assert speak(room, MS_PHASE + 3).allotment.speaker.id == "MEX"
    with pytest.raises(IllegalCommand, match="no one is waiting for the floor in 'Member State"):
        room.do(GrantFloor(), MS_PHASE + 5 * MIN)
    room.do(ClosePhase(), MS_PHASE + 5 * MIN)
    granted = grant(room, MS_PHASE + 6 * MIN)
    assert granted.allotment.speaker.id == "MADE"
    assert granted.allotment.out_of_order is False


def test_A4_a_moderator_can_give_a_stakeholder_the_floor_early_recorded_as_override() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), MS_PHASE + 1)
    room.do(RequestFloor(stakeholder("MADE")), MS_PHASE + 2)

    granted = grant(room, MS_PHASE + 3, request_id="ag1.2")

    assert granted.allotment.speaker.id == "MADE"
    assert granted.allotment.phase_key == "member_states"
    assert granted.allotment.out_of_order is True


def test_A4_a_stakeholder_moved_up_by_hand_is_next_in_the_member_state_phase() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), MS_PHASE + 1)
    room.do(RequestFloor(stakeholder("MADE")), MS_PHASE + 2)
    room.do(MoveRequest("ag1.2", 0), MS_PHASE + 3)

    granted = grant(room, MS_PHASE + 4)

    assert (granted.allotment.speaker.id, granted.allotment.out_of_order) == ("MADE", True)


# -- the order functions themselves ------------------------------------------------------


def _request(
    seq: int, rank: int = 0, *, first_time: bool = True, moved: bool = False
) -> FloorRequest:
    category = Category.MEMBER_STATE if rank <= 0 else Category.CIVIL_SOCIETY
    return FloorRequest(
        f"s.{seq}", f"D{seq}", f"D{seq}", category, rank, first_time, seq, START, moved=moved
    )


def test_P2_P4_P8_the_order_key_is_rank_then_first_time_then_order_of_request() -> None:
    keys = sorted(
        [
            _request(1, 0, first_time=False),
            _request(2, 2),
            _request(3, -1),
            _request(4, 0),
        ],
        key=order_key,
    )
    assert [r.seq for r in keys] == [3, 4, 1, 2]


def test_P2_a_moved_request_at_the_head_stays_ahead_of_a_new_one() -> None:
    head = (_request(5, 2, moved=True), _request(1))

    assert [r.seq for r in insert(head, _request(2))] == [5, 1, 2]


def test_P2_a_move_is_clamped_to_the_queue() -> None:
    queue = (_request(1), _request(2), _request(3))

    assert [r.seq for r in move(queue, "s.3", -4)] == [3, 1, 2]
    assert [r.seq for r in move(queue, "s.1", 99)] == [2, 3, 1]
    assert move(queue, "s.1", 99)[-1].moved


def test_P2_the_rule_order_ignores_moves_and_the_next_speaker_follows_them() -> None:
    phase = action_group().phases[1]
    queue = move((_request(1), _request(2), _request(3, 2)), "s.3", 0)

    assert next_in(phase, queue) == queue[0]  # the stakeholder moved up by hand
    assert in_rule_order(phase, queue) == queue[1]
    assert in_rule_order(phase, (queue[0],)) is None
    assert next_in(phase, ()) is None


def test_P2_a_higher_priority_request_goes_ahead_of_waiting_ones_past_a_moved_request() -> None:
    queue = (_request(1, 2), _request(2, 2), _request(3, 0, moved=True))
    placed = insert(queue, _request(4, 0))
    assert [r.delegation_id for r in placed] == ["D4", "D1", "D2", "D3"]
