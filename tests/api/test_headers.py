"""The app serves its pages and record itself, with security headers on every answer."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.api.headers import policy_for
from app.config import Environment, Settings
from app.main import create_app
from tests.builders import seed_meeting


def _client(sqlite_url: str, **settings: str) -> TestClient:
    config = Settings(
        environment=Environment.TEST, database_url=sqlite_url, secret_key="h" * 32, **settings
    )
    return TestClient(create_app(config))


def test_the_pages_and_the_record_are_routes_of_the_app(sqlite_url: str, engine: Engine) -> None:
    seeded = seed_meeting(engine)
    with _client(sqlite_url) as client:
        paths = set(client.get("/openapi.json").json()["paths"])
        assert "/api/meetings/{meeting_id}/record" in paths
        assert "/api/pages/delegate" in paths
        page = client.get(f"/display/{seeded.rooms[0]}")
        assert page.status_code == 403  # a page, refused without its link's token
        assert "token" in page.text


def test_every_answer_carries_a_strict_policy_and_no_framing(sqlite_url: str) -> None:
    with _client(sqlite_url) as client:
        for path in ("/api/health", "/display/1", "/static/record/statistics.html"):
            headers = client.get(path).headers
            assert "script-src 'self'" in headers["content-security-policy"]
            assert headers["content-security-policy"].endswith("frame-ancestors 'none'")
            assert headers["x-frame-options"] == "DENY"
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["referrer-policy"] == "no-referrer"  # links carry tokens


def test_a_display_may_be_framed_only_where_the_setting_allows(sqlite_url: str) -> None:
    signage = "https://signage.venue.example"
    with _client(sqlite_url, display_frame_ancestors=signage) as client:
        display = client.get("/display/1").headers
        assert display["content-security-policy"].endswith(f"frame-ancestors {signage}")
        assert "x-frame-options" not in display
        console = client.get("/moderator/1").headers
        assert console["content-security-policy"].endswith("frame-ancestors 'none'")
    assert policy_for("/podium/2", signage).endswith(signage)
