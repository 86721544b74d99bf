"""S2: the engine modules import nothing that does I/O (a house rule made a test)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PURE_PACKAGES = ("app/timing", "app/queue", "app/simulation")
PURE_MODULES = (
    "app/category.py",
    "app/errors.py",
    "app/record/__init__.py",
    "app/record/interventions.py",
    "app/record/statistics.py",
)
ALLOWED_IMPORTS = {
    "__future__",
    "collections.abc",
    "dataclasses",
    "enum",
    "typing",
    "random",  # the simulator's seeded generator: deterministic, no I/O
}
ALLOWED_PREFIXES = ("app.timing", "app.queue", "app.category", "app.errors")
#: What a layer above the engine may import as well (the record, the simulator).
ALSO_ALLOWED = {"app/record": ("app.record",), "app/simulation": ("app.record", "app.simulation")}
#: ``from app.room import codec`` in the record, until ``decode`` moves out of it.
ALSO_EXACT = {"app/record": {"app.room"}}


def _pure_files() -> list[Path]:
    files = [ROOT / m for m in PURE_MODULES]
    for package in PURE_PACKAGES:
        files += sorted((ROOT / package).glob("*.py"))
    return files


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", _pure_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_modules_import_nothing_that_does_io(path: Path) -> None:
    layer = str(path.parent.relative_to(ROOT))
    allowed = ALLOWED_PREFIXES + ALSO_ALLOWED.get(layer, ())
    unexpected = {
        name
        for name in imported_modules(path)
        if name not in ALLOWED_IMPORTS | ALSO_EXACT.get(layer, set())
        and not name.startswith(allowed)
    }
    assert not unexpected, f"{path.relative_to(ROOT)} imports {sorted(unexpected)}"


def test_the_purity_check_sees_an_io_import(tmp_path: Path) -> None:
    impure = tmp_path / "impure.py"
    impure.write_text("import asyncio\nfrom time import time\n", encoding="utf-8")
    assert imported_modules(impure) == {"asyncio", "time"}
