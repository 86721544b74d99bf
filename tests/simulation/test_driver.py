"""The simulator: random but reproducible meetings, and a checker that can say no.

The invariants are checked on simulated action groups (A1) for many seeds, on
late openings (A3's block limit), with the moderator's overrides, and on a
panel (A2). Doctored records prove that each clause of the checker can fail.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cache
from random import Random
from typing import Any

import pytest

from app.category import Category, is_stakeholder
from app.queue import (
    ClosePhase,
    CloseSegment,
    FloorGranted,
    FloorRequested,
    GiveFloor,
    OpenSegment,
    RequestAllotmentSet,
    RequestsClosed,
    RequestWithdrawn,
    RoomState,
    apply,
)
from app.queue.events import Event
from app.simulation.driver import (
    Group,
    Outcome,
    Simulation,
    build_timeline,
    check_invariants,
    render_text,
    sample_delegations,
    simulate,
    to_json,
)
from app.timing.allotment import Basis, EndSpeech, Speaker, SpeechEnded, StartSpeech
from app.timing.plan import PhaseKind, PhasePlan, ProgrammeSpeaker, SegmentPlan
from app.timing.programme import PhaseEndReason, PhaseStarted, SegmentClosed, block_latest_start
from tests.fakes import observer
from tests.plans import MIN, START, STATES, action_group, panel

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


# -- the invariants hold -----------------------------------------------------------------


def test_simulated_action_groups_keep_every_invariant_for_many_seeds() -> None:
    simulations = [run(seed) for seed in SEEDS]

    assert failures(simulations) == {}
    assert all(s.complete for s in simulations)


def test_A4_simulated_action_groups_hear_four_stakeholders_for_many_seeds() -> None:
    for seed in SEEDS:
        heard = [i for i in run(seed).timeline if i.group is Group.STAKEHOLDERS and i.heard]
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
        heard = simulation.summary.heard[Group.STAKEHOLDERS.value]
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
        if i.group is Group.STAKEHOLDERS and i.phase == "member_states" and i.granted_at
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
        chairs = [i for i in simulation.timeline if i.delegation_id in {"MS03", "MS07"}]
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


# -- the record --------------------------------------------------------------------------


def test_the_same_seed_gives_the_identical_json_document() -> None:
    first = json.dumps(to_json(run(7, override_rate=0.2)), allow_nan=False)
    again = simulate(
        action_group(),
        member_states=MEMBER_STATES,
        stakeholders=STAKEHOLDERS,
        seed=7,
        override_rate=0.2,
    )

    assert json.dumps(to_json(again), allow_nan=False) == first
    assert json.dumps(to_json(run(8, override_rate=0.2))) != first


def test_R4_summary_counts_equal_a_count_from_the_events() -> None:
    for seed in range(10):
        simulation = run(seed, override_rate=0.2 * (seed % 2))
        counted: Counter[tuple[str, str]] = Counter()
        for event in simulation.events:
            if isinstance(event, SpeechEnded) and event.heard:
                counted["heard", _group(event.speaker.category)] += 1
            elif isinstance(event, RequestsClosed):
                for request in event.requests:
                    counted["not_heard", _group(request.category)] += 1
            elif isinstance(event, RequestWithdrawn):
                counted["withdrawn", _group(event.request.category)] += 1
        summary = simulation.summary
        tallies = {"heard": summary.heard, "not_heard": summary.not_heard}
        tallies["withdrawn"] = summary.withdrawn

        for (outcome, group), n in counted.items():
            assert tallies[outcome][group] == n, (seed, outcome, group)
        assert sum(sum(t.values()) for t in tallies.values()) == sum(counted.values())


def _group(category: Category | None) -> str:
    """R4's groups, counted here without the simulator's help."""
    if category is None:
        return "programme"
    if category is Category.MEMBER_STATE:
        return "member_states"
    return "stakeholders" if is_stakeholder(category) else "observer_states"


def test_R1_timeline_lists_each_request_once_with_its_outcome() -> None:
    simulation = run(3)
    requests = [e.request.id for e in simulation.events if isinstance(e, FloorRequested)]
    listed = [i.request_id for i in simulation.timeline if i.request_id is not None]

    assert sorted(listed) == sorted(requests)
    for i in simulation.timeline:
        if i.outcome is Outcome.HEARD:
            assert i.started_at is not None
            assert i.ended_at is not None
            assert i.spoken == pytest.approx(i.ended_at - i.started_at)
        elif i.request_id is not None:
            assert i.granted_at is None
            assert i.closed_reason in {"phase_ended", "withdrawn"}


def test_json_document_has_the_documented_fields() -> None:
    document = to_json(run(1))

    assert set(document) == {
        "schema",
        "segment",
        "simulation",
        "phases",
        "interventions",
        "summary",
        "refusals",
        "violations",
    }
    assert set(document["interventions"][0]) == {
        "request_id",
        "delegation_id",
        "name",
        "category",
        "group",
        "phase",
        "requested_in",
        "requested_at",
        "first_time",
        "granted_at",
        "allotted",
        "basis",
        "extended",
        "started_at",
        "ended_at",
        "spoken",
        "overtime",
        "heard",
        "outcome",
        "closed_reason",
        "left_at",
        "out_of_order",
        "overrides",
    }
    assert document["violations"] == []
    assert document["phases"][1]["end_reason"] == "maximum"


def test_text_timeline_is_relative_to_the_scheduled_start_or_in_local_time() -> None:
    simulation = run(2)
    relative = render_text(simulation)
    local = render_text(simulation, tz_offset_seconds=-6 * 3600)  # Puerto Vallarta, Dec 2017

    def welcome(text: str) -> list[str]:
        return next(line.split() for line in text.splitlines() if line.startswith("  welcome"))

    assert "times from the scheduled start" in relative
    assert welcome(relative)[:2] == ["welcome", "+0:00:00"]
    assert "local times (UTC-06:00)" in local
    assert welcome(local)[:2] == ["welcome", "10:45:00"]
    assert "Invariants: all hold" in relative
    assert "Refused commands" in relative  # late Member States: the floor is closed to them


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


# -- the checker can fail ----------------------------------------------------------------

Doctor = Callable[[Simulation], Simulation]


def edit(
    simulation: Simulation,
    pick: Callable[[Event], bool],
    change: Callable[[Event], Sequence[Event]],
) -> Simulation:
    """The simulation with the first event that ``pick`` selects replaced by ``change``'s."""
    events = list(simulation.events)
    index = next(n for n, e in enumerate(events) if pick(e))
    events[index : index + 1] = change(events[index])
    return replace(simulation, events=tuple(events))


def granted(pick: Callable[[FloorGranted], bool]) -> Callable[[Event], bool]:
    return lambda e: isinstance(e, FloorGranted) and pick(e)


def regrant(**changes: Any) -> Callable[[Event], Sequence[Event]]:
    def change(event: Event) -> Sequence[Event]:
        assert isinstance(event, FloorGranted)
        return [replace(event, allotment=replace(event.allotment, **changes))]

    return change


def member_state(g: FloorGranted) -> bool:
    return g.allotment.speaker.category is Category.MEMBER_STATE


def requested(**changes: Any) -> Callable[[Event], Sequence[Event]]:
    def change(event: Event) -> Sequence[Event]:
        assert isinstance(event, FloorRequested)
        return [replace(event, request=replace(event.request, **changes))]

    return change


def twice(event: Event) -> Sequence[Event]:
    assert isinstance(event, FloorRequested)
    return [event, replace(event, request=replace(event.request, id="copy", seq=999))]


def with_set_allotment(event: Event) -> Sequence[Event]:
    assert isinstance(event, FloorGranted)
    assert event.allotment.request_id is not None
    return [RequestAllotmentSet(event.at, event.allotment.request_id, 90.0), event]


def swap_first_two_phases(simulation: Simulation) -> Simulation:
    events = list(simulation.events)
    first = next(n for n, e in enumerate(events) if isinstance(e, PhaseStarted))
    events[first - 2], events[first] = events[first], events[first - 2]
    return replace(simulation, events=tuple(events))


def without(kind: type) -> Doctor:
    return lambda s: replace(s, events=tuple(e for e in s.events if not isinstance(e, kind)))


def unheard_stakeholders(simulation: Simulation) -> Simulation:
    def silenced(e: Event) -> Event:
        category = e.speaker.category if isinstance(e, SpeechEnded) else None
        if isinstance(e, SpeechEnded) and category is not None and is_stakeholder(category):
            return replace(e, heard=False)
        return e

    return replace(simulation, events=tuple(silenced(e) for e in simulation.events))


def with_phase(key: str, **changes: Any) -> Doctor:
    def change(simulation: Simulation) -> Simulation:
        plan = simulation.plan
        phases = tuple(replace(p, **changes) if p.key == key else p for p in plan.phases)
        return replace(simulation, plan=replace(plan, phases=phases))

    return change


def in_order_after_all(pick: Callable[[FloorGranted], bool]) -> Doctor:
    """An override's grant, recorded as if it were in order."""

    def change(simulation: Simulation) -> Simulation:
        for seed in range(60):
            overridden = run(seed, override_rate=0.3)
            if any(pick(g) and g.allotment.out_of_order for g in grants(overridden)):
                return edit(
                    overridden,
                    granted(lambda g: pick(g) and g.allotment.out_of_order),
                    regrant(out_of_order=False),
                )
        raise AssertionError("no seed gave such an override")  # pragma: no cover

    return change


def stakeholder_early(g: FloorGranted) -> bool:
    category = g.allotment.speaker.category
    is_early = g.allotment.phase_key == "member_states"
    return is_early and category is not None and is_stakeholder(category)


DOCTORED: dict[str, tuple[Doctor, str]] = {
    "slot of 150 s": (
        lambda s: edit(s, granted(member_state), regrant(seconds=150.0, basis=Basis.SLOT)),
        "T1/T2/P4: Member State",
    ),
    "flex refused by T2": (
        lambda s: edit(
            s,
            granted(lambda g: member_state(g) and g.allotment.basis is Basis.SLOT),
            regrant(seconds=180.0, basis=Basis.FLEX),
        ),
        "the rules give 120 s (slot)",
    ),
    "programme time": (
        lambda s: edit(s, granted(lambda g: g.programme_index == 0), regrant(seconds=200.0)),
        "T3/T4: Moderator allotted 200 s",
    ),
    "programme out of turn": (
        lambda s: edit(
            s,
            granted(lambda g: g.programme_index == 0),
            lambda e: [replace(e, programme_index=1)] if isinstance(e, FloorGranted) else [e],
        ),
        "out of turn",
    ),
    "wrong phase in the record": (
        lambda s: edit(s, granted(member_state), regrant(phase_key="welcome")),
        "given the floor in 'welcome' during 'member_states'",
    ),
    "allotment set but not used": (
        lambda s: edit(s, granted(member_state), with_set_allotment),
        "the allotment the moderator set was not used",
    ),
    "record's allotted differs": (
        lambda s: edit(
            s,
            lambda e: isinstance(e, SpeechEnded),
            lambda e: [replace(e, allotted=999.0)] if isinstance(e, SpeechEnded) else [e],
        ),
        "recorded 999 s allotted",
    ),
    "twice in the queue": (
        lambda s: edit(s, lambda e: isinstance(e, FloorRequested), twice),
        "P6:",
    ),
    "wrong rank": (
        lambda s: edit(s, lambda e: isinstance(e, FloorRequested), requested(rank=2)),
        "queued at rank 2, the rules say 0",
    ),
    "wrong first time": (
        lambda s: edit(s, lambda e: isinstance(e, FloorRequested), requested(first_time=False)),
        "P8:",
    ),
    "granted without a request": (
        without(FloorRequested),
        "given the floor without a waiting request",
    ),
    "out of order, not recorded": (
        in_order_after_all(member_state),
        "P2/P4/P8:",
    ),
    "stakeholder early, not recorded": (
        in_order_after_all(stakeholder_early),
        "A4: stakeholder",
    ),
    "member state past the maximum": (
        with_phase("member_states", max_seconds=60 * MIN),
        "after the maximum of 'member_states'",
    ),
    "member state past the block's latest start": (
        lambda s: replace(s, plan=replace(s.plan, scheduled_end=s.plan.scheduled_end - 45 * MIN)),
        "after the block's latest start",
    ),
    "waiting requests not closed": (
        without(RequestsClosed),
        "still waits but no later phase hears it",
    ),
    "fewer than four stakeholders heard": (
        unheard_stakeholders,
        "were heard",
    ),
    "not closed": (
        without(SegmentClosed),
        "did not close",
    ),
    "time runs backwards": (
        swap_first_two_phases,
        "dated before the event recorded before it",
    ),
}


@pytest.mark.parametrize("case", list(DOCTORED))
def test_check_invariants_detects_a_doctored_record(case: str) -> None:
    doctor, expected = DOCTORED[case]
    honest = run(4)
    assert check_invariants(honest) == []

    violations = check_invariants(doctor(honest))

    assert any(expected in v for v in violations), violations


def test_a_violation_shows_in_the_text_and_the_json() -> None:
    doctor, _ = DOCTORED["slot of 150 s"]
    doctored = doctor(run(4))

    assert "violated" in render_text(doctored)
    assert to_json(doctored)["violations"] == check_invariants(doctored)


def test_checker_accepts_a_speaker_named_by_the_moderator() -> None:
    plan = action_group()
    state, now = RoomState(plan.room_id), START
    events: list[Event] = []
    for command in (
        OpenSegment(plan),
        GiveFloor("Guest of honour"),
        StartSpeech(),
        EndSpeech(),
        ClosePhase(),
        GiveFloor("Chair", seconds=30.0),
        CloseSegment(),
    ):
        decision = apply(state, command, now)
        state, now = decision.state, now + 10.0
        events.extend(decision.events)
    recorded = replace(run(1), events=tuple(events))
    timeline = build_timeline(plan, events)

    assert check_invariants(recorded) == []
    assert [(i.name, i.basis) for i in timeline] == [
        ("Guest of honour", Basis.SLOT),
        ("Chair", Basis.OVERRIDE),
    ]


def test_speaker_named_with_a_wrong_allotment_is_detected() -> None:
    plan = action_group()
    opened = apply(RoomState(plan.room_id), OpenSegment(plan), START)
    given = apply(opened.state, GiveFloor("Guest"), START)
    closed = apply(given.state, CloseSegment(), START + 60)
    events = [*opened.events, *given.events, *closed.events]
    grant = next(e for e in events if isinstance(e, FloorGranted))
    events[events.index(grant)] = replace(grant, allotment=replace(grant.allotment, seconds=99.0))
    named = Speaker("named:Guest", "Guest")

    violations = check_invariants(replace(run(1), events=tuple(events)))

    assert grant.allotment.speaker == named
    assert any("Guest allotted 99 s (slot)" in v for v in violations)
