"""From a delegate's card to the rapporteur's report, in chromium against the real server (R2, R3).

A delegate submits a recommendation card from its phone; the rapporteur opens
the report page, sees the card, moves it into the report and merges a second
one into it; the summary's word count follows the typing; the saved draft is
what the server holds. The statistics page of the same segment draws its
timeline (R4), and the report shows read-only for the room's screen (A6).
With FLOORKEEPER_SCREENSHOTS set, the pages are saved as PNGs (to that
directory, else to docs/screenshots/).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from app.access.roles import Role
from tests.api_client import bearer
from tests.conftest import missing_service
from tests.web.screens import Moderator
from tests.web.server import MovableClock, Site

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
DESK = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 640}
GUARD_MS = 10_000  # a guard against a page that never shows it, not a measurement


@pytest.fixture
def chromium(request: pytest.FixtureRequest) -> Browser:
    """The session's chromium (tests/web/conftest.py), or the reason it is missing."""
    if importlib.util.find_spec("playwright") is None:
        missing_service("playwright is not installed (pip install -e '.[test]')")
    browser: Browser = request.getfixturevalue("browser")
    return browser


def _hold_the_action_group(site: Site, clock: MovableClock) -> None:
    """The chair's welcome, then Mexico speaks 90 s; Ghana waits when the phase closes (A3).

    Mexico's speech lasts longer than the meeting's ``took_floor_seconds`` (R4: 10 s),
    so the report lists it as having taken the floor; the clock moves, nothing sleeps.
    """
    moderator = Moderator(site, site.seeded.rooms[0])
    moderator.send("programme", type="open_segment", segment_id=site.seeded.action_group)
    for kind, command in (("floor", "grant"), ("speech", "start"), ("speech", "end")):
        moderator.send(kind, type=command)  # the chair's welcome (T3)
    moderator.send("programme", type="close_phase")
    for code in ("MEX", "GHA"):
        moderator.send("floor", type="add_request", delegation=code)
    moderator.send("floor", type="grant")
    moderator.send("speech", type="start")
    clock.advance(90)
    moderator.send("speech", type="end")
    moderator.send("programme", type="close_phase")


def _page(browser: Browser, url: str, viewport: dict[str, int], errors: list[str]) -> Page:
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(url)
    return page


