"""Finding 2: a programme file cannot be turned against the service that reads it.

A billion-laughs file (ten levels of nine aliases, a few hundred bytes that
expand to 9**10 strings) is refused at its first alias, before anything is
expanded; deep nesting and scalars the safe constructor cannot build are
refused with their line; a file over its size limit is not read past it.
The command line answers each with one line and status 2. The routes'
side (HTTP, off the event loop) is in tests/access/test_setup_routes.py.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import DEMO_PROGRAMME
from app.errors import InvalidProgramme, TooLarge
from app.meeting import load_programme_file, parse_programme

ALIAS_REFUSED = "line 2: YAML aliases (*a) are not accepted: write the value out"
#: The command's address space: the real import needs about 330 MB; a bomb would need far more.
CLI_MEMORY = 1024**3


def billion_laughs(levels: int = 10, width: int = 9) -> str:
    """``a: &a [lol, …]`` then each level a list of ``width`` aliases of the one before."""
    names = [chr(ord("a") + level) for level in range(levels)]
    lines = [f"{names[0]}: &{names[0]} [{', '.join(['lol'] * width)}]"]
    for before, name in zip(names, names[1:], strict=False):
        lines.append(f"{name}: &{name} [{', '.join([f'*{before}'] * width)}]")
    return "\n".join(lines) + "\n"


def run_cli(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    """``floorkeeper ARGS`` in its own process, within CLI_MEMORY of address space."""

    def bounded() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (CLI_MEMORY, CLI_MEMORY))

    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120, check=False, preexec_fn=bounded,
    )  # fmt: skip


def test_finding_2_the_import_command_refuses_a_billion_laughs_with_one_line(
    sqlite_url: str, tmp_path: Path
) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(billion_laughs(), encoding="utf-8")
    run = run_cli("import", str(bomb), database_url=sqlite_url)
    assert run.returncode == 2, run.stderr[-2000:]
    assert run.stderr.strip() == f"floorkeeper: bomb.yaml {ALIAS_REFUSED}"


def test_finding_2_the_import_command_refuses_a_file_over_its_limit_before_parsing_it(
    sqlite_url: str, tmp_path: Path
) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * (64 * 1024) + "\n", encoding="utf-8")
    run = run_cli("import", str(big), database_url=sqlite_url)
    assert run.returncode == 2, run.stderr[-2000:]
    assert run.stderr.strip() == (
        "floorkeeper: big.yaml is over 65536 bytes, "
        "the limit set by FLOORKEEPER_MAX_PROGRAMME_BYTES"
    )


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
