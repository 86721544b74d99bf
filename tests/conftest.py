"""Fixtures shared by the shell tests: databases, apps and clocks.

Tests that need PostgreSQL, Redis or a browser skip with a reason on a
machine without them, and fail instead when FLOORKEEPER_REQUIRE_SERVICES is
set (CI sets it in .ci/run).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import anyio._core._fileio  # noqa: F401  (see below)
import pytest
from sqlalchemy.engine import Engine

from app.db.engine import make_engine
from app.db.migrations import migrate

# anyio imports its file module lazily, on the first file a static route serves. pytest
# rewrites anyio's modules (it is a plugin), and on CPython 3.11.7 that parse, made then in
# the test client's thread deep in a request's stack, can raise "SystemError: AST constructor
# recursion depth mismatch" (python/cpython#106905, fixed in later releases): a test failed
# with it in CI, and schemathesis saw the same request pass on replay. Imported here, once.

POSTGRES_URL = os.environ.get(
    "FLOORKEEPER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def missing_service(reason: str) -> None:
    """Skip, or fail where the services are required (CI)."""
    if os.environ.get("FLOORKEEPER_REQUIRE_SERVICES"):
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated, empty SQLite database file."""
    url = f"sqlite:///{tmp_path / 'floorkeeper.db'}"
    migrate(url)
    return url


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()
