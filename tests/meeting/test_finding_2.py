"""Finding 2: a programme file cannot be turned against the service that reads it.

A billion-laughs file (ten levels of nine aliases, a few hundred bytes that
expand to 9**10 strings) is refused at its first alias, before anything is
expanded, and a file over its size limit is not read past it: the command
line answers each with one line and status 2. The routes' side (HTTP, off
the event loop) is in tests/access/test_setup_routes.py; the loader's
other bounds are in test_source.py.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

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
