"""The plan and the programme clock: phases, A3 limits, drift (C1, C2)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.category import Category
from app.timing.plan import FloorRules, PhaseKind
from app.timing.programme import (
    PhaseClosing,
    PhaseEnded,
    PhaseEndReason,
    PhaseStarted,
    SegmentClosed,
    SegmentOpened,
    SegmentRun,
    block_latest_start,
    current_phase,
    drift,
    evolve,
    expected_phase_end,
    is_last_phase,
    open_run,
    phase_elapsed,
    phase_end_by_plan,
    phase_end_deadline,
    phase_end_due,
    phase_limit,
    phase_planned_end,
    phase_time_left,
    planned_end,
)
from tests.plans import MIN, START, action_group, panel

WELCOME, MEMBER_STATES, STAKEHOLDERS, CONCLUDING = range(4)


def in_phase(index: int, started_at: float, *, start: float = START) -> SegmentRun:
    """The action group's run with phase ``index`` started at ``started_at``."""
    run = open_run(action_group(start=start), start)
    return evolve(run, PhaseStarted(started_at, index, run.plan.phases[index].key))


# -- the plan ----------------------------------------------------------------------------


def test_A1_the_action_group_plans_welcome_member_states_stakeholders_concluding() -> None:
    plan = action_group()

    assert [p.key for p in plan.phases] == [
        "welcome",
        "member_states",
        "stakeholders",
        "concluding",
    ]
    assert plan.phase_start_offsets() == (0.0, 5 * MIN, 80 * MIN, 92 * MIN)
    assert plan.planned_after(MEMBER_STATES) == 17 * MIN


def test_A1_the_welcome_phase_shows_the_guiding_questions() -> None:
    assert [p.show_questions for p in action_group().phases] == [True, False, False, False]


def test_T1_the_slot_is_the_phases_own_or_the_meetings() -> None:
    plan = action_group(rules=FloorRules(slot_seconds=90.0))
    member_states = plan.phases[MEMBER_STATES]

    assert plan.slot(member_states) == 90.0
    assert plan.slot(replace(member_states, slot_seconds=150.0)) == 150.0


def test_T2_flex_is_the_phases_own_or_the_meetings_where_it_applies() -> None:
    plan = action_group()
    member_states = plan.phases[MEMBER_STATES]

    assert plan.flex(member_states) == 180.0
    assert plan.flex(replace(member_states, flex_seconds=150.0)) == 150.0
    assert plan.flex(replace(member_states, flex=False)) is None
    assert action_group(rules=FloorRules(flex_rule=False)).flex(member_states) is None
    assert panel().flex(panel().phases[-1]) is None  # the panel's Q&A has no flex


def test_P2_default_ranks_put_member_states_first_then_observers_then_everyone() -> None:
    rules = FloorRules()

    assert rules.rank_of(Category.MEMBER_STATE) == 0
    assert rules.rank_of(Category.OBSERVER_STATE) == 1
    assert rules.rank_of(Category.CIVIL_SOCIETY) == rules.rank_of(Category.UN_SYSTEM) == 2
    assert rules.rcp_rank < rules.rank_of(Category.MEMBER_STATE)  # P4


# -- the phase clock (C1) ----------------------------------------------------------------


def test_C1_a_segment_opens_in_its_first_phase_at_the_instant_it_opens() -> None:
    run = open_run(action_group(), START + 90.0)

    assert current_phase(run).key == "welcome"
    assert run.phase_started_at == START + 90.0
    assert not is_last_phase(run)


def test_C1_the_phase_clock_counts_from_the_phase_start() -> None:
    run = in_phase(MEMBER_STATES, START + 7 * MIN)

    assert phase_elapsed(run, START + 7 * MIN) == 0.0
    assert phase_elapsed(run, START + 19 * MIN) == 12 * MIN


def test_C1_a_phase_start_resets_the_programme_cursor_and_the_slots_heard() -> None:
    run = replace(in_phase(WELCOME, START), programme_cursor=1, heard_in_phase=3)
    run = evolve(run, PhaseClosing(START + 4 * MIN, WELCOME, PhaseEndReason.COMMAND))
    assert run.closing is PhaseEndReason.COMMAND

    run = evolve(run, PhaseStarted(START + 6 * MIN, MEMBER_STATES, "member_states"))

    assert (run.phase_index, run.phase_started_at) == (MEMBER_STATES, START + 6 * MIN)
    assert (run.closing, run.programme_cursor, run.heard_in_phase) == (None, 0, 0)


def test_C1_events_that_only_mark_the_record_leave_the_run_unchanged() -> None:
    run = in_phase(MEMBER_STATES, START + 5 * MIN)
    for event in (
        PhaseEnded(START, 0, "welcome", PhaseEndReason.COMMAND),
        SegmentClosed(START, "ag1"),
        SegmentOpened(START, run.plan),
    ):
        assert evolve(run, event) == run


