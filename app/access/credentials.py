"""Issued credentials: every token has an id, recorded, with its meeting and its expiry.

Theory of operation
-------------------
``issue`` writes a ``Credential`` row (role, scope, meeting, label,
issued_at, expires_at) and signs a token that carries the row's id and
those fields (``app.access.tokens.Signer``). The token is not stored: it is
the signature of the row, so a badge sheet can print it again, and nobody
can forge one without the secret.

Every credential names its meeting (a room's meeting for a room's tokens,
the one meeting that registers a delegation for a delegate's, the service's
only meeting otherwise), but for a secretariat token of no meeting: the
service's administrator. Lifetimes (``expiry``):

* a secretariat token (a login, the administrator's rehearsal token of
  ``floorkeeper links``): ``SECRETARIAT_HOURS`` after it was issued;
* every other token: the end of its meeting's last day (in the meeting's
  time zone) plus ``MEETING_MARGIN_DAYS``; a token issued later than that
  (a rehearsal of a past meeting, the demo) gets the margin from its issue.

A check must cost no query per request or per message, so the registry
keeps in memory every live credential's signed fields and the revoked ids:
read once at start-up (``load``), updated by ``issue`` and ``revoke`` in the
same process. A token passes only if its id is live here with exactly the
fields it names (``status``). An id this process has not seen (issued by
another process: another worker of the service, ``floorkeeper links`` while
the service runs) is read once (``recall``) by the route's rule, after its
signature passed, and kept. The database is the source of truth. With
``REDIS_URL`` a revocation is announced to every process (``announce``, the
relay's ``{prefix}revoked`` stream), which reads the row again and closes the
token's sockets; after a Redis outage every process reads all the rows again
(``reload``), so a revocation announced meanwhile is not missed.

Revoking also closes the live channel of that token: each socket runs its
listening inside a cancel scope registered under its token id (``watch``);
``close_sockets`` cancels them and the socket is closed with
``REVOKED_CLOSE`` (4403). Rotation is revoke + issue, with the same role,
scope (room, delegation, meeting) and label, and a fresh expiry.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

import anyio
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.requests import HTTPConnection

from app.access.roles import Principal, Role
from app.access.tokens import Signer
from app.db.engine import make_engine
from app.db.models import Credential, Day, Delegation, Meeting, Room
from app.errors import DomainError, NotFound
from app.services import services_of

#: The application close code a revoked token's socket is closed with.
REVOKED_CLOSE = (4403, "this link was revoked: ask the secretariat for a new one")
#: A secretariat token (a login, the rehearsal's administrator) lasts this long.
SECRETARIAT_HOURS = 12
#: Every other token lasts until its meeting's last day ends, and this much longer.
MEETING_MARGIN_DAYS = 2
#: Ids validly signed but found in no row (a database restored without them): remembered up to
#: this many, so that such a token costs one query, not one per request.
MAX_ABSENT = 10_000

Status = Literal["live", "revoked", "unknown"]
#: What a token must name to pass: its credential row's role, scope, meeting and expiry.
Signed = tuple[str, int | None, str | None, int | None, float]


class Closer(Protocol):
    """A live socket as revocation sees it: an anyio cancel scope, or a parked screen."""

    def cancel(self) -> None: ...


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
    """Issue, list, revoke and rotate tokens; answer ``status`` from memory."""

    def __init__(self, engine: Engine, signer: Signer, now: Callable[[], float]) -> None:
        self._engine = engine
        self._signer = signer
        self._now = now
        self._live: dict[str, Signed] = {}
        self._revoked: set[str] = set()
        self.announce: Callable[[str], None] | None = None  # the relay's, with REDIS_URL
        self._absent: set[str] = set()
        self._sockets: dict[str, set[Closer]] = {}

    # -- reads --------------------------------------------------------------------------

    def load(self) -> None:
        """Read the live and the revoked ids (start-up). Synchronous: a worker thread."""
        with Session(self._engine) as session:
            rows = session.exec(select(Credential)).all()
        self._live = {r.id: signed(self._principal(r)) for r in rows if _is_live(r)}
        self._revoked = {r.id for r in rows if r.revoked_at is not None}

    def reload(self) -> set[str]:
        """Read every row again (the relay reconnected); the ids revoked since the last read."""
        before = self._revoked
        self.load()
        return self._revoked - before

    def status(self, principal: Principal) -> Status:
        """Whether the token naming ``principal`` is of a live credential, exactly as recorded."""
        token_id = principal.token_id
        if token_id is None:
            return "unknown"
        if token_id in self._revoked:
            return "revoked"
        return "live" if self._live.get(token_id) == signed(principal) else "unknown"

    def is_revoked(self, token_id: str) -> bool:
        return token_id in self._revoked

    def unseen(self, token_id: str) -> bool:
        """Whether this process knows nothing of ``token_id`` yet (another process issued it)."""
        return not (token_id in self._live or token_id in self._revoked or token_id in self._absent)

    def recall(self, token_id: str) -> None:
        """Read one credential this process has not seen (synchronous: a worker thread)."""
        with Session(self._engine) as session:
            row = session.get(Credential, token_id)
        if row is None:
            if len(self._absent) >= MAX_ABSENT:
                self._absent.clear()
            self._absent.add(token_id)
        elif row.revoked_at is not None:
            self._revoked.add(token_id)
            self._live.pop(token_id, None)
        elif _is_live(row):
            self._live[token_id] = signed(self._principal(row))

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
        """Record a new credential for ``principal``'s role and scope, and sign its token.

        Its meeting is found if it names none (see above); its expiry is computed here,
        whatever ``principal`` says.
        """
        with Session(self._engine, expire_on_commit=False) as session:
            scoped = with_meeting(session, principal)
            row = Credential(
                id=secrets.token_urlsafe(12),
                role=scoped.role.value,
                room_id=scoped.room_id,
                delegation=scoped.delegation,
                meeting_id=scoped.meeting_id,
                label=(label or scoped.name)[:200],
                issued_at=self._now(),
                expires_at=expiry(session, scoped, self._now()),
                replaces=replaces,
            )
            session.add(row)
            session.commit()
        issued = self._issued(row)
        self._live[row.id] = signed(issued.principal)
        return issued

    def ensure(self, principal: Principal, label: str) -> Issued:
        """The live credential with this role, scope and label, or a new one (badges, rehearsal).

        One is reused while it keeps at least half the lifetime a new one would get, so a
        badge sheet printed twice carries the same links.
        """
        with Session(self._engine) as session:
            scoped = with_meeting(session, principal)
            now = self._now()
            fresh = expiry(session, scoped, now)
            row = session.exec(
                select(Credential)
                .where(
                    Credential.role == scoped.role.value,
                    Credential.room_id == scoped.room_id,
                    Credential.delegation == scoped.delegation,
                    Credential.meeting_id == scoped.meeting_id,
                    Credential.label == label,
                    col(Credential.revoked_at).is_(None),
                    col(Credential.expires_at) >= fresh - (fresh - now) / 2,
                )
                .order_by(col(Credential.expires_at).desc())
            ).first()
            if row is not None:
                return self._issued(row)
        return self.issue(scoped, label)

    def revoke(self, token_id: str) -> Issued:
        """Mark the credential revoked (idempotent); it is refused from now on, in this process."""
        with Session(self._engine, expire_on_commit=False) as session:
            row = self._row(session, token_id)
            if row.revoked_at is None:
                row.revoked_at = self._now()
                session.add(row)
                session.commit()
        self._revoked.add(token_id)
        self._live.pop(token_id, None)
        return self._issued(row)

    def rotate(self, token_id: str) -> Issued:
        """Revoke the credential and issue its successor, same role, scope and label."""
        old = self.revoke(token_id)
        return self.issue(old.principal, old.label, replaces=old.id)

    # -- the live channel (event loop) --------------------------------------------------

    def close_sockets(self, token_id: str, *, announce: bool = True) -> int:
        """Close every live socket of ``token_id`` (call on the event loop); how many.

        With ``announce`` (and REDIS_URL), every other process closes its own too.
        """
        if announce and self.announce is not None:
            self.announce(token_id)
        scopes = self._sockets.get(token_id, set())
        for scope in scopes:
            scope.cancel()
        return len(scopes)

    @contextmanager
    def watch(self, principal: Principal) -> Iterator[anyio.CancelScope]:
        """A cancel scope that ``close_sockets`` cancels when ``principal``'s token is revoked."""
        scope = anyio.CancelScope()
        self.follow(principal, scope)
        try:
            yield scope
        finally:
            self.unfollow(principal, scope)

    def follow(self, principal: Principal, socket: Closer) -> None:
        """``socket.cancel()`` on revocation (at once if already revoked), until ``unfollow``."""
        if (token_id := principal.token_id) is not None:
            self._sockets.setdefault(token_id, set()).add(socket)
            if token_id in self._revoked:
                socket.cancel()

    def unfollow(self, principal: Principal, socket: Closer) -> None:
        watching = self._sockets.get(principal.token_id or "", set())
        watching.discard(socket)
        if not watching:
            self._sockets.pop(principal.token_id or "", None)

    # -- helpers --------------------------------------------------------------------------

    def _row(self, session: Session, token_id: str) -> Credential:
        row = session.get(Credential, token_id)
        if row is None:
            raise NotFound("credential.not_found", token=token_id)
        return row

    def _principal(self, row: Credential) -> Principal:
        return Principal(
            role=Role(row.role),
            room_id=row.room_id,
            delegation=row.delegation,
            name=row.label,
            token_id=row.id,
            meeting_id=row.meeting_id,
            expires_at=row.expires_at,
        )

    def _issued(self, row: Credential) -> Issued:
        principal = self._principal(row)
        return Issued(
            id=row.id,
            # a row from before tokens expired (0005) has no token: rotate it for a new one
            token=self._signer.issue(principal) if row.expires_at is not None else "",
            principal=principal,
            label=row.label,
            issued_at=row.issued_at,
            revoked_at=row.revoked_at,
            replaces=row.replaces,
        )


