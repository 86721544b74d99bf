"""O11 on the moderator's console: yields and moderated caucuses (caucus.js).

Chromium against the real server (``model_un``: a general debate whose rules take the
three yields and moderated caucuses). The speech is paused before a yield, so that the
figures do not move with the machine's real time meanwhile. Each test clicks the page
and checks what it shows and what the server holds.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.conftest import _served_on_a_movable_clock
from tests.web.screens import Moderator, console_page
from tests.web.server import MovableClock, Site, seed, seed_debate

if importlib.util.find_spec("playwright") is None:  # pragma: no cover
    pytest.skip("playwright is not installed", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

ModelUn = tuple[Site, MovableClock, int]


@pytest.fixture
def model_un(tmp_path: Path) -> Iterator[ModelUn]:
    """As ``kinds`` (tests/web/conftest.py), under rules that take the three yields and
    moderated caucuses of 8 minutes, 45 s a speaker unless the motion says otherwise."""
    from app.timing import FloorRules, YieldKind

    rules = FloorRules(
        yield_kinds=frozenset(YieldKind),
        moderated_caucuses=True,
        caucus_seconds=480.0,
        caucus_speaker_seconds=45.0,
    )
    url = f"sqlite:///{tmp_path / 'floorkeeper.db'}"
    seeded = seed(url, time.time())
    debate_id = seed_debate(url, seeded, rules)
    with _served_on_a_movable_clock(url, seeded) as (site, clock):
        yield site, clock, debate_id


def _ghana_speaking(site: Site, clock: MovableClock, segment: int) -> Moderator:
    """Ghana has the floor of the list, 30 s into its speech, paused."""
    moderator = Moderator(site, site.seeded.rooms[0])
    moderator.send("programme", type="open_segment", segment_id=segment)
    moderator.send("floor", type="add_request", delegation="GHA")
    moderator.send("floor", type="grant")
    moderator.send("speech", type="start")
    clock.advance(30)
    moderator.send("speech", type="pause")
    return moderator


def _pick(console: Page, code: str) -> None:
    console.locator("#mun-delegation").select_option(code)


def test_O11_the_chair_yields_a_speakers_time_to_another_delegate(
    browser: Browser, model_un: ModelUn
) -> None:
    site, clock, segment = model_un
    moderator = _ghana_speaking(site, clock, segment)
    left = moderator.view()["speech"]["seconds_left"]
    console = console_page(browser, site, moderator.room)

    panel = console.locator("#model-un")
    expect(panel.locator("h3")).to_have_text("Yields and moderated caucuses")
    for button in ("#act-yield-delegate", "#act-yield-questions", "#act-yield-chair"):
        expect(console.locator(button)).to_be_enabled()
    _pick(console, "MEX")
    console.click("#act-yield-delegate")

    expect(console.locator("#speaker-name")).to_have_text("Mexico")
    expect(console.locator("#undo-text")).to_contain_text("The time left is yielded to Mexico")
    view = moderator.view()
    assert view["speech"]["speaker"]["id"] == "MEX"
    assert view["speech"]["basis"] == "yielded"
    assert view["speech"]["seconds_left"] == left
    assert view["yielded"]["kind"] == "delegate"
    assert view["yielded"]["by"]["id"] == "GHA"
    assert view["yielded"]["to"]["id"] == "MEX"
    # time yielded is not yielded again: the yield buttons are gone
    expect(console.locator("#yield-actions")).to_be_hidden()


def test_O11_a_yield_to_questions_calls_a_questioner_within_the_budget(
    browser: Browser, model_un: ModelUn
) -> None:
    site, clock, segment = model_un
    moderator = _ghana_speaking(site, clock, segment)
    left = moderator.view()["speech"]["seconds_left"]
    console = console_page(browser, site, moderator.room)
    console.click("#act-yield-questions")

    budget = console.locator("#yield-budget")
    minutes, seconds = divmod(int(-(-left // 1)), 60)
    expect(budget).to_have_text(f"Yielded to questions: {minutes}:{seconds:02d} left")
    view = moderator.view()
    assert view["yielded"]["kind"] == "questions"
    assert view["speech"]["speaker"]["id"] == "GHA"
    assert view["yielded"]["seconds_left"] == left

    _pick(console, "CHE")
    console.click("#act-call-questioner")
    expect(console.locator("#speaker-name")).to_have_text("Switzerland")
    view = moderator.view()
    assert view["speech"]["basis"] == "question"
    assert view["speech"]["speaker"]["id"] == "CHE"
    assert view["yielded"]["kind"] == "questions"  # the yield runs on, held for the question
    # one question at a time: no second call while it is put
    expect(console.locator("#act-call-questioner")).to_be_disabled()


def test_O11_a_yield_to_the_chair_frees_the_floor(browser: Browser, model_un: ModelUn) -> None:
    site, clock, segment = model_un
    moderator = _ghana_speaking(site, clock, segment)
    console = console_page(browser, site, moderator.room)
    console.click("#act-yield-chair")
    expect(console.locator("#speaker-name")).to_have_text("The floor is free")
    view = moderator.view()
    assert view["speech"] is None
    assert view["yielded"] is None
    expect(console.locator("#caucus-form")).to_be_visible()  # a free floor: a caucus may open


def test_O11_a_moderated_caucus_opened_from_the_console_calls_speakers_and_closes(
    browser: Browser, model_un: ModelUn
) -> None:
    site, _, segment = model_un
    moderator = Moderator(site, site.seeded.rooms[0])
    moderator.send("programme", type="open_segment", segment_id=segment)
    floor = moderator.view()["segment"]["floor"]
    assert (floor["yields"], floor["caucuses"]) == (["chair", "delegate", "questions"], True)
    assert (floor["caucus_seconds"], floor["caucus_speaker_seconds"]) == (480.0, 45.0)
    console = console_page(browser, site, moderator.room)

    form = console.locator("#caucus-form")
    expect(form).to_be_visible()
    expect(console.locator("#caucus-minutes")).to_have_value("8")  # the rules' defaults
    expect(console.locator("#caucus-speaker-seconds")).to_have_value("45")
    console.fill("#caucus-topic-input", "Climate finance")
    console.fill("#caucus-minutes", "5")
    console.fill("#caucus-speaker-seconds", "30")
    console.click("#act-open-caucus")

    expect(console.locator("#caucus-topic")).to_have_text("Moderated caucus: Climate finance")
    expect(form).to_be_hidden()
    caucus = moderator.view()["caucus"]
    assert (caucus["topic"], caucus["seconds"], caucus["speaker_seconds"]) == (
        "Climate finance",
        300,
        30,
    )
    left = console.locator("#caucus-left")
    expect(left).to_contain_text("left · at most 30 s a speaker")
    shown = int(left.get_attribute("data-left") or "0")
    assert 280 <= shown <= 300

    _pick(console, "MEX")
    console.click("#act-call-caucus-speaker")
    expect(console.locator("#speaker-name")).to_have_text("Mexico")
    view = moderator.view()
    assert view["speech"]["basis"] == "caucus"
    assert view["speech"]["speaker"]["id"] == "MEX"
    assert view["caucus"]["speakers"] == 1

    console.click("#act-close-caucus")
    expect(console.locator("#confirm-text")).to_contain_text("Climate finance")
    console.click("#confirm-ok")
    expect(console.locator("#caucus-running")).to_be_hidden()
    expect(form).to_be_visible()
    view = moderator.view()
    assert view["caucus"] is None
    assert view["speech"] is None


def test_O11_no_yield_or_caucus_where_the_rules_take_none(
    browser: Browser, debate: tuple[Site, MovableClock, int]
) -> None:
    site, clock, segment = debate
    moderator = _ghana_speaking(site, clock, segment)
    console = console_page(browser, site, moderator.room)
    expect(console.locator("#speaker-name")).to_have_text("Ghana")
    expect(console.locator("#model-un")).to_be_hidden()
    assert moderator.view()["segment"]["floor"]["yields"] == []


def test_O11_the_yield_buttons_in_arabic_right_to_left(browser: Browser, model_un: ModelUn) -> None:
    site, clock, segment = model_un
    moderator = _ghana_speaking(site, clock, segment)
    console = console_page(browser, site, moderator.room)
    console.select_option("#language", "ar")
    expect(console.locator("html")).to_have_attribute("dir", "rtl")
    first, last = console.locator("#act-yield-delegate"), console.locator("#act-yield-chair")
    expect(first).to_have_text("التنازل لوفد")
    expect(last).to_have_text("التنازل للرئاسة")
    expect(console.locator("#model-un h3")).to_have_text("التنازل عن الوقت والمشاورات المنظمة")
    one, other = first.bounding_box(), last.bounding_box()
    assert one is not None
    assert other is not None
    assert one["x"] > other["x"]  # the row runs right to left
    console.click("#act-yield-chair")
    expect(console.locator("#speaker-name")).not_to_have_text("غانا")
    assert moderator.view()["speech"] is None
