"""A runner following another process's changes (``RoomRunner.follow``, issue 17).

Two runners on one database stand for two processes; the changes the first
publishes are handed to the second as the relay would (app/live/relay.py).
"""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from app.access.roles import Role
from app.live.hub import Change, Resync, Screen
from app.queue import OpenSegment, RequestFloor
from app.room.audit import SCHEDULER
from app.room.runner import RoomRunner
from app.room.store import RoomStore
from tests.builders import seed_meeting, stored_plan
from tests.fakes import FakeClock, state
from tests.plans import START

pytestmark = pytest.mark.anyio


async def _two_processes(engine: Engine) -> tuple[RoomRunner, RoomRunner, list[Change], Screen]:
    """Runner ``here`` committed three changes, which ``there`` will follow; a display there."""
    seeded = seed_meeting(engine)
    plan = stored_plan(engine, seeded.action_group)
    clock = FakeClock(START)
    here = RoomRunner(seeded.rooms[0], RoomStore(engine), clock)
    there = RoomRunner(seeded.rooms[0], RoomStore(engine), clock)
    await here.load()
    await there.load()
    published: list[Change] = []
    here.relay = lambda _room, change: published.append(change)
    await here.handle(OpenSegment(plan), "open-0001", sender=SCHEDULER)
    clock.advance(3)
    await here.handle(RequestFloor(state("MEX")), "press-0001", sender=SCHEDULER)
    clock.advance(3)
    await here.handle(RequestFloor(state("GHA")), "press-0002", sender=SCHEDULER)
    screen = Screen(Role.DISPLAY, None, id="wall", role=Role.DISPLAY, connected_at=START)
    return here, there, published, screen


async def test_changes_followed_while_the_database_is_already_past_them_reach_screens_in_order(
    engine: Engine,
) -> None:
    here, there, published, screen = await _two_processes(engine)

    with there.hub.subscribe(screen):
        for change in published:  # the database is at 3 when change 1 arrives
            await there.follow(change)

    assert [item.version for item in screen.inbox if isinstance(item, Change)] == [1, 2, 3]
    assert not any(isinstance(item, Resync) for item in screen.inbox)  # no snapshot instead
    assert there.version == 3
    for role in (Role.DISPLAY, Role.DELEGATE, Role.MODERATOR):
        assert there.live_view(role) == here.live_view(role)  # a snapshot there adds up


async def test_a_followed_change_past_the_database_s_order_leaves_the_view_at_its_version(
    engine: Engine,
) -> None:
    here, there, published, _ = await _two_processes(engine)

    await there.follow(published[0])

    version, _, view = there.live_view(Role.DISPLAY)
    assert version == 1
    wall = view["wall"]
    assert isinstance(wall, dict)
    assert wall["waiting"] == 0  # not the two requests the database holds already


async def test_a_missed_version_resyncs_every_screen_from_the_database(engine: Engine) -> None:
    _, there, published, screen = await _two_processes(engine)

    with there.hub.subscribe(screen):
        await there.follow(published[0])
        await there.follow(published[2])  # 2 never came

    assert there.version == 3
    assert isinstance(screen.inbox[-1], Resync)
