"""The plan of a segment, as the engine sees it: phases, slots and floor rules.

Theory of operation
-------------------
A *segment* is one agenda item in one room at one scheduled time (A1-A8). Its
*format* is a sequence of *phases*; each phase has a planned duration and a
kind of speaker:

* ``programme``  speakers named by the programme speak in order (openings,
  panellists, presenters, rapporteurs; T3, T4, A2, A5-A7);
* ``floor``      delegations speak by request, in priority order (P2, P4,
  P8), with the phase's slot and flex (T1, T2);
* ``discussion`` a moderated exchange with no per-speaker clock (the panel
  discussion of A2 and A5); only the phase clock runs.

A floor phase may *yield* (A3): it ends when the next allotment would run
past the segment's scheduled end minus the planned length of every later
phase. A phase with ``protected_slots`` (A4) keeps that many slots whatever
happened before it.

These are plain frozen dataclasses, built by ``app.meeting`` from the
programme file and stored with a segment when it opens, so that a programme
edit never changes a running segment. Times are UTC epoch seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from app.category import Category


class PhaseKind(StrEnum):
    PROGRAMME = "programme"
    FLOOR = "floor"
    DISCUSSION = "discussion"


class RepliesTaken(StrEnum):
    """O2: when "next speaker" takes the replies without the chair calling them."""

    AT_END = "end"  # when the last floor phase's list of speakers is exhausted (GA)
    WHEN_CALLED = "called"  # only when the chair calls them (``CallReplies``)


class ContingentPer(StrEnum):
    """O9: what a group's time budget covers."""

    SEGMENT = "segment"  # drawn afresh in every segment
    MEETING = "meeting"  # drawn down over every segment of the room


class ContingentExhausted(StrEnum):
    """O9: what the engine does when a member of a group short of time is given the floor."""

    WARN = "warn"  # the grant proceeds, with a warning the console shows
    REFUSE = "refuse"  # refused when nothing is left; capped at what is left otherwise


class YieldKind(StrEnum):
    """O11: to whom the speaker on the floor yields the time it has left."""

    DELEGATE = "delegate"  # another delegation speaks next for exactly those seconds
    QUESTIONS = "questions"  # a budget the chair spends by calling questioners
    CHAIR = "chair"  # the time lapses; the floor is free


@dataclass(frozen=True, slots=True)
class Contingent:
    """O9: a group's (political or regional) time budget, drawn down by its members."""

    group: str  # the group's name, unique in the rules
    seconds: float
    per: ContingentPer = ContingentPer.SEGMENT
    members: frozenset[str] = frozenset()  # delegation codes


@dataclass(frozen=True, slots=True)
class FloorRules:
    """Numbers the seeds give as defaults; every one is a meeting setting."""

    slot_seconds: float = 120.0  # T1
    flex_seconds: float | None = 180.0  # T2 (None: no flex)
    flex_rule: bool = True  # T2: allot F when n x F <= R
    opening_seconds: float = 300.0  # T3
    closing_seconds: float = 60.0  # T4
    warning_seconds: float = 30.0  # T5
    hard_stop: bool = False  # T5: nothing is cut unless this is on
    rcp_extra_seconds: float = 60.0  # P4
    undo_seconds: float = 30.0  # M3: how long the last change of the floor can be undone
    observer_state_is_stakeholder: bool = False  # P3
    # O1: a point of order's own cap (the procedural intervention), and whether it
    # interrupts the speaker on the floor (paused, resumed after the ruling) or waits
    # for the end of the speech (NMUN-style rules)
    point_of_order_seconds: float = 300.0
    point_of_order_interrupts: bool = True
    # O2: the right of reply: each reply's limit (first, second, ...), whose number is
    # how many replies a delegation has per segment (the item). Empty: the right of reply
    # is not taken, as in the seeds' informal meeting (GA: (600, 300); HRC: (180, 120))
    reply_limits: tuple[float, ...] = ()
    replies_taken: RepliesTaken = RepliesTaken.AT_END
    # O8: pro and contra alternate on the list (where both wait); interposed questions
    # are taken (with the speaker's consent), each at most ``interposed_question_seconds``
    alternate_stances: bool = False
    interposed_questions: bool = False
    interposed_question_seconds: float = 30.0
    # O7: a floor allotment by category (HRC: 180 s for members, 120 s for the others),
    # and a longer one for a statement on behalf of a group (capacity). Empty / None:
    # the slot and flex (T1, T2). Capacity beats category; either replaces slot and flex
    category_seconds: tuple[tuple[Category, float], ...] = ()
    capacity_seconds: float | None = None
    # O9: the groups' time budgets, and what a member short of time meets
    contingents: tuple[Contingent, ...] = ()
    contingent_exhausted: ContingentExhausted = ContingentExhausted.WARN
    # O11 (Model UN): the yields a speaker of the general speakers' list may make (empty:
    # none), and moderated caucuses: whether the chair may open one, and the defaults of
    # its total time and of its time per speaker (the motion may set others)
    yield_kinds: frozenset[YieldKind] = frozenset()
    moderated_caucuses: bool = False
    caucus_seconds: float = 600.0
    caucus_speaker_seconds: float = 60.0
    # P2 ranks; lower speaks first. P4 puts RCP chairs at rcp_rank.
    ranks: tuple[tuple[Category, int], ...] = (
        (Category.MEMBER_STATE, 0),
        (Category.OBSERVER_STATE, 1),
    )
    default_rank: int = 2
    rcp_rank: int = -1

    def rank_of(self, category: Category) -> int:
        """P2: the category's priority rank (lower speaks first)."""
        for known, rank in self.ranks:
            if known is category:
                return rank
        return self.default_rank

    def category_allotment(self, category: Category) -> float | None:
        """O7: the category's own allotment, or None (the slot and flex apply)."""
        return next((s for known, s in self.category_seconds if known is category), None)


