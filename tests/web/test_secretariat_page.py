"""Issue 15, "Setting up": the secretariat's page at a laptop's size (1280x800).

It lists the meeting's rooms, its segments by day with their status, and its
credentials by role; it issues a display credential with a name, revokes one
(the link is refused at once) and rotates one (the new link opens, the old one
does not), shows each link in full with its QR code, imports a programme and
shows the server's line-and-field error, and rehearses a day. In Arabic it is
right to left, and axe finds nothing serious or critical on it.
"""

from __future__ import annotations

import importlib.util
import re

import httpx
import pytest

from app.access.roles import Role
from tests.meeting.test_importer import SMALL
from tests.web.screens import DESK, SHOWN_WITHIN_MS
from tests.web.server import Site

if importlib.util.find_spec("playwright") is None:  # pragma: no cover
    pytest.skip("playwright is not installed", allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import Browser, FilePayload, Locator, Page, expect

pytestmark = pytest.mark.browser


def _secretariat(browser: Browser, site: Site, language: str = "en") -> Page:
    """The page, with the administrator's token (``floorkeeper links`` prints one), ready."""
    context = browser.new_context(viewport=DESK, locale=language)  # type: ignore[arg-type]
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{site.base}/secretariat?token={site.token(Role.SECRETARIAT)}")
    page.wait_for_selector("body[data-ready=true]", timeout=SHOWN_WITHIN_MS)
    assert not errors, errors
    return page


def _row(page: Page, label: str) -> Locator:
    return page.locator(".credential", has=page.locator(".credential-label", has_text=label))


def _fits_the_width(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_the_page_lists_rooms_segments_by_day_and_credentials_by_role(
    browser: Browser, site: Site
) -> None:
    one, _ = site.seeded.rooms
    site.moderator(one)  # recorded as "tests: moderator"
    site.display(one)
    page = _secretariat(browser, site)
    expect(page.locator("#rooms")).to_contain_text("Plenary hall")
    expect(page.locator("#rooms")).to_contain_text("Breakout room 2")
    day = page.locator(".day")
    # The date is isolated (U+2068 ... U+2069) so that it stays left to right in Arabic.
    expect(day.locator("h3")).to_have_text(re.compile("^Day 2 · \u20682017-12-05\u2069"))
    expect(day.locator(".segment")).to_have_count(2)
    expect(day.locator(".segment .status").first).to_have_text("scheduled")
    moderators = page.locator(".credential-group[data-role=moderator]")
    expect(moderators.locator("h3")).to_have_text("1 moderator")
    expect(moderators.locator(".credential-scope")).to_have_text("Plenary hall")
    displays = page.locator(".credential-group[data-role=display]")
    expect(displays.locator(".credential-label")).to_have_text("tests: display")
    assert _fits_the_width(page)


def test_a_display_issued_with_a_name_shows_its_full_link_and_qr_code(
    browser: Browser, site: Site
) -> None:
    page = _secretariat(browser, site)
    page.select_option("#issue-role", "display")
    page.select_option("#issue-room", str(site.seeded.rooms[1]))
    page.fill("#issue-label", "Wall, left of the podium")
    page.click("#issue-submit")
    expect(page.locator("#notice")).to_have_text("Issued: Wall, left of the podium.")
    row = _row(page, "Wall, left of the podium")
    expect(row.locator(".credential-scope")).to_have_text("Breakout room 2")
    expect(row.locator(".credential-link")).to_have_attribute("open", "")
    urls = row.locator(".url")
    expect(urls).to_have_count(2)  # the wall and the podium
    wall = urls.first.get_attribute("href")
    assert wall is not None
    assert wall.startswith(f"{site.base}/display/{site.seeded.rooms[1]}?token=")
    expect(urls.first).to_have_text(wall)  # the full link, written out
    qr = row.locator("img.qr")
    expect(qr).to_have_attribute("src", re.compile(r"^/secretariat/credentials/.+\.svg\?token="))
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    assert httpx.get(wall).status_code == 200


def test_a_revoked_credential_is_refused_and_a_rotated_one_replaced(
    browser: Browser, site: Site
) -> None:
    one, _ = site.seeded.rooms
    moderator = site.moderator(one)
    delegate = site.delegate("GHA")
    page = _secretariat(browser, site)

    revoked = _row(page, "tests: moderator")
    revoked.locator("button.revoke").click()
    expect(revoked.locator(".confirm")).to_contain_text("Every screen that uses this link stops")
    revoked.locator(".confirm button.danger").click()
    expect(page.locator("#notice")).to_have_text("Revoked: tests: moderator.")
    expect(revoked).to_have_attribute("data-revoked", "true")
    expect(revoked.locator(".credential-state")).to_contain_text("Revoked")
    expect(revoked.locator(".credential-link")).to_be_hidden()
    assert httpx.get(f"{site.base}/moderator/{one}?token={moderator}").status_code == 403

    _row(page, "tests: delegate").locator("button.rotate").click()
    page.locator(".confirm button.danger").click()
    expect(page.locator("#notice")).to_have_text(re.compile("^Rotated: tests: delegate"))
    rows = _row(page, "tests: delegate")
    expect(rows).to_have_count(2)  # the old one, revoked, and its successor
    live = page.locator(".credential[data-revoked=false]", has_text="tests: delegate")
    new_link = live.locator(".url").first.get_attribute("href")
    assert new_link is not None
    assert delegate not in new_link
    assert httpx.get(f"{site.base}/delegate?token={delegate}").status_code == 403
    assert httpx.get(new_link).status_code == 200


def test_a_programme_with_an_error_shows_its_line_and_field_then_imports_once_fixed(
    browser: Browser, site: Site
) -> None:
    page = _secretariat(browser, site)
    wrong = SMALL.replace("language: fr", "langage: fr").encode()
    page.set_input_files(
        "#programme-file",
        files=[FilePayload(name="small.yaml", mimeType="application/yaml", buffer=wrong)],
    )
    page.click("#import-programme")
    error = page.locator("#error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("programme.yaml line 4, rooms.1.langage:")
    page.set_input_files(
        "#programme-file",
        files=[FilePayload(name="small.yaml", mimeType="application/yaml", buffer=SMALL.encode())],
    )
    page.click("#import-programme")
    expect(page.locator("#notice")).to_have_text("Imported Small meeting (small).")
    expect(error).to_be_hidden()
    expect(page.locator("#rooms")).to_contain_text("Annex")
    expect(page.locator("#meeting option:checked")).to_have_text("Small meeting (small)")


def test_a_day_is_rehearsed_from_the_page_and_its_rooms_run(browser: Browser, site: Site) -> None:
    page = _secretariat(browser, site)
    page.select_option("#rehearse-day", "2")
    page.click("#rehearse")
    expect(page.locator("#notice")).to_have_text("Rehearsal test-rehearsal-1: day 2 starts now.")
    expect(page.locator("#meeting-title")).to_have_text("test-rehearsal-1 (a rehearsal)")
    meeting = re.search(r"meeting=(\d+)", page.url)
    assert meeting is not None
    assert int(meeting.group(1)) != site.seeded.meeting_id
    headers = {"Authorization": f"Bearer {site.token(Role.SECRETARIAT)}"}
    overview = httpx.get(
        f"{site.base}/api/secretariat/meetings/{meeting.group(1)}", headers=headers
    )
    room = overview.json()["rooms"][0]["id"]
    assert room not in site.seeded.rooms
    assert httpx.get(f"{site.base}/api/rooms/{room}", headers=headers).status_code == 200


def test_the_page_in_arabic_is_right_to_left_and_axe_finds_nothing_serious(
    browser: Browser, site: Site
) -> None:
    site.moderator(site.seeded.rooms[0])
    axe = Axe()
    for language in ("en", "ar"):
        page = _secretariat(browser, site, language)
        page.locator(".credential-link summary").first.click()
        results = axe.run(page)
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], f"{language}: {serious}"
        assert _fits_the_width(page)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("h1")).to_have_text("الأمانة")
    expect(page.locator(".credential-group[data-role=moderator] h3")).to_have_text("مدير جلسة واحد")
