"""What the running service holds: one typed object, built once by the lifespan (S10).

``app.main.create_app`` builds a ``Services`` in its lifespan and yields it
as the lifespan's state, so every request and live socket reaches it as
``connection.state.services`` through ``services_of``: no module reads
``app.state`` attributes, and none guesses a default for one that is missing.
The same object is kept on ``app.state.services`` for what runs outside a
request (tests, the command line).

This module holds no logic of its own beyond starting the rooms of a meeting
imported while the service runs; its imports of the parts are for types only,
so that every part may import it without a cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict, cast

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

    async def start_rooms(self, room_ids: Iterable[int]) -> None:
        """The rooms of a meeting imported while the service runs: loaded, then scheduled."""
        for room_id in room_ids:
            runner = self.open_room(room_id)
            await runner.load()
            self.rooms[room_id] = runner
            self.schedulers.start_soon(runner.run_scheduler)


class State(TypedDict):
    """What the lifespan yields (Starlette copies it into every connection's state)."""

    services: Services


def services_of(connection: HTTPConnection) -> Services:
    """The running service's parts, for a route, a dependency or a live socket."""
    return cast("Services", connection.state.services)
