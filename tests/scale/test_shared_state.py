"""Two processes of the service on one database and one Redis: what one does, the other knows.

Issue 17 (scale-out): shared state that is not in a room. Two apps (two
``create_app``, each with its lifespan running, as two workers would) share
a fresh PostgreSQL database and one Redis prefix:

* a meeting imported on A runs on B at once (its announcement on the relay):
  a command on B works, and each process's screens get the other's changes;
* a room whose announcement B missed starts on B's first request for it;
* a credential issued on A is accepted on B without a restart, and its
  revocation on A closes its socket on B and is refused on both;
* floor requests are counted across A and B (one limit for both).

Waits are polls with a deadline (the relay is asynchronous), never sleeps
that a passing test needs; screens get heartbeats every half second, so
reading one never blocks past its deadline.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from app.access.roles import Principal, Role
from app.config import DEMO_PROGRAMME, Environment, Settings
from app.db.engine import make_engine
from app.db.migrations import migrate
from app.main import create_app
from app.meeting import parse_programme
from app.meeting.registration import import_meeting
from app.services import Services
from tests.api_client import SECRET, bearer
from tests.conftest import missing_service
from tests.db.postgres import fresh_database, require_postgres
from tests.fakes import FakeClock
from tests.plans import START

REDIS_URL = "redis://127.0.0.1:6379/0"
DELEGATIONS = Path(DEMO_PROGRAMME).parent / "delegations-gcm-2017.csv"
#: A guard that fails a broken test quickly; a passing one is done in well under it.
DEADLINE = 10.0


def _until(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"not in time: {what}"
        time.sleep(0.02)


@dataclass
class Cluster:
    """Two processes of one service (A imported the meeting) and the administrator's header."""

    a: TestClient
    b: TestClient
    admin: dict[str, str]
    meeting: int
    rooms: list[int]
    database_url: str

    def services(self, client: TestClient) -> Services:
        services: Services = client.app.state.services  # type: ignore[attr-defined]
        return services

    def issue(self, client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
        """A credential issued over HTTP on ``client``'s process, as the secretariat does."""
        answer = client.post("/api/credentials", json=body, headers=self.admin)
        assert answer.status_code == 201, answer.text
        issued: dict[str, Any] = answer.json()
        return issued

    def segment(self, room: int) -> int:
        """A segment of ``room``, as B's secretariat overview lists it."""
        answer = self.b.get(f"/api/secretariat/meetings/{self.meeting}", headers=self.admin)
        assert answer.status_code == 200, answer.text
        segments = [s for d in answer.json()["days"] for s in d["segments"] if s["room_id"] == room]
        first: int = segments[0]["id"]
        return first


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """A fresh PostgreSQL database for this module, migrated, dropped at the end."""
    require_postgres()
    with fresh_database(prefix="fk_shared") as url:
        migrate(url)
        yield url


@pytest.fixture(scope="module")
def redis_prefix() -> Iterator[str]:
    """A Redis prefix of this module's own, its keys deleted at the end."""
    from redis import Redis

    client = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except OSError as error:
        client.close()
        missing_service(f"Redis at 127.0.0.1:6379: {error}")
    prefix = f"test-shared-{uuid.uuid4().hex}:"
    try:
        yield prefix
    finally:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture(scope="module")
def cluster(database: str, redis_prefix: str) -> Iterator[Cluster]:
    settings = Settings(
        environment=Environment.TEST,
        database_url=database,
        secret_key=SECRET,
        redis_url=REDIS_URL,
        redis_prefix=redis_prefix,
        live_heartbeat_seconds=0.5,
    )
    clock = FakeClock(START)  # one clock for both, as one machine's wall clock
    with (
        TestClient(create_app(settings, now=clock)) as a,
        TestClient(create_app(settings, now=clock)) as b,
    ):
        for client in (a, b):
            relay = client.app.state.services.relay  # type: ignore[attr-defined]
            _until(relay.connected.is_set, "the relay connected to Redis")
        # the administrator's token, recorded by A (B reads its row on first use)
        registry = a.app.state.services.credentials  # type: ignore[attr-defined]
        admin = bearer(registry.issue(Principal(Role.SECRETARIAT), "tests: admin").token)
        created = a.post(
            "/api/meetings",
            content=DEMO_PROGRAMME.read_text(encoding="utf-8").encode(),
            headers={**admin, "Content-Type": "application/yaml"},
        )
        assert created.status_code == 201, created.text
        meeting = created.json()
        delegations = a.post(
            f"/api/meetings/{meeting['id']}/delegations",
            content=DELEGATIONS.read_bytes(),
            headers={**admin, "Content-Type": "text/csv"},
        )
        assert delegations.status_code == 200, delegations.text
        rooms = [room["id"] for room in meeting["rooms"]]
        yield Cluster(a, b, admin, meeting["id"], rooms, database)


def _next_change(socket: WebSocketTestSession, version: int) -> dict[str, Any]:
    """The screen's first change past ``version`` (heartbeats skipped), within the deadline."""
    deadline = time.monotonic() + DEADLINE
    while True:
        message: dict[str, Any] = socket.receive_json()
        if message["type"] == "change" and message["version"] > version:
            return message
        assert time.monotonic() < deadline, f"no change past version {version} in time"


def _close_code(socket: WebSocketTestSession) -> int:
    """The code the server closes the screen with (heartbeats skipped), within the deadline."""
    deadline = time.monotonic() + DEADLINE
    while True:
        try:
            socket.receive_json()
        except WebSocketDisconnect as closed:
            return closed.code
        assert time.monotonic() < deadline, "the socket was not closed in time"


def _snapshot(socket: WebSocketTestSession) -> int:
    message = socket.receive_json()
    assert message["type"] == "snapshot"
    version: int = message["version"]
    return version


def test_a_meeting_imported_on_one_process_runs_on_the_other_both_ways(cluster: Cluster) -> None:
    a, b = cluster.services(cluster.a), cluster.services(cluster.b)
    room = cluster.rooms[0]
    _until(lambda: set(cluster.rooms) <= set(b.rooms), "B started the announced rooms")
    assert {b.meeting_map.rooms[r] for r in cluster.rooms} == {cluster.meeting}
    assert b.rooms[room].relay is not None  # a room started at runtime publishes too
    assert a.rooms[room].relay is not None
    moderator = bearer(cluster.issue(cluster.a, {"role": "moderator", "room_id": room})["token"])
    display = cluster.issue(cluster.a, {"role": "display", "room_id": room})["token"]
    live = f"/api/rooms/{room}/live?token={display}"
    segment = cluster.segment(room)
    with cluster.a.websocket_connect(live) as on_a, cluster.b.websocket_connect(live) as on_b:
        version = _snapshot(on_a)
        assert _snapshot(on_b) == version
        opened = cluster.a.post(
            f"/api/rooms/{room}/programme",
            json={"command_id": "shared-open-0001", "type": "open_segment", "segment_id": segment},
            headers=moderator,
        )
        assert opened.status_code == 200, opened.text
        assert _next_change(on_b, version)["version"] == version + 1  # A's change, on B's screen
        assert _next_change(on_a, version)["version"] == version + 1
        closed = cluster.b.post(
            f"/api/rooms/{room}/programme",
            json={"command_id": "shared-close-001", "type": "close_segment"},
            headers=moderator,
        )
        assert closed.status_code == 200, closed.text  # a command on B, in A's meeting
        assert _next_change(on_a, version + 1)["version"] == version + 2  # B's, on A's screen
        assert _next_change(on_b, version + 1)["version"] == version + 2


def test_a_room_whose_announcement_was_missed_starts_on_its_first_request(
    cluster: Cluster,
) -> None:
    text = DEMO_PROGRAMME.read_text(encoding="utf-8").replace("key: gcm-2017", "key: gcm-copy", 1)
    engine = make_engine(cluster.database_url)
    try:
        with Session(engine) as session:  # as `floorkeeper import` would: no announcement
            _, rooms, _ = import_meeting(session, parse_programme(text, "copy.yaml"))
            session.commit()
            room = rooms[0].id
    finally:
        engine.dispose()
    assert room is not None
    b = cluster.services(cluster.b)
    assert room not in b.rooms
    seen = cluster.b.get(f"/api/rooms/{room}", headers=cluster.admin)
    assert seen.status_code == 200, seen.text
    assert room in b.rooms  # started, and kept: the next request finds it in memory
    assert b.rooms[room].relay is not None
    missing = cluster.b.get(f"/api/rooms/{room + 1000}", headers=cluster.admin)
    assert missing.status_code == 404
    assert missing.json()["code"] == "room.not_found"


def test_a_credential_issued_on_one_process_works_on_the_other_until_revoked_there(
    cluster: Cluster,
) -> None:
    room = cluster.rooms[0]
    issued = cluster.issue(cluster.a, {"role": "display", "room_id": room, "label": "hall"})
    b = cluster.services(cluster.b)
    assert b.credentials.unseen(issued["id"])  # issued on A: B has never heard of it
    headers = bearer(issued["token"])
    assert cluster.b.get(f"/api/rooms/{room}", headers=headers).status_code == 200
    with cluster.b.websocket_connect(f"/api/rooms/{room}/live?token={issued['token']}") as on_b:
        _snapshot(on_b)
        revoked = cluster.a.post(f"/api/credentials/{issued['id']}/revoke", headers=cluster.admin)
        assert revoked.status_code == 200, revoked.text
        assert _close_code(on_b) == 4403
    for client in (cluster.a, cluster.b):
        refused = client.get(f"/api/rooms/{room}", headers=headers)
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "token.revoked"


def test_floor_requests_are_counted_across_processes(cluster: Cluster) -> None:
    room = cluster.rooms[0]
    delegate = bearer(cluster.issue(cluster.a, {"role": "delegate", "delegation": "MEX"})["token"])
    answers = []
    for n in range(11):  # the limit is ten a minute (FLOOR_REQUESTS), alternately on A and B
        client = cluster.a if n % 2 == 0 else cluster.b
        answer = client.post(
            f"/api/rooms/{room}/requests",
            json={"command_id": f"shared-req-{n:04d}", "type": "request", "delegation": "MEX"},
            headers=delegate,
        )
        answers.append(answer.status_code)
    assert 429 not in answers[:10], answers  # six on A, five on B: neither alone is over ten
    assert answers[10] == 429
    again = cluster.b.post(
        f"/api/rooms/{room}/requests",
        json={"command_id": "shared-req-0011", "type": "request", "delegation": "MEX"},
        headers=delegate,
    )
    assert again.status_code == 429
    assert int(again.headers["Retry-After"]) >= 1
