"""Rate limits across processes: two ``RateLimits`` on one Redis prefix count as one (issue 17).

Each ``RateLimits`` stands for one process of the service. With a Redis URL
they share their counts of floor requests and of failed logins (the latter
on the service's injected clock); without one each counts alone, as before;
with a Redis that does not answer, each falls back to its own memory and
keeps serving.
"""

from __future__ import annotations

import logging
import socket
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from app.access.ratelimit import RateLimits, TooManyRequests
from tests.conftest import missing_service
from tests.fakes import FakeClock

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    """A prefix of this test's own on the real Redis, its keys deleted afterwards."""
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        await client.ping()
    except OSError as error:
        await client.aclose()
        missing_service(f"Redis at 127.0.0.1:6379: {error}")
    name = f"test-limits-{uuid.uuid4().hex}:"
    try:
        yield name
    finally:
        keys = [key async for key in client.scan_iter(match=f"{name}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # closed again: nothing listens there


async def _allowed(limits: RateLimits, key: str) -> bool:
    return await limits.retry_after(limits.floor_requests, key) is None


@pytest.mark.anyio
async def test_two_processes_with_one_prefix_share_the_floor_request_count(prefix: str) -> None:
    one = RateLimits(floor_requests="3 per minute", redis_url=REDIS_URL, prefix=prefix)
    two = RateLimits(floor_requests="3 per minute", redis_url=REDIS_URL, prefix=prefix)
    try:
        assert [await _allowed(one, "token:t1"), await _allowed(two, "token:t1")] == [True, True]
        assert await _allowed(one, "token:t1")
        wait = await two.retry_after(two.floor_requests, "token:t1")  # the fourth, on the other
        assert wait is not None
        assert 1 <= wait <= 60
        assert not await _allowed(one, "token:t1")
        assert await _allowed(two, "token:t2")  # another client: its own count
    finally:
        await one.aclose()
        await two.aclose()


@pytest.mark.anyio
async def test_failed_logins_are_counted_across_processes_on_the_service_clock(
    prefix: str,
) -> None:
    clock = FakeClock(1_000.0)
    one = RateLimits(now=clock, redis_url=REDIS_URL, prefix=prefix)
    two = RateLimits(now=clock, redis_url=REDIS_URL, prefix=prefix)
    try:
        for limits in (one, two, one, two, one):  # five failures, the account's limit
            await limits.logins.failed("amina", "10.0.0.1")
        with pytest.raises(TooManyRequests) as refused:
            await two.logins.check("amina", "10.0.0.1")
        assert refused.value.retry_after == 300
        assert refused.value.code == "limit.logins_account"
        await one.logins.check("amina", "10.0.0.2")  # another address: its own counts
        clock.advance(120)  # the injected clock, not Redis's: the wait shrinks with it
        with pytest.raises(TooManyRequests) as later:
            await one.logins.check("amina", "10.0.0.1")
        assert later.value.retry_after == 180
        await two.logins.succeeded("amina", "10.0.0.1")  # forgets the account's failures
        await one.logins.check("amina", "10.0.0.1")
        clock.advance(181)
        for _ in range(5):
            await two.logins.failed("omar", "10.0.0.3")
        clock.advance(301)  # the window has passed: old failures no longer count
        await one.logins.check("omar", "10.0.0.3")
    finally:
        await one.aclose()
        await two.aclose()


@pytest.mark.anyio
async def test_without_redis_each_process_counts_in_its_own_memory() -> None:
    one = RateLimits(floor_requests="2 per minute")
    two = RateLimits(floor_requests="2 per minute")
    assert one.shared is None
    assert [await _allowed(one, "token:t1") for _ in range(3)] == [True, True, False]
    assert [await _allowed(two, "token:t1") for _ in range(3)] == [True, True, False]
    clock = FakeClock(1_000.0)
    alone = RateLimits(now=clock)
    for _ in range(5):
        await alone.logins.failed("amina", "10.0.0.1")
    with pytest.raises(TooManyRequests):
        await alone.logins.check("amina", "10.0.0.1")
    await RateLimits(now=clock).logins.check("amina", "10.0.0.1")  # another process: no count


@pytest.mark.anyio
async def test_an_unreachable_redis_falls_back_to_memory_logs_once_and_keeps_serving(
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = f"redis://127.0.0.1:{_unused_port()}/0"
    clock = FakeClock(1_000.0)
    limits = RateLimits(floor_requests="2 per minute", now=clock, redis_url=url, prefix="x:")
    try:
        with caplog.at_level(logging.WARNING, logger="app.access.counters"):
            answers = [await _allowed(limits, "token:t1") for _ in range(3)]
            for _ in range(5):
                await limits.logins.failed("amina", "10.0.0.1")
            with pytest.raises(TooManyRequests):
                await limits.logins.check("amina", "10.0.0.1")
            await limits.logins.succeeded("amina", "10.0.0.1")
            await limits.logins.check("amina", "10.0.0.1")
        assert answers == [True, True, False]  # counted in memory: the limit still holds
        outages = [r for r in caplog.records if "Redis unavailable" in r.getMessage()]
        assert len(outages) == 1
    finally:
        await limits.aclose()


@pytest.mark.anyio
async def test_after_a_fault_redis_is_left_alone_for_a_while_then_counts_again(
    prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    paused = RateLimits(floor_requests="2 per minute", redis_url=REDIS_URL, prefix=prefix)
    retrying = RateLimits(
        floor_requests="2 per minute", redis_url=REDIS_URL, prefix=prefix, retry_redis_seconds=0
    )
    assert paused.shared is not None
    assert retrying.shared is not None
    try:
        with caplog.at_level(logging.WARNING, logger="app.access.counters"):
            paused.shared.failed(OSError("a cut"))  # as a call that just met an outage
            retrying.shared.failed(OSError("a cut"))
            assert await _allowed(paused, "token:t1")  # in memory: Redis not tried in the pause
            assert await _allowed(retrying, "token:t1")  # no pause: Redis again, and it answers
            assert await _allowed(retrying, "token:t1")
            assert not await _allowed(retrying, "token:t1")  # two in Redis, the third refused
        assert [r.getMessage() for r in caplog.records].count(
            "rate limits: Redis is back; counting across processes again"
        ) == 1
    finally:
        await paused.aclose()
        await retrying.aclose()
