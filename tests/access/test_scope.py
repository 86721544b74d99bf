"""A secretariat of one meeting: its account, its login, and the rooms of meetings made later.

The matrix (``tests/access/test_guard.py``) checks every route against a
secretariat of another meeting; these tests check where the scope comes from
(``floorkeeper admin create --meeting``, ``/api/login``) and that a meeting
imported over HTTP is known to the check at once, without a restart.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlmodel import Session, select
from starlette.testclient import WebSocketDenialResponse

from app.access.roles import Principal, Role
from app.cli.command import main
from app.config import DEMO_PROGRAMME
from app.db.models import SecretariatAccount
from tests.api_client import Api, bearer

PASSWORD = "correct horse battery"


def _import_demo(site: Api) -> dict[str, Any]:
    answer = site.client.post(
        "/api/meetings",
        content=DEMO_PROGRAMME.read_text(encoding="utf-8").encode(),
        headers={**site.secretariat, "Content-Type": "application/yaml"},
    )
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def test_admin_create_with_a_meeting_binds_the_account_and_its_login_to_that_meeting(
    cli_env: Api, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    site = cli_env
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["admin", "create", "--name", "tess", "--meeting", "test", "--password-stdin"]) == 0
    assert "of meeting 'test'" in capsys.readouterr().out
    with Session(site.app.state.services.engine) as session:
        account = session.exec(select(SecretariatAccount)).one()
    assert account.meeting_id == site.seeded.meeting_id
    login = site.client.post("/api/login", json={"name": "tess", "password": PASSWORD})
    assert login.status_code == 200
    headers = bearer(login.json()["token"])
    room = site.seeded.rooms[0]
    assert site.client.get(f"/api/rooms/{room}", headers=headers).status_code == 200
    created = _import_demo(site)  # by the administrator: a meeting the account is not of
    new_room = created["rooms"][0]["id"]
    refused = site.client.get(f"/api/rooms/{new_room}", headers=headers)
    assert refused.status_code == 403
    assert "belongs to another meeting" in refused.json()["detail"]
    meeting = site.client.get(f"/api/meetings/{created['id']}/record", headers=headers)
    assert meeting.status_code == 403
    live = site.client.get(f"/api/rooms/{new_room}", headers=site.secretariat)
    assert live.status_code == 200  # the administrator's token covers every meeting


def test_admin_create_refuses_a_meeting_that_does_not_exist(
    cli_env: Api, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["admin", "create", "--name", "tess", "--meeting", "nope", "--password-stdin"]) == 2
    assert "no meeting 'nope'" in capsys.readouterr().err
    with Session(cli_env.app.state.services.engine) as session:
        assert session.exec(select(SecretariatAccount)).first() is None


def test_a_meeting_imported_over_http_joins_the_scope_map_without_a_restart(site: Api) -> None:
    first = site.bearer(Principal(Role.SECRETARIAT, meeting_id=site.seeded.meeting_id))
    room = site.seeded.rooms[0]
    assert site.client.get(f"/api/rooms/{room}", headers=first).status_code == 200
    known = site.app.state.services.meeting_map  # loaded by the first scoped request
    created = _import_demo(site)
    new_rooms = {r["id"] for r in created["rooms"]}
    assert {known.rooms[r] for r in new_rooms} == {created["id"]}  # told, not read again
    new = site.bearer(Principal(Role.SECRETARIAT, meeting_id=created["id"]))
    some_room = min(new_rooms)
    assert site.client.get(f"/api/rooms/{some_room}", headers=new).status_code == 200
    assert site.client.get(f"/api/rooms/{some_room}", headers=first).status_code == 403
    assert site.client.get(f"/api/rooms/{room}", headers=new).status_code == 403
    segment = next(s for s, m in known.segments.items() if m == created["id"])
    roles = site.client.put(
        f"/api/segments/{segment}/roles", headers=first, json={"rapporteur": "Ms. R"}
    )
    assert roles.status_code == 403
    with pytest.raises(WebSocketDenialResponse) as denied:
        with site.client.websocket_connect(f"/api/rooms/{some_room}/live", headers=first):
            pass  # pragma: no cover - refused before the upgrade
    assert denied.value.status_code == 403


def test_a_scoped_secretariat_cannot_create_a_meeting(site: Api) -> None:
    scoped = site.bearer(Principal(Role.SECRETARIAT, meeting_id=site.seeded.meeting_id))
    answer = site.client.post(
        "/api/meetings",
        content=DEMO_PROGRAMME.read_text(encoding="utf-8").encode(),
        headers={**scoped, "Content-Type": "application/yaml"},
    )
    assert answer.status_code == 403
    assert "administrator" in answer.json()["detail"]
