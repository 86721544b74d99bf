"""O11 on the screens: every view's ``caucus`` and ``yielded`` (``app.live.model_un``).

Engine states built with a fake clock (``RoomLog``), rendered as every role
sees them, and checked against docs/protocol.schema.json.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from app.access.roles import Role
from app.live.model_un import caucus_view, yield_view
from app.live.view import room_view
from app.queue import (
    CallCaucusSpeaker,
    CallQuestioner,
    GrantFloor,
    HearPointOfOrder,
    OpenCaucus,
    RaisePointOfOrder,
    YieldFloor,
)
from app.timing import FloorRules, StartSpeech, YieldKind
from tests.fakes import GHANA, RoomLog, state
from tests.fakes import member_state_room as room
from tests.plans import MS_PHASE

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "protocol.schema.json").read_text())
T = MS_PHASE + 10
RULES = FloorRules(
    yield_kinds=frozenset(YieldKind), moderated_caucuses=True, point_of_order_interrupts=True
)


def valid(log: RoomLog, now: float) -> None:
    """Every role's view of the room validates against the protocol's schema."""
    for role, name in ((Role.MODERATOR, "room_moderator"), (Role.DELEGATE, "room_delegate")):
        view = room_view(log.state, 1, now, role)
        for key in ("version", "server_time"):  # the snapshot's, beside the room (protocol.md)
            view.pop(key)
        jsonschema.validate(view, {"$ref": f"#/$defs/{name}", "$defs": SCHEMA["$defs"]})


def test_o11_no_caucus_and_no_yield_are_null() -> None:
    log = room(rules=RULES)
    assert (caucus_view(log.state), yield_view(log.state)) == (None, None)
    valid(log, T)


def test_o11_the_caucus_is_shown_with_its_deadline() -> None:
    log = room(rules=RULES)
    log.do(OpenCaucus("Water", 300, 45), T)
    log.do(CallCaucusSpeaker(state("PER", "Peru")), T + 1)
    view = caucus_view(log.state)
    assert view is not None
    assert (view["topic"], view["ends_at"], view["speaker_seconds"], view["speakers"]) == (
        "Water",
        T + 300,
        45,
        1,
    )
    valid(log, T + 2)


def test_o11_a_yield_to_questions_shows_its_budget_on_the_clock_that_spends_it() -> None:
    log = room(rules=RULES)
    log.do(GrantFloor(), T)
    log.do(StartSpeech(), T)
    log.do(YieldFloor(YieldKind.QUESTIONS, expected_speaker="FRA"), T + 60)
    running = yield_view(log.state)
    assert running is not None
    assert (running["kind"], running["ends_at"], running["seconds_left"]) == (
        "questions",
        T + 180,
        None,
    )
    log.do(CallQuestioner(state("MEX", "Mexico")), T + 70)
    asked = yield_view(log.state)
    assert asked is not None
    assert (asked["ends_at"], asked["seconds_left"], asked["by"]["id"]) == (None, 110, "FRA")
    valid(log, T + 71)


def test_o11_a_point_of_order_heard_during_a_yield_leaves_the_budget_on_the_held_speech() -> None:
    log = room(rules=RULES)
    log.do(GrantFloor(), T)
    log.do(StartSpeech(), T)
    log.do(
        YieldFloor(YieldKind.DELEGATE, expected_speaker="FRA", to=state("MEX", "Mexico")), T + 30
    )
    log.do(StartSpeech(), T + 31)
    log.do(RaisePointOfOrder(GHANA), T + 40)
    log.do(HearPointOfOrder(), T + 41)
    view = yield_view(log.state)
    assert view is not None
    assert (view["to"], view["seconds_left"]) == ({"id": "MEX", "name": "Mexico"}, 140)
    valid(log, T + 42)
