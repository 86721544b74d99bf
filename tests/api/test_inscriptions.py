"""O4 over HTTP: a delegation inscribes itself before the segment, the secretariat anyone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from tests.api_client import Api, serving
from tests.builders import open_list_of, seed_meeting
from tests.plans import START

HOUR = 3600.0


@pytest.fixture
def api(sqlite_url: str, engine: Engine) -> Iterator[Api]:
    seeded = seed_meeting(engine)
    # O4: the action group's list opens two days before, and closes an hour after the start
    open_list_of(engine, seeded.action_group, START - 48 * HOUR, START + HOUR)
    with serving(sqlite_url, seeded) as served:
        yield served


def _inscribe(api: Api, who: str, delegation: str, tier: str, n: int, segment: int = 0) -> Any:
    body = {
        "type": "inscribe",
        "command_id": f"inscribe-{n:04d}",
        "segment_id": segment or api.seeded.action_group,
        "delegation": delegation,
        "tier": tier,
    }
    return api.post("inscriptions", body, api.tokens[who])


def test_O4_a_delegate_inscribes_its_own_delegation_and_is_acknowledged(api: Api) -> None:
    own = _inscribe(api, "delegate", "MEX", "minister", 1)
    assert own.status_code == 200, own.text
    assert own.json()["events"] == ["Inscribed"]  # the acknowledgement
    other = _inscribe(api, "delegate", "GHA", "minister", 2)
    assert other.status_code == 403
    assert _inscribe(api, "moderator", "GHA", "minister", 3).status_code == 403


def test_O4_the_secretariat_inscribes_any_delegation_and_the_list_becomes_the_queue(
    api: Api,
) -> None:
    api.clock.advance(10)
    assert _inscribe(api, "delegate", "MEX", "head_of_delegation", 1).status_code == 200
    api.clock.advance(10)
    assert _inscribe(api, "secretariat", "GHA", "head_of_state", 2).status_code == 200
    body = {"type": "open_segment", "command_id": "open-001", "segment_id": api.seeded.action_group}
    assert api.post("programme", body).status_code == 200
    queue = api.view()["queue"]
    assert [(q["delegation_id"], q["on_behalf"], q["inscribed"]) for q in queue] == [
        ("GHA", True, True),  # entered by the secretariat, Head of State first
        ("MEX", False, True),
    ]


def test_O4_refusals_say_why_in_the_pages_words(api: Api) -> None:
    no_window = _inscribe(api, "secretariat", "GHA", "minister", 1, segment=api.seeded.panel)
    assert no_window.status_code == 404  # the panel is in the other room
    api.clock.advance(2 * HOUR)
    late = _inscribe(api, "delegate", "MEX", "minister", 2)
    assert late.status_code == 409
    assert late.json()["code"] == "inscription.closed"
    unknown_tier = _inscribe(api, "delegate", "MEX", "king", 3)
    assert unknown_tier.status_code == 422
