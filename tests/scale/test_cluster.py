"""Three processes behind nginx on real PostgreSQL and Redis: one meeting, served by all (issue 17).

The topology is ``tests/scale/cluster.py``'s (that of ``deploy/compose.yaml``),
started once for the module: the demo's rehearsal, its welcome ceremony open
and its first speech running. Each test then adds changes with ``extend``
(valid whatever came before, one new version each) and checks what every
screen received: each version once, in order, or a snapshot at the right
version. The process kill comes last; a test that finds a process down
starts it again first.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from app.access.roles import Role
from tests.scale.cluster import Cluster, bearer, running_cluster
from tests.scale.screens import GUARD, Json, LiveScreen, screens_at, until

pytestmark = [pytest.mark.slow, pytest.mark.anyio]

EXTEND = {"type": "extend", "seconds": 10}
WARNING_SECONDS = 30  # T5: the demo's warning_seconds (docs/rules.md)
WARNING_IN = 8.0  # seconds from the short speech's start to its warning: after the lease moved


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with running_cluster(Path(tmp_path_factory.mktemp("cluster"))) as running:
        yield running


@pytest.fixture
async def http(cluster: Cluster) -> AsyncIterator[httpx.AsyncClient]:
    cluster.revive()  # a test that failed midway may have left a process down
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def moderator(cluster: Cluster) -> dict[str, str]:
    return bearer(cluster.token(Role.MODERATOR))


@pytest.fixture
async def speech(cluster: Cluster, http: httpx.AsyncClient, moderator: dict[str, str]) -> int:
    """The welcome ceremony open and its first speech running (once); the room's version."""
    view = (
        await http.get(f"{cluster.nginx}/api/rooms/{cluster.room_id}", headers=moderator)
    ).json()
    if view["speech"] is None or view["speech"]["status"] != "running":
        first = cluster.backends[0].base
        body = {"type": "open_segment", "segment_id": cluster.segment_id}
        await cluster.command(http, first, "programme", body, moderator)
        await cluster.command(http, first, "floor", {"type": "grant"}, moderator)
        await cluster.command(http, first, "speech", {"type": "start"}, moderator)
    return cluster.recorded()[-1][0]  # the database's, whichever process answered the view


async def displays(cluster: Cluster, bases: list[str], version: int) -> list[LiveScreen]:
    """One display on each of ``bases``, each holding ``version`` (its snapshot, or later)."""
    token = cluster.token(Role.DISPLAY)
    screens = [LiveScreen(cluster.room_id, token, cluster.origin) for _ in bases]
    for screen, base in zip(screens, bases, strict=True):
        await screen.open(base)
    await screens_at(screens, version)
    return screens


async def close(screens: list[LiveScreen]) -> None:
    for screen in screens:
        await screen.close()


async def test_a_command_sent_to_one_process_reaches_the_displays_on_the_others_in_order(
    cluster: Cluster, http: httpx.AsyncClient, moderator: dict[str, str], speech: int
) -> None:
    one, two, three = (backend.base for backend in cluster.backends)
    screens = await displays(cluster, [two, two, three, three, one], speech)
    before = [len(screen.changes()) for screen in screens]

    acked = [
        (await cluster.command(http, one, "speech", EXTEND, moderator))["version"] for _ in range(6)
    ]
    await screens_at(screens, acked[-1])

    assert acked == list(range(speech + 1, speech + 7))
    for screen, already in zip(screens, before, strict=True):
        assert screen.changes()[already:] == acked, screen.reached  # none missed, none twice
        assert [kind for kind, _ in screen.seen].count("snapshot") == 1  # never resynced
    await close(screens)


async def test_a_revocation_on_one_process_closes_the_token_s_sockets_on_the_others(
    cluster: Cluster, http: httpx.AsyncClient, speech: int
) -> None:
    one, two, three = (backend.base for backend in cluster.backends)
    secretariat = bearer(cluster.token(Role.SECRETARIAT))
    issued = await http.post(
        f"{one}/api/credentials",
        json={"role": "display", "room_id": cluster.room_id, "label": "hall B"},
        headers=secretariat,
    )
    assert issued.status_code == 201, issued.text
    revoked_token = issued.json()["token"]
    doomed = [LiveScreen(cluster.room_id, revoked_token, cluster.origin) for _ in range(3)]
    for screen, base in zip(doomed, [two, three, one], strict=True):
        await screen.open(base)
    kept = await displays(cluster, [two, three], speech)
    await screens_at(doomed, speech)

    answer = await http.post(
        f"{one}/api/credentials/{issued.json()['id']}/revoke", headers=secretariat
    )

    assert answer.status_code == 200, answer.text
    await until(lambda: all(s.closed is not None for s in doomed), "every revoked socket closed")
    assert [screen.closed for screen in doomed] == [4403, 4403, 4403]
    assert [screen.closed for screen in kept] == [None, None]  # another token: still open
    refused = await http.get(f"{three}/api/rooms/{cluster.room_id}", headers=bearer(revoked_token))
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "token.revoked"  # known there too, not only closed
    await close([*doomed, *kept])


async def health_once_redis_is(http: httpx.AsyncClient, base: str, redis: str) -> httpx.Response:
    """``/api/health`` of ``base`` once it says ``redis``: its relay noticed the change."""
    deadline = asyncio.get_running_loop().time() + GUARD
    while True:
        answer = await http.get(f"{base}/api/health")
        if answer.json().get("redis") == redis:
            return answer
        assert asyncio.get_running_loop().time() < deadline, f"health never said redis {redis}"
        await asyncio.sleep(0.1)


