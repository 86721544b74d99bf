"""The secretariat's routes: credentials (issue, list, revoke, rotate), login, and the
secretariat page's reads and actions (a meeting's overview, its credentials with their
links, every delegation's link, a rehearsal of a day).

Every route here is the secretariat's alone, but for ``/api/login``, which
exchanges an account's name and password for a secretariat token. A
secretariat of one meeting issues, lists, revokes and rotates the tokens of
its meeting only (``app.access.rules``: ``scope_of_new_credential``,
``credential_in_scope``).

It is longer than 400 lines on purpose: it is the one router of the routes that are the
secretariat's alone, so that their rules (``SECRETARIAT_ONLY``, ``ADMINISTRATOR_ONLY``) and
their scope checks (``ensure_in_scope``) are read, and reviewed, in one file.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field, model_validator
from starlette.requests import HTTPConnection

from app.access import rules, scope
from app.access.accounts import WrongCredentials, authenticate
from app.access.credentials import CredentialRegistry, Issued
from app.access.links import page_links
from app.access.policy import ADMINISTRATOR_ONLY, PUBLIC, SECRETARIAT_ONLY
from app.access.ratelimit import address_of
from app.access.roles import Principal, Role
from app.api.deps import EngineDep, PrincipalDep
from app.api.schemas import BodyIn, ErrorOut
from app.db.engine import in_session, in_transaction, in_worker
from app.errors import NotFound
from app.meeting import overview, queries
from app.room.audit import audit_trail
from app.services import services_of

ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409, 422)
}

router = APIRouter(prefix="/api", tags=["secretariat"], responses=ERRORS)


async def get_registry(connection: HTTPConnection) -> CredentialRegistry:
    return services_of(connection).credentials


RegistryDep = Annotated[CredentialRegistry, Depends(get_registry)]


class CredentialIn(BodyIn):
    """What a new token covers: a role, and the room or delegation it is scoped to."""

    role: Role = Field(strict=False)  # its value, a string
    room_id: int | None = Field(default=None, ge=1)
    delegation: str | None = Field(default=None, min_length=1, max_length=32)
    meeting_id: int | None = Field(
        default=None,
        ge=1,
        description="the one meeting it covers; left out: every meeting (a scoped "
        "secretariat's tokens always cover its own)",
    )
    label: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _scope_fits_role(self) -> CredentialIn:
        needs_room = self.role in (Role.MODERATOR, Role.DISPLAY)
        if needs_room and self.room_id is None:
            raise ValueError(f"a {self.role.value} token needs room_id")
        if self.role is Role.DELEGATE and self.delegation is None:
            raise ValueError("a delegate token needs delegation (its code)")
        if self.role is not Role.DELEGATE and self.delegation is not None:
            raise ValueError(f"a {self.role.value} token has no delegation")
        if self.role in (Role.SECRETARIAT, Role.DELEGATE) and self.room_id is not None:
            raise ValueError(f"a {self.role.value} token is not scoped to a room")
        return self


class CredentialOut(BaseModel):
    id: str
    role: Role
    room_id: int | None
    delegation: str | None
    meeting_id: int | None
    label: str
    issued_at: float
    revoked_at: float | None
    replaces: str | None


class IssuedOut(CredentialOut):
    token: str = Field(description="the bearer token; also accepted as ?token= in links")


def _out(issued: Issued) -> CredentialOut:
    p = issued.principal
    return CredentialOut(
        id=issued.id,
        role=p.role,
        room_id=p.room_id,
        delegation=p.delegation,
        meeting_id=p.meeting_id,
        label=issued.label,
        issued_at=issued.issued_at,
        revoked_at=issued.revoked_at,
        replaces=issued.replaces,
    )


def _issued_out(issued: Issued) -> IssuedOut:
    return IssuedOut(**_out(issued).model_dump(), token=issued.token)


# -- credentials ----------------------------------------------------------------------


@router.post("/credentials", status_code=201, dependencies=[SECRETARIAT_ONLY])
async def issue_credential(
    body: CredentialIn,
    registry: RegistryDep,
    engine: EngineDep,
    connection: HTTPConnection,
    caller: PrincipalDep,
) -> IssuedOut:
    """Issue a recorded token for a moderator, display, delegate, rapporteur or secretariat."""
    if body.room_id is not None and await services_of(connection).room(body.room_id) is None:
        raise NotFound("room.not_found", room=body.room_id)
    room_meeting = await _room_meeting(connection, body.room_id)
    wanted = rules.scope_of_new_credential(
        caller,
        Principal(
            body.role, room_id=body.room_id, delegation=body.delegation, meeting_id=body.meeting_id
        ),
        room_meeting,
    )
    if wanted.meeting_id is not None:
        await in_session(engine, queries.ensure_meeting, wanted.meeting_id)
    if body.delegation is not None:
        await in_session(engine, queries.ensure_delegation, body.delegation, wanted.meeting_id)
    return _issued_out(await in_worker(registry.issue, wanted, body.label))


@router.get("/credentials", dependencies=[SECRETARIAT_ONLY])
async def list_credentials(
    registry: RegistryDep,
    caller: PrincipalDep,
    connection: HTTPConnection,
    role: Annotated[Role | None, Query()] = None,
    revoked: Annotated[bool | None, Query()] = None,
) -> list[CredentialOut]:
    """Every token issued (of the caller's meeting), with its scope and label, never the token."""
    rows = await in_worker(registry.list, role, revoked)
    return [
        _out(row)
        for row in rows
        if rules.credential_in_scope(
            caller, row.principal, await _room_meeting(connection, row.principal.room_id)
        )
    ]


@router.post("/credentials/{token_id}/revoke", dependencies=[SECRETARIAT_ONLY])
async def revoke_credential(
    token_id: str, registry: RegistryDep, caller: PrincipalDep, connection: HTTPConnection
) -> CredentialOut:
    """Revoke a token: refused at once on HTTP, and its live sockets are closed (4403)."""
    await ensure_in_scope(connection, registry, caller, token_id)
    revoked = await in_worker(registry.revoke, token_id)
    registry.close_sockets(token_id)
    return _out(revoked)


@router.post("/credentials/{token_id}/rotate", status_code=201, dependencies=[SECRETARIAT_ONLY])
async def rotate_credential(
    token_id: str, registry: RegistryDep, caller: PrincipalDep, connection: HTTPConnection
) -> IssuedOut:
    """Revoke a token and issue its successor with the same role, scope and label."""
    await ensure_in_scope(connection, registry, caller, token_id)
    successor = await in_worker(registry.rotate, token_id)
    registry.close_sockets(token_id)
    return _issued_out(successor)


async def _room_meeting(connection: HTTPConnection, room_id: int | None) -> int | None:
    return None if room_id is None else await scope.meeting_of(connection, "room", room_id)


async def ensure_in_scope(
    connection: HTTPConnection, registry: CredentialRegistry, caller: Principal, token_id: str
) -> None:
    if caller.meeting_id is None:
        return  # the administrator manages every token (and an unknown one is a 404 below)
    issued = await in_worker(registry.get, token_id)
    room_meeting = await _room_meeting(connection, issued.principal.room_id)
    rules.ensure_credential_in_scope(caller, issued.principal, room_meeting)


# -- login ----------------------------------------------------------------------------


class LoginIn(BodyIn):
    name: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=1000)


