"""The database engine, and the one transaction boundary of a request.

Database access is synchronous SQLAlchemy run in a worker thread
(``anyio.to_thread``), chosen over an async driver so that one code path
serves SQLite and PostgreSQL, Alembic and the CLI alike (docs/architecture.md).

A route never opens a session nor commits: it hands a repository function
(``app.meeting.queries``, ``app.proceedings.papers``, ``app.proceedings.minutes``, …),
which takes a ``Session`` first and never commits, to ``in_transaction``
(writes) or ``in_session`` (reads). That is the one place where a session is
opened, committed once and rolled back on any error, which passes through
untouched, so that the one error handler renders a DomainError.

A database fault is the one exception to "untouched": a database that is
locked, full, read-only or unreachable raises ``DatabaseUnavailable`` (503,
with ``Retry-After``) from this boundary and from the room's store
(``with database_faults:``), never a driver's error. The service's engine
(``service_engine``) bounds how long a fault takes to show: SQLite's busy
timeout, PostgreSQL's connect, lock and statement timeouts, the pool's wait,
each shorter than the pages' own retries. A fault always means the
transaction was rolled back, so a command sent again with its id is applied
once (app/room/store.py).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, Concatenate, Literal, ParamSpec, TypeVar

from anyio import to_thread
from sqlalchemy import event, exc, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from app.config import Settings
from app.db import codec
from app.errors import DatabaseUnavailable

P = ParamSpec("P")
T = TypeVar("T")


log = logging.getLogger(__name__)

#: What the health check and a 503 say of the database.
DatabaseState = Literal["ok", "busy", "full", "read-only", "unreachable"]
Fault = Literal["busy", "full", "read-only", "unreachable"]

#: The health check waits this long for SQLite's write lock (Docker gives it 3 s in all).
HEALTH_LOCK_WAIT_MS = 250


def make_engine(
    url: str,
    *,
    busy_timeout: float = 30.0,
    connect_timeout: int | None = None,
    statement_timeout: float | None = None,
) -> Engine:
    """An engine for ``url``; creates the SQLite file's folder if needed.

    ``busy_timeout`` (seconds) is how long a statement waits for a lock
    (SQLite's busy timeout, PostgreSQL's lock_timeout) and a checkout for a
    pooled connection. The defaults are the tools' (migrations, the CLI):
    patient; the service's are its settings (``service_engine``).
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    kwargs: dict[str, Any] = {}
    if backend == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            with suppress(OSError):  # if it cannot be made, opening the file says so
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["pool_timeout"] = busy_timeout  # a file's pool (in memory: one connection)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": busy_timeout}
    elif backend == "postgresql":
        options = [f"-c lock_timeout={round(busy_timeout * 1000)}"]
        if statement_timeout is not None:
            options.append(f"-c statement_timeout={round(statement_timeout * 1000)}")
        connect_args: dict[str, Any] = {"options": " ".join(options)}
        if connect_timeout is not None:
            connect_args["connect_timeout"] = connect_timeout
        kwargs["connect_args"] = connect_args
        kwargs["pool_timeout"] = busy_timeout
    engine = create_engine(url, json_serializer=codec.serialize, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def service_engine(settings: Settings) -> Engine:
    """The service's engine: a database fault answers within the settings' timeouts."""
    return make_engine(
        settings.database_url,
        busy_timeout=settings.database_busy_timeout_seconds,
        connect_timeout=settings.database_connect_timeout_seconds,
        statement_timeout=settings.database_statement_timeout_seconds,
    )


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # WAL: readers never block the writer; FULL: an acknowledged command survives power loss.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed on success, rolled back on any error."""
    # expire_on_commit=False: the rows a repository returns stay readable after the commit.
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


async def in_transaction(
    engine: Engine,
    work: Callable[Concatenate[Session, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """``work(session, *args)`` in a worker thread, in one transaction.

    Committed once if ``work`` returns, rolled back if it raises; whatever it
    raises is raised again, unchanged (a DomainError reaches the error handler),
    except a database fault, raised as DatabaseUnavailable.
    """
    return await to_thread.run_sync(partial(_transaction, engine, work, *args, **kwargs))


def _transaction(
    engine: Engine,
    work: Callable[Concatenate[Session, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    with database_faults, session_scope(engine) as session:
        return work(session, *args, **kwargs)


async def in_session(
    engine: Engine,
    work: Callable[Concatenate[Session, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """``work(session, *args)`` in a worker thread, for reading: nothing is committed."""
    return await to_thread.run_sync(partial(_read, engine, work, *args, **kwargs))


def _read(
    engine: Engine,
    work: Callable[Concatenate[Session, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    # Closing the session rolls its transaction back: a read leaves nothing behind.
    with database_faults, Session(engine, expire_on_commit=False) as session:
        return work(session, *args, **kwargs)


async def in_worker(work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Blocking ``work`` in a worker thread, for what keeps its own transaction.

    ``app.access``'s registry and accounts and ``app.room.audit`` still open
    their sessions themselves, and a document is rendered off the event loop.
    """
    return await to_thread.run_sync(partial(_faults_mapped, work, *args, **kwargs))


def _faults_mapped(work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    with database_faults:
        return work(*args, **kwargs)


async def database_state(engine: Engine) -> DatabaseState:
    """What the health check says of the database: "ok" if it answers and can be written.

    Reachability is a trivial query; on SQLite, writability is taking the
    write lock for a moment (``BEGIN IMMEDIATE``, then ``ROLLBACK``), waiting
    at most ``HEALTH_LOCK_WAIT_MS``: another program holding it is "busy". A
    full disk only shows when a write needs a page: commands answer it.
    """
    return await to_thread.run_sync(_probe, engine)


def _probe(engine: Engine) -> DatabaseState:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            if engine.dialect.name == "sqlite":
                _take_sqlite_write_lock(connection.connection.dbapi_connection)
        return "ok"
    except Exception as error:
        return fault_of(error) or "unreachable"


def _take_sqlite_write_lock(raw: Any) -> None:
    (waits,) = raw.execute("PRAGMA busy_timeout").fetchone()
    raw.execute(f"PRAGMA busy_timeout = {HEALTH_LOCK_WAIT_MS}")
    try:
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("ROLLBACK")
    except sqlite3.Error as error:  # as SQLAlchemy would wrap it, to be classified alike
        raise exc.OperationalError("BEGIN IMMEDIATE", None, error) from error
    finally:
        raw.execute(f"PRAGMA busy_timeout = {int(waits)}")


# -- database faults: the driver's errors that mean "not now", as DatabaseUnavailable ------

#: SQLite's primary result codes (sqlite3 exposes them from Python 3.11).
_SQLITE_FAULTS: dict[int, Fault] = {
    5: "busy",  # SQLITE_BUSY: another connection holds the lock past the busy timeout
    6: "busy",  # SQLITE_LOCKED
    8: "read-only",  # SQLITE_READONLY
    10: "unreachable",  # SQLITE_IOERR
    13: "full",  # SQLITE_FULL
    14: "unreachable",  # SQLITE_CANTOPEN
}
#: PostgreSQL's SQLSTATEs that are not "unreachable"; other connection errors are.
_POSTGRES_FAULTS: dict[str, Fault] = {
    "55P03": "busy",  # lock_not_available: lock_timeout passed
    "57014": "busy",  # query_canceled: statement_timeout passed
    "53300": "busy",  # too_many_connections
    "53100": "full",  # disk_full
    "25006": "read-only",  # read_only_sql_transaction (a standby)
}
#: What a person reads, and when to retry (seconds). Nothing was saved: a fault rolls back.
_ANSWERS: dict[Fault, tuple[str, int]] = {
    "busy": ("database.busy", 2),
    "full": ("database.full", 30),
    "read-only": ("database.read_only", 30),
    "unreachable": ("database.unreachable", 5),
}


def fault_of(error: BaseException) -> Fault | None:
    """Which fault ``error`` is, or None if it is not one (a bug, a constraint: raised as is)."""
    if isinstance(error, exc.TimeoutError):  # the pool: every connection stays checked out
        return "busy"
    if not isinstance(error, exc.DBAPIError):
        return None
    cause = error.orig
    if isinstance(cause, sqlite3.Error):
        code = getattr(cause, "sqlite_errorcode", None)
        return None if code is None else _SQLITE_FAULTS.get(code & 0xFF)
    if not isinstance(error, exc.OperationalError | exc.InterfaceError):
        return None  # IntegrityError, ProgrammingError, DataError: not the database's state
    return _POSTGRES_FAULTS.get(getattr(cause, "sqlstate", None) or "", "unreachable")


def unavailable(error: BaseException) -> DatabaseUnavailable | None:
    """``error`` as the 503 a person reads, or None if it is no database fault."""
    fault = fault_of(error)
    if fault is None:
        return None
    code, retry_after = _ANSWERS[fault]
    log.warning("database %s: %s", fault, _reason(error))
    return DatabaseUnavailable(code, retry_after=retry_after)


def _reason(error: BaseException) -> str:
    cause = getattr(error, "orig", None) or error
    return " ".join(str(cause).split())[:300]  # one line, without the statement or its values


class _DatabaseFaults:
    """``with database_faults:`` raises DatabaseUnavailable for a database fault inside.

    A class, not a generator: the room's store enters it on every command.
    """

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if error is not None and (fault := unavailable(error)) is not None:
            raise fault from error


database_faults = _DatabaseFaults()