async def test_a_redis_outage_loses_nothing_and_every_screen_ends_at_the_latest_version(
    cluster: Cluster, http: httpx.AsyncClient, moderator: dict[str, str], speech: int
) -> None:
    one, two, three = (backend.base for backend in cluster.backends)
    screens = await displays(cluster, [one, two, three], speech)
    on_one, on_two, _ = screens

    cluster.redis.cut()
    cut = await health_once_redis_is(http, two, "unreachable")
    assert (cut.status_code, cut.json()["status"]) == (200, "degraded")  # not taken out for it
    acks = [await cluster.command(http, one, "speech", EXTEND, moderator)]
    await on_one.at_version(acks[-1]["version"])  # its own process's screen keeps up
    acks.append(await cluster.command(http, two, "speech", EXTEND, moderator))
    await on_two.at_version(acks[-1]["version"])  # another process: decided on the row, resynced
    acks.append(await cluster.command(http, one, "speech", EXTEND, moderator))
    await on_one.at_version(acks[-1]["version"])
    cluster.redis.restore()
    await screens_at(screens, acks[-1]["version"])  # the relay is back: each process caught up
    back = await health_once_redis_is(http, two, "ok")
    assert (back.status_code, back.json()["status"]) == (200, "ok")
    acks.append(await cluster.command(http, three, "speech", EXTEND, moderator))
    await screens_at(screens, acks[-1]["version"])  # and fans out again

    latest = acks[-1]["version"]
    assert [ack["version"] for ack in acks] == list(range(speech + 1, speech + 5))
    for ack in acks:  # every acknowledged command is in the record, at its version
        assert cluster.acknowledged(ack["command_id"]) == ack["version"]
    recorded = cluster.recorded()
    assert sorted({version for version, _ in recorded}) == list(range(1, latest + 1))
    assert [kind for version, kind in recorded if version > speech] == ["SpeechExtended"] * 4
    assert all(screen.version == latest for screen in screens)
    await close(screens)


async def short_speech(
    cluster: Cluster, http: httpx.AsyncClient, moderator: dict[str, str], warning_in: float
) -> Json:
    """The next programme speaker, given an allotment whose T5 warning is ``warning_in`` s after
    the start, started: the start's acknowledgement."""
    first = cluster.backends[0].base
    await cluster.command(http, first, "speech", {"type": "end"}, moderator)
    await cluster.command(http, first, "floor", {"type": "grant"}, moderator)
    seconds = WARNING_SECONDS + warning_in
    await cluster.command(
        http, first, "speech", {"type": "set_allotment", "seconds": seconds}, moderator
    )
    return await cluster.command(http, first, "speech", {"type": "start"}, moderator)


async def test_T5_the_lease_holder_killed_mid_speech_its_screens_resume_elsewhere_it_warns_once(
    cluster: Cluster, http: httpx.AsyncClient, moderator: dict[str, str], speech: int
) -> None:
    started = await short_speech(cluster, http, moderator, warning_in=WARNING_IN)
    start = started["version"]
    await until(lambda: cluster.lease_holder() is not None, "a process holding the lease")
    victim = cluster.lease_holder()
    assert victim is not None
    survivors = [backend for backend in cluster.backends if backend is not victim]
    victims = await displays(cluster, [victim.base, victim.base], start)
    witness = (await displays(cluster, [survivors[0].base], start))[0]
    assert victims[0].room is not None
    deadline = victims[0].room["speech"]["ends_at"]
    speaker = victims[0].room["speech"]["speaker"]

    victim.kill()  # before the warning is due: another process must give it
    for screen in victims:
        await screen.dropped()
        await screen.reconnect(cluster.nginx)  # as a page does: `since` = the version it holds
    await screens_at(victims, start)

    for screen in victims:
        assert screen.room is not None
        assert screen.seen[-1] in (("resumed", start), ("snapshot", start))
        assert screen.room["speech"]["status"] == "running"
        assert screen.room["speech"]["speaker"] == speaker
        assert screen.room["speech"]["ends_at"] == deadline  # the deadline survived the kill
    lease_seconds = 5.0  # FLOORKEEPER_SCHEDULER_LEASE_SECONDS, the default: moved within it
    await until(
        lambda: cluster.lease_holder() in survivors, "the lease moved", GUARD + lease_seconds
    )
    heir = cluster.lease_holder()
    assert heir is not None
    took = f"took the scheduler lease of room {cluster.room_id}"
    await until(lambda: took in heir.logged(), f"{heir.name} saying it {took}")
    await until(
        lambda: "WarningReached" in [kind for v, kind in cluster.recorded() if v > start],
        "the warning, given by the survivor holding the lease",
        seconds=WARNING_IN + GUARD,
    )
    acked = [
        (await cluster.command(http, cluster.nginx, "speech", EXTEND, moderator))["version"]
        for _ in range(3)
    ]
    await screens_at([*victims, witness], acked[-1])

    recorded = [(v, kind) for v, kind in cluster.recorded() if v > start]
    assert [kind for _, kind in recorded].count("WarningReached") == 1  # once, by one process
    warned = next(v for v, kind in recorded if kind == "WarningReached")
    assert sorted({v for v, _ in recorded}) == list(range(start + 1, acked[-1] + 1))
    assert acked == list(range(warned + 1, warned + 4))
    for screen in [*victims, witness]:
        # each version once, in order; nginx sends each command to the next process, which
        # may not have followed the one before yet: it decides on the row (PostgreSQL) and
        # sends its screens a snapshot at the right version instead
        assert screen.received_in_order(start, acked[-1]), (screen.reached, screen.seen)
        assert screen.events.get(warned, ["WarningReached"]) == ["WarningReached"]
        assert screen.room is not None
        assert screen.room["speech"]["ends_at"] == deadline + 30  # three extensions of 10 s
    await close([*victims, witness])