class LoginOut(BaseModel):
    name: str
    credential_id: str = Field(description="revoke it to end this login")
    token: str = Field(description="a secretariat bearer token")


@router.post("/login", dependencies=[PUBLIC], responses={429: {"model": ErrorOut}})
async def login(
    body: LoginIn, engine: EngineDep, registry: RegistryDep, connection: HTTPConnection
) -> LoginOut:
    """Exchange a secretariat account's name and password for a secretariat token.

    Failed attempts are throttled per account and per address (429 with
    ``Retry-After``); a throttled attempt is refused before its password is hashed.
    """
    throttle = services_of(connection).rate_limits.logins
    address = address_of(connection)
    await throttle.check(body.name, address)  # access: failed logins are rate-limited
    try:
        account = await in_worker(authenticate, engine, body.name, body.password)
    except WrongCredentials:
        await throttle.failed(body.name, address)
        raise
    await throttle.succeeded(body.name, address)
    principal = Principal(Role.SECRETARIAT, name=account.name, meeting_id=account.meeting_id)
    issued = await in_worker(registry.issue, principal, f"login: {account.name}")
    return LoginOut(name=account.name, credential_id=issued.id, token=issued.token)


# -- the audit trail ------------------------------------------------------------------


class AuditOut(BaseModel):
    command_id: str
    kind: str = Field(description="the command, e.g. StartSpeech, RequestFloor, Tick")
    version: int = Field(description="the room's version after it")
    at: float = Field(description="UTC epoch seconds")
    events: list[str]
    role: str = Field(description="the sender's role; empty for the scheduler")
    identity: str = Field(description="who: role, scope and name of the credential")
    token_id: str | None = Field(description="the credential it came with, if recorded")
    client: str = Field(description="the address it came from")


