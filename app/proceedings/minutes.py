"""Reading the record (R1) of a segment, a day or the meeting, with what presents it.

Repository functions (they take the request's ``Session`` and never
commit): the room events come from ``app.room.store``, the one reader of
``room_event``, the meeting's data from ``app.meeting.queries``, and the
pure ``app.record`` folds them into interventions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from app.db.models import Meeting
from app.meeting import queries
from app.record import TOOK_FLOOR_SECONDS, DelegationInfo, Intervention, Scope, build_record
from app.room.store import room_events


@dataclass(frozen=True, slots=True)
class ScopedRecord:
    """The record's lines of one scope, with what the answers need to present them."""

    scope: Scope
    key: str
    title: str
    timezone: str
    tz: tzinfo
    lines: tuple[Intervention, ...]
    registered: tuple[DelegationInfo, ...]
    observer_state_is_stakeholder: bool
    took_floor_seconds: float = TOOK_FLOOR_SECONDS  # R4, the meeting's setting
    # the names of the delegations in the lines, by language (UNTERM short names)
    names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def segment_record(session: Session, room_id: int, segment_id: int) -> ScopedRecord:
    """The segment's interventions (404 if the room has no such segment)."""
    segment = queries.segment_in_room(session, room_id, segment_id)
    meeting = queries.meeting(session, segment.meeting_id)
    lines = _lines(session, meeting, [room_id])
    return _scoped(
        session,
        meeting,
        Scope.SEGMENT,
        segment.key,
        segment.title,
        [i for i in lines if i.segment == segment.key],
    )


def day_record(session: Session, meeting_id: int, day_number: int) -> ScopedRecord:
    """The day's interventions, in every room of the meeting."""
    meeting = queries.meeting(session, meeting_id)
    day = queries.day(session, meeting_id, day_number)
    lines = _lines(session, meeting, _room_ids(session, meeting_id))
    title = f"Day {day.number}" + (f": {day.title}" if day.title else "")
    return _scoped(
        session, meeting, Scope.DAY, day.date, title, [i for i in lines if i.day == day.date]
    )


def meeting_record(session: Session, meeting_id: int) -> ScopedRecord:
    """Every intervention of the meeting."""
    meeting = queries.meeting(session, meeting_id)
    lines = _lines(session, meeting, _room_ids(session, meeting_id))
    return _scoped(session, meeting, Scope.MEETING, meeting.key, meeting.title, lines)


def _room_ids(session: Session, meeting_id: int) -> list[int]:
    return [r.id for r in queries.rooms(session, meeting_id) if r.id is not None]


def _lines(session: Session, meeting: Meeting, room_ids: list[int]) -> list[Intervention]:
    """The record of ``room_ids``, room by room, joined with the meeting's data."""
    assert meeting.id is not None
    delegations = {
        d.code: queries.delegation_info(d) for d in queries.delegations(session, meeting.id)
    }
    segments = queries.segment_infos(session, meeting.id)
    lines: list[Intervention] = []
    for room_id in room_ids:
        events = (stored.event for stored in room_events(session, room_id))
        lines.extend(build_record(events, delegations=delegations, segments=segments))
    return lines


def _scoped(
    session: Session,
    meeting: Meeting,
    scope: Scope,
    key: str,
    title: str,
    lines: list[Intervention],
) -> ScopedRecord:
    assert meeting.id is not None
    codes = {i.delegation for i in lines if i.delegation}
    names = {
        d.code: dict(d.names) for d in queries.delegations(session, meeting.id) if d.code in codes
    }
    return ScopedRecord(
        scope=scope,
        key=key,
        title=title,
        timezone=meeting.timezone,
        tz=_zone(meeting.timezone),
        lines=tuple(lines),
        registered=() if scope is Scope.SEGMENT else queries.registered(session, meeting.id),
        observer_state_is_stakeholder=bool(
            meeting.rules.get("observer_state_is_stakeholder", False)
        ),
        took_floor_seconds=took_floor_seconds(meeting),
        names=names,
    )


def took_floor_seconds(meeting: Meeting) -> float:
    """R4: the least a speech lasts to count as taking the floor, as the meeting sets it."""
    return float(meeting.rules.get("took_floor_seconds", TOOK_FLOOR_SECONDS))


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC
