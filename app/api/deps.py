"""Dependencies shared by HTTP and WebSocket routes (they take HTTPConnection).

They are ``async def`` although they never wait: FastAPI runs a plain ``def``
dependency in a worker thread, a thread hop per request for a dictionary
lookup (``app.access.guard.authorized`` is async for the same reason).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.engine import Engine
from starlette.requests import HTTPConnection

from app.access.guard import authorized
from app.access.roles import Principal
from app.errors import NotFound
from app.room.audit import Sender, sender_of
from app.room.runner import RoomRunner
from app.services import services_of


async def get_room(room_id: int, connection: HTTPConnection) -> RoomRunner:
    """The room's runner; one imported by another process starts here (``Services.room``)."""
    runner = await services_of(connection).room(room_id)
    if runner is None:
        raise NotFound("room.not_found", room=room_id)
    return runner


async def get_engine(connection: HTTPConnection) -> Engine:
    return services_of(connection).engine


RoomDep = Annotated[RoomRunner, Depends(get_room)]
EngineDep = Annotated[Engine, Depends(get_engine)]
#: The principal the route's rule let through (``app.access.guard``): never None.
PrincipalDep = Annotated[Principal, Depends(authorized)]


async def get_sender(connection: HTTPConnection, principal: PrincipalDep) -> Sender:
    """Who sends the route's command, for the audit trail (``app.room.audit``)."""
    return sender_of(connection, principal)


SenderDep = Annotated[Sender, Depends(get_sender)]
