"""Simulated meetings shared by the simulator's tests: cached per test run."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from random import Random

from app.queue import (
    FloorGranted,
)
from app.simulation import (
    Simulation,
    check_invariants,
    sample_delegations,
    simulate,
)
from tests.plans import MIN, START, action_group

MEMBER_STATES, STAKEHOLDERS = sample_delegations(45, 7, Random(2017))
SEEDS = range(60)
LATE = START + 45 * MIN  # opened 45 minutes late: A3's block limit ends the MS phase


@cache
def run(seed: int, *, opened_at: float | None = None, override_rate: float = 0.0) -> Simulation:
    """An action group (A1) with 45 Member States and 7 stakeholders; cached per test run."""
    return simulate(
        action_group(),
        member_states=MEMBER_STATES,
        stakeholders=STAKEHOLDERS,
        seed=seed,
        opened_at=opened_at,
        override_rate=override_rate,
    )


def failures(simulations: Sequence[Simulation]) -> dict[int, list[str]]:
    return {s.seed: v for s in simulations if (v := check_invariants(s))}


def grants(simulation: Simulation) -> list[FloorGranted]:
    return [e for e in simulation.events if isinstance(e, FloorGranted)]
