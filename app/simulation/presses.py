"""Who asks for the floor, and when: the simulated room's delegations and their presses.

Theory of operation
-------------------
Every press is drawn before the segment opens, as an offset from the start
of the first floor phase (the Member State phase of an action group, a
panel's Q&A), so that the moderator can know what is still to come (a real
one asks the room). Member States mostly ask in the phase's first 20
minutes (or its first half, if shorter), some later, up to 90 % of it;
stakeholders at any time up to 90 % of it (they queue for the block, A4). A
few press twice (P6 while waiting, P8 after speaking), ask through the
moderator (P7) or withdraw. Where the meeting alternates pro and contra
(O8, ``alternate_stances``), a request speaks for or against, or (a few) is
a plain contribution; the press again keeps its stance.

The points of order, rights of reply and interposed questions (O1, O2, O8)
are not drawn here: they answer what happens in the room (a speech under
way, a speech just ended), so ``app.simulation.room`` draws them as it goes.

The draws come from the caller's ``random.Random`` in a fixed order (one
delegation after the other, in the order given), which is what makes a seed
give the same meeting twice: changing the order of draws changes every run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from random import Random

from app.category import Category, stakeholder_categories
from app.queue.commands import RequestFloor, WithdrawRequest
from app.queue.requests import Stance
from app.timing.allotment import Speaker
from app.timing.plan import PhaseKind, SegmentPlan

MIN = 60.0
EARLY_WINDOW = 20 * MIN  # most Member States ask in the phase's first 20 minutes
EARLY_SHARE = 0.8
SECOND_PRESS_SHARE = 0.1  # press again: a no-op while waiting (P6), a new request after (P8)
WITHDRAW_SHARE = 0.05
ON_BEHALF_SHARE = 0.15  # a raised name plate, entered by the moderator (P7)
PLAIN_SHARE = 0.2  # O8, where pro and contra alternate: a plain contribution; else half each


@dataclass(frozen=True, slots=True)
class Press:
    """A delegation's press, to be applied at ``offset`` after the first floor phase starts."""

    offset: float  # seconds after the first floor phase starts
    order: int  # ties keep the order of drawing
    command: RequestFloor | WithdrawRequest


def sample_delegations(
    n_member_states: int, n_stakeholders: int, rng: Random
) -> tuple[tuple[Speaker, ...], tuple[Speaker, ...]]:
    """Synthetic delegations for tests: MS01.. (member_state), SH01.. (a random P3 category)."""
    kinds = sorted(stakeholder_categories(), key=lambda c: c.value)  # sorted: reproducible
    states = tuple(
        Speaker(f"MS{n:02d}", f"Member State {n:02d}", Category.MEMBER_STATE)
        for n in range(1, n_member_states + 1)
    )
    others = tuple(
        Speaker(f"SH{n:02d}", f"Stakeholder {n:02d}", rng.choice(kinds))
        for n in range(1, n_stakeholders + 1)
    )
    return states, others


def schedule(
    plan: SegmentPlan, states: Sequence[Speaker], others: Sequence[Speaker], rng: Random
) -> list[Press]:
    """Every delegation's presses, relative to the first floor phase's start, in time order."""
    span = _first_floor_span(plan)
    early = min(EARLY_WINDOW, span / 2)
    stances = plan.rules.alternate_stances  # O8: drawn only where the list alternates
    drawn: list[tuple[float, RequestFloor | WithdrawRequest]] = []
    for who in states:
        if rng.random() < EARLY_SHARE:
            offset = rng.uniform(0.0, early)
        else:
            offset = rng.uniform(early, span * 0.9)
        drawn.extend(_presses_of(who, offset, rng, stances))
    for who in others:
        drawn.extend(_presses_of(who, rng.uniform(0.0, span * 0.9), rng, stances))
    return sorted(
        (Press(round(offset, 1), n, command) for n, (offset, command) in enumerate(drawn)),
        key=lambda p: (p.offset, p.order),
    )


def _presses_of(
    who: Speaker, offset: float, rng: Random, stances: bool
) -> list[tuple[float, RequestFloor | WithdrawRequest]]:
    on_behalf = rng.random() < ON_BEHALF_SHARE
    stance = _stance(rng) if stances else Stance.NONE
    presses: list[tuple[float, RequestFloor | WithdrawRequest]] = [
        (offset, RequestFloor(who, on_behalf=on_behalf, stance=stance))
    ]
    if rng.random() < SECOND_PRESS_SHARE:
        presses.append((offset + rng.uniform(30.0, 1200.0), RequestFloor(who, stance=stance)))
    if rng.random() < WITHDRAW_SHARE:
        presses.append((offset + rng.uniform(60.0, 1200.0), WithdrawRequest(who.id)))
    return presses


def _stance(rng: Random) -> Stance:
    """O8: pro or contra, half each, or now and then a plain contribution."""
    if rng.random() < PLAIN_SHARE:
        return Stance.NONE
    return Stance.PRO if rng.random() < 0.5 else Stance.CONTRA


def _first_floor_span(plan: SegmentPlan) -> float:
    """The planned length of the first floor phase (capped by its maximum)."""
    for phase in plan.phases:
        if phase.kind is PhaseKind.FLOOR:
            span = phase.planned_seconds
            return min(span, phase.max_seconds) if phase.max_seconds is not None else span
    return 0.0
