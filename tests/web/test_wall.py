"""The wall display at its real sizes (issue 15): what the people in the room read from it.

The room and the time of day (C1), the allotment and a progress bar beside the
countdown (T5), the next speakers and how many wait, the guiding questions
beside the floor (A1), programme speakers by name, titles in the display's
language and a per-screen ``?lang=``, and an offline state that no one can
miss within a heartbeat and a grace. Time passes on the server's clock
(``clocked``) or on the page's fake clock, never by sleeping.
"""

from __future__ import annotations

import importlib.util
import json
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.web.server import (
    MODERATORS,
    PANEL_TITLES,
    QUESTIONS,
    RAPPORTEUR,
    TITLES,
    MovableClock,
    Site,
)

if importlib.util.find_spec("playwright") is None:  # pragma: no cover
    pytest.skip("playwright is not installed", allow_module_level=True)

from playwright.sync_api import Browser, Page, WebSocketRoute, expect

from tests.web.screens import WALL, Moderator, contrast, open_page

pytestmark = pytest.mark.browser

LIVE = re.compile(r"/live\?")
FOUR_K = {"width": 3840, "height": 2160}
#: room.js: offline after a heartbeat and this long with nothing heard (OFFLINE_GRACE_MS).
GRACE_MS = 3000


def _wall(
    browser: Browser,
    site: Site,
    room: int,
    query: str = "",
    viewport: dict[str, int] = WALL,
    before: Any = None,
) -> Page:
    path = f"/display/{room}?token={site.display(room)}{query}"
    return open_page(browser, site, path, viewport, before)


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _wake(page: Page) -> None:
    """The page learns the server's moved clock at its next ping; ask for it now."""
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")


