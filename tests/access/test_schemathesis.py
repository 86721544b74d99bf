"""schemathesis against create_app's /openapi.json: no 500, answers as the schema says.

Every operation gets a few generated requests (hypothesis, bounded), each sent
twice through one TestClient (with the app's lifespan): as an anonymous
caller and as the secretariat. Both profiles must never get a 500, and every
answer must match its documented schema and content type.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from app.access.roles import Principal, Role
from app.config import Environment, Settings
from app.db.engine import make_engine
from app.db.migrations import migrate
from app.main import create_app
from tests.api_client import bearer
from tests.builders import seed_meeting
from tests.fakes import FakeClock
from tests.plans import START

SECRET = "schemathesis-secret-" + "x" * 20
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]

#: The document create_app serves at /openapi.json (checked below), built without a database.
DOCUMENT = create_app(Settings(environment=Environment.TEST, secret_key=SECRET)).openapi()
schema = schemathesis.openapi.from_dict(DOCUMENT)
# The examples and fuzzing phases only: the coverage phase's hundreds of cases per
# operation would take minutes on this machine for little more than the fuzzing finds.
schema.config.phases.coverage.enabled = False


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    folder: Path = tmp_path_factory.mktemp("schemathesis")
    url = f"sqlite:///{folder / 'fuzz.db'}"
    migrate(url)
    engine = make_engine(url)
    seed_meeting(engine)
    engine.dispose()
    settings_ = Settings(environment=Environment.TEST, database_url=url, secret_key=SECRET)
    app = create_app(settings_, now=FakeClock(START))
    with TestClient(app, raise_server_exceptions=False) as client:
        token = app.state.services.credentials.issue(
            Principal(Role.SECRETARIAT), "schemathesis"
        ).token
        yield client, token


#: A few generated requests per operation, the same on every run (tests/faults uses it too).
FUZZING = settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


def send_as_anonymous_and_secretariat(
    case: Any, client: TestClient, token: str, checks: list[Any]
) -> None:
    """Send ``case`` with no token, then with the secretariat's; check each answer."""
    for headers in ({}, bearer(token)):
        kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
        kwargs.pop("cookies", None)
        if isinstance(kwargs.get("data"), bytes | str):  # a raw body (YAML, CSV)
            kwargs["content"] = kwargs.pop("data")
        response = client.request(**kwargs)
        case.validate_response(response, checks=checks)


@schema.parametrize()
@FUZZING
def test_no_500_and_answers_match_the_schema_anonymous_and_secretariat(
    case: Any, served: tuple[TestClient, str]
) -> None:
    client, token = served
    send_as_anonymous_and_secretariat(case, client, token, CHECKS)


def test_the_fuzzed_document_is_the_one_the_app_serves(served: tuple[TestClient, str]) -> None:
    client, _ = served
    assert client.get("/openapi.json").json() == DOCUMENT
