"""Issue 15, "Setting up": the secretariat page's routes.

The meeting's overview (rooms, days, segments with their status), its
credentials with their full links and QR codes, every delegation's link,
a rehearsal of a day, and the imports' line-and-field errors (the same as
the command line's). Each is the secretariat's alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from app.access.roles import Principal, Role
from app.cli.command import main
from tests.access.test_badges import scan
from tests.api_client import Api, serving
from tests.builders import DELEGATIONS, seed_meeting
from tests.meeting.test_importer import SMALL

BASE = "http://testserver"


@pytest.fixture
def api(sqlite_url: str, engine: Engine) -> Iterator[Api]:
    with serving(sqlite_url, seed_meeting(engine)) as served:
        yield served


def _overview(api: Api, meeting: int | None = None) -> dict[str, object]:
    meeting = api.seeded.meeting_id if meeting is None else meeting
    answer = api.get(f"/api/secretariat/meetings/{meeting}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _credentials(api: Api) -> list[dict[str, object]]:
    answer = api.get(f"/api/secretariat/meetings/{api.seeded.meeting_id}/credentials")
    assert answer.status_code == 200, answer.text
    return list(answer.json())


def _issue(api: Api, **body: object) -> dict[str, object]:
    answer = api.client.post("/api/credentials", json=body, headers=api.tokens["secretariat"])
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _segments(overview: dict[str, object]) -> dict[int, str]:
    days = overview["days"]
    assert isinstance(days, list)
    return {s["id"]: s["status"] for day in days for s in day["segments"]}


def test_the_overview_lists_rooms_and_each_days_segments_with_their_status(api: Api) -> None:
    seeded = api.seeded
    before = _overview(api)
    assert [r["name"] for r in before["rooms"]] == ["Plenary hall", "Breakout room 2"]  # type: ignore[attr-defined]
    assert [d["number"] for d in before["days"]] == [2]  # type: ignore[attr-defined]
    assert _segments(before) == {seeded.action_group: "scheduled", seeded.panel: "scheduled"}
    assert {d["code"] for d in before["delegations"]} == {c for c, _, _ in DELEGATIONS}  # type: ignore[attr-defined]

    api.do("programme", {"type": "open_segment", "segment_id": seeded.action_group})
    assert _segments(_overview(api))[seeded.action_group] == "open"

    segment = api.view()["segment"]["id"]
    api.do("programme", {"type": "close_segment", "segment_id": segment})
    assert _segments(_overview(api)) == {seeded.action_group: "closed", seeded.panel: "scheduled"}


def test_a_display_issued_with_a_name_is_listed_with_full_links_and_a_qr_code(api: Api) -> None:
    room = api.room
    issued = _issue(api, role="display", room_id=room, label="Wall, left of the podium")
    listed = next(c for c in _credentials(api) if c["id"] == issued["id"])
    token = issued["token"]
    assert listed["label"] == "Wall, left of the podium"
    assert listed["links"] == {
        "display": f"{BASE}/display/{room}?token={token}",
        "podium": f"{BASE}/podium/{room}?token={token}",
    }
    qr = api.get(f"{listed['qr']}")
    assert qr.status_code == 200
    assert qr.headers["content-type"] == "image/svg+xml"
    assert scan(qr.text) == [f"{BASE}/display/{room}?token={token}"]
    assert api.client.get(f"/display/{room}?token={token}").status_code == 200


def test_revoking_drops_the_links_and_refuses_the_token_rotating_gives_new_ones(
    api: Api,
) -> None:
    moderator = _issue(api, role="moderator", room_id=api.room, label="Chair's tablet")
    delegate = _issue(api, role="delegate", delegation="GHA", label="Ghana")
    secretariat = api.tokens["secretariat"]

    revoked = api.client.post(f"/api/credentials/{moderator['id']}/revoke", headers=secretariat)
    assert revoked.status_code == 200
    listed = next(c for c in _credentials(api) if c["id"] == moderator["id"])
    assert listed["revoked_at"] is not None
    assert (listed["links"], listed["qr"]) == ({}, "")
    assert api.get(f"/secretariat/credentials/{moderator['id']}.svg").status_code == 404
    assert api.client.get(f"/moderator/{api.room}?token={moderator['token']}").status_code == 403

    rotated = api.client.post(f"/api/credentials/{delegate['id']}/rotate", headers=secretariat)
    assert rotated.status_code == 201
    successor = rotated.json()
    rows = {c["id"]: c for c in _credentials(api)}
    assert rows[delegate["id"]]["links"] == {}
    assert rows[successor["id"]]["links"] == {
        "delegate": f"{BASE}/delegate?token={successor['token']}"
    }
    assert rows[successor["id"]]["label"] == "Ghana"
    assert api.client.get(f"/delegate?token={delegate['token']}").status_code == 403
    assert api.client.get(f"/delegate?token={successor['token']}").status_code == 200


def test_every_delegation_gets_the_link_its_badge_carries(api: Api) -> None:
    meeting = api.seeded.meeting_id
    answer = api.client.post(
        f"/api/secretariat/meetings/{meeting}/delegate-links", headers=api.tokens["secretariat"]
    )
    assert answer.json() == {"delegations": len(DELEGATIONS)}
    links = {c["delegation"]: c["links"] for c in _credentials(api) if c["role"] == "delegate"}
    assert set(links) >= {code for code, _, _ in DELEGATIONS}
    badge = api.get(f"/secretariat/meetings/{meeting}/badges/GHA.svg")
    link = scan(badge.text)[0]
    ghana = [c for c in _credentials(api) if c["delegation"] == "GHA"]
    assert len(ghana) == 1  # asked twice (links, then the badge): one credential
    assert ghana[0]["links"] == {"delegate": link}


@pytest.mark.parametrize("who", ["moderator", "delegate", "display", "rapporteur"])
def test_the_secretariat_routes_refuse_every_other_role_with_403(api: Api, who: str) -> None:
    meeting = api.seeded.meeting_id
    headers = api.tokens[who]
    token_id = api.registry.list(Role.MODERATOR)[0].id
    refused = [
        api.client.get(f"/api/secretariat/meetings/{meeting}", headers=headers),
        api.client.get(f"/api/secretariat/meetings/{meeting}/credentials", headers=headers),
        api.client.post(f"/api/secretariat/meetings/{meeting}/delegate-links", headers=headers),
        api.client.post(
            f"/api/secretariat/meetings/{meeting}/rehearsals", json={"day": 2}, headers=headers
        ),
        api.client.get(f"/secretariat/credentials/{token_id}.svg", headers=headers),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    page = api.client.get(f"/secretariat?token={headers['Authorization'].split()[1]}")
    assert page.status_code == 403
    assert "cannot open the secretariat" in page.text


def test_the_page_opens_for_a_secretariat_token(api: Api) -> None:
    token = api.tokens["secretariat"]["Authorization"].split()[1]
    page = api.client.get(f"/secretariat?token={token}&meeting={api.seeded.meeting_id}")
    assert page.status_code == 200
    assert "/static/secretariat/secretariat.js" in page.text
    assert api.client.get("/secretariat").status_code == 403


def test_a_secretariat_of_another_meeting_is_refused_this_ones_credentials(api: Api) -> None:
    other = api.bearer(Principal(Role.SECRETARIAT, meeting_id=api.seeded.meeting_id + 1))
    meeting = api.seeded.meeting_id
    answer = api.client.get(f"/api/secretariat/meetings/{meeting}/credentials", headers=other)
    assert answer.status_code == 403


def test_a_rehearsal_of_a_day_runs_its_rooms_at_once(api: Api) -> None:
    meeting = api.seeded.meeting_id
    answer = api.client.post(
        f"/api/secretariat/meetings/{meeting}/rehearsals",
        json={"day": 2},
        headers=api.tokens["secretariat"],
    )
    assert answer.status_code == 201, answer.text
    copy = answer.json()
    assert copy["key"] == "test-rehearsal-1"
    overview = _overview(api, copy["id"])
    assert overview["rehearsal_of"] == meeting
    first = overview["days"][0]["segments"][0]  # type: ignore[index]
    assert first["scheduled_start"] == api.clock()  # day 2 starts now
    room = copy["rooms"][0]["id"]
    opened = api.client.post(
        f"/api/rooms/{room}/programme",
        json={"command_id": "rehearsal-1", "type": "open_segment", "segment_id": first["id"]},
        headers=api.tokens["secretariat"],
    )
    assert opened.status_code == 200, opened.text  # no restart needed


def test_a_rehearsal_of_a_day_the_meeting_lacks_names_its_days(api: Api) -> None:
    meeting = api.seeded.meeting_id
    path = f"/api/secretariat/meetings/{meeting}/rehearsals"
    missing = api.client.post(path, json={"day": 9}, headers=api.tokens["secretariat"])
    assert missing.status_code == 404
    assert "has no day 9 (days: 2)" in missing.json()["detail"]
    typed = api.client.post(path, json={"day": "2"}, headers=api.tokens["secretariat"])
    assert typed.status_code == 422
    scoped = api.bearer(Principal(Role.SECRETARIAT, meeting_id=meeting))
    assert api.client.post(path, json={"day": 2}, headers=scoped).status_code == 403


def test_a_programme_import_error_names_line_and_field_as_the_command_line_does(
    api: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = SMALL.replace("language: fr", "langage: fr")
    answer = api.client.post(
        "/api/meetings",
        content=wrong.encode(),
        headers={**api.tokens["secretariat"], "Content-Type": "application/yaml"},
    )
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert detail.startswith("programme.yaml line 4, rooms.1.langage:")

    (tmp_path / "programme.yaml").write_text(wrong, encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", api.settings.database_url)
    assert main(["import", str(tmp_path / "programme.yaml")]) == 2
    assert capsys.readouterr().err.strip() == f"floorkeeper: {detail}"


def test_a_delegations_import_error_names_its_line_and_field(api: Api) -> None:
    meeting = api.seeded.meeting_id
    csv = "code,category\nCHE,member_state\nXYZ,planet\n"
    answer = api.client.post(
        f"/api/meetings/{meeting}/delegations",
        content=csv.encode(),
        headers={**api.tokens["secretariat"], "Content-Type": "text/csv"},
    )
    assert answer.status_code == 422, answer.text
    assert "line 3" in answer.json()["detail"]
    assert "category" in answer.json()["detail"]
