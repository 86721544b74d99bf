"""Segment plans for engine tests, built in code (no programme file, no I/O)."""

from __future__ import annotations

from app.category import Category, stakeholder_categories
from app.timing.plan import FloorRules, PhaseKind, PhasePlan, ProgrammeSpeaker, SegmentPlan

MIN = 60.0
START = 1_512_405_900.0  # 2017-12-04 10:45 America/Mexico_City, as UTC epoch seconds
MS_PHASE = START + 5 * MIN  # the action group's Member State phase, when the welcome is on time
STATES = frozenset({Category.MEMBER_STATE, Category.OBSERVER_STATE})
#: Who may ask in a Q&A or a debate: everyone but the segment's own speakers.
AUDIENCE = frozenset(
    c for c in Category if c not in {Category.PANELLIST, Category.PRESENTER, Category.OFFICIAL}
)


def segment(
    key: str,
    title: str,
    format: str,
    minutes: float,
    *phases: PhasePlan,
    start: float = START,
    rules: FloorRules | None = None,
    rcp_chairs: frozenset[str] = frozenset(),
) -> SegmentPlan:
    """A segment of format ``format`` (A1-A8) in the plenary, planned ``minutes`` from ``start``."""
    return SegmentPlan(
        id=key,
        room_id="plenary",
        title=title,
        format=format,
        scheduled_start=start,
        scheduled_end=start + minutes * MIN,
        phases=phases,
        rules=rules or FloorRules(),
        rcp_chairs=rcp_chairs,
    )


def programme(
    key: str,
    title: str,
    minutes: float,
    *,
    speakers: tuple[ProgrammeSpeaker, ...],
    slot_seconds: float | None = None,
    show_questions: bool = False,
) -> PhasePlan:
    """A programme phase: ``speakers`` in order, ``minutes`` planned."""
    return PhasePlan(
        key,
        title,
        PhaseKind.PROGRAMME,
        minutes * MIN,
        slot_seconds=slot_seconds,
        speakers=speakers,
        show_questions=show_questions,
    )


def floor(
    key: str,
    title: str,
    minutes: float,
    *,
    eligible: frozenset[Category],
    max_seconds: float | None = None,
    flex: bool = True,
    yields: bool = False,
    protected_slots: int = 0,
) -> PhasePlan:
    """A floor phase: the ``eligible`` ask and are given the floor, ``minutes`` planned."""
    return PhasePlan(
        key,
        title,
        PhaseKind.FLOOR,
        minutes * MIN,
        max_seconds=max_seconds,
        flex=flex,
        eligible=eligible,
        yields=yields,
        protected_slots=protected_slots,
    )


def action_group(
    *,
    start: float = START,
    length_minutes: float = 135,
    rules: FloorRules | None = None,
    rcp_chairs: frozenset[str] = frozenset(),
) -> SegmentPlan:
    """A1 as in 000 Annex 1: welcome 5, Member States up to 75, stakeholders 12, concluding 5."""
    return segment(
        "ag1",
        "Action group 1: human dimension",
        "A1",
        length_minutes,
        programme(
            "welcome",
            "Welcome by chair",
            5,
            speakers=(ProgrammeSpeaker("Moderator", "moderator", 5 * MIN),),
            show_questions=True,
        ),
        floor(
            "member_states",
            "Member State interventions",
            75,
            max_seconds=75 * MIN,
            eligible=STATES,
            yields=True,
        ),
        floor(
            "stakeholders",
            "Interventions from stakeholders",
            12,
            eligible=stakeholder_categories(),
            protected_slots=4,
        ),
        programme(
            "concluding",
            "Concluding remarks",
            5,
            speakers=(
                ProgrammeSpeaker("Rapporteur", "rapporteur", 4 * MIN),
                ProgrammeSpeaker("Moderator", "moderator", 1 * MIN),
            ),
        ),
        start=start,
        rules=rules,
        rcp_chairs=rcp_chairs,
    )


