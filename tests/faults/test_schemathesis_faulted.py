"""schemathesis once more, while another program holds the SQLite database.

Every route that writes meets the lock: it must answer its documented 503
(``{"error", "detail"}`` with ``Retry-After``), never another server error,
and every answer must still match the schema (/openapi.json documents the
503). A few examples per operation: the whole suite stays fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from app.access.roles import Principal, Role
from app.db.engine import make_engine
from app.db.migrations import migrate
from app.main import create_app
from tests.access.test_schemathesis import (
    FUZZING,
    SECRET,
    schema,
    send_as_anonymous_and_secretariat,
)
from tests.api_client import settings_for
from tests.builders import seed_meeting
from tests.fakes import FakeClock
from tests.faults.conftest import LockHolder
from tests.plans import START


def no_server_error_but_the_documented_503(_ctx: Any, response: Any, case: Any) -> None:
    """A 5xx is a bug, except 503 with Retry-After: the database or the room cannot take it."""
    if response.status_code < 500:
        return
    assert response.status_code == 503, f"{case.operation.label}: {response.status_code}"
    named = {name.lower() for name in response.headers}  # schemathesis keeps them lowercase
    assert "retry-after" in named, f"{case.operation.label}: 503 without Retry-After"


CHECKS = [
    no_server_error_but_the_documented_503,
    response_schema_conformance,
    content_type_conformance,
]


@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    folder: Path = tmp_path_factory.mktemp("faulted")
    url = f"sqlite:///{folder / 'fuzz.db'}"
    migrate(url)
    engine = make_engine(url)
    seed_meeting(engine)
    engine.dispose()
    app_settings = settings_for(url).model_copy(
        update={"secret_key": SECRET, "database_busy_timeout_seconds": 0.05}
    )
    app = create_app(app_settings, now=FakeClock(START))
    holder = LockHolder(folder / "fuzz.db")
    with TestClient(app, raise_server_exceptions=False) as client:
        token = app.state.services.credentials.issue(Principal(Role.SECRETARIAT), "faults").token
        holder.hold()
        try:
            yield client, token
        finally:
            holder.release()


@schema.parametrize()
@settings(FUZZING, max_examples=2)
def test_finding_4_no_server_error_but_the_documented_503_while_the_database_is_locked(
    case: Any, locked: tuple[TestClient, str]
) -> None:
    client, token = locked
    send_as_anonymous_and_secretariat(case, client, token, CHECKS)
