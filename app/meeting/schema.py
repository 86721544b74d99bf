"""The programme file, as pydantic validates it (the edge; the engine sees plans).

A file has a ``meeting`` header, the meeting's floor ``rules`` (every number
of T1-T5, P2-P4, M3's undo window, O1's point of order, O2's rights of
reply, O7's allotments by category and capacity, O8's speech kinds and O9's
contingents is a setting with the seeds' default),
a rule ``profile`` (O10, ``app.meeting.profiles``: a body's rules as data, which
the meeting's ``rules`` override field by field; a segment may name its own),
its ``rooms``, reusable ``formats`` (A1-A8: a sequence of phases) and its
``days`` with segments. A segment names a format and may fill in its
programme speakers or override a phase's numbers. Unknown keys are refused,
so a typo is an error, not a silent default.

Times of day are ``"HH:MM"`` in the meeting's time zone (C1). YAML 1.1 reads
an unquoted ``10:45`` as the base-60 number 645; that is accepted too, so a
secretariat need not quote times. A segment's inscription window (O4) opens
and closes at a local date and time, ``"YYYY-MM-DD HH:MM"`` (or a bare
``"HH:MM"``: on the segment's day), in the same time zone.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from app.category import Category
from app.meeting.names import Name
from app.timing.plan import (
    ContingentExhausted,
    ContingentPer,
    PhaseKind,
    RepliesTaken,
    YieldKind,
)

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _clock(value: object) -> object:
    """``"10:45"`` or YAML 1.1's base-60 int 645 → ``"10:45"``."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return f"{value // 60:02d}:{value % 60:02d}"
    return value


Clock = Annotated[str, BeforeValidator(_clock), Field(pattern=_CLOCK.pattern)]
_MOMENT = re.compile(r"^(\d{4}-\d{2}-\d{2}[ T])?([01]?\d|2[0-3]):([0-5]\d)$")


_MOMENT_FORM = 'a local date and time "YYYY-MM-DD HH:MM" (or "HH:MM", on the segment\'s day)'


def _moment(value: object) -> str:
    """O4: ``"2017-12-05 08:00"``, a bare clock (the segment's day), or what YAML made of them:
    a base-60 int (``08:00`` unquoted) or a naive datetime (``2017-12-05 08:00:00``)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None or value.second or value.microsecond:
            raise ValueError(f"{_MOMENT_FORM}, in the meeting's time zone: no offset, no seconds")
        return value.strftime("%Y-%m-%d %H:%M")
    value = _clock(value)
    if not isinstance(value, str) or not _MOMENT.match(value):
        raise ValueError(f"{_MOMENT_FORM}, not {value!r}")
    if len(value) > len("HH:MM"):
        try:
            date.fromisoformat(value[:10])
        except ValueError:
            raise ValueError(f"{_MOMENT_FORM}: {value[:10]!r} is not a date") from None
    return value


#: O4: a local date and time ``"YYYY-MM-DD HH:MM"``, or ``"HH:MM"`` on the segment's day.
Moment = Annotated[str, BeforeValidator(_moment)]
Key = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
Minutes = Annotated[float, Field(gt=0, le=24 * 60)]
#: The six languages of the UN: a room's display speaks one, a segment's title is given in any.
Language = Literal["ar", "zh", "en", "fr", "ru", "es"]


def minutes_of(clock: str) -> int:
    """Minutes since midnight of a validated ``"HH:MM"``."""
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def moment_of(moment: str, day: date) -> tuple[date, int]:
    """The date and minutes since midnight of a validated ``Moment`` (a bare clock: ``day``)."""
    if len(moment) <= len("HH:MM"):
        return day, minutes_of(moment)
    return date.fromisoformat(moment[:10]), minutes_of(moment[11:])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MeetingIn(_Strict):
    key: Key
    title: str = Field(min_length=1, max_length=300)
    venue: str = Field(default="", max_length=300)
    timezone: str = Field(min_length=1, max_length=64)  # IANA (C1)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from None
        return value


class ContingentIn(_Strict):
    """O9: a group's time budget. ``members``: delegation codes; omitted, the group is a
    UN regional group and its members are the delegations the CSV puts in it."""

    group: str = Field(min_length=1, max_length=120)
    minutes: Minutes
    per: ContingentPer = ContingentPer.SEGMENT
    members: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        default_factory=list, max_length=400
    )


class RulesIn(_Strict):
    """FloorRules in minutes, as a secretariat thinks of them. Omitted: the seeds' value."""

    slot_minutes: Minutes = 2  # T1
    flex_minutes: Minutes | None = 3  # T2; null: no flex
    flex_rule: bool = True  # T2
    opening_minutes: Minutes = 5  # T3
    closing_minutes: Minutes = 1  # T4
    warning_seconds: float = Field(default=30, ge=0, le=600)  # T5
    hard_stop: bool = False  # T5
    rcp_extra_minutes: float = Field(default=1, ge=0, le=60)  # P4
    undo_seconds: float = Field(default=30, gt=0, le=300)  # M3: "a short while"
    # R4: the least a speech lasts to count as taking the floor (record, statistics, report)
    took_floor_seconds: float = Field(default=10, ge=0, le=600)
    observer_state_is_stakeholder: bool = False  # P3
    # O1: a point of order's cap, and whether it interrupts the speaker (false: it waits)
    point_of_order_minutes: Minutes = 5
    point_of_order_interrupts: bool = True
    # O2: each right of reply's limit, the first, the second ... (GA: [10, 5]; HRC: [3, 2]);
    # how many there are is how many replies a delegation has per segment. Empty: none
    reply_minutes: tuple[Minutes, ...] = Field(default=(), max_length=10)
    replies_taken: RepliesTaken = RepliesTaken.AT_END  # O2: "end", or "called" by the chair
    # O8: pro and contra alternate on the list; interposed questions are taken, each at
    # most ``interposed_question_seconds`` (with the speaker's consent)
    alternate_stances: bool = False
    interposed_questions: bool = False
    interposed_question_seconds: float = Field(default=30, gt=0, le=600)
    # O7: a floor allotment per category (HRC: {member_state: 3, observer_state: 2, ...}),
    # and a statement on behalf of a group's (capacity); they replace the slot and flex
    category_minutes: dict[Category, Minutes] = Field(default_factory=dict)
    capacity_minutes: Minutes | None = None
    # O9: the groups' time budgets, and what a member short of time meets ("warn", "refuse")
    contingents: list[ContingentIn] = Field(default_factory=list, max_length=50)
    contingent_exhausted: ContingentExhausted = ContingentExhausted.WARN
    # O11 (Model UN): the yields a speaker of the speakers' list may make ("delegate",
    # "questions", "chair"; none by default), and moderated caucuses with the default
    # total time and time per speaker of a motion that does not set them
    yields: list[YieldKind] = Field(default_factory=list, max_length=3)
    moderated_caucuses: bool = False
    caucus_minutes: Minutes = 10
    caucus_speaker_seconds: float = Field(default=60, gt=0, le=600)
    ranks: dict[Category, int] = Field(  # P2
        default_factory=lambda: {Category.MEMBER_STATE: 0, Category.OBSERVER_STATE: 1}
    )
    default_rank: int = 2
    rcp_rank: int = -1

    @field_validator("contingents")
    @classmethod
    def _one_budget_per_group(cls, value: list[ContingentIn]) -> list[ContingentIn]:
        groups = [c.group for c in value]
        twice = sorted({g for g in groups if groups.count(g) > 1})
        if twice:
            raise ValueError(f"a group has one contingent: {', '.join(twice)} given twice (O9)")
        return value


