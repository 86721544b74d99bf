"""Asking for the floor: one request at a time (P6), live or on behalf (P7), who may ask (P1)."""

from __future__ import annotations

import pytest

from app.category import Category
from app.errors import FloorRuleRefused, IllegalCommand
from app.queue import (
    ClosePhase,
    FloorRequested,
    GrantFloor,
    OpenSegment,
    RequestFloor,
    RequestWithdrawn,
    WithdrawRequest,
)
from app.queue.requests import (
    FloorRequest,
    Queue,
    find,
    is_open_to,
    open_request_of,
    position,
    without,
)
from app.timing import EndSpeech, Speaker, StartSpeech
from tests.builders import in_member_states, waiting
from tests.fakes import RoomLog, names, observer, stakeholder, state
from tests.plans import MIN, MS_PHASE, START, action_group, ceremony

# -- P6 one request at a time ------------------------------------------------------------


def test_P6_a_second_press_changes_nothing_and_keeps_the_place() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), MS_PHASE + 1)
    room.do(RequestFloor(state("GHA")), MS_PHASE + 2)
    before = room.state

    assert room.do(RequestFloor(state("MEX")), MS_PHASE + 3) == ()
    assert room.state == before
    assert waiting(room) == ["MEX", "GHA"]


def test_P6_a_second_press_on_behalf_is_the_same_request() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), MS_PHASE + 1)

    assert room.do(RequestFloor(state("MEX"), on_behalf=True), MS_PHASE + 2) == ()
    assert waiting(room) == ["MEX"]


def test_P6_a_delegation_can_ask_again_once_its_request_was_granted() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), MS_PHASE + 1)
    room.do(GrantFloor(), MS_PHASE + 2)
    room.do(StartSpeech(), MS_PHASE + 3)

    (event,) = room.do(RequestFloor(state("MEX")), MS_PHASE + 30)

    assert isinstance(event, FloorRequested)
    assert event.request.id == "ag1.2"
    assert waiting(room) == ["MEX"]


def test_P6_requests_are_numbered_in_the_segment_by_order_of_request() -> None:
    room = in_member_states()
    for n, code in enumerate(("MEX", "GHA", "CHE"), start=1):
        (event,) = room.do(RequestFloor(state(code)), MS_PHASE + n)
        assert isinstance(event, FloorRequested)
        assert (event.request.id, event.request.seq) == (f"ag1.{n}", n)
    assert room.state.queue.next_seq == 4


# -- P7 no pre-determined list -----------------------------------------------------------


def test_P7_a_request_made_live_records_the_instant_it_was_made() -> None:
    room = in_member_states()
    (event,) = room.do(RequestFloor(state("MEX")), MS_PHASE + 42)

    assert isinstance(event, FloorRequested)
    assert event.request.requested_at == MS_PHASE + 42
    assert (event.request.on_behalf, event.request.inscribed) == (False, False)


def test_P7_the_moderator_can_ask_on_behalf_of_a_raised_name_plate() -> None:
    room = in_member_states()
    (event,) = room.do(RequestFloor(state("MEX"), on_behalf=True), MS_PHASE + 1)

    assert isinstance(event, FloorRequested)
    assert event.request.on_behalf


def test_P7_a_request_on_behalf_is_never_refused_for_eligibility() -> None:
    room = in_member_states()
    room.do(ClosePhase(), MS_PHASE + 10 * MIN)  # the stakeholder block: no Member States

    (event,) = room.do(RequestFloor(state("MEX"), on_behalf=True), MS_PHASE + 11 * MIN)

    assert isinstance(event, FloorRequested)
    assert event.request.on_behalf
    assert waiting(room) == ["MEX"]


def test_P7_a_list_inscribed_in_advance_is_preloaded_in_its_order() -> None:
    room = RoomLog()
    room.do(OpenSegment(action_group()), START)
    for code in ("CHE", "MEX", "GHA"):
        room.do(RequestFloor(state(code), on_behalf=True, inscribed=True), START)

    assert waiting(room) == ["CHE", "MEX", "GHA"]
    assert all(r.inscribed for r in room.state.queue.waiting)
    room.do(ClosePhase(), MS_PHASE)
    room.do(GrantFloor(), MS_PHASE)
    assert room.state.speech is not None
    assert room.state.speech.speaker.id == "CHE"


# -- who may ask -------------------------------------------------------------------------


@pytest.mark.parametrize("category", [Category.PANELLIST, Category.PRESENTER, Category.OFFICIAL])
def test_P1_a_programme_category_cannot_request_the_floor(category: Category) -> None:
    room = in_member_states()
    with pytest.raises(FloorRuleRefused, match="speaks by programme, not by request"):
        room.do(RequestFloor(Speaker("keynote", "Keynote", category)), MS_PHASE + 1)
    with pytest.raises(FloorRuleRefused, match="speaks by programme"):
        room.do(RequestFloor(Speaker("keynote", "Keynote", category), on_behalf=True), MS_PHASE)


