"""Who may call which route: one declarative rule per route, checked in one place.

Theory of operation
-------------------
Every HTTP and live-channel route carries ``dependencies=[allow(...)]``: the
grants that open it, and nothing else decides. The rule's dependency runs
before every other dependency of the route (FastAPI puts route dependencies
first), so a refusal comes before the body is validated or the database is
read. It reads the token (``app.access.principal_of``: signature, then the
in-memory revocation set), checks that a room named in the path exists, and
lets the call through if any grant holds:

=================  ===============================================================
grant              holds for
=================  ===============================================================
ANYONE             everybody, without a token (public programme, health, login)
SECRETARIAT        a secretariat token (everything in its meeting)
ADMINISTRATOR      a secretariat token of no meeting (every meeting; new meetings)
ROOM_MODERATOR     a moderator token of the path's ``{room_id}``
ROOM_VIEWER        a display or moderator token of ``{room_id}``, any delegate
ROOM_RAPPORTEUR    a rapporteur token of ``{room_id}``, or of no room (the meeting)
RAPPORTEUR         a rapporteur token of no room (meeting-wide record)
OWN_DELEGATION     a delegate whose delegation is the body's ``delegation``
                   (absent: its own)
DELEGATE           any delegate (its own page, its own cards: the route filters)
=================  ===============================================================

Meeting scope: a token may carry a meeting (``Principal.meeting_id``: a
secretariat account bound to a meeting, and what such a secretariat issues).
Whatever grant let it in, such a token is refused (403) when the path's
``{meeting_id}``, ``{room_id}`` or ``{segment_id}`` belongs to another
meeting, on HTTP and on the live channel alike. The meeting of a room or a
segment comes from ``MeetingMap``, kept in memory (``Services.meeting_map``):
loaded at start-up, and told of every meeting
imported over HTTP (``note_meeting``); an id it does not know is looked up
once and remembered. A token of no meeting (``floorkeeper admin create``
without ``--meeting``, the rehearsal token of ``serve``) covers every meeting.

The route reads the principal its rule let through with ``authorized`` (the
``PrincipalDep`` of ``app.api.deps``): never None, never read twice.

Row-level checks, finer than a rule because what they need is known only
after the route has read a row or its body; each is a function here, and the
routes call nothing else that refuses:

* ``card_delegation``: a card from a device is for the writer's own
  delegation; a moderator or the secretariat must name one (R2).
* ``ensure_may_edit_card``: a card changes by its delegation, the room's
  moderator, or (paper cards) the secretariat (R2, the rule of
  ``app.record.card``).
* ``scope_of_new_credential``: a scoped secretariat issues tokens for its
  own meeting only, and they carry its scope.
* ``ensure_credential_in_scope`` / ``credential_in_scope``: a scoped
  secretariat lists, revokes and rotates only its meeting's tokens.

``rule_of(route)`` finds the rule of a route; ``tests/test_authorization.py``
fails for any route without one. Rules of the pages (``page=True``) refuse
with a readable HTML page instead of JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from anyio import to_thread
from fastapi import Depends, params
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.routing import APIRoute, APIWebSocketRoute
from fastapi.security.base import SecurityBase
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.requests import HTTPConnection, Request
from starlette.routing import BaseRoute

from app.access.tokens import Principal, may_moderate, principal_of
from app.db.models import Room, Segment
from app.errors import DomainError, NotAllowed, NotFound
from app.live.view import Role
from app.record import card as card_rules
from app.services import services_of


class Grant(StrEnum):
    ANYONE = "anyone"
    SECRETARIAT = "secretariat"
    ADMINISTRATOR = "administrator"
    ROOM_MODERATOR = "room_moderator"
    ROOM_VIEWER = "room_viewer"
    ROOM_RAPPORTEUR = "room_rapporteur"
    RAPPORTEUR = "rapporteur"
    OWN_DELEGATION = "own_delegation"
    DELEGATE = "delegate"


ANYONE = Grant.ANYONE
SECRETARIAT = Grant.SECRETARIAT
ADMINISTRATOR = Grant.ADMINISTRATOR
ROOM_MODERATOR = Grant.ROOM_MODERATOR
ROOM_VIEWER = Grant.ROOM_VIEWER
ROOM_RAPPORTEUR = Grant.ROOM_RAPPORTEUR
RAPPORTEUR = Grant.RAPPORTEUR
OWN_DELEGATION = Grant.OWN_DELEGATION
DELEGATE = Grant.DELEGATE

_HOLDERS = {
    Grant.SECRETARIAT: "secretariat",
    Grant.ADMINISTRATOR: "the service's administrator (a secretariat of every meeting)",
    Grant.ROOM_MODERATOR: "the room's moderator",
    Grant.ROOM_VIEWER: "a display, delegate or moderator link",
    Grant.ROOM_RAPPORTEUR: "the room's rapporteur",
    Grant.RAPPORTEUR: "a rapporteur of the meeting",
    Grant.OWN_DELEGATION: "the delegation's own link",
    Grant.DELEGATE: "a delegation's link",
}


class PageRefused(DomainError):
    """A page's refusal: rendered as HTML (``app.web.pages``), with the status of its cause."""

    def __init__(self, cause: DomainError) -> None:
        super().__init__(cause.detail)
        self.status_hint = cause.status_hint


