"""Three ``floorkeeper serve`` processes behind nginx, on real PostgreSQL and Redis (issue 17).

Theory of operation
-------------------
``Cluster`` starts, from processes, the topology of ``deploy/compose.yaml``
(this machine has no container engine):

* a fresh database ``fk_cluster_<hex>`` on the shared PostgreSQL, made
  ready by the command line as an operator would: ``floorkeeper migrate``,
  ``import`` of the demo programme, and ``rehearse --day 1`` so that its
  first segment starts now (the seeds' dates are past); dropped at the end;
* Redis behind a ``TcpProxy`` (tests/tcp_proxy.py) that a test may cut, with
  a key prefix of its own;
* three ``floorkeeper serve`` processes, each on its own port, with the same
  ``DATABASE_URL``, ``REDIS_URL``, ``FLOORKEEPER_REDIS_PREFIX``,
  ``FLOORKEEPER_SECRET_KEY`` and ``FLOORKEEPER_ALLOWED_ORIGINS`` (nginx's
  origin), as compose.yaml sets them;
* nginx with ``deploy/nginx.conf`` rendered for them (``tests/scale/nginx.py``),
  run in the foreground under a temporary prefix on a free port.

A test knows which process a screen (``tests/scale/screens.py``) reached by
connecting it straight to that process's port; screens that reconnect after
a process died go through nginx, as a page does.

Every wait is a condition polled until a deadline (``GUARD``), never a fixed
sleep: these are real processes on a shared machine.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlmodel import Session, col, select

from app.access.credentials import recorded_token
from app.access.roles import Principal, Role
from app.db.engine import make_engine
from app.db.models import Meeting, Room, RoomEvent, RoomLease, Segment
from app.room.store import RoomStore
from tests.conftest import missing_service
from tests.db.postgres import fresh_database, require_postgres
from tests.scale.nginx import Nginx, binary_or_skip, start_nginx
from tests.scale.screens import GUARD, Json
from tests.tcp_proxy import TcpProxy
from tests.web.server import free_port

ROOT = Path(__file__).resolve().parents[2]
DEMO_PROGRAMME = ROOT / "app" / "meeting" / "data" / "gcm-2017.yaml"
SECRET = "cluster-tests-secret-0123456789abcdef"
REDIS = ("127.0.0.1", 6379)
START_GUARD = 60.0  # seconds: three processes starting at once on a loaded machine


#: The settings every process shares, here as in deploy/compose.yaml (test_compose.py checks).
SHARED_SETTINGS = (
    "DATABASE_URL",
    "REDIS_URL",
    "FLOORKEEPER_REDIS_PREFIX",
    "FLOORKEEPER_SECRET_KEY",
    "FLOORKEEPER_ENVIRONMENT",
    "FLOORKEEPER_ALLOWED_ORIGINS",
)
#: How each process is started: meetings are imported once, never by three processes at once.
SERVE = ("serve", "--no-demo")


def bearer(token: str) -> dict[str, str]:
    """The Authorization header of ``token`` (as tests/api_client.py, without its TestClient)."""
    return {"Authorization": f"Bearer {token}"}


def wait_for(condition: Callable[[], bool], what: str, seconds: float = GUARD) -> None:
    """``until`` for synchronous code (the fixture's start-up)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not in {seconds:.0f} s: {what}"
        time.sleep(0.05)


# -- the processes ------------------------------------------------------------------


@dataclass
class Backend:
    """One ``floorkeeper serve`` process on its own port."""

    name: str
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", *SERVE],
                cwd=ROOT,
                env={**self.env, "PORT": str(self.port)},
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def healthy(self) -> bool:
        if not self.alive:
            raise AssertionError(f"{self.name} exited: {self.log.read_text()[-3000:]}")
        try:
            return httpx.get(f"{self.base}/api/health", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no goodbye to its sockets or to Redis."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=GUARD)

    def stop(self) -> None:
        if self.alive:
            assert self.process is not None
            self.process.terminate()
            try:
                self.process.wait(timeout=GUARD)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=GUARD)

    def logged(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class Cluster:
    """The running topology, the demo's rehearsal loaded, and what a test needs to drive it."""

    database_url: str
    redis: TcpProxy
    prefix: str
    backends: list[Backend]
    nginx_port: int
    room_id: int
    segment_id: int
    sent: int = 0

    @property
    def nginx(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"

    @property
    def origin(self) -> str:
        """The public origin, as a browser loading the pages from nginx sends it."""
        return self.nginx

    def token(self, role: Role) -> str:
        """A recorded credential of the room (moderator, display) or of every meeting."""
        room = None if role is Role.SECRETARIAT else self.room_id
        return recorded_token(self.database_url, SECRET, Principal(role, room_id=room), "cluster")

    def revive(self) -> None:
        """Start every process that is not running, and wait until each is healthy."""
        for backend in self.backends:
            if not backend.alive:
                backend.start()
        for backend in self.backends:
            wait_for(backend.healthy, f"{backend.name} healthy", START_GUARD)

    async def command(
        self, http: httpx.AsyncClient, base: str, route: str, body: Json, headers: dict[str, str]
    ) -> Json:
        """One command through ``base`` (a process, or nginx), with a new command id: its ack."""
        self.sent += 1
        response = await http.post(
            f"{base}/api/rooms/{self.room_id}/{route}",
            json={"command_id": f"cluster-{uuid.uuid4().hex[:8]}-{self.sent}", **body},
            headers=headers,
            timeout=GUARD,
        )
        assert response.status_code == 200, response.text
        ack: Json = response.json()
        return ack

    def recorded(self) -> list[tuple[int, str]]:
        """The room's events in the database (the record): (version, type), in order."""
        engine = make_engine(self.database_url)
        try:
            with Session(engine) as session:
                rows = session.exec(
                    select(RoomEvent.version, RoomEvent.type)
                    .where(RoomEvent.room_id == self.room_id)
                    .order_by(col(RoomEvent.version), col(RoomEvent.seq))
                ).all()
            return [(version, kind) for version, kind in rows]
        finally:
            engine.dispose()

    def lease_holder(self) -> Backend | None:
        """The process holding the room's scheduler lease (``room_lease``), if one does now.

        A holder's name is ``host:pid:random`` (``app.room.lease.process_name``).
        """
        engine = make_engine(self.database_url)
        try:
            with Session(engine) as session:
                lease = session.get(RoomLease, self.room_id)
        finally:
            engine.dispose()
        if lease is None or lease.expires_at < time.time():
            return None
        pid = int(lease.holder.split(":")[1])
        return next((b for b in self.backends if b.alive and b.pid == pid), None)

    def acknowledged(self, command_id: str) -> int | None:
        """The version recorded for ``command_id``, if it was applied."""
        engine = make_engine(self.database_url)
        try:
            found = RoomStore(engine).find_ack(self.room_id, command_id)
        finally:
            engine.dispose()
        return None if found is None else found.version


#: ``floorkeeper`` sub-commands run one after the other in one interpreter (imports are slow
#: on a loaded machine): the command line's own ``main``, stopping at the first that fails.
RUN_COMMANDS = """
import sys
from app.cli.command import main
for line in sys.argv[1:]:
    status = main(line.split("\\t"))
    if status:
        sys.exit(status)
"""


def _cli(env: dict[str, str], *commands: list[str]) -> str:
    """Run ``floorkeeper`` ``commands`` as an operator would (``floorkeeper migrate`` …)."""
    done = subprocess.run(
        [sys.executable, "-c", RUN_COMMANDS, *("\t".join(command) for command in commands)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=START_GUARD,
        check=False,
    )
    assert done.returncode == 0, f"floorkeeper {commands}: {done.stdout}{done.stderr}"
    return done.stdout


def _rehearsal(database_url: str) -> tuple[int, int]:
    """The rehearsal's plenary and its first segment (the welcome ceremony, starting now)."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            copy = session.exec(select(Meeting).where(col(Meeting.rehearsal_of).is_not(None))).one()
            room = session.exec(
                select(Room).where(Room.meeting_id == copy.id, Room.key == "plenary")
            ).one()
            segment = session.exec(
                select(Segment).where(
                    Segment.meeting_id == copy.id, Segment.key == "welcome-ceremony"
                )
            ).one()
            assert room.id is not None
            assert segment.id is not None
            return room.id, segment.id
    finally:
        engine.dispose()


def _redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@dataclass
class _Database:
    url: str
    drop: Callable[[], None]


def _fresh_database() -> _Database:
    require_postgres()
    kept = ExitStack()
    url = kept.enter_context(fresh_database(prefix="fk_cluster"))
    return _Database(url, kept.close)


@contextmanager
def running_cluster(tmp: Path, processes: int = 3) -> Iterator[Cluster]:
    """The topology on a fresh database, Redis behind a proxy, ``processes`` backends, nginx."""
    binary = binary_or_skip()
    if not _redis_answers():
        missing_service(f"Redis at {REDIS[0]}:{REDIS[1]} does not answer")
    database = _fresh_database()
    redis = TcpProxy(REDIS)
    nginx: Nginx | None = None
    backends: list[Backend] = []
    try:
        nginx_port = free_port()
        prefix = f"fk-cluster-{uuid.uuid4().hex[:12]}:"
        shared = {  # what deploy/compose.yaml sets for its processes too (test_compose.py)
            "DATABASE_URL": database.url,
            "REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
            "FLOORKEEPER_REDIS_PREFIX": prefix,
            "FLOORKEEPER_SECRET_KEY": SECRET,
            "FLOORKEEPER_ENVIRONMENT": "production",
            "FLOORKEEPER_ALLOWED_ORIGINS": f"http://127.0.0.1:{nginx_port}",
        }
        assert set(shared) == set(SHARED_SETTINGS)
        env = {
            **os.environ,
            **shared,
            "FLOORKEEPER_HOST": "127.0.0.1",  # compose: 0.0.0.0, each process in its container
            "FLOORKEEPER_DEMO_PROGRAMME": "",
            # a test screen sends no pings: keep it open for the whole module
            "FLOORKEEPER_LIVE_SILENCE_SECONDS": "600",
        }
        _cli(env, ["migrate"], ["import", str(DEMO_PROGRAMME)], ["rehearse", "--day", "1"])
        room_id, segment_id = _rehearsal(database.url)
        backends = [
            Backend(f"process {n}", free_port(), env, tmp / f"process-{n}.log")
            for n in range(1, processes + 1)
        ]
        nginx = start_nginx(binary, tmp / "nginx", [b.port for b in backends], nginx_port)
        cluster = Cluster(database.url, redis, prefix, backends, nginx_port, room_id, segment_id)
        cluster.revive()
        wait_for(lambda: _through(cluster.nginx), "nginx serving", START_GUARD)
        yield cluster
    finally:
        for backend in backends:
            backend.stop()
        if nginx is not None:
            nginx.stop()
        redis.close()
        database.drop()


def _through(base: str) -> bool:
    try:
        return httpx.get(f"{base}/api/health", timeout=1).status_code == 200
    except httpx.TransportError:
        return False
