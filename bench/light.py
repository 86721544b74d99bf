"""A live-channel client lighter than the server it measures.

Why not the ``websockets`` client: NOTES.md measured that a load client built on
it saturates at 25-50 k messages/s, before the server does. This one is an
``asyncio.Protocol`` that speaks only what a receiving screen needs of RFC 6455:
the opening handshake, unmasked server frames (text, ping, close; continuation
for completeness), masked pongs and text frames of its own. It stamps each
chunk the kernel hands over with ``time.time()`` once, and reads a message's
``type`` and ``version`` by peeking at its first bytes (the server puts them
first, ``app.live.protocol.change``), so that the stamp is what the screen saw.

Each client also pings the server's live channel every ``ping_every`` seconds,
as a page does, so that the channel does not close it for silence (4408).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import random
import time
from array import array
from dataclasses import dataclass
from urllib.parse import urlsplit

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3
CHANGE_PREFIX = b'{"type":"change","version":'


class HandshakeFailed(Exception):
    """The server answered the upgrade with something other than 101."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where the clients connect: host, port and the request path with its query."""

    host: str
    port: int
    path: str

    @classmethod
    def parse(cls, url: str) -> Target:
        parts = urlsplit(url)
        if parts.scheme != "ws" or parts.hostname is None:
            raise ValueError(f"{url!r}: a ws:// address on this machine is needed")
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return cls(parts.hostname, parts.port or 80, path or "/")


