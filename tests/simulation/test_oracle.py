"""The checker can say no: doctored records prove that each clause of it can fail."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import pytest

from app.category import Category, is_stakeholder
from app.queue import (
    AskInterposedQuestion,
    ClosePhase,
    CloseSegment,
    Command,
    ConsentToQuestion,
    ContingentDrawn,
    ContingentWarned,
    FloorGranted,
    FloorRequested,
    GiveFloor,
    GrantFloor,
    Inscribe,
    InscribedSpeakerAbsent,
    InscribedSpeakerDropped,
    MarkAbsent,
    OpenSegment,
    ReplyRequested,
    RequestAllotmentSet,
    RequestFloor,
    RequestReply,
    RequestsClosed,
    RoomState,
    Stance,
    Tier,
    apply,
)
from app.queue.events import Event
from app.record import build_record
from app.simulation import (
    Simulation,
    check_invariants,
    render_text,
    to_json,
)
from app.timing import Contingent, InscriptionWindow
from app.timing.allotment import (
    Basis,
    EndSpeech,
    ResumeSpeech,
    Speaker,
    SpeechEnded,
    StartSpeech,
)
from app.timing.plan import FloorRules
from app.timing.programme import PhaseStarted, SegmentClosed
from tests.fakes import FRANCE
from tests.plans import MIN, START, STATES, action_group, floor, segment
from tests.simulation.runs import grants, run

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
    timeline = build_record(events)

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


def test_O2_the_checker_reads_rights_of_reply_and_detects_a_doctored_one() -> None:
    """A reply is read from its own list (not a request without a queue), its allotment
    is its rank's limit, and a delegation never asks past the limits."""
    debating = floor("debate", "General debate", 180, eligible=STATES)
    plan = segment(
        "gd", "General debate", "A8", 180, debating, rules=FloorRules(reply_limits=(600, 300))
    )
    ghana, france = Speaker("GHA", "Ghana", Category.MEMBER_STATE), FRANCE
    state, now = RoomState(plan.room_id), START
    events: list[Event] = []
    for command in (
        OpenSegment(plan),
        RequestFloor(france),
        RequestReply(ghana),
        GrantFloor(),
        StartSpeech(),
        EndSpeech(),
        GrantFloor(),  # the list is exhausted: Ghana's first reply
        StartSpeech(),
        RequestReply(ghana),
        RequestFloor(ghana),  # P8: replying is not speaking
        EndSpeech(),
        GrantFloor(),  # Ghana's request first, then its second reply
        StartSpeech(),
        EndSpeech(),
        GrantFloor(),
        StartSpeech(),
        EndSpeech(),
        CloseSegment(),
    ):
        decision = apply(state, command, now)
        state, now = decision.state, now + 10.0
        events.extend(decision.events)
    honest = replace(run(1), plan=plan, events=tuple(events))
    replies = [
        g for g in events if isinstance(g, FloorGranted) and g.allotment.basis is Basis.REPLY
    ]
    assert [g.allotment.seconds for g in replies] == [600.0, 300.0]
    ghanas = [e.request for e in events if isinstance(e, FloorRequested)][1]
    assert (ghanas.delegation_id, ghanas.first_time) == ("GHA", True)
    assert check_invariants(honest) == []

    second = replies[1]
    wrong = edit(honest, lambda e: e is second, lambda e: [regrant_seconds(second, 600.0)])
    assert any("O2: Ghana's reply 2 allotted 600 s" in v for v in check_invariants(wrong))
    asked = next(e for e in events if isinstance(e, ReplyRequested))
    third = replace(asked.reply, id="gd.99")
    again = edit(
        honest, lambda e: isinstance(e, SegmentClosed), lambda e: [ReplyRequested(e.at, third), e]
    )
    assert any("past the meeting's limits" in v for v in check_invariants(again))


def test_O8_the_checker_reads_alternation_and_questions_and_detects_a_doctored_order() -> None:
    """Where pro and contra alternate, in order is the first waiting request of the stance
    opposite to the last one heard; a question holds the speech (its clock is not the
    speech's); a grant by the plain order, unflagged, is a violation."""
    debating = floor("debate", "Debate", 180, eligible=STATES)
    rules = FloorRules(alternate_stances=True, interposed_questions=True)
    plan = segment("db", "Debate", "A8", 180, debating, rules=rules)
    ghana, peru = Speaker("GHA", "Ghana", Category.MEMBER_STATE), Speaker("PER", "Peru")
    state, now = RoomState(plan.room_id), START
    events: list[Event] = []
    for command in (
        OpenSegment(plan),
        RequestFloor(FRANCE, stance=Stance.PRO),
        RequestFloor(ghana, stance=Stance.PRO),
        RequestFloor(replace(peru, category=Category.MEMBER_STATE), stance=Stance.CONTRA),
        GrantFloor(),
        StartSpeech(),
        AskInterposedQuestion(ghana),
        ConsentToQuestion(),
        StartSpeech(),
        EndSpeech(),  # the question; France is back, paused
        ResumeSpeech(),
        EndSpeech(),
        GrantFloor(),  # Peru (contra) before Ghana (pro)
        StartSpeech(),
        EndSpeech(),
        GrantFloor(),
        StartSpeech(),
        EndSpeech(),
        CloseSegment(),
    ):
        decision = apply(state, command, now)
        state, now = decision.state, now + 10.0
        events.extend(decision.events)
    honest = replace(run(1), plan=plan, events=tuple(events))
    order = [g.allotment.speaker.id for g in events if isinstance(g, FloorGranted)]
    assert order == ["FRA", "PER", "GHA"]
    assert check_invariants(honest) == []

    plain = replace(plan, rules=replace(rules, alternate_stances=False))
    assert any("the rules say Ghana" in v for v in check_invariants(replace(honest, plan=plain)))


