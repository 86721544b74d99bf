"""Carries committed changes and revocations between processes, through Redis streams.

Theory of operation
-------------------
Set ``REDIS_URL`` and every process runs one ``Relay``; unset, there is none
and the hub is the whole story (one process, as before).

* Publishing. The process that commits a change fans it out to its own
  screens at once (``RoomHub.publish``), then hands it to the relay
  (``publish``, never waits): an outbox drained in order by one task, which
  ``XADD``\\ s it to the room's stream ``{prefix}room:{id}`` with its version,
  the texts of its three views and this process's ``origin``, the stream
  capped near ``maxlen`` entries. A revocation goes to ``{prefix}revoked``,
  a meeting imported on this process (its id, rooms and segments) to
  ``{prefix}meetings``.
* Following. The same task's reader ``XREAD``\\ s every room's stream and the
  revocations from the last id it saw. An entry from this process is skipped
  (its screens already have it: no double delivery); any other is handed to
  the room's ``Follower`` (``RoomRunner.follow``), which applies it when it
  is the next version and reloads the room from the database (every screen
  resyncs) when a version is missing. A meeting announced by another process
  is handed to ``on_meeting`` (its rooms start here); a room started since
  the reader began is followed from its stream's end after a reload
  (``catch_up``), so a change committed before it was followed is not lost.
* Faults. A Redis error ends the connection; the relay retries with a
  backoff (``backoff_seconds`` doubling to ``max_backoff_seconds``). Commands
  keep committing to the database meanwhile and each process serves its own
  screens; changes that could not be published are dropped from the outbox
  (the database has them). On reconnecting, every room is caught up from the
  database (``Follower.catch_up``: a reload, and a resync of its screens if
  its version moved), then ``on_reconnect`` (the credentials read again: a
  revocation missed meanwhile), and reading resumes from the streams' ends.
  A meeting announced meanwhile is found by the first request for one of its
  rooms (``Services.room``).
* A change with no texts is the lease holder's word that a version was
  committed but never relayed (its process died before publishing): a
  follower behind it reads the room from the database.

Streams, not pub/sub: an entry stays readable by id, so a reader that was
busy between two reads misses nothing, and the stream's cap bounds memory.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

import anyio
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.access.roles import Role
from app.live.hub import Change

log = logging.getLogger(__name__)


class Follower(Protocol):
    """A room as the relay sees it (``app.room.runner.RoomRunner``)."""

    async def follow(self, change: Change) -> None: ...

    async def catch_up(self) -> None: ...


class Relay:
    """One process's side of the fan-out across processes (see the module's header)."""

    def __init__(
        self,
        url: str,
        rooms: Mapping[int, Follower],
        *,
        prefix: str = "floorkeeper:",
        on_revoked: Callable[[str], Awaitable[None]] | None = None,
        on_meeting: Callable[[int, list[int], list[int]], Awaitable[None]] | None = None,
        on_reconnect: Callable[[], Awaitable[None]] | None = None,
        maxlen: int = 1000,
        backoff_seconds: float = 0.1,
        max_backoff_seconds: float = 2.0,
        max_outbox: int = 10_000,
    ) -> None:
        self.url = url
        self.prefix = prefix
        self.origin = uuid.uuid4().hex
        self.connected = asyncio.Event()
        self._rooms = rooms  # the service's map of runners: rooms added later are followed
        self._on_revoked = on_revoked
        self._on_meeting = on_meeting
        self._on_reconnect = on_reconnect
        self._maxlen = maxlen
        self._backoff = backoff_seconds
        self._max_backoff = max_backoff_seconds
        self._outbox: asyncio.Queue[tuple[str, dict[str, str]]] = asyncio.Queue(max_outbox)
        self._ids: dict[str, str] = {}  # stream key -> last id read

    def room_key(self, room_id: int) -> str:
        return f"{self.prefix}room:{room_id}"

    @property
    def revoked_key(self) -> str:
        return f"{self.prefix}revoked"

    @property
    def meetings_key(self) -> str:
        return f"{self.prefix}meetings"

    # -- publishing (never waits) ------------------------------------------------

    def publish(self, room_id: int, change: Change) -> None:
        """Queue ``change`` of ``room_id`` for the other processes (after its commit)."""
        texts = json.dumps({str(role): text for role, text in change.texts.items()})
        self._queue(self.room_key(room_id), {"v": str(change.version), "t": texts})

    def revoked(self, token_id: str) -> None:
        """Queue ``token_id``'s revocation: its sockets on every other process close."""
        self._queue(self.revoked_key, {"token": token_id})

    def meeting(self, meeting_id: int, rooms: list[int], segments: list[int]) -> None:
        """Queue a meeting imported here (after its commit): every other process starts it."""
        fields = {"meeting": str(meeting_id), "rooms": json.dumps(rooms)}
        self._queue(self.meetings_key, {**fields, "segments": json.dumps(segments)})

    def _queue(self, key: str, fields: dict[str, str]) -> None:
        try:
            self._outbox.put_nowait((key, {**fields, "o": self.origin}))
        except asyncio.QueueFull:  # Redis down long: the database has it, readers resync
            log.warning("relay outbox full: dropped an entry for %s", key)

    # -- the task ------------------------------------------------------------------

    async def run(self) -> None:
        """Publish and follow, forever; reconnect with a backoff after a Redis fault."""
        delay = self._backoff
        first = True
        while True:
            client: Redis = Redis.from_url(
                self.url, socket_timeout=5, socket_connect_timeout=2, decode_responses=True
            )
            try:
                await client.ping()
                await self._start_ids(client)
                if not first:
                    for follower in list(self._rooms.values()):
                        await follower.catch_up()
                    if self._on_reconnect is not None:
                        await self._on_reconnect()
                first = False
                delay = self._backoff
                self.connected.set()
                async with asyncio.TaskGroup() as group:
                    group.create_task(self._send(client))
                    group.create_task(self._read(client))
            except (RedisError, OSError, ExceptionGroup) as error:
                log.warning("relay: Redis unavailable (%s); retrying in %.1f s", error, delay)
            finally:
                self.connected.clear()
                with anyio.CancelScope(shield=True):  # closed even as the lifespan cancels it
                    await client.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._max_backoff)

    async def _start_ids(self, client: Redis) -> None:
        """Read from each stream's current end (what came before is in the database)."""
        self._ids = {}
        streams = [self.revoked_key, self.meetings_key]
        for key in [*streams, *(self.room_key(r) for r in list(self._rooms))]:
            self._ids[key] = await _last_id(client, key)

    async def _send(self, client: Redis) -> None:
        while True:
            key, fields = await self._outbox.get()
            try:
                await client.xadd(key, fields, maxlen=self._maxlen, approximate=True)  # type: ignore[arg-type]
            except (RedisError, OSError):
                log.warning("relay: could not publish to %s (the database has it)", key)
                raise

    async def _read(self, client: Redis) -> None:
        while True:
            for room_id, follower in list(self._rooms.items()):
                key = self.room_key(room_id)
                if key not in self._ids:  # a room started since: from its stream's end,
                    self._ids[key] = await _last_id(client, key)
                    await follower.catch_up()  # and what was committed before that, read
            answer: Any = await client.xread(self._ids, block=1000)  # type: ignore[arg-type]
            for key, entries in answer or []:
                for entry_id, fields in entries:
                    self._ids[key] = entry_id
                    await self._deliver(key, fields)

    async def _deliver(self, key: str, fields: dict[str, str]) -> None:
        if fields.get("o") == self.origin:
            return  # this process's own: its screens had it first
        if key == self.revoked_key:
            if self._on_revoked is not None:
                await self._on_revoked(fields["token"])
            return
        if key == self.meetings_key:
            if self._on_meeting is not None:
                rooms, segments = json.loads(fields["rooms"]), json.loads(fields["segments"])
                await self._on_meeting(int(fields["meeting"]), rooms, segments)
            return
        room_id = int(key.rsplit(":", 1)[1])
        follower = self._rooms.get(room_id)
        if follower is None:
            return
        texts = {Role(role): text for role, text in json.loads(fields["t"]).items()}
        await follower.follow(Change(int(fields["v"]), texts))


async def _last_id(client: Redis, key: str) -> str:
    last: Any = await client.xrevrange(key, count=1)
    return str(last[0][0]) if last else "0-0"
