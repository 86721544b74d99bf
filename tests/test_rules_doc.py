"""docs/rules.md stays true: the rules it lists, their status and the tests it cites.

``docs/rules.md`` is the project's document of the floor rules (P*, T*, A*,
C*, R*, M*, O*). Each rule is a ``### <ID> <title>`` section with one
``- **Status:** enforced | partly | not yet`` line and, where tests check it,
a ``- **Tests:**`` line that names test prefixes (``test_P2_…``) and the files
that hold them. Tests are named after the rules they check: a name starts with
one or more rule ids (``test_A3_…``, ``test_P2_P4_P8_…``; the browser tests'
lower-case ``test_t6_…`` count too). This module reads both and fails when
they disagree. The rule specification lives outside the repository, in
``../shared/spec/floor-rules.md`` beside the clone; the check against it is
skipped, saying why, when it is not there.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "docs" / "rules.md"
README = ROOT / "README.md"
SPEC = ROOT.parent / "shared" / "spec" / "floor-rules.md"

#: A rule id of the spec (the S* ids of STYLE.md are patterns, not rules).
RULE_ID = re.compile(r"[PTACRMO]\d+")
STATUSES = ("enforced", "partly", "not yet")
_LEADING_IDS = re.compile(r"test_((?:[a-z]\d+_)+)", re.IGNORECASE)
_HEADING = re.compile(r"^### ([A-Z]\d+) \S", re.MULTILINE)
_STATUS = re.compile(r"^- \*\*Status:\*\* (enforced|partly|not yet)\b", re.MULTILINE)
_SPEC_RULE = re.compile(r"^- \*\*([A-Z]\d+) ", re.MULTILINE)


@dataclass(frozen=True)
class Rule:
    id: str
    text: str  # the rule's section, heading to the next heading

    @property
    def statuses(self) -> list[str]:
        return _STATUS.findall(self.text)

    @property
    def tests_line(self) -> str:
        """The ``- **Tests:**`` bullet, up to the next bullet or paragraph ("" if none)."""
        found = re.search(r"^- \*\*Tests:\*\*(.*?)(?=^- \*\*|^\s*$|\Z)", self.text, re.M | re.S)
        return found.group(1) if found else ""


def rules_of(text: str) -> dict[str, Rule]:
    """The rule sections of a rules document, by id."""
    rules: dict[str, Rule] = {}
    for found in _HEADING.finditer(text):
        end = re.compile(r"^##", re.MULTILINE).search(text, found.end())
        rule = Rule(found.group(1), text[found.start() : end.start() if end else len(text)])
        assert rule.id not in rules, f"docs/rules.md has two sections for {rule.id}"
        rules[rule.id] = rule
    return rules


def ids_in_test_name(name: str) -> list[str]:
    """The rule ids a test name starts with: ``test_P2_P8_x`` → P2, P8; ``test_t6_x`` → T6."""
    found = _LEADING_IDS.match(name)
    if found is None:
        return []
    ids = [part.upper() for part in found.group(1).split("_") if part]
    return [rule_id for rule_id in ids if RULE_ID.fullmatch(rule_id)]


@cache
def documented() -> dict[str, Rule]:
    return rules_of(RULES.read_text(encoding="utf-8"))


@cache
def functions_by_file() -> dict[Path, tuple[str, ...]]:
    """Every test function's name, by file under tests/."""
    names: dict[Path, tuple[str, ...]] = {}
    for path in sorted((ROOT / "tests").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names[path] = tuple(
            node.name
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name.startswith("test_")
        )
    return names


def rule_tests() -> dict[str, list[str]]:
    """Rule id → the tests named after it, as ``path::name``."""
    by_rule: dict[str, list[str]] = {}
    for path, names in functions_by_file().items():
        for name in names:
            for rule_id in ids_in_test_name(name):
                by_rule.setdefault(rule_id, []).append(f"{path.relative_to(ROOT)}::{name}")
    return by_rule


# -- the helpers read what they should --------------------------------------------------


def test_a_test_name_gives_the_rule_ids_it_starts_with_and_nothing_else() -> None:
    assert ids_in_test_name("test_P2_P4_P8_the_order_key") == ["P2", "P4", "P8"]
    assert ids_in_test_name("test_t6_a_page_whose_clock_jumps") == ["T6"]
    assert ids_in_test_name("test_T1_to_T4_are_the_seeds_numbers") == ["T1"]
    assert ids_in_test_name("test_s8_c4_every_client") == ["C4"]  # S8 is a style pattern
    assert ids_in_test_name("test_a_request_needs_an_open_segment") == []


def test_a_rule_section_runs_to_the_next_heading_and_has_its_status() -> None:
    rules = rules_of(
        "## 1. x\n\n### P1 One\n\ntext\n\n- **Status:** enforced.\n"
        "- **Tests:** `test_P1_…` in `tests/a.py`,\n  `tests/b.py`.\n\n"
        "### P2 Two\n\n- **Status:** not yet (issue 16).\n\n## 2. y\n"
    )
    assert sorted(rules) == ["P1", "P2"]
    assert rules["P1"].statuses == ["enforced"]
    assert "`tests/b.py`" in rules["P1"].tests_line
    assert rules["P2"].statuses == ["not yet"]
    assert rules["P2"].tests_line == ""


# -- docs/rules.md against the tests ----------------------------------------------------


def test_every_rule_id_named_in_a_test_is_in_docs_rules() -> None:
    missing = {
        rule_id: tests[:3] for rule_id, tests in rule_tests().items() if rule_id not in documented()
    }
    assert not missing, f"tests are named after rules docs/rules.md does not list: {missing}"


def test_every_rule_marked_enforced_has_a_test_named_after_it() -> None:
    named = rule_tests()
    untested = [
        rule.id
        for rule in documented().values()
        if "enforced" in rule.statuses and rule.id not in named
    ]
    assert not untested, (
        f"docs/rules.md marks these enforced, but no test_<ID>_… checks them: {untested}"
    )


def test_a_rule_with_tests_named_after_it_is_not_marked_not_yet() -> None:
    named = rule_tests()
    stale = {
        rule.id: named[rule.id][:3]
        for rule in documented().values()
        if "not yet" in rule.statuses and rule.id in named
    }
    assert not stale, f"docs/rules.md says 'not yet', but tests check these rules: {stale}"


def test_every_rule_has_one_status_and_one_not_fully_built_names_the_issue_that_adds_it() -> None:
    for rule in documented().values():
        assert len(rule.statuses) == 1, f"{rule.id}: one '- **Status:**' line of {STATUSES}"
        assert re.search(r"^- \*\*Source:\*\* \S", rule.text, re.M), f"{rule.id}: no source"
        if rule.statuses[0] != "enforced":
            status = rule.text[rule.text.index("- **Status:**") :]
            assert re.search(r"issue \d+", status), f"{rule.id}: which issue adds it?"


def test_the_tests_docs_rules_cites_exist_and_are_named_as_it_says() -> None:
    """Each file of a rule's Tests line holds a test with one of the line's prefixes."""
    names = functions_by_file()
    for rule in documented().values():
        line = rule.tests_line
        if not line:
            assert "enforced" not in rule.statuses, f"{rule.id} is enforced: cite its tests"
            continue
        prefixes = [p.lower() for p in re.findall(r"`(test_\w+?_)…`", line)]
        assert prefixes, f"{rule.id}: the Tests line names no test_<ID>_… prefix"
        assert f"test_{rule.id.lower()}_" in prefixes or any(
            rule.id in ids_in_test_name(p + "x") for p in prefixes
        ), f"{rule.id}: the Tests line names no test of this rule"
        for cited in re.findall(r"`(tests/[\w/.]*)`", line):
            where = ROOT / cited
            assert where.exists(), f"{rule.id}: {cited} does not exist"
            held = [n for path, ns in names.items() if path.is_relative_to(where) for n in ns]
            assert any(n.lower().startswith(tuple(prefixes)) for n in held), (
                f"{rule.id}: {cited} has no test named {' or '.join(prefixes)}…"
            )


def test_the_full_test_names_docs_rules_gives_are_tests() -> None:
    every = {name for names in functions_by_file().values() for name in names}
    for name in re.findall(r"`(test_\w+)`", RULES.read_text(encoding="utf-8")):
        assert name in every, f"docs/rules.md names {name}, which no test is called"


def test_the_code_paths_docs_rules_gives_exist() -> None:
    text = RULES.read_text(encoding="utf-8")
    paths = set(re.findall(r"`((?:app|tests)/[\w/.-]*)`", text))
    assert paths, "docs/rules.md names no code"
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert not missing, f"docs/rules.md names paths that are not in the repository: {missing}"


# -- docs/rules.md against the spec, and the README -------------------------------------


def test_every_rule_of_the_spec_is_in_docs_rules_and_no_other() -> None:
    if not SPEC.is_file():
        pytest.skip(
            f"the rule specification is not at {SPEC} (it lives in shared/, cloned beside "
            "the repository): docs/rules.md not compared with it"
        )
    spec_ids = set(_SPEC_RULE.findall(SPEC.read_text(encoding="utf-8")))
    assert len(spec_ids) > 40, f"the spec's rules were not read from {SPEC}"
    assert sorted(spec_ids - documented().keys()) == [], "rules of the spec missing here"
    assert sorted(documented().keys() - spec_ids) == [], "rules here that the spec lacks"


def test_the_readme_sends_readers_to_docs_rules_not_outside_the_repository() -> None:
    readme = README.read_text(encoding="utf-8")
    assert "](docs/rules.md)" in readme
    assert "shared/spec/floor-rules.md" not in readme
    assert "shared/spec/floor-rules.md" not in RULES.read_text(encoding="utf-8")
