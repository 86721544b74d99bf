"""How long a floor speaker gets (T1, T2, P4).

The allotment is decided when the floor is given and fixed when the speech
starts. With R the time left in the phase, n the requests waiting that the
phase accepts (the speaker included), S the slot and F the flex: F if
n x F <= R, otherwise S (T2). An RCP chair gets the meeting's extra on top
(P4). A moderator's explicit allotment beats all of these and is recorded as
an override.
"""

from __future__ import annotations

from app.queue.requests import FloorRequest
from app.timing.allotment import Basis
from app.timing.plan import PhasePlan, SegmentPlan


def floor_allotment(
    plan: SegmentPlan,
    phase: PhasePlan,
    request: FloorRequest,
    waiting_count: int,
    time_left: float,
) -> tuple[float, Basis]:
    """T2 and P4: the seconds and why. ``waiting_count`` includes the speaker."""
    if request.seconds is not None:
        return request.seconds, Basis.OVERRIDE
    seconds, basis = plan.slot(phase), Basis.SLOT
    flex = plan.flex(phase)
    if flex is not None and waiting_count * flex <= time_left:
        seconds, basis = flex, Basis.FLEX
    if request.rank == plan.rules.rcp_rank and request.delegation_id in plan.rcp_chairs:
        return seconds + plan.rules.rcp_extra_seconds, Basis.RCP
    return seconds, basis