@dataclass(frozen=True, slots=True)
class Rule:
    """The grants that open a route, and what a refusal says (``{who}``, ``{room_id}``...)."""

    grants: frozenset[Grant]
    page: bool = False
    need: str = ""  # said to a caller without a token
    refuse: str = ""  # said to a token no grant covers

    def holds(self, principal: Principal | None, room_id: int | None, body: Any) -> bool:
        return any(_holds(g, principal, room_id, body) for g in self.grants)


def _holds(grant: Grant, who: Principal | None, room_id: int | None, body: Any) -> bool:
    if grant is Grant.ANYONE:
        return True
    if who is None:
        return False
    role = who.role
    match grant:
        case Grant.SECRETARIAT:
            return role is Role.SECRETARIAT
        case Grant.ADMINISTRATOR:
            return role is Role.SECRETARIAT and who.meeting_id is None
        case Grant.ROOM_MODERATOR:
            return role is Role.MODERATOR and room_id is not None and who.room_id == room_id
        case Grant.ROOM_VIEWER:
            if role is Role.DELEGATE:
                return True
            return role in (Role.DISPLAY, Role.MODERATOR) and who.room_id == room_id
        case Grant.ROOM_RAPPORTEUR:
            return role is Role.RAPPORTEUR and who.room_id in (None, room_id)
        case Grant.RAPPORTEUR:
            return role is Role.RAPPORTEUR and who.room_id is None
        case Grant.OWN_DELEGATION:
            asked = _asked_delegation(body)
            return (
                role is Role.DELEGATE
                and who.delegation is not None
                and asked in (None, who.delegation)
            )
        case Grant.DELEGATE:
            return role is Role.DELEGATE and who.delegation is not None
    return False  # pragma: no cover - every grant is matched above


def _asked_delegation(body: Any) -> str | None:
    if isinstance(body, dict):
        asked = body.get("delegation")
        return asked if isinstance(asked, str) and asked else None
    return None


