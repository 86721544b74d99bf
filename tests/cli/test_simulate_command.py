"""``floorkeeper simulate`` on the demo meeting: every action group, many seeds (issue 3).

The real command runs against one SQLite database into which the demo meeting
(``app/meeting/data/gcm-2017.yaml``) is imported once, with 45 Member States
and 7 stakeholders, for ten seeds per action group. Each JSON timeline is then
checked here on its own terms, from the documented fields alone
(docs/simulate.md) and the numbers of A1 in the spec, independently of the
simulator's checker; the checker's verdict (``violations``) must be empty too.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app import cli
from app.cli.simulate import run_simulation
from app.config import DEMO_PROGRAMME, Settings

GROUPS = ("ag1", "ag2", "ag3", "ag4", "ag5", "ag6")
SEEDS = range(10)
MIN = 60.0
# A1 (spec 3): Member States up to 75 minutes, stakeholders 12, concluding remarks 5;
# T1 slot 2 minutes, T2 flex 3 minutes; A4 at least four stakeholders.
MEMBER_STATE_MAXIMUM = 75 * MIN
BLOCK = 12 * MIN
CONCLUDING = 5 * MIN
SLOT, FLEX = 120.0, 180.0
PROTECTED = 4
EPSILON = 0.01  # the document rounds times to the millisecond
STATE_GROUPS = {"member_states", "observer_states"}

Document = dict[str, Any]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One database for the module: the demo is imported into it by the first run."""
    path = tmp_path_factory.mktemp("simulate") / "floorkeeper.db"
    return Settings(database_url=f"sqlite:///{path}", demo_programme=str(DEMO_PROGRAMME))


@pytest.fixture(scope="module")
def documents(settings: Settings) -> dict[tuple[str, int], Document]:
    """``floorkeeper simulate agN --member-states 45 --stakeholders 7 --seed S --json``."""
    found: dict[tuple[str, int], Document] = {}
    for group in GROUPS:
        for seed in SEEDS:
            document = run_simulation(settings, group, 45, 7, seed, True)
            assert isinstance(document, dict)
            found[group, seed] = document
    return found


def _each(documents: dict[tuple[str, int], Document]) -> Iterator[tuple[str, Document]]:
    for (group, seed), document in documents.items():
        yield f"{group} seed {seed}", document


def _phase(document: Document, key: str) -> dict[str, Any]:
    return next(p for p in document["phases"] if p["key"] == key)


def _floor(document: Document) -> list[dict[str, Any]]:
    """Interventions by request (programme speakers have no request id)."""
    return [i for i in document["interventions"] if i["request_id"] is not None]


def _latest_start(document: Document) -> float:
    """A3: the block's latest start, the scheduled end minus the block and the remarks."""
    end: float = document["segment"]["scheduled_end"]
    return end - BLOCK - CONCLUDING


def _left(i: dict[str, Any]) -> float | None:
    """When a request stopped waiting: granted, withdrawn or closed; None if never."""
    left: float | None = i["granted_at"] if i["granted_at"] is not None else i["left_at"]
    return left


