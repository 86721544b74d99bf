"""An interposed question on the room's screens (O8, issue 16).

Chromium against the real server, on a general debate whose rules take interposed
questions (``kinds``; the server's clock moves when the test says). Ghana speaks; Mexico's
question is consented to: the wall and the podium say who asks whom and show Ghana's
speech held with the seconds it will resume with; once the question ends, Ghana is
back on both with exactly those seconds and the banner is gone.
"""

from __future__ import annotations

import importlib.util
import re

import pytest

from tests.web.server import MovableClock, Site

if importlib.util.find_spec("playwright") is None:  # pragma: no cover
    # As for test_screens*.py (tests/web/conftest.py): test_tools.py says why, and fails in CI.
    pytest.skip("playwright is not installed", allow_module_level=True)

from playwright.sync_api import Browser, expect

from tests.web.screens import WALL, Moderator, display_page, open_page

pytestmark = pytest.mark.browser


def test_O8_a_question_put_to_the_speaker_is_said_on_the_wall_and_the_podium(
    browser: Browser, kinds: tuple[Site, MovableClock, int]
) -> None:
    site, clock, segment = kinds
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.speaking(segment, "GHA")
    clock.advance(20)
    moderator.send("requests", type="question", delegation="MEX", expected_speaker="GHA")
    wall = display_page(browser, site, room)
    podium = open_page(browser, site, f"/podium/{room}?token={site.display(room)}", WALL)
    screens = {"wall": wall, "podium": podium}
    for page in screens.values():
        expect(page.locator("#point-banner")).to_be_hidden()  # asked, not yet consented to

    (asked,) = moderator.view()["interposed"]["waiting"]
    moderator.send("floor", type="consent_to_question", question_id=asked["id"])

    view = moderator.view()
    held = view["interposed"]["held"]
    left = held["seconds_left"]
    assert (view["speech"]["speaker"]["id"], view["speech"]["basis"]) == ("MEX", "question")
    assert (held["speaker"]["id"], held["status"]) == ("GHA", "paused")
    for name, page in screens.items():
        banner = page.locator("#point-banner")
        expect(banner).to_be_visible()
        expect(banner).to_have_text(
            re.compile(
                r"^Question from Mexico to Ghana · the speech of Ghana is held with \d:\d\d left$"
            )
        )
        expect(banner).to_have_attribute("data-held", re.compile(r"."))
        assert float(banner.get_attribute("data-held") or "nan") == left, name
        expect(page.locator("#speaker-name")).to_have_text("Mexico")  # the questioner

    moderator.send("speech", type="start")
    clock.advance(15)
    moderator.send("speech", type="end", expected_speaker="MEX")  # the question ends

    back = moderator.view()["speech"]
    assert (back["speaker"]["id"], back["status"], back["seconds_left"]) == ("GHA", "paused", left)
    for page in screens.values():
        expect(page.locator("#point-banner")).to_be_hidden()
        expect(page.locator("#speaker-name")).to_have_text("Ghana")
        expect(page.locator("#countdown")).to_have_attribute("data-state", "paused")