@router.get("/rooms/{room_id}/audit", dependencies=[SECRETARIAT_ONLY])
async def room_audit(
    room_id: int,
    engine: EngineDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    before: Annotated[float | None, Query(description="only commands before this time")] = None,
) -> list[AuditOut]:
    """The room's commands, newest first: what, when, who sent it and from where."""
    rows = await in_worker(audit_trail, engine, room_id, limit, before)
    return [AuditOut(**row) for row in rows]


# -- the secretariat page -------------------------------------------------------------


class RoomOut(BaseModel):
    id: int
    key: str
    name: str
    language: str


class SegmentOut(BaseModel):
    id: int
    key: str
    title: str
    room_id: int
    format: str
    scheduled_start: float = Field(description="UTC epoch seconds")
    scheduled_end: float
    status: Literal["scheduled", "open", "closed"]


class DayOut(BaseModel):
    id: int
    number: int
    date: str
    title: str
    segments: list[SegmentOut]


class DelegationOut(BaseModel):
    code: str
    category: str
    names: dict[str, str]


class MeetingOverviewOut(BaseModel):
    id: int
    key: str
    title: str
    timezone: str
    rehearsal_of: int | None
    rooms: list[RoomOut]
    days: list[DayOut]
    delegations: list[DelegationOut]


@router.get("/secretariat/meetings/{meeting_id}", dependencies=[SECRETARIAT_ONLY])
async def meeting_overview(
    meeting_id: int, engine: EngineDep, connection: HTTPConnection
) -> MeetingOverviewOut:
    """The meeting's rooms and its days' segments, each with its status (open, closed...)."""
    runners = services_of(connection).rooms
    open_now = {
        room_id: (runner.state.segment.plan.id if runner.state.segment else None)
        for room_id, runner in runners.items()
    }
    seen = await in_session(engine, overview.overview, meeting_id, open_now)
    registered = await in_session(engine, queries.delegations, meeting_id)
    found = seen.meeting
    assert found.id is not None
    return MeetingOverviewOut(
        id=found.id,
        key=found.key,
        title=found.title,
        timezone=found.timezone,
        rehearsal_of=found.rehearsal_of,
        rooms=[
            RoomOut(id=r.id or 0, key=r.key, name=r.name, language=r.language) for r in seen.rooms
        ],
        days=[
            DayOut(
                id=d.id or 0,
                number=d.number,
                date=d.date,
                title=d.title,
                segments=[
                    SegmentOut(
                        id=s.id or 0,
                        key=s.key,
                        title=s.title,
                        room_id=s.room_id,
                        format=s.format,
                        scheduled_start=s.scheduled_start,
                        scheduled_end=s.scheduled_end,
                        status=seen.status[s.id or 0],
                    )
                    for s in seen.segments
                    if s.day_id == d.id
                ],
            )
            for d in seen.days
        ],
        delegations=[
            DelegationOut(code=d.code, category=d.category, names=d.names) for d in registered
        ],
    )