class _Check:
    """The dependency a rule becomes; FastAPI calls it before the route's other ones."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule

    async def __call__(self, connection: HTTPConnection) -> Principal | None:
        try:
            return await self._check(connection)
        except DomainError as error:
            if self.rule.page and not isinstance(error, PageRefused):
                raise PageRefused(error) from None
            raise

    async def _check(self, connection: HTTPConnection) -> Principal | None:
        rule = self.rule
        _check_ids(connection)
        room_id = _room_id(connection)
        if "room_id" in connection.path_params:
            if room_id not in services_of(connection).rooms:
                raise NotFound(f"no room {connection.path_params['room_id']} in this service")
        if rule.grants == {Grant.ANYONE}:
            return None
        principal = principal_of(connection, _bearer(connection))
        body = await _body(connection) if Grant.OWN_DELEGATION in rule.grants else None
        if rule.holds(principal, room_id, body):
            if principal is not None and principal.meeting_id is not None:
                await _ensure_in_meeting(connection, principal)
            connection.state.principal = principal  # what ``authorized`` gives the route
            return principal
        holders = " or ".join(_HOLDERS[g] for g in sorted(rule.grants) if g in _HOLDERS)
        if principal is None:
            raise NotAllowed(rule.need or f"credentials are needed: this is for {holders}")
        words = {
            "who": principal.describe(),
            "room_id": room_id,
            "delegation": _asked_delegation(body),
            "holders": holders,
        }
        template = rule.refuse or "{who} cannot do this: it is for {holders}"
        raise NotAllowed(template.format(**words))


class _TokenCheck(_Check, SecurityBase):
    """A rule that needs a token: documented in /openapi.json as the bearer scheme."""

    def __init__(self, rule: Rule) -> None:
        super().__init__(rule)
        self.model = HTTPBearerModel()
        self.scheme_name = "HTTPBearer"


async def authorized(connection: HTTPConnection) -> Principal:
    """The principal the route's rule let through (a route whose rule needs a token)."""
    principal: Principal | None = getattr(connection.state, "principal", None)
    if principal is None:  # a route whose rule lets anyone in has no principal to give
        raise NotAllowed("credentials are needed")
    return principal


# -- meeting scope -------------------------------------------------------------------------


class MeetingMap:
    """The meeting of every room and segment, in memory: no query per request."""

    def __init__(self, rooms: dict[int, int], segments: dict[int, int]) -> None:
        self.rooms = rooms
        self.segments = segments

    @classmethod
    def load(cls, engine: Engine) -> MeetingMap:
        """Read every room's and segment's meeting (synchronous: a worker thread)."""
        with Session(engine) as session:
            rooms = session.exec(select(Room.id, Room.meeting_id)).all()
            segments = session.exec(select(Segment.id, Segment.meeting_id)).all()
        return cls(
            {r: m for r, m in rooms if r is not None},
            {s: m for s, m in segments if s is not None},
        )

    def lookup(self, engine: Engine, kind: str, row_id: int) -> int | None:
        """A row the map does not know yet (made by another process): read it once."""
        with Session(engine) as session:
            row: Room | Segment | None = (
                session.get(Room, row_id) if kind == "room" else session.get(Segment, row_id)
            )
            meeting = None if row is None else row.meeting_id
        if meeting is not None:
            (self.rooms if kind == "room" else self.segments)[row_id] = meeting
        return meeting


def note_meeting(
    connection: HTTPConnection, meeting_id: int, rooms: Iterable[int], segments: Iterable[int]
) -> None:
    """A meeting imported over HTTP: its rooms and segments join the map."""
    known = services_of(connection).meeting_map
    known.rooms.update(dict.fromkeys(rooms, meeting_id))
    known.segments.update(dict.fromkeys(segments, meeting_id))


async def meeting_of(connection: HTTPConnection, kind: str, row_id: int) -> int | None:
    """The meeting of a room or a segment (``kind``), None if there is no such row."""
    services = services_of(connection)
    known = services.meeting_map
    meeting = (known.rooms if kind == "room" else known.segments).get(row_id)
    if meeting is None:
        meeting = await to_thread.run_sync(known.lookup, services.engine, kind, row_id)
    return meeting


