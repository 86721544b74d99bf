"""Two or three consoles and a room of phones at once: the floor is never lost (issue 14).

The real server (uvicorn, on SQLite and on PostgreSQL) takes seeded random
commands from three consoles and ten phones at the same time over HTTP,
each decided on the room as its sender last read it, so many arrive stale:
grants and speech commands that name the speaker they expect, gives, undos,
strikes, requests and withdrawals, double taps, retries of the same id and a
few ids used again for another command. A secretariat screen records the
live stream. Afterwards:

* every command was answered 200 at most once (its retries: the same answer,
  a duplicate) or 4xx with a detail a person can read, never 5xx (M6);
* an id used again for another command after it was applied was refused (M6);
* no command was applied to a speaker other than the one it named (M1);
* every request that ever existed is accounted for by an event (heard,
  withdrawn, struck, closed), or still waits, or has the floor, and the
  stored events replay to the stored state (the record, R1, loses nothing);
* the live stream's versions have no gap and end at the room's version.

The clock is a FakeClock that the senders move a little before each command:
nothing waits for a timer, and the run is a few hundred commands.
"""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from app.access.roles import Role
from app.db.engine import make_engine
from app.queue import Event, FloorRequested, RoomState, replay
from app.record import Outcome, build_record
from app.room.store import RoomStore, StoredEvent, room_events
from tests.db.postgres import postgres_url  # noqa: F401  (a fixture)
from tests.fakes import FakeClock
from tests.live.harness import GUARD, Json, LiveServer, Screen, open_screen, serving
from tests.plans import START

SEED = 14
CONSOLE_COMMANDS = 30
PHONE_COMMANDS = 6  # with double taps and retries, within the 10 a minute a phone may send
PHONES = ("MEX", "MEX", "GHA", "GHA", "CHE", "CHE", "VAT", "IOM", "MADE", "MADE")


@dataclass
class Sent:
    """One command id: the bodies sent with it and the answers, in the order sent."""

    bodies: list[Json] = field(default_factory=list)
    answers: list[tuple[int, Json]] = field(default_factory=list)


@dataclass
class Room:
    """What the senders share: the server, the clock, and every command they sent."""

    server: LiveServer
    clock: FakeClock
    http: httpx.AsyncClient
    sent: dict[str, Sent] = field(default_factory=dict)

    async def view(self, token: str) -> Json:
        response = await self.http.get(
            f"{self.server.base}/api/rooms/{self.server.room_id}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=GUARD,
        )
        assert response.status_code == 200, response.text
        view: Json = response.json()
        return view

    async def send(self, token: str, route: str, command_id: str, body: Json) -> tuple[int, Json]:
        self.clock.advance(random.Random(command_id).uniform(0, 2))  # time moves on, seeded
        sent = self.sent.setdefault(command_id, Sent())
        sent.bodies.append({"route": route, **body})
        response = await self.http.post(
            f"{self.server.base}/api/rooms/{self.server.room_id}/{route}",
            json={"command_id": command_id, **body},
            headers={"Authorization": f"Bearer {token}"},
            timeout=GUARD,
        )
        answer = (response.status_code, response.json())
        sent.answers.append(answer)
        return answer


def _speaker(view: Json) -> str:
    return "" if view["speech"] is None else str(view["speech"]["speaker"]["id"])