def signed(principal: Principal) -> Signed:
    """What a token must name, as the registry keeps it for its credential."""
    p = principal
    return (p.role.value, p.room_id, p.delegation, p.meeting_id, p.expires_at or 0.0)


def _is_live(row: Credential) -> bool:
    return row.revoked_at is None and row.expires_at is not None


def with_meeting(session: Session, principal: Principal) -> Principal:
    """``principal`` with the meeting it covers (see above); refused if none can be told."""
    meeting = principal.meeting_id
    if principal.room_id is not None:
        room = session.get(Room, principal.room_id)
        if room is None:
            raise NotFound("room.not_found", room=principal.room_id)
        if meeting not in (None, room.meeting_id):
            raise DomainError("room.not_of_meeting", room=principal.room_id, meeting=meeting)
        meeting = room.meeting_id
    if meeting is None and principal.delegation is not None:
        registering = select(Delegation.meeting_id).where(Delegation.code == principal.delegation)
        meeting = _only(session.exec(registering).all(), f"delegation {principal.delegation!r}")
    elif meeting is None and principal.role is not Role.SECRETARIAT:
        meeting = _only(session.exec(select(Meeting.id)).all(), f"a {principal.role.value} token")
    return replace(principal, meeting_id=meeting)


def _only(ids: Iterable[int | None], what: str) -> int:
    """The one meeting among ``ids``; refused if there is none, or more than one."""
    found = sorted({m for m in ids if m is not None})
    if len(found) == 1:
        return found[0]
    if not found:
        raise NotFound("delegation.unregistered", what=what)
    listed = ", ".join(str(m) for m in found)
    raise DomainError("delegation.ambiguous", what=what, meetings=listed)


