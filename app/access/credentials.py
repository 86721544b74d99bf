"""Issued credentials: every token has an id, recorded, and can be revoked at once.

Theory of operation
-------------------
``issue`` writes a ``Credential`` row (role, scope, label, issued_at) and
signs a token that carries the row's id (``app.access.tokens.Signer``). The token
is not stored: it is the signature of the row, so a badge sheet can print it
again, and nobody can forge one without the secret.

A check must cost no query per request or per message, so the registry
keeps the set of revoked ids in memory: read once at start-up
(``load``), and updated by ``revoke`` in the same process. The database is
the source of truth; a service run as several processes would need the
revocation broadcast (as the hub would, docs/architecture.md).

Revoking also closes the live channel of that token: each socket runs its
listening inside a cancel scope registered under its token id (``watch``);
``close_sockets`` cancels them and the socket is closed with
``REVOKED_CLOSE`` (4403). Rotation is revoke + issue, with the same role,
scope (room, delegation, meeting) and label.

A token signed with the secret but never recorded (tests, the benchmark)
carries no id or an unknown id; it is checked against the revocation set
only. Rotate the secret to end every such token.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import anyio
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.requests import HTTPConnection

from app.access.roles import Principal, Role
from app.access.tokens import Signer
from app.db.models import Credential
from app.errors import NotFound
from app.services import services_of

#: The application close code a revoked token's socket is closed with.
REVOKED_CLOSE = (4403, "this link was revoked: ask the secretariat for a new one")


@dataclass(frozen=True, slots=True)
class Issued:
    """A recorded credential and its token (the token is computed, never stored)."""

    id: str
    token: str
    principal: Principal
    label: str
    issued_at: float
    revoked_at: float | None
    replaces: str | None


class CredentialRegistry:
    """Issue, list, revoke and rotate tokens; answer ``is_revoked`` from memory."""

    def __init__(self, engine: Engine, signer: Signer, now: Callable[[], float]) -> None:
        self._engine = engine
        self._signer = signer
        self._now = now
        self._revoked: set[str] = set()
        self._sockets: dict[str, set[anyio.CancelScope]] = {}

    # -- reads --------------------------------------------------------------------------

    def load(self) -> None:
        """Read the revoked ids (start-up). Synchronous: call it in a worker thread."""
        with Session(self._engine) as session:
            ids = session.exec(
                select(Credential.id).where(col(Credential.revoked_at).is_not(None))
            ).all()
        self._revoked = set(ids)

    def is_revoked(self, token_id: str) -> bool:
        return token_id in self._revoked

    def list(self, role: Role | None = None, revoked: bool | None = None) -> list[Issued]:
        """Every recorded credential, oldest first, filtered by role and revocation."""
        with Session(self._engine) as session:
            query = select(Credential).order_by(col(Credential.issued_at), col(Credential.id))
            if role is not None:
                query = query.where(Credential.role == role.value)
            if revoked is not None:
                column = col(Credential.revoked_at)
                query = query.where(column.is_not(None) if revoked else column.is_(None))
            return [self._issued(row) for row in session.exec(query).all()]

    def get(self, token_id: str) -> Issued:
        with Session(self._engine) as session:
            return self._issued(self._row(session, token_id))

    # -- writes (synchronous: worker thread) --------------------------------------------

    def issue(self, principal: Principal, label: str = "", replaces: str | None = None) -> Issued:
        """Record a new credential for ``principal``'s role and scope, and sign its token."""
        with Session(self._engine, expire_on_commit=False) as session:
            row = Credential(
                id=secrets.token_urlsafe(12),
                role=principal.role.value,
                room_id=principal.room_id,
                delegation=principal.delegation,
                meeting_id=principal.meeting_id,
                label=(label or principal.name)[:200],
                issued_at=self._now(),
                replaces=replaces,
            )
            session.add(row)
            session.commit()
            return self._issued(row)

    def ensure(self, principal: Principal, label: str) -> Issued:
        """The live credential with this role, scope and label, or a new one (rehearsal links)."""
        with Session(self._engine) as session:
            row = session.exec(
                select(Credential)
                .where(
                    Credential.role == principal.role.value,
                    Credential.room_id == principal.room_id,
                    Credential.delegation == principal.delegation,
                    Credential.meeting_id == principal.meeting_id,
                    Credential.label == label,
                    col(Credential.revoked_at).is_(None),
                )
                .order_by(col(Credential.issued_at))
            ).first()
            if row is not None:
                return self._issued(row)
        return self.issue(principal, label)

    def revoke(self, token_id: str) -> Issued:
        """Mark the credential revoked (idempotent); it is refused from now on, in this process."""
        with Session(self._engine, expire_on_commit=False) as session:
            row = self._row(session, token_id)
            if row.revoked_at is None:
                row.revoked_at = self._now()
                session.add(row)
                session.commit()
        self._revoked.add(token_id)
        return self._issued(row)

    def rotate(self, token_id: str) -> Issued:
        """Revoke the credential and issue its successor, same role, scope and label."""
        old = self.revoke(token_id)
        return self.issue(old.principal, old.label, replaces=old.id)

    # -- the live channel (event loop) --------------------------------------------------

    def close_sockets(self, token_id: str) -> int:
        """Close every live socket of ``token_id`` (call on the event loop); how many."""
        scopes = self._sockets.get(token_id, set())
        for scope in scopes:
            scope.cancel()
        return len(scopes)

    @contextmanager
    def watch(self, principal: Principal) -> Iterator[anyio.CancelScope]:
        """A cancel scope that ``close_sockets`` cancels when ``principal``'s token is revoked."""
        scope = anyio.CancelScope()
        token_id = principal.token_id
        if token_id is None:
            yield scope
            return
        if token_id in self._revoked:  # revoked between the check at connect time and now
            scope.cancel()
        self._sockets.setdefault(token_id, set()).add(scope)
        try:
            yield scope
        finally:
            watching = self._sockets.get(token_id, set())
            watching.discard(scope)
            if not watching:
                self._sockets.pop(token_id, None)

    # -- helpers --------------------------------------------------------------------------

    def _row(self, session: Session, token_id: str) -> Credential:
        row = session.get(Credential, token_id)
        if row is None:
            raise NotFound(f"no credential {token_id!r} was issued here")
        return row

    def _issued(self, row: Credential) -> Issued:
        principal = Principal(
            role=Role(row.role),
            room_id=row.room_id,
            delegation=row.delegation,
            name=row.label,
            token_id=row.id,
            meeting_id=row.meeting_id,
        )
        return Issued(
            id=row.id,
            token=self._signer.issue(principal),
            principal=principal,
            label=row.label,
            issued_at=row.issued_at,
            revoked_at=row.revoked_at,
            replaces=row.replaces,
        )


@contextmanager
def watch_revocation(
    connection: HTTPConnection, principal: Principal
) -> Iterator[anyio.CancelScope]:
    """The live channel's hook: a scope cancelled when the socket's token is revoked."""
    with services_of(connection).credentials.watch(principal) as scope, scope:
        yield scope
