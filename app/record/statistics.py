"""Statistics of the record (R4): the seeds' Table 1 for a segment, a day or the meeting.

Theory of operation
-------------------
Every figure is a count or a sum over record lines (``Intervention``), so a
segment, a day and the meeting are the same function over different lines.
The figures are those of Table 1 in 000 §2 and of R4:

* *interventions*: speeches heard, by Member States, observer States, UN
  system entities, other stakeholders, and programme speakers (``Group``);
  a speech shorter than the meeting's ``took_floor_seconds`` (10 s unless the
  programme file says otherwise) did not take the floor: an accidental grant
  cut at once is counted apart (``brief``), not as an intervention, and its
  seconds are in no sum;
* *delegations attending and speaking*: a delegation attends a scope if it
  asked for the floor in it, or, for a day or the meeting, if it has
  registered participants (registration is for the meeting and does not say
  which of the parallel rooms a delegation sat in, C4);
* *speaking time*: seconds spoken against seconds allotted (extensions
  included) for the speeches heard, overtime and overruns (T5);
* *requests not heard* (A3; struck ones, M4, counted apart too) and
  withdrawn, and grants out of order (P2);
* the same tally per P1 category and per UN regional group, with each
  regional group's share of the Member States' interventions and time;
* rights of reply (O2) are not contributions: no figure above counts them;
  ``replies`` counts the replies heard and ``reply_seconds`` their seconds
  (a delegation that asked for one still attends).

Pure: no I/O. Durations are seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from app.record.interventions import (
    STRUCK,
    TOOK_FLOOR_SECONDS,
    DelegationInfo,
    Group,
    Intervention,
    Outcome,
    group_of,
    took_floor,
)


class Scope(StrEnum):
    SEGMENT = "segment"
    DAY = "day"
    MEETING = "meeting"


@dataclass(frozen=True, slots=True)
class Tally:
    """The figures of one slice of the record (a group, a category, a regional group)."""

    requests: int  # floor requests made (P7)
    interventions: int  # speeches heard
    not_heard: int  # closed as not heard (A3), struck (M4), or granted and never started
    withdrawn: int
    struck: int  # of those not heard: struck by the moderator, with a reason (M4)
    out_of_order: int  # speeches heard that were granted out of order (P2)
    delegations_attending: int
    delegations_speaking: int
    allotted_seconds: float  # of the speeches heard, extensions included
    spoken_seconds: float
    overtime_seconds: float
    overruns: int  # speeches heard that ran into overtime (T5)
    brief: int = 0  # speeches heard shorter than took_floor_seconds: not interventions (R4)
    replies: int = 0  # O2: rights of reply heard (not interventions)
    reply_seconds: float = 0.0  # O2: their seconds spoken


@dataclass(frozen=True, slots=True)
class RegionalShare:
    """A regional group's share of the Member States' floor (balance, R4)."""

    group: str
    interventions: float  # share of the Member States' interventions heard, 0..1
    spoken: float  # share of their seconds spoken, 0..1


@dataclass(frozen=True, slots=True)
class Statistics:
    scope: Scope
    key: str  # the segment's id, the day's date, or the meeting's key
    title: str
    segments: tuple[str, ...]  # the segments counted, in order of first appearance
    attending_basis: str  # what "attending" counts in this scope
    total: Tally
    by_group: dict[Group, Tally]  # Table 1, every group present even if zero
    by_category: dict[str, Tally]  # P1 categories that appear in the record
    by_regional_group: dict[str, Tally]  # delegations with a UN regional group
    regional_balance: tuple[RegionalShare, ...]  # Member States only
    took_floor_seconds: float = TOOK_FLOOR_SECONDS  # the least a speech counted lasted


def statistics(
    lines: Sequence[Intervention],
    *,
    scope: Scope,
    key: str,
    title: str = "",
    registered: Iterable[DelegationInfo] = (),
    observer_state_is_stakeholder: bool = False,
    took_floor_seconds: float = TOOK_FLOOR_SECONDS,
) -> Statistics:
    """R4 over ``lines``. ``registered`` counts as attending outside a single segment.

    A speech counts as an intervention if it lasted ``took_floor_seconds`` at least.
    """
    least = took_floor_seconds
    present = {} if scope is Scope.SEGMENT else {d.code: d for d in registered}
    groups = {d.code: group_of(d.category, observer_state_is_stakeholder) for d in present.values()}
    categories = {d.code: d.category.value for d in present.values()}
    regions = {d.code: d.regional_group for d in present.values() if d.regional_group}

    by_group = {
        group: _tally(
            [i for i in lines if i.group is group],
            {code for code, g in groups.items() if g is group},
            least,
        )
        for group in Group
    }
    by_category = _split(lines, lambda i: i.category.value if i.category else "", categories, least)
    by_region = _split(lines, lambda i: i.regional_group, regions, least)
    return Statistics(
        scope=scope,
        key=key,
        title=title,
        segments=tuple(dict.fromkeys(i.segment for i in lines)),
        attending_basis=(
            "asked for the floor"
            if scope is Scope.SEGMENT
            else "asked for the floor, or has registered participants"
        ),
        total=_tally(lines, set(present), least),
        by_group=by_group,
        by_category=by_category,
        by_regional_group=by_region,
        regional_balance=_balance(lines, least),
        took_floor_seconds=least,
    )


def by_segment(lines: Sequence[Intervention]) -> dict[str, list[Intervention]]:
    """The record's lines per segment, in order of first appearance."""
    return _bucket(lines, lambda i: i.segment)


