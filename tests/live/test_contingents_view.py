"""O9: the moderator's console shows what each group has left of its time contingent."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from app.access.roles import Role
from app.live.view import room_view
from app.queue import GrantFloor, OpenSegment, RequestFloor
from app.timing import Contingent, ContingentPer, EndSpeech, FloorRules, StartSpeech
from tests.fakes import RoomLog, state
from tests.plans import AUDIENCE, START, floor, segment

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "protocol.schema.json").read_text())
RULES = FloorRules(
    contingents=(
        Contingent("Greens", 300.0, members=frozenset({"deu"})),
        Contingent("Liberals", 600.0, ContingentPer.MEETING, frozenset({"fra"})),
    )
)


def test_O9_the_console_shows_each_groups_seconds_left() -> None:
    log = RoomLog()
    debating = floor("debate", "General debate", 60, eligible=AUDIENCE)
    log.do(OpenSegment(segment("gd", "General debate", "A8", 60, debating, rules=RULES)), START)
    log.do(RequestFloor(state("deu")), START + 1)
    log.do(GrantFloor(), START + 2)
    log.do(StartSpeech(), START + 2)
    log.do(EndSpeech(), START + 92)

    console = room_view(log.state, 1, START + 100, Role.MODERATOR)["console"]

    assert console["contingents"] == [
        {"group": "Greens", "per": "segment", "seconds": 300.0, "left": 210.0, "members": ["deu"]},
        {
            "group": "Liberals",
            "per": "meeting",
            "seconds": 600.0,
            "left": 600.0,
            "members": ["fra"],
        },
    ]
    jsonschema.validate(console, {"$ref": "#/$defs/console", "$defs": SCHEMA["$defs"]})
    assert room_view(log.state, 1, START + 100, Role.DISPLAY)["console"] is None
