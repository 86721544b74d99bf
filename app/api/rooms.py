"""Command routes: parse, hand to the room's runner, answer (S10); each route's rule says who.

No floor rule lives here: the engine decides, and its refusals come back as
4xx answers through the one error handler in ``app.main``.
"""

from __future__ import annotations

import secrets
from dataclasses import replace

from fastapi import APIRouter
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.access.guard import ensure_allowed
from app.access.policy import ACT_FOR_DELEGATION, ARRANGE_INSCRIPTIONS, INSCRIBE, RUN_ROOM
from app.access.ratelimit import FLOOR_REQUEST_LIMIT
from app.access.roles import Role
from app.api.deps import EngineDep, PrincipalDep, RoomDep, SenderDep
from app.api.schemas import (
    AddRequestIn,
    DrawLotsIn,
    ErrorOut,
    FloorCommandIn,
    InscribeIn,
    InscriptionAck,
    InscriptionCommandIn,
    ModelUnCallIn,
    OpenSegmentIn,
    PointOfOrderIn,
    ProgrammeCommandIn,
    QuestionIn,
    ReplyIn,
    RequestCommandIn,
    RequestIn,
    SpeechCommandIn,
    SwapInscriptionsIn,
    WithdrawInscriptionIn,
    YieldIn,
)
from app.db import codec
from app.db.engine import in_session
from app.meeting import queries
from app.queue import (
    Command,
    DrawLots,
    Inscribe,
    LotsDrawn,
    OpenSegment,
    RaisePointOfOrder,
    RequestReply,
    SwapInscriptions,
    WithdrawInscription,
)
from app.room.store import CommandAck, room_events
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
    command = await programme_command_of(body, room_id, engine)
    return await room.handle(command, body.command_id, sender=sender)


@router.post("/floor", status_code=200, dependencies=[RUN_ROOM])
async def floor_command(
    room_id: int, body: FloorCommandIn, room: RoomDep, engine: EngineDep, sender: SenderDep
) -> CommandAck:
    """Grant the floor, give it by name, reorder, fix an allotment, add a request (P2, P7),
    strike one (M4), undo the last change of the floor (M3), hear a point of order and
    rule on it (O1), close or reopen a phase's list of speakers (O3), call the rights of
    reply (O2), mark an inscribed speaker absent (O5), record the speaker's consent to an
    interposed question or its refusal (O8), yield the speaker's time, call a questioner,
    open and close a moderated caucus and call its speakers (O11)."""
    command = await floor_command_of(body, room_id, engine)
    return await room.handle(command, body.command_id, sender=sender)


async def programme_command_of(body: ProgrammeCommandIn, room_id: int, engine: Engine) -> Command:
    """The engine command of a programme body (the route's and the live socket's): a segment
    opens with the plan frozen into its row."""
    if isinstance(body, OpenSegmentIn):
        plan = await in_session(engine, _segment_plan, room_id, body.segment_id)
        return OpenSegment(plan)
    return body.to_command()


async def floor_command_of(body: FloorCommandIn, room_id: int, engine: Engine) -> Command:
    """The engine command of a floor body (the route's and the live socket's): a delegation
    named by code is looked up as the room's speaker (its name, category, group)."""
    if isinstance(body, AddRequestIn):
        who = await in_session(engine, queries.room_speaker, room_id, body.delegation)
        return body.to_command(who)  # O7, O8: its stance and group, as a delegate's
    if isinstance(body, YieldIn):
        to = None
        if body.to is not None:
            to = await in_session(engine, queries.room_speaker, room_id, body.to)
        return body.to_command(to)
    if isinstance(body, ModelUnCallIn):
        who = await in_session(engine, queries.room_speaker, room_id, body.delegation)
        return body.to_command(who)
    return body.to_command()


