"""Who may do what: signed credentials and one place that checks them.

A credential is a token signed with the meeting's secret (itsdangerous):
it names a role and what the role covers (a room for a moderator or a
display, a delegation for a delegate). It travels as ``Authorization: Bearer``
or, for links opened from a badge or a wall screen, as ``?token=``. Each
route declares the rule it needs (``app.authorization.allow``); nothing
else decides, and every refusal lives there.

Roles: secretariat (everything in its meeting; a token of no meeting is the
service's administrator), moderator (their room), delegate (their own
delegation's requests), display (reading one room). Reading the public
programme needs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import HTTPConnection

from app.errors import NotAllowed
from app.live.view import Role
from app.services import services_of

SALT = "floorkeeper.credential.v1"


@dataclass(frozen=True, slots=True)
class Principal:
    role: Role
    room_id: int | None = None  # moderator, display
    delegation: str | None = None  # delegate: the delegation code
    name: str = ""
    token_id: str | None = None  # the recorded credential (app.credentials); revocable
    meeting_id: int | None = None  # the one meeting it covers; None: every meeting

    def describe(self) -> str:
        meeting = "meeting" if self.meeting_id is None else f"meeting {self.meeting_id}"
        scope = self.delegation or (f"room {self.room_id}" if self.room_id else meeting)
        return f"{self.role.value} ({scope})"


class Signer:
    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeSerializer(secret, salt=SALT)

    def issue(self, principal: Principal) -> str:
        data: dict[str, Any] = {"r": principal.role.value}
        if principal.room_id is not None:
            data["room"] = principal.room_id
        if principal.delegation is not None:
            data["d"] = principal.delegation
        if principal.name:
            data["n"] = principal.name
        if principal.token_id is not None:
            data["i"] = principal.token_id
        if principal.meeting_id is not None:
            data["m"] = principal.meeting_id
        token: str = self._serializer.dumps(data)
        return token

    def read(self, token: str) -> Principal:
        try:
            data = self._serializer.loads(token)
            return Principal(
                role=Role(data["r"]),
                room_id=data.get("room"),
                delegation=data.get("d"),
                name=data.get("n", ""),
                token_id=data.get("i"),
                meeting_id=data.get("m"),
            )
        except (BadSignature, KeyError, ValueError, TypeError):
            raise NotAllowed(
                "this link or token is not valid: ask the secretariat for a new one"
            ) from None


class Revocations(Protocol):
    """What the checks need of the credential registry (``app.credentials``): no query."""

    def is_revoked(self, token_id: str) -> bool: ...


def read_token(connection: HTTPConnection, token: str) -> Principal:
    """The token's principal; refused if it was revoked (checked in memory, at once)."""
    services = services_of(connection)
    principal = services.signer.read(token)
    if principal.token_id is not None:
        if services.credentials.is_revoked(principal.token_id):
            raise NotAllowed(
                "this link was revoked by the secretariat: ask the secretariat for a new one"
            )
    return principal


def principal_of(connection: HTTPConnection, bearer: str | None) -> Principal | None:
    token = bearer or connection.query_params.get("token")
    if not token:
        return None
    return read_token(connection, token)


def may_moderate(principal: Principal | None, room_id: int) -> bool:
    if principal is None:
        return False
    if principal.role is Role.SECRETARIAT:
        return True
    return principal.role is Role.MODERATOR and principal.room_id == room_id
