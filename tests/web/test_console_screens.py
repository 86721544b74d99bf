"""T6: the console lists the room's screens, how well their clocks agree, and flags a silent one.

A display and a delegate's phone are opened first, then the console: its
"Screens" panel shows each with its role and a measured uncertainty
(``GET /api/rooms/{id}/screens``). A page that closes leaves the list. For
staleness nothing sleeps: the server runs in this process on a clock the test
moves (real time plus jumps), one page's messages to the server are dropped
in the browser and, once the server has read what was already on its way,
the clock jumps past the route's threshold; the pages that still ping are
heard again, the silent one is flagged.
"""

from __future__ import annotations

import importlib.util
import json
import re

import pytest

from tests.web.server import MovableClock, Site

if importlib.util.find_spec("playwright") is None:  # pragma: no cover
    # As for test_screens*.py (tests/web/conftest.py): test_tools.py says why, and fails in CI.
    pytest.skip("playwright is not installed", allow_module_level=True)

from playwright.sync_api import Browser, Locator, Page, WebSocketRoute, expect

from tests.web.screens import CONSOLE, PHONE, WALL, open_page

pytestmark = pytest.mark.browser

#: Guards, not measurements: the console asks for the list every 5 s.
LISTED_WITHIN_MS = 20_000
UNCERTAINTY = re.compile(r"^±\d+(\.\d)? ms$")


class Muzzle:
    """Forwards a page's live channel, and drops what the page sends once muted.

    What it forwarded just before may still be on its way when it is muted (a task of
    Playwright's event loop, its driver, the socket, the server's read), and the server
    would hear it after the test has moved the clock: as recently as the jump. So
    ``mute`` sends a binary frame behind it, which the server answers at once with an
    error (``channel.not_json``, ``app/api/channel.py``); the server reads a socket in
    order, so its answer, which the page never sees, says it has read everything the
    page said. Nothing is waited for by time.
    """

    BARRIER = b"muzzle: anything before this was forwarded"

    def __init__(self) -> None:
        self.silent = False
        self._page: Page | None = None
        self._server: WebSocketRoute | None = None

    def attach(self, page: Page) -> None:
        """Route ``page``'s live channel through the muzzle (before the page opens)."""
        self._page = page
        page.route_web_socket(re.compile(r"/live\?"), self._route)

    def _route(self, ws: WebSocketRoute) -> None:
        server = self._server = ws.connect_to_server()
        ws.on_message(lambda message: None if self.silent else server.send(message))
        server.on_message(lambda message: self._to_page(ws, message))

    def _to_page(self, ws: WebSocketRoute, message: str | bytes) -> None:
        if self.silent and _answers_barrier(message):
            assert self._page is not None
            self._page.evaluate("() => { window.muzzleFlushed = true; }")
        else:
            ws.send(message)

    def mute(self) -> None:
        """Drop what the page sends from now on; return once the server has read the rest."""
        assert self._page is not None, "not attached"
        assert self._server is not None, "the page has not opened its live channel"
        self.silent = True
        self._server.send(self.BARRIER)
        self._page.wait_for_function(
            "() => window.muzzleFlushed === true", timeout=LISTED_WITHIN_MS
        )


def _answers_barrier(message: str | bytes) -> bool:
    """The server's answer to a binary frame (the page itself sends only text)."""
    if not isinstance(message, str):
        return False
    answer = json.loads(message)
    return bool(answer.get("type") == "error" and answer.get("code") == "channel.not_json")


def _display(browser: Browser, site: Site, room: int) -> Page:
    return open_page(browser, site, f"/display/{room}?token={site.display(room)}", WALL)


def _delegate(browser: Browser, site: Site, room: int, code: str, muzzle: Muzzle | None) -> Page:
    path = f"/delegate?token={site.delegate(code)}&room={room}"
    if muzzle is None:
        return open_page(browser, site, path, PHONE)
    return open_page(browser, site, path, PHONE, before=muzzle.attach)


def _console(browser: Browser, site: Site, room: int) -> Page:
    console = open_page(browser, site, f"/moderator/{room}?token={site.moderator(room)}", CONSOLE)
    console.click("#screens-panel summary")
    expect(console.locator("#screens-panel")).to_have_attribute("open", "")
    return console


def _row(console: Page, role: str) -> Locator:
    return console.locator(f"#screens-list tr[data-role={role}]")


def test_t6_the_console_lists_each_screen_with_its_role_and_clock_uncertainty(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    display = _display(browser, site, room)
    delegate = _delegate(browser, site, room, "GHA", None)
    console = _console(browser, site, room)

    rows = console.locator("#screens-list tr")
    expect(rows).to_have_count(3, timeout=LISTED_WITHIN_MS)
    expect(_row(console, "display").locator(".role")).to_have_text("Room display")
    expect(_row(console, "delegate").locator(".role")).to_have_text("Delegate")
    expect(_row(console, "delegate").locator(".who")).to_have_text("Ghana")
    expect(_row(console, "moderator").locator(".role")).to_have_text("Moderator")
    for role in ("display", "delegate", "moderator"):
        row = _row(console, role)
        expect(row.locator(".uncertainty")).to_have_text(UNCERTAINTY, timeout=LISTED_WITHIN_MS)
        expect(row.locator(".rtt")).to_have_text(re.compile(r"^\d+(\.\d)? ms$"))
        expect(row).to_have_attribute("data-stale", "false")
    expect(console.locator("#screens-summary")).to_have_text("3 connected")

    delegate.context.close()  # the phone leaves: the server drops it from the list
    console.click("#screens-refresh")
    expect(rows).to_have_count(2, timeout=LISTED_WITHIN_MS)
    expect(_row(console, "delegate")).to_have_count(0)
    expect(console.locator("#screens-summary")).to_have_text("2 connected")
    for page in (display, console):
        page.context.close()


def test_t6_the_console_flags_a_screen_the_server_has_not_heard_for_a_while(
    browser: Browser, clocked: tuple[Site, MovableClock]
) -> None:
    from app.live.hub import LiveConfig

    site, clock = clocked
    room = site.seeded.rooms[0]
    muzzle = Muzzle()
    pages = [_display(browser, site, room), _delegate(browser, site, room, "GHA", muzzle)]
    console = _console(browser, site, room)
    pages.append(console)
    delegate, display = _row(console, "delegate"), _row(console, "display")
    expect(delegate.locator(".uncertainty")).to_have_text(UNCERTAINTY, timeout=LISTED_WITHIN_MS)
    expect(delegate).to_have_attribute("data-stale", "false")
    phone = delegate.get_attribute("data-screen")  # the same screen throughout: no reconnect
    assert phone

    muzzle.mute()  # the phone still hears the room, the server no longer hears it
    clock.advance(LiveConfig().stale_seconds + 1)
    # Everyone is silent for a moment; the pages that ping (every 5 s) are heard again.
    expect(delegate).to_have_attribute("data-stale", "true", timeout=LISTED_WITHIN_MS)
    expect(display).to_have_attribute("data-stale", "false", timeout=LISTED_WITHIN_MS)
    expect(_row(console, "moderator")).to_have_attribute(
        "data-stale", "false", timeout=LISTED_WITHIN_MS
    )
    expect(delegate).to_have_attribute("data-screen", phone)
    expect(delegate.locator(".heard")).to_have_text(re.compile(r"^Not heard for \d+:\d\d$"))
    expect(console.locator("#screens-summary")).to_have_text("3 connected, 1 not heard")
    expect(console.locator("#screens-panel")).to_have_attribute("data-stale", "true")
    for page in pages:
        page.context.close()  # before the server stops: no page left retrying a closed port