@dataclass(frozen=True, slots=True)
class ProgrammeSpeaker:
    """Someone the programme gives the floor to, in order (T3, T4)."""

    name: str
    role: str = ""
    seconds: float | None = None  # None: the phase's slot


@dataclass(frozen=True, slots=True)
class PhasePlan:
    key: str
    title: str
    kind: PhaseKind
    planned_seconds: float
    max_seconds: float | None = None  # A3: the Member State phase's maximum
    slot_seconds: float | None = None  # None: the meeting's T1 slot
    flex_seconds: float | None = None  # None: the meeting's T2 flex
    flex: bool = True  # T2 applies in this phase
    eligible: frozenset[Category] = frozenset()  # floor phases: who may be given the floor
    yields: bool = False  # A3: ends before the later phases' planned time
    protected_slots: int = 0  # A4: slots this phase keeps whatever came before
    speakers: tuple[ProgrammeSpeaker, ...] = ()
    show_questions: bool = False  # A1: guiding questions on the room screens


@dataclass(frozen=True, slots=True)
class InscriptionWindow:
    """O4: the segment's list takes inscriptions from ``opens_at`` to ``deadline``,
    before the segment opens (UTC epoch seconds, both included)."""

    opens_at: float
    deadline: float


@dataclass(frozen=True, slots=True)
class SegmentPlan:
    id: str
    room_id: str
    title: str
    format: str  # A1 .. A8
    scheduled_start: float
    scheduled_end: float
    phases: tuple[PhasePlan, ...]
    rules: FloorRules = field(default_factory=FloorRules)
    rcp_chairs: frozenset[str] = frozenset()  # P4: delegation ids
    questions: tuple[str, ...] = ()
    inscription: InscriptionWindow | None = None  # O4: None, speakers ask once it opens

    def phase_start_offsets(self) -> tuple[float, ...]:
        """Seconds from the scheduled start at which each phase is planned to begin."""
        offsets: list[float] = []
        total = 0.0
        for phase in self.phases:
            offsets.append(total)
            total += phase.planned_seconds
        return tuple(offsets)

    def planned_after(self, index: int) -> float:
        """Planned seconds of every phase after ``index`` (A3's tail)."""
        return sum(p.planned_seconds for p in self.phases[index + 1 :])

    def slot(self, phase: PhasePlan) -> float:
        """T1: the phase's slot, or the meeting's."""
        return phase.slot_seconds if phase.slot_seconds is not None else self.rules.slot_seconds

    def flex(self, phase: PhasePlan) -> float | None:
        """T2: the phase's flex length, or None where flex does not apply."""
        if not (phase.flex and self.rules.flex_rule):
            return None
        return phase.flex_seconds if phase.flex_seconds is not None else self.rules.flex_seconds
