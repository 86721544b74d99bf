"""The programme loader's bounds: no alias, no deep nesting, every scalar built or refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import DEMO_PROGRAMME
from app.errors import InvalidProgramme, TooLarge
from app.meeting import load_programme_file, parse_programme
from tests.meeting.test_finding_2 import ALIAS_REFUSED, billion_laughs


def test_a_billion_laughs_is_refused_at_its_first_alias() -> None:
    with pytest.raises(InvalidProgramme) as refused:
        parse_programme(billion_laughs(), "programme.yaml")
    assert refused.value.detail == f"programme.yaml {ALIAS_REFUSED}"


def test_a_merge_key_is_an_alias_too() -> None:
    text = "defaults: &defaults {minutes: 3}\nformats:\n  x:\n    <<: *defaults\n"
    with pytest.raises(InvalidProgramme) as refused:
        parse_programme(text, "programme.yaml")
    assert refused.value.detail == (
        "programme.yaml line 4: YAML aliases (*defaults) are not accepted: write the value out"
    )


@pytest.mark.parametrize(
    "text",
    ["a: " + "[" * 5000 + "]" * 5000, "a: " + "{b: " * 3000 + "1" + "}" * 3000],
    ids=["lists", "mappings"],
)
def test_nesting_deeper_than_python_recurses_is_refused_with_its_line(text: str) -> None:
    with pytest.raises(InvalidProgramme) as refused:
        parse_programme(text, "programme.yaml")
    assert refused.value.detail == "programme.yaml line 1: nested deeper than 32 levels"


def test_a_scalar_the_safe_loader_cannot_build_is_refused_with_its_line() -> None:
    with pytest.raises(InvalidProgramme) as refused:
        parse_programme("meeting:\n  key: x\ndays:\n  - date: 2024-13-04\n", "programme.yaml")
    assert refused.value.detail == "programme.yaml line 4: not valid YAML (month must be in 1..12)"
    with pytest.raises(InvalidProgramme, match=r"^programme.yaml line 1: not valid YAML \(Exceeds"):
        parse_programme("a: " + "9" * 5000 + "\n", "programme.yaml")


def test_an_anchor_that_no_alias_uses_is_harmless_and_read() -> None:
    with pytest.raises(InvalidProgramme) as refused:  # read, then checked as a programme
        parse_programme("meeting: &m {key: x}\n", "programme.yaml")
    assert "YAML aliases" not in refused.value.detail


def test_the_demo_programme_uses_no_alias_and_fits_its_limit_four_times() -> None:
    assert DEMO_PROGRAMME.stat().st_size * 4 < 64 * 1024
    assert load_programme_file(DEMO_PROGRAMME).source.meeting.key


def test_a_delegations_csv_over_its_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text("code,category\n" + "x" * 2048, encoding="utf-8")
    path = tmp_path / "small.yaml"
    path.write_text("meeting: {key: x}\ndelegations: people.csv\n", encoding="utf-8")
    with pytest.raises(TooLarge) as refused:
        load_programme_file(path, max_csv_bytes=1024)
    assert refused.value.detail == (
        "people.csv is over 1024 bytes, the limit set by FLOORKEEPER_MAX_DELEGATIONS_BYTES"
    )
