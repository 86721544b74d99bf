"""The live channel's messages: what the server sends, what a page may send (S9).

Theory of operation
-------------------
Every message is one JSON object with a ``type`` and the room's ``version``.

Server to page:

* ``snapshot``   the room as this viewer may see it at ``version``, with the
                 server's clock (``server_time``): the first message of a fresh
                 connection, and the answer to a resume that would cost more
                 than a snapshot.
* ``resumed``    "your copy at ``version`` is still good": the ``missed``
                 changes follow, in order.
* ``change``     one committed change: the ``version`` it produced, the names
                 of its events, and ``room``, a patch against the view of the
                 previous version (objects merge key by key; any other value,
                 arrays and null included, replaces).
* ``pong``       the answer to a ping: ``t0`` echoed, ``t1`` and ``t2`` the
                 server's receive and send times (NTP-style).
* ``heartbeat``  sent when nothing else was; ``version`` is the last one sent,
                 so a page that lost a message sees the gap.
* ``error``      a page sent something this protocol does not know (``detail``,
                 ``code`` and ``params`` as every refusal: app/errors.py); or,
                 with ``command_id`` and ``status``, a command it refused.
* ``ack``        a command sent on the socket was applied (or already had
                 been: ``duplicate``): ``ack`` is the answer HTTP would give.

Page to server: ``ping`` (its own send time ``t0``), ``resume`` (its last
version), ``report`` (its clock offset estimate, uncertainty and round
trip) and ``command`` (a moderator's clock command: ``kind`` "speech" and
the ``body`` its HTTP route takes, ``command_id`` included). Times are UTC
epoch seconds everywhere.

The JSON schemas live in ``docs/protocol.schema.json`` and the examples in
``docs/protocol.md``; the tests check the server's messages against both.
Change messages are built once per change and view here, then reused for
every screen of that view (the hub frames them once too).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from app.errors import DomainError

#: The largest message a page may send (bytes of text); larger closes with 1009.
MAX_PAGE_MESSAGE = 4096

Json = dict[str, Any]


def _dumps(message: Json) -> str:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


# -- server to page ------------------------------------------------------------


def snapshot(
    version: int, at: float, server_time: float, viewer: Json, room: Mapping[str, Any]
) -> str:
    """The whole room for one viewer; ``at`` is when the view was rendered."""
    return _dumps(
        {
            "type": "snapshot",
            "version": version,
            "server_time": server_time,
            "at": at,
            "viewer": viewer,
            "room": room,
        }
    )


def resumed(version: int, server_time: float, viewer: Json, missed: int) -> str:
    """The page's copy at ``version`` still holds; ``missed`` changes follow."""
    return _dumps(
        {
            "type": "resumed",
            "version": version,
            "server_time": server_time,
            "viewer": viewer,
            "missed": missed,
        }
    )


def change(version: int, at: float, events: Sequence[str], patch: Json) -> str:
    """One committed change for one view. ``type`` and ``version`` come first (cheap to peek)."""
    return _dumps(
        {"type": "change", "version": version, "at": at, "events": list(events), "room": patch}
    )


def pong(version: int, t0: float, t1: float, t2: float) -> str:
    return _dumps({"type": "pong", "version": version, "t0": t0, "t1": t1, "t2": t2})


def heartbeat(version: int, server_time: float) -> str:
    return _dumps({"type": "heartbeat", "version": version, "server_time": server_time})


def error(
    version: int,
    refusal: DomainError,
    command_id: str | None = None,
    status: int | None = None,
) -> str:
    """A refusal as the page reads it: its English ``detail``, its ``code`` and ``params``.

    With ``status``, it answers a command sent on the socket: its ``command_id``
    and the HTTP status the same command would have got are added.
    """
    message: Json = {
        "type": "error",
        "version": version,
        "detail": refusal.detail,
        "code": refusal.code,
        "params": refusal.params,
    }
    if status is not None:
        message["command_id"] = command_id
        message["status"] = status
    return _dumps(message)


def command_ack(version: int, ack: Json) -> str:
    """A command sent on the socket, applied: ``ack`` is what its HTTP route answers."""
    return _dumps({"type": "ack", "version": version, "command_id": ack["command_id"], "ack": ack})


# -- patches -------------------------------------------------------------------


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> Json:
    """The patch that turns ``old`` into ``new`` under ``merge``.

    Only keys whose value changed are kept; an object whose keys are the same
    on both sides is diffed in turn, anything else is sent whole. A room view
    never loses a key, so a patch never needs to delete one.
    """
    patch: Json = {}
    for key, value in new.items():
        before = old.get(key, _MISSING)
        if before is not _MISSING and type(before) is type(value) and before == value:
            continue
        if isinstance(value, dict) and isinstance(before, dict) and before.keys() == value.keys():
            patch[key] = diff(before, value)
        else:
            patch[key] = value
    return patch


def merge(old: Mapping[str, Any], patch: Mapping[str, Any]) -> Json:
    """Apply a patch (what every page does with ``change.room``)."""
    merged = dict(old)
    for key, value in patch.items():
        before = merged.get(key)
        if isinstance(value, dict) and isinstance(before, dict):
            merged[key] = merge(before, value)
        else:
            merged[key] = value
    return merged


_MISSING = object()


# -- page to server ------------------------------------------------------------


class _PageMessage(BaseModel):
    # strict: a boolean is not a time (``"t0": true``), as in every HTTP body (app/api/schemas.py)
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class PingMessage(_PageMessage):
    """A clock-sync ping: the page's own send time, answered at once with a pong."""

    type: Literal["ping"]
    t0: float = Field(allow_inf_nan=False, description="the page's clock at send, epoch seconds")


class ResumeMessage(_PageMessage):
    """The page saw a gap: send what came after ``version`` (or a snapshot)."""

    type: Literal["resume"]
    version: int = Field(ge=0)


class ReportMessage(_PageMessage):
    """The page's clock estimate, for the moderator's list of screens."""

    type: Literal["report"]
    offset: float | None = Field(default=None, allow_inf_nan=False, ge=-1e9, le=1e9)
    uncertainty: float | None = Field(default=None, allow_inf_nan=False, ge=0, le=1e6)
    rtt: float | None = Field(default=None, allow_inf_nan=False, ge=0, le=1e6)
    samples: int = Field(default=0, ge=0, le=1_000_000)
    version: int | None = Field(default=None, ge=0)


class CommandMessage(_PageMessage):
    """A moderator's command on the live socket: the body its HTTP route takes.

    ``kind`` names the route: "speech" (the speaker's clock: start, pause,
    resume, extend, end, set the allotment), "floor" (grant, give, the
    queue, points of order, replies, questions, caucuses) or "programme"
    (open a segment, close a phase or the segment): what a console taps and
    must see land at once. ``body`` is checked as the route checks it
    (``app.api.parked.run_command``). Requests for the floor, inscriptions
    and the secretariat's commands go over HTTP.
    """

    type: Literal["command"]
    kind: Literal["speech", "floor", "programme"]
    body: dict[str, Any]


AnyPageMessage = PingMessage | ResumeMessage | ReportMessage | CommandMessage
PageMessage = Annotated[AnyPageMessage, Field(discriminator="type")]
PAGE_MESSAGE: TypeAdapter[AnyPageMessage] = TypeAdapter(PageMessage)


def read_page_message(text: str) -> AnyPageMessage:
    """Parse what a page sent. Raises pydantic's ValidationError."""
    return PAGE_MESSAGE.validate_json(text)
