"""Fans one room's changes out to its live screens, never blocking (S8).

Theory of operation
-------------------
The runner publishes each committed change once, as a ``Change``: the text
of its message for each view (moderator, delegate, display), serialised
once. For each screen, ``publish`` does one of two things and never waits:

* direct: the screen is caught up and its socket offers a frame sink
  (``app.live.frames``). The change, framed once per view, is written to the
  socket at once, unless more than ``max_buffer_bytes`` are still unsent
  there: then the screen is behind.
* queued: the change goes on the screen's bounded inbox, which the screen's
  own task drains through ASGI (the test client, another server, a
  connection with deflate, or a screen still catching up).

A screen that falls behind, its inbox full or its socket over the bound,
loses its backlog and gets one ``Resync`` marker instead. Its task then sends
what it missed from the ring of recent changes, or one fresh snapshot if
that is cheaper. The room never waits for a screen, and one slow screen never
delays another: the hub only appends to queues and hands bytes to sockets.

A direct write also notes when (``Screen.sent_at``, one clock read per
change): the screen's task is not woken for it. Heartbeats and silence are
found by ``sweep``, which one task of the process (``app.api.channel.keep_alive``)
runs over every hub a few times per heartbeat interval: a caught-up screen
quiet for the interval gets a heartbeat frame written directly, and a page
silent for too long is marked and its task woken to close it. So a screen
costs no timer of its own, and its task sleeps until there is work.

The ring keeps the last ``ring_size`` changes, so that a page that
reconnects with its last version gets exactly what it missed. Versions in
the ring are consecutive; a jump (the room reloaded from the database)
empties it and sends every screen a fresh snapshot. A change carries the
views that some screen showed when it was published (``shows``: the runner
renders no view nobody watches); a page whose view is missing from one of
the changes it missed gets a snapshot instead.

A ``Screen`` is both a screen's place in the hub and its row of the room's
list of screens (who is connected, with which role, and how well its clock
is synchronised): one object per connected page.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from app.access.roles import Role
from app.live.frames import text_frame

if TYPE_CHECKING:
    from app.config import Settings


@dataclass(frozen=True, slots=True)
class LiveConfig:
    """Timings of the live channel, in seconds (``live_*_seconds`` of the settings)."""

    heartbeat_seconds: float = 10.0  # server to page, when nothing else was sent
    silence_seconds: float = 45.0  # no message from the page this long: closed (4408)
    stale_seconds: float = 30.0  # the list of screens flags a page not heard this long

    @classmethod
    def of(cls, settings: Settings) -> LiveConfig:
        return cls(
            heartbeat_seconds=settings.live_heartbeat_seconds,
            silence_seconds=settings.live_silence_seconds,
            stale_seconds=settings.live_stale_seconds,
        )


@dataclass(frozen=True, slots=True)
class Change:
    """One committed change, rendered once per view role."""

    version: int
    texts: Mapping[Role, str]


@dataclass(frozen=True, slots=True)
class Resync:
    """ "You fell behind (or asked to resume)": send what came after ``since``, or a snapshot.

    ``since`` is None for the hub's own markers: the last version sent is used.
    """

    since: int | None = None


class Wakeup(Protocol):
    """What the hub calls when a screen has work: a resync to send, or silence to close on.

    An ``asyncio.Event`` its task waits on, or a parked screen's own handler
    (``app.api.parked.Parked``), which has no task until there is work.
    """

    def set(self) -> None: ...


class Sink(Protocol):
    """A socket that takes whole frames without waiting (``app.live.frames.FrameSink``)."""

    def write(self, frame: bytes, limit: int) -> bool: ...

    def buffered(self) -> int: ...


class Screen:
    """One connected page: its place in the hub, and its row in the moderator's list.

    The hub's part: its inbox, its sink, and what it was sent. The list's
    part: who it is and how well its clock is synchronised, as the page
    reports it (``ScreenOut`` in ``app.api.schemas`` is its wire form).
    """

    __slots__ = (
        # -- the moderator's list of screens
        "connected_at",
        "delegation",
        "id",
        "label",
        "last_heard",
        "offset",
        "reported_version",
        "resyncs",
        "role",
        "rtt",
        "samples",
        "uncertainty",
        # -- the hub's
        "direct",
        "heard_at",
        "hub",
        "inbox",
        "last_sent",
        "sent_at",
        "silent",
        "sink",
        "view",
        "wakeup",
    )

    def __init__(
        self,
        view: Role,
        sink: Sink | None,
        *,
        id: str,
        role: Role,
        connected_at: float,
        label: str = "",
        delegation: str | None = None,
        wakeup: Wakeup | None = None,
    ) -> None:
        # -- the moderator's list of screens (times are the room's clock)
        self.id = id
        self.role = role
        self.label = label
        self.delegation = delegation
        self.connected_at = connected_at
        self.last_heard = connected_at
        self.offset: float | None = None  # seconds the page adds to its clock to get the server's
        self.uncertainty: float | None = None  # seconds, half the round trip of its best sample
        self.rtt: float | None = None  # seconds, its latest round trip
        self.samples = 0
        self.reported_version: int | None = None
        self.resyncs = 0
        # -- the hub's (times are time.monotonic())
        self.view = view
        self.sink = sink
        self.hub: RoomHub | None = None  # set on subscribe: its bound on unsent bytes
        self.inbox: deque[Change | Resync] = deque()
        self.wakeup: Wakeup = asyncio.Event() if wakeup is None else wakeup
        self.direct = False  # True while caught up and written to straight from publish
        self.last_sent = -1  # the version of the last message handed to the socket
        self.sent_at = time.monotonic()  # when anything was last handed to it (heartbeats)
        self.heard_at = self.sent_at  # when the page last sent anything (silence)
        self.silent = False  # closed by its relay for silence (app.live)

    def next_item(self) -> Change | Resync | None:
        return self.inbox.popleft() if self.inbox else None

    def resync(self, since: int | None = None) -> None:
        """Drop the backlog; the screen's task will send what it missed or a snapshot."""
        self.direct = False
        self.inbox.clear()
        self.inbox.append(Resync(since))
        self.resyncs += 1
        self.wakeup.set()

    def write(self, frame: bytes, at: float) -> bool:
        """Hand ``frame`` to the socket now, noting when; a socket too far behind is resynced.

        The one direct write: the hub's changes and heartbeats, and the live
        route's own messages to a caught-up screen, all go through it.
        """
        assert self.sink is not None
        assert self.hub is not None
        if self.sink.write(frame, self.hub.max_buffer_bytes):
            self.sent_at = at
            return True
        self.resync()
        return False

    def go_direct(self) -> bool:
        """Switch to the direct path if the inbox is empty and the socket allows it."""
        if self.sink is not None and not self.inbox:
            self.direct = True
        return self.direct


