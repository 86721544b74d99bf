"""What the running service holds: one typed object, built once by the lifespan (S10).

``app.main.create_app`` builds a ``Services`` in its lifespan and yields it
as the lifespan's state, so every request and live socket reaches it as
``connection.state.services`` through ``services_of``: no module reads
``app.state`` attributes, and none guesses a default for one that is missing.
The same object is kept on ``app.state.services`` for what runs outside a
request (tests, the command line).

This module holds no logic of its own beyond starting the rooms of a meeting
imported while the service runs (here, or by another process: the relay's
announcement, or a route's first look at a room this process does not know,
``room``); its imports of the parts are for types only, so that every part
may import it without a cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict, cast

import anyio
from anyio import to_thread
from starlette.requests import HTTPConnection

if TYPE_CHECKING:
    from anyio.abc import TaskGroup
    from sqlalchemy.engine import Engine

    from app.access.credentials import CredentialRegistry
    from app.access.ratelimit import RateLimits
    from app.access.scope import MeetingMap
    from app.access.tokens import Signer
    from app.config import Settings
    from app.live.hub import LiveConfig
    from app.live.relay import Relay
    from app.room.runner import RoomRunner
    from app.room.store import RoomStore


@dataclass(slots=True)
class Services:
    """The service's parts, as the lifespan built them."""

    settings: Settings
    now: Callable[[], float]  # the one clock (UTC epoch seconds); tests pass a FakeClock
    signer: Signer
    engine: Engine
    store: RoomStore
    rooms: dict[int, RoomRunner]
    credentials: CredentialRegistry
    meeting_map: MeetingMap
    rate_limits: RateLimits
    live: LiveConfig
    schedulers: TaskGroup  # every room's scheduler runs in it; a new meeting's rooms join it
    open_room: Callable[[int], RoomRunner]  # a room's runner as the settings configure it
    relay: Relay | None = None  # with REDIS_URL: the fan-out across processes
    _starting: anyio.Lock = field(default_factory=anyio.Lock)  # one runner per room, however asked

    async def start_rooms(self, room_ids: Iterable[int]) -> None:
        """Rooms this process does not run yet: loaded, then scheduled (and relayed)."""
        async with self._starting:
            for room_id in room_ids:
                if room_id in self.rooms:
                    continue  # announced and asked for at once: started once
                runner = self.open_room(room_id)
                if self.relay is not None:
                    runner.relay = self.relay.publish
                await runner.load()
                self.rooms[room_id] = runner
                self.schedulers.start_soon(runner.run_scheduler)

    async def room(self, room_id: int) -> RoomRunner | None:
        """The room's runner; None if there is no such room.

        A room this process does not run (its meeting imported by another
        process, its announcement missed) is looked up once and started.
        """
        runner = self.rooms.get(room_id)
        if runner is not None or not 0 < room_id < 2**63:  # past a database's ids: no query
            return runner
        known = self.meeting_map
        if room_id not in known.rooms:
            if await to_thread.run_sync(known.lookup, self.engine, "room", room_id) is None:
                return None
        await self.start_rooms([room_id])
        return self.rooms.get(room_id)

    async def meeting_imported(
        self,
        meeting_id: int,
        room_ids: Iterable[int],
        segment_ids: Iterable[int],
        *,
        announce: bool = True,
    ) -> None:
        """A meeting committed while the service runs: its rooms and segments join the
        meeting map, its rooms start, and (``announce``, with REDIS_URL) every other
        process does the same."""
        rooms, segments = list(room_ids), list(segment_ids)
        self.meeting_map.note(meeting_id, rooms, segments)
        await self.start_rooms(rooms)
        if announce and self.relay is not None:
            self.relay.meeting(meeting_id, rooms, segments)


class State(TypedDict):
    """What the lifespan yields (Starlette copies it into every connection's state)."""

    services: Services


def services_of(connection: HTTPConnection) -> Services:
    """The running service's parts, for a route, a dependency or a live socket."""
    return cast("Services", connection.state.services)
