"""The phone's speech kinds (issue 16, O4, O7, O8), in Chromium against the real server.

A general debate in the plenary (``tests/web/server.seed_debate``) under rules that
alternate pro and contra, take interposed questions and give a group statement its own
allotment; the server's clock moves only when the test says. Each test drives a
delegation's phone and checks what it shows and what the server holds.
"""

from __future__ import annotations

import importlib.util

import pytest

from tests.web.server import MovableClock, Site

if importlib.util.find_spec("playwright") is None:  # pragma: no cover
    pytest.skip("playwright is not installed", allow_module_level=True)

from playwright.sync_api import Browser, expect

from tests.web.screens import Moderator, delegate_page

pytestmark = pytest.mark.browser


def test_O8_pro_and_contra_buttons_send_the_stance(
    browser: Browser, kinds: tuple[Site, MovableClock, int]
) -> None:
    site, _clock, segment = kinds
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.send("programme", type="open_segment", segment_id=segment)
    mexico = delegate_page(browser, site, "MEX", room)
    expect(mexico.locator("#request")).to_be_hidden()
    expect(mexico.locator("#request-pro")).to_have_text("Speak in favour")
    expect(mexico.locator("#request-contra")).to_have_text("Speak against")
    # at 360×640 both buttons fit side by side, with no sideways scroll
    assert mexico.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    for selector in ("#request-pro", "#request-contra"):
        box = mexico.locator(selector).bounding_box()
        assert box is not None, selector
        assert box["x"] >= 0, selector
        assert box["x"] + box["width"] <= 360, selector
    mexico.click("#request-contra")
    expect(mexico.locator("#place")).to_have_text("Place 1 in the queue (against)")
    queue = moderator.view()["queue"]
    assert [(q["delegation_id"], q["stance"]) for q in queue] == [("MEX", "contra")]


def test_O7_a_request_on_behalf_of_a_group_sends_its_name(
    browser: Browser, kinds: tuple[Site, MovableClock, int]
) -> None:
    site, _clock, segment = kinds
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.send("programme", type="open_segment", segment_id=segment)
    ghana = delegate_page(browser, site, "GHA", room)
    ghana.check("#for-group")
    ghana.fill("#group-text", "African Group")
    ghana.click("#request-pro")
    expect(ghana.locator("#place")).to_have_text(
        "Place 1 in the queue (in favour) · On behalf of African Group"
    )
    queue = moderator.view()["queue"]
    assert [(q["delegation_id"], q["speaks_for"]) for q in queue] == [("GHA", "African Group")]


def test_O8_a_question_from_the_phone_waits_for_consent(
    browser: Browser, kinds: tuple[Site, MovableClock, int]
) -> None:
    site, clock, segment = kinds
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.speaking(segment, "GHA")
    clock.advance(10)
    mexico = delegate_page(browser, site, "MEX", room)
    mexico.click("#question")
    expect(mexico.locator("#question-state")).to_have_text(
        "Your question is waiting for the speaker's consent"
    )
    expect(mexico.locator("#question")).to_be_disabled()
    waiting = moderator.view()["interposed"]["waiting"]
    assert [(q["delegation_id"], q["to_speaker"]) for q in waiting] == [("MEX", "GHA")]
    moderator.send("floor", type="consent_to_question", expected_speaker="GHA")
    expect(mexico.locator("#question-state")).to_have_text("Your question: 30 s")
    speech = moderator.view()["speech"]
    assert (speech["speaker"]["id"], speech["basis"]) == ("MEX", "question")


def test_O4_a_delegate_inscribes_from_its_phone_and_sees_its_place(
    browser: Browser, kinds: tuple[Site, MovableClock, int]
) -> None:
    site, clock, segment = kinds
    room = site.seeded.rooms[0]
    clock.advance(-2 * 3600)  # before the window: the phone says when it opens
    mexico = delegate_page(browser, site, "MEX", room)
    row = mexico.locator(f".inscription[data-segment-id='{segment}']")
    expect(row).to_have_attribute("data-status", "before")
    expect(row.locator(".window")).to_contain_text("Inscription opens at")
    expect(row.locator("button.inscribe")).to_have_count(0)
    clock.advance(2 * 3600)
    row.locator("select.tier").select_option("minister")
    row.locator("button.inscribe").click()
    expect(row.locator(".inscribed")).to_have_text("Inscribed: place 1 on the list of speakers")
    lists = Moderator(site, room).view()["inscriptions"]
    entries = [e for entry in lists for e in entry["entries"]]
    assert [(e["delegation_id"], e["tier"]) for e in entries] == [("MEX", "minister")]
    row.locator("button.withdraw-inscription").click()
    expect(row.locator("button.inscribe")).to_be_visible()
    assert all(not entry["entries"] for entry in Moderator(site, room).view()["inscriptions"])
    clock.advance(2 * 3600)  # past the deadline: the phone says the list closed
    expect(row.locator(".window")).to_have_text("Inscription closed")


def test_O4_O8_the_new_controls_in_arabic_read_right_to_left_at_360_px(
    browser: Browser, kinds: tuple[Site, MovableClock, int]
) -> None:
    site, _clock, segment = kinds
    room = site.seeded.rooms[0]
    Moderator(site, room).send(
        "programme", type="open_segment", segment_id=site.seeded.action_group
    )
    phone = delegate_page(browser, site, "MEX", room)
    phone.select_option("#language", "ar")
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    row = phone.locator(f".inscription[data-segment-id='{segment}']")
    expect(row.locator("button.inscribe")).to_have_text("التسجيل")
    expect(row.locator("select.tier option").first).to_have_text("رئيس دولة")
    assert phone.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
