"""Clearing the queue: every waiting request closes as not heard and stays in the record (R1)."""

from __future__ import annotations

import pytest

from app.category import Category
from app.errors import IllegalCommand
from app.queue import (
    ClearQueue,
    ClosedBecause,
    GrantFloor,
    RequestFloor,
    RequestsClosed,
)
from app.queue.floor import replay
from app.timing import StartSpeech
from tests.builders import in_member_states
from tests.fakes import RoomLog, stakeholder, state
from tests.plans import MS_PHASE, START


def test_R1_clearing_closes_every_waiting_request_as_not_heard_in_one_event() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), MS_PHASE + 1)
    room.do(RequestFloor(state("GHA")), MS_PHASE + 2)
    room.do(RequestFloor(stakeholder("IOM", Category.UN_SYSTEM)), MS_PHASE + 3)
    before = room.state.queue.waiting

    (closed,) = room.do(ClearQueue(), MS_PHASE + 10)

    assert isinstance(closed, RequestsClosed)
    assert (closed.at, closed.reason) == (MS_PHASE + 10, ClosedBecause.QUEUE_CLEARED)
    assert closed.requests == before  # the record keeps each request whole (R1)
    assert [r.delegation_id for r in closed.requests] == ["MEX", "GHA", "IOM"]
    assert room.state.queue.waiting == ()


def test_R1_a_cleared_queue_replays_to_the_same_state() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), MS_PHASE + 1)
    room.do(ClearQueue(), MS_PHASE + 10)

    assert replay(room.initial, room.events) == room.state


def test_A3_clearing_leaves_the_speaker_on_the_floor_and_the_phase_running() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), MS_PHASE + 1)
    room.do(RequestFloor(state("GHA")), MS_PHASE + 2)
    room.do(GrantFloor(), MS_PHASE + 3)
    room.do(StartSpeech(), MS_PHASE + 4)
    speech, segment = room.state.speech, room.state.segment

    (closed,) = room.do(ClearQueue(), MS_PHASE + 30)

    assert isinstance(closed, RequestsClosed)
    assert [r.delegation_id for r in closed.requests] == ["GHA"]
    assert (room.state.speech, room.state.segment) == (speech, segment)
    assert room.state.speech is not None
    assert room.state.speech.speaker.id == "MEX"


def test_P6_a_delegation_whose_request_was_cleared_can_ask_again() -> None:
    room = in_member_states()
    room.do(RequestFloor(state("MEX")), MS_PHASE + 1)
    room.do(ClearQueue(), MS_PHASE + 10)

    room.do(RequestFloor(state("MEX")), MS_PHASE + 20)

    (again,) = room.state.queue.waiting
    assert (again.delegation_id, again.id) == ("MEX", "ag1.2")
    assert again.first_time  # P8: a cleared request was not a turn


def test_clearing_an_empty_queue_changes_nothing() -> None:
    room = in_member_states()
    before = room.state

    assert room.do(ClearQueue(), MS_PHASE + 10) == ()
    assert room.state == before


def test_clearing_needs_an_open_segment() -> None:
    with pytest.raises(IllegalCommand, match="no segment is open in this room"):
        RoomLog().do(ClearQueue(), START)
