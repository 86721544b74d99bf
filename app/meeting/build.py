"""From a validated programme file to the engine's segment plans (C1, A1-A8).

Everything a file can get wrong beyond its types is checked here, with the
line it is on: a segment in an unknown room or format, an end before its
start, phases longer than their segment, two segments at once in one room
(rooms run in parallel, C4, but one room holds one segment at a time), an
RCP chair who is not a Member State (P4), a rule profile that is not shipped
(O10; ``app.meeting.profiles`` says which rules a segment runs), an
inscription window that closes before it opens or after its segment starts
(O4). Nothing is
written until all of it holds, so a bad file is never half-imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from app.category import REQUESTING_CATEGORIES, Category, stakeholder_categories
from app.errors import InvalidProgramme
from app.meeting.delegations import REGIONAL_GROUPS, DelegationRow
from app.meeting.profiles import Profile, known_profiles, load_profile, profile_rules
from app.meeting.schema import (
    DayIn,
    Eligible,
    FormatIn,
    PhaseIn,
    ProgrammeIn,
    RoomIn,
    RulesIn,
    SegmentIn,
    minutes_of,
    moment_of,
)
from app.meeting.source import Source
from app.timing.plan import (
    Contingent,
    FloorRules,
    InscriptionWindow,
    PhaseKind,
    PhasePlan,
    ProgrammeSpeaker,
    SegmentPlan,
)

MIN = 60.0


@dataclass(frozen=True, slots=True)
class SegmentDraft:
    """A segment ready to be stored; its plan's ids are filled in at import."""

    key: str
    day: int
    room: str
    format: str
    moderators: tuple[str, ...]
    rapporteur: str
    plan: SegmentPlan
    titles: dict[str, str] = field(default_factory=dict)  # per language, for the displays


@dataclass(frozen=True, slots=True)
class Programme:
    """A whole meeting, checked: what ``import_programme`` writes."""

    source: ProgrammeIn
    rules: FloorRules  # the meeting's: its profile's, then its ``rules`` block (O10)
    rooms: tuple[RoomIn, ...]
    days: tuple[DayIn, ...]
    segments: tuple[SegmentDraft, ...]
    delegations: tuple[DelegationRow, ...]
    rules_in: RulesIn  # the meeting's rules in the file's minutes (R4 reads took_floor_seconds)


def floor_rules(rules: RulesIn, delegations: Sequence[DelegationRow] = ()) -> FloorRules:
    """The file's minutes as the engine's seconds (T1-T5, P2-P4, M3, O1, O2, O7, O8, O9).

    O9: a contingent without members is a UN regional group's: its members are the
    delegations the CSV puts in that group."""
    contingents = tuple(
        Contingent(
            c.group,
            c.minutes * MIN,
            c.per,
            frozenset(c.members)
            or frozenset(d.code for d in delegations if d.regional_group == c.group),
        )
        for c in rules.contingents
    )
    return FloorRules(
        slot_seconds=rules.slot_minutes * MIN,
        flex_seconds=None if rules.flex_minutes is None else rules.flex_minutes * MIN,
        flex_rule=rules.flex_rule,
        opening_seconds=rules.opening_minutes * MIN,
        closing_seconds=rules.closing_minutes * MIN,
        warning_seconds=rules.warning_seconds,
        hard_stop=rules.hard_stop,
        rcp_extra_seconds=rules.rcp_extra_minutes * MIN,
        undo_seconds=rules.undo_seconds,
        observer_state_is_stakeholder=rules.observer_state_is_stakeholder,
        point_of_order_seconds=rules.point_of_order_minutes * MIN,
        point_of_order_interrupts=rules.point_of_order_interrupts,
        reply_limits=tuple(minutes * MIN for minutes in rules.reply_minutes),
        replies_taken=rules.replies_taken,
        alternate_stances=rules.alternate_stances,
        interposed_questions=rules.interposed_questions,
        interposed_question_seconds=rules.interposed_question_seconds,
        category_seconds=tuple(
            (category, minutes * MIN)
            for category, minutes in sorted(rules.category_minutes.items())
        ),
        capacity_seconds=None if rules.capacity_minutes is None else rules.capacity_minutes * MIN,
        contingents=contingents,
        contingent_exhausted=rules.contingent_exhausted,
        yield_kinds=frozenset(rules.yields),
        moderated_caucuses=rules.moderated_caucuses,
        caucus_seconds=rules.caucus_minutes * MIN,
        caucus_speaker_seconds=rules.caucus_speaker_seconds,
        ranks=tuple(sorted(rules.ranks.items())),
        default_rank=rules.default_rank,
        rcp_rank=rules.rcp_rank,
    )


