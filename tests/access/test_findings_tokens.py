"""Issue 13, finding 1: nothing forgeable, nothing eternal, nothing unrecorded.

A token is signed with a secret nobody else has (the operator's, or one the
service generated for its database), it expires (a meeting's tokens after
its last day and a margin, a login after hours), and only a token the
credential table recorded passes, on HTTP and on the live channel. The tests
drive the HTTP API and the live socket, which the old code had too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeSerializer
from sqlalchemy.engine import Engine
from starlette.testclient import WebSocketDenialResponse

from app.access.accounts import create_account
from app.access.roles import Principal, Role
from app.access.tokens import SALT
from app.config import Settings
from app.db.engine import make_engine
from app.db.migrations import migrate
from app.main import create_app
from tests.api_client import SECRET, Api, bearer
from tests.builders import seed_meeting
from tests.plans import START

HOUR = 3600.0
DAY = 24 * HOUR
#: The string the old code signed every token with, unless the operator set one.
OLD_PLACEHOLDER = "development-only-secret"


def _forged(secret: str, salt: str, **data: Any) -> str:
    return URLSafeSerializer(secret, salt=salt).dumps(data)


def _refused_live(client: TestClient, path: str) -> WebSocketDenialResponse:
    with pytest.raises(WebSocketDenialResponse) as refused, client.websocket_connect(path):
        pass
    return refused.value


@pytest.fixture
def unset(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    """A seeded database, served with the default settings: no secret set by the operator."""
    url = f"sqlite:///{tmp_path / 'default.db'}"
    migrate(url)
    engine = make_engine(url)
    seed_meeting(engine)
    yield url, engine
    engine.dispose()


def test_finding_1_a_token_signed_with_the_old_public_placeholder_is_refused(
    unset: tuple[str, Engine],
) -> None:
    url, _ = unset
    with TestClient(create_app(Settings(database_url=url))) as client:  # development, no secret
        for salt in (SALT, "floorkeeper.credential.v1", "floorkeeper.credential.v2"):
            forged = _forged(OLD_PLACEHOLDER, salt, r="secretariat", e=START + DAY)
            answer = client.post(
                "/api/credentials", json={"role": "secretariat"}, headers=bearer(forged)
            )
            assert answer.status_code in (401, 403), (salt, answer.text)
            assert "ask the secretariat" in answer.json()["detail"]


def test_finding_1_each_database_gets_its_own_secret_and_keeps_it_across_restarts(
    unset: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = unset
    other_url = f"sqlite:///{tmp_path / 'other.db'}"
    migrate(other_url)
    other = make_engine(other_url)
    room = seed_meeting(other).rooms[0]
    other.dispose()
    with TestClient(create_app(Settings(database_url=url))) as client:
        registry = client.app.state.services.credentials  # type: ignore[attr-defined]
        token = registry.issue(Principal(Role.DISPLAY, room_id=room)).token
        assert client.get(f"/api/rooms/{room}", headers=bearer(token)).status_code == 200
    with TestClient(create_app(Settings(database_url=url))) as restarted:
        assert restarted.get(f"/api/rooms/{room}", headers=bearer(token)).status_code == 200
    with TestClient(create_app(Settings(database_url=other_url))) as elsewhere:
        answer = elsewhere.get(f"/api/rooms/{room}", headers=bearer(token))
    assert answer.status_code == 403  # signed with another database's secret
    assert "not valid" in answer.json()["detail"]


def test_finding_1_a_validly_signed_token_that_was_never_recorded_is_refused(site: Api) -> None:
    room, meeting = site.seeded.rooms[0], site.seeded.meeting_id
    until = START + DAY
    administrator = _forged(SECRET, SALT, r="secretariat", e=until)
    made_up = _forged(SECRET, SALT, r="secretariat", e=until, i="never-recorded-id")
    for forged in (administrator, made_up):
        answer = site.client.post(
            "/api/credentials", json={"role": "secretariat"}, headers=bearer(forged)
        )
        assert answer.status_code == 401, answer.text
        assert answer.json()["error"] == "Unauthenticated"
        assert "not issued by this service" in answer.json()["detail"]
    display = _forged(SECRET, SALT, r="display", room=room, m=meeting, e=until)
    refused = _refused_live(site.client, f"/api/rooms/{room}/live?token={display}")
    assert refused.status_code == 401
    assert "not issued by this service" in refused.json()["detail"]


def test_finding_1_a_meeting_token_expires_after_its_last_day_and_says_when(site: Api) -> None:
    room = site.seeded.rooms[0]
    issued = site.client.post(
        "/api/credentials", json={"role": "display", "room_id": room}, headers=site.secretariat
    )
    assert issued.status_code == 201, issued.text
    display = issued.json()["token"]
    # the test meeting's last day is 2017-12-05 (Mexico City): valid until 2017-12-08 06:00 UTC
    site.clock.advance(3 * DAY)
    assert site.client.get(f"/api/rooms/{room}", headers=bearer(display)).status_code == 200
    site.clock.advance(DAY)
    expired = site.client.get(f"/api/rooms/{room}", headers=bearer(display))
    assert expired.status_code == 401
    assert expired.json() == {
        "error": "TokenExpired",
        "detail": "this link expired on 2017-12-08 06:00 UTC: ask the secretariat for a new one",
        "code": "token.expired",
        "params": {"ended": "2017-12-08 06:00 UTC"},
    }
    refused = _refused_live(site.client, f"/api/rooms/{room}/live?token={display}")
    assert refused.status_code == 401
    assert "expired on 2017-12-08" in refused.json()["detail"]


def test_finding_1_a_secretariat_login_expires_after_hours(site: Api) -> None:
    engine = site.app.state.services.engine
    create_account(engine, "tess", "correct horse battery", START)
    login = site.client.post(
        "/api/login", json={"name": "tess", "password": "correct horse battery"}
    )
    assert login.status_code == 200, login.text
    headers = bearer(login.json()["token"])
    site.clock.advance(11 * HOUR)
    assert site.client.get("/api/credentials", headers=headers).status_code == 200
    site.clock.advance(2 * HOUR)
    expired = site.client.get("/api/credentials", headers=headers)
    assert expired.status_code == 401
    assert "expired on" in expired.json()["detail"]
