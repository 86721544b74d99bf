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
SECRETARIAT        a secretariat token (everything)
ROOM_MODERATOR     a moderator token of the path's ``{room_id}``
ROOM_VIEWER        a display or moderator token of ``{room_id}``, any delegate
ROOM_RAPPORTEUR    a rapporteur token of ``{room_id}``, or of no room (the meeting)
RAPPORTEUR         a rapporteur token of no room (meeting-wide record)
OWN_DELEGATION     a delegate whose delegation is the body's ``delegation``
                   (absent: its own)
DELEGATE           any delegate (its own page, its own cards: the route filters)
=================  ===============================================================

``rule_of(route)`` finds the rule of a route; ``tests/test_authorization.py``
fails for any route without one. Rules of the pages (``page=True``) refuse
with a readable HTML page instead of JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fastapi import Depends, params
from fastapi.routing import APIRoute, APIWebSocketRoute
from starlette.requests import HTTPConnection, Request
from starlette.routing import BaseRoute

from app.access import Principal, principal_of
from app.audit import note_sender
from app.errors import DomainError, NotAllowed, NotFound
from app.view import Role


class Grant(StrEnum):
    ANYONE = "anyone"
    SECRETARIAT = "secretariat"
    ROOM_MODERATOR = "room_moderator"
    ROOM_VIEWER = "room_viewer"
    ROOM_RAPPORTEUR = "room_rapporteur"
    RAPPORTEUR = "rapporteur"
    OWN_DELEGATION = "own_delegation"
    DELEGATE = "delegate"


ANYONE = Grant.ANYONE
SECRETARIAT = Grant.SECRETARIAT
ROOM_MODERATOR = Grant.ROOM_MODERATOR
ROOM_VIEWER = Grant.ROOM_VIEWER
ROOM_RAPPORTEUR = Grant.ROOM_RAPPORTEUR
RAPPORTEUR = Grant.RAPPORTEUR
OWN_DELEGATION = Grant.OWN_DELEGATION
DELEGATE = Grant.DELEGATE

_HOLDERS = {
    Grant.SECRETARIAT: "secretariat",
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
            rooms: dict[int, object] = getattr(connection.app.state, "rooms", {})
            if room_id not in rooms:
                raise NotFound(f"no room {connection.path_params['room_id']} in this service")
        if rule.grants == {Grant.ANYONE}:
            return None
        principal = principal_of(connection, _bearer(connection))
        body = await _body(connection) if Grant.OWN_DELEGATION in rule.grants else None
        if rule.holds(principal, room_id, body):
            note_sender(connection, principal)  # the audit trail of the commands it sends
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
    dependency: params.Depends = Depends(_Check(Rule(frozenset(grants), page, need, refuse)))
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


# -- the rules the routes share -------------------------------------------------------

#: Public: the programme, health, login.
PUBLIC = allow(ANYONE)
#: Set-up, credentials, badges, audit: the secretariat's alone.
SECRETARIAT_ONLY = allow(
    SECRETARIAT,
    need="secretariat credentials are needed: log in at /api/login",
    refuse="{who} cannot do what only the secretariat does",
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
