"""Heartbeats: a quiet room still says it is alive; a busy one sends none; a silent page is closed.

The intervals are settings (``live_heartbeat_seconds``, ``live_silence_seconds``),
set small here so that nothing waits for seconds. Each wait is a guard: the
tests assert what was sent, never how soon.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from app.access.roles import Role
from tests.live.harness import AsyncModerator, Json, LiveServer, open_screen, serving
from tests.plans import START

HEARTBEAT = 0.25


def test_a_quiet_room_sends_heartbeats_and_a_page_that_never_pings_is_closed_with_4408(
    tmp_path: Path,
) -> None:
    async def run(server: LiveServer) -> tuple[Json, list[Json], int | None, str | None]:
        page = await open_screen(server.live_url(server.tokens()[Role.DISPLAY]))
        snapshot = await page.next()
        with pytest.raises(ConnectionClosed) as closed:
            await page.until_closed()  # the page says nothing at all
        frame = closed.value.rcvd
        return (
            snapshot,
            page.messages[1:],
            frame.code if frame else None,
            frame.reason if frame else None,
        )

    with serving(tmp_path, live_heartbeat_seconds=0.05, live_silence_seconds=1.0) as server:
        snapshot, later, code, reason = asyncio.run(run(server))
    assert snapshot["viewer"]["heartbeat"] == 0.05
    assert later, "no heartbeat before the close"
    assert {m["type"] for m in later} == {"heartbeat"}
    assert {m["version"] for m in later} == {snapshot["version"]}  # the last version sent
    assert code == 4408
    assert reason is not None
    assert "reconnect" in reason


def _sent_no_later_than(message: Json) -> float:
    """A server time taken before the message was handed to the socket."""
    kind = message["type"]
    if kind == "change":
        return float(message["at"])
    if kind == "pong":
        return float(message["t2"])
    return float(message["server_time"])  # snapshot, resumed, heartbeat


@pytest.mark.parametrize("deflate", [False, True], ids=["direct writes", "through the inbox"])
def test_a_heartbeat_comes_only_after_the_interval_with_nothing_sent_even_while_changes_flow(
    tmp_path: Path, deflate: bool
) -> None:
    """The hub writes changes without waking the screen's task: they count all the same."""
    base = time.monotonic()

    def clock() -> float:  # the room's clock runs with the loop's, so intervals compare
        return START + (time.monotonic() - base)

    async def run(server: LiveServer) -> list[Json]:
        page = await open_screen(server.live_url(server.tokens()[Role.DISPLAY]), deflate=deflate)
        await page.next()
        async with httpx.AsyncClient() as http:
            moderator = AsyncModerator(server, http)
            await moderator.open_and_start()
            await moderator.clock_commands(40)
        await page.until_version(moderator.versions[-1])
        await page.until(lambda m: m["type"] == "heartbeat")  # the room fell quiet
        await page.close()
        return page.messages

    with serving(tmp_path, clock=clock, live_heartbeat_seconds=HEARTBEAT) as server:
        messages = asyncio.run(run(server))
    assert messages[0]["viewer"]["heartbeat"] == HEARTBEAT
    heartbeats = 0
    for before, message in zip(messages, messages[1:], strict=False):
        if message["type"] != "heartbeat":
            continue
        heartbeats += 1
        quiet = message["server_time"] - _sent_no_later_than(before)
        assert quiet >= HEARTBEAT - 1e-5, (before, message)
        assert message["version"] == before["version"]
    assert heartbeats >= 1
