"""The room's PostgreSQL tests get a fresh database each (tests/db/postgres.py)."""

from tests.db.postgres import postgres_url  # noqa: F401  (a fixture)
