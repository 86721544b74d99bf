"""Read routes for the record (R1) and its statistics (R4): JSON and CSV.

A segment's record lives under its room (``/api/rooms/{room}/segments/{id}``),
a day's and the meeting's under the meeting. Each route's rule says who may
read (``app.authorization``: READ_ROOM_RECORD, READ_MEETING_RECORD); the
route reads the room events in a worker thread and hands them to the pure
``app.record``: no rule lives here.

Who may read: the secretariat; the moderator of the room and a rapporteur
of the room (a segment's record); a rapporteur without a room (every scope).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from anyio import to_thread
from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.access.policy import READ_MEETING_RECORD, READ_ROOM_RECORD
from app.api.deps import EngineDep
from app.api.schemas import ErrorOut
from app.category import Category
from app.db.models import Day, Delegation, Meeting, Participant, Room, RoomEvent, Segment
from app.errors import NotFound
from app.record import export
from app.record.interventions import (
    DelegationInfo,
    Intervention,
    SegmentInfo,
    build_record,
    decode,
)
from app.record.statistics import Scope, statistics

ERRORS: dict[int | str, dict[str, object]] = {code: {"model": ErrorOut} for code in (403, 404)}
CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "the same, as CSV"}
}

router = APIRouter(prefix="/api", tags=["record"], responses=ERRORS)


# -- routes -------------------------------------------------------------------------


@router.get("/rooms/{room_id}/segments/{segment_id}/record", dependencies=[READ_ROOM_RECORD])
async def segment_record(room_id: int, segment_id: int, engine: EngineDep) -> dict[str, Any]:
    """Every intervention of the segment (R1), heard or not (A3)."""
    return _record_json(await to_thread.run_sync(_segment, engine, room_id, segment_id))


@router.get(
    "/rooms/{room_id}/segments/{segment_id}/record.csv",
    responses=CSV,
    dependencies=[READ_ROOM_RECORD],
)
async def segment_record_csv(room_id: int, segment_id: int, engine: EngineDep) -> Response:
    """The segment's record as CSV, times in the meeting's time zone."""
    return _record_csv(await to_thread.run_sync(_segment, engine, room_id, segment_id))


@router.get("/rooms/{room_id}/segments/{segment_id}/statistics", dependencies=[READ_ROOM_RECORD])
async def segment_statistics(room_id: int, segment_id: int, engine: EngineDep) -> dict[str, Any]:
    """The segment's figures (R4, Table 1 of 000)."""
    return _statistics_json(await to_thread.run_sync(_segment, engine, room_id, segment_id))


@router.get(
    "/rooms/{room_id}/segments/{segment_id}/statistics.csv",
    responses=CSV,
    dependencies=[READ_ROOM_RECORD],
)
async def segment_statistics_csv(room_id: int, segment_id: int, engine: EngineDep) -> Response:
    """The segment's figures as CSV."""
    return _statistics_csv(await to_thread.run_sync(_segment, engine, room_id, segment_id))


@router.get("/meetings/{meeting_id}/days/{day_number}/record", dependencies=[READ_MEETING_RECORD])
async def day_record(meeting_id: int, day_number: int, engine: EngineDep) -> dict[str, Any]:
    """Every intervention of the day, in every room (R1)."""
    return _record_json(await to_thread.run_sync(_day, engine, meeting_id, day_number))


@router.get(
    "/meetings/{meeting_id}/days/{day_number}/record.csv",
    responses=CSV,
    dependencies=[READ_MEETING_RECORD],
)
async def day_record_csv(meeting_id: int, day_number: int, engine: EngineDep) -> Response:
    """The day's record as CSV."""
    return _record_csv(await to_thread.run_sync(_day, engine, meeting_id, day_number))


@router.get(
    "/meetings/{meeting_id}/days/{day_number}/statistics", dependencies=[READ_MEETING_RECORD]
)
async def day_statistics(meeting_id: int, day_number: int, engine: EngineDep) -> dict[str, Any]:
    """The day's figures, every room together (R4)."""
    return _statistics_json(await to_thread.run_sync(_day, engine, meeting_id, day_number))


