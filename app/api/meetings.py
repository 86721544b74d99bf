"""Read routes: health, the meeting's programme, a room's live view."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.requests import HTTPConnection

from app.access.policy import PUBLIC, WATCH_ROOM
from app.access.roles import Role, may_moderate
from app.api.deps import EngineDep, PrincipalDep, RoomDep
from app.api.schemas import ErrorOut, Health
from app.db.engine import database_state, in_session
from app.db.models import Segment
from app.meeting import queries
from app.services import services_of

router = APIRouter(prefix="/api", responses={404: {"model": ErrorOut}, 403: {"model": ErrorOut}})


@router.get(
    "/health",
    tags=["health"],
    dependencies=[PUBLIC],
    response_model=Health,
    responses={503: {"model": Health, "description": "the database cannot be reached or written"}},
)
async def health(engine: EngineDep, connection: HTTPConnection) -> Health | JSONResponse:
    """Liveness, whether the database answers and can be written (the Docker healthcheck),
    and whether the relay to the other processes is connected to Redis.

    503 when the database cannot: ``database`` says why ("busy": another program
    holds its lock; "unreachable"), so that the healthcheck fails (any non-2xx).
    Redis unreachable is "degraded" but 200: the process still serves its own
    screens and decides every command on the database, and a load balancer that
    took every process out for it would leave the room with none.
    """
    relay = services_of(connection).relay
    redis = "unused" if relay is None else "ok" if relay.connected.is_set() else "unreachable"
    state = await database_state(engine)
    if state != "ok":
        down = Health(status="degraded", database=state, redis=redis, version="0.1.0")
        return JSONResponse(down.model_dump(), status_code=503, headers={"Retry-After": "5"})
    status = "degraded" if redis == "unreachable" else "ok"
    return Health(status=status, database="ok", redis=redis, version="0.1.0")


@router.get("/meetings", tags=["programme"], dependencies=[PUBLIC])
async def meetings(engine: EngineDep) -> list[dict[str, Any]]:
    """Every meeting this service holds."""
    rows = await in_session(engine, queries.meetings)
    return [
        {"id": m.id, "key": m.key, "title": m.title, "timezone": m.timezone, "venue": m.venue}
        for m in rows
    ]


@router.get("/meetings/{meeting_id}", tags=["programme"], dependencies=[PUBLIC])
async def meeting(meeting_id: int, engine: EngineDep) -> dict[str, Any]:
    """The programme: days, rooms and segments with their phases and times (C1)."""
    found, days, rooms, segments = await in_session(engine, queries.programme, meeting_id)
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
        "inscription": _inscription(segment.plan.get("inscription")),
    }


def _inscription(window: dict[str, Any] | None) -> dict[str, float] | None:
    """O4: the segment's window for inscription on its list (times in seconds since the
    epoch), from the stored plan; None where speakers ask once the segment opens."""
    if not window:
        return None
    return {"opens_at": float(window["opens_at"]), "deadline": float(window["deadline"])}


@router.get("/rooms/{room_id}", tags=["rooms"], dependencies=[WATCH_ROOM])
async def room_state(room_id: int, room: RoomDep, principal: PrincipalDep) -> dict[str, Any]:
    """The room's live view for the caller's role: deadlines, queue, projection, drift."""
    role = Role.MODERATOR if may_moderate(principal, room_id) else principal.role
    return room.view(role)
