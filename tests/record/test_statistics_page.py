"""The statistics page in chromium: Table 1, the segment's timeline and the bar charts (R4).

Issue 15: at the page's real size (1280x800, as ``make screenshots``) no label is
clipped or silently cut (a name too long for its column ends with "…" and keeps
the full name as its tooltip, and every chart has its figures as a table), and
the page speaks the reader's language: groups, categories, regional groups and
delegations' names in French on the French page.

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.access.roles import Principal, Role
from app.db.models import Delegation
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


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One browser for the module's tests (each test opens its own page)."""
    if importlib.util.find_spec("playwright") is None:
        missing_service("playwright is not installed (pip install -e '.[test]')")
    if shutil.which("chromium") is None:
        missing_service("chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


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
    served: Served, chromium: Any, tmp_path: Path
) -> None:
    run_action_group(served)
    room, segment = served.seeded.rooms[0], served.seeded.action_group
    token = served.token(Principal(Role.RAPPORTEUR, room_id=room))
    url = f"{served.base}/static/record/statistics.html?token={token}&room={room}&segment={segment}"
    page = chromium.new_page(viewport={"width": 1100, "height": 1400}, locale="en-GB")
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
    regions = page.locator("#by-region g.bar text.label").all_text_contents()
    shots = Path(os.environ.get("FLOORKEEPER_SCREENSHOTS", tmp_path))
    page.screenshot(path=str(shots / "statistics.png"), full_page=True)
    page.close()

    assert problems == []
    assert labels == ["Moderator", "Mexico", "◆ Switzerland"]  # ◆: out of order (P2)
    assert overtime == 1
    assert not_heard == ["Ghana (phase ended)"]  # A3
    assert len(table) == 6  # five groups of Table 1 and the total
    assert table[0].startswith("Member States2" + "1")  # two heard, one not heard
    assert categories == ["member_state", "un_system"]  # IOM asked and still waits
    assert regions == [
        "African States",
        "Latin American and Caribbean States",
        "Western European and other States",
    ]


#: Names as long as the room's: the one the issue saw cut, and one too long for any column.
NHRI = {
    "en": "National Human Rights Council (Morocco)",
    "fr": "Conseil national des droits de l'homme (Maroc)",
}
NETWORK = (
    "Migration and Development Civil Society Network of Latin America, the Caribbean"
    " and the Mediterranean (MADE)"
)


def with_long_names(served: Served, engine: Engine) -> None:
    """Morocco's NHRI and a network with a very long name; Mexico and Ghana named in French."""
    meeting = served.seeded.meeting_id
    with Session(engine) as session:
        for row in session.exec(select(Delegation).where(Delegation.meeting_id == meeting)):
            if row.code == "MEX":
                row.names = {"en": "Mexico", "fr": "Mexique"}
            if row.code == "MADE":
                row.names = {"en": NETWORK}
            session.add(row)
        session.add(Delegation(meeting_id=meeting, code="CNDH", category="nhri", names=NHRI))
        session.commit()


def run_with_stakeholders(served: Served) -> None:
    """The action group above, then the stakeholders: IOM, the NHRI and the network heard."""
    run_action_group(served)
    room = served.seeded.rooms[0]
    moderator = bearer(served.token(Principal(Role.MODERATOR, room_id=room)))
    sent = 0

    def do(path: str, body: dict[str, Any], after: float) -> None:
        nonlocal sent
        served.clock.advance(after)
        sent += 1
        response = httpx.post(
            f"{served.base}/api/rooms/{room}/{path}",
            json={"command_id": f"stakeholders-{sent:04d}", **body},
            headers=moderator,
        )
        assert response.status_code == 200, response.text

    for code in ("CNDH", "MADE"):
        do("floor", {"type": "add_request", "delegation": code}, after=1)
    for seconds in (100, 120, 90):  # IOM, then the NHRI, then the network
        do("floor", {"type": "grant"}, after=5)
        do("speech", {"type": "start"}, after=2)
        do("speech", {"type": "end"}, after=seconds)


#: Every chart's labels, measured in the page: where they are and what they say.
LABELS = """() => [...document.querySelectorAll('.chart svg:not(.probe)')].map(svg => ({
  chart: svg.closest('figure').id,
  width: svg.viewBox.baseVal.width,
  plotStart: Math.min(...[...svg.querySelectorAll('g rect')].map(r => r.x.baseVal.value)),
  figure: [svg.closest('figure').scrollWidth, svg.closest('figure').clientWidth],
  labels: [...svg.querySelectorAll('text.label')].map(t => {
    const box = t.getBBox();
    const title = t.querySelector('title');
    return {
      shown: [...t.childNodes].filter(n => n.nodeType === 3).map(n => n.data).join(''),
      full: title ? title.textContent : null,
      left: box.x, right: box.x + box.width,
    };
  }),
  values: [...svg.querySelectorAll('text.value')].map(t => t.getBBox().x + t.getBBox().width),
}))"""


