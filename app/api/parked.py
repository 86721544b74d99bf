"""A screen once it has been sent the room: what it is answered, and how a parked one is served.

Theory of operation
-------------------
The live route (``app.api.channel``) sends a new screen the room
(``catch_up``) and then, if its socket offers a frame sink, parks it
(``Parked``): the route returns, and the socket's own callbacks
(``app.live.frames``) hand each message of the page to ``Parked.heard``.
Each message gets ``answer``'s reply: a pong, an error, a close, or
nothing (a report, noted on the screen's row; a resume, which resyncs it).
A console's command (the speaker's clock, the floor, the programme) is run
as its HTTP route runs it (``run_command``, in a task of its own while it
waits for the store), and answered with an ``ack`` after the change it
made, or a refusal.
The hub wakes a parked screen through ``Parked.set``; a task exists only
while a resync waits for the socket to drain. A screen without a sink is
answered by the same ``answer`` from the route's own task.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.engine import Engine

from app.access.credentials import REVOKED_CLOSE, CredentialRegistry
from app.access.ratelimit import PingWindow
from app.access.roles import Principal
from app.api.rooms import floor_command_of, programme_command_of
from app.api.schemas import FloorCommandIn, ProgrammeCommandIn, SpeechCommandIn
from app.errors import DomainError, InvalidRequest, NotAllowed
from app.live import protocol
from app.live.frames import FrameSink, Gone, text_frame
from app.live.hub import Change, Resync, Screen
from app.live.protocol import CommandMessage, PingMessage, ReportMessage, ResumeMessage
from app.queue import Command
from app.room.audit import Sender
from app.room.runner import RoomRunner

logger = logging.getLogger(__name__)

#: The close of a page that sent nothing (no ping) for ``silence_seconds``.
SILENT_CLOSE = (4408, "no ping from this screen: reconnect")


class _Later:
    """The wake-up of a screen still being sent the room: whatever serves it next (parking,
    or the route's relay) looks at its inbox and its silence before it waits."""

    __slots__ = ()

    def set(self) -> None:
        pass


LATER = _Later()


class Parked:
    """A caught-up screen served without a task: the hub writes, the socket's callbacks answer.

    The route parks every screen whose socket offers a frame sink
    (``app.live.frames``) once it has sent the room, and returns: what a
    suspended route would hold (a task, some thirty coroutine frames of the
    framework) is freed, and a screen weighs about what a bare socket does
    (issue 18). A task exists only while there is work that must wait for
    the socket to drain: a resync (``drain``). A silent page, a revoked
    token or an over-long message is closed from here.
    """

    __slots__ = (
        "about",
        "commands",
        "credentials",
        "desk",
        "pings",
        "room",
        "screen",
        "sink",
        "task",
        "viewer",
    )

    def __init__(
        self,
        room: RoomRunner,
        screen: Screen,
        sink: FrameSink,
        pings: PingWindow,
        about: dict[str, Any],
        credentials: CredentialRegistry,
        viewer: Principal,
        desk: Desk | None,
    ) -> None:
        self.room = room
        self.screen = screen
        self.sink = sink
        self.pings = pings
        self.about = about
        self.credentials = credentials
        self.viewer = viewer
        self.desk = desk  # what a command on this socket is run with (a moderator's console)
        self.task: asyncio.Task[None] | None = None
        self.commands: set[asyncio.Task[None]] | None = None  # those running, while they run

    def park(self) -> None:
        self.screen.wakeup = self
        self.sink.park(self)  # messages that came during the catch-up are answered first
        self.credentials.follow(self.viewer, self)  # access: closed on revoke
        self.set()

    # -- the protocol's callbacks

    def heard(self, text: str | None) -> None:
        """A message of the page, answered at once (``answer``)."""
        reply = answer(self.room, self.screen, self.pings, text)
        if isinstance(reply, tuple):
            self.sink.close(*reply)
        elif isinstance(reply, CommandMessage):
            if self.commands is None:
                self.commands = set()
            task = asyncio.get_running_loop().create_task(self.command(reply))
            self.commands.add(task)
            task.add_done_callback(self.commands.discard)
        elif reply is not None:
            self.screen.write(text_frame(reply.encode()), time.monotonic())

    async def command(self, message: CommandMessage) -> None:
        """Run a command of the page; its answer comes after the change it made."""
        try:
            reply = await run_command(self.room, self.screen, self.desk, message)
            await self.send(reply)
        except Gone:
            pass  # the page resends it, same id, when it reconnects
        except Exception:  # a fault of ours: the page resends it over HTTP, same id
            logger.exception("live: a command of screen %s failed", self.screen.id)
            self.sink.close(1011, "the server could not answer the command: reconnect")

    def gone(self) -> None:
        self.room.hub.leave(self.screen)
        self.credentials.unfollow(self.viewer, self)
        if self.task is not None:
            self.task.cancel()
        # A running command is not cancelled: the store commits it or not, whole; the
        # page sends it again with its id and gets the first answer.

    # -- the hub's wake-up (``Screen.wakeup``) and revocation's (``Closer``)

    def set(self) -> None:
        """Work for this screen: close it if silent, else send what it missed, else go direct."""
        screen = self.screen
        if screen.silent:
            self.sink.close(*SILENT_CLOSE)
        elif self.task is None and not screen.go_direct():
            self.task = asyncio.get_running_loop().create_task(self.drain())

    def cancel(self) -> None:
        self.sink.close(*REVOKED_CLOSE)

    async def drain(self) -> None:
        """Send the inbox (a resync: what was missed, or a snapshot) as the socket drains."""
        screen = self.screen
        try:
            while (item := screen.next_item()) is not None:
                if isinstance(item, Resync):
                    since = screen.last_sent if item.since is None else item.since
                    await catch_up(self.send, self.room, screen, since, self.about)
                elif item.version > screen.last_sent:
                    await self.send(item.texts[screen.view])
                    screen.last_sent = item.version
            screen.go_direct()
        except Gone:
            pass
        except Exception:  # the room could not be read: the page reconnects and resumes
            logger.exception("live: the catch-up of screen %s failed", screen.id)
            self.sink.close(1011, "the server could not send the room: reconnect")
        finally:
            self.task = None

    async def send(self, text: str) -> None:
        if self.screen.direct:
            self.screen.write(text_frame(text.encode()), time.monotonic())
            return
        await self.sink.send(text_frame(text.encode()))
        self.screen.sent_at = time.monotonic()


async def catch_up(
    send: Callable[[str], Awaitable[None]],
    room: RoomRunner,
    screen: Screen,
    since: int | None,
    about: dict[str, Any],
) -> None:
    """Send what the page misses after ``since``, or a snapshot if that is cheaper or needed.

    A page may hold a version this process has not seen (another process
    committed it and died before relaying it, issue 17): the room is then
    read from the database first, so that its snapshot is not older than
    the page's copy.
    """
    if since is not None and since > room.version:
        await room.catch_up()
    version, at, view = room.live_view(screen.view)
    now = room.now()
    missed: list[Change] | None = None
    if since is not None and since <= version:
        missed = [] if since == version else room.hub.since(since, screen.view)
    snapshot = protocol.snapshot(version, at, now, about, view)
    if missed is not None:
        texts = [change.texts[screen.view] for change in missed]
        if sum(len(text) for text in texts) < len(snapshot):
            assert since is not None
            await send(protocol.resumed(since, now, about, len(texts)))
            screen.last_sent = since
            for change, text in zip(missed, texts, strict=True):
                await send(text)
                screen.last_sent = change.version
            return
    await send(snapshot)
    screen.last_sent = version


def answer(
    room: RoomRunner, screen: Screen, pings: PingWindow, text: str | None
) -> str | tuple[int, str] | CommandMessage | None:
    """What to send back to one message of the page: a message, a close, or nothing.

    Pings get a pong (rate-limited), resumes a resync, reports are noted on
    the screen's row; anything else gets an error the page can show. A
    command is handed back: the caller runs it (``run_command``), since it
    waits for the store.
    """
    received = room.now()
    screen.heard_at = time.monotonic()
    if text is None:
        return protocol.error(screen.last_sent, DomainError("channel.not_json"))
    if len(text) > protocol.MAX_PAGE_MESSAGE:
        return 1009, "a page sends only short messages"
    screen.last_heard = received
    try:
        request = protocol.read_page_message(text)
    except ValidationError as invalid:
        invalid_message = DomainError("channel.invalid", problems=_problems(invalid))
        return protocol.error(screen.last_sent, invalid_message)
    if isinstance(request, PingMessage):
        if limited := pings.refusal(screen.heard_at):  # access: pings are rate-limited
            return protocol.error(screen.last_sent, limited)
        return protocol.pong(screen.last_sent, request.t0, received, room.now())
    if isinstance(request, ResumeMessage):
        screen.resync(since=request.version)
    elif isinstance(request, CommandMessage):
        return request
    else:
        _record(screen, request)
    return None


@dataclass(frozen=True, slots=True)
class Desk:
    """What a console's socket runs its commands with: who sends them (the audit trail) and
    the database, where a body names a delegation or a segment to look up."""

    sender: Sender
    engine: Engine


# The bodies a socket's command may carry, by ``kind``: each checked as its HTTP route checks it.
_BODIES: dict[str, TypeAdapter[Any]] = {
    "speech": TypeAdapter(SpeechCommandIn),
    "floor": TypeAdapter(FloorCommandIn),
    "programme": TypeAdapter(ProgrammeCommandIn),
}


async def run_command(
    room: RoomRunner, screen: Screen, desk: Desk | None, message: CommandMessage
) -> str:
    """A command on the socket, run as its HTTP route runs it; the ``ack`` or refusal to send.

    Only a screen with the moderator's view may send one (the route gave it
    that view, and a desk, for the room's moderator or the secretariat,
    RUN_ROOM's rule; a revoked token's socket is closed). The body is
    checked as the route checks it and becomes the same engine command
    (``app.api.rooms``), and the command id makes a retry harmless, whether it comes
    again on the socket or over HTTP: the store's transaction is committed
    before the ack is sent, as before an HTTP answer.
    """
    raw_id = message.body.get("command_id")
    command_id = raw_id if isinstance(raw_id, str) else None
    try:
        if desk is None:  # the route gives one to the moderator's view only
            raise NotAllowed("access.run_room", who=screen.role.value, room_id=room.room_id)
        try:
            body = _BODIES[message.kind].validate_python(message.body)
        except ValidationError as invalid:
            raise InvalidRequest(_problems(invalid)) from None
        command: Command
        if message.kind == "floor":
            command = await floor_command_of(body, room.room_id, desk.engine)
        elif message.kind == "programme":
            command = await programme_command_of(body, room.room_id, desk.engine)
        else:
            command = body.to_command()
        ack = await room.handle(command, body.command_id, sender=desk.sender)
    except DomainError as refused:
        return protocol.error(screen.last_sent, refused, command_id, refused.status_hint)
    return protocol.command_ack(screen.last_sent, asdict(ack))


def _problems(invalid: ValidationError) -> str:
    """pydantic's problems in one line, each naming its field."""
    problem = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'message'}: {e['msg']}" for e in invalid.errors()
    )
    return problem[:500]


def _record(screen: Screen, report: ReportMessage) -> None:
    screen.offset = report.offset
    screen.uncertainty = report.uncertainty
    screen.rtt = report.rtt
    screen.samples = report.samples
    screen.reported_version = report.version
