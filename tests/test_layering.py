"""S1, S2: the arrows between the parts run one way, as docs/architecture.md draws them.

The table between the ``layering`` markers of ``docs/architecture.md`` names
each part, where it lives, the parts it may import, and, for a pure part,
what it may import from outside ``app``. This test reads that table and the
import statements of every module under ``app/``, and fails on any arrow the
table does not allow. Imports under ``if TYPE_CHECKING:`` are for annotations
only and make no arrow.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = ROOT / "docs" / "architecture.md"
BEGIN, END = "<!-- layering: begin -->", "<!-- layering: end -->"


@dataclass(frozen=True)
class Part:
    name: str
    places: tuple[str, ...]  # "app/room/" (a folder) or "app/config.py" (a module)
    imports: frozenset[str]  # the parts it may import (itself always)
    outside: frozenset[str] | None  # a pure part: the only top-level names it may import


def _names(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def read_table(text: str) -> dict[str, Part]:
    """The layering table of ``text``, by part name."""
    table = text.split(BEGIN, 1)[1].split(END, 1)[0]
    rows = [line.strip() for line in table.splitlines() if line.strip().startswith("|")]
    parts: dict[str, Part] = {}
    for row in rows[2:]:  # after the header and its rule
        name, places, imports, outside = (c.strip() for c in row.strip("|").split("|"))
        allowed = {w.strip() for w in re.sub(r"`", "", imports).split(",") if w.strip()}
        allowed.discard("—")
        pure: frozenset[str] | None = None
        if outside != "—":
            pure = frozenset(_names(outside))
        parts[name] = Part(name, tuple(_names(places)), frozenset(allowed | {name}), pure)
    return parts


PARTS = read_table(ARCHITECTURE.read_text(encoding="utf-8"))
STDLIB_OF_PURE_ENGINE = PARTS["engine"].outside or frozenset()


def part_of(module: str) -> str:
    """The part a dotted module name (``app.room.store``) belongs to."""
    path = module.replace(".", "/")
    best, length = "", -1
    for part in PARTS.values():
        for place in part.places:
            stem = place.removesuffix(".py").removesuffix("/__init__").rstrip("/")
            if (path == stem or path.startswith(stem + "/")) and len(stem) > length:
                best, length = part.name, len(stem)
    if not best:
        raise LookupError(f"{module} is in no part of the layering table")
    return best


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(source: str, module: str) -> set[str]:
    """Every module ``source`` imports at run time, as absolute dotted names."""
    found: set[str] = set()
    package = module.rsplit(".", 1)[0]

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and _type_checking_only(node):
                visit(node.orelse)
                continue
            for child in ast.walk(node):
                if isinstance(child, ast.Import):
                    found.update(alias.name for alias in child.names)
                elif isinstance(child, ast.ImportFrom):
                    base = child.module or ""
                    if child.level:
                        anchor = package.rsplit(".", child.level - 1)[0]
                        base = f"{anchor}.{base}" if base else anchor
                    # `from app.db import codec` imports the module app.db.codec
                    found.update(f"{base}.{alias.name}" for alias in child.names)
                    found.add(base)

    visit(ast.parse(source).body)
    return found


def _modules() -> list[tuple[str, Path]]:
    return [
        (".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"), path)
        for path in sorted((ROOT / "app").rglob("*.py"))
    ]


def _app_target(name: str) -> str | None:
    """The app module an imported name stands for (a name in a module: that module)."""
    if not name.startswith("app.") and name != "app":
        return None
    parts = name.split(".")
    while parts:
        candidate = ROOT.joinpath(*parts)
        if candidate.with_suffix(".py").exists() or (candidate / "__init__.py").exists():
            return ".".join(parts)
        parts.pop()
    return None


MODULES = _modules()


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_S1_every_import_runs_the_way_the_layering_table_allows(module: str, path: Path) -> None:
    here = PARTS[part_of(module)]
    wrong: set[str] = set()
    outside: set[str] = set()
    for name in imports_of(path.read_text(encoding="utf-8"), module):
        target = _app_target(name)
        if target is None:
            if name.startswith("app"):
                continue  # a name inside an app module (already counted as that module)
            top = name.split(".")[0]
            if here.outside is not None and name not in here.outside:
                if top not in here.outside and top not in STDLIB_OF_PURE_ENGINE:
                    outside.add(name)
            continue
        if target == "app":
            continue
        if part_of(target) not in here.imports:
            wrong.add(f"{target} ({part_of(target)})")
    assert not wrong, f"{module} ({here.name}) may not import {sorted(wrong)}"
    assert not outside, f"{module} ({here.name}) is pure but imports {sorted(outside)}"


def test_S1_every_module_of_app_is_in_one_part() -> None:
    assert {part_of(m) for m, _ in MODULES} <= set(PARTS)


def test_S1_no_two_modules_of_app_share_a_name() -> None:
    names = [p.name for _, p in MODULES if p.name not in ("__init__.py", "__main__.py")]
    assert sorted({n for n in names if names.count(n) > 1}) == []


LONG_MODULE = 400  # lines: a longer module says in its docstring why it is one module
WHY_LONG = "longer than 400 lines on purpose"


def test_S1_app_has_at_most_six_top_level_modules() -> None:
    top = sorted(p.name for p in (ROOT / "app").glob("*.py"))
    assert len(top) <= 6, top


def test_S1_a_module_over_400_lines_says_why_in_its_docstring() -> None:
    unexplained = []
    for module, path in MODULES:
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > LONG_MODULE and WHY_LONG not in (
            ast.get_docstring(ast.parse(text)) or ""
        ):
            unexplained.append(module)
    assert unexplained == []


def test_S1_the_layering_check_sees_a_wrong_arrow_and_an_io_import() -> None:
    source = "import asyncio\nfrom app.room import store\nfrom typing import TYPE_CHECKING\n"
    source += "if TYPE_CHECKING:\n    from app.api import deps\n"
    found = imports_of(source, "app.queue.floor")
    assert {"asyncio", "app.room.store"} <= found
    assert "app.api.deps" not in found
    assert part_of("app.room.store") not in PARTS["engine"].imports
    assert "asyncio" not in STDLIB_OF_PURE_ENGINE


def test_S1_the_table_names_only_parts_it_defines() -> None:
    named = set().union(*(p.imports for p in PARTS.values()))
    assert named <= set(PARTS), sorted(named - set(PARTS))


def random_misuses(source: str) -> list[str]:
    """A pure module's uses of ``random`` other than ``Random(seed)`` with a seed given."""
    tree = ast.parse(source)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name == "random" for a in node.names):
            found.append("import random (use `from random import Random`)")
        elif isinstance(node, ast.ImportFrom) and node.module == "random":
            found.extend(f"random.{a.name}" for a in node.names if a.name != "Random")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "Random" and len(node.args) + len(node.keywords) != 1:
                found.append("Random() without its seed")
    return found


def test_S2_a_pure_part_draws_by_lot_only_from_a_seed_it_is_given() -> None:
    misuses = {
        module: random_misuses(path.read_text(encoding="utf-8"))
        for module, path in MODULES
        if PARTS[part_of(module)].outside is not None and part_of(module) != "simulation"
    }
    assert {m: found for m, found in misuses.items() if found} == {}


def test_S2_the_random_check_sees_the_shared_generator_and_an_unseeded_one() -> None:
    source = "import random\nfrom random import Random, shuffle\nRandom()\nRandom(seed)\n"
    assert random_misuses(source) == [
        "import random (use `from random import Random`)",
        "random.shuffle",
        "Random() without its seed",
    ]
