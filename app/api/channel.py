"""The live channel: one websocket per screen, per room, for every role (S8, S9, T6).

Theory of operation
-------------------
``/api/rooms/{room_id}/live?token=…[&since=V][&label=…]``

1. Before the upgrade is accepted: the token must be valid for this room
   (the route's rule, ``WATCH_ROOM``, meeting scope included), and a
   browser's ``Origin`` must be one the service allows (``app.access.origins``:
   its own, or ``FLOORKEEPER_ALLOWED_ORIGINS``; never the ``Host`` header). A
   refusal is an HTTP answer with a JSON body saying why (403; 404 for an
   unknown room; 422 for a bad query), never an open socket.
2. The screen subscribes to the room's hub, then gets the room once: a
   ``snapshot`` of the view its role may see, or, with ``since``, a
   ``resumed`` header and exactly the changes it missed (when the ring still
   has them and they cost less than a snapshot).
3. Then every change, in order, each with the version it produced: written
   straight to the socket by the hub once the screen is caught up, or sent
   from the screen's bounded inbox. A screen that falls behind is collapsed
   to what it missed or one fresh snapshot (``Resync``). A socket that offers
   a frame sink (``app.live.frames``: ``floorkeeper serve``'s) is then
   *parked* (``Parked``): the route returns, and the socket's own callbacks
   answer the page, with a task only while a resync waits for the socket to
   drain; a screen then weighs about what a bare socket does (issue 18). One
   without (the test client, a deflate connection) keeps this route's task,
   which relays its inbox (``_relay``) while it listens (``_listen``).
4. The page sends clock-sync pings (answered at once with the server's
   receive and send times), resume requests, reports of its clock
   estimate, and (a console) its commands, answered with an ``ack``
   after the change or a refusal (``app.api.parked.run_command``). A page
   silent for ``silence_seconds`` is closed (4408); the server sends a
   ``heartbeat`` when it has sent nothing to that page for
   ``heartbeat_seconds`` (counted from the last message of any kind, the
   hub's direct writes included), so the page can tell a quiet room from a
   dead link, and a busy room sends none. uvicorn's protocol pings detect dead
   TCP connections as well.

The timings come from the settings (``live_heartbeat_seconds``,
``live_silence_seconds``, ``live_stale_seconds``), as ``Services.live``. The
messages are described in ``docs/protocol.md``.

Every time here is the runner's clock (``RoomRunner.now``): wall time in
service, a ``FakeClock`` in tests.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated, Any

import anyio
from anyio.abc import TaskGroup
from fastapi import APIRouter, Depends, Query, WebSocket, WebSocketDisconnect
from starlette.requests import HTTPConnection
from uvicorn.protocols.utils import ClientDisconnected

from app.access.credentials import REVOKED_CLOSE, watch_revocation
from app.access.guard import authorized
from app.access.origins import origin_allowed
from app.access.policy import RUN_ROOM, WATCH_ROOM
from app.access.ratelimit import PingWindow, ping_window
from app.access.roles import Principal, Role, may_moderate
from app.api.deps import RoomDep
from app.api.parked import LATER, SILENT_CLOSE, Desk, Parked, answer, catch_up, run_command
from app.api.schemas import ScreenOut
from app.errors import NotAllowed
from app.live import protocol
from app.live.frames import EXTENSION, FrameSink, Gone, text_frame
from app.live.hub import LiveConfig, Resync, Screen
from app.live.protocol import CommandMessage
from app.live.view import view_role
from app.room.audit import sender_of
from app.room.runner import RoomRunner
from app.services import Services, services_of

router = APIRouter(tags=["live"])


@router.websocket("/api/rooms/{room_id}/live", dependencies=[WATCH_ROOM])
async def live(
    websocket: WebSocket,
    room_id: int,
    room: RoomDep,
    viewer: Annotated[Principal, Depends(authorized)],
    since: int | None = Query(default=None, ge=0),
    label: str = Query(default="", max_length=60),
) -> None:
    """The room, then its changes, for the token's role (S9)."""
    _check_origin(websocket)
    services = services_of(websocket)
    config = services.live
    await websocket.accept()
    view = Role.MODERATOR if may_moderate(viewer, room_id) else view_role(viewer.role)
    sink = _sink(websocket)
    screen = Screen(
        view,
        sink,
        id=secrets.token_hex(4),
        role=viewer.role,
        connected_at=room.now(),
        label=viewer.name or label,  # the credential's name (the secretariat's), else the page's
        delegation=viewer.delegation,
        # Until the room is sent, wake-ups wait: parking, or the relay, looks at the inbox first.
        wakeup=LATER,
    )
    pings = ping_window(websocket)
    about = {
        "role": viewer.role.value,
        "view": view.value,
        "room_id": room_id,
        "screen_id": screen.id,
        "delegation": viewer.delegation,
        "heartbeat": config.heartbeat_seconds,
        "pings": pings.terms(),  # the page paces its pings by it (room.js)
    }
    desk = Desk(sender_of(websocket, viewer), services.engine) if view is Role.MODERATOR else None
    send = partial(_send, websocket, screen)
    room.hub.join(screen)
    parked = False
    try:
        await catch_up(send, room, screen, since, about)
        if sink is not None:
            credentials = services.credentials
            Parked(room, screen, sink, pings, about, credentials, viewer, desk).park()
            parked = True
            return  # the socket stays open; the hub and the protocol's callbacks serve it
        closing: tuple[int, str] | None = None
        screen.wakeup = wakeup = asyncio.Event()
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(_relay, send, room, screen, wakeup, about, config, tasks)
            with watch_revocation(websocket, viewer) as revoked:  # access: closed on revoke
                closing = await _listen(websocket, room, screen, pings, desk)
            closing = REVOKED_CLOSE if revoked.cancelled_caught else closing
            tasks.cancel_scope.cancel()
    except (WebSocketDisconnect, ClientDisconnected, Gone):
        return
    finally:
        if not parked:
            room.hub.leave(screen)
    if screen.silent:
        closing = SILENT_CLOSE
    if closing is not None:
        await websocket.close(*closing)


