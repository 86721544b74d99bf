"""An app on the test meeting, with recorded credentials for every role (``Api.bearer``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from tests.api_client import SECRET, Api, serving
from tests.builders import seed_meeting


@pytest.fixture
def site(sqlite_url: str, engine: Engine) -> Iterator[Api]:
    with serving(sqlite_url, seed_meeting(engine)) as served:
        yield served


@pytest.fixture
def cli_env(site: Api, monkeypatch: pytest.MonkeyPatch) -> Api:
    """The site, and the environment the ``floorkeeper`` command reads to reach its database."""
    monkeypatch.setenv("DATABASE_URL", site.settings.database_url)
    monkeypatch.setenv("FLOORKEEPER_SECRET_KEY", SECRET)
    return site
