"""How long a floor speaker gets (T1, T2, P4, O7).

The allotment is decided when the floor is given and fixed when the speech
starts. With R the time left in the phase, n the requests waiting that the
phase accepts (the speaker included), S the slot and F the flex: F if
n x F <= R, otherwise S (T2). A profile may give allotments of its own
(O7): a statement on behalf of a group gets ``capacity_seconds``; otherwise
the speaker's category may have its own (``category_seconds``). Either
replaces the slot and the flex: flex applies only where neither does (an
HRC list is 3 and 2 minutes whatever the number of speakers). An RCP chair
gets the meeting's extra on top of whichever applies (P4). A moderator's
explicit allotment beats all of these and is recorded as an override.
A group's contingent (O9, ``app.queue.contingent``) may cap the result.
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
    """T2, O7 and P4: the seconds and why. ``waiting_count`` includes the speaker."""
    if request.seconds is not None:
        return request.seconds, Basis.OVERRIDE
    rules = plan.rules
    by_category = rules.category_allotment(request.category)
    if request.speaks_for is not None and rules.capacity_seconds is not None:
        seconds, basis = rules.capacity_seconds, Basis.CAPACITY  # O7: on behalf of a group
    elif by_category is not None:
        seconds, basis = by_category, Basis.CATEGORY  # O7
    else:
        seconds, basis = plan.slot(phase), Basis.SLOT
        flex = plan.flex(phase)
        if flex is not None and waiting_count * flex <= time_left:
            seconds, basis = flex, Basis.FLEX
    if request.rank == plan.rules.rcp_rank and request.delegation_id in plan.rcp_chairs:
        return seconds + plan.rules.rcp_extra_seconds, Basis.RCP
    return seconds, basis
