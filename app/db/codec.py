"""Engine values to JSON and back, through pydantic's dataclass support.

The engine's types are plain frozen dataclasses (S5); this is the one place
that turns them into JSON-able dicts for the database and the wire, so the
engine stays free of pydantic. Events and commands travel tagged with their
class name (``{"type": "SpeechStarted", ...}``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import TypeAdapter

T = TypeVar("T")


_adapters: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(cls: type[Any]) -> TypeAdapter[Any]:
    adapter = _adapters.get(cls)
    if adapter is None:
        adapter = _adapters[cls] = TypeAdapter(cls)
    return adapter


def dump(value: object) -> dict[str, Any]:
    """A dataclass value as a JSON-able dict."""
    data: dict[str, Any] = _adapter(type(value)).dump_python(value, mode="json")
    return data


def load(cls: type[T], data: object) -> T:
    """The dataclass ``cls`` rebuilt from ``dump``'s output (validated)."""
    value: T = _adapter(cls).validate_python(data)
    return value


def dump_tagged(value: object) -> dict[str, Any]:
    """Like ``dump``, with the class name under ``type`` first."""
    return {"type": type(value).__name__, **dump(value)}


class Registry:
    """Finds a tagged value's class by name, for one family (events)."""

    def __init__(self, classes: Iterable[type[Any]]) -> None:
        self._classes = {cls.__name__: cls for cls in classes}

    def load(self, data: dict[str, Any]) -> Any:
        fields = dict(data)
        name = fields.pop("type")
        return load(self._classes[name], fields)
