"""O4, O7, O8: every screen sees the inscribed lists, a request's stance and group, and
the interposed questions waiting, so that a phone, the console and the secretariat can
act on them (app.live.view)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema

from app.access.roles import Role
from app.live.view import room_view, room_views
from app.queue import (
    AskInterposedQuestion,
    ConsentToQuestion,
    GrantFloor,
    Inscribe,
    OpenSegment,
    RequestFloor,
    Stance,
    Tier,
)
from app.timing import Contingent, FloorRules, InscriptionWindow, PauseSpeech, StartSpeech
from tests.fakes import FRANCE, GHANA, RoomLog, state
from tests.plans import AUDIENCE, MIN, START, floor, segment

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "protocol.schema.json").read_text())
ROLES = (Role.MODERATOR, Role.DELEGATE, Role.DISPLAY)
RULES = FloorRules(
    alternate_stances=True,
    interposed_questions=True,
    interposed_question_seconds=20.0,
    capacity_seconds=300.0,
    contingents=(Contingent("Greens", 600.0, members=frozenset({"deu"})),),
)
DEBATE = segment(
    "gd", "General debate", "A8", 60, floor("d", "Debate", 60, eligible=AUDIENCE), rules=RULES
)
LATER = replace(
    segment("later", "Later debate", "A8", 60, floor("d", "Debate", 60, eligible=AUDIENCE)),
    inscription=InscriptionWindow(START - 60 * MIN, START + 120 * MIN),
)


def views(log: RoomLog, now: float) -> dict[Role, dict[str, Any]]:
    """Each role's view, checked against the documented schema."""
    seen = {role: room_view(log.state, 1, now, role) for role in ROLES}
    for role, view in seen.items():
        sent = {
            k: v for k, v in view.items() if k not in ("version", "server_time")
        }  # the message's
        jsonschema.validate(sent, {"$ref": f"#/$defs/room_{role.value}", "$defs": SCHEMA["$defs"]})
    return seen


def test_O4_every_screen_sees_a_segments_inscribed_list_in_speaking_order() -> None:
    log = RoomLog()
    log.do(Inscribe(LATER, FRANCE, Tier.MINISTER), START - 30 * MIN)
    log.do(Inscribe(LATER, GHANA, Tier.HEAD_OF_STATE, by_secretariat=True), START - 20 * MIN)

    seen = views(log, START - 10 * MIN)

    for role, view in seen.items():
        (listed,) = view["inscriptions"]
        assert (listed["segment_id"], listed["title"]) == (LATER.id, "Later debate")
        entries = listed["entries"]
        assert [(e["place"], e["delegation_id"], e["tier"]) for e in entries] == [
            (1, GHANA.id, "head_of_state"),  # the higher tier first, though inscribed later
            (2, FRANCE.id, "minister"),
        ]
        assert entries[1]["inscribed_at"] == START - 30 * MIN
        assert ("by_secretariat" in entries[0]) is (role is Role.MODERATOR)
    assert seen[Role.MODERATOR]["inscriptions"][0]["entries"][0]["by_secretariat"] is True

    log.do(OpenSegment(LATER), START + 130 * MIN)
    assert views(log, START + 130 * MIN)[Role.DELEGATE]["inscriptions"] == []  # now the queue


def test_O7_O8_a_requests_stance_and_group_are_on_every_screen() -> None:
    log = RoomLog()
    log.do(OpenSegment(DEBATE), START)
    log.do(RequestFloor(FRANCE, stance=Stance.CONTRA), START + 1)
    log.do(RequestFloor(state("deu", "Germany"), speaks_for="Greens"), START + 2)

    for view in views(log, START + 3).values():
        assert [(q["stance"], q["speaks_for"]) for q in view["queue"]] == [
            ("contra", None),
            ("none", "Greens"),
        ]
        assert view["segment"]["floor"] == {
            "alternate_stances": True,
            "interposed_questions": True,
            "question_seconds": 20.0,
            "capacity_seconds": 300.0,
            "groups": ["Greens"],
            "yields": [],  # O11: no yield, no caucus under these rules
            "caucuses": False,
            "caucus_seconds": 600.0,
            "caucus_speaker_seconds": 60.0,
        }


def test_O8_a_question_waits_on_every_screen_then_holds_the_speech() -> None:
    log = RoomLog()
    log.do(OpenSegment(DEBATE), START)
    log.do(RequestFloor(FRANCE), START + 1)
    log.do(GrantFloor(), START + 2)
    log.do(StartSpeech(), START + 2)
    log.do(AskInterposedQuestion(GHANA, on_behalf=True), START + 30)

    seen = views(log, START + 31)
    for role, view in seen.items():
        (waiting,) = view["interposed"]["waiting"]
        assert (waiting["place"], waiting["delegation_id"], waiting["to_speaker"]) == (
            1,
            GHANA.id,
            FRANCE.id,
        )
        assert waiting["seconds"] == 20.0  # the meeting's cap
        assert ("on_behalf" in waiting) is (role is Role.MODERATOR)
        assert view["interposed"]["held"] is None

    log.do(ConsentToQuestion(question_id=waiting["id"]), START + 40)
    view = views(log, START + 41)[Role.DISPLAY]
    assert view["interposed"]["waiting"] == []
    assert view["speech"]["basis"] == "question"
    held = view["interposed"]["held"]
    assert held["speaker"]["id"] == FRANCE.id
    assert (held["status"], held["seconds_left"]) == ("paused", held["allotted"] - 38.0)


def test_O8_a_paused_speech_is_not_shown_held_without_a_question() -> None:
    log = RoomLog()
    log.do(OpenSegment(DEBATE), START)
    log.do(RequestFloor(FRANCE), START + 1)
    log.do(GrantFloor(), START + 2)
    log.do(StartSpeech(), START + 2)
    log.do(PauseSpeech(), START + 10)
    assert views(log, START + 11)[Role.MODERATOR]["interposed"] == {"waiting": [], "held": None}


def test_S9_the_views_of_a_change_rendered_together_are_each_the_view_rendered_alone() -> None:
    """The runner renders a change's views together, sharing what they show alike; what one
    role alone sees (a question's ``on_behalf``, a secretariat's inscription, the console,
    the moderator's queue columns, the delegate's ``lapsed``) stays in that role's view."""
    log = RoomLog()
    log.do(Inscribe(LATER, FRANCE, Tier.MINISTER, by_secretariat=True), START - 30 * MIN)
    log.do(OpenSegment(DEBATE), START)
    log.do(RequestFloor(FRANCE, stance=Stance.CONTRA), START + 1)
    log.do(RequestFloor(state("deu", "Germany"), speaks_for="Greens"), START + 2)
    log.do(GrantFloor(), START + 3)
    log.do(StartSpeech(), START + 3)
    log.do(AskInterposedQuestion(GHANA, on_behalf=True), START + 30)
    for role in ROLES:  # a full state: every role-dependent key has something in it
        alone = room_view(log.state, 1, START + 31, role)
        assert room_views(log.state, 1, START + 31, ROLES)[role] == alone
    together = room_views(log.state, 1, START + 31, ROLES)
    assert together[Role.MODERATOR]["interposed"] != together[Role.DELEGATE]["interposed"]
    assert together[Role.MODERATOR]["console"] is not None
    assert together[Role.DELEGATE]["console"] is None
    assert len(together[Role.MODERATOR]["queue"][0]) > len(together[Role.DISPLAY]["queue"][0])