async def _path_meetings(connection: HTTPConnection) -> dict[str, int]:
    """The meetings the path names, by what names them (a missing room or segment: none)."""
    found: dict[str, int] = {}
    for name in ("meeting_id", "room_id", "segment_id"):
        raw = connection.path_params.get(name)
        try:
            value = int(raw) if raw is not None else None
        except (TypeError, ValueError):
            value = None
        if value is None:
            continue
        meeting = value if name == "meeting_id" else await meeting_of(connection, name[:-3], value)
        if meeting is not None:
            found[name] = meeting
    return found


async def _ensure_in_meeting(connection: HTTPConnection, principal: Principal) -> None:
    """A token of one meeting is refused on the rooms, segments and meetings of another."""
    for name, meeting in (await _path_meetings(connection)).items():
        if meeting != principal.meeting_id:
            thing = name.removesuffix("_id")
            raise NotAllowed(
                f"{principal.describe()} cannot act on {thing} "
                f"{connection.path_params[name]}: it belongs to another meeting"
            )


#: Ids are 64-bit integers in every database we run on; a larger one names nothing.
MAX_ID = 2**63 - 1


def _check_ids(connection: HTTPConnection) -> None:
    """A path id too large for the database is a 404, not a driver's overflow (a 500)."""
    for name, raw in connection.path_params.items():
        if isinstance(raw, str) and raw.lstrip("-").isdigit() and abs(int(raw)) > MAX_ID:
            thing = name.removesuffix("_id").replace("_", " ")
            raise NotFound(f"no {thing} {raw[:40]}")


def _room_id(connection: HTTPConnection) -> int | None:
    raw = connection.path_params.get("room_id")
    if raw is None:
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def _bearer(connection: HTTPConnection) -> str | None:
    scheme, _, credentials = connection.headers.get("authorization", "").partition(" ")
    token = credentials.strip() if scheme.lower() == "bearer" else ""
    return token or None


async def _body(connection: HTTPConnection) -> Any:
    """The JSON body, if any (FastAPI has read it already: Starlette caches it)."""
    if not isinstance(connection, Request) or connection.method in ("GET", "HEAD"):
        return None
    try:
        return json.loads(await connection.body() or b"null")
    except (ValueError, UnicodeDecodeError):
        return None  # FastAPI answers the malformed body with its 422


def allow(*grants: Grant, page: bool = False, need: str = "", refuse: str = "") -> params.Depends:
    """The rule of one route, to put in its ``dependencies=[...]``."""
    if not grants:
        raise ValueError("a rule needs at least one grant")
    rule = Rule(frozenset(grants), page, need, refuse)
    check = _Check(rule) if rule.grants == {Grant.ANYONE} else _TokenCheck(rule)
    dependency: params.Depends = Depends(check)
    return dependency


@dataclass(frozen=True, slots=True)
class RouteEntry:
    """One route of the application as served: HTTP or websocket, full path, its rule."""

    kind: str  # "http" or "websocket"
    path: str
    methods: frozenset[str]
    name: str
    rule: Rule | None


def route_table(routes: Iterable[BaseRoute]) -> list[RouteEntry]:
    """Every API and websocket route under ``routes``, included routers unfolded.

    FastAPI's own documentation routes and mounts (``/static``) are not API
    routes and are left out.
    """
    entries: list[RouteEntry] = []
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:  # FastAPI >= 0.16x: an included router, unfolded lazily
            for context in contexts():
                served = context.starlette_route or context.original_route
                if isinstance(context.original_route, APIRoute):
                    entries.append(_entry("http", context.path, context.methods, served, context))
                elif isinstance(served, APIWebSocketRoute):
                    entries.append(_entry("websocket", served.path, set(), served, served))
        elif isinstance(route, APIRoute):
            entries.append(_entry("http", route.path, route.methods or set(), route, route))
        elif isinstance(route, APIWebSocketRoute):
            entries.append(_entry("websocket", route.path, set(), route, route))
    return entries


