"""The room's record in the database: state with a version, events, answers.

A command is one trip to the database (S7), made in one worker thread:
``record(attempt, decide)``, where the ``CommandAttempt`` says which command
of which room, against which version, when and from whom, and ``decide`` is
the runner's engine call.

1. let the runner decide, on the state it holds (the engine is pure and
   fast: deciding here saves a second trip); on PostgreSQL, first lock the
   room's state row (``SELECT … FOR UPDATE``, held to the end of the
   transaction) and, if another process has written the room since the
   runner read it, decide on the state read under the lock instead. So the
   commands of one room are serialised across processes by the database, and
   a burst from several processes costs each command no retry, where the
   version check alone (below) made it a storm of them (docs/benchmarks.md);
2. write the command id with its sender (the audit trail), the new state (checked against the
   version it was computed from: on SQLite, one process, that check is the
   whole of it) and the events, in one transaction, all or nothing. A
   command id already recorded fails the first insert (the primary key, in
   whichever process): the transaction is rolled back and the first answer is
   returned instead, so a retry is never applied twice. The id is bound to its command (M6): its
   fingerprint is stored with it and compared when the id is found again, so
   the same id with another command is refused, at no cost for a new id.

The answer, ``CommandAck``, is the one shape of a command's answer from
here to the wire: the runner returns it and the command routes answer with
it (its fields are the HTTP body and the OpenAPI schema).

These writes go through SQLAlchemy Core, not the ORM: they are the hot path
of every command (docs/benchmarks.md), and a unit of work for three known rows
costs several times the statements themselves. The tables are those of the
models in ``app.db.models``; other reads use the models. The state goes to
its column as JSON text made in one pass (``codec.dump_json``).
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import Table, and_, bindparam, insert, update
from sqlalchemy import select as core_select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.db import codec
from app.db.engine import database_faults
from app.db.models import CommandRecord, RoomEvent, RoomRow
from app.errors import CommandIdReused, DomainError, VersionConflict
from app.queue import Decision, Event, RoomState
from app.room.audit import Sender, sender_values

EVENTS = codec.Registry(typing.get_args(Event))


def _table(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


COMMANDS = _table(CommandRecord)
STATES = _table(RoomRow)
EVENT_ROWS = _table(RoomEvent)

_FIND = core_select(
    COMMANDS.c.version, COMMANDS.c.result, COMMANDS.c.kind, COMMANDS.c.fingerprint
).where(
    and_(
        COMMANDS.c.room_id == bindparam("room_id"),
        COMMANDS.c.command_id == bindparam("command_id"),
    )
)
_VERSION = core_select(STATES.c.version).where(STATES.c.room_id == bindparam("room_id"))
# Built once: every command executes these (SQLAlchemy caches their compiled form by them).
_NEW_COMMAND = insert(COMMANDS)
_NEW_EVENTS = insert(EVENT_ROWS)
_FIRST_STATE = insert(STATES)
_LOCK_ROOM = (
    core_select(STATES.c.version).where(STATES.c.room_id == bindparam("room_id")).with_for_update()
)
_STATE_OF = core_select(STATES.c.state).where(STATES.c.room_id == bindparam("room_id"))
_NEW_VERSION = (
    update(STATES)
    .where(and_(STATES.c.room_id == bindparam("r_id"), STATES.c.version == bindparam("r_version")))
    .values(
        version=bindparam("new_version"),
        state=bindparam("new_state"),
        updated_at=bindparam("new_at"),
    )
)


# The answer to a command: the room's version after it and what it produced. The
# runner returns it and the command routes answer with it as it is, so its field
# descriptions are the OpenAPI schema's. (A comment, not a docstring: pydantic would
# make a docstring the schema's description, which the schema has never had.)
@dataclass(frozen=True, slots=True)
class CommandAck:
    command_id: str
    version: Annotated[int, Field(description="the room's version after the command")]
    events: Annotated[
        tuple[str, ...], Field(description="what the command produced (empty: nothing changed)")
    ]
    duplicate: Annotated[
        bool, Field(description="true when this id was seen before: nothing was applied")
    ]


@dataclass(frozen=True, slots=True)
class CommandAttempt:
    """One command to record: which room, decided on which version, when and from whom."""

    room_id: int
    read_version: int  # the version of the state the runner decides on
    state: RoomState  # that state, as the runner holds it
    command_id: str
    kind: str  # the command's class name, as the record keeps it
    now: float  # UTC epoch seconds, the clock read once for this attempt
    sender: Sender  # the audit trail (app.room.audit)
    fingerprint: str = ""  # M6: the command the id is bound to (app.room.fingerprint)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    version: int
    seq: int
    event: Event


#: Decides on the room's state: a Decision to record, or None when there is nothing to.
Decide = Callable[[RoomState], Decision | None]


class RoomStore:
    def __init__(self, engine: Engine, *, lock_rooms: bool | None = None) -> None:
        """``lock_rooms``: decide under a lock on the room's row (default: on PostgreSQL)."""
        self._engine = engine
        self._lock_rooms = engine.dialect.name == "postgresql" if lock_rooms is None else lock_rooms

    def load(self, room_id: int) -> tuple[RoomState, int]:
        """The room's state and version; a room never used starts empty at version 0."""
        with database_faults, Session(self._engine) as session:
            row = session.get(RoomRow, room_id)
            if row is None:
                return RoomState(str(room_id)), 0
            return codec.load(RoomState, row.state), row.version

    def version(self, room_id: int) -> int:
        """The room's stored version (0 for a room never used): one indexed read."""
        with database_faults, self._engine.connect() as connection:
            stored = connection.execute(_VERSION, {"room_id": room_id}).scalar()
        return int(stored or 0)

    def find_ack(self, room_id: int, command_id: str) -> CommandAck | None:
        """The first answer to ``command_id`` in this room, if it was recorded."""
        with database_faults, self._engine.connect() as connection:
            return _find(connection, room_id, command_id)

    def record(self, attempt: CommandAttempt, decide: Decide) -> tuple[CommandAck, Decision | None]:
        """Answer ``attempt`` once: ``decide``'s decision recorded, or the earlier answer.

        ``decide`` is called once, with the state ``attempt`` was read at, or
        (PostgreSQL) the newer state read under the room's lock.
        Returns the answer and the decision it recorded; the decision is None
        for a retry (answered before) and for a tick with nothing to record.
        The command id's primary key is what makes a retry harmless: the
        insert of an id already recorded fails inside the transaction, which
        is rolled back, and the first answer is read instead. So a new id, the
        common case, costs no lookup; only a retry, a refusal (was it a retry
        of a command that was applied?) and an empty tick look the id up.
        Whatever ``decide`` raises leaves nothing written. Raises
        VersionConflict if the room moved on since ``attempt.read_version``
        (without the lock; with it, only when two processes write a room's
        very first change at once): the runner reloads and asks again. A
        database fault (locked, full, unreachable) raises DatabaseUnavailable:
        nothing was written, and the same id sent again is applied once.
        """
        room_id, version, command_id, now = (
            attempt.room_id,
            attempt.read_version,
            attempt.command_id,
            attempt.now,
        )
        with database_faults, self._engine.connect() as connection:
            state = attempt.state
            if self._lock_rooms:
                stored = connection.execute(_LOCK_ROOM, {"room_id": room_id}).scalar()
                if stored is not None and stored != version:  # another process wrote
                    data = connection.execute(_STATE_OF, {"room_id": room_id}).scalar_one()
                    version, state = stored, codec.load(RoomState, data)
            try:
                decision = decide(state)
            except DomainError:
                earlier = _find(connection, room_id, command_id, attempt)
                if earlier is None:
                    raise  # a refusal: nothing written
                return earlier, None  # a retry of a command that was applied
            if decision is None:
                earlier = _find(connection, room_id, command_id, attempt)
                return earlier or CommandAck(command_id, version, (), duplicate=False), None
            events = decision.events
            new_version = version + 1 if events else version
            names = tuple(type(e).__name__ for e in events)
            try:
                connection.execute(
                    _NEW_COMMAND,
                    {
                        "room_id": room_id,
                        "command_id": command_id,
                        "version": new_version,
                        "kind": attempt.kind,
                        "fingerprint": attempt.fingerprint,
                        "at": now,
                        "result": {"events": list(names)},
                        **sender_values(attempt.sender),  # the audit trail, in the same row
                    },
                )
            except IntegrityError:  # the id was recorded: a retry, answered as the first time
                connection.rollback()
                earlier = _find(connection, room_id, command_id, attempt)
                if earlier is None:
                    raise VersionConflict("command.being_recorded", command_id=command_id) from None
                return earlier, None
            if events:
                _write_state(connection, room_id, version, new_version, decision.state, now)
                connection.execute(
                    _NEW_EVENTS,
                    [
                        {
                            "room_id": room_id,
                            "version": new_version,
                            "seq": seq,
                            "type": type(event).__name__,
                            "payload": codec.dump(event),
                            "at": _event_time(event, now),
                        }
                        for seq, event in enumerate(events)
                    ],
                )
            connection.commit()
        return CommandAck(command_id, new_version, names, duplicate=False), decision

    def events_since(self, room_id: int, version: int, limit: int = 1000) -> list[StoredEvent]:
        """Events of versions after ``version``, in order (resume, the record)."""
        with database_faults, Session(self._engine) as session:
            return room_events(session, room_id, after=version, limit=limit)