def test_A4_a_phase_runs_its_planned_length_from_its_actual_start() -> None:
    run = in_phase(STAKEHOLDERS, START + 85 * MIN)  # five minutes late

    assert phase_planned_end(run) == START + 97 * MIN
    assert phase_limit(run) is None
    assert phase_end_deadline(run) is None  # the block never ends by itself
    assert phase_time_left(run, START + 90 * MIN) == 7 * MIN


# -- A3: the Member State phase's limits -------------------------------------------------


def test_A3_the_blocks_latest_start_is_the_scheduled_end_minus_every_later_phase() -> None:
    # 135 minutes scheduled; stakeholders 12 and concluding 5 come after
    assert block_latest_start(action_group(), MEMBER_STATES) == START + 118 * MIN


def test_A3_the_member_state_phase_is_limited_by_its_maximum() -> None:
    run = in_phase(MEMBER_STATES, START + 5 * MIN)

    assert phase_limit(run) == START + 80 * MIN
    assert phase_end_deadline(run) == START + 80 * MIN
    assert phase_end_due(run, START + 80 * MIN - 1) is None
    assert phase_end_due(run, START + 80 * MIN) is PhaseEndReason.MAXIMUM


def test_A3_the_member_state_phase_yields_to_the_block_when_the_segment_opened_late() -> None:
    run = in_phase(MEMBER_STATES, START + 50 * MIN)  # maximum at 125 > latest start 118

    assert phase_limit(run) == START + 118 * MIN
    # the last slot may start while it ends before the block's latest start
    assert phase_end_deadline(run) == START + 116 * MIN
    assert phase_end_due(run, START + 116 * MIN - 1) is None
    assert phase_end_due(run, START + 116 * MIN) is PhaseEndReason.BLOCK


def test_A3_a_phase_is_due_to_end_for_the_first_limit_it_reaches() -> None:
    run = in_phase(MEMBER_STATES, START + 43 * MIN)  # maximum 118, block deadline 116

    assert phase_end_due(run, START + 117 * MIN) is PhaseEndReason.BLOCK
    assert phase_end_deadline(run) == START + 116 * MIN


def test_A3_a_phase_that_is_closing_waits_for_its_speaker_not_for_a_deadline() -> None:
    run = in_phase(MEMBER_STATES, START + 5 * MIN)
    closing = evolve(run, PhaseClosing(START + 30 * MIN, MEMBER_STATES, PhaseEndReason.COMMAND))

    assert phase_end_deadline(closing) is None


@pytest.mark.parametrize("index", [WELCOME, STAKEHOLDERS, CONCLUDING])
def test_A3_only_a_limited_floor_phase_ends_by_itself(index: int) -> None:
    run = in_phase(index, START)

    assert phase_end_due(run, START + 1_000 * MIN) is None
    assert phase_end_deadline(run) is None


def test_A3_a_limit_on_a_programme_phase_bounds_its_plan_but_never_ends_it() -> None:
    plan = action_group()
    welcome = replace(plan.phases[WELCOME], max_seconds=3 * MIN, kind=PhaseKind.PROGRAMME)
    run = open_run(replace(plan, phases=(welcome, *plan.phases[1:])), START)

    assert phase_end_by_plan(run) == START + 3 * MIN
    assert phase_end_due(run, START + 10 * MIN) is None


# -- T2's R and C2's projected phase end -------------------------------------------------


def test_T2_time_left_counts_to_the_plan_or_the_earlier_limit() -> None:
    on_time = in_phase(MEMBER_STATES, START + 5 * MIN)
    late = in_phase(MEMBER_STATES, START + 50 * MIN)

    assert phase_time_left(on_time, START + 70 * MIN) == 10 * MIN
    assert phase_time_left(late, START + 110 * MIN) == 8 * MIN  # the block's latest start


def test_C2_a_phase_is_expected_to_end_by_its_plan_never_before_its_speaker_finishes() -> None:
    run = in_phase(MEMBER_STATES, START + 5 * MIN)

    assert expected_phase_end(run, START + 10 * MIN, START + 12 * MIN) == START + 80 * MIN
    assert expected_phase_end(run, START + 79 * MIN, START + 82 * MIN) == START + 82 * MIN
    assert expected_phase_end(run, START + 85 * MIN, START + 85 * MIN) == START + 85 * MIN


def test_C2_the_planned_end_is_the_scheduled_start_plus_every_phase() -> None:
    assert planned_end(action_group()) == START + 97 * MIN


def test_C2_drift_is_positive_behind_the_programme_and_negative_ahead() -> None:
    run = open_run(action_group(), START)

    assert drift(run, START + 107 * MIN) == 10 * MIN
    assert drift(run, START + 90 * MIN) == -7 * MIN
    assert drift(run, START + 97 * MIN) == 0.0
