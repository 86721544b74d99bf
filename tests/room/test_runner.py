"""The room runner: one command at a time, once per id, saved before answered (S7)."""

from __future__ import annotations

import asyncio
import threading

import pytest
from anyio import to_thread
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.errors import CommandIdReused, DatabaseUnavailable, IllegalCommand, RoomBusy
from app.queue import Decision, GrantFloor, OpenSegment, RequestFloor
from app.room.audit import SCHEDULER
from app.room.runner import RoomRunner
from app.room.store import CommandAck, CommandAttempt, Decide, RoomStore
from app.timing import SegmentPlan, StartSpeech
from app.timing.allotment import SpeechStatus
from tests.builders import seed_meeting, stored_plan
from tests.fakes import FakeClock, state
from tests.plans import START

pytestmark = pytest.mark.anyio


async def _mexico_asked(engine: Engine, clock: FakeClock) -> tuple[RoomRunner, CommandAck]:
    """The action group open, and Mexico's request recorded as command ``press-0001``."""
    runner, plan = await _runner(engine, clock)
    await runner.handle(OpenSegment(plan), "open-0001", sender=SCHEDULER)
    first = await runner.handle(RequestFloor(state("MEX")), "press-0001", sender=SCHEDULER)
    return runner, first


async def _runner(
    engine: Engine, clock: FakeClock, store: RoomStore | None = None, max_waiting: int = 32
) -> tuple[RoomRunner, SegmentPlan]:
    seeded = seed_meeting(engine)
    plan = stored_plan(engine, seeded.action_group)
    runner = RoomRunner(seeded.rooms[0], store or RoomStore(engine), clock, max_waiting=max_waiting)
    await runner.load()
    return runner, plan


async def test_a_retried_command_id_is_answered_and_not_applied_twice(engine: Engine) -> None:
    clock = FakeClock(START)
    runner, first = await _mexico_asked(engine, clock)
    clock.advance(5)
    again = await runner.handle(RequestFloor(state("MEX")), "press-0001", sender=SCHEDULER)

    assert again.duplicate
    assert again.version == first.version
    assert [r.delegation_id for r in runner.state.queue.waiting] == ["MEX"]


async def test_M6_the_same_id_with_another_command_is_refused_and_applies_nothing(
    engine: Engine,
) -> None:
    clock = FakeClock(START)
    runner, first = await _mexico_asked(engine, clock)
    clock.advance(5)
    with pytest.raises(CommandIdReused, match="'press-0001' was already used for RequestFloor"):
        await runner.handle(RequestFloor(state("GHA")), "press-0001", sender=SCHEDULER)
    with pytest.raises(CommandIdReused):  # refused by the engine too: still the id's refusal
        await runner.handle(StartSpeech(), "press-0001", sender=SCHEDULER)

    assert runner.version == first.version
    assert [r.delegation_id for r in runner.state.queue.waiting] == ["MEX"]


async def test_state_is_in_the_database_before_the_answer(engine: Engine) -> None:
    clock = FakeClock(START)
    runner, plan = await _runner(engine, clock)
    await runner.handle(OpenSegment(plan), "open-0001", sender=SCHEDULER)
    clock.advance(10)
    await runner.handle(GrantFloor(), "grant-0001", sender=SCHEDULER)
    ack = await runner.handle(StartSpeech(), "start-0001", sender=SCHEDULER)

    stored, version = RoomStore(engine).load(runner.room_id)
    assert version == ack.version
    assert stored == runner.state
    assert stored.speech is not None
    assert stored.speech.status is SpeechStatus.RUNNING


async def test_a_refused_command_changes_nothing_and_is_not_recorded(engine: Engine) -> None:
    clock = FakeClock(START)
    runner, plan = await _runner(engine, clock)
    await runner.handle(OpenSegment(plan), "open-0001", sender=SCHEDULER)
    before = (runner.state, runner.version)
    with pytest.raises(IllegalCommand, match="no one has the floor"):
        await runner.handle(StartSpeech(), "start-0001", sender=SCHEDULER)
    assert (runner.state, runner.version) == before
    assert RoomStore(engine).find_ack(runner.room_id, "start-0001") is None


