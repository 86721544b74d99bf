"""What the server sends on the live channel is what docs/protocol.schema.json says.

Every message that every kind of screen receives in a session that exercises
the whole protocol (snapshot, each kind of change, a resume in-band and by
reconnecting, pongs, heartbeats, errors) is validated against the schema;
the page's own messages, as ``room.js`` builds them, against the page half;
and the examples of ``docs/protocol.md`` against both.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import httpx
import jsonschema
import pytest

from app.access.roles import Role
from tests.live.harness import (
    ROOT,
    AsyncModerator,
    Json,
    LiveServer,
    Screen,
    open_screen,
    serving,
    validator,
)

SERVER_TYPES = {"snapshot", "resumed", "change", "pong", "heartbeat", "error", "ack"}
PAGE_TYPES = {"ping", "resume", "report", "command"}


async def _whole_protocol(server: LiveServer) -> dict[str, list[Json]]:
    """Every message each screen got in a session that uses every message type."""
    room = server.room_id
    tokens = {
        "moderator": server.token(Role.MODERATOR, room=room),
        "secretariat": server.token(Role.SECRETARIAT),
        "delegate": server.token(Role.DELEGATE, delegation="MEX"),
        "display": server.token(Role.DISPLAY, room=room),
        "display (deflate)": server.token(Role.DISPLAY, room=room),
    }
    screens: dict[str, Screen] = {}
    for name, token in tokens.items():
        screens[name] = await open_screen(server.live_url(token), deflate="deflate" in name)
        assert (await screens[name].next())["type"] == "snapshot"
    async with httpx.AsyncClient() as http:
        moderator = AsyncModerator(server, http)
        await moderator.open_and_start()
        for code in ("MEX", "GHA", "CHE", "VAT", "IOM", "MADE"):
            await moderator.command("floor", {"type": "add_request", "delegation": code})
        await moderator.clock_commands(4)
        # O1, O3: a point of order waiting, heard (the speech held), ruled; a list closed
        await moderator.command("requests", {"type": "point_of_order", "delegation": "GHA"})
        await moderator.command("floor", {"type": "hear_point"})
        await moderator.command("floor", {"type": "rule_point", "ruling": "Ruled in order"})
        await moderator.command("speech", {"type": "resume"})
        await moderator.command("floor", {"type": "close_list", "phase_key": "member_states"})
        await moderator.command("floor", {"type": "reopen_list", "phase_key": "member_states"})
        await moderator.command("speech", {"type": "end"})
        await moderator.command("programme", {"type": "close_phase"})
        await moderator.command("floor", {"type": "grant"})
        await moderator.command("speech", {"type": "start"})  # the last two changes are
        await moderator.command("speech", {"type": "pause"})  # small: resumes beat a snapshot
    last = moderator.versions[-1]
    held: dict[str, Screen] = {}
    for name, screen in screens.items():
        await screen.until_version(last)
        await screen.send({"type": "ping", "t0": 1512405899.25})
        await screen.until(lambda m: m["type"] == "pong")
        await screen.send({"type": "hello"})
        await screen.until(lambda m: m["type"] == "error")
        assert screen.socket is not None
        await screen.socket.send(b"\x00binary")
        await screen.until(lambda m: m["type"] == "error")
        await screen.send({"type": "resume", "version": last - 2})
        await screen.until(lambda m: m["type"] == "resumed")
        await screen.until_version(last)
        await screen.until(lambda m: m["type"] == "heartbeat")
        await screen.send({"type": "report", "offset": 0.012, "rtt": 0.004, "samples": 3})
        command_id = f"schema-{name}-0001"  # the console's may run it; a wall's, a phone's not
        body = {"command_id": command_id, "type": "extend", "seconds": 5}
        await screen.send({"type": "command", "kind": "speech", "body": body})
        await screen.until(lambda m: m.get("command_id") == command_id)  # noqa: B023
        held[name] = screen
    for name, token in tokens.items():  # reconnect: missed changes, then a too-old version
        again = await open_screen(server.live_url(token, since=last - 1), held=held[name])
        assert (await again.next())["type"] == "resumed"
        await again.until_version(last)
        stale = await open_screen(server.live_url(token, since=last + 5))
        assert (await stale.next())["type"] == "snapshot"
        held[name].messages += again.messages + stale.messages
        for screen in (again, stale, held[name]):
            await screen.close()
    return {name: screen.messages for name, screen in held.items()}


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Json]]:
    with serving(tmp_path_factory.mktemp("live-schema"), live_heartbeat_seconds=0.2) as server:
        return asyncio.run(_whole_protocol(server))


def test_every_message_sent_to_every_role_validates_against_the_schema(
    session: dict[str, list[Json]],
) -> None:
    check = validator("server_message")
    for name, messages in session.items():
        # only a socket with the moderator's view may run a command: only it gets an ack
        expected = SERVER_TYPES if name in ("moderator", "secretariat") else SERVER_TYPES - {"ack"}
        assert {m["type"] for m in messages} == expected, name
        for message in messages:
            problems = [e.message for e in check.iter_errors(message)]
            assert not problems, (name, message, problems)


def test_O1_O3_the_session_sends_a_point_heard_with_its_held_speech_and_a_closed_list(
    session: dict[str, list[Json]],
) -> None:
    """The checks here saw the procedure's objects filled, not only empty, on every view."""
    for name, messages in session.items():
        patches = [m["room"].get("procedure", {}) for m in messages if m["type"] == "change"]
        assert any(p.get("point") and p.get("held") for p in patches), name
        lists = [item for p in patches for item in p.get("lists", [])]
        assert any(item["closed"] for item in lists), name


def test_each_snapshot_validates_against_its_own_roles_room_schema(
    session: dict[str, list[Json]],
) -> None:
    views = {
        "moderator": "moderator",
        "secretariat": "moderator",
        "delegate": "delegate",
        "display": "display",
    }
    for name, messages in session.items():
        view = views[name.split(" ")[0]]
        check = validator(f"room_{view}")
        for message in messages:
            if message["type"] == "snapshot":
                assert message["viewer"]["view"] == view
                check.validate(message["room"])


def test_the_schema_refuses_moderator_details_on_a_display(
    session: dict[str, list[Json]],
) -> None:
    """The schema has teeth: the moderator's snapshot is not a valid display snapshot."""
    snapshot = next(m for m in reversed(session["moderator"]) if m["type"] == "snapshot")
    assert snapshot["room"]["queue"], "the check needs a queue with moderator details"
    relabelled = {**snapshot, "viewer": {**snapshot["viewer"], "view": "display"}}
    with pytest.raises(jsonschema.ValidationError):
        validator("server_message").validate(relabelled)


#: What room.js sends (app/web/static/shared/room.js: ping, sample's report, receive's resume).
PAGE_MESSAGES: list[Json] = [
    {"type": "ping", "t0": 1764619200.125},
    {
        "type": "report",
        "offset": -0.0042,
        "uncertainty": 0.0011,
        "rtt": 0.0023,
        "samples": 7,
        "version": 12,
    },
    {"type": "report", "offset": 0, "uncertainty": 0, "rtt": 0, "samples": 1, "version": None},
    {"type": "resume", "version": 12},
]


def test_the_pages_messages_validate_and_the_server_takes_them_without_an_error(
    tmp_path: Path,
) -> None:
    check = validator("page_message")
    for message in PAGE_MESSAGES:
        check.validate(message)

    async def send_all(server: LiveServer) -> list[Json]:
        screen = await open_screen(server.live_url(server.tokens()[Role.DISPLAY]))
        await screen.next()
        for message in PAGE_MESSAGES:
            await screen.send(message)
        await screen.send({"type": "ping", "t0": 1.0})  # the fence: everything before is read
        await screen.until(lambda m: m["type"] == "pong" and m["t0"] == 1.0)
        await screen.close()
        return screen.messages

    with serving(tmp_path) as server:
        messages = asyncio.run(send_all(server))
    assert "error" not in {m["type"] for m in messages}


def _documented_examples() -> list[Json]:
    text = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)```", text, flags=re.DOTALL)
    return [json.loads(block) for block in blocks]


def test_every_example_in_the_protocol_document_validates_against_the_schema() -> None:
    examples = _documented_examples()
    server, page = validator("server_message"), validator("page_message")
    kinds = set()
    for example in examples:
        kinds.add(example["type"])
        target = page if example["type"] in PAGE_TYPES else server
        problems = [e.message for e in target.iter_errors(example)]
        assert not problems, (example, problems)
    assert kinds == SERVER_TYPES | PAGE_TYPES
