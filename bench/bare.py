"""The floor of the benchmark: a bare ``websockets`` server and ``websockets.broadcast``.

``python -m bench.bare PORT`` serves two paths on 127.0.0.1:

* ``/live``: a receiving client. It gets a small ``snapshot`` message, then
  every broadcast; a ``ping`` text is answered with a ``pong`` (as the live
  channel answers a page's clock-sync pings).
* ``/control``: the benchmark's driver sends ``{"version": V, "size": S}``;
  the server broadcasts a ``change`` message of exactly S bytes carrying
  version V to every ``/live`` client with ``websockets.broadcast``, then
  answers ``ok V``. This stands for a moderator's command: no HTTP, no
  database, no room, which is what makes it a floor and not a rival.

No per-message deflate (``compression=None``), as ``floorkeeper serve``.
Garbage-collection pauses of 0.1 s or more are logged as ours are
(``app/live/gcwatch.py``), so that the benchmark sets them side by side.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

from app.config import GC_PAUSE_WARNING_SECONDS
from app.live.gcwatch import watching
from bench.receivers import raise_fd_limit


def change_text(version: int, size: int) -> str:
    """A ``change`` message shaped like ours (type and version first), padded to ``size``."""
    head = f'{{"type":"change","version":{version},"at":{time.time():.6f},"pad":"'
    return head + "x" * max(0, size - len(head) - 2) + '"}'


class Bare:
    def __init__(self) -> None:
        self.clients: set[ServerConnection] = set()

    async def handle(self, connection: ServerConnection) -> None:
        path = connection.request.path if connection.request is not None else ""
        if path.startswith("/control"):
            await self._control(connection)
        else:
            await self._live(connection)

    async def _live(self, connection: ServerConnection) -> None:
        await connection.send('{"type":"snapshot","version":0,"room":{}}')
        self.clients.add(connection)
        try:
            async for message in connection:
                if isinstance(message, str) and message.startswith('{"type":"ping"'):
                    t0 = json.loads(message)["t0"]
                    now = time.time()
                    await connection.send(
                        json.dumps({"type": "pong", "version": 0, "t0": t0, "t1": now, "t2": now})
                    )
        except ConnectionClosed:
            pass
        finally:
            self.clients.discard(connection)

    async def _control(self, connection: ServerConnection) -> None:
        async for message in connection:
            order = json.loads(message)
            version = int(order["version"])
            broadcast(self.clients, change_text(version, int(order["size"])))
            await connection.send(f"ok {version}")


async def main(port: int) -> None:
    raise_fd_limit()
    bare = Bare()
    async with watching(
        GC_PAUSE_WARNING_SECONDS
    ):  # its pauses logged as ours are, for the comparison
        async with serve(bare.handle, "127.0.0.1", port, compression=None, backlog=4096) as server:
            print(f"bare broadcast server on 127.0.0.1:{port}", flush=True)
            await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
