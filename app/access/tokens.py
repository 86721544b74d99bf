"""Signed credentials: a token names a principal, and reading one checks it.

A credential is a token signed with the meeting's secret (itsdangerous): it
names a ``Principal`` (``app.access.roles``): a role and what the role covers.
It travels as ``Authorization: Bearer`` or, for links opened from a badge or
a wall screen, as ``?token=``. ``principal_of`` reads it for the route's rule
(``app.access.guard``): the signature first, then the in-memory revocation
set (``app.access.credentials``); the rule decides what the principal may do.
"""

from __future__ import annotations

from typing import Any, Protocol

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import HTTPConnection

from app.access.roles import Principal, Role
from app.errors import NotAllowed
from app.services import services_of

SALT = "floorkeeper.credential.v1"


class Signer:
    """Signs principals into tokens and reads them back, with the service's secret."""

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeSerializer(secret, salt=SALT)

    def issue(self, principal: Principal) -> str:
        """The token of ``principal``: short keys, only the fields it has."""
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
        """The principal ``token`` names; refused (403) if it is not a token of this secret."""
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
    """What the checks need of the credential registry (``app.access.credentials``): no query."""

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


def principal_of(connection: HTTPConnection) -> Principal | None:
    """The caller's principal from its bearer token or ``?token=``; None without either."""
    token = _bearer(connection) or connection.query_params.get("token")
    if not token:
        return None
    return read_token(connection, token)


def _bearer(connection: HTTPConnection) -> str | None:
    scheme, _, credentials = connection.headers.get("authorization", "").partition(" ")
    token = credentials.strip() if scheme.lower() == "bearer" else ""
    return token or None
