"""Two relays on one real Redis: a change published by one reaches the other, in order."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from app.access.roles import Role
from app.live.hub import Change
from app.live.relay import Relay
from tests.conftest import missing_service

REDIS_URL = "redis://127.0.0.1:6379/0"


class _Room:
    def __init__(self) -> None:
        self.changes: list[int] = []

    async def follow(self, change: Change) -> None:
        self.changes.append(change.version)

    async def catch_up(self) -> None:
        pass


async def _redis_or_skip() -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        await client.ping()
    except OSError as error:
        missing_service(f"Redis at 127.0.0.1:6379: {error}")
    finally:
        await client.aclose()


async def _until(condition: object, seconds: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


@pytest.mark.anyio
async def test_a_change_on_one_process_reaches_the_other_in_order_and_not_its_own() -> None:
    await _redis_or_skip()
    prefix = f"test-{uuid.uuid4().hex}:"
    here, there = _Room(), _Room()
    revoked: list[str] = []

    async def on_revoked(token_id: str) -> None:
        revoked.append(token_id)

    one = Relay(REDIS_URL, {1: here}, prefix=prefix)
    two = Relay(REDIS_URL, {1: there}, prefix=prefix, on_revoked=on_revoked)
    tasks = [asyncio.create_task(one.run()), asyncio.create_task(two.run())]
    try:
        await asyncio.wait_for(asyncio.gather(one.connected.wait(), two.connected.wait()), 5)
        for version in (1, 2, 3):
            one.publish(1, Change(version, {Role.DISPLAY: f"v{version}"}))
        one.revoked("tok-1")
        await _until(lambda: there.changes == [1, 2, 3] and revoked == ["tok-1"])
        assert here.changes == []  # its own screens had them first: no double delivery
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
