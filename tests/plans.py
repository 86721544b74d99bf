"""Segment plans for engine tests, built in code (no programme file, no I/O)."""

from __future__ import annotations

from app.category import Category, stakeholder_categories
from app.timing.plan import FloorRules, PhaseKind, PhasePlan, ProgrammeSpeaker, SegmentPlan

MIN = 60.0
START = 1_512_405_900.0  # 2017-12-04 10:45 America/Mexico_City, as UTC epoch seconds
MS_PHASE = START + 5 * MIN  # the action group's Member State phase, when the welcome is on time
STATES = frozenset({Category.MEMBER_STATE, Category.OBSERVER_STATE})


def action_group(
    *,
    start: float = START,
    length_minutes: float = 135,
    rules: FloorRules | None = None,
    rcp_chairs: frozenset[str] = frozenset(),
) -> SegmentPlan:
    """A1 as in 000 Annex 1: welcome 5, Member States up to 75, stakeholders 12, concluding 5."""
    return SegmentPlan(
        id="ag1",
        room_id="plenary",
        title="Action group 1: human dimension",
        format="A1",
        scheduled_start=start,
        scheduled_end=start + length_minutes * MIN,
        phases=(
            PhasePlan(
                "welcome",
                "Welcome by chair",
                PhaseKind.PROGRAMME,
                5 * MIN,
                speakers=(ProgrammeSpeaker("Moderator", "moderator", 5 * MIN),),
                show_questions=True,
            ),
            PhasePlan(
                "member_states",
                "Member State interventions",
                PhaseKind.FLOOR,
                75 * MIN,
                max_seconds=75 * MIN,
                eligible=STATES,
                yields=True,
            ),
            PhasePlan(
                "stakeholders",
                "Interventions from stakeholders",
                PhaseKind.FLOOR,
                12 * MIN,
                eligible=stakeholder_categories(),
                protected_slots=4,
            ),
            PhasePlan(
                "concluding",
                "Concluding remarks",
                PhaseKind.PROGRAMME,
                5 * MIN,
                speakers=(
                    ProgrammeSpeaker("Rapporteur", "rapporteur", 4 * MIN),
                    ProgrammeSpeaker("Moderator", "moderator", 1 * MIN),
                ),
            ),
        ),
        rules=rules or FloorRules(),
        rcp_chairs=rcp_chairs,
    )


def panel(*, start: float = START, rcp_chairs: frozenset[str] = frozenset()) -> SegmentPlan:
    """A2: introduction 5, four panellists of 5, discussion 20, Q&A filling 120 minutes."""
    return SegmentPlan(
        id="panel1",
        room_id="plenary",
        title="Panel I",
        format="A2",
        scheduled_start=start,
        scheduled_end=start + 120 * MIN,
        phases=(
            PhasePlan(
                "introduction",
                "Introduction",
                PhaseKind.PROGRAMME,
                5 * MIN,
                speakers=(ProgrammeSpeaker("Co-facilitator", "co-facilitator", 5 * MIN),),
            ),
            PhasePlan(
                "panellists",
                "Panellists",
                PhaseKind.PROGRAMME,
                20 * MIN,
                speakers=tuple(
                    ProgrammeSpeaker(f"Panellist {n}", "panellist", 5 * MIN) for n in (1, 2, 3, 4)
                ),
            ),
            PhasePlan("discussion", "Discussion", PhaseKind.DISCUSSION, 20 * MIN),
            PhasePlan(
                "qa",
                "Questions and answers",
                PhaseKind.FLOOR,
                75 * MIN,
                flex=False,
                eligible=frozenset(
                    c
                    for c in Category
                    if c not in {Category.PANELLIST, Category.PRESENTER, Category.OFFICIAL}
                ),
            ),
        ),
        rcp_chairs=rcp_chairs,
    )


# -- appended for the engine tests: formats A5-A8 ------------------------------------

QUESTIONS = (
    "What are the main challenges?",
    "What are the good practices?",
    "What are the recommendations?",
    "What means of implementation and partnerships?",
)


