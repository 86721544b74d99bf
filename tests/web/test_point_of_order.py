"""A point of order raised from a phone, heard and ruled, on every screen (O1, issue 16).

Chromium against the real server (``clocked``: its clock moves when the test
says, never by sleeping). Ghana speaks; Mexico's phone raises a point of
order, with its confirmation step; the console hears it; the console, the
wall, the podium and both phones say a point of order is heard and show
Ghana's speech held, its seconds frozen; time passes; the chair rules in
words; Ghana is back with exactly the seconds she had, and resumes with them.
"""

from __future__ import annotations

import importlib.util
import re

import pytest

from tests.web.server import MovableClock, Site

if importlib.util.find_spec("playwright") is None:  # pragma: no cover
    # As for test_screens*.py (tests/web/conftest.py): test_tools.py says why, and fails in CI.
    pytest.skip("playwright is not installed", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect

from tests.web.screens import (
    WALL,
    Moderator,
    console_page,
    delegate_page,
    display_page,
    open_page,
)

pytestmark = pytest.mark.browser


#: Whether the page's countdown shows the running deadline on the server's clock (this
#: machine's plus what the test skipped), within the second the countdown rounds to.
_AGREES = """([endsAt, skipped]) => {
    const text = document.getElementById('countdown-time').textContent;
    const [m, s] = text.replace('+', '').split(':').map(Number);
    const shown = (text.startsWith('+') ? -1 : 1) * (m * 60 + s);
    return Math.abs(shown - (endsAt - (Date.now() / 1000 + skipped))) <= 1;
}"""


def _podium(browser: Browser, site: Site, room: int) -> Page:
    return open_page(browser, site, f"/podium/{room}?token={site.display(room)}", WALL)


def test_O1_a_point_of_order_from_a_phone_holds_the_speaker_on_every_screen_who_resumes_with_the_same_seconds(  # noqa: E501
    browser: Browser, clocked: tuple[Site, MovableClock]
) -> None:
    site, clock = clocked
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.member_state_phase(site.seeded.action_group, "GHA")
    moderator.send("floor", type="grant")
    moderator.send("speech", type="start")
    clock.advance(20)  # Ghana has spoken for a while
    console = console_page(browser, site, room)
    wall = display_page(browser, site, room)
    podium = _podium(browser, site, room)
    mexico = delegate_page(browser, site, "MEX", room)
    ghana = delegate_page(browser, site, "GHA", room)
    screens = {"console": console, "wall": wall, "podium": podium, "mexico": mexico, "ghana": ghana}

    # The phone: its own button, apart from "Request the floor", and a confirmation step.
    point = mexico.locator("#point")
    expect(point).to_have_text("Point of order")
    expect(mexico.locator("#request")).to_have_text("Request the floor")
    point.click()
    expect(mexico.locator("#point-question")).to_have_text(
        "Raise a point of order? The chair hears it before every speaker."
    )
    mexico.click("#point-no")
    assert moderator.view()["procedure"]["points"] == []
    point.click()
    mexico.click("#point-yes")
    expect(mexico.locator("#point-state")).to_have_text("Your point of order is waiting: place 1")
    expect(point).to_be_disabled()
    row = console.locator("#points-list li", has_text="Mexico")
    expect(row).to_have_count(1)
    assert moderator.view()["speech"]["status"] == "running"  # raised, not heard yet

    row.locator("[data-action=hear]").click()

    view = moderator.view()
    held = view["procedure"]["held"]
    left = held["seconds_left"]
    assert (held["speaker"]["id"], held["status"]) == ("GHA", "paused")
    assert view["speech"]["speaker"]["id"] == "MEX"
    assert view["speech"]["basis"] == "point_of_order"
    for name, page in screens.items():
        banner = page.locator("#point-heard" if name == "console" else "#point-banner")
        expect(banner).to_be_visible()
        expect(banner).to_have_text(
            re.compile(r"^Point of order: Mexico · the speech of Ghana is held with \d:\d\d left$")
        )
        expect(banner).to_have_attribute("data-held", re.compile(r"."))
        assert float(banner.get_attribute("data-held") or "nan") == left, name
        expect(page.locator("#speaker-name")).to_have_text("Mexico")  # the raiser has the floor
    expect(mexico.locator("#point-state")).to_have_text("Your point of order is being heard")
    expect(ghana.locator("#point-state")).to_be_hidden()
    expect(ghana.locator("#place")).to_have_text(
        re.compile(
            r"^Your speech is held while a point of order is heard: you resume with \d:\d\d left$"
        )
    )
    expect(ghana.locator("#request")).to_be_disabled()

    # The point takes its time (the cap, 5 min); Ghana's seconds do not run meanwhile.
    console.click("#act-start")
    expect(console.locator("#countdown")).to_have_attribute("data-state", "normal")
    clock.advance(90)
    for page in screens.values():
        # The page learns the server's clock at its next clock-sync ping; ask for it now.
        page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
    assert moderator.view()["procedure"]["held"]["seconds_left"] == left
    console.fill("#ruling", "The point is well taken: the speaker will keep to the item.")
    console.click("#act-rule")

    back = moderator.view()["speech"]
    assert (back["speaker"]["id"], back["status"], back["seconds_left"]) == ("GHA", "paused", left)
    for name, page in screens.items():
        banner = page.locator("#point-heard" if name == "console" else "#point-banner")
        expect(banner).to_be_hidden()
        expect(page.locator("#speaker-name")).to_have_text("Ghana")
        expect(page.locator("#countdown")).to_have_attribute("data-state", "paused")
        # the very seconds she had: the countdown reads them from the same view
        expect(page.locator("#countdown")).to_have_attribute("data-seconds", re.compile(r"."))
        assert float(page.locator("#countdown").get_attribute("data-seconds") or "nan") == left
    expect(mexico.locator("#point-state")).to_be_hidden()
    expect(point).to_be_enabled()
    expect(ghana.locator("#place")).to_have_text("You have the floor")

    before = clock()
    console.click("#act-resume")
    expect(console.locator("#countdown")).to_have_attribute("data-state", "normal")
    running = moderator.view()["speech"]
    assert before <= running["ends_at"] - left <= clock()  # resumed with exactly those seconds
    for page in screens.values():
        page.wait_for_function(_AGREES, arg=[running["ends_at"], clock.skipped])
