"""The outputs: the JSON document (docs/simulate.md) and the text timeline."""

from __future__ import annotations

import json

from app.simulation import (
    render_text,
    simulate,
    to_json,
)
from tests.plans import action_group
from tests.simulation.runs import MEMBER_STATES, STAKEHOLDERS, run


def test_the_same_seed_gives_the_identical_json_document() -> None:
    first = json.dumps(to_json(run(7, override_rate=0.2)), allow_nan=False)
    again = simulate(
        action_group(),
        member_states=MEMBER_STATES,
        stakeholders=STAKEHOLDERS,
        seed=7,
        override_rate=0.2,
    )

    assert json.dumps(to_json(again), allow_nan=False) == first
    assert json.dumps(to_json(run(8, override_rate=0.2))) != first


def test_json_document_has_the_documented_fields() -> None:
    document = to_json(run(1))

    assert set(document) == {
        "schema",
        "segment",
        "simulation",
        "phases",
        "interventions",
        "summary",
        "refusals",
        "violations",
    }
    assert set(document["interventions"][0]) == {
        "request_id",
        "delegation_id",
        "name",
        "category",
        "group",
        "phase",
        "requested_in",
        "requested_at",
        "first_time",
        "granted_at",
        "allotted",
        "basis",
        "extended",
        "started_at",
        "ended_at",
        "spoken",
        "overtime",
        "heard",
        "outcome",
        "closed_reason",
        "left_at",
        "out_of_order",
        "overrides",
        "reply",  # O2
        "stance",  # O8
    }
    assert set(document["summary"]["procedure"]) == {  # O1, O2, O3, O8
        "points_of_order",
        "points_ruled",
        "questions_asked",
        "questions_consented",
        "questions_declined",
        "replies_asked",
        "replies_heard",
        "replies_called",
        "lists_closed",
    }
    assert document["violations"] == []
    assert document["phases"][1]["end_reason"] == "maximum"


def test_text_timeline_is_relative_to_the_scheduled_start_or_in_local_time() -> None:
    simulation = run(2)
    relative = render_text(simulation)
    local = render_text(simulation, tz_offset_seconds=-6 * 3600)  # Puerto Vallarta, Dec 2017

    def welcome(text: str) -> list[str]:
        return next(line.split() for line in text.splitlines() if line.startswith("  welcome"))

    assert "times from the scheduled start" in relative
    assert welcome(relative)[:2] == ["welcome", "+0:00:00"]
    assert "local times (UTC-06:00)" in local
    assert welcome(local)[:2] == ["welcome", "10:45:00"]
    assert "Invariants: all hold" in relative
    assert "Refused commands" in relative  # late Member States: the floor is closed to them
