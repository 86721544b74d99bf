"""The one transaction boundary: committed once on return, rolled back on raise."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.db.engine import in_session, in_transaction
from app.db.models import Meeting, RecommendationCard
from app.errors import NotFound
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
