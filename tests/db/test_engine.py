"""The one transaction boundary: committed once on return, rolled back on raise."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from sqlalchemy import exc
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.db.engine import fault_of, in_session, in_transaction
from app.db.models import Meeting, RecommendationCard
from app.errors import DatabaseUnavailable, NotFound
from app.proceedings import papers
from app.record.card import Writer
from tests.builders import seed_meeting

pytestmark = pytest.mark.anyio


def add_meeting(session: Session, key: str) -> int:
    meeting = Meeting(key=key, title=key, timezone="UTC")
    session.add(meeting)
    session.flush()
    assert meeting.id is not None
    return meeting.id


def add_meeting_then_refuse(session: Session, key: str) -> None:
    add_meeting(session, key)
    raise NotFound(f"refused after writing {key}")


def keys(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(Meeting.key)).all())


async def test_what_the_work_writes_is_committed_when_it_returns(engine: Engine) -> None:
    meeting_id = await in_transaction(engine, add_meeting, "kept")

    assert keys(engine) == ["kept"]
    assert meeting_id >= 1


async def test_what_the_work_writes_is_rolled_back_and_its_error_raised_unchanged(
    engine: Engine,
) -> None:
    with pytest.raises(NotFound, match="refused after writing lost") as refused:
        await in_transaction(engine, add_meeting_then_refuse, "lost")

    assert type(refused.value) is NotFound
    assert keys(engine) == []


async def test_a_read_commits_nothing(engine: Engine) -> None:
    await in_session(engine, add_meeting, "read only")

    assert keys(engine) == []


async def test_R2_a_card_a_concurrent_retry_wrote_first_is_answered_as_that_card(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded = seed_meeting(engine)
    first, _ = await submit_mex(engine, seeded.rooms[0], seeded.action_group, now=1.0)
    # The retry's lookup misses the first card, as if both had looked before either wrote.
    monkeypatch.setattr(papers, "_by_client_id", _missing_once(papers._by_client_id))
    again, delegation = await submit_mex(engine, seeded.rooms[0], seeded.action_group, now=2.0)

    assert again.id == first.id
    assert delegation is not None
    assert delegation.code == "MEX"
    with Session(engine) as session:
        assert len(session.exec(select(RecommendationCard)).all()) == 1


async def submit_mex(engine: Engine, room_id: int, segment_id: int, now: float) -> papers.Paper:
    return await in_transaction(
        engine,
        papers.submit,
        room_id,
        segment_id,
        papers.CardText(recommendation="Open regular pathways"),
        client_id="card-race-1",
        code="MEX",
        author="",
        paper=False,
        writer=Writer("delegate (MEX)"),
        now=now,
    )


def _missing_once(lookup: papers.ClientIdLookup) -> papers.ClientIdLookup:
    calls = 0

    def lookup_after_the_first(
        session: Session, segment_id: int, client_id: str
    ) -> papers.Paper | None:
        nonlocal calls
        calls += 1
        return None if calls == 1 else lookup(session, segment_id, client_id)

    return lookup_after_the_first


# -- database faults: which driver errors are "not now" (503), which pass through as they are


def _sqlite_error(message: str, code: int) -> sqlite3.OperationalError:
    """An error as sqlite3 raises it, with its result code (Python 3.11)."""
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = code
    return error


def _wrapped(cause: Exception) -> Exception:
    """``cause`` as SQLAlchemy raises it from a statement."""
    return exc.DBAPIError.instance("SELECT 1", None, cause, type(cause))


@pytest.mark.parametrize(
    ("cause", "fault"),
    [
        (_sqlite_error("database is locked", 5), "busy"),
        (_sqlite_error("database or disk is full", 13), "full"),
        (_sqlite_error("attempt to write a readonly database", 8), "read-only"),
        (_sqlite_error("unable to open database file", 14), "unreachable"),
        (psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"), "busy"),
        (psycopg.errors.QueryCanceled("canceling statement due to statement timeout"), "busy"),
        (psycopg.errors.DiskFull("could not extend file"), "full"),
        (psycopg.OperationalError("server closed the connection unexpectedly"), "unreachable"),
    ],
)
def test_a_database_fault_is_named_by_its_driver_code(cause: Exception, fault: str) -> None:
    assert fault_of(_wrapped(cause)) == fault


def test_a_constraint_or_a_bug_is_no_fault() -> None:
    assert fault_of(_wrapped(sqlite3.IntegrityError("UNIQUE constraint failed"))) is None
    assert fault_of(_wrapped(_sqlite_error("no such table: meeting", 1))) is None
    assert fault_of(_wrapped(psycopg.errors.UndefinedTable("relation does not exist"))) is None
    assert fault_of(NotFound("no room 9")) is None


async def test_a_fault_inside_the_boundary_is_raised_as_database_unavailable(
    engine: Engine,
) -> None:
    def full(_session: Session) -> None:
        raise _wrapped(_sqlite_error("database or disk is full", 13))

    with pytest.raises(DatabaseUnavailable, match="disk is full: nothing was saved") as raised:
        await in_transaction(engine, full)
    assert raised.value.retry_after >= 1
    with pytest.raises(DatabaseUnavailable, match="disk is full"):
        await in_session(engine, full)
