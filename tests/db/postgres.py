"""A fresh PostgreSQL database for a test, in the shared server, dropped afterwards.

The server is the one of ``FLOORKEEPER_TEST_POSTGRES_URL`` (tests/conftest.py):
without it the test skips, and fails where the services are required (CI).
A folder's conftest imports the fixture for its tests (tests/db, tests/faults).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_URL, missing_service


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    admin_url = make_url(POSTGRES_URL)
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # no server here
        missing_service(f"PostgreSQL at {admin_url.render_as_string()} is unreachable: {error}")
    name = f"floorkeeper_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