async def console(room: Room, token: str, name: str, rng: random.Random) -> None:
    """A moderator's console: each tap decided on the room as it last read it."""
    last: str | None = None
    for n in range(CONSOLE_COMMANDS):
        view = await room.view(token)
        seen = _speaker(view)
        waiting = [r["id"] for r in view["queue"]]
        choices: list[tuple[str, Json]] = [
            ("floor", {"type": "grant", "expected_speaker": seen}),
            ("floor", {"type": "give", "name": "Chair of the RCP", "expected_speaker": seen}),
            ("speech", {"type": "start", "expected_speaker": seen}),
            ("speech", {"type": "pause", "expected_speaker": seen}),
            ("speech", {"type": "resume", "expected_speaker": seen}),
            ("speech", {"type": "extend", "seconds": 15, "expected_speaker": seen}),
            ("speech", {"type": "end", "expected_speaker": seen}),
            ("speech", {"type": "end", "expected_speaker": seen}),
            ("floor", {"type": "undo", "expected_speaker": seen}),
            ("floor", {"type": "undo", "expected_speaker": seen}),
            ("floor", {"type": "add_request", "delegation": rng.choice(PHONES)}),
        ]
        if waiting:
            target = rng.choice(waiting)
            choices += [
                ("floor", {"type": "grant", "request_id": target, "expected_speaker": seen}),
                ("floor", {"type": "strike", "request_id": target, "reason": "by mistake"}),
            ]
        route, body = rng.choice(choices)
        reused = last is not None and rng.random() < 0.1  # an id used again for another tap
        command_id = last if last is not None and reused else f"{name}-{n:04d}"
        await room.send(token, route, command_id, body)
        if rng.random() < 0.2:  # the page did not see the answer and sends it again
            await room.send(token, route, command_id, body)
        last = command_id


async def phone(room: Room, token: str, code: str, name: str, rng: random.Random) -> None:
    """A delegate's phone: requests, withdrawals, double taps and retries."""
    for n in range(PHONE_COMMANDS):
        view = await room.view(token)
        own = next((r["id"] for r in view["queue"] if r["delegation_id"] == code), None)
        request: Json = {"type": "request", "delegation": code}
        withdraw: Json = {"type": "withdraw", "delegation": code, "request_id": own}
        body = rng.choice([request, request, withdraw, {**withdraw, "request_id": None}])
        command_id = f"{name}-{n:04d}"
        if body is request and rng.random() < 0.3:  # a double tap: two ids at once
            await asyncio.gather(
                room.send(token, "requests", command_id, body),
                room.send(token, "requests", f"{command_id}-tap", body),
            )
        else:
            await room.send(token, "requests", command_id, body)
        if rng.random() < 0.2:
            await room.send(token, "requests", command_id, body)


async def _run(server: LiveServer, clock: FakeClock) -> tuple[Room, Screen]:
    room_id = server.room_id
    moderators = [server.token(Role.MODERATOR, room=room_id) for _ in range(2)]
    consoles = [*moderators, server.token(Role.SECRETARIAT)]
    phones = [server.token(Role.DELEGATE, delegation=code) for code in PHONES]
    screen = await open_screen(server.live_url(server.token(Role.SECRETARIAT)))
    await screen.next()  # the snapshot
    async with httpx.AsyncClient() as http:
        room = Room(server, clock, http)
        segment = {"type": "open_segment", "segment_id": server.seeded.action_group}
        assert (await room.send(consoles[0], "programme", "setup-open", segment))[0] == 200
        closing = {"type": "close_phase", "phase_key": "welcome"}
        assert (await room.send(consoles[0], "programme", "setup-welcome", closing))[0] == 200
        asked = {"type": "add_request", "delegation": "MEX"}
        assert (await room.send(consoles[0], "floor", "setup-asked", asked))[0] == 200
        grant = {"type": "grant", "expected_speaker": ""}
        assert (await room.send(consoles[0], "floor", "setup-grant", grant))[0] == 200
        stale, _ = await room.send(consoles[1], "floor", "setup-stale", grant)  # M1
        reused, _ = await room.send(consoles[1], "floor", "setup-asked", grant)  # M6
        assert (stale, reused) == (409, 409)
        rng = random.Random(SEED)
        await asyncio.gather(
            *(
                console(room, token, f"console{n}", random.Random(rng.random()))
                for n, token in enumerate(consoles)
            ),
            *(
                phone(room, token, code, f"phone{n}", random.Random(rng.random()))
                for n, (token, code) in enumerate(zip(phones, PHONES, strict=True))
            ),
        )
    version = server.on_server(lambda: server.runner().version)
    await screen.until_version(version)  # Folded.fold fails on any gap
    await screen.close()
    return room, screen


