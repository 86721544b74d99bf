"""The app in process for the HTTP API tests: a TestClient on the seeded meeting, a FakeClock.

``serving`` runs the app's lifespan (``with TestClient(app)``) on a database
that already holds the meeting, and records a credential for each named
principal (``principals``) in the app's registry, as the secretariat would;
``Api`` sends commands and reads as any of them, or with a credential
recorded in the registry (``Api.bearer``), as the access tests do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.access.credentials import CredentialRegistry, Issued
from app.access.roles import Principal, Role
from app.config import Environment, Settings
from app.main import create_app
from tests.builders import Seeded
from tests.fakes import FakeClock
from tests.plans import START

SECRET = "api-tests-secret-" + "s" * 23


def bearer(token: str) -> dict[str, str]:
    """The Authorization header that carries ``token``."""
    return {"Authorization": f"Bearer {token}"}


def principals(one: int, two: int) -> dict[str, Principal]:
    """The credentials the API tests call with, by name (rooms one and two)."""
    return {
        "secretariat": Principal(Role.SECRETARIAT),
        "moderator": Principal(Role.MODERATOR, room_id=one),
        "other_moderator": Principal(Role.MODERATOR, room_id=two),
        "rapporteur": Principal(Role.RAPPORTEUR, room_id=one),
        "display": Principal(Role.DISPLAY, room_id=one),
        "delegate": Principal(Role.DELEGATE, delegation="MEX"),
    }


@dataclass
class Api:
    """The served app and the seeded meeting; a recorded bearer per name in ``tokens``."""

    app: FastAPI
    client: TestClient
    clock: FakeClock
    seeded: Seeded
    settings: Settings
    tokens: dict[str, dict[str, str]]
    counter: int = 0

    @property
    def room(self) -> int:
        return self.seeded.rooms[0]

    def post(self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        """POST ``body`` to the first room's ``path``, as its moderator unless ``headers``."""
        return self.client.post(
            f"/api/rooms/{self.room}/{path}",
            json=body,
            headers=self.tokens["moderator"] if headers is None else headers,
        )

    def do(self, path: str, body: dict[str, Any], who: str = "moderator", after: float = 0) -> None:
        """Send a command ``after`` seconds from now; the room must accept it."""
        self.clock.advance(after)
        self.counter += 1
        body = {"command_id": f"command-{self.counter:04d}", **body}
        response = self.post(path, body, self.tokens[who])
        assert response.status_code == 200, response.text

    def get(self, path: str, who: str = "secretariat") -> Any:
        return self.client.get(path, headers=self.tokens[who])

    def view(self) -> dict[str, Any]:
        """The first room as its moderator sees it."""
        response = self.get(f"/api/rooms/{self.room}", "moderator")
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    def waiting(self) -> list[dict[str, Any]]:
        queue: list[dict[str, Any]] = self.view()["queue"]
        return queue

    # -- credentials recorded in the registry (revocable), as the secretariat issues them

    @property
    def registry(self) -> CredentialRegistry:
        registry: CredentialRegistry = self.app.state.services.credentials
        return registry

    def issue(self, principal: Principal, label: str = "") -> Issued:
        return self.registry.issue(principal, label)

    def bearer(self, principal: Principal, label: str = "") -> dict[str, str]:
        """The header of a newly recorded credential for ``principal``."""
        return bearer(self.issue(principal, label).token)

    @property
    def secretariat(self) -> dict[str, str]:
        return self.bearer(Principal(Role.SECRETARIAT), "tests")


def settings_for(database_url: str) -> Settings:
    return Settings(environment=Environment.TEST, database_url=database_url, secret_key=SECRET)


@contextmanager
def serving(
    database_url: str,
    seeded: Seeded,
    principals: Callable[[int, int], dict[str, Principal]] = principals,
    **overrides: object,
) -> Iterator[Api]:
    """The app on ``database_url`` (which holds ``seeded``) with a FakeClock at START.

    ``overrides`` are settings other than the tests' defaults (e.g. a short busy timeout).
    """
    clock = FakeClock(START)
    settings = settings_for(database_url).model_copy(update=overrides)
    app = create_app(settings, now=clock)
    with TestClient(app) as client:
        registry: CredentialRegistry = app.state.services.credentials
        tokens = {
            name: bearer(registry.issue(who, f"tests: {name}").token)
            for name, who in principals(*seeded.rooms).items()
        }
        yield Api(app, client, clock, seeded, settings, tokens)
