"""Points of order (O1) and closed lists (O3) over HTTP (issue 16).

Through the served app (a TestClient on the seeded meeting, a FakeClock the
test moves): who may raise a point for whom, what hearing it does to the
speaker on the floor, the ruling's text and the seconds the speaker gets back,
and what a closed list still takes. The views the screens are sent are read
as each role reads them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from app.access.roles import Principal, Role
from app.api.schemas import RULING_MAX
from tests.api_client import Api, serving
from tests.builders import seed_meeting

Json = dict[str, Any]


@pytest.fixture
def api(sqlite_url: str, engine: Engine) -> Iterator[Api]:
    with serving(sqlite_url, seed_meeting(engine)) as served:
        yield served


def send(
    api: Api, path: str, body: Json, who: str = "moderator", after: float = 0, cid: str = ""
) -> Any:
    """Send a command ``after`` seconds from now (a new command id unless ``cid``)."""
    api.clock.advance(after)
    api.counter += 1
    command_id = cid or f"point-{api.counter:04d}"
    return api.post(path, {"command_id": command_id, **body}, api.tokens[who])


def ok(api: Api, path: str, body: Json, who: str = "moderator", after: float = 0) -> Json:
    response = send(api, path, body, who, after)
    assert response.status_code == 200, response.text
    ack: Json = response.json()
    return ack


def speaking(api: Api, *codes: str) -> None:
    """The Member State phase; the first of ``codes`` has the floor, its clock running."""
    ok(api, "programme", {"type": "open_segment", "segment_id": api.seeded.action_group})
    ok(api, "programme", {"type": "close_phase"}, after=1)
    for code in codes:
        ok(api, "floor", {"type": "add_request", "delegation": code}, after=1)
    if codes:
        ok(api, "floor", {"type": "grant"})
        ok(api, "speech", {"type": "start"}, after=1)


def view_of(api: Api, who: str) -> Json:
    response = api.get(f"/api/rooms/{api.room}", who)
    assert response.status_code == 200, response.text
    view: Json = response.json()
    return view


def raise_point(api: Api, code: str = "MEX", who: str = "delegate", after: float = 0) -> Any:
    return send(api, "requests", {"type": "point_of_order", "delegation": code}, who, after)


def test_O1_a_delegate_raises_a_point_of_order_for_its_own_delegation_from_its_phone(
    api: Api,
) -> None:
    speaking(api, "GHA")

    answer = raise_point(api, "MEX", after=5)

    assert answer.status_code == 200, answer.text
    assert answer.json()["events"] == ["PointOfOrderRaised"]
    (point,) = view_of(api, "moderator")["procedure"]["points"]
    assert (point["delegation_id"], point["place"], point["on_behalf"]) == ("MEX", 1, False)
    phone = view_of(api, "delegate")["procedure"]
    assert [(p["delegation_id"], p["place"]) for p in phone["points"]] == [("MEX", 1)]
    assert "on_behalf" not in phone["points"][0]  # the moderator's detail only
    assert view_of(api, "moderator")["speech"]["speaker"]["id"] == "GHA"  # not heard yet
    assert view_of(api, "moderator")["console"]["hear_point"] is True


def test_O1_a_delegate_may_not_raise_a_point_of_order_for_another_delegation(api: Api) -> None:
    speaking(api, "GHA")

    answer = raise_point(api, "GHA", who="delegate")

    assert answer.status_code == 403
    assert answer.json()["code"] == "access.act_for"
    assert view_of(api, "moderator")["procedure"]["points"] == []


def test_O1_the_moderator_raises_a_point_of_order_on_a_delegations_behalf(api: Api) -> None:
    speaking(api, "GHA")

    answer = raise_point(api, "CHE", who="moderator")

    assert answer.status_code == 200, answer.text
    (point,) = view_of(api, "moderator")["procedure"]["points"]
    assert (point["delegation_id"], point["on_behalf"]) == ("CHE", True)


def test_O1_M6_a_retried_point_of_order_is_one_point_and_its_id_means_one_command(
    api: Api,
) -> None:
    speaking(api, "GHA")
    first = raise_point(api, "MEX")
    body = {"type": "point_of_order", "delegation": "MEX"}

    again = send(api, "requests", body, "delegate", cid=first.json()["command_id"])
    other = send(api, "floor", {"type": "hear_point"}, cid=first.json()["command_id"])
    second_press = raise_point(api, "MEX")

    assert (again.status_code, again.json()) == (200, {**first.json(), "duplicate": True})
    assert other.status_code == 409
    assert other.json()["error"] == "CommandIdReused"
    assert second_press.json()["events"] == []  # a second press changes nothing
    assert len(view_of(api, "moderator")["procedure"]["points"]) == 1


def test_O1_hearing_a_point_pauses_the_speaker_and_the_ruling_gives_back_exactly_the_seconds_left(
    api: Api,
) -> None:
    speaking(api, "GHA")
    api.clock.advance(40.25)
    raise_point(api, "MEX")
    ends_at = view_of(api, "moderator")["speech"]["ends_at"]

    heard = ok(api, "floor", {"type": "hear_point", "expected_speaker": "GHA"}, after=2)

    left = ends_at - api.clock()  # what Ghana had when the point was heard
    assert heard["events"] == ["SpeechPaused", "PointOfOrderHeard"]
    for who in ("moderator", "delegate", "display"):
        view = view_of(api, who)
        assert view["speech"]["speaker"]["id"] == "MEX"
        assert view["speech"]["basis"] == "point_of_order"
        assert view["speech"]["allotted"] == 300.0  # the procedural cap (O1)
        assert view["procedure"]["point"]["delegation_id"] == "MEX"
        assert view["procedure"]["points"] == []
        held = view["procedure"]["held"]
        assert (held["speaker"]["id"], held["status"]) == ("GHA", "paused")
        assert held["seconds_left"] == left
    assert view_of(api, "moderator")["console"]["hear_point"] is False
    assert view_of(api, "moderator")["console"]["next"] is False  # the chair rules first

    # The point takes its time; Ghana's seconds do not run meanwhile.
    ok(api, "speech", {"type": "start", "expected_speaker": "MEX"}, after=3)
    api.clock.advance(95)
    ruling = "The point is well taken: the speaker will keep to the item."
    ruled = ok(api, "floor", {"type": "rule_point", "ruling": ruling, "expected_speaker": "MEX"})

    assert ruled["events"] == ["PointOfOrderRuled"]
    back = view_of(api, "moderator")
    assert back["speech"]["speaker"]["id"] == "GHA"
    assert back["speech"]["status"] == "paused"
    assert back["speech"]["seconds_left"] == left  # exactly, however long the point took
    assert (back["procedure"]["point"], back["procedure"]["held"]) == (None, None)
    ok(api, "speech", {"type": "resume", "expected_speaker": "GHA"}, after=7)
    assert view_of(api, "display")["speech"]["ends_at"] == api.clock() + left


def test_O1_a_ruling_is_one_line_of_visible_text_within_its_cap(api: Api) -> None:
    speaking(api, "GHA")
    raise_point(api, "MEX")
    ok(api, "floor", {"type": "hear_point"})

    def rule(text: str) -> Any:
        return send(api, "floor", {"type": "rule_point", "ruling": text})

    assert rule("").status_code == 422
    assert rule("x" * (RULING_MAX + 1)).status_code == 422
    hidden = rule("Ruled \u202eout of order")
    assert hidden.status_code == 422
    assert "U+202E" in hidden.json()["detail"]
    blank = rule("   ")
    assert (blank.status_code, blank.json()["code"]) == (409, "point.no_ruling")
    assert view_of(api, "moderator")["procedure"]["point"]["delegation_id"] == "MEX"
    assert rule("Ruled in order").status_code == 200


def test_O1_while_a_point_is_heard_a_second_hearing_is_refused_saying_who_is_heard(
    api: Api,
) -> None:
    speaking(api, "GHA")
    raise_point(api, "MEX")
    raise_point(api, "CHE", who="moderator")
    ok(api, "floor", {"type": "hear_point"})

    again = send(api, "floor", {"type": "hear_point"})

    assert again.status_code == 409
    assert again.json()["code"] == "point.being_heard"
    assert "Mexico" in again.json()["detail"]
    assert [p["delegation_id"] for p in view_of(api, "moderator")["procedure"]["points"]] == ["CHE"]


def test_O3_a_closed_list_refuses_a_delegates_request_and_still_takes_a_point_of_order(
    api: Api,
) -> None:
    speaking(api)
    ghana = api.bearer(Principal(Role.DELEGATE, delegation="GHA"), "tests: GHA")

    closed = ok(api, "floor", {"type": "close_list", "phase_key": "member_states"})
    refused = send(api, "requests", {"type": "request", "delegation": "MEX"}, "delegate")
    point = raise_point(api, "MEX")
    added = ok(api, "floor", {"type": "add_request", "delegation": "CHE"})

    assert closed["events"] == ["SpeakersListClosed"]
    lists = {item["key"]: item["closed"] for item in view_of(api, "delegate")["procedure"]["lists"]}
    assert lists == {"member_states": True, "stakeholders": False}
    assert refused.status_code == 409
    assert (refused.json()["code"], refused.json()["params"]["phase_key"]) == (
        "list.closed",
        "member_states",
    )
    assert point.status_code == 200, point.text
    assert added["events"] == ["FloorRequested"]
    view = view_of(api, "moderator")
    assert [q["delegation_id"] for q in view["queue"]] == ["CHE"]
    assert [p["delegation_id"] for p in view["procedure"]["points"]] == ["MEX"]

    reopened = ok(api, "floor", {"type": "reopen_list"})  # the current phase's
    body = {"command_id": "point-ghana-asks", "type": "request", "delegation": "GHA"}
    asks = api.post("requests", body, ghana)

    assert reopened["events"] == ["SpeakersListReopened"]
    assert asks.status_code == 200, asks.text
    assert all(not item["closed"] for item in view_of(api, "display")["procedure"]["lists"])


def test_O3_closing_and_reopening_a_list_is_the_moderators_alone(api: Api) -> None:
    speaking(api)

    by_delegate = send(api, "floor", {"type": "close_list"}, "delegate")
    by_display = send(api, "floor", {"type": "close_list"}, "display")

    assert (by_delegate.status_code, by_display.status_code) == (403, 403)
    assert not any(item["closed"] for item in view_of(api, "moderator")["procedure"]["lists"])
