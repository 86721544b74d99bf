"""The groups' time contingents on the console (O9, issue 16).

Chromium against the real server (``contingents``: a general debate in which Ghana's
group, "Greens", has 4 minutes for the segment and the Holy See's, "Liberals", 10 for
the meeting; the server's clock moves when the test says, and with real time). Ghana speaks: the
console draws its group down by the speech on the floor before the engine draws it at
the end, marks it low below a quarter, keeps the figure the engine drew once the speech
ends, and says "over" once a second speech of Ghana's overdraws it (warned by the
engine, T5 hard stops being off). The speech is paused before each reading, so that
the figures do not move with the machine's real time meanwhile.
"""

from __future__ import annotations

import importlib.util

import pytest

from tests.web.server import MovableClock, Site

if importlib.util.find_spec("playwright") is None:  # pragma: no cover
    # As for test_screens*.py (tests/web/conftest.py): test_tools.py says why, and fails in CI.
    pytest.skip("playwright is not installed", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect

from tests.web.screens import Moderator, console_page

pytestmark = pytest.mark.browser


def _sync(page: Page) -> None:
    """The page learns the server's clock at its next clock-sync ping; ask for it now."""
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")


def test_O9_the_console_draws_a_groups_contingent_down_as_its_member_speaks(
    browser: Browser, contingents: tuple[Site, MovableClock, int]
) -> None:
    site, clock, segment = contingents
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.speaking(segment, "GHA")
    clock.advance(90)
    moderator.send("speech", type="pause")
    console = console_page(browser, site, room)

    panel = console.locator("#contingents")
    expect(panel.locator("h3")).to_have_text("Speaking time of groups")
    greens = panel.locator("li[data-group=Greens]")
    liberals = panel.locator("li[data-group=Liberals]")
    expect(greens.locator(".left")).to_have_text("2:30 left of 4:00")
    expect(greens.locator(".speaking")).to_have_text("speaking now")
    expect(greens.locator(".per")).to_have_text("this segment")
    expect(liberals.locator(".left")).to_have_text("10:00 left of 10:00")
    expect(liberals.locator(".per")).to_have_text("the whole meeting")
    expect(liberals.locator(".speaking")).to_have_count(0)
    expect(greens).to_have_attribute("data-state", "ok")

    moderator.send("speech", type="resume")
    clock.advance(100)  # 190 s spoken: 50 s left, under a quarter of 4 minutes
    moderator.send("speech", type="pause")
    _sync(console)
    expect(greens.locator(".left")).to_have_text("0:50 left of 4:00")
    expect(greens).to_have_attribute("data-state", "low")

    console.click("#act-end")  # the engine draws the 190 s; the console keeps its figure
    expect(console.locator("#speaker-name")).not_to_have_text("Ghana")
    expect(greens.locator(".speaking")).to_have_count(0)
    expect(greens.locator(".left")).to_have_text("0:50 left of 4:00")
    groups = moderator.view()["console"]["contingents"]
    assert [g["group"] for g in groups] == ["Greens", "Liberals"]
    assert 49.0 < groups[0]["left"] <= 50.0  # 240 s less 190 s and the real time between taps
    assert groups[1]["left"] == 600.0

    moderator.send("floor", type="add_request", delegation="GHA")
    moderator.send("floor", type="grant")  # short of time: warned, the chair decides (O9)
    moderator.send("speech", type="start")
    clock.advance(80)
    moderator.send("speech", type="pause")
    _sync(console)
    expect(greens.locator(".left")).to_have_text("0:30 over its 4:00")
    expect(greens).to_have_attribute("data-state", "overdrawn")
    expect(liberals.locator(".left")).to_have_text("10:00 left of 10:00")
