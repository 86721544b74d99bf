"""The six languages show in real glyphs, not empty boxes (issue 15, fonts).

The pages name one font stack (``app/web/static/css/base.css``) for the
system fonts of common tablets and phones. Here Chromium lays out a line of
each script with that stylesheet, and the DevTools protocol says which
installed font drew it: the font must be one the stack names, for every
glyph. On a machine without a CJK font the Chinese check fails, which is why
CI installs one (``.ci/run``: fonts-noto-cjk).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser

BASE_CSS = Path(__file__).resolve().parents[2] / "app" / "web" / "static" / "css" / "base.css"

#: A line of each script in a page of that language, as a delegation or a phase title reads.
LINES = {
    "zh": "会员国发言 墨西哥 第三阶段",
    "ar": "مداخلات الدول الأعضاء المكسيك",
    "ru": "Выступления государств-членов",
    "en": "Member State interventions",
}


def _stack(variable: str) -> list[str]:
    """The families a ``--font-…`` custom property of base.css names, in order."""
    css = BASE_CSS.read_text("utf-8")
    match = re.search(rf"{variable}:([^;]+);", css)
    assert match, f"base.css defines no {variable}"
    return [name.strip().strip('"') for name in match.group(1).split(",")]


def _drawn_by(browser: Browser, language: str, text: str) -> dict[str, int]:
    page = browser.new_page()
    try:
        css = BASE_CSS.read_text("utf-8")
        direction = "rtl" if language == "ar" else "ltr"
        page.set_content(
            f'<html lang="{language}" dir="{direction}"><head><style>{css}</style></head>'
            f'<body><p id="line">{text}</p></body></html>'
        )
        cdp = page.context.new_cdp_session(page)
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "#line"})["nodeId"]
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        return {font["familyName"]: int(font["glyphCount"]) for font in fonts}
    finally:
        page.close()


@pytest.mark.parametrize("language", ["zh", "ar"])
def test_fonts_the_stack_draws_chinese_and_arabic(browser: Browser, language: str) -> None:
    """Every glyph of the line comes from a font the page's stack names for its script."""
    stack = _stack("--font-chinese" if language == "zh" else "--font-arabic")
    drawn = _drawn_by(browser, language, LINES[language])
    assert drawn, "Chromium reports no font for the line"
    strangers = {family: count for family, count in drawn.items() if family not in stack}
    spaces = LINES[language].count(" ")
    assert sum(strangers.values()) <= spaces, (
        f"{language}: glyphs drawn by {strangers}, which the stack {stack} does not name "
        "(no such font installed? CI installs fonts-noto-cjk)"
    )


@pytest.mark.parametrize("language", ["en", "ru"])
def test_fonts_latin_and_cyrillic_come_from_the_ui_stack(browser: Browser, language: str) -> None:
    stack = _stack("--font-latin") + ["DejaVu Sans", "Liberation Sans"]  # Linux's sans-serif
    drawn = _drawn_by(browser, language, LINES[language])
    assert drawn, "Chromium reports no font for the line"
    assert all(family in stack or "Noto" in family for family in drawn), drawn