@router.get(
    "/meetings/{meeting_id}/days/{day_number}/statistics.csv",
    responses=CSV,
    dependencies=[READ_MEETING_RECORD],
)
async def day_statistics_csv(meeting_id: int, day_number: int, engine: EngineDep) -> Response:
    """The day's figures as CSV."""
    return _statistics_csv(await to_thread.run_sync(_day, engine, meeting_id, day_number))


@router.get("/meetings/{meeting_id}/record", dependencies=[READ_MEETING_RECORD])
async def meeting_record(meeting_id: int, engine: EngineDep) -> dict[str, Any]:
    """Every intervention of the meeting (R1)."""
    return _record_json(await to_thread.run_sync(_meeting, engine, meeting_id))


@router.get("/meetings/{meeting_id}/record.csv", responses=CSV, dependencies=[READ_MEETING_RECORD])
async def meeting_record_csv(meeting_id: int, engine: EngineDep) -> Response:
    """The meeting's record as CSV."""
    return _record_csv(await to_thread.run_sync(_meeting, engine, meeting_id))


@router.get("/meetings/{meeting_id}/statistics", dependencies=[READ_MEETING_RECORD])
async def meeting_statistics(meeting_id: int, engine: EngineDep) -> dict[str, Any]:
    """The meeting's figures, as the seeds' Table 1 (R4)."""
    return _statistics_json(await to_thread.run_sync(_meeting, engine, meeting_id))


@router.get(
    "/meetings/{meeting_id}/statistics.csv", responses=CSV, dependencies=[READ_MEETING_RECORD]
)
async def meeting_statistics_csv(meeting_id: int, engine: EngineDep) -> Response:
    """The meeting's figures as CSV."""
    return _statistics_csv(await to_thread.run_sync(_meeting, engine, meeting_id))


# -- answers ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Scoped:
    """The record's lines of one scope, with what the answers need to present them."""

    scope: Scope
    key: str
    title: str
    timezone: str
    tz: tzinfo
    lines: tuple[Intervention, ...]
    registered: tuple[DelegationInfo, ...]
    observer_state_is_stakeholder: bool


def _record_json(scoped: _Scoped) -> dict[str, Any]:
    return {
        "scope": scoped.scope.value,
        "key": scoped.key,
        "title": scoped.title,
        "timezone": scoped.timezone,
        "interventions": export.record_json(scoped.lines),
    }


def _statistics_of(scoped: _Scoped) -> Any:
    return statistics(
        scoped.lines,
        scope=scoped.scope,
        key=scoped.key,
        title=scoped.title,
        registered=scoped.registered,
        observer_state_is_stakeholder=scoped.observer_state_is_stakeholder,
    )


def _statistics_json(scoped: _Scoped) -> dict[str, Any]:
    return {"timezone": scoped.timezone, **export.statistics_json(_statistics_of(scoped))}


def _record_csv(scoped: _Scoped) -> Response:
    return _csv(export.record_csv(scoped.lines, scoped.tz), f"record-{scoped.key}")


def _statistics_csv(scoped: _Scoped) -> Response:
    return _csv(export.statistics_csv(_statistics_of(scoped)), f"statistics-{scoped.key}")


def _csv(text: str, name: str) -> Response:
    filename = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "record"
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )


# -- reading (worker thread) ----------------------------------------------------------


def _segment(engine: Engine, room_id: int, segment_id: int) -> _Scoped:
    with Session(engine) as session:
        segment = session.get(Segment, segment_id)
        if segment is None or segment.room_id != room_id:
            raise NotFound(f"no segment {segment_id} in room {room_id}")
        meeting = _meeting_row(session, segment.meeting_id)
        lines = _lines(session, meeting, [room_id])
        return _scoped(
            session,
            meeting,
            Scope.SEGMENT,
            segment.key,
            segment.title,
            [i for i in lines if i.segment == segment.key],
        )