class RoomHub:
    """Publish and subscribe for one room, in memory (S8)."""

    def __init__(
        self, max_backlog: int = 64, max_buffer_bytes: int = 256 * 1024, ring_size: int = 128
    ) -> None:
        self.max_backlog = max_backlog
        self.max_buffer_bytes = max_buffer_bytes
        self._screens: set[Screen] = set()
        self._shown: dict[Role, int] = {}  # how many screens show each view
        self._ring: deque[Change] = deque(maxlen=ring_size)

    def __len__(self) -> int:
        return len(self._screens)

    def publish(self, change: Change) -> None:
        """Hand ``change`` to every screen, at once; never waits, never raises for a screen."""
        ring = self._ring
        if ring and change.version != ring[-1].version + 1:
            self.resync_all()
            ring.clear()
        ring.append(change)
        frames: dict[Role, bytes] = {}
        sent_at = time.monotonic()  # once per change: the live route's heartbeats count from it
        for screen in self._screens:
            if screen.direct:
                frame = frames.get(screen.view)
                if frame is None:
                    frame = frames[screen.view] = text_frame(change.texts[screen.view].encode())
                if screen.write(frame, sent_at):
                    screen.last_sent = change.version
                continue
            inbox = screen.inbox
            if inbox and isinstance(inbox[0], Resync):
                continue  # a snapshot is due anyway: it will include this change
            if len(inbox) >= self.max_backlog:
                screen.resync()
                continue
            inbox.append(change)
            screen.wakeup.set()

    def sweep(
        self,
        now: float,
        quiet_after: float,
        silent_after: float,
        heartbeat: Callable[[int], bytes],
    ) -> None:
        """Heartbeats to caught-up screens quiet since ``quiet_after``; wake the silent ones.

        Times are ``time.monotonic()``; ``heartbeat(version)`` is the frame of a
        heartbeat after ``version`` (made once per version, not per screen).
        """
        frames: dict[int, bytes] = {}
        for screen in self._screens:
            if screen.heard_at <= silent_after:
                if not screen.silent:
                    screen.silent = True
                    screen.wakeup.set()  # its task closes the socket (4408)
                continue
            if not screen.direct or screen.sent_at > quiet_after:
                continue  # an inbox screen's task keeps its own heartbeat
            version = screen.last_sent
            frame = frames.get(version)
            if frame is None:
                frame = frames[version] = heartbeat(version)
            screen.write(frame, now)

    def resync_all(self) -> None:
        """Every screen gets a fresh snapshot (the room's state was reloaded)."""
        self._ring.clear()
        for screen in self._screens:
            screen.resync()

    def since(self, version: int, view: Role) -> list[Change] | None:
        """The changes after ``version``, in order; None if the ring no longer has them all,
        or has one that was not rendered for ``view`` (no screen showed it then)."""
        ring = self._ring
        if not ring:
            return None
        first = ring[0].version
        if version < first - 1 or version > ring[-1].version:
            return None
        missed = [ring[i] for i in range(version - first + 1, len(ring))]
        if any(view not in change.texts for change in missed):
            return None
        return missed

    def shows(self, view: Role) -> bool:
        """Whether a screen here shows ``view``: the runner renders a change only for those."""
        return view in self._shown

    @property
    def ring_size(self) -> int:
        """How many recent changes a resume can be answered from."""
        size = self._ring.maxlen
        assert size is not None
        return size

    @property
    def last_version(self) -> int | None:
        return self._ring[-1].version if self._ring else None

    @contextmanager
    def subscribe(self, screen: Screen) -> Iterator[Screen]:
        """``screen`` joins for the block; it is queued until it has been sent the room once."""
        self.join(screen)
        try:
            yield screen
        finally:
            self.leave(screen)

    def join(self, screen: Screen) -> None:
        """``screen`` joins until ``leave`` (a parked screen leaves when its socket closes)."""
        screen.hub = self
        if screen not in self._screens:
            self._screens.add(screen)
            self._shown[screen.view] = self._shown.get(screen.view, 0) + 1

    def leave(self, screen: Screen) -> None:
        if screen in self._screens:
            self._screens.discard(screen)
            left = self._shown[screen.view] - 1
            if left:
                self._shown[screen.view] = left
            else:
                del self._shown[screen.view]

    def screens(self) -> list[Screen]:
        """The connected screens, oldest first (the moderator's list)."""
        return sorted(self._screens, key=lambda s: s.connected_at)