# -- reading events: the one reader and decoder of room_event rows ----------------------


def room_events(
    session: Session,
    room_id: int,
    *,
    after: int = 0,
    kinds: tuple[type[Event], ...] = (),
    limit: int | None = None,
) -> list[StoredEvent]:
    """The room's events of versions after ``after``, in order, decoded as engine events.

    ``kinds`` keeps only events of those types (all of them if empty); the
    record (R1) folds the whole stream, a check such as "was it opened?" one kind.
    """
    query = (
        select(RoomEvent)
        .where(RoomEvent.room_id == room_id, RoomEvent.version > after)
        .order_by(col(RoomEvent.version), col(RoomEvent.seq))
        .limit(limit)
    )
    if kinds:
        query = query.where(col(RoomEvent.type).in_([k.__name__ for k in kinds]))
    rows = session.exec(query).all()
    events = decode({"type": r.type, **r.payload} for r in rows)
    return [StoredEvent(r.version, r.seq, e) for r, e in zip(rows, events, strict=True)]


def decode(stored: Iterable[Mapping[str, Any]]) -> list[Event]:
    """Stored events (``{"type": ..., **payload}``, as ``record`` writes them) as dataclasses."""
    return [EVENTS.load(dict(item)) for item in stored]


def _find(
    connection: Connection, room_id: int, command_id: str, attempt: CommandAttempt | None = None
) -> CommandAck | None:
    """The first answer to ``command_id``; CommandIdReused if it answered another command
    than ``attempt``'s (M6). Ids recorded before fingerprints were kept compare by kind."""
    row = connection.execute(_FIND, {"room_id": room_id, "command_id": command_id}).first()
    if row is None:
        return None
    if attempt is not None and (
        row.kind != attempt.kind or row.fingerprint not in ("", attempt.fingerprint)
    ):
        raise CommandIdReused(command_id, row.kind)
    events: Any = row.result.get("events", [])
    return CommandAck(command_id, row.version, tuple(events), duplicate=True)


def _write_state(
    connection: Connection,
    room_id: int,
    version: int,
    new_version: int,
    state: RoomState,
    now: float,
) -> None:
    """The room's new state, only if it is still at ``version`` (else VersionConflict)."""
    data = codec.dump_json(state)
    result = connection.execute(
        _NEW_VERSION,
        {
            "r_id": room_id,
            "r_version": version,
            "new_version": new_version,
            "new_state": data,
            "new_at": now,
        },
    )
    if result.rowcount == 1:
        return
    if version == 0:  # the room's first change: its row does not exist yet
        try:
            connection.execute(
                _FIRST_STATE,
                {"room_id": room_id, "version": new_version, "state": data, "updated_at": now},
            )
            return
        except IntegrityError:
            pass  # another process wrote the first change meanwhile
    connection.rollback()
    raise VersionConflict("room.moved_on", room=room_id, version=version)


def _event_time(event: Event, now: float) -> float:
    at = getattr(event, "at", None)
    return float(at) if at is not None else now
