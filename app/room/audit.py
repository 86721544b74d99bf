"""The audit trail: who sent each command (role and identity) and from where.

A command route builds its ``Sender`` from the principal its rule let
through and the connection (``sender_of``, through ``app.api.deps.SenderDep``)
and hands it to the room's runner with the command; the runner passes it to
the store, which writes it in the command's own row (``CommandRecord``,
``app.room.store``): one insert for both. A command of the service itself (the
scheduler's ``Tick``) is sent as ``SCHEDULER``. The secretariat reads a
room's trail with ``GET /api/rooms/{room_id}/audit``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.requests import HTTPConnection

from app.access.roles import Principal
from app.db.models import CommandRecord


@dataclass(frozen=True, slots=True)
class Sender:
    role: str
    identity: str
    token_id: str | None
    client: str


#: The sender of the service's own commands (the scheduler's ticks).
SCHEDULER = Sender(role="", identity="scheduler", token_id=None, client="")


def sender_of(connection: HTTPConnection, principal: Principal) -> Sender:
    """Who is calling (the principal the route's rule let through) and from where."""
    client = connection.client.host if connection.client else ""
    identity = principal.describe() + (f" {principal.name}" if principal.name else "")
    return Sender(principal.role.value, identity[:200], principal.token_id, client[:64])


def sender_values(sender: Sender) -> dict[str, Any]:
    """The sender's columns of a command's row, as the store inserts it."""
    return {
        "role": sender.role,
        "identity": sender.identity,
        "token_id": sender.token_id,
        "client": sender.client,
    }


def audit_trail(
    engine: Engine, room_id: int, limit: int = 200, before: float | None = None
) -> list[dict[str, Any]]:
    """The room's commands, newest first, each with who sent it and from where."""
    with Session(engine) as session:
        query = (
            select(CommandRecord)
            .where(CommandRecord.room_id == room_id)
            .order_by(col(CommandRecord.at).desc(), col(CommandRecord.version).desc())
            .limit(limit)
        )
        if before is not None:
            query = query.where(col(CommandRecord.at) < before)
        return [
            {
                "command_id": record.command_id,
                "kind": record.kind,
                "version": record.version,
                "at": record.at,
                "events": list(record.result.get("events", [])),
                "role": record.role,
                "identity": record.identity,
                "token_id": record.token_id,
                "client": record.client,
            }
            for record in session.exec(query).all()
        ]