def _check_origin(websocket: WebSocket) -> None:
    """A browser page may open the channel only from an allowed origin (``app.access.origins``)."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return  # not a browser: a kiosk, a script, the benchmark
    settings = services_of(websocket).settings
    if not origin_allowed(
        origin, settings, websocket.scope["scheme"], websocket.scope.get("server")
    ):
        raise NotAllowed("access.origin", origin=origin[:200])


def _sink(websocket: WebSocket) -> FrameSink | None:
    offered: dict[str, Any] | None = websocket.scope.get("extensions", {}).get(EXTENSION)
    return None if offered is None else offered["sink"]


async def _send(websocket: WebSocket, screen: Screen, text: str) -> None:
    """Send ``text`` now, noting when (the hub notes its direct writes itself).

    A caught-up screen's socket takes the frame straight away, as the hub's
    changes do (``app.live.frames``): ordered with them, and without a trip through
    ASGI. A socket too far behind to take it is collapsed to a resync, and
    the message dropped: a page pings again, and a heartbeat is due again.
    """
    if screen.direct:
        screen.write(text_frame(text.encode()), time.monotonic())
        return
    await websocket.send_text(text)
    screen.sent_at = time.monotonic()


async def _relay(
    send: Callable[[str], Awaitable[None]],
    room: RoomRunner,
    screen: Screen,
    wakeup: asyncio.Event,
    about: dict[str, Any],
    config: LiveConfig,
    tasks: TaskGroup,
) -> None:
    """Drain the inbox of a screen without a frame sink, and keep its heartbeat.

    Such a screen (the test client, another server, a deflate connection)
    is served through ASGI for its whole life: its heartbeat is due
    ``heartbeat_seconds`` after its last message, and ``keep_alive``'s sweep
    wakes it when the page has gone silent.
    """
    try:
        while True:
            item = screen.next_item()
            if isinstance(item, Resync):
                since = screen.last_sent if item.since is None else item.since
                await catch_up(send, room, screen, since, about)
            elif item is not None:
                if item.version > screen.last_sent:
                    await send(item.texts[screen.view])
                    screen.last_sent = item.version
            elif screen.silent:
                tasks.cancel_scope.cancel()  # ends the listening too; ``live`` closes (4408)
                return
            else:
                wakeup.clear()
                quiet = time.monotonic() - screen.sent_at
                if quiet >= config.heartbeat_seconds:
                    await send(protocol.heartbeat(screen.last_sent, room.now()))
                    continue
                with anyio.move_on_after(config.heartbeat_seconds - quiet):
                    await wakeup.wait()
    except WebSocketDisconnect:
        tasks.cancel_scope.cancel()


async def keep_alive(services: Services) -> None:
    """Forever: sweep every room's screens for heartbeats due and pages gone silent.

    One task for the process, waking a few times per heartbeat interval, in
    place of a timer per screen: with 5,000 screens those timers' wake-ups
    cost more CPU than the changes themselves (docs/benchmarks.md).
    """
    while True:
        config = services.live
        await anyio.sleep(sweep_period(config))
        now = time.monotonic()
        for room in list(services.rooms.values()):
            if len(room.hub):
                server_time = room.now()

                def heartbeat(version: int, at: float = server_time) -> bytes:
                    return text_frame(protocol.heartbeat(version, at).encode())

                room.hub.sweep(
                    now,
                    quiet_after=now - config.heartbeat_seconds,
                    silent_after=now - config.silence_seconds,
                    heartbeat=heartbeat,
                )


def sweep_period(config: LiveConfig) -> float:
    """A quarter of the shorter interval, at most a second: heartbeats come late by that much."""
    return min(1.0, config.heartbeat_seconds / 4, config.silence_seconds / 4)


async def _listen(
    websocket: WebSocket, room: RoomRunner, screen: Screen, pings: PingWindow, desk: Desk | None
) -> tuple[int, str] | None:
    """Answer the page's messages (``answer``); returns a close code, or None if it left.

    There is no timeout per message, so that a ping arms no timer:
    ``keep_alive``'s sweep finds a page silent for too long, and the screen's
    relay task ends the connection (``_relay``).
    """
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return None
        reply = answer(room, screen, pings, message.get("text"))
        if isinstance(reply, CommandMessage):  # one at a time on this path: the test client's
            reply = await run_command(room, screen, desk, reply)
        if isinstance(reply, tuple):
            return reply
        if reply is not None:
            await _send(websocket, screen, reply)


# -- the moderator's list of screens ------------------------------------------------


@router.get("/api/rooms/{room_id}/screens", dependencies=[RUN_ROOM])
async def screens(room_id: int, room: RoomDep, connection: HTTPConnection) -> list[ScreenOut]:
    """Every screen connected to the room, with its clock's uncertainty (moderator only)."""
    stale_after = services_of(connection).live.stale_seconds
    now = room.now()
    return [ScreenOut.of(screen, now, stale_after) for screen in room.hub.screens()]
