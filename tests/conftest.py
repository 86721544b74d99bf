"""Fixtures shared by the shell tests: databases, apps and clocks.

Tests that need PostgreSQL, Redis or a browser skip with a reason on a
machine without them, and fail instead when FLOORKEEPER_REQUIRE_SERVICES is
set (CI sets it in .ci/run).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from app.db.engine import make_engine
from app.db.migrations import migrate

# anyio, hypothesis and schemathesis import some modules lazily, in the middle of a test,
# and pytest rewrites every module of a plugin's package as it is imported. On CPython
# 3.11.7 that parse shares one recursion counter with any other AST work started while it
# runs (a traceback formatted by a logging error from a gc callback, another thread's
# import) and fails with "SystemError: AST constructor recursion depth mismatch"
# (python/cpython#106905, fixed in later releases): two CI runs failed so. The modules the
# suite was seen importing late are imported here, once, before any test.
# (after start-up: hypothesis refuses to build its tables while plugins initialise).
LATE_IMPORTS = (
    "anyio._core._fileio",
    "hypothesis.strategies._internal.flatmapped",
    "hypothesis.strategies._internal.random",
    "hypothesis.strategies._internal.regex",
    "schemathesis.generation.body_overrides",
    "schemathesis.generation.dictionaries",
    "schemathesis.transport.asgi",
)


def pytest_collection_finish(session: pytest.Session) -> None:
    for module in LATE_IMPORTS:
        importlib.import_module(module)


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
