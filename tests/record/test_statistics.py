"""Statistics (R4) of simulated action groups, checked against a count made here.

The expected figures are counted here, straight from the interventions of
the one R1 fold (``app.record.build_record``, which is the simulator's
timeline too), never through ``app.record.statistics``: the tally and a
direct count of the same interventions must agree.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from functools import cache
from random import Random

import pytest

from app.category import Category
from app.record import (
    DelegationInfo,
    Group,
    Intervention,
    Scope,
    SegmentInfo,
    Tally,
    build_record,
    by_day,
    by_segment,
    statistics,
)
from app.record import Intervention as Timed
from app.record import Outcome as SimOutcome
from app.simulation import Simulation, sample_delegations, simulate
from tests.plans import MIN, START, action_group

MEMBER_STATES, STAKEHOLDERS = sample_delegations(45, 7, Random(2017))
REGIONS = (
    "african",
    "asia_pacific",
    "eastern_european",
    "latin_american_caribbean",
    "western_european_other",
)
#: MS01.. in the five UN regional groups in turn; stakeholders have none.
DELEGATIONS = {
    **{
        s.id: DelegationInfo(s.id, s.name, Category.MEMBER_STATE, REGIONS[n % len(REGIONS)])
        for n, s in enumerate(MEMBER_STATES)
    },
    **{
        s.id: DelegationInfo(s.id, s.name, s.category or Category.CIVIL_SOCIETY)
        for s in STAKEHOLDERS
    },
}
DAY = 24 * 3600.0


@cache
def run(seed: int, late_minutes: float = 0.0, segment: str = "ag1", day: float = 0.0) -> Simulation:
    """An action group (A1): 45 Member States, 7 stakeholders, some overrides (P2)."""
    plan = replace(action_group(start=START + day), id=segment)
    return simulate(
        plan,
        member_states=MEMBER_STATES,
        stakeholders=STAKEHOLDERS,
        seed=seed,
        opened_at=START + day + late_minutes * MIN,
        override_rate=0.2,
    )


def record_of(simulation: Simulation, info: SegmentInfo | None = None) -> tuple[Intervention, ...]:
    segments = {simulation.plan.id: info} if info is not None else {}
    return build_record(simulation.events, delegations=DELEGATIONS, segments=segments)


# -- the count made here, from the simulator's timeline -----------------------------------

TABLE_1 = {
    Category.MEMBER_STATE: Group.MEMBER_STATES,
    Category.OBSERVER_STATE: Group.OBSERVER_STATES,
    Category.UN_SYSTEM: Group.UN_SYSTEM,
}


def table_group(category: Category | None) -> Group:
    """Table 1 of 000: Member States, UN agencies, the other stakeholders (P3)."""
    if category is None:
        return Group.PROGRAMME
    return TABLE_1.get(category, Group.OTHER_STAKEHOLDERS)


def counted(timeline: list[Timed]) -> Tally:
    heard = [i for i in timeline if i.outcome is SimOutcome.HEARD]
    return Tally(
        requests=sum(1 for i in timeline if i.request_id is not None),
        interventions=len(heard),
        not_heard=sum(1 for i in timeline if i.outcome is SimOutcome.NOT_HEARD),
        withdrawn=sum(1 for i in timeline if i.outcome is SimOutcome.WITHDRAWN),
        struck=sum(1 for i in timeline if i.closed_reason == "struck"),
        out_of_order=sum(1 for i in heard if i.out_of_order),
        delegations_attending=len({i.speaker_id for i in timeline if i.request_id}),
        delegations_speaking=len({i.speaker_id for i in heard if i.request_id}),
        allotted_seconds=sum(i.allotted or 0.0 for i in heard),  # extensions included
        spoken_seconds=sum(i.spoken for i in heard),
        overtime_seconds=sum(i.overtime for i in heard),
        overruns=sum(1 for i in heard if i.overtime > 0),
    )


def region(i: Timed) -> str:
    return DELEGATIONS[i.speaker_id].regional_group if i.request_id else ""


def assert_same(got: Tally, expected: Tally) -> None:
    assert replace(got, allotted_seconds=0, spoken_seconds=0, overtime_seconds=0) == replace(
        expected, allotted_seconds=0, spoken_seconds=0, overtime_seconds=0
    )
    assert got.allotted_seconds == pytest.approx(expected.allotted_seconds)
    assert got.spoken_seconds == pytest.approx(expected.spoken_seconds)
    assert got.overtime_seconds == pytest.approx(expected.overtime_seconds)


# -- a segment -------------------------------------------------------------------------------

CASES = [(1, 0.0), (2, 0.0), (7, 45.0)]  # the last opens 45 minutes late: A3 closes requests


@pytest.mark.parametrize(("seed", "late"), CASES)
def test_R4_a_simulated_action_group_matches_a_count_from_its_timeline(
    seed: int, late: float
) -> None:
    simulation = run(seed, late)
    timeline = list(simulation.timeline)
    assert simulation.complete

    stats = statistics(record_of(simulation), scope=Scope.SEGMENT, key="ag1")

    assert_same(stats.total, counted(timeline))
    for group in Group:
        assert_same(
            stats.by_group[group],
            counted([i for i in timeline if table_group(i.category) is group]),
        )
    for name in REGIONS:
        assert_same(
            stats.by_regional_group[name], counted([i for i in timeline if region(i) == name])
        )
    categories = {i.category.value for i in timeline if i.category is not None}
    assert set(stats.by_category) == categories
    for name in categories:
        mine = [i for i in timeline if i.category is not None and i.category.value == name]
        assert_same(stats.by_category[name], counted(mine))


@pytest.mark.parametrize(("seed", "late"), CASES)
def test_R4_the_regional_balance_is_each_groups_share_of_member_states_heard(
    seed: int, late: float
) -> None:
    timeline = run(seed, late).timeline
    states = [
        i for i in timeline if i.category is Category.MEMBER_STATE and i.outcome is SimOutcome.HEARD
    ]
    count = Counter(region(i) for i in states)
    seconds = {name: sum(i.spoken for i in states if region(i) == name) for name in REGIONS}

    stats = statistics(record_of(run(seed, late)), scope=Scope.SEGMENT, key="ag1")

    shares = {s.group: (s.interventions, s.spoken) for s in stats.regional_balance}
    assert set(shares) == set(REGIONS)
    for name in REGIONS:
        assert shares[name][0] == pytest.approx(count[name] / len(states))
        assert shares[name][1] == pytest.approx(seconds[name] / sum(seconds.values()))


def test_A3_the_late_action_group_really_leaves_member_states_not_heard() -> None:
    """Guards the cases above: the A3 path is exercised, and so are P2 overrides."""
    late = statistics(record_of(run(7, 45.0)), scope=Scope.SEGMENT, key="ag1")
    on_time = [statistics(record_of(run(s, 0.0)), scope=Scope.SEGMENT, key="ag1") for s in (1, 2)]

    assert late.by_group[Group.MEMBER_STATES].not_heard > 0
    assert sum(s.total.out_of_order for s in [late, *on_time]) > 0
    assert all(s.by_group[Group.OTHER_STAKEHOLDERS].interventions > 0 for s in on_time)


# -- days and the meeting ----------------------------------------------------------------------


def meeting_record() -> list[Intervention]:
    """Day 2: two action groups in parallel rooms; day 3: one more (C4)."""
    days = [
        (run(1, 0.0, "ag1"), SegmentInfo("ag1", "Action group 1", "2017-12-05", "Room 1")),
        (run(2, 0.0, "ag2"), SegmentInfo("ag2", "Action group 2", "2017-12-05", "Room 2")),
        (run(3, 10.0, "ag3", DAY), SegmentInfo("ag3", "Action group 3", "2017-12-06", "Room 1")),
    ]
    return [line for simulation, info in days for line in record_of(simulation, info)]


def test_R4_a_day_counts_every_room_and_the_meeting_every_day() -> None:
    lines = meeting_record()
    segments = by_segment(lines)
    days = by_day(lines)

    assert list(segments) == ["ag1", "ag2", "ag3"]
    assert list(days) == ["2017-12-05", "2017-12-06"]
    day_2 = statistics(days["2017-12-05"], scope=Scope.DAY, key="2017-12-05")
    meeting = statistics(lines, scope=Scope.MEETING, key="gcm")
    parts = [statistics(segments[s], scope=Scope.SEGMENT, key=s).total for s in segments]

    assert day_2.segments == ("ag1", "ag2")
    assert day_2.total.interventions == parts[0].interventions + parts[1].interventions
    assert day_2.total.spoken_seconds == pytest.approx(
        parts[0].spoken_seconds + parts[1].spoken_seconds
    )
    assert meeting.total.interventions == sum(p.interventions for p in parts)
    assert meeting.total.not_heard == sum(p.not_heard for p in parts)
    assert meeting.total.allotted_seconds == pytest.approx(sum(p.allotted_seconds for p in parts))
    # the same delegations ask in every room: the day counts each once
    assert (
        day_2.total.delegations_attending
        < parts[0].delegations_attending + parts[1].delegations_attending
    )
    expected = counted([i for s in (run(1, 0.0, "ag1"), run(2, 0.0, "ag2")) for i in s.timeline])
    assert day_2.total.delegations_attending == expected.delegations_attending


def test_R4_registered_delegations_attend_a_day_but_not_a_single_segment() -> None:
    lines = list(record_of(run(1)))
    silent = DelegationInfo("SUR", "Suriname", Category.MEMBER_STATE, "latin_american_caribbean")
    asked = {i.delegation for i in lines if i.request_id}

    segment = statistics(lines, scope=Scope.SEGMENT, key="ag1", registered=[silent])
    day = statistics(lines, scope=Scope.DAY, key="2017-12-05", registered=[silent])

    assert segment.total.delegations_attending == len(asked)
    assert day.total.delegations_attending == len(asked) + 1
    assert day.by_group[Group.MEMBER_STATES].delegations_attending == (
        segment.by_group[Group.MEMBER_STATES].delegations_attending + 1
    )
    assert day.by_regional_group["latin_american_caribbean"].delegations_attending == (
        segment.by_regional_group["latin_american_caribbean"].delegations_attending + 1
    )
    assert day.total.delegations_speaking == segment.total.delegations_speaking
