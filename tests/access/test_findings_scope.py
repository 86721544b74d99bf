"""Issue 13, finding 5: every credential names its meeting, badges included.

A meeting's secretariat manages the badge links it prints; a token of one
meeting is refused in another meeting's rooms, on HTTP and the live channel;
a delegate's link opens its own meeting, not the newest one that registers
its code. The tests drive the badge sheet, the HTTP API and the live socket.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session
from starlette.testclient import WebSocketDenialResponse

from app.access.roles import Principal, Role
from app.db.models import Delegation
from tests.access.test_badges import scan
from tests.access.test_scope import _import_demo
from tests.api_client import Api, bearer


def _badge_token(site: Api, headers: dict[str, str], code: str) -> str:
    """The delegate token in the QR code of ``code``'s badge, as a phone scans it."""
    meeting = site.seeded.meeting_id
    token = headers["Authorization"].removeprefix("Bearer ")
    svg = site.client.get(f"/secretariat/meetings/{meeting}/badges/{code}.svg?token={token}")
    assert svg.status_code == 200, svg.text
    link: str = scan(svg.text)[0]
    return link.split("?token=", 1)[1]


def _second_meeting(site: Api) -> dict[str, Any]:
    """The demo imported over HTTP (newer, its rooms running), registering MEX too (as the
    demo's file import, or a rehearsal copy, does)."""
    created = _import_demo(site)
    with Session(site.app.state.services.engine) as session:
        names = {"en": "Mexico"}
        session.add(
            Delegation(meeting_id=created["id"], code="MEX", category="member_state", names=names)
        )
        session.commit()
    return created


def _scoped(site: Api) -> dict[str, str]:
    """A secretariat of the test meeting only (an account bound to it logs in as this)."""
    return site.bearer(Principal(Role.SECRETARIAT, meeting_id=site.seeded.meeting_id), "tess")


def test_finding_5_a_meetings_secretariat_lists_revokes_and_rotates_its_badge_links(
    site: Api,
) -> None:
    scoped = _scoped(site)
    mexico = _badge_token(site, scoped, "MEX")
    ghana = _badge_token(site, scoped, "GHA")
    listed = site.client.get("/api/credentials?role=delegate", headers=scoped)
    assert listed.status_code == 200
    badges = {c["delegation"]: c for c in listed.json() if c["label"].startswith("badge: ")}
    assert {"MEX", "GHA"} <= set(badges)
    assert {badges[c]["meeting_id"] for c in ("MEX", "GHA")} == {site.seeded.meeting_id}
    revoked = site.client.post(f"/api/credentials/{badges['MEX']['id']}/revoke", headers=scoped)
    assert revoked.status_code == 200, revoked.text
    assert site.client.get("/api/pages/delegate", headers=bearer(mexico)).status_code == 403
    rotated = site.client.post(f"/api/credentials/{badges['GHA']['id']}/rotate", headers=scoped)
    assert rotated.status_code == 201, rotated.text
    assert rotated.json()["meeting_id"] == site.seeded.meeting_id
    assert site.client.get("/api/pages/delegate", headers=bearer(ghana)).status_code == 403
    new = bearer(rotated.json()["token"])
    assert site.client.get("/api/pages/delegate", headers=new).status_code == 200


def test_finding_5_every_issued_credential_names_its_meeting(site: Api) -> None:
    room = site.seeded.rooms[0]
    for body in (
        {"role": "display", "room_id": room},
        {"role": "moderator", "room_id": room},
        {"role": "rapporteur", "room_id": room},
        {"role": "delegate", "delegation": "MEX"},
    ):
        issued = site.client.post("/api/credentials", json=body, headers=site.secretariat)
        assert issued.status_code == 201, issued.text
        assert issued.json()["meeting_id"] == site.seeded.meeting_id, body


def test_finding_5_a_badge_link_is_refused_in_another_meetings_rooms(site: Api) -> None:
    mexico = _badge_token(site, site.secretariat, "MEX")
    created = _second_meeting(site)
    other_room = created["rooms"][0]["id"]
    answer = site.client.get(f"/api/rooms/{other_room}", headers=bearer(mexico))
    assert answer.status_code == 403
    assert "belongs to another meeting" in answer.json()["detail"]
    request = {"type": "request", "command_id": "request-0001", "delegation": "MEX"}
    asked = site.client.post(f"/api/rooms/{other_room}/floor", json=request, headers=bearer(mexico))
    assert asked.status_code == 403
    with (
        pytest.raises(WebSocketDenialResponse) as refused,
        site.client.websocket_connect(f"/api/rooms/{other_room}/live?token={mexico}"),
    ):
        pass
    assert refused.value.status_code == 403
    own_room = site.seeded.rooms[0]
    assert site.client.get(f"/api/rooms/{own_room}", headers=bearer(mexico)).status_code == 200


def test_finding_5_a_delegate_link_opens_its_own_meeting_not_the_newest(site: Api) -> None:
    mexico = _badge_token(site, site.secretariat, "MEX")
    _second_meeting(site)  # newer, and it registers MEX too
    directory = site.client.get("/api/pages/delegate", headers=bearer(mexico))
    assert directory.status_code == 200, directory.text
    assert directory.json()["meeting"]["id"] == site.seeded.meeting_id
    assert [r["id"] for r in directory.json()["rooms"]] == list(site.seeded.rooms)


def test_a_delegate_token_of_a_code_two_meetings_register_must_name_its_meeting(
    site: Api,
) -> None:
    created = _second_meeting(site)
    body = {"role": "delegate", "delegation": "MEX"}
    ambiguous = site.client.post("/api/credentials", json=body, headers=site.secretariat)
    assert ambiguous.status_code == 400
    assert "name the meeting (meeting_id)" in ambiguous.json()["detail"]
    named = {**body, "meeting_id": created["id"]}
    issued = site.client.post("/api/credentials", json=named, headers=site.secretariat)
    assert issued.status_code == 201, issued.text
    assert issued.json()["meeting_id"] == created["id"]
