"""Revocable credentials: every token recorded, a revoked one refused at once, everywhere."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from starlette.testclient import WebSocketDenialResponse
from starlette.websockets import WebSocketDisconnect

from app.access.credentials import CredentialRegistry
from app.access.roles import Principal, Role
from app.access.tokens import Signer
from app.cli.command import main
from app.main import create_app
from tests.api_client import Api, bearer
from tests.fakes import FakeClock


def _issue(site: Api, body: dict[str, Any]) -> dict[str, Any]:
    answer = site.client.post("/api/credentials", json=body, headers=site.secretariat)
    assert answer.status_code == 201, answer.text
    data: dict[str, Any] = answer.json()
    return data


def test_the_secretariat_issues_a_recorded_token_that_works(site: Api) -> None:
    room = site.seeded.rooms[0]
    issued = _issue(site, {"role": "display", "room_id": room, "label": "wall, plenary"})
    assert issued["role"] == "display"
    assert issued["room_id"] == room
    assert issued["revoked_at"] is None
    assert site.client.get(f"/api/rooms/{room}", headers=bearer(issued["token"])).status_code == 200
    listed = site.client.get("/api/credentials", headers=site.secretariat).json()
    mine = next(row for row in listed if row["id"] == issued["id"])
    assert mine["label"] == "wall, plenary"
    assert "token" not in mine  # the list never shows a token


def test_a_revoked_token_is_refused_at_once_on_http(site: Api) -> None:
    room = site.seeded.rooms[0]
    issued = _issue(site, {"role": "moderator", "room_id": room})
    headers = bearer(issued["token"])
    assert site.client.get(f"/api/rooms/{room}", headers=headers).status_code == 200
    revoked = site.client.post(f"/api/credentials/{issued['id']}/revoke", headers=site.secretariat)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    refused = site.client.get(f"/api/rooms/{room}", headers=headers)
    assert refused.status_code == 403
    assert "revoked" in refused.json()["detail"]
    page = site.client.get(f"/moderator/{room}?token={issued['token']}")
    assert page.status_code == 403
    assert "revoked" in page.text


def test_rotation_revokes_the_old_token_and_issues_one_with_the_same_scope(site: Api) -> None:
    issued = _issue(site, {"role": "delegate", "delegation": "MEX", "label": "Mexico"})
    rotated = site.client.post(f"/api/credentials/{issued['id']}/rotate", headers=site.secretariat)
    assert rotated.status_code == 201
    new = rotated.json()
    assert (new["role"], new["delegation"], new["label"]) == ("delegate", "MEX", "Mexico")
    assert new["replaces"] == issued["id"]
    assert new["token"] != issued["token"]
    assert site.client.get("/api/pages/delegate", headers=bearer(new["token"])).status_code == 200
    old = site.client.get("/api/pages/delegate", headers=bearer(issued["token"]))
    assert old.status_code == 403


def test_checking_a_token_costs_no_query(site: Api) -> None:
    room = site.seeded.rooms[0]
    headers = site.bearer(Principal(Role.DISPLAY, room_id=room))
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(site.app.state.services.engine, "before_cursor_execute", count)
    try:
        for _ in range(5):
            assert site.client.get(f"/api/rooms/{room}", headers=headers).status_code == 200
    finally:
        event.remove(site.app.state.services.engine, "before_cursor_execute", count)
    assert statements == []


def test_the_database_is_the_source_of_truth_across_a_restart(site: Api) -> None:
    room = site.seeded.rooms[0]
    issued = site.issue(Principal(Role.DISPLAY, room_id=room))
    site.registry.revoke(issued.id)
    again = create_app(site.settings, now=site.clock)
    with TestClient(again) as client:
        refused = client.get(f"/api/rooms/{room}", headers=bearer(issued.token))
    assert refused.status_code == 403


def test_only_the_secretariat_issues_lists_and_revokes(site: Api) -> None:
    room = site.seeded.rooms[0]
    moderator = site.bearer(Principal(Role.MODERATOR, room_id=room))
    body = {"role": "display", "room_id": room}
    for headers in ({}, moderator):
        assert site.client.post("/api/credentials", json=body, headers=headers).status_code == 403
        assert site.client.get("/api/credentials", headers=headers).status_code == 403
    issued = site.issue(Principal(Role.DISPLAY, room_id=room))
    assert (
        site.client.post(f"/api/credentials/{issued.id}/revoke", headers=moderator).status_code
        == 403
    )
    assert not site.registry.is_revoked(issued.id)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"role": "moderator"}, "needs room_id"),
        ({"role": "delegate"}, "needs delegation"),
        ({"role": "display", "room_id": 1, "delegation": "MEX"}, "has no delegation"),
        ({"role": "janitor"}, "role"),
    ],
)
def test_a_token_whose_scope_does_not_fit_its_role_is_refused(
    site: Api, body: dict[str, Any], problem: str
) -> None:
    answer = site.client.post("/api/credentials", json=body, headers=site.secretariat)
    assert answer.status_code == 422
    assert problem in answer.json()["detail"]


def test_a_token_for_an_unknown_room_or_delegation_is_refused(site: Api) -> None:
    for body in ({"role": "display", "room_id": 77}, {"role": "delegate", "delegation": "XYZ"}):
        answer = site.client.post("/api/credentials", json=body, headers=site.secretariat)
        assert answer.status_code == 404


def test_revoking_an_unknown_token_is_a_404(site: Api) -> None:
    answer = site.client.post("/api/credentials/nope/revoke", headers=site.secretariat)
    assert answer.status_code == 404


def test_a_revoked_token_closes_its_open_live_socket(site: Api) -> None:
    room = site.seeded.rooms[0]
    issued = site.issue(Principal(Role.DISPLAY, room_id=room))
    other = site.issue(Principal(Role.DISPLAY, room_id=room))
    with (
        site.client.websocket_connect(f"/api/rooms/{room}/live?token={issued.token}") as socket,
        site.client.websocket_connect(f"/api/rooms/{room}/live?token={other.token}") as kept,
    ):
        assert socket.receive_json()["type"] == "snapshot"
        assert kept.receive_json()["type"] == "snapshot"
        site.client.post(f"/api/credentials/{issued.id}/revoke", headers=site.secretariat)
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
        assert closed.value.code == 4403
        kept.send_json({"type": "ping", "t0": 1.0})
        assert kept.receive_json()["type"] == "pong"


def test_a_revoked_token_cannot_open_the_live_channel(site: Api) -> None:
    room = site.seeded.rooms[0]
    issued = site.issue(Principal(Role.DISPLAY, room_id=room))
    site.client.post(f"/api/credentials/{issued.id}/revoke", headers=site.secretariat)
    with (
        pytest.raises(WebSocketDenialResponse) as refused,
        site.client.websocket_connect(f"/api/rooms/{room}/live?token={issued.token}"),
    ):
        pass
    assert refused.value.status_code == 403
    assert "revoked" in refused.value.json()["detail"]


def test_links_prints_recorded_tokens_and_the_same_ones_twice(
    cli_env: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    site = cli_env
    assert main(["links"]) == 0
    first = capsys.readouterr().out
    assert main(["links"]) == 0
    assert capsys.readouterr().out == first
    display = next(line for line in first.splitlines() if "display:" in line)
    token = display.split("?token=", 1)[1].strip()
    site.registry.load()
    principal = site.app.state.services.signer.read(token)
    assert principal.token_id is not None
    assert site.registry.get(principal.token_id).principal.role is Role.DISPLAY


def test_two_registries_over_one_database_agree_on_a_credential_issued_by_either(
    engine: Engine,
) -> None:
    """Two processes' registries: what one issues the other reads once, on first sight."""
    clock = FakeClock(1_000.0)
    here = CredentialRegistry(engine, Signer("s" * 32), clock)
    there = CredentialRegistry(engine, Signer("s" * 32), clock)
    issued = here.issue(Principal(Role.SECRETARIAT), "issued here")
    assert there.status(issued.principal) == "unknown"
    assert there.unseen(issued.id)  # the route's rule then reads its row (recall)
    there.recall(issued.id)
    assert not there.unseen(issued.id)
    assert there.status(issued.principal) == "live"
    here.revoke(issued.id)
    assert here.status(issued.principal) == "revoked"
    assert there.status(issued.principal) == "live"  # until told (the relay's revocation)
    there.recall(issued.id)  # what the relay's revocation does
    assert there.status(issued.principal) == "revoked"
    other = there.issue(Principal(Role.SECRETARIAT), "issued there")
    here.recall(other.id)
    there.revoke(other.id)  # an announcement ``here`` missed: Redis was away
    assert here.reload() == {other.id}  # read again on reconnecting: its sockets are closed
    assert here.status(other.principal) == "revoked"
