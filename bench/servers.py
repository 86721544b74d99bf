"""The servers the benchmark measures, each in its own process.

``Floorkeeper`` is the real service started as ``make run`` starts it
(``python -m app.cli serve``: uvicorn with ``app.live.frames``'s protocol, no
deflate, one process, SQLite), on a fresh database. ``Bare`` is
``bench/bare.py``, the issue's baseline; ``Floor`` is ``bench/floor.py``, the
baseline plus the least a command over HTTP saved before its answer costs.
All give the driver the same things: a live URL for the receivers, a way to
send one command and learn the version it produced, and the server's process
for its CPU time and resident memory.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
import psutil  # type: ignore[import-untyped]  # no stubs in the test extras
from sqlmodel import Session, col, select
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect

from app.access.credentials import recorded_token
from app.access.roles import Principal, Role
from app.config import DEMO_PROGRAMME
from app.db.engine import make_engine
from app.db.migrations import migrate
from app.db.models import Room, Segment

ROOT = Path(__file__).resolve().parents[1]
SECRET = "fan-out-benchmark-secret-0123456789"


class Refused(Exception):
    """The server refused a command (its answer is in the message)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def wait_until_up(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    """A guard, not a measurement: fail fast if the server never listens."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the server did not listen within 60 s: {log.read_text()[-2000:]}")


@contextmanager
def serving(
    argv: list[str], port: int, log: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """``argv`` in a process of its own (output to ``log``), once it listens on ``port``.

    Stopped (SIGTERM, then waited for) when the block ends.
    """
    with log.open("ab") as output:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_until_up(port, process, log)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


class Server(Protocol):
    name: str
    process: subprocess.Popen[bytes]  # the one the commands go to
    live_url: str
    log: Path  # the process's output, where its garbage-collection pauses are logged

    @property
    def processes(self) -> Sequence[subprocess.Popen[bytes]]:
        """Every process of the server, for its CPU time (several: ``bench/scaleout.py``)."""
        ...

    @property
    def logs(self) -> Sequence[Path]: ...

    async def open(self) -> None: ...

    async def send(self, index: int, rate_test: bool, size: int) -> int: ...

    async def close(self) -> None: ...


@dataclass
class Meeting:
    room_id: int
    segment_id: int
    source: str  # which meeting the server runs


def _seed(database_url: str) -> Meeting:
    """A fresh database with the test meeting (tests/builders.py), scheduled now."""
    from tests.builders import seed_meeting

    migrate(database_url)
    engine = make_engine(database_url)
    seeded = seed_meeting(engine, start=time.time())
    engine.dispose()
    return Meeting(seeded.rooms[0], seeded.action_group, "tests/builders.seed_meeting")


def _first_segment(database_url: str) -> Meeting:
    """The demo meeting, as ``floorkeeper serve`` loaded it: its earliest segment."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        segment = session.exec(select(Segment).order_by(col(Segment.scheduled_start))).first()
        room = session.get(Room, segment.room_id) if segment is not None else None
    engine.dispose()
    if segment is None or room is None or segment.id is None or room.id is None:
        raise RuntimeError("the demo meeting has no segment")
    return Meeting(room.id, segment.id, f"demo programme {DEMO_PROGRAMME.name}")


class Floorkeeper:
    """``floorkeeper serve`` on a fresh SQLite database in ``directory``.

    Or on ``database_url`` (PostgreSQL, for ``--processes``), with ``env``
    added to its environment (``REDIS_URL``); given a ``meeting``, the
    database is already seeded (another process of the same service did it).
    """

    name = "floorkeeper"

    def __init__(
        self,
        directory: Path,
        use_demo: bool,
        allowed_origins: Sequence[str] = (),
        *,
        database_url: str | None = None,
        env: dict[str, str] | None = None,
        meeting: Meeting | None = None,
        label: str = "server",
        socket_commands: bool = False,
    ) -> None:
        self.directory = directory
        # The clock's commands on the moderator's live socket, as the console sends them
        # (docs/protocol.md "command"), instead of over HTTP.
        self.socket_commands = socket_commands
        self._socket: ClientConnection | None = None
        self._acks: dict[str, asyncio.Future[int]] = {}
        self._reader: asyncio.Task[None] | None = None
        self.port = free_port()
        self.allowed_origins = tuple(allowed_origins)  # pages reached through a proxy
        self.database_url = database_url or f"sqlite:///{directory / 'floorkeeper.db'}"
        self.use_demo = use_demo and DEMO_PROGRAMME.exists()
        self.meeting: Meeting | None = meeting
        self.env = dict(env or {})
        self.log = directory / f"{label}.log"
        self._http: httpx.AsyncClient | None = None

    @property
    def processes(self) -> Sequence[subprocess.Popen[bytes]]:
        return [self.process]

    @property
    def logs(self) -> Sequence[Path]:
        return [self.log]

    @contextmanager
    def running(self) -> Iterator[Floorkeeper]:
        if not self.use_demo and self.meeting is None:
            self.meeting = _seed(self.database_url)
        env = {
            **os.environ,
            **self.env,
            "DATABASE_URL": self.database_url,
            "PORT": str(self.port),
            "FLOORKEEPER_SECRET_KEY": SECRET,
        }
        if self.allowed_origins:  # the live channel refuses any other origin (issue 13, 8)
            origins = [f"http://127.0.0.1:{self.port}", *self.allowed_origins]
            env["FLOORKEEPER_ALLOWED_ORIGINS"] = ",".join(origins)
        argv = [sys.executable, "-m", "app.cli", "serve"]
        if not self.use_demo:
            argv.append("--no-demo")
            env["FLOORKEEPER_DEMO_PROGRAMME"] = ""
        with serving(argv, self.port, self.log, env) as self.process:
            if self.meeting is None:
                self.meeting = _first_segment(self.database_url)
            room = self.meeting.room_id
            display = self.token(Principal(Role.DISPLAY, room_id=room))
            self.moderator = self.token(Principal(Role.MODERATOR, room_id=room))
            self.live_url = self._live(display)
            yield self

    def _live(self, token: str) -> str:
        """The room's live socket for ``token`` (a display's for the screens, the moderator's)."""
        assert self.meeting is not None
        return f"ws://127.0.0.1:{self.port}/api/rooms/{self.meeting.room_id}/live?token={token}"

    def token(self, principal: Principal) -> str:
        """A credential recorded in the server's database (it reads the row on first use)."""
        return recorded_token(self.database_url, SECRET, principal, "benchmark")

    async def open(self) -> None:
        """Open the segment, give the floor to its first speaker and start the clock."""
        assert self.meeting is not None
        self._http = _client(
            f"http://127.0.0.1:{self.port}/api/rooms/{self.meeting.room_id}",
            {"Authorization": f"Bearer {self.moderator}"},
        )
        open_segment = {"type": "open_segment", "segment_id": self.meeting.segment_id}
        await self._post("programme", "open", open_segment)
        await self._post("floor", "grant", {"type": "grant"})
        await self._post("speech", "start", {"type": "start"})
        if self.socket_commands:
            live = self._live(self.moderator)
            self._socket = await ws_connect(live, compression=None, max_queue=None)
            self._reader = asyncio.create_task(self._read_acks())

    async def _read_acks(self) -> None:
        """The moderator socket's answers, to the command each names (the rest is the room)."""
        assert self._socket is not None
        async for text in self._socket:
            if '"command_id"' not in text[:200]:
                continue
            message = json.loads(text)
            answer = self._acks.pop(message.get("command_id"), None)
            if answer is None or answer.done():
                continue
            if message["type"] == "ack":
                answer.set_result(int(message["ack"]["version"]))
            else:
                answer.set_exception(Refused(f"speech: {message['status']} {message['detail']}"))

    @property
    def http(self) -> httpx.AsyncClient:
        """The moderator's HTTP client of the room, once ``open`` has run."""
        assert self._http is not None
        return self._http

    async def send(self, index: int, rate_test: bool, size: int) -> int:
        """Command ``index``: pause, resume, extend in turn; extends only in a rate test.

        An extension is valid in every state of the speech (T6), so rate-test
        commands may overlap without one being refused for coming early.
        """
        kind = "extend" if rate_test else ("pause", "resume", "extend")[index % 3]
        body: dict[str, Any] = {"type": kind}
        if kind == "extend":
            body["seconds"] = 1
        if self._socket is None:
            return await self._post("speech", f"{kind}-{index}", body)
        body["command_id"] = f"bench-{kind}-{index}-{time.time_ns()}"
        answer: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._acks[body["command_id"]] = answer
        await self._socket.send(json.dumps({"type": "command", "kind": "speech", "body": body}))
        return await answer

    async def _post(self, path: str, name: str, body: dict[str, Any]) -> int:
        assert self._http is not None
        body["command_id"] = f"bench-{name}-{time.time_ns()}"
        return await _command(self._http, f"/{path}", body, f"{path} {body['type']}")

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self._socket is not None:
            await self._socket.close()
        if self._http is not None:
            await self._http.aclose()


def _client(base_url: str, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    """The driver's HTTP client of a server: enough connections for a rate test's commands."""
    return httpx.AsyncClient(
        base_url=base_url,
        headers=headers,
        limits=httpx.Limits(max_connections=256, max_keepalive_connections=256),
        timeout=60,
    )


async def _command(http: httpx.AsyncClient, path: str, body: dict[str, Any], what: str) -> int:
    """POST one command (``body`` carries its command id); the version it produced."""
    for attempt in range(3):
        try:
            response = await http.post(path, json=body)
            break
        except (httpx.ReadError, httpx.RemoteProtocolError):
            # A keep-alive connection the server closed as it was reused: send again,
            # with the same command id, as a console on a flaky network does (T6).
            if attempt == 2:
                raise
    if response.status_code != 200:
        raise Refused(f"{what}: {response.status_code} {response.text}")
    version: int = response.json()["version"]
    return version


class Bare:
    """``bench/bare.py``: ``websockets.broadcast`` of a message of the size asked."""

    name = "bare"

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.log = directory / "bare.log"
        self.live_url = f"ws://127.0.0.1:{self.port}/live"
        self._control: ClientConnection | None = None
        self._version = 0
        self._answers: dict[int, asyncio.Future[None]] = {}
        self._reader: asyncio.Task[None] | None = None

    @property
    def processes(self) -> Sequence[subprocess.Popen[bytes]]:
        return [self.process]

    @property
    def logs(self) -> Sequence[Path]:
        return [self.log]

    @contextmanager
    def running(self) -> Iterator[Bare]:
        argv = [sys.executable, "-m", "bench.bare", str(self.port)]
        with serving(argv, self.port, self.log) as self.process:
            yield self

    async def open(self) -> None:
        self._control = await ws_connect(
            f"ws://127.0.0.1:{self.port}/control", compression=None, max_queue=None
        )
        self._reader = asyncio.create_task(self._read_answers())

    async def _read_answers(self) -> None:
        assert self._control is not None
        async for message in self._control:
            version = int(str(message).split()[1])
            answer = self._answers.pop(version, None)
            if answer is not None and not answer.done():
                answer.set_result(None)

    async def send(self, index: int, rate_test: bool, size: int) -> int:
        assert self._control is not None
        self._version += 1
        version = self._version
        answer = asyncio.get_running_loop().create_future()
        self._answers[version] = answer
        await self._control.send(json.dumps({"version": version, "size": size}))
        await answer
        return version

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self._control is not None:
            await self._control.close()


class Floor:
    """``bench/floor.py``: a command over FastAPI, saved to SQLite, then ``websockets.broadcast``.

    Its commands carry the version and size the bare server's do, so both
    broadcast the same messages; each has its own command id.
    """

    name = "floor"

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.ws_port = free_port()
        self.database = directory / "floor.db"
        self.log = directory / "floor.log"
        self.live_url = f"ws://127.0.0.1:{self.ws_port}/live"
        self._version = 0
        self._http: httpx.AsyncClient | None = None

    @property
    def processes(self) -> Sequence[subprocess.Popen[bytes]]:
        return [self.process]

    @property
    def logs(self) -> Sequence[Path]:
        return [self.log]

    @contextmanager
    def running(self) -> Iterator[Floor]:
        argv = [sys.executable, "-m", "bench.floor", str(self.port), str(self.ws_port)]
        with serving([*argv, str(self.database)], self.port, self.log) as self.process:
            yield self

    async def open(self) -> None:
        self._http = _client(f"http://127.0.0.1:{self.port}")

    async def send(self, index: int, rate_test: bool, size: int) -> int:
        assert self._http is not None
        self._version += 1
        body = {"command_id": f"floor-{index}-{time.time_ns()}", "version": self._version}
        return await _command(self._http, "/command", {**body, "size": size}, "floor command")

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
