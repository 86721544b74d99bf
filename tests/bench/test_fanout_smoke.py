"""S8, C4: the fan-out benchmark's machinery, end to end, on a handful of clients.

Each server as the benchmark starts it (``floorkeeper serve`` as a
subprocess; ``bench/bare.py``; ``bench/floor.py``), the benchmark's own receiver processes and
light clients, a few commands: every client must receive every version, in
order, with nothing missed or collapsed. It checks the benchmark as much as
the channel: a receiver that dropped or misread frames would fail here before
it produced a figure. No timing threshold: the delays need only exist.
"""

from __future__ import annotations

import asyncio
import math
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.fanout import Receivers, Step, run_step
from bench.receivers import raise_fd_limit
from bench.servers import Bare, Floor, Floorkeeper

CLIENTS = 6
COMMANDS = 9


async def _steady(server: Floorkeeper | Bare | Floor) -> tuple[int, Step]:
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


def _floorkeeper(folder: Path) -> Floorkeeper:
    return Floorkeeper(folder, use_demo=False)


SERVERS: dict[str, Callable[[Path], Floorkeeper | Bare | Floor]] = {
    "floorkeeper": _floorkeeper,
    "bare": Bare,
    "floor": Floor,
}


@pytest.mark.slow
@pytest.mark.parametrize("name", SERVERS)
def test_s8_c4_every_client_gets_every_version_in_order(name: str, tmp_path: Path) -> None:
    raise_fd_limit()
    with SERVERS[name](tmp_path).running() as server:
        clients, step = asyncio.run(_steady(server))
    _assert_every_version_in_order(clients, step)


@pytest.mark.slow
def test_t6_the_floor_of_the_design_saves_every_command_before_its_answer(tmp_path: Path) -> None:
    raise_fd_limit()
    with Floor(tmp_path).running() as server:
        asyncio.run(_steady(server))
        with sqlite3.connect(tmp_path / "floor.db") as saved:  # answered, so on disk
            assert saved.execute("SELECT count(*) FROM command").fetchone() == (COMMANDS,)
