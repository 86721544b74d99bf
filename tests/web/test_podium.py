"""The podium at 1920×1080 (issue 15): the speaker reads who has the floor, the phase,
the allotment and the countdown, and the whole screen takes the T5 warning colours."""

from __future__ import annotations

import importlib.util
import re

import pytest

from tests.web.server import MODERATORS, MovableClock, Site

if importlib.util.find_spec("playwright") is None:  # pragma: no cover
    pytest.skip("playwright is not installed", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect

from tests.web.screens import WALL, Moderator, contrast, open_page

pytestmark = pytest.mark.browser


def _podium(browser: Browser, site: Site, room: int, query: str = "") -> Page:
    return open_page(browser, site, f"/podium/{room}?token={site.display(room)}{query}", WALL)


def _colours(page: Page) -> tuple[str, str]:
    ink, paper = page.locator("body").evaluate(
        "el => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]"
    )
    return str(ink), str(paper)


def test_podium_shows_the_speaker_the_phase_and_the_allotment(browser: Browser, site: Site) -> None:
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.member_state_phase(site.seeded.action_group, "GHA")
    moderator.send("floor", type="grant")
    allotted = round(moderator.view()["speech"]["allotted"])
    podium = _podium(browser, site, room)
    expect(podium.locator("#speaker-name")).to_have_text("Ghana")
    expect(podium.locator("#phase-title")).to_have_text("Member State interventions")
    expect(podium.locator("#allotment")).to_have_text(f"of {allotted // 60}:{allotted % 60:02d}")
    expect(podium.locator("#countdown-state")).to_have_text("Ready to start")
    # Inside the screen, the countdown the largest of all.
    heights = {
        part: (podium.locator(part).bounding_box() or {"height": 0.0})["height"]
        for part in ("#speaker-name", "#countdown", "#allotment")
    }
    assert heights["#countdown"] > 3 * heights["#speaker-name"]
    scroll = podium.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    assert scroll == [WALL["width"], WALL["height"]]


def test_podium_names_a_programme_speaker_and_speaks_its_screens_language(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.send("programme", type="open_segment", segment_id=site.seeded.action_group)
    moderator.send("floor", type="grant")
    podium = _podium(browser, site, room, "&lang=fr")
    expect(podium.locator("html")).to_have_attribute("lang", "fr")
    expect(podium.locator("#speaker-name")).to_have_text(", ".join(MODERATORS))
    expect(podium.locator("#allotment")).to_have_text("sur 5:00")  # T3: the opening's five minutes
    expect(podium.locator("#phase-title")).not_to_have_text("")


def test_T5_the_whole_podium_takes_the_warning_time_up_and_overtime_colours(
    browser: Browser, clocked: tuple[Site, MovableClock]
) -> None:
    site, clock = clocked
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.member_state_phase(site.seeded.action_group, "GHA")
    moderator.send("floor", type="grant")
    moderator.send("speech", type="start")
    podium = _podium(browser, site, room)
    body = podium.locator("body")
    expect(body).to_have_attribute("data-state", "normal")
    assert _colours(podium)[1] == "rgb(0, 0, 0)"
    ends_at = moderator.view()["speech"]["ends_at"]
    expected = {
        "warning": (-10, "rgb(255, 210, 63)"),
        "timeup": (2, "rgb(143, 0, 24)"),
        "overtime": (30, "rgb(91, 16, 148)"),
    }
    for state, (after_end, paper) in expected.items():
        clock.advance(ends_at + after_end - clock())
        podium.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
        expect(body).to_have_attribute("data-state", state)
        ink, shown = _colours(podium)
        assert shown == paper, state
        assert contrast(ink, shown) >= 7, state
        expect(podium.locator("#countdown-state")).to_have_text(
            re.compile(
                {"warning": "wrap up", "timeup": "Time is up", "overtime": "Over time"}[state]
            )
        )
