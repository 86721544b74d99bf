"""Read routes for the record (R1) and its statistics (R4): JSON and CSV.

A segment's record lives under its room (``/api/rooms/{room}/segments/{id}``),
a day's and the meeting's under the meeting. Each route's rule says who may
read (``app.access.policy``: READ_ROOM_RECORD, READ_MEETING_RECORD); the
route asks ``app.proceedings.minutes`` for the record, read in one session, and
presents it with the pure ``app.record``: no rule lives here.

Who may read: the secretariat; the moderator of the room and a rapporteur
of the room (a segment's record); a rapporteur without a room (every scope).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from app.access.policy import READ_MEETING_RECORD, READ_ROOM_RECORD
from app.api.deps import EngineDep
from app.api.schemas import ErrorOut
from app.db.engine import in_session
from app.proceedings import minutes
from app.proceedings.minutes import ScopedRecord
from app.record import export
from app.record.statistics import statistics

ERRORS: dict[int | str, dict[str, object]] = {code: {"model": ErrorOut} for code in (403, 404)}
CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "the same, as CSV"}
}

router = APIRouter(prefix="/api", tags=["record"], responses=ERRORS)


# -- routes -------------------------------------------------------------------------


@router.get("/rooms/{room_id}/segments/{segment_id}/record", dependencies=[READ_ROOM_RECORD])
async def segment_record(room_id: int, segment_id: int, engine: EngineDep) -> dict[str, Any]:
    """Every intervention of the segment (R1), heard or not (A3)."""
    return _record_json(await in_session(engine, minutes.segment_record, room_id, segment_id))


@router.get(
    "/rooms/{room_id}/segments/{segment_id}/record.csv",
    responses=CSV,
    dependencies=[READ_ROOM_RECORD],
)
async def segment_record_csv(room_id: int, segment_id: int, engine: EngineDep) -> Response:
    """The segment's record as CSV, times in the meeting's time zone."""
    return _record_csv(await in_session(engine, minutes.segment_record, room_id, segment_id))


@router.get("/rooms/{room_id}/segments/{segment_id}/statistics", dependencies=[READ_ROOM_RECORD])
async def segment_statistics(room_id: int, segment_id: int, engine: EngineDep) -> dict[str, Any]:
    """The segment's figures (R4, Table 1 of 000)."""
    return _statistics_json(await in_session(engine, minutes.segment_record, room_id, segment_id))


@router.get(
    "/rooms/{room_id}/segments/{segment_id}/statistics.csv",
    responses=CSV,
    dependencies=[READ_ROOM_RECORD],
)
async def segment_statistics_csv(room_id: int, segment_id: int, engine: EngineDep) -> Response:
    """The segment's figures as CSV."""
    return _statistics_csv(await in_session(engine, minutes.segment_record, room_id, segment_id))


@router.get("/meetings/{meeting_id}/days/{day_number}/record", dependencies=[READ_MEETING_RECORD])
async def day_record(meeting_id: int, day_number: int, engine: EngineDep) -> dict[str, Any]:
    """Every intervention of the day, in every room (R1)."""
    return _record_json(await in_session(engine, minutes.day_record, meeting_id, day_number))


@router.get(
    "/meetings/{meeting_id}/days/{day_number}/record.csv",
    responses=CSV,
    dependencies=[READ_MEETING_RECORD],
)
async def day_record_csv(meeting_id: int, day_number: int, engine: EngineDep) -> Response:
    """The day's record as CSV."""
    return _record_csv(await in_session(engine, minutes.day_record, meeting_id, day_number))


@router.get(
    "/meetings/{meeting_id}/days/{day_number}/statistics", dependencies=[READ_MEETING_RECORD]
)
async def day_statistics(meeting_id: int, day_number: int, engine: EngineDep) -> dict[str, Any]:
    """The day's figures, every room together (R4)."""
    return _statistics_json(await in_session(engine, minutes.day_record, meeting_id, day_number))


@router.get(
    "/meetings/{meeting_id}/days/{day_number}/statistics.csv",
    responses=CSV,
    dependencies=[READ_MEETING_RECORD],
)
async def day_statistics_csv(meeting_id: int, day_number: int, engine: EngineDep) -> Response:
    """The day's figures as CSV."""
    return _statistics_csv(await in_session(engine, minutes.day_record, meeting_id, day_number))


@router.get("/meetings/{meeting_id}/record", dependencies=[READ_MEETING_RECORD])
async def meeting_record(meeting_id: int, engine: EngineDep) -> dict[str, Any]:
    """Every intervention of the meeting (R1)."""
    return _record_json(await in_session(engine, minutes.meeting_record, meeting_id))


@router.get("/meetings/{meeting_id}/record.csv", responses=CSV, dependencies=[READ_MEETING_RECORD])
async def meeting_record_csv(meeting_id: int, engine: EngineDep) -> Response:
    """The meeting's record as CSV."""
    return _record_csv(await in_session(engine, minutes.meeting_record, meeting_id))


@router.get("/meetings/{meeting_id}/statistics", dependencies=[READ_MEETING_RECORD])
async def meeting_statistics(meeting_id: int, engine: EngineDep) -> dict[str, Any]:
    """The meeting's figures, as the seeds' Table 1 (R4)."""
    return _statistics_json(await in_session(engine, minutes.meeting_record, meeting_id))


@router.get(
    "/meetings/{meeting_id}/statistics.csv", responses=CSV, dependencies=[READ_MEETING_RECORD]
)
async def meeting_statistics_csv(meeting_id: int, engine: EngineDep) -> Response:
    """The meeting's figures as CSV."""
    return _statistics_csv(await in_session(engine, minutes.meeting_record, meeting_id))


# -- answers ------------------------------------------------------------------------


def _record_json(scoped: ScopedRecord) -> dict[str, Any]:
    return {
        "scope": scoped.scope.value,
        "key": scoped.key,
        "title": scoped.title,
        "timezone": scoped.timezone,
        "interventions": export.record_json(scoped.lines),
        "names": {code: dict(names) for code, names in scoped.names.items()},
    }


def _statistics_of(scoped: ScopedRecord) -> Any:
    return statistics(
        scoped.lines,
        scope=scoped.scope,
        key=scoped.key,
        title=scoped.title,
        registered=scoped.registered,
        observer_state_is_stakeholder=scoped.observer_state_is_stakeholder,
        took_floor_seconds=scoped.took_floor_seconds,
    )


def _statistics_json(scoped: ScopedRecord) -> dict[str, Any]:
    return {"timezone": scoped.timezone, **export.statistics_json(_statistics_of(scoped))}


def _record_csv(scoped: ScopedRecord) -> Response:
    return _csv(export.record_csv(scoped.lines, scoped.tz), f"record-{scoped.key}")


def _statistics_csv(scoped: ScopedRecord) -> Response:
    return _csv(export.statistics_csv(_statistics_of(scoped)), f"statistics-{scoped.key}")


def _csv(text: str, name: str) -> Response:
    filename = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "record"
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )
