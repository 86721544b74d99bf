"""O5, O7, O8 on the moderator's console: interposed questions, stances, no-shows.

Chromium against the real server (``kinds``: a general debate whose rules alternate pro
and contra, take interposed questions of at most 30 s and give a group statement its
own allotment). The speech is paused before each reading, so that the figures do not
move with the machine's real time meanwhile. Each test checks the page and the server.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import httpx
import pytest

from app.access.roles import Role
from tests.web.screens import Moderator, console_page
from tests.web.server import MovableClock, Site

if importlib.util.find_spec("playwright") is None:  # pragma: no cover
    pytest.skip("playwright is not installed", allow_module_level=True)

from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.browser

Kinds = tuple[Site, MovableClock, int]


def _as_delegate(site: Site, code: str, n: int, **body: Any) -> None:
    answer = httpx.post(
        f"{site.base}/api/rooms/{site.seeded.rooms[0]}/requests",
        json={"command_id": f"delegate-{code}-{n:04d}", "delegation": code, **body},
        headers={"Authorization": f"Bearer {site.delegate(code)}"},
    )
    assert answer.status_code == 200, answer.text


def test_O8_the_chair_consents_to_a_question_and_the_speaker_resumes_with_its_seconds(
    browser: Browser, kinds: Kinds
) -> None:
    site, clock, segment = kinds
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.speaking(segment, "GHA")
    clock.advance(40)
    moderator.send("speech", type="pause")
    _as_delegate(site, "MEX", 1, type="question", seconds=20, expected_speaker="GHA")
    console = console_page(browser, site, room)

    panel = console.locator("#questions")
    expect(panel.locator("h3")).to_have_text("Interposed questions")
    row = panel.locator("#questions-list li")
    expect(row.locator(".name")).to_have_text("Mexico")
    expect(row.locator(".seconds")).to_have_text("at most 20 s")
    left = moderator.view()["speech"]["seconds_left"]
    row.locator("button[data-action=consent]").click()

    expect(console.locator("#speaker-name")).to_have_text("Mexico")
    held = console.locator("#question-held")
    view = moderator.view()
    assert view["speech"]["basis"] == "question"
    assert view["interposed"]["held"]["speaker"]["id"] == "GHA"
    assert view["interposed"]["held"]["seconds_left"] == left
    minutes, seconds = divmod(int(-(-left // 1)), 60)
    expect(held).to_have_text(
        f"Interposed question: Mexico · the speech of Ghana is held and resumes with "
        f"{minutes}:{seconds:02d} left"
    )
    expect(held).to_have_attribute("data-held", str(left))

    console.click("#act-end")  # the question ends; the held speech is back, paused
    expect(console.locator("#speaker-name")).to_have_text("Ghana")
    expect(panel).to_be_hidden()
    back = moderator.view()["speech"]
    assert (back["speaker"]["id"], back["status"], back["seconds_left"]) == ("GHA", "paused", left)


def test_O8_a_declined_question_leaves_the_speaker_on_the_floor(
    browser: Browser, kinds: Kinds
) -> None:
    site, _, segment = kinds
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.speaking(segment, "GHA")
    moderator.send("speech", type="pause")
    _as_delegate(site, "MEX", 1, type="question", expected_speaker="GHA")
    console = console_page(browser, site, room)
    console.locator("#questions-list button[data-action=decline]").click()
    expect(console.locator("#questions")).to_be_hidden()
    view = moderator.view()
    assert view["interposed"]["waiting"] == []
    assert view["speech"]["speaker"]["id"] == "GHA"


def test_O8_stance_badges_on_the_queue(browser: Browser, kinds: Kinds) -> None:
    site, _, segment = kinds
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.send("programme", type="open_segment", segment_id=segment)
    _as_delegate(site, "MEX", 1, type="request", stance="pro")
    _as_delegate(site, "GHA", 1, type="request", stance="contra", speaks_for="African Group")
    _as_delegate(site, "CHE", 1, type="request")
    console = console_page(browser, site, room)
    rows = console.locator("#queue-list .queue-item")
    expect(rows).to_have_count(3)
    mex = console.locator(".queue-item", has_text="Mexico")
    gha = console.locator(".queue-item", has_text="Ghana")
    che = console.locator(".queue-item", has_text="Switzerland")
    expect(mex.locator(".badge[data-kind=pro]")).to_have_text("Pro")
    expect(gha.locator(".badge[data-kind=contra]")).to_have_text("Contra")
    expect(gha.locator(".badge[data-kind=speaks_for]")).to_have_text("on behalf of African Group")
    expect(che.locator(".badge.stance")).to_have_count(0)
    expect(che.locator("button[data-action=absent]")).to_have_count(0)  # a live request
    stances = {
        q["delegation_id"]: (q["stance"], q["speaks_for"]) for q in moderator.view()["queue"]
    }
    assert stances == {
        "MEX": ("pro", None),
        "GHA": ("contra", "African Group"),
        "CHE": ("none", None),
    }
    assert bool(
        console.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    )  # 1024 px: the rows keep to the width


def test_O5_absent_moves_an_inscribed_speaker_to_the_end_of_its_level(
    browser: Browser, kinds: Kinds
) -> None:
    site, _, segment = kinds
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    for n, code in enumerate(("MEX", "GHA")):  # inscribed before the segment opens (O4)
        answer = httpx.post(
            f"{site.base}/api/rooms/{room}/inscriptions",
            json={
                "command_id": f"inscribe-{n:04d}",
                "type": "inscribe",
                "segment_id": segment,
                "delegation": code,
                "tier": "minister",
            },
            headers={"Authorization": f"Bearer {site.token(Role.SECRETARIAT)}"},
        )
        assert answer.status_code == 200, answer.text
    moderator.send("programme", type="open_segment", segment_id=segment)
    console = console_page(browser, site, room)
    mex = console.locator(".queue-item", has_text="Mexico")
    expect(mex.locator(".badge[data-kind=inscribed]")).to_have_text("Inscribed")
    mex.locator("button[data-action=absent]").click()
    expect(console.locator("#confirm-text")).to_have_text(
        "Mark Mexico absent? A first absence moves this speaker to the end of its level of "
        "representation; a second drops it from the list. Both are recorded."
    )
    console.click("#confirm-ok")
    expect(console.locator("#notice")).to_have_text(
        "Mexico is marked absent: moved to the end of its level"
    )
    expect(console.locator("#queue-list .queue-item .name")).to_have_text(["Ghana", "Mexico"])
    assert [q["delegation_id"] for q in moderator.view()["queue"]] == ["GHA", "MEX"]

    console.locator(".queue-item", has_text="Mexico").locator("button[data-action=absent]").click()
    console.click("#confirm-ok")
    expect(console.locator("#notice")).to_have_text(
        "Mexico is absent a second time: dropped from the list"
    )
    expect(console.locator("#queue-list .queue-item .name")).to_have_text(["Ghana"])
    assert [q["delegation_id"] for q in moderator.view()["queue"]] == ["GHA"]

    # A request the chair pre-loads (P7) is marked inscribed but is not of the list (O4):
    # it is struck, never marked absent, so its row has no "Absent".
    moderator.send("floor", type="add_request", delegation="CHE", inscribed=True)
    che = console.locator(".queue-item", has_text="Switzerland")
    expect(che.locator(".badge[data-kind=inscribed]")).to_have_text("Inscribed")
    expect(che.locator("button[data-action=absent]")).to_have_count(0)
    expect(
        console.locator(".queue-item", has_text="Ghana").locator("button[data-action=absent]")
    ).to_have_count(1)
    tiers = {q["delegation_id"]: q["tier"] for q in moderator.view()["queue"]}
    assert tiers == {"GHA": "minister", "CHE": None}


def test_O7_O8_the_chair_adds_a_request_with_its_stance_and_group(
    browser: Browser, kinds: Kinds
) -> None:
    """The console's add form asks for a stance and a group where the rules use them."""
    site, _, segment = kinds
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    console = console_page(browser, site, room)
    expect(console.locator("#add-kinds")).to_be_hidden()  # no segment open: no rules yet
    moderator.send("programme", type="open_segment", segment_id=segment)
    expect(console.locator("#add-stance-field")).to_be_visible()
    expect(console.locator("#add-group-field")).to_be_visible()

    console.fill("#add-search", "Ghana")
    console.locator("#add-matches button", has_text="Ghana").click()
    console.select_option("#add-stance", "contra")
    console.fill("#add-group", "African Group")
    console.click("#add-submit")
    expect(console.locator(".queue-item", has_text="Ghana")).to_have_count(1)
    console.fill("#add-search", "Mexico")
    console.locator("#add-matches button", has_text="Mexico").click()
    expect(console.locator("#add-stance")).to_have_value("")  # cleared after each request
    console.click("#add-submit")
    expect(console.locator("#queue-list .queue-item")).to_have_count(2)

    kinds_of = {
        q["delegation_id"]: (q["stance"], q["speaks_for"], q["on_behalf"])
        for q in moderator.view()["queue"]
    }
    assert kinds_of == {"GHA": ("contra", "African Group", True), "MEX": ("none", None, True)}
    gha = console.locator(".queue-item", has_text="Ghana")
    expect(gha.locator(".badge[data-kind=contra]")).to_have_text("Contra")