def _check_answers(sent: dict[str, Sent]) -> int:
    """M6: each id applied at most once, its retries duplicates; refusals are 4xx with a detail."""
    reused = 0
    for command_id, one in sent.items():
        applied: tuple[Json, Json] | None = None  # the body applied and its answer
        for body, (status, answer) in zip(one.bodies, one.answers, strict=True):
            assert status < 500, (command_id, body, answer)
            if status != 200:
                assert 400 <= status < 500
                assert isinstance(answer["detail"], str), answer
                assert answer["detail"], answer
                if applied is not None and body != applied[0]:
                    assert answer["error"] == "CommandIdReused", (command_id, answer)
                    reused += 1
                continue
            if applied is None and not answer["duplicate"]:
                applied = body, answer
                continue
            assert applied is not None, (command_id, "a duplicate of nothing applied", answer)
            assert body == applied[0], (command_id, "another command applied", body)
            assert answer == {**applied[1], "duplicate": True}, (command_id, answer)
    return reused


def _check_expectations(sent: dict[str, Sent], speakers_before: dict[int, str]) -> int:
    """M1: no applied command acted on a speaker other than the one it named."""
    checked = 0
    for command_id, one in sent.items():
        for body, (status, answer) in zip(one.bodies, one.answers, strict=True):
            expected = body.get("expected_speaker")
            if status != 200 or answer["duplicate"] or expected is None or not answer["events"]:
                continue
            assert speakers_before[answer["version"]] == expected, (command_id, body, answer)
            checked += 1
    return checked


def _speakers_before(events: list[StoredEvent], room_id: int) -> tuple[dict[int, str], RoomState]:
    """Who had the floor before each version, replaying the stored events version by version."""
    by_version: dict[int, list[Event]] = defaultdict(list)
    for stored in events:
        by_version[stored.version].append(stored.event)
    state, before = RoomState(str(room_id)), {}
    for version in sorted(by_version):
        before[version] = "" if state.speech is None else state.speech.speaker.id
        state = replay(state, by_version[version])
    return before, state


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | None]:
    if request.param == "sqlite":
        yield None  # the harness's own SQLite file
    else:
        yield request.getfixturevalue("postgres_url")


def test_M1_M6_consoles_and_phones_at_once_never_lose_the_floor(
    tmp_path: Path, database_url: str | None
) -> None:
    clock = FakeClock(START)
    with serving(tmp_path, clock=clock, database_url=database_url) as server:
        room, screen = asyncio.run(_run(server, clock))
        engine = make_engine(server.database_url)
        try:
            with Session(engine) as session:
                events = room_events(session, server.room_id)
            stored, version = RoomStore(engine).load(server.room_id)
        finally:
            engine.dispose()

    assert _check_answers(room.sent) > 0  # some ids were used again, and refused
    speakers, replayed = _speakers_before(events, server.room_id)
    assert replayed == stored
    assert _check_expectations(room.sent, speakers) > 0
    statuses = [status for one in room.sent.values() for status, _ in one.answers]
    assert statuses.count(200) > 0
    assert any(status == 409 for status in statuses)  # stale taps were refused, not applied
    record = build_record(e.event for e in events)
    waiting = {r.id for r in stored.queue.waiting}
    for line in (i for i in record if i.request_id is not None):
        if line.outcome is Outcome.WAITING:
            assert line.request_id in waiting, _story(events, line.request_id)  # R1
        elif line.outcome is Outcome.SPEAKING:
            assert stored.speech is not None
            assert stored.speech.request_id == line.request_id, _story(events, line.request_id)
        elif line.outcome is Outcome.NOT_HEARD:
            assert line.closed_reason, line  # closed by an event that says why
    asked = {e.event.request.id for e in events if isinstance(e.event, FloorRequested)}
    assert asked == {i.request_id for i in record if i.request_id is not None}
    assert screen.version == version
    assert screen.room is not None
    assert [r["id"] for r in screen.room["queue"]] == [r.id for r in stored.queue.waiting]


def _story(events: list[Any], request_id: str | None) -> str:
    """The events that name ``request_id`` (and every undo), for a failure's message."""
    lines = []
    for stored in events:
        text = repr(stored.event)
        if (request_id and request_id in text) or type(stored.event).__name__ == "FloorRestored":
            lines.append(f"v{stored.version} {text[:600]}")
    return "\n".join(lines)
