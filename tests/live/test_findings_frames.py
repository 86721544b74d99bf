"""Issue 13, finding 6: a frame larger than any page message is refused before it is read.

uvicorn read websocket frames of up to 16 MiB in full (its default
``ws_max_size``) before the route's 4096-character limit applied. Now every
server takes its frame limit from the protocol (``app.live.serving``): a
larger frame is closed with 1009 from its header, and the server keeps
serving. The server is ``tests.live.harness.serving``, started as
``floorkeeper serve`` starts uvicorn; the clients are a raw socket and the
``websockets`` library.
"""

from __future__ import annotations

import asyncio
import json
import os
import struct
from pathlib import Path
from typing import Any

import pytest

from app.access.roles import Role
from tests.live.harness import GUARD, StalledScreen, open_screen, serving

MIB = 1 << 20


def _masked_frame_head(size: int) -> bytes:
    """The header of a final text frame of ``size`` bytes from a client (masked, RFC 6455)."""
    return struct.pack("!BBQ", 0x81, 0x80 | 127, size) + os.urandom(4)


def _read_until_closed(screen: StalledScreen) -> None:
    """Read (a heartbeat may come first) until the server closes: ConnectionError says how."""
    while True:
        screen.read_message()


async def _snapshot(url: str) -> dict[str, Any]:
    screen = await open_screen(url)
    try:
        return await screen.next()
    finally:
        await screen.close()


def test_finding_6_a_1_mib_frame_is_closed_with_1009_before_it_is_read(tmp_path: Path) -> None:
    with serving(tmp_path) as server:
        url = server.live_url(server.tokens()[Role.DISPLAY])
        screen = StalledScreen(url, receive_buffer=65536)
        try:
            # the frame's header and 4 KiB of its 1 MiB: a server that reads it in full waits
            # for the rest (uvicorn's default, 16 MiB), one that checks the header closes now
            screen.sock.sendall(_masked_frame_head(MIB) + bytes(4096))
            with pytest.raises(ConnectionError, match=r"closed by the server: 1009 ") as closed:
                _read_until_closed(screen)
        finally:
            screen.close()
        assert "exceeds limit" in str(closed.value)  # websockets' refusal, not the route's
        assert asyncio.run(_snapshot(url))["type"] == "snapshot"  # the server keeps serving


def test_a_message_within_the_frame_limit_is_still_the_routes_to_refuse(
    tmp_path: Path,
) -> None:
    """A long message that fits the frame limit reaches the route, which closes it (1009)."""

    async def send_long(url: str) -> tuple[int | None, str | None]:
        screen = await open_screen(url)
        assert screen.socket is not None
        assert (await screen.next())["type"] == "snapshot"
        await screen.socket.send(json.dumps({"type": "ping", "t0": 1.0, "pad": "x" * 5000}))
        await asyncio.wait_for(screen.socket.wait_closed(), GUARD)
        return screen.socket.close_code, screen.socket.close_reason

    with serving(tmp_path) as server:
        url = server.live_url(server.tokens()[Role.DISPLAY])
        assert asyncio.run(send_long(url)) == (1009, "a page sends only short messages")


def test_finding_6_every_server_takes_the_frame_limit_from_the_protocol() -> None:
    from app.live import protocol
    from app.live.serving import WS_MAX_SIZE, uvicorn_options

    assert WS_MAX_SIZE == 4 * protocol.MAX_PAGE_MESSAGE  # every accepted message fits in UTF-8
    assert uvicorn_options(port=1)["ws_max_size"] == WS_MAX_SIZE
    with pytest.raises(ValueError, match="follows the live protocol"):
        uvicorn_options(ws_max_size=16 * MIB)
