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
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from anyio import to_thread
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

P = ParamSpec("P")
T = TypeVar("T")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; creates the SQLite file's folder if needed."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


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
    raises is raised again, unchanged (a DomainError reaches the error handler).
    """
    return await to_thread.run_sync(partial(_transaction, engine, work, *args, **kwargs))


def _transaction(
    engine: Engine,
    work: Callable[Concatenate[Session, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    with session_scope(engine) as session:
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
    with Session(engine, expire_on_commit=False) as session:
        return work(session, *args, **kwargs)


async def in_worker(work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Blocking ``work`` in a worker thread, for what keeps its own transaction.

    ``app.access``'s registry and accounts and ``app.room.audit`` still open
    their sessions themselves, and a document is rendered off the event loop.
    """
    return await to_thread.run_sync(partial(work, *args, **kwargs))


async def is_reachable(engine: Engine) -> bool:
    """Whether the database answers a trivial query (the health check)."""
    return await to_thread.run_sync(_answers, engine)


def _answers(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
