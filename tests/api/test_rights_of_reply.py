"""Rights of reply (O2) over HTTP (issue 16): the commands, who may send them for whom.

Through the served app (a TestClient on the seeded meeting plus a general debate
with GA's limits in the plenary, a FakeClock the test moves). Every view's
``replies`` (app/live/replies.py) is checked against docs/protocol.schema.json
where it is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from app.timing import FloorRules
from tests.api_client import Api, serving
from tests.builders import Seeded, add_debate, seed_meeting
from tests.live.harness import validator

Json = dict[str, Any]


#: The debate's segment id in the plenary (set by the fixture: ids come from the database).
DEBATE: dict[str, int] = {}


@pytest.fixture
def api(sqlite_url: str, engine: Engine) -> Iterator[Api]:
    seeded = seed_meeting(engine)
    debate_id = add_debate(engine, seeded, FloorRules(reply_limits=(600.0, 300.0)))
    DEBATE["id"] = debate_id
    with serving(sqlite_url, seeded) as served:
        yield served


def send(api: Api, path: str, body: Json, who: str = "moderator", after: float = 0) -> Any:
    api.clock.advance(after)
    api.counter += 1
    return api.post(path, {"command_id": f"reply-{api.counter:04d}", **body}, api.tokens[who])


def ok(api: Api, path: str, body: Json, who: str = "moderator", after: float = 0) -> list[str]:
    response = send(api, path, body, who, after)
    assert response.status_code == 200, response.text
    events: list[str] = response.json()["events"]
    return events


def debating(api: Api, *codes: str) -> None:
    """The general debate open; ``codes`` asked for the floor through the chair."""
    ok(api, "programme", {"type": "open_segment", "segment_id": DEBATE["id"]})
    for code in codes:
        ok(api, "floor", {"type": "add_request", "delegation": code}, after=1)


def test_O2_a_delegate_asks_for_a_reply_and_the_chair_calls_the_replies(api: Api) -> None:
    debating(api, "GHA")

    assert ok(api, "requests", {"type": "reply", "delegation": "MEX"}, "delegate") == [
        "ReplyRequested"
    ]
    assert ok(api, "floor", {"type": "call_replies"}, after=1) == ["RepliesCalled"]
    assert ok(api, "floor", {"type": "grant"}, after=1) == ["FloorGranted"]

    view = api.get(f"/api/rooms/{api.room}", "moderator").json()
    assert (view["speech"]["speaker"]["id"], view["speech"]["allotted"]) == ("MEX", 600.0)


def test_O2_the_moderator_asks_on_a_delegations_behalf_and_a_delegate_only_for_its_own(
    api: Api,
) -> None:
    debating(api)

    assert ok(api, "requests", {"type": "reply", "delegation": "CHE"}) == ["ReplyRequested"]
    other = send(api, "requests", {"type": "reply", "delegation": "GHA"}, "delegate")
    assert (other.status_code, other.json()["code"]) == (403, "access.act_for")
    body = {"type": "withdraw_reply", "delegation": "CHE"}
    assert ok(api, "requests", body) == ["ReplyWithdrawn"]
    assert ok(api, "requests", body) == []  # M2: nothing left to withdraw


def test_O2_the_seeds_meeting_refuses_a_reply_and_a_call_says_none_waits(api: Api) -> None:
    seeded: Seeded = api.seeded
    ok(api, "programme", {"type": "open_segment", "segment_id": seeded.action_group})

    refused = send(api, "requests", {"type": "reply", "delegation": "MEX"}, "delegate")
    called = send(api, "floor", {"type": "call_replies"})

    assert (refused.status_code, refused.json()["code"]) == (409, "reply.not_taken")
    assert (called.status_code, called.json()["code"]) == (409, "reply.none_waiting")


def replies(api: Api, who: str = "moderator") -> Json:
    """The room's view for ``who``, checked against its role's room in the schema (the
    live channel sends the same view, its version and time in the message itself)."""
    view: Json = api.get(f"/api/rooms/{api.room}", who).json()
    room = {k: v for k, v in view.items() if k not in ("version", "server_time")}
    validator(f"room_{who}").validate(room)
    return view


def test_O2_the_replies_are_taken_at_the_end_of_the_segment_first_then_second_limit(
    api: Api,
) -> None:
    debating(api, "GHA")
    ok(api, "floor", {"type": "grant"}, after=1)
    ok(api, "speech", {"type": "start"})
    # during the debate, Mexico and Switzerland ask for a reply, in that order
    ok(api, "requests", {"type": "reply", "delegation": "MEX"}, "delegate", after=30)
    ok(api, "requests", {"type": "reply", "delegation": "CHE"}, after=1)

    waiting = replies(api, "delegate")["replies"]
    assert [
        (r["delegation_id"], r["place"], r["rank"], r["seconds"]) for r in waiting["waiting"]
    ] == [
        ("MEX", 1, 1, 600.0),
        ("CHE", 2, 1, 600.0),
    ]
    assert "on_behalf" not in waiting["waiting"][0]  # a moderator's detail
    assert replies(api, "display")["replies"]["waiting"] == waiting["waiting"]
    # Ghana speaks last: "next speaker" will take the replies (the end reached), unasked
    assert (waiting["limits"], waiting["called"], waiting["taken"]) == ([600.0, 300.0], False, True)
    assert replies(api)["console"]["call_replies"] is True

    # the speakers done, "next speaker" gives the floor to the first reply with its limit
    assert ok(api, "floor", {"type": "grant"}, after=60) == ["SpeechEnded", "FloorGranted"]
    view = replies(api)
    assert (view["speech"]["speaker"]["id"], view["speech"]["basis"]) == ("MEX", "reply")
    assert view["speech"]["allotted"] == 600.0
    assert view["replies"]["speaking"]["delegation_id"] == "MEX"
    assert view["replies"]["speaking"]["rank"] == 1
    assert [r["delegation_id"] for r in view["replies"]["waiting"]] == ["CHE"]
    assert view["replies"]["waiting"][0]["on_behalf"] is True
    assert view["replies"]["counts"] == [{"delegation_id": "MEX", "used": 1, "left": 1}]

    # Mexico asks again while replying: its second reply, with the second limit
    ok(api, "speech", {"type": "start"})
    ok(api, "requests", {"type": "reply", "delegation": "MEX"}, "delegate", after=10)
    second = replies(api)["replies"]["waiting"]
    assert [(r["delegation_id"], r["rank"], r["seconds"]) for r in second] == [
        ("CHE", 1, 600.0),
        ("MEX", 2, 300.0),
    ]
    assert ok(api, "floor", {"type": "grant"}, after=60) == ["SpeechEnded", "FloorGranted"]
    ok(api, "speech", {"type": "start"})
    assert ok(api, "floor", {"type": "grant"}, after=60) == ["SpeechEnded", "FloorGranted"]
    view = replies(api)
    assert (view["speech"]["speaker"]["id"], view["speech"]["allotted"]) == ("MEX", 300.0)
    assert view["replies"]["speaking"]["rank"] == 2

    # a third is refused: the meeting gives two
    third = send(api, "requests", {"type": "reply", "delegation": "MEX"}, "delegate", after=5)
    assert (third.status_code, third.json()["code"]) == (409, "reply.limit_reached")
    counts = {c["delegation_id"]: c["left"] for c in replies(api, "delegate")["replies"]["counts"]}
    assert counts == {"MEX": 0, "CHE": 1}
    assert replies(api)["console"]["call_replies"] is False  # none waits