def _contingents_known(source: Source, programme: ProgrammeIn, codes: dict[str, Category]) -> None:
    """O9: a contingent's members are registered delegations; one without members names
    a UN regional group (the CSV's ``regional_group``)."""
    for n, contingent in enumerate(programme.rules.contingents):
        at = ("rules", "contingents", n)
        for m, member in enumerate(contingent.members):
            if codes and member not in codes:
                message = f"{member!r} is not a registered delegation (O9)"
                raise InvalidProgramme(source.error((*at, "members", m), message))
        if not contingent.members and contingent.group not in REGIONAL_GROUPS:
            known = ", ".join(sorted(REGIONAL_GROUPS))
            message = (
                f"{contingent.group!r} lists no members and is not a UN regional group "
                f"(one of {known}) (O9)"
            )
            raise InvalidProgramme(source.error((*at, "group"), message))


def build(
    programme: ProgrammeIn, source: Source, delegations: Sequence[DelegationRow] = ()
) -> Programme:
    """Check ``programme`` as a whole and plan every segment. Raises InvalidProgramme."""
    meeting_profile = (
        None if programme.profile is None else _profile(source, ("profile",), programme.profile)
    )
    rules_in = profile_rules(meeting_profile, programme.rules)
    rules = floor_rules(rules_in, delegations)
    by_profile: dict[str, FloorRules] = {}  # O10: a segment's own profile, planned once
    zone = ZoneInfo(programme.meeting.timezone)
    _unique(source, ("rooms",), [r.key for r in programme.rooms], "room")
    _unique(source, ("days",), [d.number for d in programme.days], "day number")
    rooms = {r.key for r in programme.rooms}
    codes = {d.code: d.category for d in delegations}
    _contingents_known(source, programme, codes)
    drafts: list[SegmentDraft] = []
    seen: dict[str, tuple[int, int]] = {}
    for d, day in enumerate(programme.days):
        for s, segment in enumerate(day.segments):
            at = ("days", d, "segments", s)
            if segment.key in seen:
                raise InvalidProgramme(source.error((*at, "key"), f"{segment.key!r} is used twice"))
            seen[segment.key] = (d, s)
            if segment.room not in rooms:
                known = ", ".join(sorted(rooms))
                message = f"no room {segment.room!r} (rooms: {known})"
                raise InvalidProgramme(source.error((*at, "room"), message))
            chosen = programme.formats.get(segment.format)
            if chosen is None:
                known = ", ".join(sorted(programme.formats))
                message = f"no format {segment.format!r} (formats: {known})"
                raise InvalidProgramme(source.error((*at, "format"), message))
            for c, chair in enumerate(segment.rcp_chairs):
                if codes and codes.get(chair) is not Category.MEMBER_STATE:
                    message = f"{chair!r} is not a registered Member State (P4)"
                    raise InvalidProgramme(source.error((*at, "rcp_chairs", c), message))
            own = rules
            if segment.profile is not None:  # O10: its profile's rules, exactly
                if segment.profile not in by_profile:
                    named = _profile(source, (*at, "profile"), segment.profile)
                    by_profile[segment.profile] = floor_rules(named.rules, delegations)
                own = by_profile[segment.profile]
            plan = _plan(source, at, day.date, zone, segment, chosen, own, programme.questions)
            drafts.append(
                SegmentDraft(
                    segment.key,
                    day.number,
                    segment.room,
                    segment.format,
                    tuple(segment.moderators),
                    segment.rapporteur,
                    plan,
                    {str(lang): title for lang, title in segment.titles.items()},
                )
            )
    _no_overlaps(source, drafts, seen)
    return Programme(
        programme,
        rules,
        tuple(programme.rooms),
        tuple(programme.days),
        tuple(drafts),
        tuple(delegations),
        rules_in,
    )


