"""Real database faults, made by real parts, for the fault tests (finding 4 of issue 13).

* ``LockHolder``: another process (the ``sqlite3`` shell, or Python where it is
  not installed) holds ``BEGIN EXCLUSIVE`` on the service's SQLite file until
  released;
* ``page_limit``: ``PRAGMA max_page_count`` on each of the service's SQLite
  connections (an engine hook the test installs), so that a write needing a
  new page fails with a real SQLITE_FULL;
* ``proxy``: a ``TcpProxy`` (tests/tcp_proxy.py) on 127.0.0.1 to the shared
  PostgreSQL that the test cuts (every connection dropped, new ones closed at
  once) and restores.

The app runs with a short busy timeout (``BUSY``) so that the suite stays
fast; the tests assert answers, never durations.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, col, select

from app.db.models import CommandRecord, RoomEvent
from app.room.store import RoomStore
from tests.api_client import Api, serving
from tests.builders import seed_meeting
from tests.db.postgres import postgres_url  # noqa: F401  (a fixture)
from tests.tcp_proxy import TcpProxy

#: The service's busy timeout in these tests (seconds): short, the suite stays fast.
BUSY = 0.2

#: Holds an exclusive lock on argv[1] until a line arrives on stdin (no sqlite3 shell here).
HOLD_IN_PYTHON = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], timeout=5, isolation_level=None)
connection.execute("BEGIN EXCLUSIVE")
print("held", flush=True)
sys.stdin.readline()
connection.execute("COMMIT")
"""


class LockHolder:
    """Another process holding ``BEGIN EXCLUSIVE`` on a SQLite file until ``release()``."""

    def __init__(self, database: Path) -> None:
        self._database = database
        self._process: subprocess.Popen[str] | None = None

    def hold(self) -> None:
        shell = shutil.which("sqlite3")
        if shell:
            command = [shell, "-cmd", ".timeout 5000", str(self._database)]
        else:
            command = [sys.executable, "-c", HOLD_IN_PYTHON, str(self._database)]
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert process.stdin is not None
        assert process.stdout is not None
        if shell:
            process.stdin.write("BEGIN EXCLUSIVE;\nSELECT 'held';\n")
            process.stdin.flush()
        assert process.stdout.readline().strip() == "held"  # the lock is taken
        self._process = process

    def release(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.write("COMMIT;\n" if shutil.which("sqlite3") else "\n")
        process.stdin.close()
        assert process.wait(timeout=30) == 0
        process.stdout.close()


@pytest.fixture
def lock_holder(sqlite_url: str) -> Iterator[LockHolder]:
    holder = LockHolder(Path(make_url(sqlite_url).database or ""))
    yield holder
    holder.release()


@contextmanager
def page_limit(engine: Engine) -> Iterator[None]:
    """Every new connection of ``engine`` may not grow the file (SQLITE_FULL), until exit."""

    def limit(connection: Any, _record: Any) -> None:
        (pages,) = connection.execute("PRAGMA page_count").fetchone()
        connection.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(engine, "connect", limit)
    engine.dispose()  # the pooled connections were opened without it
    try:
        yield
    finally:
        event.remove(engine, "connect", limit)
        engine.dispose()  # and these with it: the limit is raised


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    proxied = TcpProxy(("127.0.0.1", 5432))
    yield proxied
    proxied.close()


# -- the room under test: a speech running, so that every `extend` is a new change --------


@pytest.fixture
def served(sqlite_url: str, engine: Engine) -> Iterator[Api]:
    """The app on a seeded SQLite file, busy timeout ``BUSY``, a speech running in room one."""
    with serving(sqlite_url, seed_meeting(engine), database_busy_timeout_seconds=BUSY) as api:
        start_a_speech(api)
        yield api


def start_a_speech(api: Api) -> None:
    """Open the action group, give the floor, start the clock: three changes (versions 1–3)."""
    segment = api.seeded.action_group
    api.do("programme", {"type": "open_segment", "segment_id": segment})
    api.do("floor", {"type": "grant"})
    api.do("speech", {"type": "start"})


def extend(api: Api, command_id: str) -> Any:
    """+10 s on the running speech, with ``command_id``: one new version when applied."""
    return api.post("speech", {"type": "extend", "command_id": command_id, "seconds": 10})


def assert_unavailable(response: Any, says: str) -> None:
    """A 503 a person can act on: nothing saved, why, and when to retry."""
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "DatabaseUnavailable"
    assert says in response.json()["detail"]
    assert "nothing was saved" in response.json()["detail"]
    assert int(response.headers["Retry-After"]) >= 1


def assert_applied_once(response: Any, duplicate: bool) -> int:
    """The answer of an applied ``extend`` (or of its retry): its version."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["events"] == ["SpeechExtended"]
    assert body["duplicate"] is duplicate
    version: int = body["version"]
    return version


def assert_nothing_acknowledged_lost(engine: Engine, room_id: int, acked: dict[str, int]) -> None:
    """Each command answered 200 is recorded at its version; the room holds one change each."""
    store = RoomStore(engine)
    for command_id, version in acked.items():
        found = store.find_ack(room_id, command_id)
        assert found is not None, command_id
        assert found.version == version
    _, version = store.load(room_id)
    assert version == max(acked.values())
    with Session(engine) as session:
        changes = session.exec(
            select(RoomEvent.version).where(RoomEvent.room_id == room_id).distinct()
        ).all()
        records = session.exec(
            select(col(CommandRecord.command_id)).where(CommandRecord.room_id == room_id)
        ).all()
    assert sorted(changes) == list(range(1, version + 1))  # no version skipped, none twice
    assert set(acked) <= set(records)


def the_database_answers(engine: Engine) -> bool:
    with engine.connect() as connection:
        return connection.execute(text("SELECT 1")).scalar() == 1
