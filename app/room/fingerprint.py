"""What a command id is bound to (M6): the command's kind, target and body, as one digest.

A retry with the same id must carry the same command; the same id with
another command is refused (``CommandIdReused``). The store keeps the digest
beside the id and compares it only when the id is already recorded, so a new
id costs no lookup.

The digest is SHA-256 of a canonical JSON of the engine command: its class
name and every field, nested dataclasses included, with sets sorted, so that
it is the same in every process (Python's set order is not) and for every
client (``30`` and ``30.0`` seconds are one number). It is
built from the dataclass fields directly, not through the codec's pydantic
dump: this runs for every command, and the fields are all there is.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from enum import Enum

from app.queue import Command


def fingerprint(command: Command) -> str:
    """The hex digest a command id is bound to: the same command, the same digest."""
    text = json.dumps(_canonical(command), separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _canonical(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return [type(value).__name__, fields]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_canonical(item) for item in value]
    if isinstance(value, frozenset | set):
        items = [_canonical(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, float) and value.is_integer():
        return int(value)  # 30 and 30.0 seconds are one allotment
    return value
