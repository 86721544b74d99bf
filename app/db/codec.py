"""Engine values to JSON and back, through pydantic's dataclass support.

The engine's types are plain frozen dataclasses (S5); this is the one place
that turns them into JSON-able dicts for the database and the wire, so the
engine stays free of pydantic. Events and commands travel tagged with their
class name (``{"type": "SpeechStarted", ...}``).

A value written on every command (the room's state) goes to its JSON column
as text made in one pass by pydantic-core (``dump_json``), not as a dict that
``json.dumps`` walks again: the engine's ``json_serializer`` (``serialize``)
passes that text through.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import ConfigDict, TypeAdapter

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


class Json:
    """JSON text ``dump_json`` made, for a JSON column: ``serialize`` writes it as it is.

    Not a ``str``: an engine without ``serialize`` fails on it (not JSON-able)
    instead of storing it as a JSON string.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


# The text as ``json.dumps`` would write it for infinities and NaN (``Infinity``, ``NaN``), which
# pydantic-core writes as null unless told: the config goes on a tuple around the value, since a
# dataclass's own adapter takes none.
_JSON = ConfigDict(ser_json_inf_nan="constants")
_json_adapters: dict[type[Any], TypeAdapter[Any]] = {}


def dump_json(value: object) -> Json:
    """``dump``'s JSON, as text, in one pass: what ``load`` reads back from the column."""
    cls = type(value)
    adapter = _json_adapters.get(cls)
    if adapter is None:
        adapter = _json_adapters[cls] = TypeAdapter(tuple[cls], config=_JSON)  # type: ignore[valid-type]
    return Json(adapter.dump_json((value,))[1:-1].decode())


def serialize(value: object) -> str:
    """The engines' ``json_serializer``: ``dump_json``'s text as it is, the rest by json.dumps."""
    return value.text if isinstance(value, Json) else json.dumps(value)


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
