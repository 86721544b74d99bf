"""S8, C4: the fan-out benchmark's machinery, end to end, on a handful of clients.

Each server as the benchmark starts it (``floorkeeper serve`` as a
subprocess; ``bench/bare.py``), the benchmark's own receiver processes and
light clients, a few commands: every client must receive every version, in
order, with nothing missed or collapsed. It checks the benchmark as much as
the channel: a receiver that dropped or misread frames would fail here before
it produced a figure. No timing threshold: the delays need only exist.
"""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

import pytest

from bench.fanout import Receivers, Step, run_step
from bench.receivers import raise_fd_limit
from bench.servers import Bare, Floorkeeper

CLIENTS = 6
COMMANDS = 9


async def _steady(server: Floorkeeper | Bare) -> tuple[int, Step]:
    await server.open()
    pool = Receivers(2)
    try:
        connected = await pool.connect(server.live_url, CLIENTS)
        step, _ = await run_step(server, pool, "steady", COMMANDS, 0.02, False, lambda _i: 300)
        return connected.clients, step
    finally:
        await pool.close()
        await server.close()


def _assert_every_version_in_order(clients: int, step: Step) -> None:
    assert clients == CLIENTS
    assert step.refused == 0
    assert step.expected == CLIENTS * COMMANDS
    assert step.client_messages == CLIENTS * COMMANDS
    assert step.missed == 0
    assert step.out_of_order == 0
    assert step.resyncs == 0
    assert step.every_version_in_order
    assert step.closed_clients == 0
    assert not math.isnan(step.max_ms)


@pytest.mark.slow
def test_s8_c4_every_client_gets_every_version_in_order_from_floorkeeper(
    tmp_path: Path,
) -> None:
    raise_fd_limit()
    with Floorkeeper(tmp_path, use_demo=False).running() as server:
        clients, step = asyncio.run(_steady(server))
    _assert_every_version_in_order(clients, step)


@pytest.mark.slow
def test_s8_every_client_gets_every_version_in_order_from_the_bare_broadcast(
    tmp_path: Path,
) -> None:
    raise_fd_limit()
    with Bare(tmp_path).running() as server:
        clients, step = asyncio.run(_steady(server))
    _assert_every_version_in_order(clients, step)