async def test_a_second_process_writing_the_room_makes_the_first_decide_again(
    engine: Engine,
) -> None:
    clock = FakeClock(START)
    first, plan = await _runner(engine, clock)
    second = RoomRunner(first.room_id, RoomStore(engine), clock)
    await first.handle(OpenSegment(plan), "open-0001", sender=SCHEDULER)
    await second.load()
    await second.handle(
        RequestFloor(state("MEX")), "press-0001", sender=SCHEDULER
    )  # first's state is stale now
    clock.advance(1)
    ack = await first.handle(RequestFloor(state("GHA")), "press-0002", sender=SCHEDULER)

    assert ack.version == 3
    assert [r.delegation_id for r in first.state.queue.waiting] == ["MEX", "GHA"]
    assert RoomStore(engine).load(first.room_id) == (first.state, 3)


async def test_T5_the_scheduler_ticks_at_the_deadline_without_polling(engine: Engine) -> None:
    clock = FakeClock(START)
    runner, plan = await _runner(engine, clock)
    await runner.handle(OpenSegment(plan), "open-0001", sender=SCHEDULER)
    await runner.handle(GrantFloor(), "grant-0001", sender=SCHEDULER)
    await runner.handle(
        StartSpeech(), "start-0001", sender=SCHEDULER
    )  # the moderator's 5-minute welcome
    scheduler = asyncio.create_task(runner.run_scheduler())
    try:
        clock.advance(5 * 60 - 30)  # the wrap-up warning is due
        runner.wake()
        async with asyncio.timeout(2):  # a guard, not a wait the test depends on
            while runner.state.speech is None or not runner.state.speech.warned:
                await asyncio.sleep(0)
        assert not runner.state.speech.timed_out
        events = RoomStore(engine).events_since(runner.room_id, 0)
        assert [type(e.event).__name__ for e in events][-1] == "WarningReached"
    finally:
        scheduler.cancel()


async def test_T5_a_tick_fired_twice_at_one_deadline_is_harmless(engine: Engine) -> None:
    from app.queue import Tick

    clock = FakeClock(START)
    runner, plan = await _runner(engine, clock)
    await runner.handle(OpenSegment(plan), "open-0001", sender=SCHEDULER)
    await runner.handle(GrantFloor(), "grant-0001", sender=SCHEDULER)
    await runner.handle(StartSpeech(), "start-0001", sender=SCHEDULER)
    clock.advance(5 * 60)
    one = await runner.handle(Tick(), "tick:x:1", sender=SCHEDULER)
    two = await runner.handle(Tick(), "tick:x:1", sender=SCHEDULER)
    three = await runner.handle(Tick(), "tick:x:2", sender=SCHEDULER)
    assert one.events == ("WarningReached", "TimeUp")
    assert two.duplicate
    assert three.events == ()
    assert three.version == one.version


def test_each_rooms_hub_keeps_the_backlog_the_settings_allow(
    sqlite_url: str, engine: Engine
) -> None:
    """S8: how far a screen may fall behind before it is collapsed is a setting."""
    from fastapi.testclient import TestClient

    from app.config import Environment, Settings
    from app.main import create_app
    from tests.builders import seed_meeting

    seeded = seed_meeting(engine)
    settings = Settings(
        environment=Environment.TEST,
        database_url=sqlite_url,
        secret_key="b" * 32,
        max_backlog_per_screen=7,
    )
    app = create_app(settings)
    with TestClient(app):
        assert {app.state.services.rooms[room].hub.max_backlog for room in seeded.rooms} == {7}


async def test_a_retry_the_engine_would_now_refuse_gets_the_first_answer(engine: Engine) -> None:
    """A start whose answer was lost is sent again: the speech runs, so a second start is
    illegal, but the retry is the same command and gets its first answer (idempotency, S7)."""
    clock = FakeClock(START)
    runner, plan = await _runner(engine, clock)
    await runner.handle(OpenSegment(plan), "open-0001", sender=SCHEDULER)
    await runner.handle(GrantFloor(), "grant-0001", sender=SCHEDULER)
    first = await runner.handle(StartSpeech(), "start-0001", sender=SCHEDULER)
    clock.advance(3)
    again = await runner.handle(StartSpeech(), "start-0001", sender=SCHEDULER)

    assert again.duplicate
    assert (again.version, again.events) == (first.version, first.events)
    assert runner.version == first.version
    with pytest.raises(IllegalCommand):  # a new start, with a new id, is refused as it should be
        await runner.handle(StartSpeech(), "start-0002", sender=SCHEDULER)


