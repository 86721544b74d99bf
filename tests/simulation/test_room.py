"""The simulated room: random but reproducible meetings that keep every invariant.

The invariants are checked on simulated action groups (A1) for many seeds, on
late openings (A3's block limit), with the moderator's overrides, and on a
panel (A2), a debate (A8) and a ceremony (A7).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from random import Random

from app.category import Category, is_stakeholder
from app.record import Group, Outcome
from app.simulation import (
    COLUMNS,
    check_invariants,
    render_text,
    sample_delegations,
    simulate,
)
from app.timing.allotment import Basis
from app.timing.plan import PhaseKind, PhasePlan, ProgrammeSpeaker, SegmentPlan
from app.timing.programme import PhaseEndReason, block_latest_start
from tests.fakes import observer
from tests.plans import MIN, START, STATES, action_group, panel
from tests.simulation.runs import LATE, MEMBER_STATES, SEEDS, STAKEHOLDERS, failures, grants, run

# -- the invariants hold -----------------------------------------------------------------


def test_simulated_action_groups_keep_every_invariant_for_many_seeds() -> None:
    simulations = [run(seed) for seed in SEEDS]

    assert failures(simulations) == {}
    assert all(s.complete for s in simulations)


def test_A4_simulated_action_groups_hear_four_stakeholders_for_many_seeds() -> None:
    for seed in SEEDS:
        heard = [i for i in run(seed).timeline if COLUMNS[i.group] == "stakeholders" and i.heard]
        assert len(heard) >= 4, seed
        assert {i.phase for i in heard} == {"stakeholders"}, seed  # never in the MS phase


def test_A3_member_state_phase_ends_at_its_maximum_when_the_segment_starts_on_time() -> None:
    for seed in range(10):
        simulation = run(seed)
        phases = {p.key: p for p in simulation.phases}
        ms, block = phases["member_states"], phases["stakeholders"]
        assert ms.end_reason is PhaseEndReason.MAXIMUM
        assert block.started_at == ms.ended_at
        last = max(i.ended_at or 0.0 for i in simulation.timeline if i.phase == "member_states")
        # at the maximum, or when the speaker on the floor finished (A3)
        assert ms.ended_at == max(last, ms.started_at + 75 * MIN)


def test_A3_late_opening_stops_member_states_before_the_blocks_latest_start() -> None:
    simulations = [run(seed, opened_at=LATE) for seed in range(20)]
    plan = action_group()
    latest = block_latest_start(plan, 1)

    assert failures(simulations) == {}
    for simulation in simulations:
        assert simulation.phases[1].end_reason is PhaseEndReason.BLOCK
        member_states = [g for g in grants(simulation) if g.allotment.phase_key == "member_states"]
        assert all(g.at + plan.rules.slot_seconds < latest for g in member_states)
        heard = simulation.summary.heard["stakeholders"]
        assert heard >= 4, simulation.seed  # A4: the block keeps its slots, drift shows it
        assert simulation.summary.drift is not None
        assert simulation.summary.drift > 0


def test_A3_a_small_room_closes_its_phases_early_and_ends_ahead_of_the_programme() -> None:
    states, others = sample_delegations(6, 4, Random(1))
    for seed in range(10):
        simulation = simulate(action_group(), member_states=states, stakeholders=others, seed=seed)

        assert check_invariants(simulation) == []
        assert simulation.phases[1].end_reason is PhaseEndReason.COMMAND  # no one left to hear
        assert simulation.summary.drift is not None
        assert simulation.summary.drift < 0


def test_P2_overrides_are_recorded_and_the_invariants_still_hold() -> None:
    simulations = [run(seed, override_rate=0.3) for seed in range(30)]
    overrides = Counter(o for s in simulations for i in s.timeline for o in i.overrides)
    early = [
        i
        for s in simulations
        for i in s.timeline
        if COLUMNS[i.group] == "stakeholders" and i.phase == "member_states" and i.granted_at
    ]

    assert failures(simulations) == {}
    assert set(overrides) == {"out_of_order", "moved", "allotment", "extended"}
    assert early, "an override should give a stakeholder the floor early sometimes"
    assert all(i.out_of_order for i in early)


def test_A2_panel_with_rcp_chairs_runs_to_completion() -> None:
    plan = panel(rcp_chairs=frozenset({"MS03", "MS07"}))
    for seed in range(10):
        simulation = simulate(
            plan,
            member_states=MEMBER_STATES,
            stakeholders=STAKEHOLDERS,
            seed=seed,
            override_rate=0.2 * (seed % 2),
        )

        assert simulation.complete
        assert check_invariants(simulation) == []
        assert [p.key for p in simulation.phases] == [
            "introduction",
            "panellists",
            "discussion",
            "qa",
        ]
        assert simulation.summary.heard[Group.PROGRAMME.value] == 5
        chairs = [i for i in simulation.timeline if i.speaker_id in {"MS03", "MS07"}]
        assert all(i.basis in {Basis.RCP, Basis.OVERRIDE} for i in chairs if i.heard)  # P4


def test_P3_observer_states_queue_with_member_states() -> None:
    states = (*MEMBER_STATES[:30], *(observer(f"OS{n}") for n in range(1, 4)))
    for seed in range(5):
        simulation = simulate(
            action_group(), member_states=states, stakeholders=STAKEHOLDERS, seed=seed
        )

        assert check_invariants(simulation) == []
        observers = [i for i in simulation.timeline if i.group is Group.OBSERVER_STATES]
        assert len(observers) >= 3
        assert {i.phase for i in observers if i.heard} <= {"member_states"}


def test_A8_a_segment_that_opens_on_the_floor_runs() -> None:
    debate = SegmentPlan(
        id="debate",
        room_id="plenary",
        title="Interactive debate",
        format="A8",
        scheduled_start=START,
        scheduled_end=START + 30 * MIN,
        phases=(PhasePlan("debate", "Debate", PhaseKind.FLOOR, 30 * MIN, eligible=STATES),),
    )
    simulation = simulate(
        debate, member_states=MEMBER_STATES[:8], stakeholders=(), seed=3, opened_at=START + 60
    )

    assert simulation.complete
    assert check_invariants(simulation) == []
    assert simulation.summary.opened_at == START + 60
    assert simulation.summary.heard[Group.MEMBER_STATES.value] >= 7  # one may withdraw


def test_A7_a_ceremony_has_programme_speakers_only() -> None:
    ceremony = SegmentPlan(
        id="closing",
        room_id="plenary",
        title="Closing ceremony",
        format="A7",
        scheduled_start=START,
        scheduled_end=START + 15 * MIN,
        phases=(
            PhasePlan(
                "statements",
                "Statements",
                PhaseKind.PROGRAMME,
                15 * MIN,
                speakers=(ProgrammeSpeaker("President", seconds=5 * MIN), ProgrammeSpeaker("SG")),
            ),
        ),
    )
    simulation = simulate(ceremony, member_states=MEMBER_STATES, stakeholders=STAKEHOLDERS, seed=1)

    assert check_invariants(simulation) == []
    assert [(i.name, i.allotted, i.basis) for i in simulation.timeline] == [
        ("President", 300.0, Basis.PROGRAMME),
        ("SG", 120.0, Basis.PROGRAMME),  # no time given: the meeting's slot
    ]


def test_a_run_stopped_by_its_bounds_is_reported_incomplete() -> None:
    endless = replace(
        panel(),
        phases=(PhasePlan("discussion", "Discussion", PhaseKind.DISCUSSION, 7 * 3600.0),),
    )
    stopped = simulate(
        action_group(),
        member_states=MEMBER_STATES,
        stakeholders=STAKEHOLDERS,
        seed=1,
        max_steps=40,
    )
    past_horizon = simulate(endless, member_states=(), stakeholders=(), seed=1)

    for simulation in (stopped, past_horizon):
        assert not simulation.complete
        assert simulation.summary.closed_at is None
        assert simulation.summary.drift is None
        assert "the segment did not close within the simulation's bounds" in check_invariants(
            simulation
        )
    assert "closed -, planned end" in render_text(stopped)
    assert any(i.outcome is Outcome.WAITING for i in stopped.timeline)


def test_sample_delegations_are_reproducible_and_of_the_right_kinds() -> None:
    states, others = sample_delegations(3, 4, Random(5))

    assert [s.id for s in states] == ["MS01", "MS02", "MS03"]
    assert {s.category for s in states} == {Category.MEMBER_STATE}
    assert [s.id for s in others] == ["SH01", "SH02", "SH03", "SH04"]
    assert all(s.category is not None and is_stakeholder(s.category) for s in others)
    assert sample_delegations(3, 4, Random(5)) == (states, others)