@router.post("/requests", status_code=200, dependencies=[ACT_FOR_DELEGATION, FLOOR_REQUEST_LIMIT])
async def request_command(
    room_id: int,
    body: RequestCommandIn,
    room: RoomDep,
    engine: EngineDep,
    sender: SenderDep,
    principal: PrincipalDep,
) -> CommandAck:
    """A delegation requests the floor (P6, P7: pro or contra, O8; for a group, O7),
    withdraws, raises a point of order (O1), asks for a right of reply and withdraws it
    (O2), or asks to put an interposed question (O8): only for itself (its rule); the
    moderator raises a point, asks a reply or a question on any delegation's behalf."""
    command: Command
    on_behalf = principal.role is not Role.DELEGATE
    if isinstance(body, RequestIn):
        who = await in_session(engine, queries.room_speaker, room_id, body.delegation)
        command = body.to_command(who)
    elif isinstance(body, QuestionIn):
        who = await in_session(engine, queries.room_speaker, room_id, body.delegation)
        command = body.to_command(who, on_behalf=on_behalf)
    elif isinstance(body, PointOfOrderIn):
        who = await in_session(engine, queries.room_speaker, room_id, body.delegation)
        command = RaisePointOfOrder(who, on_behalf=on_behalf)
    elif isinstance(body, ReplyIn):
        who = await in_session(engine, queries.room_speaker, room_id, body.delegation)
        command = RequestReply(who, on_behalf=on_behalf)
    else:
        command = body.to_command()
    return await room.handle(command, body.command_id, sender=sender)


@router.post("/inscriptions", status_code=200, dependencies=[INSCRIBE])
async def inscription_command(
    room_id: int,
    body: InscriptionCommandIn,
    room: RoomDep,
    engine: EngineDep,
    sender: SenderDep,
    principal: PrincipalDep,
) -> InscriptionAck:
    """O4, O6: a segment's list before it opens. A delegate inscribes or withdraws its own
    delegation (the answer's ``Inscribed`` event is the acknowledgement), the secretariat
    any; only the secretariat swaps two speakers or draws lots (the answer's ``lots``
    publishes the seed)."""
    if isinstance(body, SwapInscriptionsIn | DrawLotsIn):
        ensure_allowed(ARRANGE_INSCRIPTIONS, principal, room_id)
    plan = await in_session(engine, _segment_plan, room_id, body.segment_id)
    command: Command
    as_sent: Command | None = None
    if isinstance(body, InscribeIn):
        who = await in_session(engine, queries.room_speaker, room_id, body.delegation)
        by_secretariat = sender.role == Role.SECRETARIAT.value
        command = Inscribe(plan, who, body.tier, by_secretariat=by_secretariat)
    elif isinstance(body, WithdrawInscriptionIn):
        who = await in_session(engine, queries.room_speaker, room_id, body.delegation)
        command = WithdrawInscription(plan.id, who.id)
    elif isinstance(body, SwapInscriptionsIn):
        first = await in_session(engine, queries.room_speaker, room_id, body.first)
        second = await in_session(engine, queries.room_speaker, room_id, body.second)
        command = SwapInscriptions(plan.id, first.id, second.id)
    else:
        seed = _shell_seed() if body.seed is None else body.seed
        command = DrawLots(plan.id, body.tier, seed, body.keep)
        if body.seed is None:  # a retry draws a new seed: the id is bound to the body (M6)
            as_sent = replace(command, seed="")
    ack = await room.handle(command, body.command_id, sender=sender, as_sent=as_sent)
    drawn = None
    if isinstance(command, DrawLots) and "LotsDrawn" in ack.events:
        drawn = await in_session(engine, _lots_drawn, room_id, ack.version)
    return InscriptionAck.of(ack, drawn)


def _shell_seed() -> str:
    """O6: a seed no one could foresee, chosen here so that the engine stays pure."""
    return secrets.token_hex(16)


def _lots_drawn(session: Session, room_id: int, version: int) -> LotsDrawn | None:
    """O6: the draw recorded at ``version``, as published (a retry's answer too)."""
    for stored in room_events(session, room_id, after=version - 1, kinds=(LotsDrawn,)):
        if stored.version == version and isinstance(stored.event, LotsDrawn):
            return stored.event
    return None


def _segment_plan(session: Session, room_id: int, segment_id: int) -> SegmentPlan:
    """The plan frozen into the segment's row at import (a later edit never changes it)."""
    return codec.load(SegmentPlan, queries.segment_in_room(session, room_id, segment_id).plan)
