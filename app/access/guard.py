"""The route's rule as a FastAPI dependency: the one place that lets a call in or not.

Theory of operation
-------------------
Every HTTP and live-channel route carries ``dependencies=[allow(...)]``
(most of them one of the shared rules of ``app.access.policy``): the grants
that open it, and nothing else decides. The rule's dependency runs before
every other dependency of the route (FastAPI puts route dependencies first),
so a refusal comes before the body is validated or the database is read. It

1. answers 404 for a path id too large for the database, or a ``{room_id}``
   the service does not run;
2. reads the token (``app.access.tokens.authenticate``: signature, then the
   in-memory record of live credentials, then the expiry; 401 for a token
   never recorded or expired, 403 for a forged or revoked one), and, for
   ``OWN_DELEGATION``, the JSON body;
3. lets the call through if any grant holds (``app.access.rules``, where the
   grant table is), and if the token's meeting covers the path
   (``app.access.scope``: every token but the administrator's names one);
4. or refuses (403) with the rule's words.

The route reads the principal its rule let through with ``authorized`` (the
``PrincipalDep`` of ``app.api.deps``): never None, never read twice. Rules
of the pages (``page=True``) refuse with a readable HTML page instead of
JSON (``PageRefused``). Every route has a rule: ``tests/access/test_guard.py``
fails for one without. A route whose bodies are not all for the same callers
(the inscriptions: a delegation inscribes itself, only the secretariat draws
lots) checks the narrower rule of such a body with ``ensure_allowed``.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Depends, params
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase
from starlette.requests import HTTPConnection, Request

from app.access.roles import Principal
from app.access.rules import Grant, Rule, asked_delegation
from app.access.scope import ensure_in_meeting
from app.access.tokens import authenticate
from app.errors import DomainError, NotAllowed, NotFound, Param, placeholders
from app.services import services_of


class PageRefused(DomainError):
    """A page's refusal: rendered as HTML (``app.web.pages``), with the status of its cause."""

    def __init__(self, cause: DomainError) -> None:
        super().__init__(cause.code, **cause.params)
        self.detail = cause.detail  # a text of its own, if the cause had no code
        self.status_hint = cause.status_hint


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
            if room_id is None or await services_of(connection).room(room_id) is None:
                raise NotFound("room.not_found", room=str(connection.path_params["room_id"]))
        if rule.grants == {Grant.ANYONE}:
            return None
        principal = await authenticate(connection)
        body = await _body(connection) if Grant.OWN_DELEGATION in rule.grants else None
        if rule.holds(principal, room_id, body):
            if principal is not None:
                await ensure_in_meeting(connection, principal)
            connection.state.principal = principal  # what ``authorized`` gives the route
            return principal
        raise _refusal(rule, principal, room_id, body)


class _TokenCheck(_Check, SecurityBase):
    """A rule that needs a token: documented in /openapi.json as the bearer scheme."""

    def __init__(self, rule: Rule) -> None:
        super().__init__(rule)
        self.model = HTTPBearerModel()
        self.scheme_name = "HTTPBearer"


def allow(*grants: Grant, page: bool = False, need: str = "", refuse: str = "") -> params.Depends:
    """The rule of one route, to put in its ``dependencies=[...]``."""
    if not grants:
        raise ValueError("a rule needs at least one grant")
    rule = Rule(frozenset(grants), page, need, refuse)
    check = _Check(rule) if rule.grants == {Grant.ANYONE} else _TokenCheck(rule)
    dependency: params.Depends = Depends(check)
    return dependency


def ensure_allowed(
    check: params.Depends, principal: Principal, room_id: int | None, body: Any = None
) -> None:
    """A narrower rule, for one kind of body a route takes: the route's own rule let
    ``principal`` in, this one says whether it may send that body (403 in the rule's words)."""
    rule = check.dependency.rule if isinstance(check.dependency, _Check) else None
    if rule is None:
        raise TypeError("ensure_allowed takes a rule made by allow(...)")
    if not rule.holds(principal, room_id, body):
        raise _refusal(rule, principal, room_id, body)


def _refusal(rule: Rule, principal: Principal | None, room_id: int | None, body: Any) -> NotAllowed:
    """What a refused caller is told: what it needs (no token), or why not (the rule's words)."""
    holders = rule.holders()
    if principal is None:
        if rule.need:
            return NotAllowed(rule.need)
        return NotAllowed("access.needed_for", holders=holders)
    words: dict[str, Param] = {
        "who": principal.describe(),
        "room_id": "" if room_id is None else room_id,
        "delegation": asked_delegation(body) or "",
        "holders": holders,
    }
    code = rule.refuse or "access.refused"
    return NotAllowed(code, **{k: v for k, v in words.items() if k in placeholders(code)})


async def authorized(connection: HTTPConnection) -> Principal:
    """The principal the route's rule let through (a route whose rule needs a token)."""
    principal: Principal | None = getattr(connection.state, "principal", None)
    if principal is None:  # a route whose rule lets anyone in has no principal to give
        raise NotAllowed("access.needed")
    return principal


# -- what the check reads of the request ----------------------------------------------------

#: Ids are 64-bit integers in every database we run on; a larger one names nothing.
MAX_ID = 2**63 - 1


def _check_ids(connection: HTTPConnection) -> None:
    """A path id too large for the database is a 404, not a driver's overflow (a 500)."""
    for name, raw in connection.path_params.items():
        if isinstance(raw, str) and raw.lstrip("-").isdigit() and abs(int(raw)) > MAX_ID:
            thing = name.removesuffix("_id").replace("_", " ")
            raise NotFound("id.not_found", thing=thing, id=raw[:40])


def _room_id(connection: HTTPConnection) -> int | None:
    raw = connection.path_params.get("room_id")
    if raw is None:
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


async def _body(connection: HTTPConnection) -> Any:
    """The JSON body, if any (FastAPI has read it already: Starlette caches it)."""
    if not isinstance(connection, Request) or connection.method in ("GET", "HEAD"):
        return None
    try:
        return json.loads(await connection.body() or b"null")
    except (ValueError, UnicodeDecodeError):
        return None  # FastAPI answers the malformed body with its 422