def masked_frame(opcode: int, payload: bytes) -> bytes:
    """A final client frame (clients must mask, RFC 6455 section 5.3)."""
    size = len(payload)
    if size < 126:
        header = bytes((0x80 | opcode, 0x80 | size))
    elif size < 1 << 16:
        header = bytes((0x80 | opcode, 0x80 | 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x80 | opcode, 0x80 | 127)) + size.to_bytes(8, "big")
    mask = os.urandom(4)
    repeated = (mask * (size // 4 + 1))[:size]
    body = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(size, "big")
    return header + mask + body


def peek_version(payload: bytes) -> int:
    """The ``version`` of a server message (every message carries one)."""
    start = payload.index(b'"version":') + 10
    end = start
    while payload[end] in b"0123456789-":
        end += 1
    return int(payload[start:end])


class LiveClient(asyncio.Protocol):
    """One screen: records every change it receives, with its version and arrival time."""

    def __init__(self, target: Target, ping_every: float, keep_sizes: bool = False) -> None:
        self.target = target
        self.ping_every = ping_every
        self.keep_sizes = keep_sizes
        self.transport: asyncio.Transport | None = None
        self.handshake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self._key = base64.b64encode(os.urandom(16))
        self._buffer = b""
        self._fragments: list[bytes] = []
        self._upgraded = False
        self._pinger: asyncio.TimerHandle | None = None
        # what the screen saw
        self.first_version = -1  # the first snapshot's version
        self.last_version = -1  # the newest version the screen holds
        self.versions = array("q")  # each change's version, in arrival order
        self.times = array("d")  # each change's arrival, time.time()
        self.sizes: dict[int, int] = {}  # bytes of each change's text (one client per process)
        self.out_of_order = 0  # changes at or below the version already held
        self.resyncs = 0  # snapshots after the first (the server collapsed a backlog)
        self.other: dict[str, int] = {}  # counts of the other message types
        self.close_code: int | None = None

    # -- asyncio.Protocol ------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        target = self.target
        request = (
            f"GET {target.path} HTTP/1.1\r\n"
            f"Host: {target.host}:{target.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {self._key.decode()}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        )
        transport.write(request.encode())

    def data_received(self, data: bytes) -> None:
        now = time.time()
        buffer = self._buffer + data if self._buffer else data
        if not self._upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                self._buffer = buffer
                return
            self._upgrade(buffer[: end + 4])
            buffer = buffer[end + 4 :]
            if not self._upgraded:
                return
        self._buffer = self._frames(buffer, now)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._pinger is not None:
            self._pinger.cancel()
        if not self.handshake.done():
            self.handshake.set_exception(HandshakeFailed(f"connection lost: {exc}"))
        if not self.closed.done():
            self.closed.set_result(None)

    # -- the protocol ------------------------------------------------------------------

    def _upgrade(self, head: bytes) -> None:
        status, _, rest = head.partition(b"\r\n")
        if not status.startswith(b"HTTP/1.1 101"):
            self.handshake.set_exception(HandshakeFailed(status.decode(errors="replace")))
            assert self.transport is not None
            self.transport.close()
            return
        accept = base64.b64encode(hashlib.sha1(self._key + GUID).digest())
        if b"sec-websocket-accept: " + accept.lower() not in rest.lower():
            self.handshake.set_exception(HandshakeFailed("bad Sec-WebSocket-Accept"))
            assert self.transport is not None
            self.transport.close()
            return
        self._upgraded = True
        self.handshake.set_result(None)
        if self.ping_every > 0:
            first = random.uniform(0.2, 1.0) * self.ping_every  # spread the pings out
            self._pinger = asyncio.get_running_loop().call_later(first, self._ping)

    def _frames(self, buffer: bytes, now: float) -> bytes:
        """Handle every whole frame in ``buffer``; return the incomplete rest."""
        position = 0
        size = len(buffer)
        while size - position >= 2:
            first = buffer[position]
            length = buffer[position + 1] & 0x7F
            head = 2
            if length == 126:
                if size - position < 4:
                    break
                length = int.from_bytes(buffer[position + 2 : position + 4], "big")
                head = 4
            elif length == 127:
                if size - position < 10:
                    break
                length = int.from_bytes(buffer[position + 2 : position + 10], "big")
                head = 10
            end = position + head + length
            if end > size:
                break
            payload = buffer[position + head : end]
            position = end
            opcode = first & 0x0F
            if not first & 0x80:  # a fragment: keep it until the final one
                self._fragments.append(payload)
                continue
            if opcode == 0:
                payload = b"".join(self._fragments) + payload
                self._fragments.clear()
                opcode = 1
            if opcode == 1:
                self._text(payload, now)
            elif opcode == 9:
                self._send(0xA, payload)
            elif opcode == 8:
                self.close_code = int.from_bytes(payload[:2], "big") if payload else 1005
                self._send(0x8, payload[:2])
                assert self.transport is not None
                self.transport.close()
        return buffer[position:]

    def _text(self, payload: bytes, now: float) -> None:
        if payload.startswith(CHANGE_PREFIX):
            version = peek_version(payload)
            if version <= self.last_version:
                self.out_of_order += 1
            else:
                self.last_version = version
            self.versions.append(version)
            self.times.append(now)
            if self.keep_sizes:
                self.sizes[version] = len(payload)
            return
        kind = json.loads(payload)["type"]
        self.other[kind] = self.other.get(kind, 0) + 1
        if kind == "snapshot":
            version = peek_version(payload)
            if self.first_version < 0:
                self.first_version = version
            else:
                self.resyncs += 1
            self.last_version = max(self.last_version, version)

    def _send(self, opcode: int, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(masked_frame(opcode, payload))

    def _ping(self) -> None:
        ping = {"type": "ping", "t0": time.time()}
        self._send(0x1, json.dumps(ping, separators=(",", ":")).encode())
        self._pinger = asyncio.get_running_loop().call_later(self.ping_every, self._ping)

    def close(self) -> None:
        if self._pinger is not None:
            self._pinger.cancel()
        if self.transport is not None and not self.transport.is_closing():
            self._send(0x8, (1000).to_bytes(2, "big"))
            self.transport.close()


async def connect(target: Target, ping_every: float, keep_sizes: bool = False) -> LiveClient:
    """Open one client and wait for its handshake (raises HandshakeFailed or OSError)."""
    loop = asyncio.get_running_loop()
    _, client = await loop.create_connection(
        lambda: LiveClient(target, ping_every, keep_sizes), target.host, target.port
    )
    await client.handshake
    return client