def regrant_seconds(event: FloorGranted, seconds: float) -> FloorGranted:
    return replace(event, allotment=replace(event.allotment, seconds=seconds))


def _inscribed_run() -> list[Event]:
    """An action group whose list had Ghana and Mexico, Heads of State; Ghana is absent
    twice when called, Chile asks live."""
    plan = replace(action_group(), inscription=InscriptionWindow(START - 3600.0, START))
    state, now = RoomState(plan.room_id), START - 1800.0
    events: list[Event] = []

    def do(command: Command) -> None:
        nonlocal state
        decision = apply(state, command, now)
        state = decision.state
        events.extend(decision.events)

    do(Inscribe(plan, Speaker("GHA", "Ghana", Category.MEMBER_STATE), Tier.HEAD_OF_STATE))
    do(Inscribe(plan, Speaker("MEX", "Mexico", Category.MEMBER_STATE), Tier.HEAD_OF_STATE))
    now = START
    do(OpenSegment(plan))
    do(ClosePhase())  # the welcome
    do(RequestFloor(Speaker("CHL", "Chile", Category.MEMBER_STATE)))
    ghana = state.queue.waiting[0].id
    do(MarkAbsent(ghana))
    do(MarkAbsent(ghana))
    do(CloseSegment())
    return events


def test_O4_O5_the_checker_reads_an_inscribed_list_and_its_absences() -> None:
    events = _inscribed_run()
    recorded = replace(run(1), events=tuple(events))
    assert check_invariants(recorded) == []
    absent = next(e for e in events if isinstance(e, InscribedSpeakerAbsent))
    live = next(e for e in events if isinstance(e, FloorRequested) and e.request.tier is None)
    late_inscribed = replace(live, request=replace(live.request, tier=Tier.OTHER))
    doctored = {
        "O4: Chile inscribed, queued after a live request": [
            *events[: events.index(live)],
            live,
            replace(late_inscribed, request=replace(late_inscribed.request, id="x", place=9)),
            *events[events.index(live) + 1 :],
        ],
        "O5: Ghana not moved to the end of its tier once": [
            replace(e, place=0) if e is absent else e for e in events
        ],
        "O5: Ghana dropped at its first absence": [
            InscribedSpeakerDropped(e.at, e.request) if e is absent else e
            for e in events
            if not isinstance(e, InscribedSpeakerDropped)
        ],
    }
    for violation, doctored_events in doctored.items():
        found = check_invariants(replace(run(1), events=tuple(doctored_events)))
        assert any(violation in v for v in found), (violation, found)


def test_O9_O7_the_checker_reads_contingents_and_category_allotments_and_detects_doctoring() -> (
    None
):
    """O7: a category's allotment replaces the slot; O9: a draw-down is its speech's
    seconds, and a group left below zero is warned at once."""
    greens = Contingent("Greens", 100.0, members=frozenset({"GHA"}))
    rules = FloorRules(category_seconds=((Category.MEMBER_STATE, 90.0),), contingents=(greens,))
    debating = floor("debate", "General debate", 180, eligible=STATES)
    plan = segment("gd", "General debate", "A8", 180, debating, rules=rules)
    ghana = Speaker("GHA", "Ghana", Category.MEMBER_STATE)
    state, now = RoomState(plan.room_id), START
    events: list[Event] = []
    for command, pause in (
        (OpenSegment(plan), 0.0),
        (RequestFloor(ghana), 0.0),
        (GrantFloor(), 0.0),
        (StartSpeech(), 120.0),  # 30 s over its 90: 20 s below its group's 100
        (EndSpeech(), 0.0),
        (CloseSegment(), 0.0),
    ):
        decision = apply(state, command, now)
        state, now = decision.state, now + pause
        events.extend(decision.events)
    honest = replace(run(1), plan=plan, events=tuple(events))
    assert [g.allotment.basis for g in events if isinstance(g, FloorGranted)] == [Basis.CATEGORY]
    assert check_invariants(honest) == []

    unwarned = edit(honest, lambda e: isinstance(e, ContingentWarned), lambda e: [])
    assert any("O9: Greens below zero without a warning" in v for v in check_invariants(unwarned))
    drawn = next(e for e in events if isinstance(e, ContingentDrawn))
    more = edit(honest, lambda e: e is drawn, lambda e: [replace(drawn, seconds=10.0)])
    assert any("O9: Greens drawn down without a speech" in v for v in check_invariants(more))
    grant = next(e for e in events if isinstance(e, FloorGranted))
    slot = edit(honest, lambda e: e is grant, lambda e: [regrant_seconds(grant, 120.0)])
    assert any("T1/T2/P4: Ghana allotted 120 s" in v for v in check_invariants(slot))