def test_P1_a_speaker_without_a_delegation_cannot_request_the_floor() -> None:
    room = in_member_states()
    with pytest.raises(FloorRuleRefused, match="speaks by programme"):
        room.do(RequestFloor(Speaker("guest", "Guest")), MS_PHASE + 1)


def test_P1_every_delegation_category_can_request() -> None:
    assert is_open_to(Category.MEMBER_STATE)
    assert is_open_to(Category.OBSERVER_STATE)
    assert is_open_to(Category.LOCAL_AUTHORITY)
    assert not is_open_to(Category.PANELLIST)


def test_A4_a_member_state_request_during_the_stakeholder_block_is_refused_clearly() -> None:
    room = in_member_states()
    room.do(ClosePhase(), MS_PHASE + 10 * MIN)

    with pytest.raises(FloorRuleRefused) as refused:
        room.do(RequestFloor(state("MEX")), MS_PHASE + 11 * MIN)

    assert refused.value.detail == (
        "the floor is not open to MEX for the rest of "
        "'Action group 1: human dimension'; recommendations can still be sent in writing"
    )
    assert refused.value.code == "floor.not_open_to"
    assert refused.value.params["speaker_code"] == "MEX"
    with pytest.raises(FloorRuleRefused, match="not open to VAT for the rest of"):
        room.do(RequestFloor(observer("VAT")), MS_PHASE + 11 * MIN)


def test_A4_stakeholders_can_ask_during_the_member_state_phase() -> None:
    room = in_member_states()
    room.do(RequestFloor(stakeholder("MADE")), MS_PHASE + 1)

    assert waiting(room) == ["MADE"]


def test_A7_a_ceremony_takes_no_floor_requests() -> None:
    room = RoomLog()
    room.do(OpenSegment(ceremony()), START)

    with pytest.raises(FloorRuleRefused, match="the floor is not open to MEX for the rest of"):
        room.do(RequestFloor(state("MEX")), START + 1)


def test_a_request_needs_an_open_segment() -> None:
    with pytest.raises(IllegalCommand, match="no segment is open in this room"):
        RoomLog().do(RequestFloor(state("MEX")), START)


# -- withdrawing -------------------------------------------------------------------------


def test_a_withdrawn_request_leaves_the_queue_and_goes_to_the_record() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), MS_PHASE + 1)
    room.do(RequestFloor(state("GHA")), MS_PHASE + 2)

    (event,) = room.do(WithdrawRequest("MEX"), MS_PHASE + 3)

    assert isinstance(event, RequestWithdrawn)
    assert event.request.delegation_id == "MEX"
    assert waiting(room) == ["GHA"]


def test_withdrawing_with_nothing_open_is_not_an_error() -> None:
    room = in_member_states()
    assert room.do(WithdrawRequest("MEX"), MS_PHASE + 1) == ()
    assert RoomLog().do(WithdrawRequest("MEX"), START) == ()


def test_a_speaker_on_the_floor_has_no_request_left_to_withdraw() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), MS_PHASE + 1)
    room.do(GrantFloor(), MS_PHASE + 2)

    assert room.do(WithdrawRequest("MEX"), MS_PHASE + 3) == ()
    assert names(room.do(EndSpeech(), MS_PHASE + 4)) == ["SpeechEnded"]


# -- the queue's queries -----------------------------------------------------------------


def _request(rid: str, delegation: str) -> FloorRequest:
    return FloorRequest(rid, delegation, delegation, Category.MEMBER_STATE, 0, True, 1, START)


def test_the_queue_finds_a_request_by_id_by_delegation_and_by_place() -> None:
    queue = Queue(waiting=(_request("s.1", "MEX"), _request("s.2", "GHA")))

    assert find(queue, "s.2") == queue.waiting[1]
    assert find(queue, "s.9") is None
    assert open_request_of(queue, "MEX") == queue.waiting[0]
    assert open_request_of(queue, "CHE") is None
    assert position(queue, "s.2") == 1
    assert position(queue, "s.9") is None


def test_removing_requests_keeps_who_spoke_and_the_numbering() -> None:
    queue = Queue(
        waiting=(_request("s.1", "MEX"), _request("s.2", "GHA")),
        spoken=frozenset({"CHE"}),
        next_seq=3,
    )

    assert without(queue, frozenset({"s.1"})) == Queue(
        waiting=(queue.waiting[1],), spoken=frozenset({"CHE"}), next_seq=3
    )
