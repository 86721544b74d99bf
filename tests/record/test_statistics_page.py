"""The statistics page in chromium: Table 1, the segment's timeline and the bar charts (R4).

A real server (uvicorn in a thread, on a free port) runs the app with the
record routes and its own strict Content-Security-Policy (app/api/headers.py), so
that an inline script or style would show up as a failure. Its clock is a FakeClock that the test
moves between commands: the chart's speeches last minutes, and nothing sleeps
to wait for a timer.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from app.access.roles import Principal, Role
from app.live.serving import uvicorn_options
from app.main import create_app
from tests.api_client import bearer, settings_for
from tests.builders import Seeded
from tests.conftest import missing_service
from tests.fakes import FakeClock
from tests.plans import START
from tests.record.test_record_routes import registered
from tests.web.server import CHROMIUM_ARGS, free_port


@dataclass
class Served:
    base: str
    app: FastAPI
    clock: FakeClock
    seeded: Seeded

    def token(self, principal: Principal) -> str:
        issued = self.app.state.services.credentials.issue(principal, "tests: statistics")
        token: str = issued.token
        return token


@pytest.fixture
def served(sqlite_url: str, engine: Engine) -> Iterator[Served]:
    if importlib.util.find_spec("playwright") is None:
        missing_service("playwright is not installed (pip install -e '.[test]')")
    if shutil.which("chromium") is None:
        missing_service("chromium is not installed (apt-get install -y chromium)")
    import uvicorn

    seeded = registered(engine)
    clock = FakeClock(START)
    app = create_app(settings_for(sqlite_url), now=clock)

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, **uvicorn_options(host="127.0.0.1", port=port, log_level="warning", ws="none")
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30  # a guard against a server that never starts
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start within 30 s"
        assert thread.is_alive(), "the server stopped while starting"
        time.sleep(0.05)
    try:
        yield Served(f"http://127.0.0.1:{port}", app, clock, seeded)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def run_action_group(served: Served) -> None:
    """Welcome; MEX heard; CHE granted out of order, overrunning; GHA not heard (A3)."""
    room = served.seeded.rooms[0]
    moderator = bearer(served.token(Principal(Role.MODERATOR, room_id=room)))
    sent = 0

    def do(path: str, body: dict[str, Any], after: float = 0) -> dict[str, Any]:
        nonlocal sent
        served.clock.advance(after)
        sent += 1
        response = httpx.post(
            f"{served.base}/api/rooms/{room}/{path}",
            json={"command_id": f"command-{sent:04d}", **body},
            headers=moderator,
        )
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    do("programme", {"type": "open_segment", "segment_id": served.seeded.action_group})
    do("floor", {"type": "grant"}, after=5)
    do("speech", {"type": "start"}, after=2)
    do("speech", {"type": "end"}, after=280)
    do("programme", {"type": "close_phase"}, after=3)
    for code in ("MEX", "GHA", "CHE", "IOM"):
        do("floor", {"type": "add_request", "delegation": code}, after=1)
    do("floor", {"type": "grant"}, after=10)
    do("speech", {"type": "start"}, after=3)
    do("speech", {"type": "end"}, after=150)
    view = httpx.get(f"{served.base}/api/rooms/{room}", headers=moderator).json()
    che = next(r for r in view["queue"] if r["delegation_id"] == "CHE")
    do("floor", {"type": "grant", "request_id": che["id"]}, after=5)
    do("speech", {"type": "start"}, after=2)
    do("programme", {"type": "close_phase"}, after=30)
    do("speech", {"type": "end"}, after=200)  # 20 s over its three minutes


def test_R4_the_statistics_page_draws_the_segments_timeline_and_table_1(
    served: Served, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    run_action_group(served)
    room, segment = served.seeded.rooms[0], served.seeded.action_group
    token = served.token(Principal(Role.RAPPORTEUR, room_id=room))
    url = f"{served.base}/static/record/statistics.html?token={token}&room={room}&segment={segment}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(url)
        page.wait_for_selector("body[data-ready='true']", timeout=10_000)

        bars = page.locator("#timeline-chart g.intervention")
        labels = [bars.nth(n).locator("text").text_content() for n in range(bars.count())]
        overtime = page.locator("#timeline-chart g[data-delegation='CHE'] rect.overtime").count()
        not_heard = page.locator("#not-heard li").all_text_contents()
        table = page.locator("#table-1 tbody tr").all_text_contents()
        categories = page.locator("#by-category g.bar").evaluate_all(
            "bars => bars.map(b => b.dataset.slice)"
        )
        regions = page.locator("#by-region g.bar").evaluate_all(
            "bars => bars.map(b => b.dataset.slice)"
        )
        shots = Path(os.environ.get("FLOORKEEPER_SCREENSHOTS", tmp_path))
        page.screenshot(path=str(shots / "statistics.png"), full_page=True)
        browser.close()

    assert problems == []
    assert labels == ["Moderator", "Mexico", "◆ Switzerland"]  # ◆: out of order (P2)
    assert overtime == 1
    assert not_heard == ["Ghana (phase ended)"]  # A3
    assert len(table) == 6  # five groups of Table 1 and the total
    assert table[0].startswith("Member States2" + "1")  # two heard, one not heard
    assert categories == ["member state", "un system"]  # IOM asked and still waits
    assert regions == [
        "African States",
        "Latin American and Caribbean States",
        "Western European and other States",
    ]
