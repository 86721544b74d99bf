"""A burst of commands to one room from several processes on PostgreSQL: retries with and without
the room's lock (issue 17).

``python -m bench.command_lock [--processes 3] [--commands 50] [--url postgresql+psycopg://…]``

Each "process" is its own engine (connection pool), ``RoomStore`` and
``RoomRunner`` for the same room, in one test process: the runners share
no memory, only the database, and their trips to it run in worker threads
at once. Each sends ``--commands`` ``ExtendSpeech`` commands one after the
other (as a moderator's console would), all processes together. Counted:
the ``VersionConflict`` retries (a command decided on a state another
process had already changed, reloaded and decided again), the commands
refused after ``FLOORKEEPER_COMMAND_RETRIES`` of them (``room.too_busy``),
and whether every command was applied exactly once.

Two runs: the store as before issue 17 (the version check alone,
``lock_rooms=False``) and with the lock (``SELECT … FOR UPDATE`` of the
room's row, deciding on the state read under it). Each run gets a fresh
database on the server of ``--url`` (dropped afterwards). The figures are
printed and written to ``bench/results/command_lock.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.db.engine import make_engine
from app.db.migrations import migrate
from app.db.models import CommandRecord, RoomEvent
from app.errors import VersionConflict
from app.queue import Decision, GrantFloor, OpenSegment
from app.room.audit import SCHEDULER
from app.room.runner import RoomRunner
from app.room.store import CommandAck, CommandAttempt, Decide, RoomStore
from app.timing import ExtendSpeech, StartSpeech
from tests.builders import seed_meeting, stored_plan
from tests.db import postgres
from tests.plans import START

RESULTS = Path(__file__).resolve().parent / "results" / "command_lock.json"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class ConflictCountingStore(RoomStore):
    """A room store that counts the VersionConflicts it answers (each is one retry)."""

    def __init__(self, engine: Engine, *, lock_rooms: bool) -> None:
        super().__init__(engine, lock_rooms=lock_rooms)
        self.conflicts = 0

    def record(self, attempt: CommandAttempt, decide: Decide) -> tuple[CommandAck, Decision | None]:
        try:
            return super().record(attempt, decide)
        except VersionConflict:
            self.conflicts += 1
            raise


@dataclass(frozen=True)
class Burst:
    processes: int
    commands: int  # per process
    lock_rooms: bool
    retries: int  # the runners' FLOORKEEPER_COMMAND_RETRIES
    conflicts: int  # VersionConflict retries, all processes
    too_busy: int  # commands refused after `retries` conflicts
    applied: int  # the burst's command ids recorded
    extended: int  # SpeechExtended events recorded
    final_version: int
    seconds: float


async def burst(
    url: str, *, processes: int, commands: int, lock_rooms: bool, retries: int
) -> Burst:
    """The burst on the (migrated, empty) database at ``url``; see the module's header."""
    setup = make_engine(url)
    seeded = seed_meeting(setup)
    plan = stored_plan(setup, seeded.action_group)
    room = seeded.rooms[0]
    first = RoomRunner(room, RoomStore(setup), lambda: START)
    await first.load()
    await first.handle(OpenSegment(plan), "open", sender=SCHEDULER)
    await first.handle(GrantFloor(), "grant", sender=SCHEDULER)
    opened = await first.handle(StartSpeech(), "start", sender=SCHEDULER)

    engines = [make_engine(url) for _ in range(processes)]
    stores = [ConflictCountingStore(e, lock_rooms=lock_rooms) for e in engines]
    runners = [RoomRunner(room, s, lambda: START, retries=retries) for s in stores]
    for runner in runners:
        await runner.load()
    too_busy = 0

    async def send(index: int, runner: RoomRunner) -> None:
        nonlocal too_busy
        for n in range(commands):
            try:
                await runner.handle(ExtendSpeech(1), f"p{index}-{n:04d}", sender=SCHEDULER)
            except VersionConflict:
                too_busy += 1

    began = time.perf_counter()
    await asyncio.gather(*(send(i, r) for i, r in enumerate(runners)))
    seconds = time.perf_counter() - began

    with Session(setup) as session:
        applied = session.exec(
            select(func.count())
            .select_from(CommandRecord)
            .where(col(CommandRecord.command_id).like("p%-%"))
        ).one()
        extended = session.exec(
            select(func.count())
            .select_from(RoomEvent)
            .where(col(RoomEvent.type) == "SpeechExtended")
        ).one()
    _, version = RoomStore(setup).load(room)
    for engine in [setup, *engines]:
        engine.dispose()
    return Burst(
        processes=processes,
        commands=commands,
        lock_rooms=lock_rooms,
        retries=retries,
        conflicts=sum(s.conflicts for s in stores),
        too_busy=too_busy,
        applied=applied,
        extended=extended,
        final_version=version - opened.version,
        seconds=round(seconds, 3),
    )


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new, migrated database on the server of ``server_url``, dropped afterwards."""
    with postgres.fresh_database(server_url, prefix="floorkeeper_bench") as url:
        migrate(url)
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--commands", type=int, default=50)
    parser.add_argument("--url", default=DEFAULT_URL)
    args = parser.parse_args()
    runs = []
    for lock_rooms, retries in ((False, 5), (False, 10_000), (True, 5)):
        with fresh_database(args.url) as url:
            result = asyncio.run(
                burst(
                    url,
                    processes=args.processes,
                    commands=args.commands,
                    lock_rooms=lock_rooms,
                    retries=retries,
                )
            )
        runs.append(asdict(result))
        print(
            f"lock_rooms={lock_rooms!s:5} retries={retries:>5}: {result.conflicts} conflicts, "
            f"{result.too_busy} refused too busy, {result.applied} applied, "
            f"version +{result.final_version}, {result.seconds} s"
        )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(runs, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
