"""PostgreSQL cut off (a proxy the test controls) and restored: 503, health 503, nothing lost."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from app.db.engine import make_engine
from app.db.migrations import migrate
from tests.api_client import serving
from tests.builders import seed_meeting
from tests.faults.conftest import (
    assert_applied_once,
    assert_nothing_acknowledged_lost,
    assert_unavailable,
    extend,
    start_a_speech,
)
from tests.tcp_proxy import TcpProxy


@pytest.mark.postgres
def test_finding_4_a_cut_postgres_is_a_503_health_503_and_after_restore_nothing_is_lost(
    postgres_url: str, proxy: TcpProxy
) -> None:
    migrate(postgres_url)
    direct = make_engine(postgres_url)
    seeded = seed_meeting(direct)
    through_proxy = make_url(postgres_url).set(host="127.0.0.1", port=proxy.port)
    url = through_proxy.render_as_string(hide_password=False)
    try:
        with serving(url, seeded, database_busy_timeout_seconds=1.0) as api:
            start_a_speech(api)
            acked = {"before-cut": assert_applied_once(extend(api, "before-cut"), duplicate=False)}
            proxy.cut()

            refused = extend(api, "during-cut")
            health = api.client.get("/api/health")

            assert_unavailable(refused, "the database cannot be reached")
            assert health.status_code == 503
            assert health.json()["database"] == "unreachable"
            proxy.restore()
            version = assert_applied_once(extend(api, "during-cut"), duplicate=False)
            assert assert_applied_once(extend(api, "during-cut"), duplicate=True) == version
            assert version == acked["before-cut"] + 1
            acked["during-cut"] = version
            assert api.client.get("/api/health").status_code == 200
        assert_nothing_acknowledged_lost(direct, seeded.rooms[0], acked)
    finally:
        direct.dispose()