def _waiting_at(
    document: Document, at: float, groups: set[str], exclude: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Requests of ``groups`` surely waiting at ``at``, and those that may have been (a
    request made, or one leaving, at that very instant)."""
    sure: list[dict[str, Any]] = []
    maybe: list[dict[str, Any]] = []
    for i in _floor(document):
        if i["group"] not in groups or i["request_id"] == exclude:
            continue
        left = _left(i)
        if i["requested_at"] > at + EPSILON or (left is not None and left < at - EPSILON):
            continue
        tied = abs(i["requested_at"] - at) <= EPSILON or (
            left is not None and abs(left - at) <= EPSILON
        )
        (maybe if tied else sure).append(i)
    return sure, maybe


# -- the runs ----------------------------------------------------------------------------


def test_simulate_runs_every_demo_action_group_to_its_end_and_the_checker_finds_nothing(
    documents: dict[tuple[str, int], Document],
) -> None:
    assert len(documents) == len(GROUPS) * len(SEEDS)
    for name, document in _each(documents):
        assert document["segment"]["format"] == "A1", name
        assert document["simulation"]["member_states"] == 45, name
        assert document["simulation"]["stakeholders"] == 7, name
        assert document["simulation"]["complete"] is True, name
        assert document["summary"]["closed_at"] is not None, name
        assert document["violations"] == [], (name, document["violations"])
    timelines = {json.dumps(d["interventions"]) for d in documents.values()}
    assert len(timelines) == len(documents)  # every seed gives another meeting


# -- the invariants, counted on the timeline ---------------------------------------------------


def test_P6_no_delegation_is_twice_in_the_queue_nor_heard_twice_on_one_request(
    documents: dict[tuple[str, int], Document],
) -> None:
    """P6: a delegation's requests never wait at the same time; a second turn (P8) is a
    new request made after the first was granted, marked as not a first time."""
    asked_again = 0
    for name, document in _each(documents):
        by_delegation: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for i in _floor(document):
            by_delegation[i["delegation_id"]].append(i)
        assert len({i["request_id"] for i in _floor(document)}) == len(_floor(document)), name
        for delegation, requests in by_delegation.items():
            requests.sort(key=lambda i: i["requested_at"])
            for earlier, later in zip(requests, requests[1:], strict=False):
                left = _left(earlier)
                assert left is not None, (name, delegation)
                assert later["requested_at"] >= left - EPSILON, (name, delegation)
                asked_again += 1
            heard = [i for i in requests if i["heard"]]
            for turn in heard[1:]:
                assert turn["first_time"] is False, (name, delegation)
    assert asked_again > 0  # delegations do ask again in these runs: the check is not vacuous


def test_T2_every_floor_allotment_is_the_slot_or_the_flex_when_n_times_f_fits(
    documents: dict[tuple[str, int], Document],
) -> None:
    """T1, T2: 120 s, or 180 s only when n x F <= R (n the requests the phase hears,
    waiting at the grant, the speaker included; R to the phase's end by its plan or A3
    limit). The CLI sets no overrides and the demo no RCP chairs in action groups."""
    bases: dict[str, int] = defaultdict(int)
    for name, document in _each(documents):
        latest = _latest_start(document)
        for i in _floor(document):
            if i["granted_at"] is None:
                continue
            bases[i["basis"]] += 1
            assert (i["basis"], i["allotted"]) in {("slot", SLOT), ("flex", FLEX)}, (name, i)
            assert i["overrides"] == [], (name, i)
            phase = _phase(document, i["phase"])
            if i["phase"] == "member_states":
                groups = STATE_GROUPS
                end = min(phase["started_at"] + MEMBER_STATE_MAXIMUM, latest)
            else:
                groups = {"stakeholders"}
                end = phase["started_at"] + BLOCK
            room = end - i["granted_at"]
            sure, maybe = _waiting_at(document, i["granted_at"], groups, i["request_id"])
            if i["basis"] == "flex":
                assert (1 + len(sure)) * FLEX <= room + EPSILON, (name, i["request_id"])
            else:
                assert (1 + len(sure) + len(maybe)) * FLEX > room - EPSILON, (name, i)
    assert bases["flex"] > 0
    assert bases["slot"] > 0


def test_P2_P8_each_grant_goes_to_the_request_the_rules_put_first(
    documents: dict[tuple[str, int], Document],
) -> None:
    """P2, P8: no request of a better (rank, first time, order of request) was surely
    waiting for the phase when another was given the floor."""
    rank = {"member_states": 0, "observer_states": 1, "stakeholders": 2}

    def key(i: dict[str, Any]) -> tuple[int, int, int]:
        seq = int(i["request_id"].rsplit(".", 1)[1])
        return (rank[i["group"]], 0 if i["first_time"] else 1, seq)

    for name, document in _each(documents):
        for i in _floor(document):
            if i["granted_at"] is None:
                continue
            assert i["out_of_order"] is False, (name, i)
            groups = STATE_GROUPS if i["phase"] == "member_states" else {"stakeholders"}
            sure, _ = _waiting_at(document, i["granted_at"], groups, i["request_id"])
            better = [w["request_id"] for w in sure if key(w) < key(i)]
            assert better == [], (name, i["request_id"], better)


def test_A3_no_member_state_is_given_the_floor_past_the_blocks_latest_start(
    documents: dict[tuple[str, int], Document],
) -> None:
    """A3: a Member State is given the floor only before the phase's maximum and while
    its slot ends before the block's latest start; those still waiting close as not heard."""
    closed = 0
    for name, document in _each(documents):
        phase = _phase(document, "member_states")
        latest = _latest_start(document)
        assert phase["end_reason"] in {"maximum", "block", "command"}, name
        for i in _floor(document):
            if i["group"] != "member_states":
                continue
            if i["granted_at"] is not None:
                assert i["phase"] == "member_states", (name, i)
                assert i["granted_at"] < phase["started_at"] + MEMBER_STATE_MAXIMUM, (name, i)
                assert i["granted_at"] + SLOT < latest + EPSILON, (name, i)
            elif i["outcome"] == "not_heard":
                assert i["closed_reason"] == "phase_ended", (name, i)
                assert abs(i["left_at"] - phase["ended_at"]) <= EPSILON, (name, i)
                closed += 1
    assert closed > 0  # 45 Member States never all fit: A3 closes some as not heard


def test_A4_four_stakeholders_are_heard_and_none_in_the_member_state_phase(
    documents: dict[tuple[str, int], Document],
) -> None:
    """A4: when at least four stakeholders asked (and did not withdraw), at least four are
    heard; none is given the floor in the Member State phase (the CLI sets no override)."""
    guaranteed = 0
    for name, document in _each(documents):
        stakeholders = [i for i in _floor(document) if i["group"] == "stakeholders"]
        asked = {i["delegation_id"] for i in stakeholders if i["outcome"] != "withdrawn"}
        heard = {i["delegation_id"] for i in stakeholders if i["heard"]}
        if len(asked) >= PROTECTED:
            guaranteed += 1
            assert len(heard) >= PROTECTED, (name, sorted(asked), sorted(heard))
        for i in stakeholders:
            if i["granted_at"] is not None:
                assert i["phase"] == "stakeholders", (name, i)
    assert guaranteed > 0


# -- the text output, through the command line -----------------------------------------------


def test_floorkeeper_simulate_prints_the_timeline_and_all_invariants_hold(
    settings: Settings,
    documents: dict[tuple[str, int], Document],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("FLOORKEEPER_DEMO_PROGRAMME", str(Path(DEMO_PROGRAMME)))
    args = ["simulate", "ag1", "--member-states", "45", "--stakeholders", "7", "--seed", "3"]

    assert cli.main(args) == 0
    text = capsys.readouterr().out
    assert cli.main([*args, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)

    assert "Action group 1: human dimension" in text
    assert "Timeline" in text
    assert "Invariants: all hold" in text
    assert "RULE VIOLATIONS" not in text
    assert document == documents["ag1", 3]  # the same seed gives the same meeting
    # O1: the procedure's line counts the points of order the room raised (and the rest)
    points = document["summary"]["procedure"]["points_of_order"]
    assert f"  procedure: {points} points of order ({points} ruled), 0 questions" in text
