"""What a change costs the server before the fan-out, part by part, in one process (issue 18).

``python -m bench.render [--waiting 4,30] [--repeat 300]``

For a room with a speech running and ``--waiting`` requests in its queue
(the test meeting of ``tests/builders.py``, driven through a real runner on a
SQLite file), times with ``timeit`` each part of a change's work that does
not depend on the number of screens: the projection of the queue (C3), each
live view, the views rendered together (``room_views``), their patches, and
the room's state made into the JSON its column stores, by the codec's
one-pass ``dump_json`` and by the old way (``dump`` and then ``json.dumps``).
Each figure is printed in µs and as a ratio to the old state write measured
in the same run, a baseline that this shared machine's noise moves alike.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import timeit
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from app.db import codec
from app.db.engine import make_engine
from app.db.migrations import migrate
from app.live import protocol
from app.live.view import LIVE_VIEWS, room_view, room_views
from app.queue import GrantFloor, OpenSegment, RequestFloor, RoomState
from app.queue.projection import project
from app.room.audit import SCHEDULER
from app.room.runner import RoomRunner
from app.room.store import RoomStore
from app.timing import StartSpeech
from tests.builders import seed_meeting, stored_plan
from tests.fakes import FakeClock, state
from tests.plans import START


async def busy_room(waiting: int, folder: Path) -> tuple[RoomState, float]:
    """The welcome's speaker speaking and ``waiting`` delegations in the queue, as the
    runner left it."""
    url = f"sqlite:///{folder / 'render.db'}"
    migrate(url)
    engine = make_engine(url)
    seeded = seed_meeting(engine)
    plan = stored_plan(engine, seeded.action_group)
    clock = FakeClock(START)
    runner = RoomRunner(seeded.rooms[0], RoomStore(engine), clock)
    await runner.load()
    await runner.handle(OpenSegment(plan), "open", sender=SCHEDULER)
    for index in range(waiting):  # the welcome's speaker gets the floor: they all wait
        clock.advance(1)
        await runner.handle(RequestFloor(state(f"D{index:02d}")), f"ask-{index}", sender=SCHEDULER)
    await runner.handle(GrantFloor(), "grant", sender=SCHEDULER)
    await runner.handle(StartSpeech(), "start", sender=SCHEDULER)
    engine.dispose()
    return runner.state, clock()


def measure(room: RoomState, now: float, repeat: int) -> dict[str, float]:
    """µs per call of each part."""
    projection = project(room, now)
    before = room_views(room, 1, now - 1, LIVE_VIEWS, project(room, now - 1))
    after = room_views(room, 1, now, LIVE_VIEWS, projection)
    parts: dict[str, Callable[[], object]] = {
        "state: dump, then json.dumps (the old write)": lambda: json.dumps(codec.dump(room)),
        "state: codec.dump_json": lambda: codec.dump_json(room),
        "projection (C3)": lambda: project(room, now),
        **{
            f"view: {role.value} alone": partial(room_view, room, 1, now, role, projection)
            for role in LIVE_VIEWS
        },
        "views: the three together (room_views)": lambda: room_views(
            room, 1, now, LIVE_VIEWS, projection
        ),
        "patches: the three views": lambda: [
            protocol.diff(before[role], after[role]) for role in LIVE_VIEWS
        ],
    }
    return {name: timeit.timeit(part, number=repeat) / repeat * 1e6 for name, part in parts.items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.render", description=__doc__)
    parser.add_argument("--waiting", default="4,30", help="comma-separated queue lengths")
    parser.add_argument("--repeat", type=int, default=300, help="calls of each part")
    args = parser.parse_args(argv)
    try:
        lengths = [int(n) for n in args.waiting.split(",")]
    except ValueError:
        parser.error("--waiting takes whole numbers separated by commas, e.g. 4,30")
    if min(lengths) < 0 or max(lengths) > 99 or args.repeat < 1:
        parser.error("--waiting: 0 to 99 each; --repeat: at least 1")
    for waiting in lengths:
        with tempfile.TemporaryDirectory(prefix="render-") as folder:
            room, now = asyncio.run(busy_room(waiting, Path(folder)))
        figures = measure(room, now, args.repeat)
        baseline = next(iter(figures.values()))
        size = len(json.dumps(codec.dump(room)))
        print(f"{len(room.queue.waiting)} waiting, the state {size:,} bytes of JSON:")
        for name, micros in figures.items():
            print(f"  {name:<46} {micros:8.1f} µs  {micros / baseline:5.2f}× the old write")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
