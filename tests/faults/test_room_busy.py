"""A room's waiting commands are bounded: beyond the bound, 503 RoomBusy at once, not a queue."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from tests.api_client import Api, serving
from tests.builders import seed_meeting
from tests.faults.conftest import (
    LockHolder,
    assert_applied_once,
    assert_nothing_acknowledged_lost,
    extend,
    start_a_speech,
)

#: Commands sent at once to one room, and how many may wait for it (one more holds its lock).
SENT = 8
WAITING = 2


@pytest.fixture
def crowded(sqlite_url: str, engine: Engine) -> Iterator[Api]:
    """The served room with a bound of ``WAITING`` and a busy timeout that outlasts the test."""
    with serving(
        sqlite_url,
        seed_meeting(engine),
        room_max_waiting=WAITING,
        database_busy_timeout_seconds=30.0,  # the lock is released first: nothing waits it out
    ) as api:
        start_a_speech(api)
        yield api


def test_finding_4_commands_beyond_the_rooms_bound_are_503_room_busy_while_the_room_is_stuck(
    crowded: Api, engine: Engine, lock_holder: LockHolder
) -> None:
    ids = [f"crowd-{n:04d}" for n in range(SENT)]
    lock_holder.hold()
    with ThreadPoolExecutor(SENT) as pool:
        sent = [pool.submit(extend, crowded, command_id) for command_id in ids]
        first, _ = wait(sent, return_when=FIRST_COMPLETED)  # while the room is stuck
        early = next(iter(first)).result()
        lock_holder.release()
        answers: list[Any] = [future.result() for future in sent]

    assert early.status_code == 503, early.text
    assert early.json()["error"] == "RoomBusy"
    assert early.json()["detail"].startswith("the room is busy")
    assert early.headers["Retry-After"] == "1"
    busy = [i for i, a in zip(ids, answers, strict=True) if a.status_code == 503]
    assert all(a.status_code in (200, 503) for a in answers)
    assert all(a.json()["error"] == "RoomBusy" for a in answers if a.status_code == 503)
    assert len(busy) <= SENT - 1 - WAITING  # one held the lock, WAITING waited: those ran
    acked = {
        i: assert_applied_once(a, duplicate=False)
        for i, a in zip(ids, answers, strict=True)
        if a.status_code == 200
    }
    for command_id in busy:  # the pages retry, with the same ids
        acked[command_id] = assert_applied_once(extend(crowded, command_id), duplicate=False)
    assert sorted(acked.values()) == list(range(4, 4 + SENT))  # each applied once
    assert_nothing_acknowledged_lost(engine, crowded.room, acked)
