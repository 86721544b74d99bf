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


#: CLDR plural categories of the six languages, as ``Intl.PluralRules`` names them
#: (checked against Node's by the test below when Node is installed).
PLURAL_CATEGORIES = {
    "ar": ["few", "many", "one", "other", "two", "zero"],
    "en": ["one", "other"],
    "es": ["many", "one", "other"],
    "fr": ["many", "one", "other"],
    "ru": ["few", "many", "one", "other"],
    "zh": ["other"],
}


def _placeholders(text: str) -> list[str]:
    return sorted(part.split("}")[0] for part in text.split("{")[1:])


def _forms(entry: str | dict[str, str]) -> dict[str, str]:
    return entry if isinstance(entry, dict) else {"other": entry}


def test_six_catalogues_carry_the_same_strings() -> None:
    """Same keys, same placeholders; a plural entry has exactly its language's forms."""
    catalogues = {path.stem: json.loads(path.read_text("utf-8")) for path in I18N.glob("*.json")}
    assert sorted(catalogues) == ["ar", "en", "es", "fr", "ru", "zh"]
    english = catalogues["en"]
    for language, strings in catalogues.items():
        assert set(strings) == set(english), f"{language}: {sorted(set(strings) ^ set(english))}"
        for key, entry in strings.items():
            wanted = _placeholders(_forms(english[key])["other"])
            if isinstance(english[key], dict):
                assert isinstance(entry, dict), f"{language}.{key} must have plural forms"
                assert sorted(entry) == PLURAL_CATEGORIES[language], (
                    f"{language}.{key} has forms {sorted(entry)}, not {PLURAL_CATEGORIES[language]}"
                )
            for form, text in _forms(entry).items():
                names = _placeholders(text)
                if isinstance(english[key], dict):  # a form for one number may spell it out
                    names, wanted = sorted({*names, "count"}), sorted({*wanted, "count"})
                assert names == wanted, f"{language}.{key}.{form} has {names}, not {wanted}"


def test_plural_categories_are_the_browsers() -> None:
    """The table above is what Intl.PluralRules says (Node's ICU), so no form goes unused."""
    node = shutil.which("node")
    if node is None:
        missing_service("node is not installed: the ES module tests need Node 20+")
        return
    languages = json.dumps(sorted(PLURAL_CATEGORIES))
    script = (
        f"const out = {{}}; for (const l of {languages}) out[l] = "
        "new Intl.PluralRules(l).resolvedOptions().pluralCategories.sort();"
        "console.log(JSON.stringify(out));"
    )
    run = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=60)
    assert json.loads(run.stdout) == PLURAL_CATEGORIES


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
