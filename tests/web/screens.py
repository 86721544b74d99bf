"""What the browser tests read from a page and from the server, side by side."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from tests.api_client import bearer
from tests.web.server import Site

if TYPE_CHECKING:  # only annotations: test_report_flow.py imports Moderator without Playwright
    from playwright.sync_api import Browser, Page

CONSOLE = {"width": 1024, "height": 768}
PHONE = {"width": 360, "height": 640}
WALL = {"width": 1920, "height": 1080}
DESK = {"width": 1280, "height": 800}

#: Guards, not measurements: how long a page may take to show what the server holds.
SHOWN_WITHIN_MS = 10_000


def open_page(
    browser: Browser,
    site: Site,
    path: str,
    viewport: dict[str, int],
    before: Callable[[Page], None] | None = None,
) -> Page:
    """A page in its own context (its own storage), live on the room."""
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    if before is not None:
        before(page)
    page.goto(site.base + path)
    page.wait_for_selector("body[data-connection=live]", timeout=SHOWN_WITHIN_MS)
    assert not errors, errors
    return page


def console_page(
    browser: Browser, site: Site, room: int, before: Callable[[Page], None] | None = None
) -> Page:
    """The moderator's console of ``room``, live."""
    return open_page(
        browser, site, f"/moderator/{room}?token={site.moderator(room)}", CONSOLE, before
    )


def delegate_page(
    browser: Browser, site: Site, code: str, room: int, before: Callable[[Page], None] | None = None
) -> Page:
    """The phone of delegation ``code``, on ``room``, live."""
    path = f"/delegate?token={site.delegate(code)}&room={room}"
    return open_page(browser, site, path, PHONE, before)


def display_page(
    browser: Browser, site: Site, room: int, before: Callable[[Page], None] | None = None
) -> Page:
    """The wall display of ``room``, live."""
    return open_page(browser, site, f"/display/{room}?token={site.display(room)}", WALL, before)


@dataclass
class Moderator:
    """The room seen and driven through the HTTP API, as the moderator."""

    site: Site
    room: int
    counter: int = 0

    def _headers(self) -> dict[str, str]:
        return bearer(self.site.moderator(self.room))

    def view(self) -> dict[str, Any]:
        answer = httpx.get(f"{self.site.base}/api/rooms/{self.room}", headers=self._headers())
        answer.raise_for_status()
        view: dict[str, Any] = answer.json()
        return view

    def send(self, kind: str, **body: Any) -> dict[str, Any]:
        self.counter += 1
        answer = httpx.post(
            f"{self.site.base}/api/rooms/{self.room}/{kind}",
            json={"command_id": f"test-{self.room}-{self.counter:04d}", **body},
            headers=self._headers(),
        )
        assert answer.status_code == 200, answer.text
        ack: dict[str, Any] = answer.json()
        return ack

    def speaking(self, segment: int, code: str) -> None:
        """Open ``segment`` (a debate: no opening phase) and give ``code`` the floor, its
        clock started: the floor on which a question, a point or a yield is put."""
        self.send("programme", type="open_segment", segment_id=segment)
        self.send("floor", type="add_request", delegation=code)
        self.send("floor", type="grant")
        self.send("speech", type="start")

    def member_state_phase(self, segment: int, *waiting: str) -> None:
        """Open the action group and close its opening (A1); then ``waiting`` ask, in order."""
        self.send("programme", type="open_segment", segment_id=segment)
        self.send("programme", type="close_phase")
        for code in waiting:
            self.send("floor", type="add_request", delegation=code)


def segment_record(site: Site, room: int) -> list[dict[str, Any]]:
    """The action group's record as the server keeps it (R1): one line per request."""
    answer = httpx.get(
        f"{site.base}/api/rooms/{room}/segments/{site.seeded.action_group}/record",
        headers=bearer(site.moderator(room)),
    )
    answer.raise_for_status()
    interventions: list[dict[str, Any]] = answer.json()["interventions"]
    return interventions


def parse_clock(text: str) -> float:
    """'2:05' → 125 left; '+0:07' → -7 (overtime counts up)."""
    sign = -1 if text.startswith("+") else 1
    minutes, seconds = text.lstrip("+").split(":")[-2:]
    return sign * (int(minutes) * 60 + int(seconds))


def shown_seconds(page: Page) -> tuple[float, float]:
    """What the page's countdown says, and the page's clock when it said it."""
    text, now = page.evaluate(
        "() => [document.getElementById('countdown-time').textContent, Date.now() / 1000]"
    )
    return parse_clock(str(text)), float(now)


def wait_until_agrees(page: Page, speech: dict[str, Any]) -> float:
    """Wait until the page shows the server's speech, then say how far apart they are (s)."""
    script = """([endsAt, left]) => {
        const text = document.getElementById('countdown-time').textContent;
        const sign = text.startsWith('+') ? -1 : 1;
        const [m, s] = text.replace('+', '').split(':').map(Number);
        const shown = sign * (m * 60 + s);
        const expected = endsAt === null ? left : endsAt - Date.now() / 1000;
        return Math.abs(shown - expected) <= 1;
    }"""
    arguments = [speech["ends_at"], speech["seconds_left"]]
    page.wait_for_function(script, arg=arguments, timeout=SHOWN_WITHIN_MS)
    shown, now = shown_seconds(page)
    ends_at, left = speech["ends_at"], speech["seconds_left"]
    expected = float(left) if ends_at is None else float(ends_at) - now
    return abs(shown - expected)


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two CSS rgb()/rgba() colours."""

    def luminance(colour: str) -> float:
        channels = [float(c) for c in colour[colour.index("(") + 1 : -1].split(",")[:3]]
        linear = [
            c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4
            for c in channels
        ]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