def idea_lab(*, start: float = START) -> SegmentPlan:
    """A5 (002 Day 1, 16:30-17:55): introduction, three presenters, panel, Q&A."""
    return SegmentPlan(
        id="idealab",
        room_id="plenary",
        title="Idea lab",
        format="A5",
        scheduled_start=start,
        scheduled_end=start + 85 * MIN,
        phases=(
            PhasePlan(
                "introduction",
                "Introduction by co-facilitators",
                PhaseKind.PROGRAMME,
                5 * MIN,
                speakers=(ProgrammeSpeaker("Co-facilitator", "co-facilitator", 5 * MIN),),
            ),
            PhasePlan(
                "presenters",
                "Presenters",
                PhaseKind.PROGRAMME,
                30 * MIN,
                slot_seconds=10 * MIN,  # presenter time: a setting (the seeds give none)
                speakers=tuple(ProgrammeSpeaker(f"Presenter {n}", "presenter") for n in (1, 2, 3)),
            ),
            PhasePlan("panel", "Davos-style panel", PhaseKind.DISCUSSION, 25 * MIN),
            PhasePlan(
                "qa",
                "Questions and answers",
                PhaseKind.FLOOR,
                25 * MIN,
                eligible=frozenset(
                    c
                    for c in Category
                    if c not in {Category.PANELLIST, Category.PRESENTER, Category.OFFICIAL}
                ),
            ),
        ),
    )


def reporting_session(*, start: float = START) -> SegmentPlan:
    """A6 (002 Day 3, 10:05-11:00): six rapporteurs, equal shares of the segment."""
    share = 55 * MIN / 6
    return SegmentPlan(
        id="reporting",
        room_id="plenary",
        title="Reporting session",
        format="A6",
        scheduled_start=start,
        scheduled_end=start + 55 * MIN,
        phases=(
            PhasePlan(
                "reports",
                "Reports of the action groups",
                PhaseKind.PROGRAMME,
                55 * MIN,
                slot_seconds=share,
                speakers=tuple(
                    ProgrammeSpeaker(f"Rapporteur {n}", "rapporteur") for n in range(1, 7)
                ),
            ),
        ),
    )


def ceremony(*, start: float = START) -> SegmentPlan:
    """A7: programme speakers in order, with allotments if set, no floor requests."""
    return SegmentPlan(
        id="welcome",
        room_id="plenary",
        title="Welcome ceremony",
        format="A7",
        scheduled_start=start,
        scheduled_end=start + 30 * MIN,
        phases=(
            PhasePlan(
                "speeches",
                "Welcome ceremony",
                PhaseKind.PROGRAMME,
                30 * MIN,
                speakers=(
                    ProgrammeSpeaker("President of the General Assembly", "official", 10 * MIN),
                    ProgrammeSpeaker("Co-facilitator", "official"),  # no allotment: the slot
                ),
            ),
        ),
    )


def concluding_session(*, start: float = START) -> SegmentPlan:
    """A8 (002 Day 3, 15:00-17:30): podium statements, then an interactive debate."""
    return SegmentPlan(
        id="concluding",
        room_id="plenary",
        title="Concluding session",
        format="A8",
        scheduled_start=start,
        scheduled_end=start + 150 * MIN,
        phases=(
            PhasePlan(
                "podium",
                "Podium statements",
                PhaseKind.PROGRAMME,
                30 * MIN,
                speakers=(
                    ProgrammeSpeaker("Special Representative", "official", 10 * MIN),
                    ProgrammeSpeaker("Co-facilitator", "official", 10 * MIN),
                ),
            ),
            PhasePlan(
                "debate",
                "Interactive debate",
                PhaseKind.FLOOR,
                120 * MIN,
                max_seconds=120 * MIN,
                eligible=frozenset(
                    c
                    for c in Category
                    if c not in {Category.PANELLIST, Category.PRESENTER, Category.OFFICIAL}
                ),
            ),
        ),
    )
