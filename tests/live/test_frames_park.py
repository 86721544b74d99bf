"""The protocol's parking (``app.live.frames``), driven byte by byte, without a network.

A ``FramedWebSocketProtocol`` is fed a client's handshake and frames, made
by the ``websockets`` library's Sans-I/O client, over a transport that only
records what is written. The ASGI app accepts, lets the test choose when it
parks, and returns, as the live route does. Nothing here waits on a clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn
from uvicorn.server import ServerState
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.uri import parse_uri

from app.live.frames import EXTENSION, FramedWebSocketProtocol, FrameSink, text_frame
from app.live.serving import uvicorn_options


class Transport(asyncio.Transport):
    """Records writes; says whether it was closed or paused."""

    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.closed = False
        self.reading = True

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_write_buffer_size(self) -> int:
        return 0

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(
            name, default
        )


class Recording:
    """A listener that keeps what it was called with."""

    def __init__(self) -> None:
        self.messages: list[str | None] = []
        self.ended = 0

    def heard(self, text: str | None) -> None:
        self.messages.append(text)

    def gone(self) -> None:
        self.ended += 1


class Connection:
    """One protocol, its transport, a client, and the app's sink once it accepted."""

    def __init__(self, park_when: Callable[[], Awaitable[object]], park: bool = True) -> None:
        self.sink: FrameSink | None = None
        self.listener = Recording()

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            assert (await receive())["type"] == "websocket.connect"
            await send({"type": "websocket.accept"})
            self.sink = scope["extensions"][EXTENSION]["sink"]
            await park_when()
            if park:
                self.sink.park(self.listener)

        options = uvicorn_options(ws_ping_interval=None, log_level="warning")
        config = uvicorn.Config(app, **options)
        config.load()
        self.protocol = FramedWebSocketProtocol(config, ServerState(), app_state={})
        self.transport = Transport()
        self.protocol.connection_made(self.transport)
        self.client = ClientProtocol(parse_uri("ws://127.0.0.1:8000/live"))
        self.client.send_request(self.client.connect())
        self.feed()

    def feed(self) -> None:
        """Hand the server what the client has to send."""
        for data in self.client.data_to_send():
            if data:
                self.protocol.data_received(data)

    def send(self, frame: Frame) -> None:
        self.client.send_frame(frame)
        self.feed()

    def received(self) -> list[Frame]:
        """What the server wrote since the last call, as the client reads it."""
        self.client.receive_data(bytes(self.transport.written))
        self.transport.written.clear()
        return [event for event in self.client.events_received() if isinstance(event, Frame)]


def _text(text: str) -> Frame:
    return Frame(Opcode.TEXT, text.encode())


async def _settle() -> None:
    """Let the app's task run to its next wait (a few turns of the loop, no clock)."""
    for _ in range(5):
        await asyncio.sleep(0)


def test_s8_messages_sent_before_the_route_parks_reach_the_listener_first_and_in_order() -> None:
    async def run() -> tuple[Connection, bool]:
        release = asyncio.Event()
        connection = Connection(release.wait)
        await _settle()
        connection.send(_text("first"))
        connection.send(_text("second"))  # both queued for a receive the route never calls
        paused = not connection.transport.reading
        release.set()
        await _settle()
        connection.send(_text("third"))
        return connection, paused

    connection, paused = asyncio.run(run())
    assert paused
    assert connection.listener.messages == ["first", "second", "third"]
    assert connection.transport.reading  # resumed once parked
    assert not connection.transport.closed  # the app returned; the socket stays open


def test_s8_a_parked_socket_hears_a_binary_message_as_none_and_closes_1007_on_bad_utf8() -> None:
    async def run() -> tuple[Connection, list[Frame]]:
        connection = Connection(_settle)
        await _settle()
        connection.send(Frame(Opcode.BINARY, b"\x00\x01"))
        connection.send(Frame(Opcode.TEXT, b"\xff\xfe"))  # not UTF-8
        return connection, connection.received()

    connection, frames = asyncio.run(run())
    assert connection.listener.messages == [None]
    closes = [f for f in frames if f.opcode is Opcode.CLOSE]
    assert len(closes) == 1
    assert closes[0].data[:2] == (1007).to_bytes(2, "big")


def test_s8_a_parked_socket_writes_frames_closes_once_with_its_code_and_ends_once() -> None:
    async def run() -> tuple[Connection, list[Frame]]:
        connection = Connection(_settle)
        await _settle()
        sink = connection.sink
        assert sink is not None
        assert sink.write(text_frame(b'{"type":"change"}'), 1 << 20)
        await sink.send(text_frame(b'{"type":"snapshot"}'))
        sink.close(4408, "no ping from this screen: reconnect")
        sink.close(4403, "a second close is not sent")
        frames = connection.received()
        connection.protocol.connection_lost(None)
        return connection, frames

    connection, frames = asyncio.run(run())
    texts = [f.data for f in frames if f.opcode is Opcode.TEXT]
    assert texts == [b'{"type":"change"}', b'{"type":"snapshot"}']
    closes = [f for f in frames if f.opcode is Opcode.CLOSE]
    assert [c.data[:2] for c in closes] == [(4408).to_bytes(2, "big")]
    assert connection.listener.ended == 1


def test_s8_a_socket_that_closed_before_the_route_parked_ends_its_listener_at_once() -> None:
    async def run() -> Connection:
        release = asyncio.Event()
        connection = Connection(release.wait)
        await _settle()
        connection.protocol.connection_lost(None)
        release.set()
        await _settle()
        return connection

    connection = asyncio.run(run())
    assert connection.listener.ended == 1
    assert connection.listener.messages == []


def test_s8_a_route_that_returns_without_parking_has_its_socket_closed_as_uvicorn_does() -> None:
    async def run() -> Connection:
        connection = Connection(_settle, park=False)
        await _settle()
        return connection

    connection = asyncio.run(run())
    assert connection.transport.closed
    assert connection.listener.messages == []
