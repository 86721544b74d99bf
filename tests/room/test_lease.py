"""One scheduler per room: the lease in the database, and runners that tick only holding it.

The repository's tests run on SQLite and on PostgreSQL; the runners' tests
drive two runners that share one database and one FakeClock, a round of the
scheduler at a time (``scheduler_round``), as two processes would.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from anyio import to_thread
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.db.engine import make_engine
from app.db.migrations import migrate
from app.db.models import RoomEvent
from app.live.hub import Change
from app.queue import Decision, GrantFloor, OpenSegment
from app.room.audit import SCHEDULER
from app.room.lease import Holder, Lease, LeaseStore
from app.room.runner import RoomRunner
from app.room.store import CommandAck, CommandAttempt, Decide, RoomStore
from app.timing import PauseSpeech, SpeechStatus, StartSpeech
from tests.builders import seed_meeting, stored_plan
from tests.conftest import missing_service
from tests.fakes import FakeClock
from tests.plans import START

TTL = 5.0
WARNING_AT = START + 5 * 60 - 30  # the moderator's 5-minute welcome, started at START
TIME_UP_AT = START + 5 * 60


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[Engine]:
    """A migrated database with the test meeting's two rooms, on each backend."""
    url = sqlite_url
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        migrate(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _rooms(engine: Engine) -> tuple[int, int]:
    return seed_meeting(engine).rooms


# -- the repository ----------------------------------------------------------------------


def test_a_second_holder_is_refused_while_the_lease_is_live(database: Engine) -> None:
    room, _ = _rooms(database)
    leases = LeaseStore(database)

    assert leases.acquire_or_renew(room, "a", now=100.0, ttl=TTL)
    assert not leases.acquire_or_renew(room, "b", now=104.0, ttl=TTL)
    assert leases.lease_of(room) == _lease(room, "a", 105.0)


def test_the_holder_renews_its_lease_and_keeps_it(database: Engine) -> None:
    room, _ = _rooms(database)
    leases = LeaseStore(database)
    leases.acquire_or_renew(room, "a", now=100.0, ttl=TTL)

    assert leases.acquire_or_renew(room, "a", now=103.0, ttl=TTL)
    assert not leases.acquire_or_renew(room, "b", now=107.0, ttl=TTL)  # past the first expiry
    assert leases.lease_of(room) == _lease(room, "a", 108.0)


def test_another_holder_takes_an_expired_lease_and_the_first_cannot_renew(
    database: Engine,
) -> None:
    room, other_room = _rooms(database)
    leases = LeaseStore(database)
    leases.acquire_or_renew(room, "a", now=100.0, ttl=TTL)

    assert leases.acquire_or_renew(room, "b", now=105.5, ttl=TTL)
    assert not leases.acquire_or_renew(room, "a", now=105.6, ttl=TTL)
    assert leases.lease_of(room) == _lease(room, "b", 110.5)
    assert leases.lease_of(other_room) is None  # a lease is a room's


def test_a_released_lease_is_taken_at_once_and_only_its_holder_releases(
    database: Engine,
) -> None:
    room, _ = _rooms(database)
    leases = LeaseStore(database)
    leases.acquire_or_renew(room, "a", now=100.0, ttl=TTL)

    leases.release(room, "b")  # not b's: nothing changes
    assert leases.lease_of(room) == _lease(room, "a", 105.0)
    leases.release(room, "a")
    assert leases.lease_of(room) is None
    assert leases.acquire_or_renew(room, "b", now=101.0, ttl=TTL)


def test_of_two_processes_racing_for_a_lease_exactly_one_gets_it(database: Engine) -> None:
    """The claim of a room without a row (INSERT) and the takeover of an expired lease
    (UPDATE), each raced by two threads with their own connections, 10 times."""
    room, _ = _rooms(database)
    leases = LeaseStore(database)
    barrier = threading.Barrier(2)

    def race(holder: str, now: float) -> bool:
        barrier.wait()
        return leases.acquire_or_renew(room, holder, now=now, ttl=TTL)

    winners: list[list[bool]] = []
    with ThreadPoolExecutor(2) as pool:
        for trial in range(10):
            now = 1000.0 * (trial + 1)
            if trial % 2:  # an expired lease, which both take over; else no row, both claim
                leases.acquire_or_renew(room, "c", now=0.0, ttl=TTL)
            winners.append(list(pool.map(race, ("a", "b"), (now, now))))
            lease = leases.lease_of(room)
            assert lease is not None
            leases.release(room, lease.holder)

    assert all(sorted(results) == [False, True] for results in winners), winners


def _lease(room: int, holder: str, expires_at: float) -> Lease:
    return Lease(room, holder, expires_at)


# -- two runners on one database: only the holder ticks ------------------------------------


class TickCountingStore(RoomStore):
    """Counts the ticks a runner sends to the database."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.ticks = 0

    def record(self, attempt: CommandAttempt, decide: Decide) -> tuple[CommandAck, Decision | None]:
        if attempt.command_id.startswith("tick:"):
            self.ticks += 1
        return super().record(attempt, decide)


async def _two_processes(
    engine: Engine, clock: FakeClock, first_store: RoomStore | None = None, ttl: float = TTL
) -> tuple[RoomRunner, RoomRunner]:
    """Runners "a" and "b" of the action group's room, each its own store and lease holder;
    the welcome's speech is running (started at START by a)."""
    seeded = seed_meeting(engine)
    plan = stored_plan(engine, seeded.action_group)
    room = seeded.rooms[0]
    leases = LeaseStore(engine)
    a = RoomRunner(
        room, first_store or TickCountingStore(engine), clock, holder=Holder(leases, "a", ttl)
    )
    b = RoomRunner(room, TickCountingStore(engine), clock, holder=Holder(leases, "b", ttl))
    await a.load()
    await b.load()
    await a.handle(OpenSegment(plan), "open-0001", sender=SCHEDULER)
    await a.handle(GrantFloor(), "grant-0001", sender=SCHEDULER)
    await a.handle(StartSpeech(), "start-0001", sender=SCHEDULER)
    return a, b


def _events(engine: Engine, room: int) -> list[str]:
    with Session(engine) as session:
        rows = session.exec(
            select(RoomEvent.type).where(RoomEvent.room_id == room).order_by(col(RoomEvent.id))
        ).all()
    return list(rows)


def _ticks(runner: RoomRunner) -> int:
    store = runner._store
    assert isinstance(store, TickCountingStore)
    return store.ticks


@pytest.mark.anyio
async def test_only_the_runner_holding_the_lease_ticks(database: Engine) -> None:
    clock = FakeClock(START)
    a, b = await _two_processes(database, clock)
    await a.scheduler_round()  # a starts first: it takes the lease
    await b.scheduler_round()
    assert (a.holds_lease, b.holds_lease) == (True, False)

    clock.now = WARNING_AT - 1
    await a.scheduler_round()  # a renews
    clock.now = WARNING_AT
    await b.scheduler_round()  # the warning is due, but a's lease is live
    await a.scheduler_round()
    await b.scheduler_round()

    assert _ticks(b) == 0
    assert _ticks(a) == 1
    assert a.state.speech is not None
    assert a.state.speech.warned
    assert _events(database, a.room_id).count("WarningReached") == 1
    lease = LeaseStore(database).lease_of(a.room_id)
    assert lease is not None
    assert lease.holder == "a"


@pytest.mark.anyio
async def test_when_the_holder_dies_another_takes_the_room_after_the_lease_and_announces_once(
    database: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock(START)
    a, b = await _two_processes(database, clock)
    clock.now = WARNING_AT - 1
    await a.scheduler_round()  # a holds the room until WARNING_AT - 1 + TTL
    await b.scheduler_round()
    clock.now = WARNING_AT
    await a.scheduler_round()  # the warning, by a; then a dies: no more rounds, no release
    assert a.state.speech is not None
    assert a.state.speech.warned

    clock.now = WARNING_AT - 1 + TTL - 0.5  # a's lease is still live
    await b.scheduler_round()
    assert not b.holds_lease
    clock.now = TIME_UP_AT  # past a's lease: b takes the room over, reloads it, and ticks
    with caplog.at_level(logging.INFO, logger="app.room.runner"):
        await b.scheduler_round()

    assert b.holds_lease
    assert f"took the scheduler lease of room {b.room_id} (b)" in caplog.text
    assert b.state.speech is not None
    assert b.state.speech.timed_out
    events = _events(database, b.room_id)
    assert (events.count("WarningReached"), events.count("TimeUp")) == (1, 1)
    assert _ticks(b) == 1  # it knew the warning was given: it reloaded before ticking


@pytest.mark.anyio
async def test_a_tick_fired_by_both_runners_during_a_handover_is_applied_once(
    database: Engine,
) -> None:
    """a's tick is on its way to the database when a's lease lapses and b takes over and
    fires the same deadline: the tick's id is the deadline's, so a's is a duplicate."""
    clock = FakeClock(START)
    gated = GatedTicks(database)
    a, b = await _two_processes(database, clock, first_store=gated)
    clock.now = WARNING_AT
    a_round = asyncio.create_task(a.scheduler_round())  # takes the lease, then ticks
    await to_thread.run_sync(gated.entered.wait)
    clock.now = WARNING_AT + TTL + 1  # a stalls past its lease
    await b.scheduler_round()
    gated.gate.set()
    await a_round

    events = _events(database, a.room_id)
    assert (events.count("WarningReached"), events.count("TimeUp")) == (1, 0)
    assert gated.answers[-1].duplicate


class GatedTicks(TickCountingStore):
    """A store whose ticks wait for ``gate`` before they go to the database."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.gate, self.entered = threading.Event(), threading.Event()
        self.answers: list[CommandAck] = []

    def record(self, attempt: CommandAttempt, decide: Decide) -> tuple[CommandAck, Decision | None]:
        if attempt.command_id.startswith("tick:"):
            self.entered.set()
            self.gate.wait(10)
        ack, decision = super().record(attempt, decide)
        self.answers.append(ack)
        return ack, decision


@pytest.mark.anyio
async def test_a_stopped_scheduler_releases_its_lease_and_another_takes_it_at_once(
    engine: Engine,
) -> None:
    clock = FakeClock(START)
    a, b = await _two_processes(engine, clock)
    leases = LeaseStore(engine)
    scheduler = asyncio.create_task(a.run_scheduler())
    async with asyncio.timeout(5):  # a guard, not a wait the test depends on
        while leases.lease_of(a.room_id) is None:
            await asyncio.sleep(0.01)
    scheduler.cancel()
    with pytest.raises(asyncio.CancelledError):
        await scheduler

    assert leases.lease_of(a.room_id) is None
    await b.scheduler_round()  # at the same instant: nothing to wait out
    assert b.holds_lease


@pytest.mark.anyio
async def test_T5_the_scheduler_holding_the_lease_ticks_at_the_deadline(engine: Engine) -> None:
    """The schedulers' loops: the clock jumps to the warning (within a's long lease)."""
    clock = FakeClock(START)
    a, b = await _two_processes(engine, clock, ttl=600.0)
    schedulers = [asyncio.create_task(a.run_scheduler())]
    try:
        async with asyncio.timeout(5):  # a guard, not a wait the test depends on
            while not a.holds_lease:
                await asyncio.sleep(0.01)
        schedulers.append(asyncio.create_task(b.run_scheduler()))
        clock.now = WARNING_AT
        a.wake()
        b.wake()
        async with asyncio.timeout(5):
            while a.state.speech is None or not a.state.speech.warned:
                await asyncio.sleep(0.01)
    finally:
        for task in schedulers:
            task.cancel()
        await asyncio.gather(*schedulers, return_exceptions=True)

    assert _ticks(b) == 0
    with Session(engine) as session:
        warnings = session.exec(
            select(func.count()).where(col(RoomEvent.type) == "WarningReached")
        ).one()
    assert warnings == 1


def test_with_redis_url_the_service_takes_each_rooms_lease_and_releases_it_on_shutdown(
    sqlite_url: str, engine: Engine
) -> None:
    """The lifespan gives every runner the process's holder; stopping the service frees them."""
    import socket

    from fastapi.testclient import TestClient

    from app.config import Environment, Settings
    from app.main import create_app

    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 6379)) != 0:
            missing_service("Redis at 127.0.0.1:6379 is unreachable")
    seeded = seed_meeting(engine)
    settings = Settings(
        environment=Environment.TEST,
        database_url=sqlite_url,
        secret_key="l" * 32,
        redis_url="redis://127.0.0.1:6379/0",
        redis_prefix=f"test-lease-{uuid.uuid4().hex}:",
        demo_programme=None,
    )
    leases = LeaseStore(engine)
    with TestClient(create_app(settings)):
        deadline = time.monotonic() + 5  # a guard, not a wait the test depends on
        while any(leases.lease_of(room) is None for room in seeded.rooms):
            assert time.monotonic() < deadline, "the rooms' leases were not taken"
            time.sleep(0.02)
        held = [leases.lease_of(room) for room in seeded.rooms]
    assert len({lease.holder for lease in held if lease is not None}) == 1  # one process
    assert [leases.lease_of(room) for room in seeded.rooms] == [None, None]


