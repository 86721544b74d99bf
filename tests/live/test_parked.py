"""A caught-up screen is parked: served from its socket's callbacks, with no task (issue 18).

Every test here runs the real app behind a real uvicorn with the service's
protocol (``tests.live.harness.serving``), since parking is what that
protocol offers (``app.live.frames``); the test client keeps the ASGI path.
Waits are guards, never thresholds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from app.access.roles import Principal, Role
from tests.live.harness import GUARD, AsyncModerator, LiveServer, Screen, open_screen, serving

SCREENS = 12


def _tasks() -> int:
    """The tasks of the server's loop (call on it)."""
    return len(asyncio.all_tasks())


async def _until(server: LiveServer, check: Callable[[], bool], what: str) -> None:
    """A guard: poll the server until ``check()`` holds there."""
    deadline = time.monotonic() + GUARD
    while not server.on_server(check):
        if time.monotonic() > deadline:
            raise AssertionError(f"never: {what}")
        await asyncio.sleep(0.01)


def test_s8_a_caught_up_screen_holds_no_task_and_still_gets_every_change(tmp_path: Path) -> None:
    async def run(server: LiveServer) -> tuple[int, int, list[list[int]], list[int]]:
        hub = server.runner().hub
        before = server.on_server(_tasks)
        url = server.live_url(server.tokens()[Role.DISPLAY])
        screens = [await open_screen(url) for _ in range(SCREENS)]
        for screen in screens:
            await screen.until(lambda m: m["type"] == "snapshot")
        await _until(server, lambda: len(hub) == SCREENS, "every screen in the hub")
        await _until(server, lambda: _tasks() <= before, "the routes returned")
        parked = server.on_server(_tasks)
        async with httpx.AsyncClient() as http:
            moderator = AsyncModerator(server, http)
            await moderator.open_and_start()
            await moderator.clock_commands(4)
        last = moderator.versions[-1]
        for screen in screens:
            await screen.until_version(last)
        for screen in screens:
            await screen.close()
        await _until(server, lambda: len(hub) == 0, "every closed screen left the hub")
        return before, parked, [s.versions for s in screens], moderator.versions

    with serving(tmp_path) as server:
        before, parked, received, acknowledged = asyncio.run(run(server))
    assert parked <= before  # twelve screens connected, not one task more
    assert all(versions == acknowledged for versions in received)


def test_s9_a_revoked_token_closes_its_parked_socket_with_4403(tmp_path: Path) -> None:
    async def run(server: LiveServer) -> tuple[int | None, int]:
        credentials = server.app.state.services.credentials
        principal = Principal(Role.DISPLAY, room_id=server.room_id)
        issued = credentials.issue(principal, "tests: a wall")
        page = await open_screen(server.live_url(issued.token))
        await page.until(lambda m: m["type"] == "snapshot")
        hub = server.runner().hub
        await _until(server, lambda: len(hub) == 1, "the screen in the hub")

        def revoke() -> int:
            credentials.revoke(issued.id)
            closed: int = credentials.close_sockets(issued.id)
            return closed

        closed = server.on_server(revoke)
        with pytest.raises(ConnectionClosed) as ended:
            await page.until_closed()
        await _until(server, lambda: len(hub) == 0, "the revoked screen left the hub")
        frame = ended.value.rcvd
        return (frame.code if frame else None), closed

    with serving(tmp_path) as server:
        code, closed = asyncio.run(run(server))
    assert closed == 1
    assert code == 4403


def test_s9_a_parked_screen_answers_a_ping_and_refuses_a_binary_message(tmp_path: Path) -> None:
    async def run(server: LiveServer) -> tuple[str, str]:
        page = await open_screen(server.live_url(server.tokens()[Role.DELEGATE]))
        await page.until(lambda m: m["type"] == "snapshot")
        hub = server.runner().hub
        await _until(server, lambda: len(hub) == 1, "the screen in the hub")
        await _until(server, lambda: all(s.direct for s in hub.screens()), "the screen parked")
        assert page.socket is not None
        await page.socket.send(b"\x00binary")
        refused = await page.until(lambda m: m["type"] == "error")
        await page.send({"type": "ping", "t0": 1.5})
        pong = await page.until(lambda m: m["type"] == "pong")
        await page.close()
        return refused["code"], str(pong["t0"])

    with serving(tmp_path) as server:
        refused, t0 = asyncio.run(run(server))
    assert refused == "channel.not_json"
    assert t0 == "1.5"


def test_t6_a_catch_up_that_fails_on_a_parked_screen_closes_it_with_1011(tmp_path: Path) -> None:
    """The page reconnects and resumes; the server logs the failure, and serves the others."""

    async def run(server: LiveServer) -> tuple[int | None, str]:
        runner = server.runner()
        page: Screen = await open_screen(server.live_url(server.tokens()[Role.DISPLAY]))
        snapshot = await page.until(lambda m: m["type"] == "snapshot")
        await _until(server, lambda: all(s.direct for s in runner.hub.screens()), "parked")

        def unreadable(*_: object) -> None:
            raise RuntimeError("the room cannot be read")

        server.on_server(lambda: setattr(runner, "live_view", unreadable))
        await page.send({"type": "resume", "version": snapshot["version"]})
        with pytest.raises(ConnectionClosed) as ended:
            await page.until_closed()
        frame = ended.value.rcvd
        return (frame.code if frame else None), (frame.reason if frame else "")

    with serving(tmp_path) as server:
        code, reason = asyncio.run(run(server))
    assert code == 1011
    assert "reconnect" in reason
