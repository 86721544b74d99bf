"""Read routes: health, the meeting's programme, a room's live view."""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.access.policy import PUBLIC, WATCH_ROOM
from app.access.roles import Role, may_moderate
from app.api.deps import EngineDep, PrincipalDep, RoomDep
from app.api.schemas import ErrorOut, Health
from app.db.models import Day, Meeting, Room, Segment
from app.errors import NotFound

router = APIRouter(prefix="/api", responses={404: {"model": ErrorOut}, 403: {"model": ErrorOut}})


@router.get("/health", tags=["health"], dependencies=[PUBLIC])
async def health(engine: EngineDep) -> Health:
    """Liveness and the database's reachability (the Docker healthcheck)."""
    ok = await to_thread.run_sync(_database_ok, engine)
    return Health(
        status="ok" if ok else "degraded", database="ok" if ok else "unreachable", version="0.1.0"
    )


def _database_ok(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


@router.get("/meetings", tags=["programme"], dependencies=[PUBLIC])
async def meetings(engine: EngineDep) -> list[dict[str, Any]]:
    """Every meeting this service holds."""
    return await to_thread.run_sync(_meetings, engine)


def _meetings(engine: Engine) -> list[dict[str, Any]]:
    with Session(engine) as session:
        rows = session.exec(select(Meeting).order_by(col(Meeting.id))).all()
        return [
            {"id": m.id, "key": m.key, "title": m.title, "timezone": m.timezone, "venue": m.venue}
            for m in rows
        ]


@router.get("/meetings/{meeting_id}", tags=["programme"], dependencies=[PUBLIC])
async def meeting(meeting_id: int, engine: EngineDep) -> dict[str, Any]:
    """The programme: days, rooms and segments with their phases and times (C1)."""
    return await to_thread.run_sync(_meeting, engine, meeting_id)


def _meeting(engine: Engine, meeting_id: int) -> dict[str, Any]:
    with Session(engine) as session:
        found = session.get(Meeting, meeting_id)
        if found is None:
            raise NotFound(f"no meeting {meeting_id}")
        days = session.exec(
            select(Day).where(Day.meeting_id == meeting_id).order_by(col(Day.number))
        ).all()
        rooms = session.exec(select(Room).where(Room.meeting_id == meeting_id)).all()
        segments = session.exec(
            select(Segment)
            .where(Segment.meeting_id == meeting_id)
            .order_by(col(Segment.scheduled_start), col(Segment.room_id))
        ).all()
        return {
            "id": found.id,
            "key": found.key,
            "title": found.title,
            "venue": found.venue,
            "timezone": found.timezone,
            "questions": found.questions,
            "rooms": [
                {"id": r.id, "key": r.key, "name": r.name, "language": r.language} for r in rooms
            ],
            "days": [
                {
                    "id": d.id,
                    "number": d.number,
                    "date": d.date,
                    "title": d.title,
                    "segments": [_segment(s) for s in segments if s.day_id == d.id],
                }
                for d in days
            ],
        }


def _segment(segment: Segment) -> dict[str, Any]:
    return {
        "id": segment.id,
        "key": segment.key,
        "title": segment.title,
        "room_id": segment.room_id,
        "format": segment.format,
        "rule": segment.plan.get("format", ""),
        "scheduled_start": segment.scheduled_start,
        "scheduled_end": segment.scheduled_end,
        "moderators": segment.moderators,
        "rapporteur": segment.rapporteur,
        "phases": [
            {
                "key": p["key"],
                "title": p["title"],
                "kind": p["kind"],
                "planned_seconds": p["planned_seconds"],
                "max_seconds": p["max_seconds"],
                "protected_slots": p["protected_slots"],
                "speakers": [s["name"] for s in p["speakers"]],
            }
            for p in segment.plan.get("phases", [])
        ],
    }


@router.get("/rooms/{room_id}", tags=["rooms"], dependencies=[WATCH_ROOM])
async def room_state(room_id: int, room: RoomDep, principal: PrincipalDep) -> dict[str, Any]:
    """The room's live view for the caller's role: deadlines, queue, projection, drift."""
    role = Role.MODERATOR if may_moderate(principal, room_id) else principal.role
    return room.view(role)