class RoomIn(_Strict):
    key: Key
    name: Name = Field(min_length=1, max_length=200)
    language: Language = "en"


class SpeakerIn(_Strict):
    name: Name = Field(min_length=1, max_length=300)
    role: str = Field(default="", max_length=80)
    minutes: Minutes | None = None  # None: the phase's slot


Eligible = Literal["states", "stakeholders", "all"] | list[Category]


class PhaseIn(_Strict):
    key: Key
    title: str = Field(min_length=1, max_length=200)
    kind: PhaseKind
    minutes: Minutes  # planned duration
    max_minutes: Minutes | None = None  # A3
    slot_minutes: Minutes | None = None  # T1 for this phase; programme: each speaker's share
    flex_minutes: Minutes | None = None  # T2 for this phase
    flex: bool = True
    eligible: Eligible | None = None  # floor phases only
    yields: bool = False  # A3
    protected_slots: int = Field(default=0, ge=0, le=100)  # A4
    speakers: list[SpeakerIn] = Field(default_factory=list)
    show_questions: bool = False  # A1


class PhaseChange(_Strict):
    """What a segment changes of one of its format's phases."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    minutes: Minutes | None = None
    max_minutes: Minutes | None = None
    slot_minutes: Minutes | None = None
    speakers: list[SpeakerIn] | None = None


class FormatIn(_Strict):
    rule: Literal["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8"]
    title: str = Field(default="", max_length=200)
    phases: list[PhaseIn] = Field(min_length=1)


class InscriptionIn(_Strict):
    """O4: the segment's list takes inscriptions from ``opens`` to ``deadline`` (local)."""

    opens: Moment
    deadline: Moment


class SegmentIn(_Strict):
    key: Key
    title: str = Field(min_length=1, max_length=300)
    # The title in other languages, shown by a display that speaks one (else ``title``).
    titles: dict[Language, Annotated[str, Field(min_length=1, max_length=300)]] = Field(
        default_factory=dict
    )
    room: Key
    start: Clock
    end: Clock
    format: Key
    moderators: list[Name] = Field(default_factory=list)
    rapporteur: Name = Field(default="", max_length=300)
    rcp_chairs: list[str] = Field(default_factory=list)  # P4: delegation codes
    phases: dict[str, PhaseChange] = Field(default_factory=dict)  # by phase key
    fill: str | None = None  # phase key that takes whatever time is left (e.g. Q&A)
    profile: Key | None = None  # O10: this segment's rules are this profile's, exactly
    inscription: InscriptionIn | None = None  # O4: None, speakers ask once it opens


class DayIn(_Strict):
    number: int = Field(ge=1, le=60)
    date: date
    title: str = Field(default="", max_length=200)
    segments: list[SegmentIn] = Field(min_length=1)


class ProgrammeIn(_Strict):
    meeting: MeetingIn
    profile: Key | None = None  # O10: the meeting's rules are this profile's, then ``rules``
    rules: RulesIn = Field(default_factory=RulesIn)
    questions: list[str] = Field(default_factory=list)  # A1's guiding questions
    delegations: str | None = None  # a CSV beside the file (app.meeting.delegations)
    segment_titles: str | None = None  # a CSV beside the file: key, then a column per language
    rooms: list[RoomIn] = Field(min_length=1)
    formats: dict[Key, FormatIn] = Field(min_length=1)
    days: list[DayIn] = Field(min_length=1)
