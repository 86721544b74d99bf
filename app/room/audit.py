"""The audit trail: who sent each command (role and identity) and from where.

The route's rule (``app.authorization``) is the one place that knows the
caller: it sets ``SENDER`` for the request, and the room's runner passes it
to the store, which writes a ``CommandAudit`` row in the command's own
transaction (``app.store``). A command of the scheduler (a ``Tick``) has no
sender and is recorded as the scheduler's. The secretariat reads a room's
trail with ``GET /api/rooms/{room_id}/audit``.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.requests import HTTPConnection

from app.access.roles import Principal
from app.db.models import CommandAudit, CommandRecord


@dataclass(frozen=True, slots=True)
class Sender:
    role: str
    identity: str
    token_id: str | None
    client: str


SCHEDULER = Sender(role="", identity="scheduler", token_id=None, client="")

#: The sender of the request being handled (set by the route's rule, read by the runner).
SENDER: ContextVar[Sender | None] = ContextVar("floorkeeper_sender", default=None)


def note_sender(connection: HTTPConnection, principal: Principal | None) -> None:
    """Remember who is calling, for the commands this request may send."""
    client = connection.client.host if connection.client else ""
    if principal is None:
        SENDER.set(Sender(role="anonymous", identity="anonymous", token_id=None, client=client))
        return
    identity = principal.describe() + (f" {principal.name}" if principal.name else "")
    SENDER.set(Sender(principal.role.value, identity[:200], principal.token_id, client[:64]))


def current_sender() -> Sender:
    return SENDER.get() or SCHEDULER


def audit_values(room_id: int, command_id: str, sender: Sender, now: float) -> dict[str, Any]:
    """The ``CommandAudit`` row of a command, as the store inserts it."""
    return {
        "room_id": room_id,
        "command_id": command_id,
        "role": sender.role,
        "identity": sender.identity,
        "token_id": sender.token_id,
        "client": sender.client,
        "at": now,
    }


def audit_trail(
    engine: Engine, room_id: int, limit: int = 200, before: float | None = None
) -> list[dict[str, Any]]:
    """The room's commands, newest first, each with who sent it and from where."""
    with Session(engine) as session:
        query = (
            select(CommandRecord, CommandAudit)
            .join(
                CommandAudit,
                (col(CommandAudit.room_id) == col(CommandRecord.room_id))
                & (col(CommandAudit.command_id) == col(CommandRecord.command_id)),
            )
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
                "role": audit.role,
                "identity": audit.identity,
                "token_id": audit.token_id,
                "client": audit.client,
            }
            for record, audit in session.exec(query).all()
        ]
