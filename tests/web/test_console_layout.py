"""Issue 15, "Console (1024×768)": the moderator's tablet as a full action group uses it.

Every test runs the console at the tablet's size (``CONSOLE``, 1024×768)
against the real server, with the room driven through the API where the
console is not what is tested (``Moderator``). Sixty requests wait where the
issue's room had sixty: the meeting registers sixty Member States more (UN
names from ``app/data/countries.csv``) before they ask. Nothing sleeps: the
pages are waited on for what they show.
"""

from __future__ import annotations

import csv
import importlib.util
import re
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlmodel import Session

from app.access.credentials import recorded_token
from app.access.roles import Principal, Role
from app.db.engine import make_engine
from app.db.models import Day, Delegation
from tests.builders import add_segment
from tests.plans import action_group
from tests.web.server import COUNTRIES, LANGUAGES, SECRET, Site

if importlib.util.find_spec("playwright") is None:  # pragma: no cover
    # As for test_screens*.py (tests/web/conftest.py): test_tools.py says why, and fails in CI.
    pytest.skip("playwright is not installed", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect

from tests.web.screens import CONSOLE, Moderator, console_page, open_page

pytestmark = pytest.mark.browser

#: The primary controls the issue names; each must lie inside the viewport, uncovered.
PRIMARY = (
    "#act-start",
    "#act-pause",
    "#act-resume",
    "#act-plus30",
    "#act-end",
    "#act-next",
    "#act-undo",
    "#act-close-phase",
    "#act-close-segment",
    "#act-open-segment",
)
#: The seeded meeting's delegations (tests/builders.py): not registered again.
SEEDED = {"MEX", "GHA", "CHE", "VAT", "IOM", "MADE"}

# Where a box lies, and whether the control itself is what a finger touches at its centre
# and near each corner (not a toast, the Screens list or a row of the queue over it).
PLACED = """(selector) => {
  const el = document.querySelector(selector);
  const box = el.getBoundingClientRect();
  const inset = 3;
  const points = [
    [box.left + box.width / 2, box.top + box.height / 2],
    [box.left + inset, box.top + inset], [box.right - inset, box.top + inset],
    [box.left + inset, box.bottom - inset], [box.right - inset, box.bottom - inset],
  ];
  const covered = points.filter(([x, y]) => {
    const hit = document.elementFromPoint(x, y);
    return !(hit && (hit === el || el.contains(hit)));
  });
  return {
    left: box.left, top: box.top, right: box.right, bottom: box.bottom,
    width: box.width, height: box.height,
    innerWidth: window.innerWidth, innerHeight: window.innerHeight,
    touched: covered.length === 0, covered,
  };
}"""


def _register(site: Site, rows: list[tuple[str, str, dict[str, str]]]) -> None:
    """Register more delegations for the meeting: (code, category, names)."""
    engine = make_engine(site.database_url)
    with Session(engine) as session:
        for code, category, names in rows:
            session.add(
                Delegation(
                    meeting_id=site.seeded.meeting_id, code=code, category=category, names=names
                )
            )
        session.commit()
    engine.dispose()


def _member_states(count: int) -> list[str]:
    """``count`` UN Member States the seeded meeting has not registered."""
    with open(COUNTRIES, encoding="utf-8") as file:
        rows = [
            r for r in csv.DictReader(file) if r["un_member"] == "1" and r["iso3"] not in SEEDED
        ]
    return [r["iso3"] for r in rows[:count]]


def _register_states(site: Site, codes: list[str]) -> None:
    with open(COUNTRIES, encoding="utf-8") as file:
        names = {
            r["iso3"]: {lang: r[f"name_{lang}"] for lang in LANGUAGES} for r in csv.DictReader(file)
        }
    _register(site, [(code, "member_state", names[code]) for code in codes])


def _sixty_waiting(site: Site, room: int) -> Moderator:
    """The Member State phase of the action group with sixty requests waiting."""
    codes = _member_states(60)
    _register_states(site, codes)
    moderator = Moderator(site, room)
    moderator.member_state_phase(site.seeded.action_group, *codes)
    assert len(moderator.view()["queue"]) == 60
    return moderator


def _placed(page: Page, selector: str) -> dict[str, Any]:
    placed: dict[str, Any] = page.evaluate(PLACED, selector)
    return placed


def _assert_in_view(page: Page, selectors: tuple[str, ...]) -> None:
    """Each control lies wholly inside the viewport, and a tap at its centre reaches it."""
    for selector in selectors:
        expect(page.locator(selector)).to_be_visible()
        box = _placed(page, selector)
        assert box["innerWidth"] == CONSOLE["width"]
        assert box["innerHeight"] == CONSOLE["height"]
        assert box["width"] > 0, (selector, box)
        assert box["height"] > 0, (selector, box)
        assert box["left"] >= 0, (selector, box)
        assert box["top"] >= 0, (selector, box)
        assert box["right"] <= box["innerWidth"], (selector, box)
        assert box["bottom"] <= box["innerHeight"], (selector, box)
        assert box["touched"], f"{selector} is covered at {box['covered']}: {box}"


def test_every_primary_control_is_inside_1024x768_with_60_waiting_and_a_toast(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    _sixty_waiting(site, room)
    console = console_page(browser, site, room)
    expect(console.locator("#queue-list li[data-request]")).to_have_count(60)

    console.click("#act-next")  # the floor to the first of sixty: the Undo panel shows
    expect(console.locator("#act-undo")).to_be_visible()
    console.fill("#add-search", "a")  # many match: "Add" asks to choose, in a toast
    console.click("#add-submit")
    expect(console.locator("#notice")).to_be_visible()
    expect(console.locator("#notice")).to_have_text("Choose a delegation from the list")

    console.screenshot(path="/tmp/con/primary.png")
    _assert_in_view(console, PRIMARY)
    console.context.close()


def test_compact_request_rows_show_at_least_ten_of_60_at_1024x768(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    _sixty_waiting(site, room)
    console = console_page(browser, site, room)
    expect(console.locator("#queue-list li[data-request]")).to_have_count(60)
    visible = console.evaluate(
        """() => {
          const list = document.getElementById('queue-list').getBoundingClientRect();
          const bottom = Math.min(list.bottom, window.innerHeight);
          return [...document.querySelectorAll('#queue-list li[data-request]')].filter((li) => {
            const box = li.getBoundingClientRect();
            return box.top >= list.top && box.bottom <= bottom;
          }).length;
        }"""
    )
    assert visible >= 10, f"only {visible} whole rows are in view"
    # Each row still carries its name, its estimate and its buttons.
    first = console.locator("#queue-list li[data-request]").first
    # The name is the row's first thing to read: whole, not squeezed out by its badges.
    name = first.locator(".name")
    expect(name).to_have_text("Afghanistan")
    assert name.evaluate("n => n.scrollWidth <= n.clientWidth && n.clientWidth > 40")
    expect(first.locator(".when")).to_have_text(re.compile(r"^about \d\d:\d\d · \d+:\d\d"))
    expect(first.locator("button[data-action=grant]")).to_be_visible()
    expect(console.locator("#queue-count")).to_have_text("60 waiting")
    console.context.close()


def _looks_disabled(page: Page, selector: str) -> dict[str, str]:
    style: dict[str, str] = page.evaluate(
        """(selector) => {
          const s = getComputedStyle(document.querySelector(selector));
          return { background: s.backgroundColor, border: s.borderTopStyle, opacity: s.opacity };
        }""",
        selector,
    )
    return style


def test_next_speaker_is_disabled_and_looks_it_when_it_can_do_nothing(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.send("programme", type="open_segment", segment_id=site.seeded.action_group)
    console = console_page(browser, site, room)
    nxt = console.locator("#act-next")
    expect(nxt).to_be_enabled()  # the welcome's programme speaker is next
    enabled = _looks_disabled(console, "#act-next")

    moderator.send("floor", type="grant")  # the chair speaks; nobody else is on the programme
    moderator.send("speech", type="end")
    # The engine would refuse "next speaker" now ("every programme speaker … has spoken").
    expect(nxt).to_be_disabled()
    shown = _looks_disabled(console, "#act-next")
    assert shown["background"] != enabled["background"]
    assert shown["border"] == "dashed"
    assert float(shown["opacity"]) < 1
    for idle in ("#act-start", "#act-pause", "#act-resume", "#act-plus30", "#act-end"):
        expect(console.locator(idle)).to_be_disabled()  # no one on the floor
        assert _looks_disabled(console, idle)["border"] == "dashed"

    moderator.send("programme", type="close_phase")  # Member State phase, nobody waiting
    expect(console.locator("#phase-title")).to_have_text("Member State interventions")
    expect(nxt).to_be_disabled()
    moderator.send("floor", type="add_request", delegation="GHA")
    expect(nxt).to_be_enabled()
    assert _looks_disabled(console, "#act-next") == enabled
    console.context.close()


def _local(day: datetime, hour: int, minute: int) -> float:
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0).timestamp()


def test_open_segment_picker_groups_by_day_and_preselects_the_segment_due_by_the_meeting_clock(
    browser: Browser, site: Site
) -> None:
    """Four days at 15:45 each: one heading per day, the due one first and chosen."""
    room = site.seeded.rooms[0]
    zone = ZoneInfo("America/Mexico_City")  # the seeded meeting's time zone
    today = datetime.now(zone)
    days = [today + timedelta(days=d) for d in (-1, 1, 2)]
    engine = make_engine(site.database_url)
    titles = {}
    with Session(engine) as session:
        for number, day in enumerate(days, start=10):
            row = Day(meeting_id=site.seeded.meeting_id, number=number, date=day.date().isoformat())
            session.add(row)
            session.flush()
            title = f"Action group {day:%A}"
            plan = action_group(start=_local(day, 15, 45))
            add_segment(session, row, f"ag-{number}", room, replace(plan, title=title))
            titles[day.date()] = title
        session.commit()
    engine.dispose()

    console = console_page(browser, site, room)
    console.click("#act-open-segment")
    dialog = console.locator("#segment-dialog")
    expect(dialog).to_be_visible()
    groups = dialog.locator("optgroup")
    expect(groups).to_have_count(4)  # the due one first, then the other days in order
    labels = [groups.nth(i).get_attribute("label") for i in range(4)]

    def heading(d: datetime) -> str:
        return f"{d:%A}, {d:%B} {d.day}, {d.year}"

    # The seeded segment starts now: it is due by the meeting's clock, not yesterday's.
    assert labels == [f"Due now: {heading(today)}", *(heading(d) for d in days)], labels
    select = console.locator("#segment-choice")
    assert select.evaluate("s => s.selectedOptions[0].textContent").endswith(
        "Action group 1: human dimension"
    )
    assert select.evaluate("s => s.options[0].selected")
    for title in titles.values():
        expect(dialog.locator("option", has_text=title)).to_have_text(re.compile(r"^15:45 · "))
    # Cancel is the secondary button, the confirmation the primary one.
    cancel = dialog.locator("button[value=cancel]")
    expect(cancel).to_have_class(re.compile(r"\bsecondary-button\b"))
    expect(dialog.locator("#segment-ok")).not_to_have_class(re.compile(r"secondary-button"))
    assert cancel.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(255, 255, 255)"

    console.click("#segment-ok")
    expect(console.locator("#segment-title")).to_have_text("Action group 1: human dimension")
    console.context.close()


def _confirm_text(console: Page, button: str) -> str:
    console.click(button)
    expect(console.locator("#confirm-dialog")).to_be_visible()
    return console.locator("#confirm-text").inner_text()


def test_A3_closing_the_welcome_says_the_waiting_requests_carry_over_and_they_do(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.send("programme", type="open_segment", segment_id=site.seeded.action_group)
    for code in ("GHA", "MEX", "IOM"):  # two States and a stakeholder ask during the welcome
        moderator.send("floor", type="add_request", delegation=code)
    console = console_page(browser, site, room)
    expect(console.locator("#queue-list li[data-request]")).to_have_count(3)

    text = _confirm_text(console, "#act-close-phase")
    assert text == (
        "Close the phase “Welcome by chair”? The speaker on the floor finishes first. "
        "2 waiting requests carry over to “Member State interventions”. "
        "1 waiting request carries over to “Interventions from stakeholders”."
    )
    assert "not heard" not in text
    console.click("#confirm-ok")
    expect(console.locator("#phase-title")).to_have_text("Member State interventions")
    assert [q["delegation_id"] for q in moderator.view()["queue"]] == ["GHA", "MEX", "IOM"]

    # Closing the Member State phase: the States' requests close, the stakeholder's carries.
    text = _confirm_text(console, "#act-close-phase")
    assert text.endswith(
        "1 waiting request carries over to “Interventions from stakeholders”. "
        "2 requests that no later phase hears close as not heard."
    ), text
    console.click("#confirm-ok")
    expect(console.locator("#phase-title")).to_have_text("Interventions from stakeholders")
    assert [q["delegation_id"] for q in moderator.view()["queue"]] == ["IOM"]

    text = _confirm_text(console, "#act-close-segment")
    assert text == (
        "Close the segment “Action group 1: human dimension”? The speech ends and "
        "1 waiting request is closed as not heard."
    )
    console.click("#confirm-dialog button[value=cancel]")
    console.context.close()


def test_on_behalf_search_ranks_states_before_organisations_on_equal_match(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    _register_states(site, ["MAR"])
    _register(
        site,
        [
            (
                "CNDH",
                "nhri",
                {
                    "en": "National Human Rights Council (Morocco)",
                    "fr": "Conseil national des droits de l’homme (Maroc)",
                },
            ),
            ("AMMN", "civil_society", {"en": "Moroccan Migrants Network"}),
        ],
    )
    Moderator(site, room).send(
        "programme", type="open_segment", segment_id=site.seeded.action_group
    )
    console = console_page(browser, site, room)
    console.select_option("#language", "fr")
    expect(console.locator("#queue-heading")).to_contain_text("Demandes")
    matches = console.locator("#add-matches button")

    console.fill("#add-search", "Maroc")
    expect(matches).to_have_text(
        ["Maroc (MAR)", "Conseil national des droits de l’homme (Maroc) (CNDH)"]
    )
    # An equal match (both names start with it): the State first, though the network's
    # name and code sort before it.
    console.select_option("#language", "en")
    console.fill("#add-search", "Moro")
    expect(matches).to_have_text(
        [
            "Morocco (MAR)",
            "Moroccan Migrants Network (AMMN)",
            "National Human Rights Council (Morocco) (CNDH)",
        ]
    )
    console.locator("#add-matches button").first.click()
    console.click("#add-submit")
    expect(console.locator("#queue-list li[data-request] .name")).to_have_text(["Morocco"])
    console.context.close()


def test_T6_screens_panel_names_each_display_by_its_credential_and_leaves_the_controls_in_view(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    _sixty_waiting(site, room)
    walls = []
    for label in ("Wall left of the podium", "Wall at the back"):
        token = recorded_token(
            site.database_url, SECRET, Principal(Role.DISPLAY, room_id=room), label
        )
        walls.append(open_page(browser, site, f"/display/{room}?token={token}", CONSOLE))
    console = console_page(browser, site, room)
    console.click("#screens-panel summary")
    rows = console.locator("#screens-list tr[data-role=display] .who")
    expect(rows).to_have_count(2, timeout=20_000)  # the console asks every 5 s
    assert sorted(rows.all_inner_texts()) == ["Wall at the back", "Wall left of the podium"]
    expect(console.locator("#screens-summary")).to_have_text("3 connected")
    console.click("#act-next")
    expect(console.locator("#act-undo")).to_be_visible()
    console.screenshot(path="/tmp/con/screens.png")
    _assert_in_view(console, PRIMARY)
    for page in (*walls, console):
        page.context.close()


def test_guarantee_says_1_stakeholder_and_5_stakeholders_in_plural_forms(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    codes = [f"NGO{i}" for i in range(5)]
    _register(site, [(code, "civil_society", {"en": f"Network {code}"}) for code in codes])
    moderator = Moderator(site, room)
    moderator.member_state_phase(site.seeded.action_group, "GHA", codes[0])
    console = console_page(browser, site, room)
    guarantee = console.locator("#guarantee")
    expect(guarantee).to_have_text("Stakeholder block: 4 slots protected, 1 stakeholder waiting")
    for code in codes[1:]:
        moderator.send("floor", type="add_request", delegation=code)
    expect(guarantee).to_have_text("Stakeholder block: 4 slots protected, 5 stakeholders waiting")
    console.select_option("#language", "ru")
    expect(guarantee).to_have_text(
        "Блок заинтересованных сторон: защищено 4 места, ожидают 5 заинтересованных сторон"
    )
    console.context.close()


def test_keyboard_shortcuts_start_pause_resume_extend_end_next_undo_and_question_mark_lists_them(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.member_state_phase(site.seeded.action_group, "GHA", "MEX")
    console = console_page(browser, site, room)
    speaker = console.locator("#speaker-name")
    state = console.locator("#countdown")

    console.fill("#add-search", "n")  # typing in a field: the key is the field's
    console.press("#add-search", "n")
    expect(console.locator("#add-search")).to_have_value("nn")
    expect(speaker).to_have_text("The floor is free")
    console.locator("#add-search").blur()

    def press(key: str, button: str) -> None:
        """A key presses its button: wait until the button can act (the view has come)."""
        expect(console.locator(button)).to_be_enabled()
        console.keyboard.press(key)

    press("n", "#act-next")
    expect(speaker).to_have_text("Ghana")
    expect(state).to_have_attribute("data-state", "ready")
    press("s", "#act-start")
    expect(state).to_have_attribute("data-state", "normal")
    press("p", "#act-pause")
    expect(state).to_have_attribute("data-state", "paused")
    paused = moderator.view()["speech"]
    press("t", "#act-plus30")
    left = paused["seconds_left"] + 30
    shown = {f"{int(s) // 60}:{int(s) % 60:02d}" for s in (left, left + 1)}  # floor or ceil
    expect(console.locator("#countdown-time")).to_have_text(re.compile("|".join(shown)))
    press("r", "#act-resume")
    expect(state).to_have_attribute("data-state", "normal")
    assert moderator.view()["speech"]["allotted"] == paused["allotted"] + 30
    press("e", "#act-end")
    expect(speaker).to_have_text("The floor is free")
    press("u", "#act-undo")
    expect(speaker).to_have_text("Ghana")
    expect(console.locator("#undo-text")).to_have_text("Undone: the floor is back as it was")

    console.keyboard.press("?")
    dialog = console.locator("#shortcuts-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_accessible_name("Keyboard shortcuts")
    expect(dialog.locator("kbd")).to_have_text(["S", "P", "R", "T", "E", "N", "U", "?"])
    expect(dialog.locator("tbody tr").nth(5)).to_contain_text("Next speaker")
    console.keyboard.press("n")  # keys do nothing behind the open list
    console.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert moderator.view()["speech"]["speaker"]["id"] == "GHA"
    console.context.close()


def test_a_closed_segment_links_to_its_report_and_statistics(browser: Browser, site: Site) -> None:
    room = site.seeded.rooms[0]
    segment = site.seeded.action_group
    moderator = Moderator(site, room)
    moderator.member_state_phase(segment, "GHA")
    console = console_page(browser, site, room)
    links = console.locator("#closed-links")
    expect(links).to_be_hidden()

    _confirm_text(console, "#act-close-segment")
    console.click("#confirm-ok")
    expect(links).to_be_visible()
    expect(console.locator("#closed-title")).to_have_text(
        "“Action group 1: human dimension” is closed:"
    )
    token = site.moderator(room)
    report = console.locator("#closed-report").get_attribute("href")
    statistics = console.locator("#closed-statistics").get_attribute("href")
    assert report is not None
    assert report.startswith(f"/report/{room}/{segment}?token=")
    assert statistics is not None
    assert re.fullmatch(
        rf"/static/record/statistics\.html\?token=[^&]+&room={room}&segment={segment}", statistics
    )
    for href in (report, statistics):
        assert httpx.get(site.base + href).status_code == 200
    console.click("#closed-statistics")
    expect(console.locator("h1")).to_be_visible()
    assert token  # the console's own token opens them (a moderator reads its room's record)
    console.context.close()


def test_the_console_view_carries_what_next_speaker_and_close_phase_would_do(
    site: Site,
) -> None:
    """The view's ``console`` fields, from the engine: the data the warnings are worded from."""
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.send("programme", type="open_segment", segment_id=site.seeded.action_group)
    moderator.send("floor", type="add_request", delegation="IOM")
    plan = moderator.view()["console"]
    assert plan["next"] is True
    assert plan["close_phase"]["carry_over"] == [
        {"key": "stakeholders", "title": "Interventions from stakeholders", "count": 1}
    ]
    assert plan["close_phase"]["close"] == 0
    display = httpx.get(
        f"{site.base}/api/rooms/{room}",
        headers={"Authorization": f"Bearer {site.display(room)}"},
    ).json()
    assert display["console"] is None  # the moderator's alone
