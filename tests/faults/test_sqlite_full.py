"""A full SQLite database (a real SQLITE_FULL): 503 with Retry-After, recovery, nothing lost."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from tests.api_client import Api
from tests.faults.conftest import (
    assert_applied_once,
    assert_nothing_acknowledged_lost,
    assert_unavailable,
    extend,
    page_limit,
)

#: Commands sent until one needs a page the limit refuses (each adds rows to four tables).
MOST = 200


def test_finding_4_a_full_database_is_a_503_and_after_space_is_freed_the_retry_applies_once(
    served: Api, engine: Engine
) -> None:
    service_engine: Engine = served.app.state.services.engine
    acked: dict[str, int] = {}
    with page_limit(service_engine):
        for n in range(MOST):  # the pages it has still hold a few rows: fill them
            refused = extend(served, f"while-full-{n:03d}")
            if refused.status_code != 200:
                break
            acked[f"while-full-{n:03d}"] = assert_applied_once(refused, duplicate=False)
        assert_unavailable(refused, "the database disk is full")
    failed_id = f"while-full-{n:03d}"  # the limit is raised: free space

    version = assert_applied_once(extend(served, failed_id), duplicate=False)

    assert assert_applied_once(extend(served, failed_id), duplicate=True) == version
    assert version == 3 + len(acked) + 1  # the refused one applied once, after the acked ones
    acked[failed_id] = version
    assert_nothing_acknowledged_lost(engine, served.room, acked)
