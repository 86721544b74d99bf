"""What a simulation reports, rebuilt from its events: the summary (R4) and the record (R1)."""

from __future__ import annotations

from collections import Counter

import pytest

from app.category import Category, is_stakeholder
from app.queue import (
    FloorRequested,
    PointOfOrderHeard,
    RequestsClosed,
    RequestWithdrawn,
)
from app.record import Outcome
from app.timing.allotment import SpeechEnded, SpeechResumed
from tests.simulation.runs import run


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

    # O1: a point of order holds a speech; its time is the raiser's, not the speaker's
    held = [
        (e.at, e.interrupted.speaker.id)
        for e in simulation.events
        if isinstance(e, PointOfOrderHeard) and e.interrupted is not None
    ]
    resumed = [e.at for e in simulation.events if isinstance(e, SpeechResumed)]
    assert held  # the check below is not vacuous
    assert sorted(listed) == sorted(requests)
    for i in simulation.timeline:
        if i.outcome is Outcome.HEARD:
            assert i.started_at is not None
            assert i.ended_at is not None
            pauses = sum(
                min(r for r in resumed if r > at) - at
                for at, who in held
                if who == i.speaker_id and i.started_at <= at <= i.ended_at
            )
            assert i.spoken == pytest.approx(i.ended_at - i.started_at - pauses)
        elif i.request_id is not None:
            assert i.granted_at is None
            assert i.closed_reason in {"phase_ended", "withdrawn"}