def panel(*, start: float = START, rcp_chairs: frozenset[str] = frozenset()) -> SegmentPlan:
    """A2: introduction 5, four panellists of 5, discussion 20, Q&A filling 120 minutes."""
    return segment(
        "panel1",
        "Panel I",
        "A2",
        120,
        programme(
            "introduction",
            "Introduction",
            5,
            speakers=(ProgrammeSpeaker("Co-facilitator", "co-facilitator", 5 * MIN),),
        ),
        programme(
            "panellists",
            "Panellists",
            20,
            speakers=tuple(
                ProgrammeSpeaker(f"Panellist {n}", "panellist", 5 * MIN) for n in (1, 2, 3, 4)
            ),
        ),
        PhasePlan("discussion", "Discussion", PhaseKind.DISCUSSION, 20 * MIN),
        floor("qa", "Questions and answers", 75, flex=False, eligible=AUDIENCE),
        start=start,
        rcp_chairs=rcp_chairs,
    )


# -- formats A5-A8 -------------------------------------------------------------------

QUESTIONS = (
    "What are the main challenges?",
    "What are the good practices?",
    "What are the recommendations?",
    "What means of implementation and partnerships?",
)


def idea_lab(*, start: float = START) -> SegmentPlan:
    """A5 (002 Day 1, 16:30-17:55): introduction, three presenters, panel, Q&A."""
    return segment(
        "idealab",
        "Idea lab",
        "A5",
        85,
        programme(
            "introduction",
            "Introduction by co-facilitators",
            5,
            speakers=(ProgrammeSpeaker("Co-facilitator", "co-facilitator", 5 * MIN),),
        ),
        programme(
            "presenters",
            "Presenters",
            30,
            slot_seconds=10 * MIN,  # presenter time: a setting (the seeds give none)
            speakers=tuple(ProgrammeSpeaker(f"Presenter {n}", "presenter") for n in (1, 2, 3)),
        ),
        PhasePlan("panel", "Davos-style panel", PhaseKind.DISCUSSION, 25 * MIN),
        floor("qa", "Questions and answers", 25, eligible=AUDIENCE),
        start=start,
    )


def reporting_session(*, start: float = START) -> SegmentPlan:
    """A6 (002 Day 3, 10:05-11:00): six rapporteurs, equal shares of the segment."""
    share = 55 * MIN / 6
    return segment(
        "reporting",
        "Reporting session",
        "A6",
        55,
        programme(
            "reports",
            "Reports of the action groups",
            55,
            slot_seconds=share,
            speakers=tuple(ProgrammeSpeaker(f"Rapporteur {n}", "rapporteur") for n in range(1, 7)),
        ),
        start=start,
    )


def ceremony(*, start: float = START) -> SegmentPlan:
    """A7: programme speakers in order, with allotments if set, no floor requests."""
    return segment(
        "welcome",
        "Welcome ceremony",
        "A7",
        30,
        programme(
            "speeches",
            "Welcome ceremony",
            30,
            speakers=(
                ProgrammeSpeaker("President of the General Assembly", "official", 10 * MIN),
                ProgrammeSpeaker("Co-facilitator", "official"),  # no allotment: the slot
            ),
        ),
        start=start,
    )


def concluding_session(*, start: float = START) -> SegmentPlan:
    """A8 (002 Day 3, 15:00-17:30): podium statements, then an interactive debate."""
    return segment(
        "concluding",
        "Concluding session",
        "A8",
        150,
        programme(
            "podium",
            "Podium statements",
            30,
            speakers=(
                ProgrammeSpeaker("Special Representative", "official", 10 * MIN),
                ProgrammeSpeaker("Co-facilitator", "official", 10 * MIN),
            ),
        ),
        floor(
            "debate",
            "Interactive debate",
            120,
            max_seconds=120 * MIN,
            eligible=AUDIENCE,
        ),
        start=start,
    )
