"""The signing secret: the operator's first, else the database's; production mints none."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.access.roles import Principal, Role
from app.config import Environment, Settings
from app.db.engine import make_engine
from app.db.migrations import migrate
from app.db.models import ServiceSecret
from app.errors import InvalidSetting
from app.main import create_app
from tests.api_client import bearer
from tests.builders import seed_meeting


def _stored(url: str) -> list[ServiceSecret]:
    engine = make_engine(url)
    with Session(engine) as session:
        rows = list(session.exec(select(ServiceSecret)).all())
    engine.dispose()
    return rows


def test_production_starts_on_the_operators_secret_or_a_stored_one_and_mints_none(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'prod.db'}"
    migrate(url)
    production = Settings(environment=Environment.PRODUCTION, database_url=url)
    with (
        pytest.raises(InvalidSetting, match="^FLOORKEEPER_SECRET_KEY is not set"),
        TestClient(create_app(production)),
    ):
        pass  # the lifespan refuses before
    assert _stored(url) == []  # nothing minted silently
    operator = production.model_copy(update={"secret_key": "k" * 32})
    with TestClient(create_app(operator)) as client:
        assert client.get("/api/health").status_code == 200
    assert _stored(url) == []  # the operator's secret is never written down
    with TestClient(create_app(Settings(database_url=url))):  # a rehearsal start stores one
        pass
    [stored] = _stored(url)
    assert len(stored.secret) >= 32
    with TestClient(create_app(production)) as client:  # production now signs with it
        assert client.get("/api/health").status_code == 200
    assert _stored(url) == [stored]


def test_the_operators_secret_takes_precedence_over_the_stored_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'both.db'}"
    migrate(url)
    engine = make_engine(url)
    room = seed_meeting(engine).rooms[0]
    engine.dispose()
    with TestClient(create_app(Settings(database_url=url))) as client:
        registry = client.app.state.services.credentials  # type: ignore[attr-defined]
        stored_token = registry.issue(Principal(Role.DISPLAY, room_id=room)).token
    operator = Settings(database_url=url, secret_key="o" * 32)
    with TestClient(create_app(operator)) as client:
        refused = client.get(f"/api/rooms/{room}", headers=bearer(stored_token))
        assert refused.status_code == 403
        registry = client.app.state.services.credentials  # type: ignore[attr-defined]
        token = registry.issue(Principal(Role.DISPLAY, room_id=room)).token
        assert client.get(f"/api/rooms/{room}", headers=bearer(token)).status_code == 200
