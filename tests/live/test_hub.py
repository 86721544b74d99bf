"""The hub's sweep: heartbeats to quiet caught-up screens, silent pages marked (S8, T6).

The sweep replaces a timer per screen (app.live.hub, app.api.channel.keep_alive); these
tests drive it with explicit times and a fake socket, so nothing waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from app.access.roles import Role
from app.live.hub import RoomHub, Screen


class FakeSink:
    """A socket that takes frames until ``room`` bytes are buffered."""

    def __init__(self, room: int = 1 << 20) -> None:
        self.frames: list[bytes] = []
        self.room = room

    def write(self, frame: bytes, limit: int) -> bool:
        if self.buffered() + len(frame) > self.room:
            return False
        self.frames.append(frame)
        return True

    def buffered(self) -> int:
        return sum(len(f) for f in self.frames)


def _screen(name: str, sink: FakeSink | None) -> Screen:
    return Screen(Role.DISPLAY, sink, id=name, role=Role.DISPLAY, connected_at=0.0)


def _heartbeat(version: int) -> bytes:
    return f"heartbeat {version}".encode()


@pytest.fixture
def join() -> Iterator[Callable[[RoomHub, str, FakeSink | None], Screen]]:
    """Subscribe caught-up screens, unsubscribed when the test ends."""
    with ExitStack() as screens:

        def joined(hub: RoomHub, name: str, sink: FakeSink | None) -> Screen:
            screen = screens.enter_context(hub.subscribe(_screen(name, sink)))
            screen.go_direct()
            return screen

        yield joined


Join = Callable[[RoomHub, str, FakeSink | None], Screen]


def test_S8_a_quiet_caught_up_screen_gets_a_heartbeat_and_a_busy_one_none(join: Join) -> None:
    hub = RoomHub()
    quiet_sink, busy_sink = FakeSink(), FakeSink()
    quiet, busy = join(hub, "quiet", quiet_sink), join(hub, "busy", busy_sink)
    quiet.sent_at, busy.sent_at = 100.0, 109.0
    quiet.heard_at = busy.heard_at = 109.0
    quiet.last_sent = busy.last_sent = 7

    hub.sweep(110.0, quiet_after=110.0 - 10, silent_after=110.0 - 45, heartbeat=_heartbeat)

    assert quiet_sink.frames == [b"heartbeat 7"]
    assert quiet.sent_at == 110.0
    assert busy_sink.frames == []
    assert not quiet.silent
    assert not busy.silent


def test_S8_the_heartbeat_frame_is_made_once_per_version_not_per_screen(join: Join) -> None:
    hub = RoomHub()
    made: list[int] = []

    def heartbeat(version: int) -> bytes:
        made.append(version)
        return _heartbeat(version)

    subscribers = [join(hub, f"s{n}", FakeSink()) for n in range(5)]
    for n, subscriber in enumerate(subscribers):
        subscriber.sent_at, subscriber.heard_at = 0.0, 50.0
        subscriber.last_sent = 3 if n < 4 else 2

    hub.sweep(50.0, quiet_after=40.0, silent_after=5.0, heartbeat=heartbeat)

    assert sorted(made) == [2, 3]


def test_T6_a_page_silent_past_the_limit_is_marked_and_its_task_woken_once(join: Join) -> None:
    hub = RoomHub()
    sink = FakeSink()
    silent = join(hub, "silent", sink)
    silent.heard_at, silent.sent_at = 10.0, 10.0

    hub.sweep(60.0, quiet_after=50.0, silent_after=15.0, heartbeat=_heartbeat)

    wakeup = silent.wakeup
    assert isinstance(wakeup, asyncio.Event)
    assert silent.silent
    assert wakeup.is_set()
    assert sink.frames == []  # no heartbeat for a page about to be closed
    wakeup.clear()
    hub.sweep(61.0, quiet_after=51.0, silent_after=16.0, heartbeat=_heartbeat)
    assert not wakeup.is_set()


def test_S8_a_screen_behind_its_task_keeps_its_own_heartbeat(join: Join) -> None:
    """A screen on its inbox (no sink, or catching up) is not written to by the sweep."""
    hub = RoomHub()
    queued = join(hub, "queued", None)
    queued.sent_at, queued.heard_at = 0.0, 99.0
    assert not queued.direct

    hub.sweep(100.0, quiet_after=90.0, silent_after=55.0, heartbeat=_heartbeat)

    assert queued.sent_at == 0.0
    assert not queued.silent


def test_S8_a_socket_too_full_for_the_heartbeat_is_collapsed_to_a_resync(join: Join) -> None:
    hub = RoomHub()
    full = join(hub, "full", FakeSink(room=4))  # less than one heartbeat frame
    full.sent_at, full.heard_at, full.last_sent = 0.0, 99.0, 1

    hub.sweep(100.0, quiet_after=90.0, silent_after=55.0, heartbeat=_heartbeat)

    assert not full.direct
    assert full.resyncs == 1
