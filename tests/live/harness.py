"""The real app behind a real uvicorn, in a thread, and clients of its live channel.

``serving`` seeds a SQLite database with ``tests.builders.seed_meeting``,
builds ``create_app`` with an injected clock (a ``FakeClock`` unless a test
needs real intervals) and serves it on a free port of 127.0.0.1 the way
``floorkeeper serve`` does (``app.live.frames:FramedWebSocketProtocol``, so caught-up
screens get the hub's direct writes). Tests talk to it over HTTP (httpx) and
websockets (the ``websockets`` client), and look inside the running server
only through ``LiveServer.on_server``, which runs a function on the server's
own event loop.

Every wait here is a guard: it fails the test with a message instead of
hanging, and no test depends on how fast the machine is.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

import httpx
import jsonschema
import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect

from app.access.roles import Principal, Role
from app.config import Environment, Settings
from app.db.engine import make_engine
from app.db.migrations import migrate
from app.live import protocol
from app.main import create_app
from app.room.runner import RoomRunner
from tests.api_client import bearer
from tests.builders import Seeded, seed_meeting
from tests.fakes import FakeClock
from tests.plans import START

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "docs" / "protocol.schema.json"
GUARD = 60.0  # seconds: a wait longer than this is a failure, not slowness

T = TypeVar("T")
Json = dict[str, Any]


def schema() -> Json:
    loaded: Json = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


def validator(definition: str = "server_message") -> jsonschema.Draft202012Validator:
    """A validator for one of the schema's ``$defs`` (the whole file is its registry)."""
    document = schema()
    jsonschema.Draft202012Validator.check_schema(document)
    return jsonschema.Draft202012Validator(
        {"$ref": f"#/$defs/{definition}", "$defs": document["$defs"]}
    )


@dataclass
class LiveServer:
    base: str
    app: FastAPI
    clock: Callable[[], float]
    seeded: Seeded
    loop: asyncio.AbstractEventLoop
    database_url: str = ""

    @property
    def room_id(self) -> int:
        return self.seeded.rooms[0]

    def token(self, role: Role, room: int | None = None, delegation: str | None = None) -> str:
        principal = Principal(role, room_id=room, delegation=delegation)
        issued = self.app.state.services.credentials.issue(principal, f"tests: {role.value}")
        token: str = issued.token
        return token

    def tokens(self) -> dict[Role, str]:
        """One token per kind of screen of the first room."""
        room = self.room_id
        return {
            Role.MODERATOR: self.token(Role.MODERATOR, room=room),
            Role.DELEGATE: self.token(Role.DELEGATE, delegation="MEX"),
            Role.DISPLAY: self.token(Role.DISPLAY, room=room),
        }

    def live_url(self, token: str, since: int | None = None, room: int | None = None) -> str:
        query: dict[str, str | int] = {"token": token}
        if since is not None:
            query["since"] = since
        ws_base = self.base.replace("http://", "ws://")
        return f"{ws_base}/api/rooms/{room or self.room_id}/live?{urlencode(query)}"

    def runner(self, room: int | None = None) -> RoomRunner:
        runner: RoomRunner = self.app.state.services.rooms[room or self.room_id]
        return runner

    def on_server(self, function: Callable[[], T]) -> T:
        """``function()`` run on the server's event loop (its objects are not thread-safe)."""
        done: Future[T] = Future()

        def call() -> None:
            try:
                done.set_result(function())
            except BaseException as error:  # handed back to the test thread
                done.set_exception(error)

        self.loop.call_soon_threadsafe(call)
        return done.result(timeout=GUARD)


def _listening_socket(send_buffer: int | None) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if send_buffer is not None:  # accepted sockets inherit it (Linux): a small kernel buffer
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def serving(
    directory: Path,
    clock: Callable[[], float] | None = None,
    send_buffer: int | None = None,
    database_url: str | None = None,
    **settings: Any,
) -> Iterator[LiveServer]:
    """Seed, build and serve the app until the block ends (on SQLite in ``directory``,
    unless ``database_url`` names another empty database)."""
    url = database_url or f"sqlite:///{directory / 'live.db'}"
    migrate(url)
    engine = make_engine(url)
    seeded = seed_meeting(engine)
    engine.dispose()
    now = clock or FakeClock(START)
    app = create_app(
        Settings(environment=Environment.TEST, database_url=url, secret_key="s" * 32, **settings),
        now=now,
    )
    sock = _listening_socket(send_buffer)
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            log_level="warning",
            ws="app.live.frames:FramedWebSocketProtocol",
            ws_per_message_deflate=True,  # offered: clients that decline it get direct writes
            timeout_graceful_shutdown=5,
            ws_ping_interval=None,  # uvicorn's own pings: a stalled test client ignores them
        )
    )
    loops: list[asyncio.AbstractEventLoop] = []

    async def serve() -> None:
        loops.append(asyncio.get_running_loop())
        await server.serve(sockets=[sock])

    thread = threading.Thread(target=asyncio.run, args=(serve(),), name="live-server")
    thread.start()
    try:
        deadline = time.monotonic() + GUARD
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        yield LiveServer(f"http://127.0.0.1:{port}", app, now, seeded, loops[0], url)
    finally:
        server.should_exit = True
        thread.join(GUARD)
        sock.close()


# -- clients ------------------------------------------------------------------------


