"""A room's commands from several processes on PostgreSQL: serialised by the database.

Each "process" is its own engine, store and runner for one room (bench/command_lock.py);
they share only the database. No timing is asserted: what each command did is.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.db.engine import make_engine
from app.db.migrations import migrate
from app.db.models import CommandRecord, RoomEvent
from app.queue import GrantFloor, OpenSegment, RequestFloor
from app.room.audit import SCHEDULER
from app.room.runner import RoomRunner
from app.room.store import RoomStore
from bench.command_lock import burst
from tests.builders import seed_meeting, stored_plan
from tests.db.postgres import postgres_url  # noqa: F401  (a fixture)
from tests.fakes import FakeClock, state
from tests.plans import START

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]


async def test_a_burst_from_three_processes_applies_each_command_once_without_retries(
    postgres_url: str,  # noqa: F811  (the fixture)
) -> None:
    migrate(postgres_url)
    result = await burst(postgres_url, processes=3, commands=50, lock_rooms=True, retries=5)

    assert (result.applied, result.extended, result.final_version) == (150, 150, 150)
    assert result.too_busy == 0
    assert result.conflicts == 0  # each decided on the state read under the room's lock


async def test_one_command_id_sent_to_two_processes_at_once_is_applied_once(
    postgres_url: str,  # noqa: F811  (the fixture)
) -> None:
    """A page retries its command on another process while the first is recording it:
    the command id is the primary key of its row, whichever process records it."""
    migrate(postgres_url)
    setup = make_engine(postgres_url)
    seeded = seed_meeting(setup)
    plan = stored_plan(setup, seeded.action_group)
    room, clock = seeded.rooms[0], FakeClock(START)
    engines = [make_engine(postgres_url) for _ in range(2)]
    one, two = (RoomRunner(room, RoomStore(e), clock) for e in engines)
    try:
        await one.load()
        await one.handle(OpenSegment(plan), "open-0001", sender=SCHEDULER)
        await one.handle(GrantFloor(), "grant-0001", sender=SCHEDULER)
        await two.load()
        codes = ["MEX", "GHA", "CHE"]
        answers = []
        for code in codes:
            command = RequestFloor(state(code))
            answers.append(
                await asyncio.gather(
                    one.handle(command, f"press-{code}", sender=SCHEDULER),
                    two.handle(command, f"press-{code}", sender=SCHEDULER),
                )
            )

        assert [sorted(a.duplicate for a in pair) for pair in answers] == [[False, True]] * 3
        assert [pair[0].version == pair[1].version for pair in answers] == [True] * 3
        with Session(setup) as session:
            recorded = session.exec(
                select(func.count())
                .select_from(CommandRecord)
                .where(col(CommandRecord.command_id).like("press-%"))
            ).one()
            asked = session.exec(
                select(func.count())
                .select_from(RoomEvent)
                .where(col(RoomEvent.type) == "FloorRequested")
            ).one()
        assert (recorded, asked) == (3, 3)
        assert RoomStore(setup).load(room)[1] == 2 + 3
    finally:
        for engine in [setup, *engines]:
            engine.dispose()
