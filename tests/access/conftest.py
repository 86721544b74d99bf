"""An app on the test meeting, with recorded credentials for every role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.access.credentials import CredentialRegistry, Issued
from app.access.roles import Principal, Role
from app.config import Environment, Settings
from app.main import create_app
from tests.builders import Seeded, seed_meeting
from tests.fakes import FakeClock
from tests.plans import START

SECRET = "access-tests-secret-" + "s" * 20


@dataclass
class Site:
    app: FastAPI
    client: TestClient
    clock: FakeClock
    seeded: Seeded
    settings: Settings

    @property
    def registry(self) -> CredentialRegistry:
        registry: CredentialRegistry = self.app.state.services.credentials
        return registry

    def issue(self, principal: Principal, label: str = "") -> Issued:
        return self.registry.issue(principal, label)

    def bearer(self, principal: Principal, label: str = "") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issue(principal, label).token}"}

    @property
    def secretariat(self) -> dict[str, str]:
        return self.bearer(Principal(Role.SECRETARIAT), "tests")


def settings_for(url: str) -> Settings:
    return Settings(environment=Environment.TEST, database_url=url, secret_key=SECRET)


@pytest.fixture
def site(sqlite_url: str, engine: Engine) -> Iterator[Site]:
    seeded = seed_meeting(engine)
    clock = FakeClock(START)
    settings = settings_for(sqlite_url)
    app = create_app(settings, now=clock)
    with TestClient(app) as client:
        yield Site(app, client, clock, seeded, settings)