def by_day(lines: Sequence[Intervention]) -> dict[str, list[Intervention]]:
    """The record's lines per day (ISO date), in order of first appearance."""
    return _bucket(lines, lambda i: i.day)


def _bucket(
    lines: Sequence[Intervention], key: Callable[[Intervention], str]
) -> dict[str, list[Intervention]]:
    buckets: dict[str, list[Intervention]] = {}
    for line in lines:
        buckets.setdefault(key(line), []).append(line)
    return buckets


def _split(
    lines: Sequence[Intervention],
    key: Callable[[Intervention], str],
    present: dict[str, str],
    least: float,
) -> dict[str, Tally]:
    """A tally per value of ``key``, over delegations' lines (programme turns left out)."""
    mine = [i for i in lines if i.delegation and key(i)]
    values = sorted({key(i) for i in mine} | set(present.values()))
    return {
        value: _tally(
            [i for i in mine if key(i) == value],
            {code for code, v in present.items() if v == value},
            least,
        )
        for value in values
    }


def _tally(lines: Sequence[Intervention], attending: set[str], least: float) -> Tally:
    asked = {i.delegation for i in lines if i.request_id is not None and i.delegation}
    replies = [i for i in lines if i.reply and i.outcome is Outcome.HEARD]
    lines = [i for i in lines if not i.reply]  # O2: a reply is not a contribution
    heard = [i for i in lines if took_floor(i, least)]
    return Tally(
        requests=sum(1 for i in lines if i.request_id is not None),
        interventions=len(heard),
        not_heard=sum(1 for i in lines if i.outcome is Outcome.NOT_HEARD),
        withdrawn=sum(1 for i in lines if i.outcome is Outcome.WITHDRAWN),
        struck=sum(1 for i in lines if i.closed_reason == STRUCK),
        out_of_order=sum(1 for i in heard if i.out_of_order),
        delegations_attending=len(asked | attending),
        delegations_speaking=len({i.delegation for i in heard if i.delegation}),
        allotted_seconds=sum(i.allotted or 0.0 for i in heard),
        spoken_seconds=sum(i.spoken for i in heard),
        overtime_seconds=sum(i.overtime for i in heard),
        overruns=sum(1 for i in heard if i.overtime > 0),
        brief=sum(1 for i in lines if i.outcome is Outcome.HEARD and not took_floor(i, least)),
        replies=len(replies),
        reply_seconds=sum(i.spoken for i in replies),
    )


def _balance(lines: Sequence[Intervention], least: float) -> tuple[RegionalShare, ...]:
    """Each regional group's share of what Member States said (R4's balance)."""
    states = [i for i in lines if i.group is Group.MEMBER_STATES and i.regional_group]
    states = [i for i in states if not i.reply]  # O2: contributions only
    heard = [i for i in states if took_floor(i, least)]
    count = len(heard)
    seconds = sum(i.spoken for i in heard)
    shares = []
    for region in sorted({i.regional_group for i in states}):
        mine = [i for i in heard if i.regional_group == region]
        shares.append(
            RegionalShare(
                region,
                len(mine) / count if count else 0.0,
                sum(i.spoken for i in mine) / seconds if seconds else 0.0,
            )
        )
    return tuple(shares)
