"""The floor of the fixed stack: the least a command over HTTP, saved before it is answered, costs.

``python -m bench.floor HTTP_PORT WS_PORT DATABASE`` serves, in one process and
one asyncio loop:

* ``ws://127.0.0.1:WS_PORT/live``: ``bench/bare.py``'s receiving side,
  unchanged (snapshot, every broadcast, pongs);
* ``POST http://127.0.0.1:HTTP_PORT/command``: a FastAPI route on uvicorn
  (``httptools``, as ``floorkeeper serve``) with a pydantic body
  ``{"command_id", "version", "size"}``. It inserts one row (the command id)
  into SQLite in a worker thread, committed with ``journal_mode=WAL`` and
  ``synchronous=FULL`` as ``app/db/engine.py`` sets them, so the command is on disk
  before it is answered (T6); then it broadcasts a ``change`` of ``size``
  bytes with ``websockets.broadcast``, exactly as the bare server does, and
  answers ``{"version": V}``.

It is the issue's design (moderator commands over HTTP, the state in the
database before the acknowledgement, FastAPI) with nothing else: no
authorization, no engine, no middleware, no access log, ``sqlite3`` without
SQLAlchemy. Beside the bare broadcast it shows what any server built on that
design pays per change at each N before it does any work of its own. Its
garbage-collection pauses are logged as ours are (``app/live/gcwatch.py``).
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import threading

import uvicorn
from anyio import to_thread
from fastapi import FastAPI
from pydantic import BaseModel
from websockets.asyncio.server import broadcast, serve

from app.config import GC_PAUSE_WARNING_SECONDS
from app.live.gcwatch import watching
from app.live.serving import uvicorn_options
from bench.bare import Bare, change_text
from bench.receivers import raise_fd_limit


class CommandIn(BaseModel):
    command_id: str
    version: int
    size: int


class CommandAck(BaseModel):
    version: int


class Journal:
    """One SQLite file; every command id committed (fsync) before the answer."""

    def __init__(self, path: str) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("CREATE TABLE IF NOT EXISTS command (id TEXT PRIMARY KEY, version INT)")
        self._lock = threading.Lock()  # worker threads share the one connection

    def save(self, command_id: str, version: int) -> None:
        with self._lock:
            self._db.execute("BEGIN")
            self._db.execute("INSERT INTO command VALUES (?, ?)", (command_id, version))
            self._db.execute("COMMIT")


def build(bare: Bare, journal: Journal) -> FastAPI:
    app = FastAPI()

    @app.post("/command")
    async def command(body: CommandIn) -> CommandAck:
        await to_thread.run_sync(journal.save, body.command_id, body.version)
        broadcast(bare.clients, change_text(body.version, body.size))
        return CommandAck(version=body.version)

    return app


async def main(http_port: int, ws_port: int, database: str) -> None:
    raise_fd_limit()
    bare = Bare()
    app = build(bare, Journal(database))
    config = uvicorn.Config(
        app,
        **uvicorn_options(  # as ``floorkeeper serve`` (its websockets are the bare server's)
            host="127.0.0.1",
            port=http_port,
            http="httptools",
            loop="none",  # this loop: asyncio's, as the bare server's
            lifespan="off",
            access_log=False,
            log_level="warning",
        ),
    )
    async with watching(
        GC_PAUSE_WARNING_SECONDS
    ):  # its pauses logged as ours are, for the comparison
        async with serve(bare.handle, "127.0.0.1", ws_port, compression=None, backlog=4096):
            # the websocket side listens first: once HTTP answers, both are up
            await uvicorn.Server(config).serve()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]))
