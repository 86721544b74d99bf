"""The application's routes as served, each with its rule: what the access tests walk.

``route_table(app.routes)`` unfolds included routers and finds the rule each
route carries (``app.access.guard.allow``); ``tests/access/test_guard.py``
fails for any route without one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute, APIWebSocketRoute
from starlette.routing import BaseRoute

from app.access.rules import Rule


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


def _find(dependencies: Iterable[Any]) -> Rule | None:
    """The rule among a route's dependencies: the check ``allow`` made keeps it as ``rule``."""
    for dependency in dependencies:
        rule = getattr(getattr(dependency, "call", None), "rule", None)
        if isinstance(rule, Rule):
            return rule
    return None
