"""A receiver process: holds a share of the benchmark's live clients.

The benchmark spreads its clients over several of these (one asyncio loop
each), so that the receiving side is not what saturates first. The parent
drives each one through a ``multiprocessing`` pipe with small requests
(``Connect``, ``Await``, ``Collect``, ``Close``) and gets plain data back; the
delays are computed here, next to the receipts, and only they travel back.
"""

from __future__ import annotations

import asyncio
import os
import resource
from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

from bench.light import LiveClient, Target, connect

CONNECTING_AT_ONCE = 64  # handshakes in flight per process: well under the listen backlog


@dataclass(frozen=True, slots=True)
class Connect:
    """Open ``count`` clients, the i-th on ``urls[(first + i) % len(urls)]``.

    Several URLs are several server processes (``--processes``): ``first`` is
    this receiver's first client in the whole run, so that the run's clients
    are spread evenly over the servers whatever each receiver's share.
    """

    urls: tuple[str, ...]
    count: int
    ping_every: float
    first: int = 0


@dataclass(frozen=True, slots=True)
class Await:
    """Wait until every open client holds ``version`` (or ``timeout`` seconds pass)."""

    version: int
    timeout: float


@dataclass(frozen=True, slots=True)
class Collect:
    """Delays of the changes ``first``..``last`` from their commands' send times."""

    first: int
    last: int
    sent: Mapping[int, float]


@dataclass(frozen=True, slots=True)
class Close:
    pass


@dataclass(slots=True)
class Connected:
    clients: int
    failures: list[str] = field(default_factory=list)
    first_versions: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Collected:
    """One process's share of a step's figures."""

    delays: array[float]  # seconds, one per (client, delivered change with a send time)
    targets: array[int]  # beside each delay: the index of the URL its client is on
    sizes: dict[int, int]  # bytes of each change's text, from one client
    expected: int  # client-versions that should have arrived
    missed: int  # versions in the range a client never got as a change
    out_of_order: int  # in the range: a change at or below one already received
    resyncs: int  # since connecting: snapshots after the first
    closed: int  # clients the server closed
    close_codes: dict[int, int]
    other: dict[str, int]  # other message types received, summed over clients
    order_ok: bool  # every client got every version of the range, in order
    missed_by_target: dict[int, int]  # missed, by the URL index of the clients
    resyncs_by_target: dict[int, int]


def raise_fd_limit() -> int:
    """Lift the soft open-files limit to the hard one (thousands of sockets)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def run(pipe: Connection) -> None:
    """The process's entry point (``multiprocessing`` spawns it)."""
    raise_fd_limit()
    asyncio.run(_serve(pipe))


async def _serve(pipe: Connection) -> None:
    loop = asyncio.get_running_loop()
    clients: list[LiveClient] = []
    targets: list[int] = []  # the URL index of each client
    while True:
        request = await loop.run_in_executor(None, pipe.recv)
        if isinstance(request, Connect):
            clients, targets, answer = await _connect(request)
            pipe.send(answer)
        elif isinstance(request, Await):
            pipe.send(await _await(clients, request))
        elif isinstance(request, Collect):
            pipe.send(_collect(clients, targets, request))
        elif isinstance(request, Close):
            for client in clients:
                client.close()
            await asyncio.sleep(0)  # let the close frames go out
            pipe.send(os.getpid())
            return


async def _connect(request: Connect) -> tuple[list[LiveClient], list[int], Connected]:
    parsed = [Target.parse(url) for url in request.urls]
    gate = asyncio.Semaphore(CONNECTING_AT_ONCE)
    failures: list[str] = []

    def where(index: int) -> int:
        return (request.first + index) % len(parsed)

    async def one(index: int) -> LiveClient | None:
        async with gate:
            try:
                target = parsed[where(index)]
                return await connect(target, request.ping_every, keep_sizes=index == 0)
            except Exception as error:  # a refused client is a figure, not a crash
                failures.append(f"{type(error).__name__}: {error}")
                return None

    opened = await asyncio.gather(*(one(i) for i in range(request.count)))
    clients = [client for client in opened if client is not None]
    targets = [where(i) for i, client in enumerate(opened) if client is not None]
    await _until(lambda: all(c.first_version >= 0 or c.closed.done() for c in clients), 30.0)
    answer = Connected(len(clients), failures[:5], [c.first_version for c in clients])
    return clients, targets, answer


async def _until(done: object, timeout: float) -> bool:
    """Poll ``done()`` every 10 ms; a guard for the benchmark, not a measurement."""
    assert callable(done)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not done():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def _await(clients: list[LiveClient], request: Await) -> int:
    """How many open clients hold ``request.version`` when they all do or time is up."""
    await _until(
        lambda: all(c.last_version >= request.version or c.closed.done() for c in clients),
        request.timeout,
    )
    return sum(c.last_version >= request.version for c in clients)


def _collect(clients: list[LiveClient], targets: list[int], request: Collect) -> Collected:
    delays: array[float] = array("d")
    on: array[int] = array("H")
    expected = missed = out_of_order = resyncs = closed = 0
    codes: dict[int, int] = {}
    other: dict[str, int] = {}
    sizes: dict[int, int] = {}
    order_ok = True
    missed_by: dict[int, int] = {}
    resyncs_by: dict[int, int] = {}
    wanted = range(request.first, request.last + 1)
    sent = request.sent
    for client, target in zip(clients, targets, strict=True):
        got = [
            (version, at)
            for version, at in zip(client.versions, client.times, strict=True)
            if request.first <= version <= request.last
        ]
        versions = [version for version, _ in got]
        expected += len(wanted)
        missing = len(set(wanted) - set(versions))
        missed += missing
        missed_by[target] = missed_by.get(target, 0) + missing
        resyncs_by[target] = resyncs_by.get(target, 0) + client.resyncs
        order_ok = order_ok and versions == list(wanted)
        for version, at in got:
            start = sent.get(version)
            if start is not None:
                delays.append(at - start)
                on.append(target)
        out_of_order += sum(b <= a for a, b in zip(versions, versions[1:], strict=False))
        resyncs += client.resyncs
        if client.closed.done():
            closed += 1
            code = client.close_code if client.close_code is not None else 1006
            codes[code] = codes.get(code, 0) + 1
        for kind, count in client.other.items():
            other[kind] = other.get(kind, 0) + count
        sizes.update({v: s for v, s in client.sizes.items() if v in wanted})
    return Collected(
        delays,
        on,
        sizes,
        expected,
        missed,
        out_of_order,
        resyncs,
        closed,
        codes,
        other,
        order_ok,
        missed_by,
        resyncs_by,
    )