def _day(engine: Engine, meeting_id: int, day_number: int) -> _Scoped:
    with Session(engine) as session:
        meeting = _meeting_row(session, meeting_id)
        day = session.exec(
            select(Day).where(Day.meeting_id == meeting_id, Day.number == day_number)
        ).first()
        if day is None:
            raise NotFound(f"no day {day_number} in meeting {meeting_id}")
        lines = _lines(session, meeting, _room_ids(session, meeting_id))
        title = f"Day {day.number}" + (f": {day.title}" if day.title else "")
        return _scoped(
            session, meeting, Scope.DAY, day.date, title, [i for i in lines if i.day == day.date]
        )


def _meeting(engine: Engine, meeting_id: int) -> _Scoped:
    with Session(engine) as session:
        meeting = _meeting_row(session, meeting_id)
        lines = _lines(session, meeting, _room_ids(session, meeting_id))
        return _scoped(session, meeting, Scope.MEETING, meeting.key, meeting.title, lines)


def _meeting_row(session: Session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(f"no meeting {meeting_id}")
    return meeting


def _room_ids(session: Session, meeting_id: int) -> list[int]:
    ids = session.exec(
        select(Room.id).where(Room.meeting_id == meeting_id).order_by(col(Room.id))
    ).all()
    return [i for i in ids if i is not None]


def _lines(session: Session, meeting: Meeting, room_ids: list[int]) -> list[Intervention]:
    """The record of ``room_ids``, room by room, joined with the meeting's data."""
    assert meeting.id is not None
    delegations = {d.code: d for d in _delegations(session, meeting.id)}
    segments = _segment_infos(session, meeting.id)
    lines: list[Intervention] = []
    for room_id in room_ids:
        rows = session.exec(
            select(RoomEvent)
            .where(RoomEvent.room_id == room_id)
            .order_by(col(RoomEvent.version), col(RoomEvent.seq))
        ).all()
        events = decode({"type": r.type, **r.payload} for r in rows)
        lines.extend(build_record(events, delegations=delegations, segments=segments))
    return lines


def _segment_infos(session: Session, meeting_id: int) -> dict[str, SegmentInfo]:
    """Segments by the ids a plan may carry: the row's id or its key."""
    days = {d.id: d.date for d in session.exec(select(Day).where(Day.meeting_id == meeting_id))}
    rooms = {r.id: r.name for r in session.exec(select(Room).where(Room.meeting_id == meeting_id))}
    infos: dict[str, SegmentInfo] = {}
    for s in session.exec(select(Segment).where(Segment.meeting_id == meeting_id)):
        info = SegmentInfo(s.key, s.title, days.get(s.day_id, ""), rooms.get(s.room_id, ""))
        infos[str(s.id)] = infos[s.key] = info
    return infos


def _delegations(session: Session, meeting_id: int) -> list[DelegationInfo]:
    rows = session.exec(select(Delegation).where(Delegation.meeting_id == meeting_id)).all()
    return [
        DelegationInfo(d.code, d.names.get("en", d.code), Category(d.category), d.regional_group)
        for d in rows
    ]


def _registered(session: Session, meeting_id: int) -> tuple[DelegationInfo, ...]:
    """Delegations with at least one registered participant (attending, R4)."""
    rows = session.exec(
        select(Delegation)
        .where(Delegation.meeting_id == meeting_id)
        .where(col(Delegation.id).in_(select(Participant.delegation_id)))
        .order_by(col(Delegation.code))
    ).all()
    return tuple(
        DelegationInfo(d.code, d.names.get("en", d.code), Category(d.category), d.regional_group)
        for d in rows
    )


def _scoped(
    session: Session,
    meeting: Meeting,
    scope: Scope,
    key: str,
    title: str,
    lines: list[Intervention],
) -> _Scoped:
    assert meeting.id is not None
    return _Scoped(
        scope=scope,
        key=key,
        title=title,
        timezone=meeting.timezone,
        tz=_zone(meeting.timezone),
        lines=tuple(lines),
        registered=() if scope is Scope.SEGMENT else _registered(session, meeting.id),
        observer_state_is_stakeholder=bool(
            meeting.rules.get("observer_state_is_stakeholder", False)
        ),
    )


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC
