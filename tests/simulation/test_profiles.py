"""Every shipped rule profile (O10) simulated: its segment of the profiles demo, its invariants.

``floorkeeper simulate`` runs on a database into which the profiles demo
(``app/meeting/data/profiles-demo.yaml``) is imported, one segment per profile,
with 45 Member States and 7 stakeholders of the demo's CSV, as the command
does. The oracle (``app.simulation.oracle``) must find nothing; each segment's
grants must carry its profile's numbers; and a record doctored to break a
profile's number must be caught, so that "nothing found" means something.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import cache
from random import Random
from typing import Any

import pytest

from app.category import Category, is_stakeholder
from app.cli.simulate import run_simulation
from app.config import DEMO_PROGRAMME, Settings
from app.meeting import load_programme_file
from app.queue import ContingentDrawn, FloorGranted
from app.queue.events import Event
from app.simulation import Simulation, check_invariants, simulate
from app.timing.allotment import Basis, Speaker

PROFILES_DEMO = DEMO_PROGRAMME.parent / "profiles-demo.yaml"
SEGMENTS = {  # the demo's segment of each profile
    "action_group": "action-group",
    "ga_plenary": "ga-plenary",
    "hrc_interactive_dialogue": "hrc-dialogue",
    "cop_plenary": "cop-plenary",
    "model_un": "model-un",
    "parliament": "parliament",
}
SEEDS = range(4)

Document = dict[str, Any]


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int], Document]:
    """``floorkeeper simulate SEGMENT --seed S --json`` for every profile's segment."""
    path = tmp_path_factory.mktemp("profiles") / "floorkeeper.db"
    settings = Settings(database_url=f"sqlite:///{path}", demo_programme=str(PROFILES_DEMO))
    found: dict[tuple[str, int], Document] = {}
    for profile, segment in SEGMENTS.items():
        for seed in SEEDS:
            document = run_simulation(settings, segment, 45, 7, seed, True)
            assert isinstance(document, dict)
            found[profile, seed] = document
    return found


def test_O10_the_demo_has_one_segment_per_shipped_profile() -> None:
    programme = load_programme_file(PROFILES_DEMO)
    named = {s.profile: s.key for d in programme.source.days for s in d.segments}
    assert named == SEGMENTS


def test_O10_every_profiles_segment_simulates_with_every_invariant_holding(
    documents: dict[tuple[str, int], Document],
) -> None:
    for (profile, seed), document in documents.items():
        assert document["violations"] == [], f"{profile} seed {seed}"
        assert document["simulation"]["complete"], f"{profile} seed {seed}"
        assert document["summary"]["heard"]["member_states"] > 0, f"{profile} seed {seed}"


def _floor(document: Document, category: str) -> list[dict[str, Any]]:
    """The category's speeches on substance given the floor (not its rights of reply)."""
    return [
        i
        for i in document["interventions"]
        if i["category"] == category and i["granted_at"] is not None and i["basis"] != "reply"
    ]


def test_O10_each_profiles_grants_carry_its_numbers(
    documents: dict[tuple[str, int], Document],
) -> None:
    """What the oracle accepted is the profile's: 15, 3 or 1.5 minutes, or HRC's 3 and 2."""
    expected = {  # a Member State's allotment and its basis
        "ga_plenary": {(900.0, "slot")},
        "hrc_interactive_dialogue": {(180.0, "category")},
        "cop_plenary": {(180.0, "slot")},
        "model_un": {(90.0, "slot")},
        "parliament": {(300.0, "slot")},  # O9 warns, the grant keeps its allotment
        "action_group": {(120.0, "slot"), (180.0, "flex")},
    }
    for (profile, seed), document in documents.items():
        states = {(i["allotted"], i["basis"]) for i in _floor(document, "member_state")}
        assert states, f"{profile} seed {seed}"
        assert states <= expected[profile], f"{profile} seed {seed}: {states}"


def test_O10_hrc_gives_the_others_two_minutes_when_the_members_leave_them_time() -> None:
    """With 20 Member States asking, the stakeholders are heard too, each for 2 minutes."""
    simulation = played("hrc_interactive_dialogue", states=20)
    assert check_invariants(simulation) == []
    grants = [e.allotment for e in simulation.events if isinstance(e, FloorGranted)]
    others = [a for a in grants if a.speaker.category not in (None, Category.MEMBER_STATE)]
    assert others
    assert {(a.seconds, a.basis) for a in others} == {(120.0, Basis.CATEGORY)}


# -- the checker can fail on every profile's numbers ---------------------------------


@cache
def played(profile: str, seed: int = 0, states: int = 45) -> Simulation:
    """The profile's segment simulated with the demo's delegations, as the command does."""
    programme = load_programme_file(PROFILES_DEMO)
    plan = next(s.plan for s in programme.segments if s.key == SEGMENTS[profile])
    rows = sorted(programme.delegations, key=lambda d: d.code)
    rng = Random(seed)
    members = [
        Speaker(d.code, d.names.get("en", d.code), d.category)
        for d in rows
        if d.category is Category.MEMBER_STATE
    ]
    others = [
        Speaker(d.code, d.names.get("en", d.code), d.category)
        for d in rows
        if is_stakeholder(d.category)
    ]
    return simulate(
        plan,
        member_states=rng.sample(members, states),
        stakeholders=rng.sample(others, 7),
        seed=seed,
    )


def doctored(simulation: Simulation, pick: Callable[[Event], bool], change: Any) -> Simulation:
    """The simulation with the first event ``pick`` selects replaced by ``change(event)``."""
    events = list(simulation.events)
    index = next(n for n, e in enumerate(events) if pick(e))
    events[index] = change(events[index])
    return replace(simulation, events=tuple(events))


def _by_the_rules(event: Event) -> bool:
    return isinstance(event, FloorGranted) and event.allotment.basis in (
        Basis.SLOT,
        Basis.CATEGORY,
    )


@pytest.mark.parametrize("profile", sorted(SEGMENTS))
def test_O10_the_oracle_catches_an_allotment_off_its_profiles_number(profile: str) -> None:
    simulation = played(profile)
    assert check_invariants(simulation) == []
    first = next(e for e in simulation.events if _by_the_rules(e))
    assert isinstance(first, FloorGranted)
    given = first.allotment.seconds

    def longer(event: Event) -> Event:
        assert isinstance(event, FloorGranted)
        return replace(event, allotment=replace(event.allotment, seconds=given + 30))

    violations = check_invariants(doctored(simulation, _by_the_rules, longer))
    assert any(f"the rules give {given:g} s" in v for v in violations), violations


def test_O10_the_oracle_catches_a_parliament_contingent_drawn_wrong() -> None:
    """O9 is exercised by the parliament profile: its draws are checked, and can fail."""
    simulation = played("parliament")
    draws = [e for e in simulation.events if isinstance(e, ContingentDrawn)]
    assert draws  # the regional groups' members spoke and drew

    def more(event: Event) -> Event:
        assert isinstance(event, ContingentDrawn)
        return replace(event, seconds=event.seconds + 1)

    violations = check_invariants(
        doctored(simulation, lambda e: isinstance(e, ContingentDrawn), more)
    )
    assert any("O9: " in v and "drawn down without a speech" in v for v in violations)
