"""Rate limits per client: floor requests, clock-sync pings and failed logins.

A delegation pressing "request the floor" in a loop, or a page pinging in a
tight loop, is refused with a clear answer instead of filling the room's
command path: HTTP gets a 429 with ``Retry-After``, the live channel an
``error`` message saying how long to wait (the socket stays open).

Who counts as one client: for floor requests, the credential (its token id,
or its delegation for an unrecorded token), else the client's address; for
pings, the socket itself (many screens may share one venue address). The
limits are moving windows; tests replace ``Services.rate_limits``.

Floor requests are counted by ``limits``: in memory without ``REDIS_URL``
(one process), in Redis with it (``limits``' async Redis storage, keys under
``{FLOORKEEPER_REDIS_PREFIX}limits:``), so that a client is counted once
however many processes its requests reach. A socket's pings are counted on the socket
(``PingWindow``): the count lives and dies with it, so there is no key to
store or expire. ``limits``' memory storage starts a timer thread to expire
keys when it is hit; with thousands of screens pinging, that thread was the
costliest part of answering a ping (docs/benchmarks.md).

Failed logins (``LoginThrottle``) are counted per account name at one
address and per address, on the service's clock (``Services.now``, a
``FakeClock`` in tests): once either is used up, an attempt is refused with
429 before its password is hashed, so a guessing script costs no argon2
time. Only failures count, and a success forgets its account's failures; so
others' failures block a person's login only through the address's limit
(a venue behind one NAT address shares it). With ``REDIS_URL`` the failures
are a sorted set per key in Redis (``app.access.counters``), scored by that same
injected clock: ``limits`` reads ``time.time()`` itself, which a test's
clock cannot move.

A Redis fault never refuses a request: the counter falls back to this
process's memory (logged once per outage) and Redis is tried again
a few seconds later (``app.access.counters.SharedCounters``).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from fastapi import Depends, params
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import HTTPConnection

from app.access.counters import (
    ACCOUNT,
    ADDRESS,
    REDIS_FAULTS,
    RETRY_REDIS_SECONDS,
    SharedCounters,
)
from app.access.tokens import principal_of
from app.errors import DomainError, Param
from app.services import services_of

#: A page pings every 5 s once its clock has settled, and every 0.75 s until its window of
#: 16 samples is full (app/web/static/shared/room.js): that burst fits, and a page's later
#: pings keep under it even when its first ones reached the server late (a busy venue
#: link, a server busy with many pages opening at once). A flood is still refused.
PINGS = "20 per 20 seconds"
#: A press is idempotent (P6); ten in a minute is a stuck button or a script.
FLOOR_REQUESTS = "10 per minute"
#: Failed logins: a person mistyping tries a few times; a script tries thousands.
LOGIN_FAILURES_PER_ACCOUNT = "5 per 5 minutes"  # one account name, from one address
LOGIN_FAILURES_PER_ADDRESS = "20 per 5 minutes"  # every account name, from one address


class TooManyRequests(DomainError):
    """The client sent more than its limit allows; ``retry_after`` seconds until it may."""

    status_hint = 429

    def __init__(self, code: str, /, retry_after: int, **params: Param) -> None:
        super().__init__(code, **params)
        self.retry_after = retry_after


class RateLimits:
    """The counters; ``now`` is the service's clock (for failed logins).

    With ``redis_url`` floor requests and failed logins are counted in Redis,
    under ``prefix``, across every process (memory while Redis fails); without
    it, in this process's memory.
    """

    def __init__(
        self,
        floor_requests: str = FLOOR_REQUESTS,
        pings: str = PINGS,
        now: Callable[[], float] = time.time,
        redis_url: str | None = None,
        prefix: str = "floorkeeper:",
        retry_redis_seconds: float = RETRY_REDIS_SECONDS,
    ) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self.shared = (
            SharedCounters(redis_url, prefix, retry_seconds=retry_redis_seconds)
            if redis_url
            else None
        )
        self.floor_requests: RateLimitItem = parse(floor_requests)
        self.pings: RateLimitItem = parse(pings)
        self.logins = LoginThrottle(now, shared=self.shared)

    async def retry_after(self, item: RateLimitItem, key: str) -> int | None:
        """Count one hit of ``key``; None if allowed, else whole seconds to wait (>= 1)."""
        shared = self.shared
        if shared is not None and shared.usable():
            try:
                allowed = await shared.limiter.hit(item, key)
                reset = None if allowed else await shared.limiter.get_window_stats(item, key)
            except REDIS_FAULTS as error:
                shared.failed(error)
            else:
                shared.worked()
                return None if reset is None else max(1, math.ceil(reset.reset_time - time.time()))
        if self._limiter.hit(item, key):
            return None
        stats = self._limiter.get_window_stats(item, key)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def aclose(self) -> None:
        """Close the Redis connections (the lifespan's end)."""
        if self.shared is not None:
            await self.shared.aclose()


def limits_of(connection: HTTPConnection) -> RateLimits:
    return services_of(connection).rate_limits


def _client_key(connection: HTTPConnection) -> str:
    try:
        principal = principal_of(connection)
    except DomainError:
        principal = None  # the route's rule refuses it; count it by address meanwhile
    if principal is not None and principal.token_id:
        return f"token:{principal.token_id}"
    if principal is not None and principal.delegation:
        return f"delegation:{principal.delegation}"
    return f"address:{address_of(connection)}"


async def _limit_floor_requests(connection: HTTPConnection) -> None:
    limits = limits_of(connection)
    wait = await limits.retry_after(limits.floor_requests, _client_key(connection))
    if wait is not None:
        raise TooManyRequests(
            "limit.floor_requests", retry_after=wait, limit=str(limits.floor_requests), seconds=wait
        )


#: Attach to the floor-request route: ``dependencies=[..., FLOOR_REQUEST_LIMIT]``.
FLOOR_REQUEST_LIMIT: params.Depends = Depends(_limit_floor_requests)


class PingWindow:
    """One socket's clock-sync pings: at most ``limit.amount`` in any ``limit`` window."""

    __slots__ = ("_hits", "_seconds", "limit")

    def __init__(self, limit: RateLimitItem) -> None:
        self.limit = limit
        self._seconds = float(limit.get_expiry())
        self._hits: deque[float] = deque(maxlen=max(1, limit.amount))  # the latest, oldest first

    def terms(self) -> dict[str, float]:
        """The limit as a page is told it (viewer.pings), so that it never sends a refused ping."""
        return {"limit": self.limit.amount, "seconds": self._seconds}

    def refusal(self, now: float) -> DomainError | None:
        """Count one ping at ``now`` (monotonic); None if it may be answered, else why not."""
        hits = self._hits
        if len(hits) == hits.maxlen:
            wait = hits[0] + self._seconds - now
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                return DomainError("channel.pings", limit=str(self.limit), seconds=seconds)
        hits.append(now)
        return None


def ping_window(connection: HTTPConnection) -> PingWindow:
    """A new socket's ping counter, with the process's limit."""
    return PingWindow(limits_of(connection).pings)


class FailureWindow:
    """Failures per key, at most ``limit.amount`` in any ``limit`` window, on a given clock.

    Pure bookkeeping (no clock of its own, no timer thread): the caller passes
    ``now``. At most ``max_keys`` keys are kept; past that the key failed
    longest ago is forgotten first, so a flood of made-up names cannot fill memory.
    """

    def __init__(self, limit: RateLimitItem, max_keys: int = 10_000) -> None:
        self.limit = limit
        self._seconds = float(limit.get_expiry())
        self._max_keys = max_keys
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()  # oldest key first

    def wait(self, key: str, now: float) -> int | None:
        """None if ``key`` may try now, else whole seconds until it may (>= 1)."""
        failures = self._failures.get(key)
        if failures is None or len(failures) < self.limit.amount:
            return None
        wait = failures[0] + self._seconds - now
        return max(1, math.ceil(wait)) if wait > 0 else None

    def fail(self, key: str, now: float) -> None:
        """Count one failure of ``key`` at ``now``."""
        failures = self._failures.pop(key, None)
        if failures is None:
            failures = deque(maxlen=max(1, self.limit.amount))
        failures.append(now)
        self._failures[key] = failures
        while len(self._failures) > self._max_keys:
            self._failures.popitem(last=False)

    def forget(self, key: str) -> None:
        self._failures.pop(key, None)


class LoginThrottle:
    """Failed logins per account name at one address and per address (finding 7).

    With ``shared`` they are counted in Redis (``SharedCounters.failure``),
    else, and while Redis fails, in memory (``FailureWindow``).
    """

    def __init__(
        self,
        now: Callable[[], float],
        per_account: str = LOGIN_FAILURES_PER_ACCOUNT,
        per_address: str = LOGIN_FAILURES_PER_ADDRESS,
        shared: SharedCounters | None = None,
    ) -> None:
        self._now = now
        self._shared = shared
        self.per_account = FailureWindow(parse(per_account))
        self.per_address = FailureWindow(parse(per_address))

    async def check(self, name: str, address: str) -> None:
        """Raise TooManyRequests if this attempt may not even be tried (before any hashing)."""
        account_wait, address_wait = await self._waits(_account_key(name, address), address)
        if account_wait is not None:
            raise TooManyRequests(
                "limit.logins_account",
                retry_after=account_wait,
                name=name,
                limit=str(self.per_account.limit),
                seconds=account_wait,
            )
        if address_wait is not None:
            raise TooManyRequests(
                "limit.logins_address",
                retry_after=address_wait,
                limit=str(self.per_address.limit),
                seconds=address_wait,
            )

    async def failed(self, name: str, address: str) -> None:
        now, account = self._now(), _account_key(name, address)
        shared = self._shared
        if shared is not None and shared.usable():
            try:
                await shared.failure(ACCOUNT, self.per_account.limit, account, now)
                await shared.failure(ADDRESS, self.per_address.limit, address, now)
            except REDIS_FAULTS as error:
                shared.failed(error)
            else:
                shared.worked()
                return
        self.per_account.fail(account, now)
        self.per_address.fail(address, now)

    async def succeeded(self, name: str, address: str) -> None:
        """The account's failures from this address are forgotten (the address's are not)."""
        account = _account_key(name, address)
        self.per_account.forget(account)
        shared = self._shared
        if shared is not None and shared.usable():
            try:
                await shared.forget(ACCOUNT, account)
            except REDIS_FAULTS as error:
                shared.failed(error)
            else:
                shared.worked()

    async def _waits(self, account: str, address: str) -> tuple[int | None, int | None]:
        """The account's and the address's waits: as Redis counts them, else as memory does."""
        now = self._now()
        shared = self._shared
        if shared is not None and shared.usable():
            try:
                waits = (
                    await shared.wait(ACCOUNT, self.per_account.limit, account, now),
                    await shared.wait(ADDRESS, self.per_address.limit, address, now),
                )
            except REDIS_FAULTS as error:
                shared.failed(error)
            else:
                shared.worked()
                return waits
        return self.per_account.wait(account, now), self.per_address.wait(address, now)


def _account_key(name: str, address: str) -> str:
    return f"{address} {name.casefold()}"


def address_of(connection: HTTPConnection) -> str:
    """The client's address (behind a reverse proxy: as uvicorn's proxy headers give it)."""
    return connection.client.host if connection.client else "unknown"
