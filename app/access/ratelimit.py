"""Rate limits per client: floor requests and clock-sync pings (``limits``, in memory).

A delegation pressing "request the floor" in a loop, or a page pinging in a
tight loop, is refused with a clear answer instead of filling the room's
command path: HTTP gets a 429 with ``Retry-After``, the live channel an
``error`` message saying how long to wait (the socket stays open).

Who counts as one client: for floor requests, the credential (its token id,
or its delegation for an unrecorded token), else the client's address; for
pings, the socket itself (many screens may share one venue address). The
limits are moving windows; tests replace ``Services.rate_limits``.

Floor requests are counted by ``limits`` in memory, per process, like the
hub (one worker per process). A socket's pings are counted on the socket
(``PingWindow``): the count lives and dies with it, so there is no key to
store or expire. ``limits``' memory storage starts a timer thread to expire
keys when it is hit; with thousands of screens pinging, that thread was the
costliest part of answering a ping (docs/benchmarks.md).
"""

from __future__ import annotations

import math
import time
from collections import deque

from fastapi import Depends, params
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import HTTPConnection

from app.access.tokens import principal_of
from app.errors import DomainError
from app.services import services_of

#: A page pings every 5 s (app/web/static/shared/room.js); ten in ten seconds is a flood.
PINGS = "10 per 10 seconds"
#: A press is idempotent (P6); ten in a minute is a stuck button or a script.
FLOOR_REQUESTS = "10 per minute"


class TooManyRequests(DomainError):
    """The client sent more than its limit allows; ``retry_after`` seconds until it may."""

    status_hint = 429

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class RateLimits:
    """The counters of one process."""

    def __init__(self, floor_requests: str = FLOOR_REQUESTS, pings: str = PINGS) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self.floor_requests: RateLimitItem = parse(floor_requests)
        self.pings: RateLimitItem = parse(pings)

    def retry_after(self, item: RateLimitItem, key: str) -> int | None:
        """Count one hit of ``key``; None if allowed, else whole seconds to wait (>= 1)."""
        if self._limiter.hit(item, key):
            return None
        reset = self._limiter.get_window_stats(item, key).reset_time
        return max(1, math.ceil(reset - time.time()))


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
    return f"address:{connection.client.host if connection.client else 'unknown'}"


async def _limit_floor_requests(connection: HTTPConnection) -> None:
    limits = limits_of(connection)
    wait = limits.retry_after(limits.floor_requests, _client_key(connection))
    if wait is not None:
        raise TooManyRequests(
            f"too many floor requests from this device: at most {limits.floor_requests}; "
            f"try again in {wait} s (a request already made keeps its place, P6)",
            wait,
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

    def refusal(self, now: float) -> str | None:
        """Count one ping at ``now`` (monotonic); None if it may be answered, else why not."""
        hits = self._hits
        if len(hits) == hits.maxlen:
            wait = hits[0] + self._seconds - now
            if wait > 0:
                return f"too many pings: at most {self.limit}; wait {max(1, math.ceil(wait))} s"
        hits.append(now)
        return None


def ping_window(connection: HTTPConnection) -> PingWindow:
    """A new socket's ping counter, with the process's limit."""
    return PingWindow(limits_of(connection).pings)
