"""Reading a programme file: YAML in, plain data out, and the line of every field.

A secretariat edits the programme by hand, so an error must say where it is.
PyYAML's composed node tree knows the line of every key and item; we walk it
once to index ``path → line`` and then build the data from the same tree, so
that a pydantic error location (``days.1.segments.3.start``) maps back to a
line of the file.

The file comes from outside (an upload, a file handed to the command line),
so the loader is a tree builder with bounds: an alias (``*name``) is refused
when it is met, before anything is expanded, so that a few hundred bytes of
nested aliases cannot become millions of nodes (a "billion laughs"); nesting
deeper than ``MAX_DEPTH`` is refused before Python's recursion limit is; and
a scalar that the safe constructor cannot build (a 13th month, an integer of
5000 digits) is refused with its line, not raised as a ValueError. With no
aliases the tree grows with the text, which the caller bounds by size
(``Settings.max_programme_bytes``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

from app.errors import InvalidProgramme

Path_ = tuple[str | int, ...]

#: Levels of nested mappings and lists; the demo programme uses 10.
MAX_DEPTH = 32


@dataclass(frozen=True, slots=True)
class Source:
    """The file's data and where each of its values was written."""

    name: str
    data: Any
    lines: dict[Path_, int]

    def line_of(self, path: Iterable[str | int]) -> int | None:
        """The line of ``path``, or of its nearest ancestor that was written."""
        parts = tuple(path)
        while parts:
            if parts in self.lines:
                return self.lines[parts]
            parts = parts[:-1]
        return self.lines.get((), None)

    def error(self, path: Iterable[str | int], message: str) -> str:
        """``file line N, field a.b.c: message``."""
        parts = tuple(path)
        line = self.line_of(parts)
        where = f"{self.name} line {line}" if line is not None else self.name
        field = ".".join(str(p) for p in parts)
        return f"{where}, {field}: {message}" if field else f"{where}: {message}"

    def refuse(self, errors: ValidationError) -> InvalidProgramme:
        """One readable refusal listing every problem pydantic found."""
        problems = []
        for problem in errors.errors():
            # pydantic appends union/tag names to a location; drop those that aren't keys,
            # but keep the name of a field that is missing: it is what the reader must add
            loc = problem["loc"]
            missing = problem["type"] == "missing" and bool(loc) and isinstance(loc[-1], str)
            kept = loc[:-1] if missing else loc
            path = tuple(p for p in kept if isinstance(p, int) or self._is_key(p))
            if missing:
                path = (*path, loc[-1])
            message = problem["msg"].removeprefix("Value error, ")
            problems.append(self.error(path, message))
        return InvalidProgramme("; ".join(problems[:20]))

    def _is_key(self, part: str) -> bool:
        return any(part in key for key in self.lines)


def read_source(text: str, name: str) -> Source:
    """Parse ``text`` (YAML, safe loader, no aliases); a refusal names its line."""
    try:
        loader = _BoundedLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except _Refused as refused:
        raise InvalidProgramme(f"{name}{_line(refused.mark)}: {refused.problem}") from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise InvalidProgramme(f"{name}{_line(mark)}: not valid YAML ({error.problem})") from None
    except yaml.YAMLError as error:
        raise InvalidProgramme(f"{name}: not valid YAML ({error})") from None
    if node is None or not isinstance(data, dict):
        raise InvalidProgramme(f"{name}: a programme file is a mapping (meeting:, days: ...)")
    lines: dict[Path_, int] = {}
    _index(node, (), lines)
    return Source(name, data, lines)


def _line(mark: Any) -> str:
    return f" line {mark.line + 1}" if mark is not None else ""


class _Refused(Exception):
    """What the bounded loader refuses, and where."""

    def __init__(self, mark: Any, problem: str) -> None:
        super().__init__(problem)
        self.mark = mark
        self.problem = problem


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader that refuses aliases and deep nesting while it composes."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent):  # refused before the anchor's tree is reused
            raise _Refused(
                event.start_mark,
                f"YAML aliases (*{event.anchor}) are not accepted: write the value out",
            )
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Refused(event.start_mark, f"nested deeper than {MAX_DEPTH} levels")
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as error:  # int("9" * 5000), date(2024, 13, 1)
            raise _Refused(node.start_mark, f"not valid YAML ({error})") from None


def _index(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, str(key.value))
            _index(value, child, lines)
            lines[child] = key.start_mark.line + 1  # the key's line reads best
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            _index(item, (*path, position), lines)
