"""Signed credentials: a token names a principal, and reading one checks it.

A credential is a token signed with the service's secret (itsdangerous,
``app.access.secret``): it names a ``Principal`` (``app.access.roles``): a
role, what the role covers, its meeting, its recorded id and its expiry. It
travels as ``Authorization: Bearer`` or, for links opened from a badge or a
wall screen, as ``?token=``. Reading one (``principal_of``, ``authenticate``)
checks, in this order and without a query:

1. the signature (403 if it is not a token of this secret);
2. that the credential table knows its id, live, with exactly the role and
   scope the token names (``app.access.credentials``, kept in memory): a
   token never recorded is refused (401), a revoked one too (403);
3. its expiry against the service's clock (``Services.now``, a ``FakeClock``
   in tests): an expired token is a 401 that says when it ended.

``authenticate`` (the route's rule) first reads, once, the row of an id this
process has not seen: a credential issued by another process
(``floorkeeper links`` while the service runs). Only a token that passed
the signature gets that far, so a forger cannot make it query.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from anyio import to_thread
from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import HTTPConnection

from app.access.roles import Principal, Role
from app.errors import NotAllowed, TokenExpired, Unauthenticated
from app.services import Services, services_of

# v2: every token carries its expiry ("e"); a v1 token (no expiry, never recorded) is refused.
SALT = "floorkeeper.credential.v2"


class Signer:
    """Signs principals into tokens and reads them back, with the service's secret."""

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeSerializer(secret, salt=SALT)

    def issue(self, principal: Principal) -> str:
        """The token of ``principal``: short keys, only the fields it has; it must expire."""
        if principal.expires_at is None:
            raise ValueError("a token needs its expiry")
        data: dict[str, Any] = {"r": principal.role.value, "e": principal.expires_at}
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
                expires_at=float(data["e"]),
            )
        except (BadSignature, KeyError, ValueError, TypeError):
            raise NotAllowed("token.invalid") from None


def checked(services: Services, principal: Principal) -> Principal:
    """``principal`` if its credential is recorded, live and unexpired; refused otherwise."""
    status = services.credentials.status(principal)
    if status == "revoked":
        raise NotAllowed("token.revoked")
    if status != "live":
        raise Unauthenticated("token.not_recorded")
    assert principal.expires_at is not None  # read from the token: every token has one
    if principal.expires_at <= services.now():
        ended = datetime.fromtimestamp(principal.expires_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
        raise TokenExpired("token.expired", ended=ended)
    return principal


def read_token(connection: HTTPConnection, token: str) -> Principal:
    """The token's principal, checked in memory (signature, record, expiry)."""
    services = services_of(connection)
    return checked(services, services.signer.read(token))


def principal_of(connection: HTTPConnection) -> Principal | None:
    """The caller's principal from its bearer token or ``?token=``; None without either."""
    token = token_of(connection)
    return None if token is None else read_token(connection, token)


async def authenticate(connection: HTTPConnection) -> Principal | None:
    """``principal_of``, after reading once the record of an id this process has not seen."""
    token = token_of(connection)
    if token is None:
        return None
    services = services_of(connection)
    principal = services.signer.read(token)
    if principal.token_id is not None and services.credentials.unseen(principal.token_id):
        await to_thread.run_sync(services.credentials.recall, principal.token_id)
    return checked(services, principal)


def token_of(connection: HTTPConnection) -> str | None:
    """The token the caller sent: its bearer, or the link's ``?token=``."""
    return _bearer(connection) or connection.query_params.get("token") or None


def _bearer(connection: HTTPConnection) -> str | None:
    scheme, _, credentials = connection.headers.get("authorization", "").partition(" ")
    token = credentials.strip() if scheme.lower() == "bearer" else ""
    return token or None
