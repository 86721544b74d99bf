"""O7 and O8 on the moderator's ``add_request``: pro, contra and group statements entered
on a delegation's behalf (P7), validated as a delegate's own request is.

Through the served app (a TestClient on the seeded meeting, a FakeClock the
test moves), the general debate of ``tests.api.test_speech_kinds``: pro and
contra alternate, a group statement has five minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from app.timing import FloorRules
from tests.api_client import Api, serving
from tests.builders import add_debate, seed_meeting

Json = dict[str, Any]
GROUP_SECONDS = 300.0  # O7: the debate's allotment for a statement on behalf of a group

#: The debate's segment id in the plenary (set by the fixture: ids come from the database).
DEBATE: dict[str, int] = {}


@pytest.fixture
def api(sqlite_url: str, engine: Engine) -> Iterator[Api]:
    seeded = seed_meeting(engine)
    rules = FloorRules(alternate_stances=True, capacity_seconds=GROUP_SECONDS)
    DEBATE["id"] = add_debate(engine, seeded, rules)
    with serving(sqlite_url, seeded) as served:
        ok(served, "programme", {"type": "open_segment", "segment_id": DEBATE["id"]})
        yield served


def send(api: Api, path: str, body: Json, who: str = "moderator") -> Any:
    """Send a command one second from now, with a new command id."""
    api.clock.advance(1)
    api.counter += 1
    return api.post(path, {"command_id": f"behalf-{api.counter:04d}", **body}, api.tokens[who])


def ok(api: Api, path: str, body: Json, who: str = "moderator") -> list[str]:
    response = send(api, path, body, who)
    assert response.status_code == 200, response.text
    events: list[str] = response.json()["events"]
    return events


def add(api: Api, code: str, **fields: Any) -> Any:
    return send(api, "floor", {"type": "add_request", "delegation": code, **fields})


def next_speaker(api: Api) -> Json:
    """Give the floor to the next speaker and start the speech; the speech as shown."""
    ok(api, "floor", {"type": "grant"})
    ok(api, "speech", {"type": "start"})
    speech: Json = api.view()["speech"]
    return speech


def test_O8_P7_the_moderator_adds_pro_and_contra_requests_that_alternate(api: Api) -> None:
    for code, stance in (("MEX", "pro"), ("GHA", "pro"), ("CHE", "contra")):
        assert add(api, code, stance=stance).status_code == 200

    queue = api.waiting()
    order = [next_speaker(api)["speaker"]["id"] for _ in range(3)]

    assert [(q["delegation_id"], q["on_behalf"]) for q in queue] == [
        ("MEX", True),
        ("GHA", True),
        ("CHE", True),
    ]
    assert order == ["MEX", "CHE", "GHA"]  # contra after pro, ahead of the second pro


def test_O7_P7_a_group_statement_added_by_the_moderator_gets_the_groups_allotment(
    api: Api,
) -> None:
    assert add(api, "MEX", speaks_for="Group of 77 and China").status_code == 200
    assert add(api, "GHA").status_code == 200

    group, own = next_speaker(api), next_speaker(api)

    assert (group["speaker"]["id"], group["allotted"], group["basis"]) == (
        "MEX",
        GROUP_SECONDS,
        "capacity",
    )
    assert (own["speaker"]["id"], own["basis"]) == ("GHA", "flex")  # T2: its own time


def test_O7_O8_the_moderators_request_is_validated_as_a_delegates_is(api: Api) -> None:
    wrong = {
        "stance maybe": add(api, "MEX", stance="maybe"),
        "stance none": add(api, "MEX", stance="none"),
        "empty group": add(api, "MEX", speaks_for=""),
        "invisible group": add(api, "MEX", speaks_for="G\u202e77"),
        "long group": add(api, "MEX", speaks_for="x" * 81),
    }
    unknown = add(api, "XYZ", stance="pro")

    for what, response in wrong.items():
        assert response.status_code == 422, what
        assert response.json()["detail"], what  # pydantic's field and reason
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "delegation.not_in_this_meeting"
    assert "'XYZ'" in unknown.json()["detail"]
    assert api.waiting() == []


def test_O8_M6_a_retried_add_request_with_a_stance_is_applied_once(api: Api) -> None:
    body = {
        "type": "add_request",
        "delegation": "MEX",
        "stance": "contra",
        "command_id": "retry-0001",
    }
    first = api.post("floor", body)
    again = api.post("floor", body)
    other = api.post("floor", {**body, "stance": "pro"})

    assert first.json()["events"] == ["FloorRequested"]
    assert again.json() == {**first.json(), "duplicate": True}
    assert other.status_code == 409  # M6: the same id with another body
    assert len(api.waiting()) == 1