def _entry(kind: str, path: str, methods: set[str], route: Any, holder: Any) -> RouteEntry:
    dependant = getattr(holder, "dependant", None)
    rule = _find(dependant.dependencies) if dependant is not None else None
    return RouteEntry(kind, path, frozenset(methods), str(getattr(route, "name", "")), rule)


def rule_of(route: BaseRoute) -> Rule | None:
    """The rule attached to a route object (None: it has none, which the tests refuse)."""
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return None
    return _find(dependant.dependencies)


def _find(dependencies: Iterable[Any]) -> Rule | None:
    for dependency in dependencies:
        call = getattr(dependency, "call", None)
        if isinstance(call, _Check):
            return call.rule
    return None


# -- row-level checks (see the module's docstring) -------------------------------------


def card_delegation(principal: Principal, room_id: int, asked: str | None) -> str:
    """The delegation a card from a device is for (R2); refuses what the writer may not name."""
    return card_rules.card_delegation(card_writer(principal, room_id), asked)


def ensure_may_edit_card(
    principal: Principal, room_id: int, owner: str | None, paper: bool
) -> None:
    """A card changes by its delegation, the room's moderator, or the secretariat (R2)."""
    card_rules.ensure_may_edit(card_writer(principal, room_id), owner, paper)


def card_writer(principal: Principal, room_id: int) -> card_rules.Writer:
    """Who writes a card, as the card rules (``app.record.card``) need to know it."""
    return card_rules.Writer(
        description=principal.describe(),
        delegation=principal.delegation if principal.role is Role.DELEGATE else None,
        secretariat=principal.role is Role.SECRETARIAT,
        moderates_room=may_moderate(principal, room_id),
    )


def scope_of_new_credential(
    caller: Principal, wanted: Principal, room_meeting: int | None
) -> Principal:
    """The principal a new token gets: a scoped secretariat issues for its own meeting only.

    ``room_meeting`` is the meeting of ``wanted.room_id`` (None: no room). The
    token carries the caller's meeting, or, from the administrator, the one asked
    for (and a room must then be of that meeting).
    """
    meeting = wanted.meeting_id
    if caller.meeting_id is not None:
        if meeting not in (None, caller.meeting_id) or room_meeting not in (
            None,
            caller.meeting_id,
        ):
            raise NotAllowed(f"{caller.describe()} issues tokens for its own meeting only")
        meeting = caller.meeting_id
    elif meeting is not None and room_meeting not in (None, meeting):
        raise DomainError(f"room {wanted.room_id} is not a room of meeting {meeting}")
    return replace(wanted, meeting_id=meeting)


def credential_in_scope(caller: Principal, issued: Principal, room_meeting: int | None) -> bool:
    """Whether ``caller`` may see and manage the token of ``issued`` (its room's meeting given)."""
    if caller.meeting_id is None:
        return True
    return caller.meeting_id in (issued.meeting_id, room_meeting)


def ensure_credential_in_scope(
    caller: Principal, issued: Principal, room_meeting: int | None
) -> None:
    """A scoped secretariat revokes and rotates only the tokens of its meeting."""
    if not credential_in_scope(caller, issued, room_meeting):
        raise NotAllowed(f"{caller.describe()} cannot manage a token of another meeting")


# -- the rules the routes share -------------------------------------------------------

