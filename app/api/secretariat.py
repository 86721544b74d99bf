"""The secretariat's routes: credentials (issue, list, revoke, rotate) and login.

Every route here is the secretariat's alone, but for ``/api/login``, which
exchanges an account's name and password for a secretariat token. A
secretariat of one meeting issues, lists, revokes and rotates the tokens of
its meeting only (``app.access.rules``: ``scope_of_new_credential``,
``credential_in_scope``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field, model_validator
from starlette.requests import HTTPConnection

from app.access import rules, scope
from app.access.accounts import WrongCredentials, authenticate
from app.access.credentials import CredentialRegistry, Issued
from app.access.policy import PUBLIC, SECRETARIAT_ONLY
from app.access.ratelimit import address_of
from app.access.roles import Principal, Role
from app.api.deps import EngineDep, PrincipalDep
from app.api.schemas import BodyIn, ErrorOut
from app.db.engine import in_session, in_worker
from app.errors import NotFound
from app.meeting import queries
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
    if body.room_id is not None and body.room_id not in services_of(connection).rooms:
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
    await _ensure_in_scope(connection, registry, caller, token_id)
    revoked = await in_worker(registry.revoke, token_id)
    registry.close_sockets(token_id)
    return _out(revoked)


@router.post("/credentials/{token_id}/rotate", status_code=201, dependencies=[SECRETARIAT_ONLY])
async def rotate_credential(
    token_id: str, registry: RegistryDep, caller: PrincipalDep, connection: HTTPConnection
) -> IssuedOut:
    """Revoke a token and issue its successor with the same role, scope and label."""
    await _ensure_in_scope(connection, registry, caller, token_id)
    successor = await in_worker(registry.rotate, token_id)
    registry.close_sockets(token_id)
    return _issued_out(successor)


async def _room_meeting(connection: HTTPConnection, room_id: int | None) -> int | None:
    return None if room_id is None else await scope.meeting_of(connection, "room", room_id)


async def _ensure_in_scope(
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
    throttle.check(body.name, address)  # access: failed logins are rate-limited
    try:
        account = await in_worker(authenticate, engine, body.name, body.password)
    except WrongCredentials:
        throttle.failed(body.name, address)
        raise
    throttle.succeeded(body.name, address)
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
