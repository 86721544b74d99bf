"""Live screens of the cluster tests: displays that keep every message they received.

``LiveScreen`` reads its socket in a task of its own, keeps each message's
type and version (``seen``) and each change's events, and folds the room as
a page does (``app/web/static/shared/room.js``): a change must be the next
version, a ``resumed`` must name the version it holds. It connects straight
to one process, or through nginx, with the public ``Origin`` a browser
would send.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from app.live import protocol

GUARD = 10.0  # seconds: a condition not met in this long is a failure, not slowness

Json = dict[str, Any]


async def until(condition: Callable[[], bool], what: str, seconds: float = GUARD) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not in {seconds:.0f} s: {what}"
        await asyncio.sleep(0.02)


@dataclass
class LiveScreen:
    """A display's live socket: every message kept (``seen``), the room folded as a page does.

    ``follow`` reads in a task of its own until the socket closes (``closed``
    holds its close code then); ``reconnect`` opens it again with
    ``since`` = the last version held, as a page does after a drop.
    """

    room_id: int
    token: str
    origin: str
    seen: list[tuple[str, int]] = field(default_factory=list)  # (type, version) of each message
    events: dict[int, list[str]] = field(default_factory=dict)  # a change's events, by version
    room: Json | None = None
    version: int | None = None
    closed: int | None = None  # the close code, once the server closed it
    reached: str = ""  # the base URL it connected to last
    problem: BaseException | None = None
    _sockets: list[ClientConnection] = field(default_factory=list)  # every one it opened
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def open(self, base: str, since: int | None = None) -> None:
        query: dict[str, Any] = {"token": self.token}
        if since is not None:
            query["since"] = since
        url = base.replace("http://", "ws://") + f"/api/rooms/{self.room_id}/live?"
        socket = await asyncio.wait_for(
            connect(url + urlencode(query), origin=self.origin, max_queue=None),  # type: ignore[arg-type]
            GUARD,
        )
        self.closed, self.reached = None, base
        self._sockets.append(socket)
        self._tasks.append(asyncio.create_task(self._follow(socket)))

    async def reconnect(self, base: str) -> None:
        """After a drop: again, through ``base``, resuming from the version it holds."""
        await self.open(base, since=self.version)

    async def _follow(self, socket: ClientConnection) -> None:
        try:
            async for text in socket:
                assert isinstance(text, str)
                self.fold(json.loads(text))
        except ConnectionClosed:
            pass
        except BaseException as error:  # an assertion of ``fold``: the test reports it
            self.problem = error
        finally:
            code = socket.close_code
            self.closed = 1006 if code is None else code

    def fold(self, message: Json) -> None:
        kind, version = message["type"], message["version"]
        if kind in ("snapshot", "resumed", "change"):
            self.seen.append((kind, version))
        if kind == "snapshot":
            self.room, self.version = message["room"], version
        elif kind == "resumed":
            assert self.version is not None
            assert version == self.version, message
        elif kind == "change":
            assert self.room is not None
            assert self.version is not None
            assert version == self.version + 1, f"version {version} after {self.version}"
            self.room = protocol.merge(self.room, message["room"])
            self.version = version
            self.events[version] = message["events"]

    def received_in_order(self, after: int, last: int) -> bool:
        """Whether it got every version from ``after`` to ``last``, each once, in order, or a
        snapshot at the version where it skipped some (a snapshot holds them all)."""
        got = [(kind, version) for kind, version in self.seen if version > after]
        previous = after
        for kind, version in got:
            if version <= previous:
                return False  # repeated, or out of order
            if version != previous + 1 and kind != "snapshot":
                return False  # missed, and not made whole by a snapshot
            previous = version
        return previous == last

    def changes(self) -> list[int]:
        """The versions it received as changes, in order."""
        return [version for kind, version in self.seen if kind == "change"]

    def at(self, version: int) -> bool:
        if self.problem is not None:
            raise AssertionError(f"screen on {self.reached}: {self.problem}")
        return self.version is not None and self.version >= version

    async def at_version(self, version: int, seconds: float = GUARD) -> None:
        await until(lambda: self.at(version), f"a screen on {self.reached} at {version}", seconds)

    async def dropped(self) -> None:
        await until(lambda: self.closed is not None, f"the socket on {self.reached} closed")

    async def close(self) -> None:
        for socket in self._sockets:
            await socket.close()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def screens_at(screens: list[LiveScreen], version: int) -> None:
    """Every screen holds ``version`` (or later)."""
    await until(lambda: all(s.at(version) for s in screens), f"every screen at {version}")
