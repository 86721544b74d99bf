"""One frame per change, written to every screen's socket: the fast path of the hub.

Without per-message compression, the WebSocket frame a server sends is the
same bytes for every client (server frames are not masked). So the hub
serialises a change once per view and frames it once, and each caught-up
screen costs one ``transport.write``: no task switch, no ASGI message, no
re-framing. That is what ``websockets.broadcast`` does, minus the framing per
connection.

ASGI has no such call, so ``FramedWebSocketProtocol`` (uvicorn's Sans-I/O
websockets protocol, plus this) offers it as a scope extension,
``scope["extensions"]["floorkeeper.frames"]["sink"]``, when no extension
(deflate) was negotiated on the connection. Where it is absent (the test
client, another server, a deflate connection), the live route uses the
ordinary ASGI ``send``. Serve with ``ws="app.live.frames:FramedWebSocketProtocol"``
(``app/cli/command.py`` does).

Parking (issue 18: the weight of a screen)
------------------------------------------
A caught-up screen needs nothing of ASGI: the hub writes to its socket, and
what the page sends (pings, reports, resumes) is answered at once. Yet an
ASGI route that stays open keeps a task suspended under some thirty
coroutine frames (uvicorn, the middleware, the router, the route), about
two thirds of a screen's memory. So the sink also offers ``park``: the route
hands the connection to a ``Listener`` and returns, and from then on the
protocol calls the listener from its own callbacks, with each text message
and once when the connection is gone; the listener answers with ``write``,
``send`` (which waits for the socket to drain, for a catch-up) and
``close``. uvicorn closes a connection when its app returns; a parked one is
left open (``run_asgi`` below, uvicorn 0.55's own but for that check).
"""

from __future__ import annotations

import struct
from typing import Protocol

from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

EXTENSION = "floorkeeper.frames"


def text_frame(payload: bytes) -> bytes:
    """An unmasked, final text frame (RFC 6455 §5.2) carrying UTF-8 ``payload``."""
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x81, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + payload


class Gone(Exception):
    """The connection closed while a frame waited to be sent."""


class Listener(Protocol):
    """What a parked connection calls: each message the page sends, and its end."""

    def heard(self, text: str | None) -> None:
        """A text message of the page; None for a binary one."""

    def gone(self) -> None:
        """The connection is closed (once)."""


class FrameSink:
    """Writes whole frames to one connection's socket, refusing when it is behind."""

    __slots__ = ("_protocol",)

    def __init__(self, protocol: FramedWebSocketProtocol) -> None:
        self._protocol = protocol

    def write(self, frame: bytes, limit: int) -> bool:
        """Write ``frame`` unless the socket is closing or holds more than ``limit`` bytes."""
        protocol = self._protocol
        transport = protocol.transport
        if protocol.close_sent or protocol.disconnected or transport.is_closing():
            return False
        if transport.get_write_buffer_size() > limit:
            return False
        transport.write(frame)
        return True

    def buffered(self) -> int:
        """Bytes written but not yet handed to the kernel."""
        return self._protocol.transport.get_write_buffer_size()

    async def send(self, frame: bytes) -> None:
        """Write ``frame`` once the socket has drained below its high-water mark (a catch-up)."""
        protocol = self._protocol
        await protocol.writable.wait()
        if protocol.close_sent or protocol.disconnected or protocol.transport.is_closing():
            raise Gone
        protocol.transport.write(frame)

    def close(self, code: int, reason: str) -> None:
        """Start the closing handshake (uvicorn's own, as for an ASGI ``websocket.close``)."""
        protocol = self._protocol
        if protocol.close_sent or protocol.disconnected or protocol.transport.is_closing():
            return
        protocol.conn.send_close(code, reason)
        protocol.transport.write(b"".join(protocol.conn.data_to_send()))
        protocol.close_sent = True
        if protocol.read_paused:
            protocol.read_paused = False
            protocol.transport.resume_reading()
        protocol.close_timer = protocol.loop.call_later(
            protocol.close_timeout, protocol.transport.close
        )

    def park(self, listener: Listener) -> None:
        """Hand the connection to ``listener``; the route returns, the socket stays open.

        Messages the route had not read yet go to the listener first, in order.
        """
        self._protocol.park(listener)


class _NoQueue:
    """A parked connection's ASGI queue: uvicorn still puts its disconnect events there."""

    __slots__ = ()

    def put_nowait(self, message: object) -> None:
        pass

    def empty(self) -> bool:
        return True


_NO_QUEUE = _NoQueue()


class FramedWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websockets-sansio protocol, offering a ``FrameSink`` to the app."""

    listener: Listener | None = None  # set by ``park``; a class default costs no memory per socket

    def park(self, listener: Listener) -> None:
        self.listener = listener
        queue = self.queue
        while not queue.empty():
            message = queue.get_nowait()
            if message["type"] == "websocket.receive":
                text = message.get("text")
                listener.heard(text if isinstance(text, str) else None)
            elif message["type"] == "websocket.disconnect":
                break
        if self.disconnected:
            self._gone()
            return
        if self.read_paused:
            self.read_paused = False
            self.transport.resume_reading()
        # What only the ASGI phase needed (the request, the answer, the scope and its
        # headers, the queue of messages for ``receive``), no longer held for the
        # life of the socket.
        self.scope = {"type": "websocket"}  # type: ignore[typeddict-item]
        self.queue = _NO_QUEUE  # type: ignore[assignment]
        del self.request, self.response

    def send_receive_event_to_app(self) -> None:
        listener = self.listener
        if listener is None:
            super().send_receive_event_to_app()
            return
        data = self.frames[0] if len(self.frames) == 1 else b"".join(self.frames)
        self.frames = []
        if self.close_sent:
            return  # past our close: reads stay on until the peer's close reply
        if self.curr_msg_data_type != "text":
            listener.heard(None)
            return
        try:
            text = data.decode()
        except UnicodeDecodeError:
            self.conn.send_close(1007)
            self.handle_parser_exception()
            return
        listener.heard(text)

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self._gone()

    def _gone(self) -> None:
        listener, self.listener = self.listener, None
        if listener is not None:
            listener.gone()

    async def run_asgi(self) -> None:
        if not self.conn.extensions:  # with deflate, frames differ per connection
            self.scope["extensions"][EXTENSION] = {"sink": FrameSink(self)}
        try:
            result = await self.app(self.scope, self.receive, self.send)
        except ClientDisconnected:
            pass
        except BaseException:
            self.logger.exception("Exception in ASGI application\n")
            self.send_500_response()
        else:
            if not self.handshake_complete:
                self.logger.error("ASGI callable returned without completing handshake.")
                self.send_500_response()
            elif result is not None:
                self.logger.error("ASGI callable should return None, but returned '%s'.", result)
        if self.listener is not None:
            return  # parked: the listener has the connection now
        if self.close_timer is None:
            self.transport.close()
