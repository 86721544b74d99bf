"""A fresh PostgreSQL database for a test, in the shared server, dropped afterwards.

The server is the one of ``FLOORKEEPER_TEST_POSTGRES_URL`` (tests/conftest.py):
without it the test skips, and fails where the services are required (CI).
A folder's conftest imports the fixture for its tests (tests/db, tests/faults);
the cluster tests and the benchmarks use ``fresh_database`` itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_URL, missing_service


def require_postgres(admin_url: str = POSTGRES_URL) -> None:
    """Skip (or fail, where the services are required) without a server to reach."""
    url = make_url(admin_url)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # no server here
        missing_service(f"PostgreSQL at {url.render_as_string()} is unreachable: {error}")
    finally:
        admin.dispose()


@contextmanager
def fresh_database(admin_url: str = POSTGRES_URL, prefix: str = "floorkeeper") -> Iterator[str]:
    """A new, empty database ``{prefix}_<hex>`` on ``admin_url``'s server, dropped afterwards
    (with FORCE: a killed process's connections do not keep it)."""
    admin_at = make_url(admin_url)
    admin = create_engine(admin_at, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield admin_at.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    require_postgres()
    with fresh_database() as url:
        yield url
