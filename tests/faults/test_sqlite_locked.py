"""SQLite held by another program: 503 with Retry-After, health says busy, nothing lost."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from tests.api_client import Api
from tests.faults.conftest import (
    LockHolder,
    assert_applied_once,
    assert_nothing_acknowledged_lost,
    assert_unavailable,
    extend,
)


def test_finding_4_a_command_on_a_locked_database_is_a_503_and_its_retry_applies_once(
    served: Api, engine: Engine, lock_holder: LockHolder
) -> None:
    acked = {"before-lock": assert_applied_once(extend(served, "before-lock"), duplicate=False)}
    lock_holder.hold()

    refused = extend(served, "during-lock")

    assert_unavailable(refused, "the database is busy (locked by another program)")
    lock_holder.release()
    version = assert_applied_once(extend(served, "during-lock"), duplicate=False)
    assert assert_applied_once(extend(served, "during-lock"), duplicate=True) == version
    acked["during-lock"] = version
    assert version == acked["before-lock"] + 1  # applied once, after the one before the lock
    assert_nothing_acknowledged_lost(engine, served.room, acked)


def test_finding_4_health_is_503_busy_while_another_program_holds_the_database(
    served: Api, lock_holder: LockHolder
) -> None:
    lock_holder.hold()

    while_held = served.client.get("/api/health")

    lock_holder.release()
    assert while_held.status_code == 503
    assert while_held.json() == {
        "status": "degraded",
        "database": "busy",
        "redis": "unused",
        "version": "0.1.0",
    }
    assert "Retry-After" in while_held.headers
    after = served.client.get("/api/health")
    assert after.status_code == 200
    assert after.json()["database"] == "ok"


def test_finding_4_recovery_needs_no_restart_the_next_command_after_the_lock_succeeds(
    served: Api, engine: Engine, lock_holder: LockHolder
) -> None:
    lock_holder.hold()
    for attempt in range(3):  # a page that keeps retrying, each with a new id
        assert_unavailable(extend(served, f"refused-{attempt}"), "busy")
    lock_holder.release()

    acked = {"after-lock": assert_applied_once(extend(served, "after-lock"), duplicate=False)}

    assert acked["after-lock"] == 4  # open, grant, start, then this one: the refused left nothing
    assert_nothing_acknowledged_lost(engine, served.room, acked)
    assert served.view()["speech"]["ends_at"] == served.view()["speech"]["started_at"] + 310
