"""A page that comes back with its last version gets exactly what it missed (T6, S9).

Exactly: the ``resumed`` header naming that version and how many follow,
then the changes after it, in order, then nothing else (a ping is the fence:
its pong is the next message). A version the server no longer holds, or one
it never had, gets one fresh snapshot instead.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from app.access.roles import Role
from app.db.engine import make_engine
from app.room.audit import SCHEDULER
from app.room.runner import RoomRunner
from app.room.store import RoomStore
from app.timing import ExtendSpeech
from tests.live.harness import AsyncModerator, Json, LiveServer, Screen, open_screen, serving


async def _fenced(screen: Screen) -> list[Json]:
    """Every message up to the pong of a ping sent now."""
    await screen.send({"type": "ping", "t0": 42.0})
    start = len(screen.messages)
    await screen.until(lambda m: m["type"] == "pong" and m["t0"] == 42.0)
    return screen.messages[start:-1]


def test_T6_a_screen_that_reconnects_with_its_last_version_gets_exactly_what_it_missed(
    tmp_path: Path,
) -> None:
    async def run(server: LiveServer) -> None:
        token = server.tokens()[Role.DISPLAY]
        async with httpx.AsyncClient() as http:
            moderator = AsyncModerator(server, http)
            await moderator.open_and_start()
            wall = await open_screen(server.live_url(token))  # the room's other display
            page = await open_screen(server.live_url(token))
            await wall.next()
            await page.next()
            held = page.version
            await page.close()  # the Wi-Fi drops
            await moderator.clock_commands(3)
        back = await open_screen(server.live_url(token, since=held), held=page)
        messages = [await back.next() for _ in range(4)] + await _fenced(back)
        assert [m["type"] for m in messages] == ["resumed", "change", "change", "change"]
        assert messages[0]["version"] == held
        assert messages[0]["missed"] == 3
        assert held is not None
        assert [m["version"] for m in messages[1:]] == [held + 1, held + 2, held + 3]
        fresh = await open_screen(server.live_url(token))
        await fresh.next()
        assert back.room == fresh.room  # the patches add up to the room as it is
        for screen in (back, fresh, wall):
            await screen.close()

    with serving(tmp_path) as server:
        asyncio.run(run(server))


def test_T6_the_only_screen_of_its_view_gets_a_snapshot_of_what_nobody_watched_meanwhile(
    tmp_path: Path,
) -> None:
    """No screen showed the display's view while it was away: the server rendered the
    changes only in the views watched (the moderator's), so the display gets the room anew."""

    async def run(server: LiveServer) -> None:
        token = server.tokens()[Role.DISPLAY]
        async with httpx.AsyncClient() as http:
            moderator = AsyncModerator(server, http)
            await moderator.open_and_start()
            page = await open_screen(server.live_url(token))
            await page.next()
            held = page.version
            await page.close()
            await moderator.clock_commands(3)
            assert held is not None
            back = await open_screen(server.live_url(token, since=held), held=page)
            messages = [await back.next()] + await _fenced(back)
            assert [m["type"] for m in messages] == ["snapshot"]
            assert messages[0]["version"] == moderator.versions[-1] == held + 3
            fresh = await open_screen(server.live_url(token))
            await fresh.next()
            assert back.room == fresh.room
            await moderator.clock_commands(2)  # and the patches from there add up too
            for screen in (back, fresh):
                await screen.until_version(moderator.versions[-1])
            assert back.room == fresh.room
            await back.close()
            await fresh.close()

    with serving(tmp_path) as server:
        asyncio.run(run(server))


def test_T6_a_resume_asked_on_the_open_socket_is_answered_the_same_way(tmp_path: Path) -> None:
    async def run(server: LiveServer) -> None:
        page = await open_screen(server.live_url(server.tokens()[Role.DELEGATE]))
        await page.next()
        async with httpx.AsyncClient() as http:
            moderator = AsyncModerator(server, http)
            await moderator.open_and_start()
            await moderator.clock_commands(2)
        last = moderator.versions[-1]
        await page.until_version(last)
        await _fenced(page)
        await page.send({"type": "resume", "version": last - 2})  # as if two were lost
        messages = [await page.next() for _ in range(3)] + await _fenced(page)
        assert [m["type"] for m in messages] == ["resumed", "change", "change"]
        assert [m["version"] for m in messages] == [last - 2, last - 1, last]
        await page.close()

    with serving(tmp_path) as server:
        asyncio.run(run(server))


def test_T6_a_version_too_old_for_the_ring_or_never_sent_gets_one_fresh_snapshot(
    tmp_path: Path,
) -> None:
    async def run(server: LiveServer) -> None:
        token = server.tokens()[Role.MODERATOR]
        ring = server.runner().hub.ring_size
        async with httpx.AsyncClient() as http:
            moderator = AsyncModerator(server, http)
            await moderator.open_and_start()
            await moderator.clock_commands(ring + 2)
        last = moderator.versions[-1]
        for since in (1, last + 3):  # fallen out of the ring; a version from another life
            page = await open_screen(server.live_url(token, since=since))
            messages = [await page.next()] + await _fenced(page)
            assert [m["type"] for m in messages] == ["snapshot"]
            assert messages[0]["version"] == last
            await page.close()

    with serving(tmp_path) as server:
        asyncio.run(run(server))


def test_T6_a_resume_that_would_cost_more_than_a_snapshot_gets_the_snapshot(
    tmp_path: Path,
) -> None:
    async def run(server: LiveServer) -> None:
        token = server.tokens()[Role.MODERATOR]
        async with httpx.AsyncClient() as http:
            moderator = AsyncModerator(server, http)
            await moderator.open_and_start()
            for code in ("MEX", "GHA", "CHE", "VAT", "IOM", "MADE"):  # six queue-wide patches
                await moderator.command("floor", {"type": "add_request", "delegation": code})
        last = moderator.versions[-1]
        page = await open_screen(server.live_url(token, since=0))
        messages = [await page.next()] + await _fenced(page)
        assert [m["type"] for m in messages] == ["snapshot"]
        assert messages[0]["version"] == last
        await page.close()

    with serving(tmp_path) as server:
        asyncio.run(run(server))


def test_T6_a_page_holding_a_version_this_process_never_had_is_answered_from_the_database(
    tmp_path: Path,
) -> None:
    """Another process committed it and died before relaying it; the page saw it there."""

    async def run(server: LiveServer) -> None:
        token = server.tokens()[Role.DISPLAY]
        async with httpx.AsyncClient() as http:
            moderator = AsyncModerator(server, http)
            await moderator.open_and_start()
            engine = make_engine(server.database_url)
            elsewhere = RoomRunner(server.room_id, RoomStore(engine), server.clock)
            await elsewhere.load()
            await elsewhere.handle(ExtendSpeech(5), "elsewhere-0001", sender=SCHEDULER)
            engine.dispose()
            held = Screen(room=elsewhere.view(Role.DISPLAY), version=elsewhere.version)
            page = await open_screen(server.live_url(token, since=elsewhere.version), held=held)
            first = await page.next()
            assert first["type"] == "resumed"  # not a snapshot of the older room it held here
            assert first["version"] == elsewhere.version
            assert first["missed"] == 0
            await moderator.clock_command(0)  # decided on the room read back: no conflict
        await page.until_version(elsewhere.version + 1)
        assert moderator.versions[-1] == elsewhere.version + 1
        await page.close()

    with serving(tmp_path) as server:
        asyncio.run(run(server))