#: Public: the programme, health, login.
PUBLIC = allow(ANYONE)
#: Set-up, credentials, badges, audit: the secretariat's alone.
SECRETARIAT_ONLY = allow(
    SECRETARIAT,
    need="secretariat credentials are needed: log in at /api/login",
    refuse="{who} cannot do what only the secretariat does",
)
#: A new meeting: it is in no secretariat's meeting yet, so the administrator's.
ADMINISTRATOR_ONLY = allow(
    ADMINISTRATOR,
    need="secretariat credentials are needed: log in at /api/login",
    refuse="{who} cannot create a meeting: the service's administrator does",
)
#: The clock and the queue of one room (T*, P*, A*).
RUN_ROOM = allow(
    ROOM_MODERATOR,
    SECRETARIAT,
    need="moderator credentials are needed: open the room's moderator link",
    refuse="{who} cannot run room {room_id}",
)
#: A delegation's own floor requests and cards; the room's moderator on its behalf (P7).
ACT_FOR_DELEGATION = allow(
    OWN_DELEGATION,
    ROOM_MODERATOR,
    SECRETARIAT,
    need="a delegation link or moderator credentials are needed",
    refuse="{who} cannot act for {delegation}",
)
#: Watching one room: its displays and moderator, any delegate, its rapporteur.
WATCH_ROOM = allow(
    ROOM_VIEWER,
    ROOM_RAPPORTEUR,
    SECRETARIAT,
    need="a display, delegate or moderator link is needed to watch the room",
    refuse="{who} cannot watch room {room_id}",
)
_RECORD_NEED = "secretariat, moderator or rapporteur credentials are needed"
#: A room's record, statistics, cards and report (R1-R4).
READ_ROOM_RECORD = allow(
    SECRETARIAT,
    ROOM_MODERATOR,
    ROOM_RAPPORTEUR,
    need=_RECORD_NEED,
    refuse=(
        "{who} cannot read the record of room {room_id}; "
        "a segment's record is open to its room's moderator and rapporteur"
    ),
)
#: A day's or the meeting's record (every room).
READ_MEETING_RECORD = allow(
    SECRETARIAT,
    RAPPORTEUR,
    need=_RECORD_NEED,
    refuse=(
        "{who} cannot read the record of every room of the meeting; "
        "a segment's record is open to its room's moderator and rapporteur"
    ),
)
#: The segment's cards as a list: a delegate sees its own (the route filters).
READ_CARDS = allow(DELEGATE, SECRETARIAT, ROOM_MODERATOR, ROOM_RAPPORTEUR, need=_RECORD_NEED)
#: Changing a card: its delegation or the room's moderator (the route checks the owner).
EDIT_CARD = allow(
    DELEGATE,
    ROOM_MODERATOR,
    SECRETARIAT,
    need="a delegation's link, or secretariat or moderator credentials, are needed",
)
#: The rapporteur writes the report (R3); the secretariat may stand in.
WRITE_REPORT = allow(
    ROOM_RAPPORTEUR,
    SECRETARIAT,
    need="rapporteur credentials are needed",
    refuse="{who} may read this report; its rapporteur writes it",
)
#: A delegation's own data for its phone page.
DELEGATE_ONLY = allow(
    DELEGATE,
    need="a delegation link is needed",
    refuse="this is for a delegation; {who} has its own link",
)

_PAGE_NEED = "this page needs the link you were given, with its token"
MODERATOR_PAGE = allow(
    ROOM_MODERATOR,
    SECRETARIAT,
    page=True,
    need=_PAGE_NEED,
    refuse="{who} cannot run room {room_id}",
)
WATCH_PAGE = allow(
    ROOM_VIEWER,
    ROOM_RAPPORTEUR,
    SECRETARIAT,
    page=True,
    need=_PAGE_NEED,
    refuse="{who} cannot watch room {room_id}",
)
DELEGATE_PAGE = allow(
    DELEGATE,
    page=True,
    need=_PAGE_NEED,
    refuse="this is the page of a delegation; {who} has its own link",
)
SECRETARIAT_PAGE = allow(
    SECRETARIAT,
    page=True,
    need=_PAGE_NEED,
    refuse="{who} cannot open the secretariat's pages",
)
RECORD_PAGE = allow(
    SECRETARIAT,
    ROOM_MODERATOR,
    ROOM_RAPPORTEUR,
    page=True,
    need=_PAGE_NEED,
    refuse=(
        "{who} cannot read the record of room {room_id}; "
        "a segment's record is open to its room's moderator and rapporteur"
    ),
)