async def test_a_retry_is_answered_from_the_database_after_a_restart(engine: Engine) -> None:
    """The answer is in the database, not in the runner: a new runner answers the retry."""
    clock = FakeClock(START)
    first, plan = await _runner(engine, clock)
    await first.handle(OpenSegment(plan), "open-0001", sender=SCHEDULER)
    pressed = await first.handle(RequestFloor(state("MEX")), "press-0001", sender=SCHEDULER)
    second = RoomRunner(first.room_id, RoomStore(engine), clock)
    await second.load()
    again = await second.handle(RequestFloor(state("MEX")), "press-0001", sender=SCHEDULER)

    assert again.duplicate
    assert again.version == pressed.version == second.version
    assert [r.delegation_id for r in second.state.queue.waiting] == ["MEX"]


# -- a room stuck on its database: the waiting commands are bounded, and a fault answers them


class GatedStore(RoomStore):
    """A store whose trips wait for ``gate``, then fail with ``fault`` if one is set."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.fault: DatabaseUnavailable | None = None
        self.trips = 0

    def record(self, attempt: CommandAttempt, decide: Decide) -> tuple[CommandAck, Decision | None]:
        self.trips += 1
        self.entered.set()
        self.gate.wait()
        if self.fault is not None:
            raise self.fault
        return super().record(attempt, decide)


async def _stuck_with_two_waiting(
    engine: Engine,
) -> tuple[RoomRunner, GatedStore, SegmentPlan, list[asyncio.Task[CommandAck]]]:
    """A room whose first command is in the store's trip, and two more wait for the lock."""
    store = GatedStore(engine)
    runner, plan = await _runner(engine, FakeClock(START), store, max_waiting=2)
    tasks = [asyncio.create_task(runner.handle(OpenSegment(plan), "open-0001", sender=SCHEDULER))]
    await to_thread.run_sync(store.entered.wait)  # the first holds the room's lock
    for code in ("MEX", "GHA"):
        command = RequestFloor(state(code))
        tasks.append(asyncio.create_task(runner.handle(command, f"press-{code}", sender=SCHEDULER)))
    await asyncio.sleep(0)  # each runs up to its wait for the lock
    return runner, store, plan, tasks


async def test_a_command_beyond_the_rooms_waiting_bound_is_room_busy_at_once(
    engine: Engine,
) -> None:
    runner, store, _, stuck = await _stuck_with_two_waiting(engine)

    with pytest.raises(RoomBusy, match="the room is busy") as busy:
        await runner.handle(RequestFloor(state("BRA")), "press-BRA", sender=SCHEDULER)

    assert busy.value.retry_after == 1
    store.gate.set()
    acks = await asyncio.gather(*stuck)
    assert [ack.version for ack in acks] == [1, 2, 3]  # the ones that waited all ran
    assert store.trips == 3


async def test_commands_waiting_behind_a_database_fault_get_it_without_a_trip(
    engine: Engine,
) -> None:
    runner, store, plan, stuck = await _stuck_with_two_waiting(engine)
    store.fault = DatabaseUnavailable("the database is busy: nothing was saved", retry_after=2)
    store.gate.set()

    answers = await asyncio.gather(*stuck, return_exceptions=True)

    assert [type(a) for a in answers] == [DatabaseUnavailable] * 3
    assert store.trips == 1  # they would each have waited out the same busy timeout
    store.fault = None
    ack = await runner.handle(OpenSegment(plan), "open-0001", sender=SCHEDULER)  # the retry
    assert (ack.version, ack.duplicate) == (1, False)


async def test_M6_an_id_recorded_before_fingerprints_is_still_bound_to_its_kind(
    engine: Engine,
) -> None:
    """Rows from before migration 0006 have no fingerprint: their kind is compared."""
    clock = FakeClock(START)
    runner, first = await _mexico_asked(engine, clock)
    with engine.begin() as connection:
        connection.execute(text("UPDATE commandrecord SET fingerprint = ''"))

    again = await runner.handle(RequestFloor(state("GHA")), "press-0001", sender=SCHEDULER)
    with pytest.raises(CommandIdReused):
        await runner.handle(GrantFloor(), "press-0001", sender=SCHEDULER)

    assert (again.duplicate, again.version) == (True, first.version)
    assert [r.delegation_id for r in runner.state.queue.waiting] == ["MEX"]
