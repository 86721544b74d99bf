"""O4-O6 on the secretariat's page: the inscribed lists of the segments not yet open.

Chromium against the real server (``kinds``: a general debate in the plenary whose list
takes inscriptions now). The page reads each room's live view with its token and shows
the debate's list in speaking order; the secretariat enters an inscription on a
delegation's behalf, withdraws one, swaps two speakers of one level and draws lots for a
level, whose seed and result are shown as published. Each test checks the page and the
server's view (GET /api/rooms/{id}).
"""

from __future__ import annotations

import importlib.util
from typing import Any

import httpx
import pytest

from app.access.roles import Role
from app.queue import drawn_order
from tests.web.screens import DESK, SHOWN_WITHIN_MS, Moderator
from tests.web.server import MovableClock, Site

if importlib.util.find_spec("playwright") is None:  # pragma: no cover
    pytest.skip("playwright is not installed", allow_module_level=True)

from playwright.sync_api import Browser, Locator, Page, expect

pytestmark = pytest.mark.browser

Kinds = tuple[Site, MovableClock, int]


def _page(browser: Browser, site: Site, language: str = "en") -> Page:
    context = browser.new_context(viewport=DESK, locale=language)  # type: ignore[arg-type]
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{site.base}/secretariat?token={site.token(Role.SECRETARIAT)}")
    page.wait_for_selector("body[data-ready=true]", timeout=SHOWN_WITHIN_MS)
    assert not errors, errors
    return page


def _inscribe(site: Site, segment: int, code: str, tier: str, n: int) -> None:
    """An inscription entered over HTTP by the secretariat, before the page is opened."""
    answer = httpx.post(
        f"{site.base}/api/rooms/{site.seeded.rooms[0]}/inscriptions",
        json={
            "command_id": f"setup-inscription-{n:04d}",
            "type": "inscribe",
            "segment_id": segment,
            "delegation": code,
            "tier": tier,
        },
        headers={"Authorization": f"Bearer {site.token(Role.SECRETARIAT)}"},
    )
    assert answer.status_code == 200, answer.text


def _entries(site: Site, segment: int) -> list[dict[str, Any]]:
    """The debate's inscribed list in the server's view, in speaking order."""
    view = Moderator(site, site.seeded.rooms[0]).view()
    (found,) = [i for i in view["inscriptions"] if str(i["segment_id"]) == str(segment)]
    entries: list[dict[str, Any]] = found["entries"]
    return entries


def _list(page: Page, segment: int) -> Locator:
    return page.locator(f".inscribed-list[data-segment='{segment}']")


def _confirm(where: Locator) -> None:
    where.locator(".confirm button.danger").click()


def test_O4_the_secretariat_inscribes_for_a_delegation(browser: Browser, kinds: Kinds) -> None:
    site, _, segment = kinds
    page = _page(browser, site)
    debate = _list(page, segment)
    expect(debate.locator("h3")).to_have_text("General debate · Plenary hall")
    expect(debate).to_contain_text("No one is inscribed yet.")

    debate.locator(".inscribe-form .code").fill("mex")
    debate.locator(".inscribe-form .tier").select_option("minister")
    debate.locator(".inscribe-form button.inscribe").click()
    expect(page.locator("#notice")).to_have_text("Mexico is inscribed (Minister).")
    row = _list(page, segment).locator(".entry[data-delegation=MEX]")
    expect(row.locator(".who")).to_have_text("Mexico (MEX)")
    expect(row.locator(".tier")).to_have_text("Minister")
    expect(row.locator(".by")).to_have_text("entered by the secretariat")
    (entry,) = _entries(site, segment)
    assert (entry["delegation_id"], entry["tier"], entry["by_secretariat"]) == (
        "MEX",
        "minister",
        True,
    )

    # A head of State goes before a minister, whenever inscribed (O4).
    debate = _list(page, segment)
    debate.locator(".inscribe-form .code").fill("GHA")
    debate.locator(".inscribe-form .tier").select_option("head_of_state")
    debate.locator(".inscribe-form button.inscribe").click()
    expect(page.locator("#notice")).to_have_text("Ghana is inscribed (Head of State).")
    expect(_list(page, segment).locator(".entry .who")).to_have_text(
        ["Ghana (GHA)", "Mexico (MEX)"]
    )
    assert [e["delegation_id"] for e in _entries(site, segment)] == ["GHA", "MEX"]

    # A code the meeting does not register: the server's message, on the page.
    debate = _list(page, segment)
    debate.locator(".inscribe-form .code").fill("XYZ")
    debate.locator(".inscribe-form button.inscribe").click()
    expect(page.locator("#error")).to_contain_text(
        "no delegation 'XYZ' is registered for this meeting"
    )

    # Withdrawn, once confirmed.
    row = _list(page, segment).locator(".entry[data-delegation=MEX]")
    row.locator("button.withdraw").click()
    expect(row.locator(".confirm p")).to_have_text(
        "Withdraw the inscription of Mexico for “General debate”? It loses its place in the list."
    )
    _confirm(row)
    expect(page.locator("#notice")).to_have_text("The inscription of Mexico is withdrawn.")
    expect(_list(page, segment).locator(".entry .who")).to_have_text(["Ghana (GHA)"])
    assert [e["delegation_id"] for e in _entries(site, segment)] == ["GHA"]


