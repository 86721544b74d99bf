"""A screen gets only what its role may see, in its snapshot and in every change.

The field sets come from ``app.live.view.room_view`` for each role, computed on the
server's own state, so the test follows the definition rather than a copy of
it: a display and a delegate must never receive a key that only the
moderator's view has, anywhere in any message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus

from app.access.roles import Role
from app.live.view import DISPLAY_NEXT
from tests.live.harness import AsyncModerator, Json, LiveServer, Screen, open_screen, serving

DELEGATIONS = ("MEX", "GHA", "CHE", "VAT", "IOM", "MADE")  # one more than a display shows


def _queue_keys(room: Json) -> Iterator[str]:
    """Every key of every queue item in a room or a patch (where the moderator's extras live)."""
    for item in room.get("queue") or []:
        yield from item


def _rooms(screen: Screen) -> list[Json]:
    """The room (snapshot) or patch (change) of every message the screen got."""
    return [m["room"] for m in screen.messages if m["type"] in ("snapshot", "change")]


async def _session(server: LiveServer) -> dict[str, Screen]:
    room = server.room_id
    tokens = {
        "moderator": server.token(Role.MODERATOR, room=room),
        "secretariat": server.token(Role.SECRETARIAT),
        "rapporteur": server.token(Role.RAPPORTEUR, room=room),
        "delegate": server.token(Role.DELEGATE, delegation="MEX"),
        "display": server.token(Role.DISPLAY, room=room),
    }
    screens = {name: await open_screen(server.live_url(token)) for name, token in tokens.items()}
    for screen in screens.values():
        await screen.next()
    async with httpx.AsyncClient() as http:
        moderator = AsyncModerator(server, http)
        await moderator.open_and_start()
        for code in DELEGATIONS:
            await moderator.command("floor", {"type": "add_request", "delegation": code})
        await moderator.command(
            "floor", {"type": "set_request_allotment", "request_id": "1.2", "seconds": 120}
        )
        await moderator.command("floor", {"type": "move", "request_id": "1.6", "to": 0})
        await moderator.clock_command(0)
    for screen in screens.values():
        await screen.until_version(moderator.versions[-1])
        await screen.close()
    return screens


@pytest.fixture(scope="module")
def seen(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Screen], dict[Role, Json]]:
    """Each screen's messages, and ``room_view`` of each role on the server's final state."""
    with serving(tmp_path_factory.mktemp("live-roles")) as server:
        screens = asyncio.run(_session(server))
        views = {
            role: server.on_server(lambda role=role: server.runner().view(role))  # type: ignore[misc]
            for role in (Role.MODERATOR, Role.DELEGATE, Role.DISPLAY)
        }
    return screens, views


def _item_keys(view: Json) -> set[str]:
    assert view["queue"], "the check needs a waiting request"
    return set(view["queue"][0])


def test_a_display_and_a_delegate_never_receive_a_moderator_only_field(
    seen: tuple[dict[str, Screen], dict[Role, Json]],
) -> None:
    screens, views = seen
    moderator_only = _item_keys(views[Role.MODERATOR]) - _item_keys(views[Role.DISPLAY])
    assert moderator_only >= {"rank", "requested_at", "on_behalf", "override_seconds"}
    for name in ("display", "delegate"):
        for room in _rooms(screens[name]):
            assert not set(_queue_keys(room)) & moderator_only, (name, room)
            assert room.get("cut_off") is None, (name, room)  # C3's cut-off line: moderator only
    received = set().union(*(set(_queue_keys(room)) for room in _rooms(screens["moderator"])))
    assert moderator_only <= received  # the moderator does get them: the check has teeth


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("moderator", Role.MODERATOR),
        ("secretariat", Role.MODERATOR),
        ("rapporteur", Role.MODERATOR),
        ("delegate", Role.DELEGATE),
        ("display", Role.DISPLAY),
    ],
)
def test_each_role_gets_exactly_the_fields_of_its_view(
    seen: tuple[dict[str, Screen], dict[Role, Json]], name: str, role: Role
) -> None:
    screens, views = seen
    screen, view = screens[name], views[role]
    snapshot = screen.messages[0]
    assert snapshot["viewer"]["view"] == role.value
    expected_top = set(view) - {"version", "server_time"}  # carried by the message itself
    assert set(snapshot["room"]) == expected_top
    item_keys = _item_keys(view)
    for room in _rooms(screen):
        assert set(room) <= expected_top
        for item in room.get("queue") or []:
            assert set(item) == item_keys, (name, item)
        if role is Role.DISPLAY:
            assert len(room.get("queue") or []) <= DISPLAY_NEXT
    final = {key: value for key, value in view.items() if key in expected_top}
    assert screen.room == final  # what it holds is its role's view of the room, exactly


def test_a_delegate_is_told_its_own_delegation_and_a_display_none(
    seen: tuple[dict[str, Screen], dict[Role, Json]],
) -> None:
    screens, _views = seen
    assert screens["delegate"].messages[0]["viewer"]["delegation"] == "MEX"
    assert screens["display"].messages[0]["viewer"]["delegation"] is None
    assert len(screens["display"].room["queue"] if screens["display"].room else []) == DISPLAY_NEXT
    assert screens["delegate"].room is not None
    assert len(screens["delegate"].room["queue"]) == len(DELEGATIONS)


def test_a_screen_without_a_credential_for_the_room_is_refused_before_the_upgrade(
    tmp_path: Path,
) -> None:
    async def statuses(server: LiveServer) -> list[int]:
        other_room = server.seeded.rooms[1]
        urls = [
            server.live_url("not-a-token"),
            server.live_url(server.token(Role.DISPLAY, room=other_room)),
            server.live_url(server.token(Role.MODERATOR, room=other_room)),
            server.live_url(server.tokens()[Role.DISPLAY], room=999),
        ]
        found = []
        for url in urls:
            with pytest.raises(InvalidStatus) as refused:
                await open_screen(url)
            found.append(refused.value.response.status_code)
        return found

    with serving(tmp_path) as server:
        assert asyncio.run(statuses(server)) == [403, 403, 403, 404]
