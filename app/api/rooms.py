"""Command routes: parse, hand to the room's runner, answer (S10); each route's rule says who.

No floor rule lives here: the engine decides, and its refusals come back as
4xx answers through the one error handler in ``app.main``.
"""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import Session

from app.access.policy import ACT_FOR_DELEGATION, INSCRIBE, RUN_ROOM
from app.access.ratelimit import FLOOR_REQUEST_LIMIT
from app.access.roles import Role
from app.api.deps import EngineDep, PrincipalDep, RoomDep, SenderDep
from app.api.schemas import (
    AddRequestIn,
    ErrorOut,
    FloorCommandIn,
    InscribeIn,
    OpenSegmentIn,
    PointOfOrderIn,
    ProgrammeCommandIn,
    RequestCommandIn,
    RequestIn,
    SpeechCommandIn,
)
from app.db import codec
from app.db.engine import in_session
from app.meeting import queries
from app.queue import Command, Inscribe, OpenSegment, RaisePointOfOrder, RequestFloor
from app.room.store import CommandAck
from app.timing import SegmentPlan

ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorOut} for code in (400, 403, 404, 409, 413, 429)
}

router = APIRouter(prefix="/api/rooms/{room_id}", tags=["commands"], responses=ERRORS)


@router.post("/speech", status_code=200, dependencies=[RUN_ROOM])
async def speech_command(
    room_id: int, body: SpeechCommandIn, room: RoomDep, sender: SenderDep
) -> CommandAck:
    """Start, pause, resume, extend or end the speaker's clock, or set its allotment (T5, T6)."""
    return await room.handle(body.to_command(), body.command_id, sender=sender)


@router.post("/programme", status_code=200, dependencies=[RUN_ROOM])
async def programme_command(
    room_id: int,
    body: ProgrammeCommandIn,
    room: RoomDep,
    engine: EngineDep,
    sender: SenderDep,
) -> CommandAck:
    """Open a segment (C1), close the current phase (A3) or close the segment."""
    command: Command
    if isinstance(body, OpenSegmentIn):
        plan = await in_session(engine, _segment_plan, room_id, body.segment_id)
        command = OpenSegment(plan)
    else:
        command = body.to_command()
    return await room.handle(command, body.command_id, sender=sender)


@router.post("/floor", status_code=200, dependencies=[RUN_ROOM])
async def floor_command(
    room_id: int, body: FloorCommandIn, room: RoomDep, engine: EngineDep, sender: SenderDep
) -> CommandAck:
    """Grant the floor, give it by name, reorder, fix an allotment, add a request (P2, P7),
    strike one (M4), undo the last change of the floor (M3), hear a point of order and
    rule on it (O1), close or reopen a phase's list of speakers (O3)."""
    command: Command
    if isinstance(body, AddRequestIn):
        who = await in_session(engine, queries.room_speaker, room_id, body.delegation)
        command = RequestFloor(who, on_behalf=True, inscribed=body.inscribed)
    else:
        command = body.to_command()
    return await room.handle(command, body.command_id, sender=sender)


@router.post("/requests", status_code=200, dependencies=[ACT_FOR_DELEGATION, FLOOR_REQUEST_LIMIT])
async def request_command(
    room_id: int,
    body: RequestCommandIn,
    room: RoomDep,
    engine: EngineDep,
    sender: SenderDep,
    principal: PrincipalDep,
) -> CommandAck:
    """A delegation requests the floor, withdraws (P6, P7) or raises a point of order (O1):
    only for itself (its rule); the moderator raises one on any delegation's behalf."""
    command: Command
    if isinstance(body, RequestIn):
        who = await in_session(engine, queries.room_speaker, room_id, body.delegation)
        command = RequestFloor(who)
    elif isinstance(body, PointOfOrderIn):
        who = await in_session(engine, queries.room_speaker, room_id, body.delegation)
        command = RaisePointOfOrder(who, on_behalf=principal.role is not Role.DELEGATE)
    else:
        command = body.to_command()
    return await room.handle(command, body.command_id, sender=sender)


@router.post("/inscriptions", status_code=200, dependencies=[INSCRIBE])
async def inscription_command(
    room_id: int, body: InscribeIn, room: RoomDep, engine: EngineDep, sender: SenderDep
) -> CommandAck:
    """O4: inscribe on a segment's list before it opens: a delegate for its own delegation
    (the answer's ``Inscribed`` event is the acknowledgement), the secretariat for any."""
    plan = await in_session(engine, _segment_plan, room_id, body.segment_id)
    who = await in_session(engine, queries.room_speaker, room_id, body.delegation)
    by_secretariat = sender.role == Role.SECRETARIAT.value
    command = Inscribe(plan, who, body.tier, by_secretariat=by_secretariat)
    return await room.handle(command, body.command_id, sender=sender)


def _segment_plan(session: Session, room_id: int, segment_id: int) -> SegmentPlan:
    """The plan frozen into the segment's row at import (a later edit never changes it)."""
    return codec.load(SegmentPlan, queries.segment_in_room(session, room_id, segment_id).plan)
