"""Screenshots of the room's screens at their target sizes, for the README (make screenshots).

Starts the app on a free port with a fresh SQLite database holding the test
meeting (tests/web/server.py: UNTERM names in six languages, guiding
questions, a second room whose display speaks Arabic), puts a few requests
and a speaker on the floor through the HTTP API, and writes one PNG per
screen to docs/screenshots/ with Debian's chromium (Playwright, no download).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.access.roles import Role  # noqa: E402
from tests.web.screens import Moderator  # noqa: E402
from tests.web.server import CHROMIUM_ARGS, Site, running_site  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.stderr.write("screenshots: chromium is not installed (apt-get install -y chromium)\n")
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as directory, running_site(Path(directory)) as site:
        _stage(site)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            written = _shoot(browser, site, args.out)
            browser.close()
    for path in written:
        sys.stdout.write(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}\n")
    return 0


def _stage(site: Site) -> None:
    """Room 1: an action group's Member State phase with a queue; room 2 (Arabic): Q&A."""
    one, two = site.seeded.rooms
    plenary = Moderator(site, one)
    plenary.send("programme", type="open_segment", segment_id=site.seeded.action_group)
    plenary.send("programme", type="close_phase")
    for code in ("GHA", "MEX", "CHE", "VAT", "IOM", "MADE"):
        plenary.send("floor", type="add_request", delegation=code)
    plenary.send("floor", type="grant")
    plenary.send("speech", type="start")
    breakout = Moderator(site, two)
    breakout.send("programme", type="open_segment", segment_id=site.seeded.panel)
    for _ in range(3):  # introduction, panellists, discussion: on to the Q&A (A2)
        breakout.send("programme", type="close_phase")
    for code in ("MEX", "CHE", "VAT", "IOM"):
        breakout.send("floor", type="add_request", delegation=code)
    breakout.send("floor", type="grant")
    breakout.send("speech", type="start")


def _shoot(browser: Browser, site: Site, out: Path) -> list[Path]:
    one, two = site.seeded.rooms
    shots: list[tuple[str, str, dict[str, int], str | None]] = [
        (
            "console-1024x768",
            f"/moderator/{one}?token={site.moderator(one)}",
            _size(1024, 768),
            None,
        ),
        (
            "delegate-360x640",
            f"/delegate?token={site.delegate('MEX')}&room={one}",
            _size(360, 640),
            None,
        ),
        (
            "display-en-1920x1080",
            f"/display/{one}?token={site.display(one)}",
            _size(1920, 1080),
            None,
        ),
        (
            "display-ar-1920x1080",
            f"/display/{two}?token={site.display(two)}",
            _size(1920, 1080),
            None,
        ),
        (  # the same room's wall in Chinese: a screen's own language (?lang=)
            "display-zh-1920x1080",
            f"/display/{one}?token={site.display(one)}&lang=zh",
            _size(1920, 1080),
            None,
        ),
        (
            "display-en-3840x2160",
            f"/display/{one}?token={site.display(one)}",
            _size(3840, 2160),
            None,
        ),
        ("podium-1920x1080", f"/podium/{one}?token={site.display(one)}", _size(1920, 1080), None),
        (
            "console-ar-1024x768",
            f"/moderator/{two}?token={site.moderator(two)}",
            _size(1024, 768),
            "ar",
        ),
    ]
    written = []
    for name, path, viewport, language in shots:
        context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
        if language:
            context.add_init_script(f"localStorage.setItem('floorkeeper.language', '{language}')")
        page = context.new_page()
        page.goto(site.base + path)
        page.wait_for_selector("body[data-connection=live]")
        _settle(page)
        target = out / f"{name}.png"
        page.screenshot(path=str(target))
        written.append(target)
        context.close()
    return written + _shoot_record(browser, site, out) + _shoot_secretariat(browser, site, out)


def _shoot_secretariat(browser: Browser, site: Site, out: Path) -> list[Path]:
    """The secretariat page (1280x800, en): a named wall display's link and QR code open."""
    one, two = site.seeded.rooms
    site.moderator(one)
    site.display(two)
    secretariat = site.token(Role.SECRETARIAT)
    httpx.post(
        f"{site.base}/api/credentials",
        json={"role": "display", "room_id": one, "label": "Wall, left of the podium"},
        headers={"Authorization": f"Bearer {secretariat}"},
    ).raise_for_status()
    context = browser.new_context(viewport=_size(1280, 800))  # type: ignore[arg-type]
    context.add_init_script("localStorage.setItem('floorkeeper.language', 'en')")
    page = context.new_page()
    page.goto(f"{site.base}/secretariat?token={secretariat}")
    page.wait_for_selector("body[data-ready=true]")
    wall = page.locator(".credential", has_text="Wall, left of the podium")
    wall.locator(".credential-link summary").click()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=wall.locator("img.qr").element_handle()
    )
    target = out / "secretariat-1280x800.png"
    page.screenshot(path=str(target))
    context.close()
    return [target]


def _shoot_record(browser: Browser, site: Site, out: Path) -> list[Path]:
    """Room 1's rapporteur: the report with a delegate's card taken in (R2, R3), the statistics."""
    one, segment = site.seeded.rooms[0], site.seeded.action_group
    card = {
        "recommendation": "Guarantee access to basic services for all migrants.",
        "means_of_implementation": "National action plans with budget lines.",
        "partnerships": "Local authorities, civil society and IOM.",
    }
    httpx.post(
        f"{site.base}/api/rooms/{one}/segments/{segment}/cards",
        json=card,
        headers={"Authorization": f"Bearer {site.delegate('MEX')}"},
    ).raise_for_status()
    token = site.token(Role.RAPPORTEUR, room=one)
    written = []
    for name, path in (
        ("report-1280x800", f"/report/{one}/{segment}?token={token}"),
        (
            "statistics-1280x800",
            f"/static/record/statistics.html?token={token}&room={one}&segment={segment}",
        ),
    ):
        context = browser.new_context(viewport=_size(1280, 800))  # type: ignore[arg-type]
        page = context.new_page()
        page.goto(site.base + path)
        page.wait_for_selector("body[data-ready='true']")
        if name.startswith("report"):
            page.click("#cards li.card button.use-card")
            page.fill("#summary", "Delegations stressed access to basic services for all migrants.")
        target = out / f"{name}.png"
        page.screenshot(path=str(target))
        written.append(target)
        context.close()
    return written


def _settle(page: Page) -> None:
    """Wait until the countdown has drawn the speaker's time (not the idle 0:00)."""
    page.wait_for_function("() => document.getElementById('countdown').dataset.state !== 'idle'")


def _size(width: int, height: int) -> dict[str, Any]:
    return {"width": width, "height": height}


if __name__ == "__main__":
    raise SystemExit(main())
