"""Many screens, one room: everyone gets every version, and a stalled screen delays no one.

Both run on the real server (uvicorn, the framed protocol): clients that
decline deflate are written to directly by the hub, clients that negotiate it
go through their own task and inbox, so both paths of ``app.live.hub`` are used.
Commands go over HTTP, each awaited, back to back. No figure of speed is
asserted: only completeness, order, agreement and bounds, under guard timeouts.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx

from app.access.roles import Role
from app.live.hub import Screen as HubScreen
from tests.live.harness import (
    AsyncModerator,
    Json,
    LiveServer,
    Screen,
    StalledScreen,
    open_screen,
    serving,
)

CLIENTS = 50
COMMANDS = 200

#: Which kind of screen each of the 50 is: (view of the token, negotiates deflate).
MIX = (
    [(Role.DISPLAY, False)] * 20
    + [(Role.DISPLAY, True)] * 8
    + [(Role.DELEGATE, False)] * 10
    + [(Role.DELEGATE, True)] * 4
    + [(Role.MODERATOR, False)] * 6
    + [(Role.MODERATOR, True)] * 2
)


async def _burst(server: LiveServer, moderator: AsyncModerator, count: int) -> None:
    await moderator.open_and_start()
    await moderator.clock_commands(count - 3)


def _view_of(server: LiveServer, role: Role) -> tuple[int, Json]:
    version, _at, room = server.on_server(lambda: server.runner().live_view(role))
    return version, dict(room)


def test_T6_fifty_screens_get_every_version_of_a_burst_in_order_and_end_alike(
    tmp_path: Path,
) -> None:
    async def run(server: LiveServer) -> tuple[list[tuple[Role, Screen]], list[int]]:
        tokens = server.tokens()
        assert len(MIX) == CLIENTS
        screens = [
            (role, await open_screen(server.live_url(tokens[role]), deflate=deflate))
            for role, deflate in MIX
        ]
        for _role, screen in screens:
            assert (await screen.next())["type"] == "snapshot"
        async with httpx.AsyncClient() as http:
            moderator = AsyncModerator(server, http)
            readers = [asyncio.create_task(s.until_version(COMMANDS)) for _r, s in screens]
            await _burst(server, moderator, COMMANDS)
            await asyncio.gather(*readers)
        for _role, screen in screens:
            await screen.close()
        return screens, moderator.versions

    with serving(tmp_path) as server:
        screens, acks = asyncio.run(run(server))
        final = {
            role: _view_of(server, role) for role in (Role.MODERATOR, Role.DELEGATE, Role.DISPLAY)
        }
    assert acks == list(range(1, COMMANDS + 1))  # one version per command
    for role, screen in screens:
        assert screen.snapshots == 1  # never collapsed
        assert screen.versions == list(range(1, COMMANDS + 1))  # none missing, none out of order
        version, room = final[role]
        assert version == COMMANDS
        assert screen.room == room
    rooms = [screen.room for _role, screen in screens]
    assert all(room is not None for room in rooms)
    speeches = {repr(room["speech"]) for room in rooms if room is not None}
    segments = {repr(room["segment"]) for room in rooms if room is not None}
    assert len(speeches) == 1  # every screen shows the same deadline
    assert len(segments) == 1  # and the same drift (C2)


#: asyncio's default high-water mark: above it uvicorn's ASGI ``send`` waits for the socket.
TRANSPORT_HIGH_WATER = 64 * 1024
HUB_BUFFER = 16 * 1024  # the stalled test's hub bound on bytes unsent to one socket


def _stalled(server: LiveServer, screen_id: str) -> HubScreen:
    return next(s for s in server.runner().hub.screens() if s.id == screen_id)


def test_a_stalled_screen_delays_no_other_and_is_collapsed_with_a_bounded_backlog(
    tmp_path: Path,
) -> None:
    async def run(
        server: LiveServer,
    ) -> tuple[list[Screen], StalledScreen, list[int], dict[str, int]]:
        tokens = server.tokens()
        hub = server.runner().hub

        def configure() -> None:
            hub.max_buffer_bytes = HUB_BUFFER  # the production bound is 256 KiB: a smaller
            hub.max_backlog = 16  # one makes the test's data enough to cross it

        server.on_server(configure)
        stalled = StalledScreen(server.live_url(tokens[Role.MODERATOR]))
        stalled_id = stalled.folded.messages[0]["viewer"]["screen_id"]
        others = [
            await open_screen(server.live_url(tokens[role]), deflate=deflate)
            for role, deflate in MIX[:: len(MIX) // 12]
        ]
        for screen in others:
            await screen.next()
        highest = {"inbox": 0, "buffered": 0, "published": 0, "resyncs": 0}

        def sample() -> None:
            subscriber = _stalled(server, stalled_id)
            highest["inbox"] = max(highest["inbox"], len(subscriber.inbox))
            if subscriber.sink is not None:
                highest["buffered"] = max(highest["buffered"], subscriber.sink.buffered())
            highest["resyncs"] = subscriber.resyncs
            version = hub.last_version
            published = hub.since(version - 1, Role.MODERATOR) if version else None
            if published:
                highest["published"] += len(published[-1].texts[Role.MODERATOR])

        async with httpx.AsyncClient() as http:
            moderator = AsyncModerator(server, http)
            await moderator.open_and_start()
            for code in ("MEX", "GHA", "CHE", "VAT", "IOM", "MADE"):  # a queue: large changes
                await moderator.command("floor", {"type": "add_request", "delegation": code})
            index = 0
            # On until the stalled screen was collapsed and far more was published to it than
            # any bound below: then "bounded" means something. 3,000 commands is the guard.
            while index < 3000 and (
                index < COMMANDS
                or highest["resyncs"] == 0
                or highest["published"] < 4 * (TRANSPORT_HIGH_WATER + HUB_BUFFER)
            ):
                await moderator.clock_command(index)
                index += 1
                server.on_server(sample)
            last = moderator.versions[-1]
            readers = [asyncio.create_task(s.until_version(last)) for s in others]
            await asyncio.gather(*readers)  # while the stalled screen still reads nothing
            for screen in others:
                await screen.close()
        return others, stalled, moderator.versions, highest

    with serving(tmp_path, send_buffer=4096, live_silence_seconds=600) as server:
        others, stalled, acks, highest = asyncio.run(run(server))
        last = acks[-1]
        final = _view_of(server, Role.MODERATOR)[1]
        try:
            caught_up = stalled.drain(last)  # it reads again: a snapshot or what it missed
        finally:
            stalled.close()
    first = acks[0]
    for screen in others:
        assert screen.snapshots == 1
        assert screen.versions == list(range(first, last + 1))
    assert highest["resyncs"] >= 1  # collapsed, not waited for
    assert highest["inbox"] <= 16
    snapshot_size = max(len(json.dumps(m)) for m in caught_up.messages if m["type"] == "snapshot")
    assert highest["buffered"] <= TRANSPORT_HIGH_WATER + HUB_BUFFER + 2 * snapshot_size
    assert highest["published"] > 4 * (TRANSPORT_HIGH_WATER + HUB_BUFFER)
    assert caught_up.version == last
    assert caught_up.room == final
    assert {"snapshot", "resumed"} & {m["type"] for m in caught_up.messages[1:]}
