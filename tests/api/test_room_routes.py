"""The HTTP API: commands go through, refusals are 4xx a person can act on."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from tests.api_client import Api, serving
from tests.builders import open_list_of, seed_meeting
from tests.plans import START


@pytest.fixture
def api(sqlite_url: str, engine: Engine) -> Iterator[Api]:
    with serving(sqlite_url, seed_meeting(engine)) as served:
        yield served


def _open_action_group(api: Api) -> Any:
    """The first room's moderator opens the action group."""
    body = {"type": "open_segment", "command_id": "open-001", "segment_id": api.seeded.action_group}
    return api.post("programme", body)


def _request(api: Api, delegation: str, command_id: str) -> Any:
    """Mexico's delegate asks for the floor for ``delegation`` (its own, or not)."""
    body = {"type": "request", "command_id": command_id, "delegation": delegation}
    return api.post("requests", body, api.tokens["delegate"])


def test_health_reports_the_database(api: Api) -> None:
    response = api.client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "redis": "unused",
        "version": "0.1.0",
    }


def test_C1_the_programme_lists_days_rooms_and_segments_with_phases(api: Api) -> None:
    data = api.client.get(f"/api/meetings/{api.seeded.meeting_id}").json()
    assert [r["key"] for r in data["rooms"]] == ["plenary", "room-2"]
    segments = data["days"][0]["segments"]
    assert {s["key"] for s in segments} == {"ag1", "panel"}
    ag = next(s for s in segments if s["key"] == "ag1")
    assert [p["key"] for p in ag["phases"]] == [
        "welcome",
        "member_states",
        "stakeholders",
        "concluding",
    ]


def test_O4_the_programme_gives_each_segment_its_inscription_window(
    api: Api, engine: Engine
) -> None:
    def segments() -> dict[str, Any]:
        data = api.client.get(f"/api/meetings/{api.seeded.meeting_id}").json()
        return {s["key"]: s for s in data["days"][0]["segments"]}

    assert {key: s["inscription"] for key, s in segments().items()} == {
        "ag1": None,
        "panel": None,
    }
    open_list_of(engine, api.seeded.action_group, START - 7200.0, START + 600.0)
    listed = segments()
    assert listed["ag1"]["inscription"] == {"opens_at": START - 7200.0, "deadline": START + 600.0}
    assert listed["panel"]["inscription"] is None


def test_T6_a_speech_runs_on_the_servers_deadline(api: Api) -> None:
    assert (
        api.post(
            "programme",
            {
                "type": "open_segment",
                "command_id": "open-001",
                "segment_id": api.seeded.action_group,
            },
        ).status_code
        == 200
    )
    assert api.post("floor", {"type": "grant", "command_id": "grant-001"}).status_code == 200
    api.clock.advance(3)
    assert api.post("speech", {"type": "start", "command_id": "start-001"}).status_code == 200
    speech = api.view()["speech"]
    assert speech["status"] == "running"
    assert speech["ends_at"] == START + 3 + 300
    api.clock.advance(60)
    assert api.post("speech", {"type": "pause", "command_id": "pause-001"}).status_code == 200
    assert api.view()["speech"]["seconds_left"] == 240
    api.post("speech", {"type": "extend", "command_id": "extend-01", "seconds": 30})
    api.clock.advance(600)
    api.post("speech", {"type": "resume", "command_id": "resume-01"})
    assert api.view()["speech"]["ends_at"] == START + 663 + 270


def test_a_retry_with_the_same_command_id_is_not_applied_twice(api: Api) -> None:
    _open_action_group(api)
    api.post("floor", {"type": "grant", "command_id": "grant-001"})
    api.post("speech", {"type": "start", "command_id": "start-001"})
    body = {"type": "extend", "command_id": "extend-01", "seconds": 60}
    first = api.post("speech", body).json()
    again = api.post("speech", body).json()
    assert again == {**first, "duplicate": True}
    assert api.view()["speech"]["allotted"] == 300 + 60