class CredentialLinksOut(CredentialOut):
    expires_at: float | None
    links: dict[str, str] = Field(
        description="the pages it opens (moderator, display, podium, delegate, secretariat), "
        "as full URLs; none once revoked"
    )
    qr: str = Field(description="the path of its link's QR code (SVG), or empty")


def _base(connection: HTTPConnection) -> str:
    return str(connection.base_url).rstrip("/")


def credential_links(
    connection: HTTPConnection, caller: Principal, issued: Issued
) -> CredentialLinksOut:
    """A credential with its full links; a secretariat token's only to the administrator."""
    p = issued.principal
    shown = issued.revoked_at is None and (
        p.role is not Role.SECRETARIAT or caller.meeting_id is None
    )
    links = page_links(_base(connection), p, issued.token) if shown else {}
    return CredentialLinksOut(
        **_out(issued).model_dump(),
        expires_at=p.expires_at,
        links=links,
        qr=f"/secretariat/credentials/{issued.id}.svg" if links else "",
    )


@router.get("/secretariat/meetings/{meeting_id}/credentials", dependencies=[SECRETARIAT_ONLY])
async def meeting_credentials(
    meeting_id: int,
    engine: EngineDep,
    registry: RegistryDep,
    caller: PrincipalDep,
    connection: HTTPConnection,
) -> list[CredentialLinksOut]:
    """The meeting's credentials (and, for the administrator, the administrator's), oldest
    first, with each one's full links while it is live."""
    await in_session(engine, queries.ensure_meeting, meeting_id)
    rows = await in_worker(registry.list)
    return [
        credential_links(connection, caller, row)
        for row in rows
        if row.principal.meeting_id == meeting_id
        or (caller.meeting_id is None and row.principal.meeting_id is None)
    ]


class DelegateLinksOut(BaseModel):
    delegations: int = Field(description="how many delegations now have a live link")


@router.post("/secretariat/meetings/{meeting_id}/delegate-links", dependencies=[SECRETARIAT_ONLY])
async def delegate_links(
    meeting_id: int, engine: EngineDep, registry: RegistryDep
) -> DelegateLinksOut:
    """Give every delegation of the meeting its link: the badge sheet's (the same token),
    issued if it has none yet; a delegation that has one keeps it."""
    _, delegations = await in_session(engine, queries.meeting_delegations, meeting_id)
    for delegation in delegations:
        wanted = Principal(Role.DELEGATE, delegation=delegation.code, meeting_id=meeting_id)
        await in_worker(registry.ensure, wanted, f"badge: {delegation.code}")
    return DelegateLinksOut(delegations=len(delegations))


class RehearsalIn(BodyIn):
    day: int = Field(ge=1, le=366, description="the day of the meeting that starts now")


class RehearsalOut(BaseModel):
    id: int
    key: str
    title: str
    rooms: list[RoomOut]


@router.post(
    "/secretariat/meetings/{meeting_id}/rehearsals",
    status_code=201,
    dependencies=[ADMINISTRATOR_ONLY],
)
async def rehearse_day(
    meeting_id: int, body: RehearsalIn, engine: EngineDep, connection: HTTPConnection
) -> RehearsalOut:
    """Copy the meeting so that its day ``day`` starts now (``floorkeeper rehearse --day N``);
    the copy's rooms run at once, no restart needed. A new meeting: the administrator's."""
    services = services_of(connection)
    copy, rooms, segments = await in_transaction(
        engine, overview.rehearse_meeting, meeting_id, body.day, services.now()
    )
    assert copy.id is not None
    room_ids = [r.id for r in rooms if r.id is not None]
    await services.meeting_imported(copy.id, room_ids, segments)
    return RehearsalOut(
        id=copy.id,
        key=copy.key,
        title=copy.title,
        rooms=[RoomOut(id=r.id or 0, key=r.key, name=r.name, language=r.language) for r in rooms],
    )
