"""Which process fires a room's deadline ticks: a lease in the database (issue 17).

Theory of operation
-------------------
With several processes (``REDIS_URL`` set), every process runs every room's
scheduler, but only the one holding the room's lease ticks. A lease is one
row of ``room_lease``: the room, the ``holder`` (this process's name, see
``process_name``) and ``expires_at`` (UTC epoch seconds, on the holder's
clock).

* ``acquire_or_renew`` is one statement, an upsert: ``INSERT … ON CONFLICT
  (room_id) DO UPDATE … WHERE holder = me OR expires_at < now``. A room
  that never had a lease gets its row; an existing row is taken only if the
  caller holds it already or it has expired; one row written means the
  lease is the caller's until ``now + seconds``. Two processes cannot both
  succeed: of two racing inserts the primary key turns the second into the
  conditional update, and on PostgreSQL the second update waits for the
  first's row lock and then evaluates its condition on the row the first
  wrote (false); on SQLite writes are serial. An upsert rather than an
  ``UPDATE`` then an ``INSERT`` that fails: every process that is not the
  holder tries every interval, and PostgreSQL logs each failed insert as an
  error.
* The holder renews every ``seconds / 3`` (``Holder.renew_every``); the
  others try at the same interval and take over once the holder has missed
  its renewals for ``seconds``: a process that died loses its rooms within
  ``seconds`` plus one interval.
* ``release`` deletes the row on a clean shutdown, so that a restart (or
  another process) takes the room at once.

Why in the database and not in Redis: the database is the one source of
truth of a room, it is there with or without Redis, and the lease is then
as available as the commands themselves. Clocks: expiry is compared with
the caller's clock, so the processes' clocks must agree to well within the
lease (NTP does); a skew only delays or hastens a takeover, and a tick fired
twice during a handover is applied once (its command id is derived from its
deadline, ``app.room.runner``).
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, and_, bindparam, delete, or_
from sqlalchemy import select as core_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from app.config import Settings
from app.db.engine import database_faults
from app.db.models import RoomLease

LEASES: Table = RoomLease.__table__  # type: ignore[attr-defined]


def _take(dialect: Any) -> Any:
    """The upsert that takes or renews a lease, in ``dialect``'s words (the same on both)."""
    claim = dialect.insert(LEASES).values(
        room_id=bindparam("r_id"), holder=bindparam("me"), expires_at=bindparam("until")
    )
    take = claim.on_conflict_do_update(
        index_elements=[LEASES.c.room_id],
        set_={"holder": claim.excluded.holder, "expires_at": claim.excluded.expires_at},
        where=or_(LEASES.c.holder == claim.excluded.holder, LEASES.c.expires_at < bindparam("now")),
    )
    # SQLAlchemy keeps the driver's row count of an UPDATE or DELETE only, unless asked
    return take.execution_options(preserve_rowcount=True)


_TAKE = {"postgresql": _take(postgresql), "sqlite": _take(sqlite)}
_RELEASE = delete(LEASES).where(
    and_(LEASES.c.room_id == bindparam("r_id"), LEASES.c.holder == bindparam("me"))
)
_READ = core_select(LEASES.c.room_id, LEASES.c.holder, LEASES.c.expires_at).where(
    LEASES.c.room_id == bindparam("r_id")
)


@dataclass(frozen=True, slots=True)
class Lease:
    """A room's lease as stored: who holds it, until when."""

    room_id: int
    holder: str
    expires_at: float


class LeaseStore:
    """The ``room_lease`` table: each call is one short transaction of its own."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._take = _TAKE[engine.dialect.name]

    def acquire_or_renew(self, room_id: int, holder: str, now: float, ttl: float) -> bool:
        """Whether ``holder`` holds the room's lease until ``now + ttl`` (taken or renewed)."""
        with database_faults, self._engine.connect() as connection:
            values = {"r_id": room_id, "me": holder, "now": now, "until": now + ttl}
            taken = connection.execute(self._take, values).rowcount == 1
            connection.commit()
            return taken

    def release(self, room_id: int, holder: str) -> None:
        """Give the room's lease up, if ``holder`` holds it (a clean shutdown)."""
        with database_faults, self._engine.connect() as connection:
            connection.execute(_RELEASE, {"r_id": room_id, "me": holder})
            connection.commit()

    def lease_of(self, room_id: int) -> Lease | None:
        """The room's lease as stored (expired or not); None if no process holds one."""
        with database_faults, self._engine.connect() as connection:
            row = connection.execute(_READ, {"r_id": room_id}).first()
        return None if row is None else Lease(row.room_id, row.holder, row.expires_at)


def process_name() -> str:
    """This process as a lease holder: host and pid for a person, a random part for uniqueness."""
    return f"{socket.gethostname()[:120]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True, slots=True)
class Holder:
    """This process's side of the rooms' leases: where they are kept, its name, their length."""

    leases: LeaseStore
    name: str
    seconds: float  # how long a lease lasts unrenewed (FLOORKEEPER_SCHEDULER_LEASE_SECONDS)

    @property
    def renew_every(self) -> float:
        """The holder renews, and the others try to take over, this often."""
        return self.seconds / 3


def holder_for(engine: Engine, settings: Settings) -> Holder | None:
    """The service's holder with several processes (``REDIS_URL``); None: one process, which
    always schedules its rooms, as without a lease."""
    if not settings.redis_url:
        return None
    return Holder(LeaseStore(engine), process_name(), settings.scheduler_lease_seconds)
