"""A request closed as not heard is kept as its delegation's lapse (A3, R2), for its phone.

The room keeps, per delegation, its last request closed as not heard until the
delegation asks again or another segment opens; the delegate's view carries it
(``lapsed``) so that the phone can say the request lapsed and offer the written
recommendation card, even after a reload or once the segment has closed.
"""

from __future__ import annotations

from app.access.roles import Role
from app.category import Category
from app.live.view import room_view
from app.queue import (
    ClearQueue,
    ClosedBecause,
    ClosePhase,
    CloseSegment,
    GrantFloor,
    OpenSegment,
    RequestFloor,
    Undo,
)
from app.queue.floor import replay
from app.timing import EndSpeech, StartSpeech
from tests.builders import in_member_states
from tests.fakes import RoomLog, stakeholder, state
from tests.plans import MS_PHASE, START, action_group


def _lapses(room: RoomLog) -> list[tuple[str, str, str]]:
    return [(x.delegation_id, x.phase_key, x.reason) for x in room.state.queue.lapsed]


def test_A3_the_member_state_phase_ending_lapses_the_states_it_did_not_hear() -> None:
    room = in_member_states("MEX", "GHA")
    room.do(RequestFloor(stakeholder("MADE")), MS_PHASE + 5)

    room.do(ClosePhase(), MS_PHASE + 60)

    # The stakeholders' block hears no State: theirs lapse; MADE's carries over to it.
    assert [r.delegation_id for r in room.state.queue.waiting] == ["MADE"]
    assert _lapses(room) == [
        ("MEX", "member_states", ClosedBecause.PHASE_ENDED.value),
        ("GHA", "member_states", ClosedBecause.PHASE_ENDED.value),
    ]
    lapse = room.state.queue.lapsed[0]
    assert (lapse.segment_id, lapse.at) == ("ag1", MS_PHASE + 60)
    assert lapse.request_id.startswith("ag1.")


def test_A3_a_request_made_during_the_welcome_carries_over_and_does_not_lapse() -> None:
    room = RoomLog()
    room.do(OpenSegment(action_group()), START)
    room.do(RequestFloor(state("MEX")), START + 10)

    room.do(ClosePhase(), MS_PHASE)

    assert [r.delegation_id for r in room.state.queue.waiting] == ["MEX"]
    assert room.state.queue.lapsed == ()


def test_R2_a_lapse_outlives_the_segment_closing_and_ends_when_a_segment_opens() -> None:
    room = in_member_states("MEX")
    room.do(CloseSegment(), MS_PHASE + 60)

    assert room.state.segment is None
    assert _lapses(room) == [("MEX", "member_states", ClosedBecause.SEGMENT_CLOSED.value)]

    room.do(OpenSegment(action_group()), MS_PHASE + 120)
    assert room.state.queue.lapsed == ()


def test_R2_asking_again_ends_the_delegations_lapse_only() -> None:
    room = in_member_states("MEX", "GHA")
    room.do(ClearQueue(), MS_PHASE + 60)
    assert _lapses(room) == [
        ("MEX", "member_states", ClosedBecause.QUEUE_CLEARED.value),
        ("GHA", "member_states", ClosedBecause.QUEUE_CLEARED.value),
    ]

    room.do(RequestFloor(state("GHA")), MS_PHASE + 61)

    assert _lapses(room) == [("MEX", "member_states", ClosedBecause.QUEUE_CLEARED.value)]
    # Lapsing again keeps one, the latest, per delegation.
    room.do(ClearQueue(), MS_PHASE + 62)
    assert [(x.delegation_id, x.at) for x in room.state.queue.lapsed] == [
        ("MEX", MS_PHASE + 60),
        ("GHA", MS_PHASE + 62),
    ]


def test_R2_lapses_replay_to_the_same_state() -> None:
    room = in_member_states("MEX", "GHA")
    room.do(RequestFloor(stakeholder("IOM", Category.UN_SYSTEM)), MS_PHASE + 5)
    room.do(ClosePhase(), MS_PHASE + 60)
    room.do(RequestFloor(stakeholder("MADE")), MS_PHASE + 61)
    room.do(CloseSegment(), MS_PHASE + 120)

    assert replay(room.initial, room.events) == room.state
    assert len(room.state.queue.lapsed) == 4


def test_R2_the_delegate_view_alone_says_which_requests_lapsed() -> None:
    room = in_member_states("MEX")
    room.do(ClosePhase(), MS_PHASE + 60)

    delegate = room_view(room.state, 7, MS_PHASE + 61, Role.DELEGATE)
    assert delegate["lapsed"] == [
        {
            "delegation_id": "MEX",
            "request_id": room.state.queue.lapsed[0].request_id,
            "segment_id": "ag1",
            "phase_key": "member_states",
            "reason": "phase_ended",
            "at": MS_PHASE + 60,
        }
    ]
    for role in (Role.MODERATOR, Role.DISPLAY):
        assert "lapsed" not in room_view(room.state, 7, MS_PHASE + 61, role)


def test_M3_undoing_the_end_that_closed_the_phase_takes_the_lapse_back() -> None:
    room = in_member_states("MEX", "GHA")
    room.do(GrantFloor(), MS_PHASE + 10)
    room.do(StartSpeech(), MS_PHASE + 10)
    room.do(ClosePhase(), MS_PHASE + 20)  # A3: it ends when Mexico finishes
    room.do(EndSpeech(), MS_PHASE + 30)
    assert _lapses(room) == [("GHA", "member_states", ClosedBecause.PHASE_ENDED.value)]

    room.do(Undo(), MS_PHASE + 35)

    assert [r.delegation_id for r in room.state.queue.waiting] == ["GHA"]
    assert room.state.queue.lapsed == ()