@dataclass
class Folded:
    """Messages folded into the room, as a page does (room.js ``receive``)."""

    messages: list[Json] = field(default_factory=list)
    room: Json | None = None
    version: int | None = None
    versions: list[int] = field(default_factory=list)  # of the changes applied, in order
    snapshots: int = 0

    def fold(self, message: Json) -> None:
        self.messages.append(message)
        kind = message["type"]
        if kind == "snapshot":
            self.snapshots += 1
            self.room, self.version = message["room"], message["version"]
        elif kind == "resumed":  # the page's copy at that version holds (JS: version = ...)
            assert self.version is not None
            assert message["version"] <= self.version
            self.version = message["version"]
        elif kind == "change":
            assert self.room is not None
            assert self.version is not None
            assert message["version"] == self.version + 1, (
                f"version {message['version']} after {self.version}"
            )
            self.room = protocol.merge(self.room, message["room"])
            self.version = message["version"]
            self.versions.append(message["version"])


@dataclass
class Screen(Folded):
    """A live client (the ``websockets`` library) that keeps and folds every message."""

    socket: ClientConnection | None = None

    async def next(self) -> Json:
        assert self.socket is not None
        text = await asyncio.wait_for(self.socket.recv(), GUARD)
        assert isinstance(text, str)
        message: Json = json.loads(text)
        self.fold(message)
        return message

    async def until(self, predicate: Callable[[Json], bool]) -> Json:
        """Read until a message matches (guarded)."""
        while True:
            message = await self.next()
            if predicate(message):
                return message

    async def until_closed(self) -> None:
        """Read every message until the server closes (raises ``ConnectionClosed``)."""
        while True:
            await self.next()

    async def until_version(self, version: int) -> None:
        while self.version is None or self.version < version:
            await self.next()

    async def send(self, message: Json) -> None:
        assert self.socket is not None
        await self.socket.send(json.dumps(message))

    async def close(self) -> None:
        assert self.socket is not None
        await self.socket.close()


async def open_screen(url: str, deflate: bool = False, held: Screen | None = None) -> Screen:
    """Connect (``held``: a page reconnecting with the room it already holds)."""
    socket = await asyncio.wait_for(
        connect(
            url, compression="deflate" if deflate else None, max_queue=None, open_timeout=GUARD
        ),
        GUARD,
    )
    if held is None:
        return Screen(socket=socket)
    return Screen(socket=socket, room=held.room, version=held.version)


class AsyncModerator:
    """Commands over HTTP, each with its own command id, as the console sends them.

    The asyncio twin of ``tests.web.screens.Moderator``: it shares the event loop
    with the screens' sockets and keeps the version of every acknowledgement.
    """

    def __init__(self, server: LiveServer, http: httpx.AsyncClient) -> None:
        self.server = server
        self.http = http
        self.headers = bearer(server.tokens()[Role.MODERATOR])
        self.sent = 0
        self.versions: list[int] = []

    async def command(self, route: str, body: Json, headers: dict[str, str] | None = None) -> Json:
        self.sent += 1
        response = await self.http.post(
            f"{self.server.base}/api/rooms/{self.server.room_id}/{route}",
            json={"command_id": f"live-{self.sent:05d}", **body},
            headers=headers or self.headers,
            timeout=GUARD,
        )
        assert response.status_code == 200, response.text
        ack: Json = response.json()
        self.versions.append(ack["version"])
        return ack

    async def open_and_start(self) -> None:
        """Open the action group, give the floor to its first speaker, start the clock."""
        await self.command(
            "programme", {"type": "open_segment", "segment_id": self.server.seeded.action_group}
        )
        await self.command("floor", {"type": "grant"})
        await self.command("speech", {"type": "start"})

    async def clock_command(self, index: int) -> Json:
        """One of a cycle that is valid forever: pause, extend, resume, extend."""
        cycle: list[Json] = [
            {"type": "pause"},
            {"type": "extend", "seconds": 5},
            {"type": "resume"},
            {"type": "extend", "seconds": 5},
        ]
        return await self.command("speech", cycle[index % 4])

    async def clock_commands(self, count: int) -> None:
        """``count`` clock commands of the cycle, one after the other."""
        for index in range(count):
            await self.clock_command(index)


class StalledScreen:
    """A raw websocket client that reads its snapshot and then stops reading.

    Its small receive buffer (``SO_RCVBUF``) makes the server's socket back up
    soon, as a phone that walked out of Wi-Fi range does. ``drain`` reads on
    later, folding what arrives.
    """

    def __init__(self, url: str, receive_buffer: int = 4096) -> None:
        parts = urlsplit(url)
        assert parts.hostname is not None
        assert parts.port is not None
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(GUARD)
        self.sock.connect((parts.hostname, parts.port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        self._buffer = b""
        while b"\r\n\r\n" not in self._buffer:
            self._buffer += self._recv()
        head, _, self._buffer = self._buffer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head
        self.folded = Folded()
        self.folded.fold(self.read_message())

    def _recv(self) -> bytes:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("the server closed the connection")
        return data

    def _take(self, size: int) -> bytes:
        while len(self._buffer) < size:
            self._buffer += self._recv()
        taken, self._buffer = self._buffer[:size], self._buffer[size:]
        return taken

    def read_message(self) -> Json:
        """The next text message (server frames are unmasked; no fragments are sent)."""
        while True:
            first, second = self._take(2)
            size = second & 0x7F
            if size == 126:
                (size,) = struct.unpack("!H", self._take(2))
            elif size == 127:
                (size,) = struct.unpack("!Q", self._take(8))
            payload = self._take(size)
            opcode = first & 0x0F
            if opcode == 0x8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                raise ConnectionError(f"closed by the server: {code} {payload[2:]!r}")
            if opcode == 0x1:
                assert first & 0x80, "a fragmented message"
                message: Json = json.loads(payload)
                return message

    def drain(self, version: int) -> Folded:
        """Read on until the room it holds is at ``version``."""
        while self.folded.version is None or self.folded.version < version:
            self.folded.fold(self.read_message())
        return self.folded

    def close(self) -> None:
        self.sock.close()