def test_serve_writes_the_services_info_lines_such_as_a_lease_taken() -> None:
    """uvicorn's logging configuration alone leaves ``app.*`` INFO lines unwritten."""
    from app.cli.logs import log_config

    config = log_config()
    assert config["loggers"]["app"] == {"handlers": ["default"], "level": "INFO"}
    assert "default" in config["handlers"]


@pytest.mark.anyio
async def test_a_change_whose_process_died_before_relaying_it_reaches_every_process(
    database: Engine,
) -> None:
    """b commits and dies before its relay publishes: a, the lease holder, sees the stored
    version at one renewal, reads it at the next, and tells the others to read it too."""
    clock = FakeClock(START)
    a, b = await _two_processes(database, clock)
    await a.scheduler_round()  # a holds the lease
    markers: list[Change] = []
    a.relay = lambda _room, change: markers.append(change)
    c = RoomRunner(a.room_id, RoomStore(database), clock)  # a third process, following
    await c.load()
    await b.load()
    await b.handle(PauseSpeech(), "pause-0001", sender=SCHEDULER)  # never relayed: b died
    assert a.version == c.version == b.version - 1

    clock.now += TTL / 3
    await a.scheduler_round()  # renewal: a stored version not followed yet (maybe in flight)
    assert a.version == b.version - 1
    assert markers == []
    clock.now += TTL / 3
    await a.scheduler_round()  # still not followed one renewal later: read it, say so
    assert a.version == b.version
    assert a.state.speech is not None
    assert a.state.speech.status is SpeechStatus.PAUSED
    assert [(m.version, m.texts) for m in markers] == [(b.version, {})]

    await c.follow(markers[0])
    assert c.version == b.version
    assert c.state == a.state
