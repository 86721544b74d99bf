"""How long a floor speaker gets: two minutes (T1), three when few wait (T2), RCP extra (P4)."""

from __future__ import annotations

from dataclasses import replace

from app.category import Category
from app.queue import (
    FloorGranted,
    GrantFloor,
    RequestFloor,
    SetRequestAllotment,
)
from app.queue.requests import FloorRequest
from app.queue.slot import floor_allotment
from app.timing import Basis, FloorRules
from tests.builders import in_member_states
from tests.fakes import RoomLog, stakeholder
from tests.plans import MIN, MS_PHASE, START, action_group, panel

PLAN = action_group()
MEMBER_STATES = PLAN.phases[1]


def request(
    delegation: str = "MEX", *, rank: int = 0, seconds: float | None = None
) -> FloorRequest:
    return FloorRequest(
        f"ag1.{delegation}",
        delegation,
        delegation,
        Category.MEMBER_STATE,
        rank,
        True,
        1,
        START,
        seconds=seconds,
    )


def granted(room: RoomLog, command: GrantFloor, now: float) -> FloorGranted:
    (grant,) = [e for e in room.do(command, now) if isinstance(e, FloorGranted)]
    return grant


# -- the rule as a function --------------------------------------------------------------


def test_T1_a_floor_slot_is_two_minutes_when_many_wait() -> None:
    assert floor_allotment(PLAN, MEMBER_STATES, request(), 30, 75 * MIN) == (120.0, Basis.SLOT)


def test_T2_flex_to_three_minutes_when_n_times_F_is_exactly_the_time_left() -> None:
    assert floor_allotment(PLAN, MEMBER_STATES, request(), 3, 9 * MIN) == (180.0, Basis.FLEX)


def test_T2_one_more_waiting_request_gives_the_slot() -> None:
    assert floor_allotment(PLAN, MEMBER_STATES, request(), 4, 9 * MIN) == (120.0, Basis.SLOT)


def test_T2_no_flex_in_a_phase_without_flex() -> None:
    qa = panel().phases[-1]
    assert floor_allotment(panel(), qa, request(), 1, 75 * MIN) == (120.0, Basis.SLOT)


def test_T2_no_flex_when_the_meeting_turns_the_rule_off() -> None:
    plan = action_group(rules=FloorRules(flex_rule=False))
    assert floor_allotment(plan, MEMBER_STATES, request(), 1, 75 * MIN) == (120.0, Basis.SLOT)


def test_T2_the_slot_and_the_flex_are_meeting_settings() -> None:
    plan = action_group(rules=FloorRules(slot_seconds=90.0, flex_seconds=150.0))
    assert floor_allotment(plan, MEMBER_STATES, request(), 2, 5 * MIN) == (150.0, Basis.FLEX)
    assert floor_allotment(plan, MEMBER_STATES, request(), 3, 5 * MIN) == (90.0, Basis.SLOT)


def test_P4_an_rcp_chair_gets_a_minute_on_top_of_the_slot_or_the_flex() -> None:
    plan = replace(PLAN, rcp_chairs=frozenset({"SLV"}))
    chair = request("SLV", rank=-1)

    assert floor_allotment(plan, MEMBER_STATES, chair, 30, 75 * MIN) == (180.0, Basis.RCP)
    assert floor_allotment(plan, MEMBER_STATES, chair, 1, 75 * MIN) == (240.0, Basis.RCP)


def test_P4_the_extra_is_only_for_a_chair_of_this_segment() -> None:
    chair = request("SLV", rank=-1)
    assert floor_allotment(PLAN, MEMBER_STATES, chair, 30, 75 * MIN) == (120.0, Basis.SLOT)


def test_a_moderators_allotment_for_a_request_beats_the_rules() -> None:
    plan = replace(PLAN, rcp_chairs=frozenset({"SLV"}))
    chair = request("SLV", rank=-1, seconds=45.0)

    assert floor_allotment(plan, MEMBER_STATES, chair, 1, 75 * MIN) == (45.0, Basis.OVERRIDE)


# -- the rule in the room ----------------------------------------------------------------


def test_T2_in_the_room_n_counts_the_waiting_requests_and_R_the_phase_left() -> None:
    room = in_member_states("MEX", "GHA", "CHE")  # 3 x 180 = 9 min, and 9 min left at 71
    flex = granted(room, GrantFloor(), MS_PHASE + 66 * MIN)

    assert (flex.allotment.seconds, flex.allotment.basis) == (180.0, Basis.FLEX)


def test_T2_in_the_room_one_more_request_than_fits_gives_everyone_the_slot() -> None:
    room = in_member_states("MEX", "GHA", "CHE", "BRA")
    slot = granted(room, GrantFloor(), MS_PHASE + 66 * MIN)

    assert (slot.allotment.seconds, slot.allotment.basis) == (120.0, Basis.SLOT)


def test_T2_stakeholders_waiting_for_the_block_do_not_count_in_the_member_state_phase() -> None:
    room = in_member_states("MEX", "GHA", "CHE")
    room.do(RequestFloor(stakeholder("MADE")), MS_PHASE + 10)

    assert granted(room, GrantFloor(), MS_PHASE + 66 * MIN).allotment.basis is Basis.FLEX


def test_T2_a_stakeholder_given_the_floor_early_counts_as_one_of_the_n() -> None:
    room = in_member_states("MEX", "GHA", "CHE")
    room.do(RequestFloor(stakeholder("MADE")), MS_PHASE + 10)  # ag1.4

    early = granted(room, GrantFloor("ag1.4"), MS_PHASE + 66 * MIN)  # n = 4: 12 min > 9

    assert (early.allotment.seconds, early.allotment.basis) == (120.0, Basis.SLOT)


def test_P4_an_rcp_chair_in_the_room_speaks_first_with_the_extra_minute() -> None:
    room = in_member_states("MEX", "SLV", rcp_chairs=frozenset({"SLV"}))
    chair = granted(room, GrantFloor(), MS_PHASE + 1 * MIN)

    assert chair.allotment.speaker.id == "SLV"
    assert (chair.allotment.seconds, chair.allotment.basis) == (240.0, Basis.RCP)


def test_the_moderator_can_fix_a_waiting_requests_allotment() -> None:
    room = in_member_states("MEX", "GHA")
    room.do(SetRequestAllotment("ag1.1", 90.0), MS_PHASE + 30)

    fixed = granted(room, GrantFloor(), MS_PHASE + MIN)

    assert (fixed.allotment.seconds, fixed.allotment.basis) == (90.0, Basis.OVERRIDE)
    assert fixed.allotment.out_of_order is False  # an allotment is not an order override


def test_the_moderator_can_give_the_floor_with_an_allotment() -> None:
    room = in_member_states("MEX")
    given = granted(room, GrantFloor(seconds=300.0), MS_PHASE + MIN)

    assert (given.allotment.seconds, given.allotment.basis) == (300.0, Basis.OVERRIDE)