def test_an_illegal_command_is_a_409_that_names_the_state(api: Api) -> None:
    response = api.post("speech", {"type": "start", "command_id": "start-001"})
    assert response.status_code == 409
    assert response.json() == {
        "error": "IllegalCommand",
        "detail": "no segment is open in this room: open a segment first",
        "code": "segment.none_open",
        "params": {},
    }


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"type": "extend", "command_id": "extend-01", "seconds": -5}, "seconds"),
        ({"type": "extend", "command_id": "x", "seconds": 5}, "command_id"),
        ({"type": "fly", "command_id": "fly-00001"}, "type"),
        ({"type": "start", "command_id": "tick:1:2.000"}, "reserved"),
        ({"type": "start", "command_id": "start-001", "extra": 1}, "extra"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(api: Api, body: dict[str, Any], fragment: str) -> None:
    response = api.post("speech", body)
    assert response.status_code == 422
    assert response.json()["error"] == "InvalidRequest"
    assert fragment in response.json()["detail"].lower()


def test_malformed_json_is_a_422_not_a_500(api: Api) -> None:
    room = api.seeded.rooms[0]
    response = api.client.post(
        f"/api/rooms/{room}/speech",
        content=b"{not json",
        headers={**api.tokens["moderator"], "content-type": "application/json"},
    )
    assert response.status_code == 422


def test_an_oversized_body_is_refused_with_413(api: Api) -> None:
    response = api.post("floor", {"type": "give", "command_id": "give-0001", "name": "x" * 100_000})
    assert response.status_code == 413
    assert "bytes" in response.json()["detail"]


def test_unknown_room_segment_and_request_are_404(api: Api) -> None:
    assert (
        api.client.post(
            "/api/rooms/999/speech",
            json={"type": "start", "command_id": "start-001"},
            headers=api.tokens["moderator"],
        ).status_code
        == 404
    )
    missing = api.post(
        "programme",
        {"type": "open_segment", "command_id": "open-001", "segment_id": api.seeded.panel},
    )
    assert missing.status_code == 404  # the panel is in the other room
    api.post(
        "programme",
        {"type": "open_segment", "command_id": "open-002", "segment_id": api.seeded.action_group},
    )
    assert (
        api.post(
            "floor", {"type": "grant", "command_id": "grant-001", "request_id": "nope"}
        ).status_code
        == 404
    )


def test_moderator_commands_need_the_rooms_moderator(api: Api) -> None:
    body = {"type": "open_segment", "command_id": "open-001", "segment_id": api.seeded.action_group}
    assert api.post("programme", body, headers={}).status_code == 403
    assert api.post("programme", body, headers=api.tokens["display"]).status_code == 403
    assert api.post("programme", body, headers=api.tokens["other_moderator"]).status_code == 403
    assert api.post("programme", body, headers=api.tokens["delegate"]).status_code == 403
    forged = {"Authorization": "Bearer eyJyIjoic2VjcmV0YXJpYXQifQ.forged"}
    refused = api.post("programme", body, headers=forged)
    assert refused.status_code == 403
    assert "not valid" in refused.json()["detail"]


def test_P7_a_delegate_requests_only_for_its_own_delegation(api: Api) -> None:
    _open_action_group(api)
    own = _request(api, "MEX", "req-00001")
    other = _request(api, "GHA", "req-00002")
    assert own.status_code == 200
    assert other.status_code == 403
    on_behalf = api.post(
        "floor", {"type": "add_request", "command_id": "add-00001", "delegation": "GHA"}
    )
    assert on_behalf.status_code == 200
    queue = api.view()["queue"]
    assert [(q["delegation_id"], q["on_behalf"]) for q in queue] == [("MEX", False), ("GHA", True)]


def test_P6_a_second_press_keeps_the_same_place(api: Api) -> None:
    _open_action_group(api)
    _request(api, "MEX", "req-00001")
    second = _request(api, "MEX", "req-00002")
    assert second.status_code == 200
    assert second.json()["events"] == []
    assert len(api.view()["queue"]) == 1


def test_an_unregistered_delegation_is_a_404_with_its_code(api: Api) -> None:
    _open_action_group(api)
    response = api.post(
        "floor", {"type": "add_request", "command_id": "add-00001", "delegation": "ATL"}
    )
    assert response.status_code == 404
    assert "'ATL'" in response.json()["detail"]


def test_C4_a_command_in_one_room_never_changes_another(api: Api) -> None:
    one, two = api.seeded.rooms
    before = api.client.get(f"/api/rooms/{two}", headers=api.tokens["other_moderator"]).json()
    _open_action_group(api)
    after = api.client.get(f"/api/rooms/{two}", headers=api.tokens["other_moderator"]).json()
    assert after == before
    assert api.view()["segment"]["id"] == str(api.seeded.action_group)


def test_the_live_view_needs_a_credential_and_hides_the_queue_details_from_displays(
    api: Api,
) -> None:
    room = api.seeded.rooms[0]
    assert api.client.get(f"/api/rooms/{room}").status_code == 403
    _open_action_group(api)
    _request(api, "MEX", "req-00001")
    shown = api.client.get(f"/api/rooms/{room}", headers=api.tokens["display"]).json()
    assert shown["queue"][0]["delegation_id"] == "MEX"
    assert "rank" not in shown["queue"][0]
    assert shown["cut_off"] is None


def test_the_openapi_document_lists_the_command_routes(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    for route in ("speech", "programme", "floor", "requests"):
        assert f"/api/rooms/{{room_id}}/{route}" in paths


def test_R1_clear_queue_closes_the_waiting_requests_once_and_the_record_keeps_them(
    api: Api,
) -> None:
    _open_action_group(api)
    for n, code in enumerate(("MEX", "GHA"), start=1):
        added = api.post(
            "floor", {"type": "add_request", "command_id": f"add-0000{n}", "delegation": code}
        )
        assert added.status_code == 200, added.text
    body = {"type": "clear_queue", "command_id": "clear-001"}

    first = api.post("floor", body)
    again = api.post("floor", body)

    assert first.status_code == 200, first.text
    assert first.json()["events"] == ["RequestsClosed"]
    assert again.json() == {**first.json(), "duplicate": True}
    assert api.view()["queue"] == []
    api.post("floor", {"type": "add_request", "command_id": "add-00003", "delegation": "MEX"})
    assert api.post("floor", body).json()["duplicate"] is True  # a retry never clears anew
    assert [q["delegation_id"] for q in api.view()["queue"]] == ["MEX"]
    room, segment = api.seeded.rooms[0], api.seeded.action_group
    record = api.client.get(
        f"/api/rooms/{room}/segments/{segment}/record", headers=api.tokens["moderator"]
    ).json()
    cleared = [i for i in record["interventions"] if i["closed_reason"] == "queue_cleared"]
    assert [(i["delegation"], i["outcome"], i["heard"]) for i in cleared] == [
        ("MEX", "not_heard", False),
        ("GHA", "not_heard", False),
    ]


def test_clear_queue_is_the_rooms_moderators_alone(api: Api) -> None:
    _open_action_group(api)
    api.post("floor", {"type": "add_request", "command_id": "add-00001", "delegation": "MEX"})
    body = {"type": "clear_queue", "command_id": "clear-001"}

    for headers in (
        api.tokens["display"],
        api.tokens["delegate"],
        api.tokens["other_moderator"],
        {},
    ):
        assert api.post("floor", body, headers=headers).status_code == 403
    assert [q["delegation_id"] for q in api.view()["queue"]] == ["MEX"]


def test_clear_queue_with_no_segment_open_is_a_409(api: Api) -> None:
    response = api.post("floor", {"type": "clear_queue", "command_id": "clear-001"})

    assert response.status_code == 409
    assert response.json()["error"] == "IllegalCommand"
    assert "no segment is open" in response.json()["detail"]


def test_issue18_the_served_app_collects_with_the_settings_thresholds_and_freezes_its_start(
    sqlite_url: str, engine: Engine
) -> None:
    """The lifespan applies FLOORKEEPER_GC_THRESHOLDS and FLOORKEEPER_GC_FREEZE, and gives
    the process its collector back when the service stops."""
    before = gc.get_threshold()
    with serving(sqlite_url, seed_meeting(engine), gc_thresholds=(4000, 9, 90), gc_freeze=True):
        assert gc.get_threshold() == (4000, 9, 90)
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
