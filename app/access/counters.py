"""Rate-limit counters that every process shares, in Redis (with ``REDIS_URL``).

Theory of operation
-------------------
``app.access.ratelimit`` counts in memory without ``REDIS_URL``; with it,
each process builds one ``SharedCounters`` and counts here instead, so a
client's requests are counted once whichever process they reach:

* floor requests: ``limits``' moving window on its async Redis storage
  (``limiter``), keys ``{prefix}limits:…``. ``limits`` reads ``time.time()``
  itself, as its memory storage did.
* failed logins: a sorted set per key, ``{prefix}logins:{window}:{key}``,
  each failure scored by the service's injected clock (``Services.now``, a
  ``FakeClock`` in tests), which ``limits`` could not be given. ``wait``
  drops the failures older than the window and counts the rest; ``failure``
  adds one and keeps only the latest ``limit.amount`` (what the memory
  window's deque keeps); each in one MULTI. A key expires a window (in real
  time) after its last failure, so a flood of names leaves nothing behind.

Faults. Redis must never refuse a request nor fail it with a 500: the
callers catch ``REDIS_FAULTS``, call ``failed`` and count in memory; for
``retry_seconds`` after that (monotonic: an outage lasts real seconds,
whatever clock the service runs on) they do not try Redis at all, so an
outage costs one timeout every few seconds, not one per request. The outage
is logged once, and its end.
"""

from __future__ import annotations

import logging
import math
import secrets
import time

from limits import RateLimitItem
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio import ConnectionPool, Redis
from redis.exceptions import RedisError

#: After a Redis fault the counters are this process's for this long before Redis is tried again.
RETRY_REDIS_SECONDS = 5.0
#: A request waits at most this long for Redis before it is counted in memory instead.
REDIS_TIMEOUT_SECONDS = 1.0
#: What a Redis outage raises (a refused connection, a timeout, a dropped socket).
REDIS_FAULTS = (RedisError, StorageError, OSError)
#: The two windows of failed logins: an account name at one address, and an address.
ACCOUNT = "account"
ADDRESS = "address"

log = logging.getLogger(__name__)


class SharedCounters:
    """The Redis every process counts in, and whether to try it now (see the header)."""

    def __init__(
        self,
        url: str,
        prefix: str,
        retry_seconds: float = RETRY_REDIS_SECONDS,
        timeout: float = REDIS_TIMEOUT_SECONDS,
    ) -> None:
        self.prefix = prefix
        self._pool = ConnectionPool.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._client = Redis(connection_pool=self._pool)
        storage = RedisStorage(
            f"async+{url}",
            implementation="redispy",
            key_prefix=f"{prefix}limits",
            connection_pool=self._pool,  # type: ignore[arg-type]  # for redis.asyncio.Redis
        )
        self.limiter = MovingWindowRateLimiter(storage)
        self._retry_seconds = retry_seconds
        self._down_until: float | None = None

    # -- health -------------------------------------------------------------------------

    def usable(self) -> bool:
        """Whether to count in Redis now (not in the pause after a fault)."""
        return self._down_until is None or time.monotonic() >= self._down_until

    def failed(self, error: BaseException) -> None:
        """A call raised one of ``REDIS_FAULTS``: count in memory for a while."""
        if self._down_until is None:
            log.warning("rate limits: Redis unavailable (%s); counting in memory", error)
        self._down_until = time.monotonic() + self._retry_seconds

    def worked(self) -> None:
        if self._down_until is not None:
            log.warning("rate limits: Redis is back; counting across processes again")
        self._down_until = None

    async def aclose(self) -> None:
        """Close the connections (the lifespan's end)."""
        await self._client.aclose()
        await self._pool.aclose()

    # -- failed logins ------------------------------------------------------------------

    async def wait(self, window: str, limit: RateLimitItem, key: str, now: float) -> int | None:
        """None if ``key`` may try at ``now``, else whole seconds until it may (>= 1)."""
        name, seconds = self._name(window, key), float(limit.get_expiry())
        async with self._client.pipeline(transaction=True) as multi:
            multi.zremrangebyscore(name, "-inf", now - seconds)
            multi.zcard(name)
            multi.zrange(name, 0, 0, withscores=True)
            _, count, oldest = await multi.execute()
        if count < limit.amount or not oldest:
            return None
        wait = float(oldest[0][1]) + seconds - now
        return max(1, math.ceil(wait)) if wait > 0 else None

    async def failure(self, window: str, limit: RateLimitItem, key: str, now: float) -> None:
        """Count one failure of ``key`` at ``now``."""
        name, seconds = self._name(window, key), float(limit.get_expiry())
        async with self._client.pipeline(transaction=True) as multi:
            multi.zadd(name, {f"{now!r} {secrets.token_hex(4)}": now})  # unique per failure
            multi.zremrangebyrank(name, 0, -(limit.amount + 1))
            multi.expire(name, math.ceil(seconds) + 1)
            await multi.execute()

    async def forget(self, window: str, key: str) -> None:
        await self._client.delete(self._name(window, key))

    def _name(self, window: str, key: str) -> str:
        return f"{self.prefix}logins:{window}:{key}"
