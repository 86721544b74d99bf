"""S9: a change is rendered only in the views that some screen shows (issue 18, command cost).

The runner renders each change once per view as a patch of the last one. A
view no screen watches (a side room with no delegate's phone connected, a
room before its wall is switched on) costs nothing: it is rendered, as it
would have been, when a screen of it asks for the room; a screen that joined
since the last change gets its patch from that change's state. With a relay
(several processes) every view is rendered: the other processes' screens
need them all.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy.engine import Engine

from app.access.roles import Role
from app.live import protocol
from app.live.hub import Change, Screen
from app.live.view import LIVE_VIEWS, room_view
from app.queue import OpenSegment, RequestFloor
from app.room.audit import SCHEDULER
from app.room.runner import RoomRunner
from app.room.store import RoomStore
from tests.builders import seed_meeting, stored_plan
from tests.fakes import FakeClock, state
from tests.plans import START

pytestmark = pytest.mark.anyio


async def _open_room(engine: Engine, clock: FakeClock) -> RoomRunner:
    """The action group open and Mexico waiting, with no screen connected."""
    seeded = seed_meeting(engine)
    plan = stored_plan(engine, seeded.action_group)
    runner = RoomRunner(seeded.rooms[0], RoomStore(engine), clock)
    await runner.load()
    await runner.handle(OpenSegment(plan), "open-0001", sender=SCHEDULER)
    clock.advance(3)
    await runner.handle(RequestFloor(state("MEX")), "press-0001", sender=SCHEDULER)
    return runner


def _screen(view: Role) -> Screen:
    return Screen(view, None, id=view.value, role=view, connected_at=START)


def _changes(screen: Screen) -> list[Change]:
    return [item for item in screen.inbox if isinstance(item, Change)]


def _rendered(runner: RoomRunner, view: Role, at: float) -> dict[str, object]:
    """The view of the runner's state at ``at``, rendered from scratch, as the live one is kept."""
    room = room_view(runner.state, runner.version, at, view)
    del room["version"], room["server_time"]
    return room


async def test_S9_a_change_is_rendered_only_in_the_views_a_screen_shows(engine: Engine) -> None:
    clock = FakeClock(START)
    runner = await _open_room(engine, clock)
    wall = _screen(Role.DISPLAY)
    with runner.hub.subscribe(wall):
        clock.advance(3)
        await runner.handle(RequestFloor(state("GHA")), "press-0002", sender=SCHEDULER)

    [change] = _changes(wall)
    assert set(change.texts) == {Role.DISPLAY}


async def test_S9_a_view_nobody_watched_is_sent_as_it_would_have_been_rendered(
    engine: Engine,
) -> None:
    clock = FakeClock(START)
    runner = await _open_room(engine, clock)

    for view in LIVE_VIEWS:  # at the time of the last change, which is now
        version, at, room = runner.live_view(view)
        assert version == runner.version
        assert at == START + 3
        assert room == _rendered(runner, view, at)


async def test_S9_a_screen_not_yet_sent_the_room_gets_a_patch_that_adds_up(
    engine: Engine,
) -> None:
    """It joined after the last change, which nobody of its view watched, and before it
    was sent the room: the next change's patch is of the view that change would have had."""
    clock = FakeClock(START)
    runner = await _open_room(engine, clock)
    _, at, _ = runner.live_view(Role.MODERATOR)  # the moderator's view is now held, not the others
    before = _rendered(runner, Role.DELEGATE, at)
    phone = _screen(Role.DELEGATE)
    with runner.hub.subscribe(phone):
        clock.advance(3)
        await runner.handle(RequestFloor(state("GHA")), "press-0002", sender=SCHEDULER)

    [change] = _changes(phone)
    patch = json.loads(change.texts[Role.DELEGATE])["room"]
    _, _, after = runner.live_view(Role.DELEGATE)
    assert protocol.merge(before, patch) == after
    assert after == _rendered(runner, Role.DELEGATE, START + 6)


async def test_S9_with_a_relay_every_view_is_rendered_for_the_other_processes(
    engine: Engine,
) -> None:
    clock = FakeClock(START)
    runner = await _open_room(engine, clock)
    relayed: list[Change] = []
    runner.relay = lambda _room, change: relayed.append(change)
    before = {view: _rendered(runner, view, START + 3) for view in LIVE_VIEWS}
    clock.advance(3)
    await runner.handle(RequestFloor(state("GHA")), "press-0002", sender=SCHEDULER)

    [change] = relayed
    assert set(change.texts) == set(LIVE_VIEWS)
    for view in LIVE_VIEWS:  # each a patch of that view as it was: they add up
        patch = json.loads(change.texts[view])["room"]
        _, _, after = runner.live_view(view)
        assert protocol.merge(before[view], patch) == after == _rendered(runner, view, START + 6)