def _profile(source: Source, at: tuple[str | int, ...], key: str) -> Profile:
    """O10: the shipped profile ``key``; an unknown key is refused with its line and field."""
    found = load_profile(key)
    if found is None:
        message = f"no rule profile {key!r} (profiles: {', '.join(known_profiles())}) (O10)"
        raise InvalidProgramme(source.error(at, message))
    return found


def _unique(source: Source, at: tuple[str, ...], values: Sequence[object], what: str) -> None:
    for position, value in enumerate(values):
        if value in values[:position]:
            raise InvalidProgramme(source.error((*at, position), f"{what} {value!r} is used twice"))


def _epoch(day: date, clock: str | int, zone: ZoneInfo) -> float:
    """A local date and time (``"HH:MM"`` or minutes since midnight) as UTC epoch seconds."""
    minutes = clock if isinstance(clock, int) else minutes_of(clock)
    local = datetime.combine(day, time(minutes // 60, minutes % 60), zone)
    return local.timestamp()


def _plan(
    source: Source,
    at: tuple[str | int, ...],
    day: date,
    zone: ZoneInfo,
    segment: SegmentIn,
    chosen: FormatIn,
    rules: FloorRules,
    questions: Sequence[str],
) -> SegmentPlan:
    start, end = _epoch(day, segment.start, zone), _epoch(day, segment.end, zone)
    if end <= start:
        raise InvalidProgramme(source.error((*at, "end"), "the segment ends before it starts"))
    phases = _phases(source, at, segment, chosen)
    length = (end - start) / MIN
    planned = sum(p.minutes for p in phases)
    if segment.fill is not None:
        if segment.fill not in {p.key for p in phases}:
            raise InvalidProgramme(source.error((*at, "fill"), f"no phase {segment.fill!r}"))
        rest = length - planned + next(p.minutes for p in phases if p.key == segment.fill)
        if rest <= 0:
            message = "the other phases leave no time for this one"
            raise InvalidProgramme(source.error((*at, "fill"), message))
        phases = [
            p.model_copy(update={"minutes": rest}) if p.key == segment.fill else p for p in phases
        ]
        planned = length
    if planned > length + 1e-9:
        message = f"its phases plan {planned:g} minutes in a {length:g}-minute segment"
        raise InvalidProgramme(source.error((*at, "format"), message))
    plan_phases = tuple(_phase(p, rules) for p in phases)
    shows = any(p.show_questions for p in plan_phases)
    return SegmentPlan(
        id=segment.key,
        room_id=segment.room,
        title=segment.title,
        format=chosen.rule,
        scheduled_start=start,
        scheduled_end=end,
        phases=plan_phases,
        rules=rules,
        rcp_chairs=frozenset(segment.rcp_chairs),
        questions=tuple(questions) if shows else (),
        inscription=_inscription(source, at, day, zone, segment, start),
    )


def _inscription(
    source: Source,
    at: tuple[str | int, ...],
    day: date,
    zone: ZoneInfo,
    segment: SegmentIn,
    start: float,
) -> InscriptionWindow | None:
    """O4: the window in UTC epoch seconds; it closes after it opens, and by the start."""
    if segment.inscription is None:
        return None
    where = (*at, "inscription")
    opens = _epoch(*moment_of(segment.inscription.opens, day), zone)
    deadline = _epoch(*moment_of(segment.inscription.deadline, day), zone)
    if deadline <= opens:
        message = "the inscription's deadline is not after it opens (O4)"
        raise InvalidProgramme(source.error((*where, "deadline"), message))
    if deadline > start:
        message = (
            f"the inscription's deadline is after the segment starts at {segment.start}: "
            "the inscribed list is the segment's queue when it opens (O4)"
        )
        raise InvalidProgramme(source.error((*where, "deadline"), message))
    return InscriptionWindow(opens, deadline)


def _phases(
    source: Source, at: tuple[str | int, ...], segment: SegmentIn, chosen: FormatIn
) -> list[PhaseIn]:
    by_key = {p.key: p for p in chosen.phases}
    for key, change in segment.phases.items():
        if key not in by_key:
            known = ", ".join(by_key)
            message = f"format {segment.format!r} has no phase {key!r} (phases: {known})"
            raise InvalidProgramme(source.error((*at, "phases", key), message))
        updates = change.model_dump(exclude_none=True)
        if change.speakers is not None:
            updates["speakers"] = change.speakers
        by_key[key] = by_key[key].model_copy(update=updates)
    phases = [by_key[p.key] for p in chosen.phases]
    for phase in phases:
        where = (*at, "phases", phase.key)
        if phase.kind is PhaseKind.PROGRAMME and not phase.speakers:
            message = f"programme phase {phase.key!r} names no speaker"
            raise InvalidProgramme(source.error(where, message))
        if phase.kind is not PhaseKind.FLOOR and phase.eligible is not None:
            message = f"only a floor phase takes requests; {phase.key!r} is {phase.kind.value}"
            raise InvalidProgramme(source.error(where, message))
    return phases


def _eligible(eligible: Eligible | None, rules: FloorRules) -> frozenset[Category]:
    """Who may be given the floor in a floor phase (P1, P3)."""
    observer = rules.observer_state_is_stakeholder
    if eligible is None or eligible == "all":
        return REQUESTING_CATEGORIES
    if eligible == "states":
        states = {Category.MEMBER_STATE} | (set() if observer else {Category.OBSERVER_STATE})
        return frozenset(states)
    if eligible == "stakeholders":
        return stakeholder_categories(observer)
    return frozenset(eligible)


def _phase(phase: PhaseIn, rules: FloorRules) -> PhasePlan:
    floor = phase.kind is PhaseKind.FLOOR
    slot = phase.slot_minutes
    unset = [s for s in phase.speakers if s.minutes is None]
    if phase.kind is PhaseKind.PROGRAMME and slot is None and unset:
        # A6, A7: programme speakers without an allotment share what the others leave.
        given = sum(s.minutes for s in phase.speakers if s.minutes is not None)
        slot = max(phase.minutes - given, 0.0) / len(unset) or None
    return PhasePlan(
        key=phase.key,
        title=phase.title,
        kind=phase.kind,
        planned_seconds=phase.minutes * MIN,
        max_seconds=None if phase.max_minutes is None else phase.max_minutes * MIN,
        slot_seconds=None if slot is None else slot * MIN,
        flex_seconds=None if phase.flex_minutes is None else phase.flex_minutes * MIN,
        flex=phase.flex,
        eligible=_eligible(phase.eligible, rules) if floor else frozenset(),
        yields=phase.yields,
        protected_slots=phase.protected_slots,
        speakers=tuple(
            ProgrammeSpeaker(s.name, s.role, None if s.minutes is None else s.minutes * MIN)
            for s in phase.speakers
        ),
        show_questions=phase.show_questions,
    )


def _no_overlaps(
    source: Source, drafts: Sequence[SegmentDraft], where: dict[str, tuple[int, int]]
) -> None:
    """One room holds one segment at a time; parallel rooms are fine (C4)."""
    ordered = sorted(drafts, key=lambda s: (s.room, s.plan.scheduled_start))
    for before, after in zip(ordered, ordered[1:], strict=False):
        if before.room == after.room and after.plan.scheduled_start < before.plan.scheduled_end:
            d, s = where[after.key]
            message = f"room {after.room!r} already holds {before.key!r} at that time"
            raise InvalidProgramme(source.error(("days", d, "segments", s, "start"), message))


def shifted(plan: SegmentPlan, seconds: float) -> SegmentPlan:
    """The same plan ``seconds`` later (rehearsals), its inscription window too (O4)."""
    window = plan.inscription
    return replace(
        plan,
        scheduled_start=plan.scheduled_start + seconds,
        scheduled_end=plan.scheduled_end + seconds,
        inscription=None
        if window is None
        else InscriptionWindow(window.opens_at + seconds, window.deadline + seconds),
    )