def test_wall_shows_the_room_and_the_time_of_day_in_the_meetings_zone_C1(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    wall = _wall(browser, site, room)
    expect(wall.locator("#room-name")).to_have_text("Plenary hall")
    shown = wall.locator("#time-of-day")
    expect(shown).to_have_text(re.compile(r"^\d\d:\d\d$"))
    zone = ZoneInfo("America/Mexico_City")  # the seeded meeting's time zone
    now = wall.evaluate("() => Date.now() / 1000")
    candidates = {datetime.fromtimestamp(now + d, zone).strftime("%H:%M") for d in (-1, 0, 1)}
    assert shown.inner_text() in candidates


def test_T5_wall_shows_the_allotment_and_a_progress_bar_beside_the_countdown(
    browser: Browser, clocked: tuple[Site, MovableClock]
) -> None:
    site, clock = clocked
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.member_state_phase(site.seeded.action_group, "GHA", "MEX")
    moderator.send("floor", type="grant")
    moderator.send("speech", type="start")
    allotted = moderator.view()["speech"]["allotted"]
    wall = _wall(browser, site, room)
    expect(wall.locator("#allotment")).to_have_text(f"of {_clock(allotted)}")

    # A minute used, then paused: the bar shows the share used, whatever the page's clock.
    clock.advance(60)
    moderator.send("speech", type="pause")
    bar = wall.locator("#progress")
    expect(bar).to_have_attribute("data-state", "paused")
    share = (allotted - moderator.view()["speech"]["seconds_left"]) / allotted  # about a third
    assert share >= 60 / allotted
    used = float(bar.evaluate("el => getComputedStyle(el).getPropertyValue('--used')"))
    assert used == pytest.approx(share, abs=0.001)
    height = wall.evaluate(
        "() => [document.querySelector('.progress-used').getBoundingClientRect().height,"
        " document.querySelector('#progress').clientHeight]"
    )
    assert height[0] == pytest.approx(height[1] * share, abs=2)
    # Beside the countdown, not under it.
    countdown, beside = wall.locator("#countdown").bounding_box(), bar.bounding_box()
    assert countdown is not None
    assert beside is not None
    assert beside["x"] >= countdown["x"] + countdown["width"]

    # Into the wrap-up warning: the bar takes the warning's colour (T5).
    moderator.send("speech", type="resume")
    clock.advance(moderator.view()["speech"]["ends_at"] - clock() - 10)
    _wake(wall)
    expect(bar).to_have_attribute("data-state", "warning")
    fill = wall.locator(".progress-used").evaluate("el => getComputedStyle(el).backgroundColor")
    assert fill == "rgb(255, 210, 63)"


def test_wall_lists_the_next_speakers_and_counts_everyone_waiting_at_1920x1080(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    waiting = ("MEX", "GHA", "CHE", "VAT", "IOM", "MADE")
    moderator.member_state_phase(site.seeded.action_group, *waiting)
    wall = _wall(browser, site, room)
    expect(wall.locator("#next-list li .name")).to_have_count(5)  # a display is sent five
    expect(wall.locator("#waiting")).to_have_text("6 requests waiting")
    # The side column is used: the names and the questions reach down the screen, inside it.
    expect(wall.locator("#questions li")).to_have_count(len(QUESTIONS))
    side = wall.locator(".wall-side").bounding_box()
    last = wall.locator("#questions li").last.bounding_box()
    assert side is not None
    assert last is not None
    assert last["y"] + last["height"] > WALL["height"] / 2
    assert last["y"] + last["height"] <= WALL["height"]
    overflow = wall.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    assert overflow == [WALL["width"], WALL["height"]]

    moderator.send("floor", type="grant")
    expect(wall.locator("#waiting")).to_have_text("5 requests waiting")


def test_wall_at_3840x2160_scales_as_at_1920x1080(browser: Browser, site: Site) -> None:
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.member_state_phase(site.seeded.action_group, "GHA", "MEX", "CHE", "VAT")
    moderator.send("floor", type="grant")
    moderator.send("speech", type="start")
    boxes = {}
    for size in (WALL, FOUR_K):
        wall = _wall(browser, site, room, viewport=size)
        expect(wall.locator("#allotment")).to_have_text(re.compile(r"^of \d:\d\d$"))
        scroll = wall.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
        )
        assert scroll == [size["width"], size["height"]]  # nothing spills off the screen
        boxes[size["width"]] = {
            part: wall.locator(part).bounding_box()
            for part in ("#countdown", "#progress", "#next-list", "#time-of-day")
        }
        wall.context.close()
    for part, small in boxes[WALL["width"]].items():
        large = boxes[FOUR_K["width"]][part]
        assert small is not None
        assert large is not None
        assert large["height"] == pytest.approx(2 * small["height"], rel=0.05), part


def test_A1_wall_keeps_the_guiding_questions_beside_the_floor_while_member_states_speak(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.send("programme", type="open_segment", segment_id=site.seeded.action_group)
    wall = _wall(browser, site, room)
    box = wall.locator("#questions-box")
    expect(box).to_be_visible()
    expect(box).to_have_attribute("data-focus", "true")  # the welcome puts them first
    moderator.send("programme", type="close_phase")
    moderator.send("floor", type="add_request", delegation="GHA")
    expect(wall.locator("#phase-title")).to_have_text("Member State interventions")
    expect(box).to_have_attribute("data-focus", "false")
    expect(wall.locator("#questions li")).to_have_text(QUESTIONS)
    expect(wall.locator("#next-list li .name")).to_have_text(["Ghana"])
    # A side panel: below the next speakers, in the side column.
    names, questions = wall.locator("#next-box").bounding_box(), box.bounding_box()
    assert names is not None
    assert questions is not None
    assert questions["y"] >= names["y"] + names["height"]


def test_wall_names_the_segments_moderators_and_rapporteur_not_their_roles(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.send("programme", type="open_segment", segment_id=site.seeded.action_group)
    wall = _wall(browser, site, room)
    people = ", ".join(MODERATORS)
    expect(wall.locator("#next-list li .name")).to_have_text([people])  # the welcome's speaker
    moderator.send("floor", type="grant")
    expect(wall.locator("#speaker-name")).to_have_text(people)
    moderator.send("speech", type="end")
    for _ in range(3):  # to the concluding remarks: the rapporteur speaks first
        moderator.send("programme", type="close_phase")
    expect(wall.locator("#phase-title")).to_have_text("Concluding remarks")
    expect(wall.locator("#next-list li .name")).to_have_text([RAPPORTEUR])
    moderator.send("floor", type="grant")
    expect(wall.locator("#speaker-name")).to_have_text(RAPPORTEUR)


def test_wall_shows_segment_titles_in_its_language_and_lang_overrides_the_rooms(
    browser: Browser, site: Site
) -> None:
    english, arabic = site.seeded.rooms
    Moderator(site, english).send(
        "programme", type="open_segment", segment_id=site.seeded.action_group
    )
    Moderator(site, arabic).send("programme", type="open_segment", segment_id=site.seeded.panel)
    cases = [
        (english, "", "en", "Action group 1: human dimension"),
        (english, "&lang=ar", "ar", TITLES["ar"]),  # an Arabic wall in an English room
        (english, "&lang=zh", "zh", TITLES["zh"]),
        (english, "&lang=xx", "en", "Action group 1: human dimension"),  # invalid: the room's
        (arabic, "", "ar", PANEL_TITLES["ar"]),
        (arabic, "&lang=en", "en", "Panel I"),  # an English wall in the Arabic room
        (arabic, "&lang=", "ar", PANEL_TITLES["ar"]),
    ]
    for room, query, language, title in cases:
        wall = _wall(browser, site, room, query)
        expect(wall.locator("html")).to_have_attribute("lang", language)
        expect(wall.locator("#segment-title")).to_have_text(title)
        wall.context.close()


def test_arabic_and_chinese_walls_read_in_their_language(browser: Browser, site: Site) -> None:
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.member_state_phase(site.seeded.action_group, "MEX", "GHA")
    moderator.send("floor", type="grant")
    moderator.send("speech", type="start")
    expected = {
        "ar": ("rtl", "المكسيك", "طلب واحد في الانتظار", "من "),
        "zh": ("ltr", "墨西哥", "1 项发言请求等候中", "共 "),
    }
    for language, (direction, mexico, waiting, of) in expected.items():
        wall = _wall(browser, site, room, f"&lang={language}")
        expect(wall.locator("html")).to_have_attribute("dir", direction)
        expect(wall.locator("#speaker-name")).to_have_text(mexico)
        expect(wall.locator("#waiting")).to_have_text(waiting)
        expect(wall.locator("#allotment")).to_have_text(re.compile(f"^{of}\\d:\\d\\d$"))
        expect(wall.locator("#segment-title")).to_have_text(TITLES[language])
        wall.context.close()


class Freeze:
    """A page's live channel whose server, once frozen, says nothing more (nor closes)."""

    def __init__(self) -> None:
        self.frozen = False
        self.heartbeat: float | None = None

    def route(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        server.on_message(lambda message: self._from_server(ws, message))

    def _from_server(self, ws: WebSocketRoute, message: str | bytes) -> None:
        if self.frozen:
            return
        if isinstance(message, str) and self.heartbeat is None:
            viewer = json.loads(message).get("viewer") or {}
            self.heartbeat = viewer.get("heartbeat")
        ws.send(message)


def test_wall_marks_itself_offline_within_a_heartbeat_and_a_grace_of_the_last_frame(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.member_state_phase(site.seeded.action_group, "GHA")
    moderator.send("floor", type="grant")
    moderator.send("speech", type="start")
    link = Freeze()

    def before(page: Page) -> None:
        page.clock.install()
        page.route_web_socket(LIVE, link.route)

    wall = _wall(browser, site, room, before=before)
    banner = wall.locator("#offline-banner")
    expect(banner).to_be_hidden()
    expect(wall.locator(".not-live")).to_be_hidden()
    assert link.heartbeat is not None

    link.frozen = True  # the server stops: no frame, no close
    wall.clock.run_for(int(link.heartbeat * 1000) + GRACE_MS)
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Offline")
    expect(wall.locator("body")).to_have_attribute("data-connection", "offline")
    # The countdown is marked as not live, large and readable.
    expect(wall.locator(".not-live")).to_be_visible()
    expect(wall.locator(".not-live")).to_have_text("not live")
    look = wall.locator("#countdown").evaluate(
        "el => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor,"
        " getComputedStyle(el).borderStyle]"
    )
    assert look[2] == "dashed"
    assert look[1] == "rgb(43, 43, 43)"
    ink, paper = wall.locator("#offline-banner").evaluate(
        "el => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]"
    )
    assert contrast(ink, paper) >= 7
    size = wall.locator("#offline-banner").bounding_box()
    assert size is not None
    assert size["width"] == WALL["width"]

    # The server is back: the socket opened meanwhile lost its snapshot, so it too goes
    # silent and the next attempt (at most a backoff later) is answered.
    link.frozen = False
    wall.clock.run_for(int(link.heartbeat * 1000) + GRACE_MS + 5_000)
    expect(wall.locator("body")).to_have_attribute("data-connection", "live")
    expect(banner).to_be_hidden()
