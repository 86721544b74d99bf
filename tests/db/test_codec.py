"""S5: the room's state goes to its column as JSON text made in one pass (``codec.dump_json``),
read back as the same state, on SQLite and PostgreSQL, as ``json.dumps`` would have written it."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import pytest
from sqlalchemy import JSON, Column, MetaData, Table, create_engine, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import StatementError

from app.db import codec
from app.db.engine import make_engine
from app.db.migrations import migrate
from app.queue import OpenSegment, RequestFloor, RoomState
from app.room.audit import SCHEDULER
from app.room.runner import RoomRunner
from app.room.store import RoomStore
from tests.builders import seed_meeting, stored_plan
from tests.fakes import FakeClock, state
from tests.plans import START

pytestmark = pytest.mark.anyio


@dataclass(frozen=True)
class _Reading:
    seconds: float
    name: str


def test_dump_json_writes_what_json_dumps_wrote_infinities_and_all() -> None:
    for value in (
        _Reading(math.inf, "Côte d'Ivoire"),
        _Reading(-math.inf, "مصر"),
        _Reading(1.5, ""),
    ):
        made = codec.dump_json(value).text
        assert json.loads(made) == json.loads(json.dumps(codec.dump(value)))
    assert "Infinity" in codec.dump_json(_Reading(math.inf, "")).text  # not null, as pydantic's


def test_an_engine_without_the_codec_refuses_the_text_instead_of_storing_a_string() -> None:
    table = Table("t", MetaData(), Column("state", JSON))
    plain = create_engine("sqlite://")  # no json_serializer: SQLAlchemy's json.dumps
    table.metadata.create_all(plain)
    with plain.begin() as db, pytest.raises(StatementError, match="not JSON serializable"):
        db.execute(insert(table).values(state=codec.dump_json(_Reading(1.0, ""))))
    plain.dispose()
    ours = make_engine("sqlite://")
    table.metadata.create_all(ours)
    with ours.begin() as db:
        db.execute(insert(table).values(state=codec.dump_json(_Reading(1.0, "x"))))
        assert db.execute(select(table.c.state)).scalar_one() == {"seconds": 1.0, "name": "x"}
    ours.dispose()


async def _state_written_and_read(engine: Engine) -> tuple[RoomState, RoomState]:
    seeded = seed_meeting(engine)
    plan = stored_plan(engine, seeded.action_group)
    clock = FakeClock(START)
    runner = RoomRunner(seeded.rooms[0], RoomStore(engine), clock)
    await runner.load()
    await runner.handle(OpenSegment(plan), "open-1", sender=SCHEDULER)
    await runner.handle(RequestFloor(state("CIV", "Côte d'Ivoire")), "ask-1", sender=SCHEDULER)
    stored, _ = RoomStore(engine).load(seeded.rooms[0])
    return runner.state, stored


async def test_the_state_written_as_text_is_read_back_as_the_same_state(engine: Engine) -> None:
    held, stored = await _state_written_and_read(engine)
    assert stored == held


@pytest.mark.postgres
async def test_the_state_written_as_text_is_read_back_the_same_on_postgres(
    postgres_url: str,
) -> None:
    migrate(postgres_url)
    engine = make_engine(postgres_url)
    held, stored = await _state_written_and_read(engine)
    engine.dispose()
    assert stored == held