def serious_violations(page: Any) -> list[str]:
    """Axe's serious and critical findings on ``page``."""
    from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def open_statistics(served: Served, chromium: Any, lang: str) -> tuple[Any, list[str]]:
    room, segment = served.seeded.rooms[0], served.seeded.action_group
    token = served.token(Principal(Role.RAPPORTEUR, room_id=room))
    url = (
        f"{served.base}/static/record/statistics.html"
        f"?token={token}&room={room}&segment={segment}&lang={lang}"
    )
    page = chromium.new_page(viewport={"width": 1280, "height": 800})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(url)
    page.wait_for_selector("body[data-ready='true']", timeout=10_000)
    return page, problems


def test_R4_issue_15_no_chart_label_is_clipped_at_1280x800(
    served: Served, engine: Engine, chromium: Any
) -> None:
    with_long_names(served, engine)
    run_with_stakeholders(served)
    page, problems = open_statistics(served, chromium, "en")

    charts = page.evaluate(LABELS)
    tables = page.locator(".table-wrap").evaluate_all(
        "wraps => wraps.map(w => [w.scrollWidth, w.clientWidth])"
    )
    timeline_rows = page.locator("#timeline-table tbody th").all_text_contents()
    page.locator("#timeline-table summary").click()  # the table open, as a reader opens it
    serious = serious_violations(page)
    page.close()

    assert problems == []
    assert [c["chart"] for c in charts] == ["timeline", "by-category", "by-region"]
    for chart in charts:
        scroll, client = chart["figure"]
        assert scroll <= client, f"{chart['chart']} scrolls: {scroll} > {client}"
        for label in chart["labels"]:
            assert label["left"] >= 0, f"{chart['chart']}: {label} starts outside the chart"
            assert label["right"] <= chart["plotStart"], f"{label} runs into the bars"
        for right in chart["values"]:
            assert right <= chart["width"], f"{chart['chart']}: a value runs off the chart"
    assert all(scroll <= client for scroll, client in tables)
    assert serious == []  # axe, as for every page (tests/web/test_screens.py)
    timeline = {label["full"] or label["shown"]: label for label in charts[0]["labels"]}
    # the name the issue saw cut ("National Human Rights Council (Moroc") is shown whole
    assert timeline[NHRI["en"]]["shown"] == NHRI["en"]
    # a name too long for any column is cut with "…" and keeps its full text as a tooltip
    network = timeline[NETWORK]
    assert network["shown"].endswith("…")
    assert NETWORK.startswith(network["shown"][:-1].rstrip())
    # and the table under the chart has every name whole
    assert NHRI["en"] in timeline_rows
    assert NETWORK in timeline_rows


def test_R4_issue_15_the_french_page_names_groups_categories_and_delegations_in_french(
    served: Served, engine: Engine, chromium: Any
) -> None:
    with_long_names(served, engine)
    run_with_stakeholders(served)
    page, problems = open_statistics(served, chromium, "fr")

    text: Callable[[str], list[str]] = lambda selector: page.locator(selector).all_text_contents()  # noqa: E731
    groups = text("#table-1 tbody th")
    categories = text("#by-category g.bar text.label")
    regions = text("#by-region g.bar text.label")
    timeline = text("#timeline-chart g.intervention text.label")
    not_heard = text("#not-heard li")
    heading = text("#by-category-title")
    lang = page.evaluate("document.documentElement.lang")
    serious = serious_violations(page)
    page.close()

    assert problems == []
    assert lang == "fr"
    assert groups == [
        "États Membres",
        "États observateurs",
        "Entités du système des Nations Unies",
        "Autres parties prenantes",
        "Orateurs du programme",
        "Total",
    ]
    assert categories == [
        "Société civile",
        "État Membre",
        "Institution nationale des droits de l'homme",
        "Entité du système des Nations Unies",
    ]
    assert "Mexique" in timeline
    assert NHRI["fr"] in timeline
    assert "États d'Amérique latine et des Caraïbes" in regions
    assert not_heard == ["Ghana (fin de la phase)"]
    assert heading == ["Temps de parole par catégorie"]
    assert serious == []
