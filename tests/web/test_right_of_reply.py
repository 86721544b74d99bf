"""Rights of reply asked from phones and taken at the end of the debate (O2, issue 16).

Chromium against the real server (``debate``: a general debate whose rules give
GA's limits, 10 and 5 minutes; its clock moves only when the test says). Ghana
speaks, the Holy See waits; Mexico's and Switzerland's phones ask for a right of
reply, each with its confirmation step; the console lists both replies, adds
and withdraws one for Ghana; the replies wait while the list of speakers has a
speaker left, and "next speaker" at its end gives the floor to Mexico's reply
with the first limit: the wall and the podium say "Right of reply" with 10:00
on the countdown, Mexico's phone that it has the floor, Switzerland's its place.
"""

from __future__ import annotations

import importlib.util

import pytest

from tests.web.server import MovableClock, Site

if importlib.util.find_spec("playwright") is None:  # pragma: no cover
    # As for test_screens*.py (tests/web/conftest.py): test_tools.py says why, and fails in CI.
    pytest.skip("playwright is not installed", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect

from tests.web.screens import (
    PHONE,
    WALL,
    Moderator,
    console_page,
    delegate_page,
    display_page,
    open_page,
)

pytestmark = pytest.mark.browser


#: Whether the control lies inside the viewport and a tap at its centre reaches it.
_TAPPABLE = """(selector) => {
    const el = document.querySelector(selector);
    const box = el.getBoundingClientRect();
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    return box.width > 0 && box.left >= 0 && box.top >= 0 && box.right <= innerWidth
        && box.bottom <= innerHeight && Boolean(hit) && (hit === el || el.contains(hit));
}"""


def _ask_for_a_reply(phone: Page) -> None:
    """The phone's own button, then its confirmation step (cancelled once, then confirmed)."""
    button = phone.locator("#reply")
    expect(button).to_have_text("Right of reply")
    expect(phone.locator("#reply-left")).to_have_text("2 rights of reply left in this segment")
    button.click()
    expect(phone.locator("#reply-question")).to_have_text(
        "Ask for a right of reply? Replies are heard at the end of the debate, "
        "or when the chair calls them."
    )
    phone.click("#reply-no")
    expect(button).to_be_visible()
    button.click()
    phone.click("#reply-yes")


def test_O2_replies_asked_from_phones_are_taken_at_the_end_of_the_debate_with_the_first_limit(
    browser: Browser, debate: tuple[Site, MovableClock, int]
) -> None:
    site, clock, segment = debate
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.send("programme", type="open_segment", segment_id=segment)
    for code in ("GHA", "VAT"):
        moderator.send("floor", type="add_request", delegation=code)
    moderator.send("floor", type="grant")
    moderator.send("speech", type="start")
    clock.advance(30)
    console = console_page(browser, site, room)
    wall = display_page(browser, site, room)
    podium = open_page(browser, site, f"/podium/{room}?token={site.display(room)}", WALL)
    mexico = delegate_page(browser, site, "MEX", room)
    switzerland = delegate_page(browser, site, "CHE", room)

    _ask_for_a_reply(mexico)
    expect(mexico.locator("#reply-state")).to_have_text(
        "Your right of reply is waiting: place 1 (first reply, 10:00)"
    )
    expect(mexico.locator("#reply")).to_be_disabled()  # a second press would change nothing
    _ask_for_a_reply(switzerland)
    expect(switzerland.locator("#reply-state")).to_have_text(
        "Your right of reply is waiting: place 2 (first reply, 10:00)"
    )

    # The console: the replies' own list, apart from the requests; one added on Ghana's
    # behalf and withdrawn again.
    rows = console.locator("#replies-list li")
    expect(rows.locator(".name")).to_have_text(["Mexico", "Switzerland"])
    expect(rows.locator(".limit")).to_have_text(["first reply · 10:00", "first reply · 10:00"])
    expect(console.locator("#queue-list li[data-request] .name")).to_have_text(["Holy See"])
    console.fill("#add-search", "Ghana")
    console.click("#add-reply")
    expect(rows.locator(".name")).to_have_text(
        ["Mexico", "Switzerland", "Ghana (Added by moderator)"]
    )
    rows.nth(2).locator("[data-action=withdraw-reply]").click()
    expect(rows.locator(".name")).to_have_text(["Mexico", "Switzerland"])
    # The Holy See is still to speak: the replies wait for the end of the list.
    expect(console.locator("#replies-state")).to_have_text(
        "Taken at the end of the list of speakers, or when you call them"
    )
    expect(console.locator("#act-call-replies")).to_be_enabled()
    # at 1024×768 the replies panel leaves the floor's controls where a tap reaches them
    for selector in (
        "#act-next",
        "#act-call-replies",
        "#replies-list li:nth-child(2) [data-action=give-reply]",
        "#replies-list li:nth-child(2) [data-action=withdraw-reply]",
        "#add-reply",
    ):
        assert console.evaluate(_TAPPABLE, selector), selector

    console.click("#act-next")  # Ghana's speech ends; the Holy See, the last speaker
    expect(console.locator("#speaker-name")).to_have_text("Holy See")
    expect(console.locator("#reply-label")).to_be_hidden()
    expect(console.locator("#replies-state")).to_have_text(
        "Replies are taken now: “Next speaker” gives the floor to the first"
    )
    console.click("#act-start")
    expect(console.locator("#countdown")).to_have_attribute("data-state", "normal")
    clock.advance(60)

    console.click("#act-next")  # the speakers done: the first reply, with the first limit
    view = moderator.view()
    speech = view["speech"]
    assert (speech["speaker"]["id"], speech["basis"], speech["allotted"]) == ("MEX", "reply", 600.0)
    for page in (wall, podium, console):
        expect(page.locator("#speaker-name")).to_have_text("Mexico")
        expect(page.locator("#reply-label")).to_have_text("Right of reply · first reply")
        expect(page.locator("#countdown-time")).to_have_text("10:00")
        expect(page.locator("#countdown")).to_have_attribute("data-seconds", "600")
    expect(wall.locator("#allotment")).to_have_text("of 10:00")
    # the podium keeps everything on screen with the label above the name
    assert podium.evaluate("() => document.documentElement.scrollHeight <= innerHeight")
    state = podium.locator("#countdown-state").bounding_box()
    assert state is not None
    assert state["y"] + state["height"] <= WALL["height"]
    expect(mexico.locator("#place")).to_have_text("You have the floor")
    expect(mexico.locator("#reply-state")).to_have_text(
        "You have the floor for a right of reply (first reply)"
    )
    expect(mexico.locator("#reply-left")).to_have_text("1 right of reply left in this segment")
    expect(switzerland.locator("#reply-state")).to_have_text(
        "Your right of reply is waiting: place 1 (first reply, 10:00)"
    )
    expect(rows.locator(".name")).to_have_text(["Switzerland"])


def test_O2_the_chair_calls_the_replies_and_gives_the_floor_to_a_second_reply_on_an_arabic_phone(
    browser: Browser, debate: tuple[Site, MovableClock, int]
) -> None:
    site, clock, segment = debate
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.send("programme", type="open_segment", segment_id=segment)
    for code in ("GHA", "VAT"):
        moderator.send("floor", type="add_request", delegation=code)
    moderator.send("requests", type="reply", delegation="MEX")  # on Mexico's behalf
    console = console_page(browser, site, room)
    wall = display_page(browser, site, room)
    mexico = delegate_page(browser, site, "MEX", room)
    mexico.select_option("#language", "ar")
    expect(mexico.locator("html")).to_have_attribute("dir", "rtl")
    expect(mexico.locator("#reply")).to_have_text("حق الرد")
    expect(mexico.locator("#reply-state")).to_have_text(
        "ردّكم في الانتظار: المركز 1 (الرد الأول، 10:00)"
    )

    # Called by the chair: "next speaker" takes the reply before Ghana and the Holy See.
    expect(console.locator("#replies-state")).to_have_text(
        "Taken at the end of the list of speakers, or when you call them"
    )
    console.click("#act-call-replies")
    expect(console.locator("#replies-state")).to_have_text(
        "Replies are taken now: “Next speaker” gives the floor to the first"
    )
    expect(console.locator("#act-call-replies")).to_be_disabled()  # a second call: nothing
    console.click("#act-next")
    expect(wall.locator("#reply-label")).to_have_text("Right of reply · first reply")
    expect(wall.locator("#countdown-time")).to_have_text("10:00")
    console.click("#act-start")
    clock.advance(120)

    # Mexico asks again while replying: its second reply, with the second limit (5:00).
    mexico.click("#reply")
    expect(mexico.locator("#reply-question")).to_contain_text("حق الرد")
    mexico.click("#reply-yes")
    expect(mexico.locator("#reply-state")).to_have_text(
        "ردّكم في الانتظار: المركز 1 (الرد الثاني، 5:00)"
    )
    box = mexico.locator("#reply-box").bounding_box()
    assert box is not None
    assert box["x"] >= 0  # within the phone's width, no overflow (RTL too)
    assert box["x"] + box["width"] <= PHONE["width"]
    rows = console.locator("#replies-list li")
    expect(rows.locator(".limit")).to_have_text(["second reply · 5:00"])
    # not called (the call is spent once none waited): the Holy See's list comes first
    expect(console.locator("#replies-state")).to_have_text(
        "Taken at the end of the list of speakers, or when you call them"
    )
    rows.first.locator("[data-action=give-reply]").click()

    speech = moderator.view()["speech"]
    assert (speech["speaker"]["id"], speech["basis"], speech["allotted"]) == ("MEX", "reply", 300.0)
    expect(wall.locator("#reply-label")).to_have_text("Right of reply · second reply")
    expect(wall.locator("#countdown-time")).to_have_text("5:00")
    expect(mexico.locator("#reply-label")).to_have_text("حق الرد · الرد الثاني")
    expect(mexico.locator("#reply-left")).to_have_text("لم يبق لكم حق رد في هذا الجزء")
    expect(mexico.locator("#reply")).to_be_disabled()  # two replies: the meeting's limit
