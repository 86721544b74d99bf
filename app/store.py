"""The room's record in the database: state with a version, events, answers.

Helpers never commit on their own except ``commit``, which is the one
transaction of a command (S7): the command id, the new state checked against
the version it was computed from, and the events, all or nothing. Methods are
synchronous; the runner calls them in a worker thread.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app import codec
from app.audit import SCHEDULER, Sender, audit_row
from app.errors import VersionConflict
from app.models import CommandRecord, RoomEvent
from app.models import RoomState as RoomStateRow
from app.queue import Event, RoomState

EVENTS = codec.Registry(typing.get_args(Event))


@dataclass(frozen=True, slots=True)
class Ack:
    """The answer to a command: the room version after it and what it produced."""

    command_id: str
    version: int
    events: tuple[str, ...]
    duplicate: bool = False  # a retry: the first answer, nothing applied twice


@dataclass(frozen=True, slots=True)
class StoredEvent:
    version: int
    seq: int
    event: Event


class RoomStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def load(self, room_id: int) -> tuple[RoomState, int]:
        """The room's state and version; a room never used starts empty at version 0."""
        with Session(self._engine) as session:
            row = session.get(RoomStateRow, room_id)
            if row is None:
                return RoomState(str(room_id)), 0
            return codec.load(RoomState, row.state), row.version

    def find_ack(self, room_id: int, command_id: str) -> Ack | None:
        with Session(self._engine) as session:
            record = session.get(CommandRecord, (room_id, command_id))
            return None if record is None else _ack(record, duplicate=True)

    def commit(
        self,
        room_id: int,
        version: int,
        state: RoomState,
        events: tuple[Event, ...],
        command_id: str,
        kind: str,
        now: float,
        sender: Sender = SCHEDULER,
    ) -> Ack:
        """Record the command's outcome in one transaction, against ``version``.

        Raises VersionConflict if the room moved on since ``version`` was read;
        returns the earlier answer if another writer recorded ``command_id``.
        """
        new_version = version + 1 if events else version
        names = tuple(type(e).__name__ for e in events)
        with Session(self._engine) as session:
            try:
                session.add(
                    CommandRecord(
                        room_id=room_id,
                        command_id=command_id,
                        version=new_version,
                        kind=kind,
                        at=now,
                        result={"events": list(names)},
                    )
                )
                session.flush()
            except IntegrityError:
                session.rollback()
                earlier = self.find_ack(room_id, command_id)
                assert earlier is not None
                return earlier
            session.add(audit_row(room_id, command_id, sender, now))  # who, from where
            if events:
                self._write_state(session, room_id, version, new_version, state, now)
                for seq, event in enumerate(events):
                    session.add(
                        RoomEvent(
                            room_id=room_id,
                            version=new_version,
                            seq=seq,
                            type=type(event).__name__,
                            payload=codec.dump(event),
                            at=_event_time(event, now),
                        )
                    )
            session.commit()
        return Ack(command_id, new_version, names)

    def _write_state(
        self,
        session: Session,
        room_id: int,
        version: int,
        new_version: int,
        state: RoomState,
        now: float,
    ) -> None:
        data = codec.dump(state)
        if version == 0 and session.get(RoomStateRow, room_id) is None:
            session.add(
                RoomStateRow(room_id=room_id, version=new_version, state=data, updated_at=now)
            )
            try:
                session.flush()
            except IntegrityError:
                session.rollback()
                raise VersionConflict(f"room {room_id} was written by another process") from None
            return
        result = session.execute(
            update(RoomStateRow)
            .where(col(RoomStateRow.room_id) == room_id, col(RoomStateRow.version) == version)
            .values(version=new_version, state=data, updated_at=now)
        )
        if getattr(result, "rowcount", 0) != 1:
            session.rollback()
            raise VersionConflict(f"room {room_id} moved on from version {version}")

    def events_since(self, room_id: int, version: int, limit: int = 1000) -> list[StoredEvent]:
        """Events of versions after ``version``, in order (resume, the record)."""
        with Session(self._engine) as session:
            rows = session.exec(
                select(RoomEvent)
                .where(RoomEvent.room_id == room_id, RoomEvent.version > version)
                .order_by(col(RoomEvent.version), col(RoomEvent.seq))
                .limit(limit)
            ).all()
            return [
                StoredEvent(r.version, r.seq, EVENTS.load({"type": r.type, **r.payload}))
                for r in rows
            ]


def _ack(record: CommandRecord, duplicate: bool) -> Ack:
    events: Any = record.result.get("events", [])
    return Ack(record.command_id, record.version, tuple(events), duplicate)


def _event_time(event: Event, now: float) -> float:
    at = getattr(event, "at", None)
    return float(at) if at is not None else now
