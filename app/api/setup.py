"""The secretariat sets a meeting up over HTTP: programme, delegations, participants, roles.

The programme file (YAML) and the delegations CSV are sent as the request
body, checked whole by ``app.meeting`` (errors name the field and line)
and written all or nothing. A new meeting's rooms get their runners at once.

A file is read up to its size limit (413 past it), then parsed, checked and
written in a worker thread: the event loop only moves bytes, so every screen
and command keeps its answers while a programme is read.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from app.access.policy import ADMINISTRATOR_ONLY, SECRETARIAT_ONLY
from app.api.deps import EngineDep
from app.api.schemas import BodyIn, ErrorOut
from app.db.engine import in_session, in_transaction, in_worker
from app.errors import DomainError, TooLarge
from app.meeting import parse_programme
from app.meeting.importer import DELEGATIONS_SETTING, PROGRAMME_SETTING
from app.meeting.names import Name
from app.meeting.registration import (
    add_participant,
    import_delegations,
    import_meeting,
    participants,
    remove_participant,
    set_segment_roles,
)
from app.services import services_of

ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorOut} for code in (400, 403, 404, 409, 413, 415, 422)
}

router = APIRouter(prefix="/api", tags=["set-up"], responses=ERRORS)

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/plain")
CSV_TYPES = ("text/csv", "text/plain")


class UnsupportedMedia(DomainError):
    status_hint = 415


def _text_body(kind: str, types: tuple[str, ...]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "description": kind,
            "content": {t: {"schema": {"type": "string"}} for t in types},
        }
    }


async def _read_text(
    request: Request, types: tuple[str, ...], what: str, limit: int, setting: str
) -> str:
    """The body as text, refused (413) as soon as it passes ``limit`` bytes."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in types:
        raise UnsupportedMedia(
            "file.media_type", types=" or ".join(types), given=media or "nothing"
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(what, limit, setting)
    body = bytearray()
    async for chunk in request.stream():  # a chunked body has no length to check first
        body += chunk
        if len(body) > limit:
            raise TooLarge(what, limit, setting)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise UnsupportedMedia("file.not_utf8") from None


class MeetingCreated(BaseModel):
    id: int
    key: str
    title: str
    rooms: list[dict[str, Any]]


@router.post(
    "/meetings",
    status_code=201,
    dependencies=[ADMINISTRATOR_ONLY],
    openapi_extra=_text_body("a programme file (YAML, docs/programme.md)", YAML_TYPES),
)
async def create_meeting(request: Request, engine: EngineDep) -> MeetingCreated:
    """Import a programme file: days, rooms, segments and formats; its rooms start at once
    (on every process of the service).

    The service's administrator imports (a secretariat of one meeting cannot make another).
    """
    limit = services_of(request).settings.max_programme_bytes
    text = await _read_text(request, YAML_TYPES, "programme.yaml", limit, PROGRAMME_SETTING)
    programme = await in_worker(parse_programme, text, "programme.yaml")  # CPU: off the loop
    meeting, rooms, segments = await in_transaction(engine, import_meeting, programme)
    assert meeting.id is not None
    created = MeetingCreated(
        id=meeting.id,
        key=meeting.key,
        title=meeting.title,
        rooms=[{"id": r.id, "key": r.key, "name": r.name} for r in rooms],
    )
    room_ids = [room["id"] for room in created.rooms]
    await services_of(request).meeting_imported(created.id, room_ids, segments)
    return created


class DelegationsOut(BaseModel):
    added: int
    updated: int


@router.post(
    "/meetings/{meeting_id}/delegations",
    dependencies=[SECRETARIAT_ONLY],
    openapi_extra=_text_body(
        "a delegations CSV: code,category[,name_en…name_ar][,regional_group]", CSV_TYPES
    ),
)
async def upload_delegations(
    meeting_id: int, request: Request, engine: EngineDep
) -> DelegationsOut:
    """Add or update the meeting's delegations (P1); States need only their ISO code."""
    limit = services_of(request).settings.max_delegations_bytes
    text = await _read_text(request, CSV_TYPES, "delegations.csv", limit, DELEGATIONS_SETTING)
    done = await in_transaction(engine, import_delegations, meeting_id, text, "delegations.csv")
    return DelegationsOut(added=done.added, updated=done.updated)


class ParticipantIn(BodyIn):
    name: Name = Field(min_length=1, max_length=200)
    head: bool = False


class ParticipantOut(BaseModel):
    id: int
    name: str
    head: bool


@router.get(
    "/meetings/{meeting_id}/delegations/{code}/participants", dependencies=[SECRETARIAT_ONLY]
)
async def list_participants(meeting_id: int, code: str, engine: EngineDep) -> list[ParticipantOut]:
    """The delegation's registered participants (at most four, P5)."""
    rows = await in_session(engine, participants, meeting_id, code)
    return [ParticipantOut(id=p.id or 0, name=p.name, head=p.head) for p in rows]


@router.post(
    "/meetings/{meeting_id}/delegations/{code}/participants",
    status_code=201,
    dependencies=[SECRETARIAT_ONLY],
)
async def register_participant(
    meeting_id: int, code: str, body: ParticipantIn, engine: EngineDep
) -> ParticipantOut:
    """Register a participant; a fifth, or a second head of delegation, is refused (P5)."""
    person = await in_transaction(engine, add_participant, meeting_id, code, body.name, body.head)
    return ParticipantOut(id=person.id or 0, name=person.name, head=person.head)


@router.delete(
    "/meetings/{meeting_id}/delegations/{code}/participants/{participant_id}",
    dependencies=[SECRETARIAT_ONLY],
)
async def unregister_participant(
    meeting_id: int, code: str, participant_id: int, engine: EngineDep
) -> dict[str, bool]:
    """Remove a participant (to replace them within the four of P5)."""
    await in_transaction(engine, remove_participant, meeting_id, code, participant_id)
    return {"removed": True}


class SegmentRolesIn(BodyIn):
    moderators: list[Annotated[Name, Field(min_length=1, max_length=300)]] = Field(
        default_factory=list, max_length=6
    )
    rapporteur: Name = Field(default="", max_length=300)
    rcp_chairs: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(
        default_factory=list, max_length=50
    )  # delegation codes (P4)


class SegmentRolesOut(BaseModel):
    """What the segment holds (not validated again: an answer never refuses its own data)."""

    segment_id: int
    moderators: list[str]
    rapporteur: str
    rcp_chairs: list[str]


@router.put("/segments/{segment_id}/roles", dependencies=[SECRETARIAT_ONLY])
async def segment_roles(
    segment_id: int, body: SegmentRolesIn, engine: EngineDep
) -> SegmentRolesOut:
    """Name the moderators, the rapporteur and the RCP chairs (P4) before the segment opens."""
    segment = await in_transaction(
        engine, set_segment_roles, segment_id, body.moderators, body.rapporteur, body.rcp_chairs
    )
    return SegmentRolesOut(
        segment_id=segment_id,
        moderators=segment.moderators,
        rapporteur=segment.rapporteur,
        rcp_chairs=list(segment.plan.get("rcp_chairs", [])),
    )