def _shots() -> Path | None:
    wanted = os.environ.get("FLOORKEEPER_SCREENSHOTS")
    if not wanted:
        return None
    directory = Path(wanted) if Path(wanted).is_dir() else ROOT / "docs" / "screenshots"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def test_R2_R3_a_delegates_card_goes_into_the_rapporteurs_report(
    chromium: Browser, clocked: tuple[Site, MovableClock]
) -> None:
    from playwright.sync_api import expect

    site, clock = clocked
    room, segment = site.seeded.rooms[0], site.seeded.action_group
    _hold_the_action_group(site, clock)
    errors: list[str] = []

    # The delegate writes its card on the phone, for the segment open in the room.
    phone = _page(
        chromium, f"{site.base}/delegate?token={site.delegate('MEX')}&room={room}", PHONE, errors
    )
    expect(phone.locator("#card")).to_be_visible(timeout=GUARD_MS)
    phone.fill("#card-recommendation", "Guarantee access to basic services for all migrants.")
    phone.fill("#card-means", "National action plans with budget lines.")
    phone.fill("#card-partnerships", "Local authorities and civil society.")
    phone.click("#card-submit")
    expect(phone.locator("#card-list li")).to_have_count(1, timeout=GUARD_MS)
    expect(phone.locator("#card-recommendation")).to_have_value("")

    # The rapporteur sees it and moves it into the report.
    rapporteur = site.token(Role.RAPPORTEUR, room=room)
    report = _page(
        chromium, f"{site.base}/report/{room}/{segment}?token={rapporteur}", DESK, errors
    )
    report.wait_for_selector("body[data-ready='true']", timeout=GUARD_MS)
    card = report.locator("#cards li.card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Guarantee access to basic services")
    expect(report.locator("#h-room")).to_have_text("Plenary hall")
    expect(report.locator("#heard li")).to_have_text(["Mexico"])
    expect(report.locator("#not-heard li")).to_have_text(["Ghana"])
    card.locator("button.use-card").click()
    commitment = report.locator("#commitments li.commitment")
    expect(commitment).to_have_count(1)
    expect(commitment.locator("textarea[data-field='recommendation']")).to_have_value(
        "Guarantee access to basic services for all migrants."
    )
    expect(card).to_have_attribute("data-chosen", "true")

    # A second card arrives from Ghana; the rapporteur refreshes and merges it in.
    answer = httpx.post(
        f"{site.base}/api/rooms/{room}/segments/{segment}/cards",
        json={"recommendation": "Portable social protection.", "partnerships": "ILO."},
        headers=bearer(site.delegate("GHA")),
    )
    assert answer.status_code == 201, answer.text
    report.click("#refresh")
    expect(report.locator("#cards li.card")).to_have_count(2)
    second = report.locator(f"#cards li.card[data-card-id='{answer.json()['id']}']")
    second.locator("button.merge-card").click()
    expect(commitment.locator("textarea[data-field='partnerships']")).to_have_value(
        "Local authorities and civil society.\nILO."
    )

    # The word count follows the typing, against the guide of 250 words.
    report.fill("#summary", "word " * 260)
    expect(report.locator("#word-count")).to_have_attribute("data-over", "true")
    expect(report.locator("#word-count")).to_have_text("260 / 250 words: longer than the guide")
    report.fill("#summary", "Delegations stressed access to services and regular pathways.")
    expect(report.locator("#word-count")).to_have_text("8 / 250 words")
    report.click("#save")
    expect(report.locator("#saved")).to_contain_text("Draft saved", timeout=GUARD_MS)

    shots = _shots()
    if shots is not None:
        report.evaluate("window.scrollTo(0, 0)")
        report.screenshot(path=str(shots / "report-1280x800.png"))

    # What the page saved is what the server holds.
    held = httpx.get(
        f"{site.base}/api/rooms/{room}/segments/{segment}/report",
        headers=bearer(rapporteur),
    ).json()
    assert held["summary"] == "Delegations stressed access to services and regular pathways."
    (drafted,) = held["commitments"]
    assert sorted(drafted["card_ids"]) == sorted(c["id"] for c in held["cards"])
    assert all(c["chosen"] for c in held["cards"])

    # The statistics page of the segment draws its timeline (R4).
    statistics = _page(
        chromium,
        f"{site.base}/static/record/statistics.html?token={rapporteur}&room={room}&segment={segment}",
        DESK,
        errors,
    )
    statistics.wait_for_selector("body[data-ready='true']", timeout=GUARD_MS)
    bars = statistics.locator("#timeline-chart g.intervention")
    expect(bars).to_have_count(2)  # the chair's welcome and Mexico
    expect(statistics.locator("#timeline-chart g[data-delegation='MEX']")).to_have_count(1)
    if shots is not None:
        statistics.screenshot(path=str(shots / "statistics-1280x800.png"))

    # The Day 3 reporting session (A6): the same report, read-only, for the room's screen.
    url = f"{site.base}/report/{room}/{segment}?token={rapporteur}&present=1"
    wall = _page(chromium, url, {"width": 1920, "height": 1080}, errors)
    wall.wait_for_selector("body.presenting[data-ready='true']", timeout=GUARD_MS)
    expect(wall.locator("#summary")).to_have_value(held["summary"])
    expect(wall.locator("#summary")).to_have_attribute("readonly", "")
    expect(wall.locator("aside.cards")).to_be_hidden()
    expect(wall.locator("#save")).to_be_hidden()
    expect(wall.locator("#commitments li.commitment")).to_have_count(1)
    if shots is not None:
        wall.screenshot(path=str(shots / "report-present-1920x1080.png"))
    assert errors == []