def expiry(session: Session, principal: Principal, now: float) -> float:
    """When a new token of ``principal`` ends (UTC epoch seconds): see the lifetimes above."""
    if principal.role is Role.SECRETARIAT:
        return now + SECRETARIAT_HOURS * 3600
    margin = MEETING_MARGIN_DAYS * 86400
    assert principal.meeting_id is not None  # with_meeting gave it one
    return max(meeting_end(session, principal.meeting_id), now) + margin


def meeting_end(session: Session, meeting_id: int) -> float:
    """The end of the meeting's last day in its time zone (UTC epoch seconds); 0 if it has none."""
    meeting = session.get(Meeting, meeting_id)
    last = session.exec(
        select(Day.date).where(Day.meeting_id == meeting_id).order_by(col(Day.date).desc())
    ).first()
    if meeting is None or last is None:
        return 0.0
    midnight = datetime.combine(date.fromisoformat(last) + timedelta(days=1), datetime.min.time())
    return midnight.replace(tzinfo=ZoneInfo(meeting.timezone)).timestamp()


def recorded_token(
    database_url: str,
    secret: str,
    principal: Principal,
    label: str = "",
    now: Callable[[], float] = time.time,
) -> str:
    """A recorded credential's token, issued from outside the service (tests, the benchmark).

    The running service reads its row on first use (``recall``).
    """
    engine = make_engine(database_url)
    try:
        return CredentialRegistry(engine, Signer(secret), now).issue(principal, label).token
    finally:
        engine.dispose()


@contextmanager
def watch_revocation(
    connection: HTTPConnection, principal: Principal
) -> Iterator[anyio.CancelScope]:
    """The live channel's hook: a scope cancelled when the socket's token is revoked."""
    with services_of(connection).credentials.watch(principal) as scope, scope:
        yield scope
