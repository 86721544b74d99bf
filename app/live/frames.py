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
"""

from __future__ import annotations

import struct

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


class FrameSink:
    """Writes whole frames to one connection's socket, refusing when it is behind."""

    __slots__ = ("_protocol",)

    def __init__(self, protocol: WebSocketsSansIOProtocol) -> None:
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


class FramedWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websockets-sansio protocol, offering a ``FrameSink`` to the app."""

    async def run_asgi(self) -> None:
        if not self.conn.extensions:  # with deflate, frames differ per connection
            self.scope["extensions"][EXTENSION] = {"sink": FrameSink(self)}
        await super().run_asgi()