def test_O4_swap_two_speakers_of_one_level(browser: Browser, kinds: Kinds) -> None:
    site, _, segment = kinds
    for n, (code, tier) in enumerate([("MEX", "minister"), ("GHA", "minister"), ("CHE", "other")]):
        _inscribe(site, segment, code, tier, n)
    page = _page(browser, site)
    debate = _list(page, segment)
    expect(debate.locator(".entry .who")).to_have_text(
        ["Mexico (MEX)", "Ghana (GHA)", "Switzerland (CHE)"]
    )

    # Another level: refused by the server, in its words; nothing moves.
    debate.locator(".entry[data-delegation=MEX] .pick").check()
    debate.locator(".entry[data-delegation=CHE] .pick").check()
    debate.locator("button.swap").click()
    _confirm(debate.locator(".swap-row"))
    expect(page.locator("#error")).to_contain_text("different levels of representation")
    assert [e["delegation_id"] for e in _entries(site, segment)] == ["MEX", "GHA", "CHE"]

    debate = _list(page, segment)
    debate.locator(".entry[data-delegation=MEX] .pick").check()
    debate.locator(".entry[data-delegation=GHA] .pick").check()
    debate.locator("button.swap").click()
    expect(debate.locator(".swap-row .confirm p")).to_have_text(
        "Swap Mexico and Ghana? Each takes the other’s place in the list."
    )
    _confirm(debate.locator(".swap-row"))
    expect(page.locator("#notice")).to_have_text("Mexico and Ghana have swapped places.")
    expect(_list(page, segment).locator(".entry .who")).to_have_text(
        ["Ghana (GHA)", "Mexico (MEX)", "Switzerland (CHE)"]
    )
    assert [e["delegation_id"] for e in _entries(site, segment)] == ["GHA", "MEX", "CHE"]


def test_O6_a_draw_of_lots_is_published_on_the_page(browser: Browser, kinds: Kinds) -> None:
    site, _, segment = kinds
    codes = ["MEX", "GHA", "CHE", "VAT"]
    for n, code in enumerate(codes):
        _inscribe(site, segment, code, "minister", n)
    page = _page(browser, site)
    draw = _list(page, segment).locator(".draw-form")
    draw.locator(".tier").select_option("minister")
    draw.locator(".seed").fill("plenary-2017")
    draw.locator(".keep").fill("3")
    draw.locator("button.draw").click()
    expect(draw.locator(".confirm p")).to_have_text(
        "Draw lots to keep 3 of the level Minister? "
        "Those not drawn leave the list; the seed is published."
    )
    _confirm(draw)
    expect(page.locator("#notice")).to_have_text(
        "Lots drawn for the level Minister: the draw is published below."
    )

    order = list(drawn_order(codes, "plenary-2017"))  # anyone can draw it again from the seed
    lots = _list(page, segment).locator(".lots")
    expect(lots.locator("h4")).to_have_text("Draw of lots · Minister")
    expect(lots.locator(".seed-value")).to_have_text("plenary-2017")
    names = {"MEX": "Mexico", "GHA": "Ghana", "CHE": "Switzerland", "VAT": "Holy See"}
    expect(lots.locator(".lots-drawn li")).to_have_text([f"{names[c]} ({c})" for c in order[:3]])
    left = order[3]
    expect(lots.locator(".lots-not-drawn")).to_have_text(
        f"Not drawn (left the list): {names[left]} ({left})"
    )
    expect(_list(page, segment).locator(".entry .who")).to_have_text(
        [f"{names[c]} ({c})" for c in order[:3]]
    )
    assert [e["delegation_id"] for e in _entries(site, segment)] == order[:3]
