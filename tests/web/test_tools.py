"""The browser tests' tools are here, or the run says why the screens were not tested."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from pathlib import Path

from tests.conftest import missing_service

ROOT = Path(__file__).resolve().parents[2]
I18N = ROOT / "app" / "web" / "static" / "i18n"


def test_browser_tools_are_installed() -> None:
    for module, package in (
        ("playwright", "playwright"),
        ("axe_playwright_python", "axe-playwright-python"),
    ):
        if importlib.util.find_spec(module) is None:
            missing_service(f"{package} is not installed: pip install -e '.[test]'")
    if shutil.which("chromium") is None:
        missing_service("chromium is not installed: apt-get install -y chromium")


def test_six_catalogues_carry_the_same_strings() -> None:
    catalogues = {path.stem: json.loads(path.read_text("utf-8")) for path in I18N.glob("*.json")}
    assert sorted(catalogues) == ["ar", "en", "es", "fr", "ru", "zh"]
    english = set(catalogues["en"])
    for language, strings in catalogues.items():
        assert set(strings) == english, f"{language}: {sorted(set(strings) ^ english)}"
        placeholders = {
            key: sorted(part.split("}")[0] for part in text.split("{")[1:])
            for key, text in strings.items()
        }
        for key, names in placeholders.items():
            wanted = sorted(part.split("}")[0] for part in catalogues["en"][key].split("{")[1:])
            assert names == wanted, f"{language}.{key} has placeholders {names}, not {wanted}"


def test_t6_the_pages_room_module_passes_its_node_tests() -> None:
    """tests/web/js: states, clock text, patches, clock offset, resume (fake socket and time)."""
    node = shutil.which("node")
    if node is None:
        missing_service("node is not installed: the ES module tests need Node 20+")
        return
    run = subprocess.run(
        [node, "--experimental-detect-module", "--test", "tests/web/js/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout
