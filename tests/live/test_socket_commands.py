"""A console's commands on the live socket (issue 18: a command without the HTTP stack).

The same command as over HTTP (T6: start, pause, resume, extend, end; the
floor's and the programme's, a delegation or a segment looked up alike), the
same rule (RUN_ROOM: the room's moderator, or the secretariat), the same
idempotency by ``command_id`` (M6), whichever way a retry comes, and the
same acknowledgement after the commit. Real uvicorn (the parked path), and
the test client for the ASGI path.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import Engine

from app.access.roles import Principal, Role
from tests.api_client import bearer
from tests.api_client import serving as api_serving
from tests.builders import seed_meeting
from tests.live.harness import AsyncModerator, Json, LiveServer, Screen, open_screen, serving


async def _console(server: LiveServer) -> Screen:
    console = await open_screen(server.live_url(server.tokens()[Role.MODERATOR]))
    await console.until(lambda m: m["type"] == "snapshot")
    return console


async def _answer(screen: Screen, command_id: str) -> Json:
    return await screen.until(
        lambda m: m["type"] in ("ack", "error") and m.get("command_id") == command_id
    )


def _command(command_id: str, kind: str = "speech", **body: Any) -> Json:
    return {"type": "command", "kind": kind, "body": {"command_id": command_id, **body}}


def test_t6_a_pause_sent_on_the_console_socket_is_acknowledged_after_its_change(
    tmp_path: Path,
) -> None:
    async def run(server: LiveServer) -> tuple[Json, list[Json], Json]:
        async with httpx.AsyncClient() as http:
            await AsyncModerator(server, http).open_and_start()
        console = await _console(server)
        wall = await open_screen(server.live_url(server.tokens()[Role.DISPLAY]))
        await wall.until(lambda m: m["type"] == "snapshot")
        await console.send(_command("sock-0001", type="pause"))
        ack = await _answer(console, "sock-0001")
        before_ack = [m for m in console.messages if m["type"] == "change"]
        change = await wall.until(lambda m: m["type"] == "change")
        await console.close()
        await wall.close()
        return ack, before_ack, change

    with serving(tmp_path) as server:
        ack, changes, wall_change = asyncio.run(run(server))
    assert ack["type"] == "ack"
    assert ack["ack"]["events"] == ["SpeechPaused"]
    assert ack["ack"]["duplicate"] is False
    assert changes[-1]["version"] == ack["ack"]["version"]  # the change came first
    assert wall_change["version"] == ack["ack"]["version"]
    assert ack["version"] == ack["ack"]["version"]  # the last version this socket was sent


def test_m6_a_retry_on_the_socket_or_over_http_is_answered_and_applied_once(
    tmp_path: Path,
) -> None:
    async def run(server: LiveServer) -> tuple[Json, Json, Json]:
        async with httpx.AsyncClient() as http:
            await AsyncModerator(server, http).open_and_start()
            console = await _console(server)
            await console.send(_command("sock-0002", type="extend", seconds=30))
            first = await _answer(console, "sock-0002")
            await console.send(_command("sock-0002", type="extend", seconds=30))
            again = await _answer(console, "sock-0002")
            await console.close()
            response = await http.post(
                f"{server.base}/api/rooms/{server.room_id}/speech",
                json={"command_id": "sock-0002", "type": "extend", "seconds": 30},
                headers=bearer(server.tokens()[Role.MODERATOR]),
            )
            return first, again, response.json()

    with serving(tmp_path) as server:
        first, again, over_http = asyncio.run(run(server))
    assert first["ack"]["duplicate"] is False
    assert again["ack"]["duplicate"] is True
    assert again["ack"]["version"] == first["ack"]["version"]
    assert over_http["duplicate"] is True
    assert over_http["version"] == first["ack"]["version"]


def test_s9_a_wall_or_a_phone_cannot_command_the_room_on_its_socket(tmp_path: Path) -> None:
    async def run(server: LiveServer) -> list[Json]:
        answers = []
        for role in (Role.DISPLAY, Role.DELEGATE):
            page = await open_screen(server.live_url(server.tokens()[role]))
            await page.until(lambda m: m["type"] == "snapshot")
            await page.send(_command(f"sock-for-{role.value}", type="start"))
            answers.append(await _answer(page, f"sock-for-{role.value}"))
            await page.close()
        return answers

    with serving(tmp_path) as server:
        answers = asyncio.run(run(server))
        version = server.on_server(lambda: server.runner().version)
    assert [a["status"] for a in answers] == [403, 403]
    assert {a["code"] for a in answers} == {"access.run_room"}
    assert version == 0  # nothing applied


def test_t6_a_command_the_engine_or_the_schema_refuses_gets_the_http_status_and_the_reason(
    tmp_path: Path,
) -> None:
    async def run(server: LiveServer) -> tuple[Json, Json, Json]:
        console = await _console(server)
        await console.send(_command("sock-0003", type="pause"))  # no speech is running
        refused = await _answer(console, "sock-0003")
        await console.send(_command("sock-0004", type="extend", seconds="a lot"))
        invalid = await _answer(console, "sock-0004")
        await console.send({"type": "command", "kind": "requests", "body": {"type": "request"}})
        unknown = await console.until(lambda m: m["type"] == "error")
        await console.close()
        return refused, invalid, unknown

    with serving(tmp_path) as server:
        refused, invalid, unknown = asyncio.run(run(server))
    assert refused["status"] == 409
    assert refused["code"] != "request.invalid"
    assert invalid["status"] == 422
    assert invalid["code"] == "request.invalid"
    assert "seconds" in invalid["params"]["problems"]
    assert unknown["code"] == "channel.invalid"  # a phone's request does not come this way
    assert "kind" in unknown["params"]["problems"]


def test_t6_a_command_on_a_socket_the_test_client_holds_is_run_too(
    sqlite_url: str, engine: Engine
) -> None:
    """The ASGI path (no frame sink: the route's own task answers the command)."""
    with api_serving(sqlite_url, seed_meeting(engine)) as api:
        api.do("programme", {"type": "open_segment", "segment_id": api.seeded.action_group})
        api.do("floor", {"type": "grant"})
        token = api.issue(Principal(Role.MODERATOR, room_id=api.room)).token
        with api.client.websocket_connect(f"/api/rooms/{api.room}/live?token={token}") as live:
            assert live.receive_json()["type"] == "snapshot"
            live.send_json(_command("sock-0005", type="start"))
            answer = live.receive_json()
            while answer["type"] not in ("ack", "error"):
                answer = live.receive_json()
        version = api.view()["version"]
    assert answer["type"] == "ack"
    assert answer["command_id"] == "sock-0005"
    assert answer["ack"]["events"] == ["SpeechStarted"]
    assert answer["ack"]["version"] == version


def test_c1_p2_the_programme_and_the_floor_are_run_on_the_console_socket_as_over_http(
    tmp_path: Path,
) -> None:
    """A segment opened by its id, a request added for a delegation by its code (both looked
    up as the routes look them up), the floor granted: each acked after its change; an
    unknown delegation is refused as the route refuses it (404), with the command's id."""

    async def run(server: LiveServer) -> tuple[list[Json], Json, Json]:
        console = await _console(server)
        segment = server.seeded.action_group
        sent = [
            _command("sock-0101", "programme", type="open_segment", segment_id=segment),
            _command("sock-0102", "floor", type="add_request", delegation="MEX"),
            _command("sock-0103", "floor", type="grant"),
        ]
        acks = []
        for message in sent:
            await console.send(message)
            acks.append(await _answer(console, message["body"]["command_id"]))
        await console.send(_command("sock-0104", "floor", type="add_request", delegation="ATL"))
        unknown = await _answer(console, "sock-0104")
        await console.close()
        wall = await open_screen(server.live_url(server.tokens()[Role.MODERATOR]))
        snapshot = await wall.until(lambda m: m["type"] == "snapshot")
        await wall.close()
        return acks, unknown, snapshot

    with serving(tmp_path) as server:
        acks, unknown, view = asyncio.run(run(server))
    assert [a["type"] for a in acks] == ["ack", "ack", "ack"]
    assert "SegmentOpened" in acks[0]["ack"]["events"]
    assert acks[1]["ack"]["events"] == ["FloorRequested"]
    assert "FloorGranted" in acks[2]["ack"]["events"]
    assert view["version"] == acks[2]["ack"]["version"]  # nothing else changed the room
    assert [q["delegation_id"] for q in view["room"]["queue"]] == ["MEX"]  # after the welcome
    assert view["room"]["speech"]["status"] == "allotted"  # the floor given: the programme's
    assert unknown["type"] == "error"
    assert unknown["status"] == 404
    assert unknown["command_id"] == "sock-0104"
