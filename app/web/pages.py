"""The room's screens: the moderator's tablet, the delegate's phone, the wall and the podium.

Each page is a static HTML shell (``app/web/templates``) that loads ES modules
from ``/static``; the modules then read the room over the live channel and
send commands over HTTP (``app.api.rooms``). The shell is served only to a
token that may open it (each page's rule, ``app.access.guard``): a wrong or
missing token gets a readable 403 page, not a page that fails later. Two
small JSON routes give the pages what the room view does not carry: the
room's language and segments, the meeting's time zone, and every
delegation's name in the six languages (UNTERM, P1).
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from app.access.policy import (
    DELEGATE_ONLY,
    DELEGATE_PAGE,
    MODERATOR_PAGE,
    RECORD_PAGE,
    SECRETARIAT_PAGE,
    WATCH_PAGE,
    WATCH_ROOM,
)
from app.access.roles import may_moderate
from app.api.deps import EngineDep, PrincipalDep
from app.db.engine import in_session
from app.db.models import Delegation, Meeting, Room, Segment
from app.errors import DomainError
from app.meeting import queries

TEMPLATES = Path(__file__).parent / "templates"

router = APIRouter(include_in_schema=False)
data_router = APIRouter(prefix="/api/pages", tags=["pages"])


@cache
def _shell(name: str) -> str:
    return (TEMPLATES / f"{name}.html").read_text(encoding="utf-8")


def _refused(error: DomainError) -> HTMLResponse:
    """A page a person can read and act on, with the status the refusal carries."""
    page = _shell("refused").replace("{{message}}", html.escape(error.detail))
    return HTMLResponse(page, status_code=error.status_hint)


async def refused_page(_request: Request, error: Exception) -> HTMLResponse:
    """The HTML answer to a page's rule refusing (``app.access.guard.PageRefused``)."""
    assert isinstance(error, DomainError)
    return _refused(error)


def _page(name: str) -> HTMLResponse:
    # The shell never changes per user: the modules read the token from the URL.
    return HTMLResponse(_shell(name), headers={"Cache-Control": "no-store"})


@router.get("/moderator/{room_id}", dependencies=[MODERATOR_PAGE])
async def moderator_page(room_id: int, token: str | None = Query(default=None)) -> HTMLResponse:
    """The moderator's console for one room (tablet, touch first)."""
    return _page("moderator")


@router.get("/delegate", dependencies=[DELEGATE_PAGE])
async def delegate_page(token: str | None = Query(default=None)) -> HTMLResponse:
    """A delegation's phone: request the floor, see its place (P6, P7)."""
    return _page("delegate")


@router.get("/display/{room_id}", dependencies=[WATCH_PAGE])
async def display_page(room_id: int, token: str | None = Query(default=None)) -> HTMLResponse:
    """The wall screen of a room, in the room's language."""
    return _page("display")


@router.get("/podium/{room_id}", dependencies=[WATCH_PAGE])
async def podium_page(room_id: int, token: str | None = Query(default=None)) -> HTMLResponse:
    """The speaker's countdown at the podium: the time and its state, nothing else."""
    return _page("podium")


@router.get("/report/{room_id}/{segment_id}", dependencies=[RECORD_PAGE])
async def report_page(
    room_id: int, segment_id: int, token: str | None = Query(default=None)
) -> HTMLResponse:
    """The rapporteur's report of a segment (R3); the record's readers may open it."""
    return _page("report")


@router.get("/secretariat", dependencies=[SECRETARIAT_PAGE])
async def secretariat_page(
    token: str | None = Query(default=None), meeting: int | None = Query(default=None, ge=1)
) -> HTMLResponse:
    """The secretariat's page: rooms and segments, credentials with links and QR codes,
    imports and rehearsals (tablet or laptop)."""
    return _page("secretariat")


# -- what the pages need besides the room view ----------------------------------------


@data_router.get("/rooms/{room_id}", dependencies=[WATCH_ROOM])
async def room_directory(
    room_id: int, principal: PrincipalDep, engine: EngineDep
) -> dict[str, Any]:
    """The room, its meeting, its segments and every delegation's names (six languages)."""
    moderator = may_moderate(principal, room_id)
    room, meeting, delegations, segments = await in_session(engine, queries.room_directory, room_id)
    return {
        "room": _room(room),
        "meeting": _meeting(meeting),
        # Only the moderator opens segments; the others see the one that is open.
        "segments": [
            {
                "id": s.id,
                "title": s.title,
                "format": s.format,
                "scheduled_start": s.scheduled_start,
                "scheduled_end": s.scheduled_end,
            }
            for s in segments
        ]
        if moderator
        else [],
        "delegations": [_delegation_out(d) for d in delegations],
        "programme": [_programme_out(s) for s in segments],
    }


@data_router.get("/delegate", dependencies=[DELEGATE_ONLY])
async def delegate_directory(principal: PrincipalDep, engine: EngineDep) -> dict[str, Any]:
    """The delegation a delegate token names, in its token's meeting, and that meeting's rooms."""
    # its rule, DELEGATE_ONLY, lets in delegates only, and every delegate token names its meeting
    assert principal.delegation is not None
    assert principal.meeting_id is not None
    delegation, meeting, rooms = await in_session(
        engine, queries.delegation_directory, principal.delegation, principal.meeting_id
    )
    return {
        "delegation": _delegation_out(delegation),
        "meeting": _meeting(meeting),
        "rooms": [_room(r) for r in rooms],
    }


def _room(room: Room) -> dict[str, Any]:
    return {"id": room.id, "key": room.key, "name": room.name, "language": room.language}


def _meeting(meeting: Meeting) -> dict[str, Any]:
    return {"id": meeting.id, "title": meeting.title, "timezone": meeting.timezone}


#: Programme speakers a format names by their role; a segment's row names the people.
_PLACEHOLDERS = ("moderator", "rapporteur")


def _programme_out(segment: Segment) -> dict[str, Any]:
    """What the wall shows of a segment of its room: titles per language, speakers by name.

    A format's programme speaker named after its role ("Moderator", "Rapporteur")
    stands for the segment's ``moderators`` and ``rapporteur``: ``names`` maps
    the placeholder to the people, for every screen that shows it.
    """
    people = {"moderator": ", ".join(segment.moderators), "rapporteur": segment.rapporteur}
    names: dict[str, str] = {}
    for phase in segment.plan.get("phases", []):
        for speaker in phase.get("speakers", []):
            name, role = speaker.get("name", ""), speaker.get("role", "")
            if role in _PLACEHOLDERS and name.casefold() == role and people[role]:
                names[name] = people[role]
    return {"id": str(segment.id), "title": segment.title, "titles": segment.titles, "names": names}


def _delegation_out(delegation: Delegation) -> dict[str, Any]:
    return {"code": delegation.code, "category": delegation.category, "names": delegation.names}
