"""The application: ``create_app(settings)`` wires everything, once (S10).

The lifespan opens the database, builds one ``RoomRunner`` per room with
its state read back from the database (a restart resumes the same
deadlines, T6), starts every room's scheduler in one task group, and stops
them on shutdown (with ``REDIS_URL``, each releases its room's scheduler
lease, ``app.room.lease``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from http import HTTPStatus
from pathlib import Path
from typing import Any

import anyio
from anyio import to_thread
from fastapi import FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError, WebSocketRequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocketState

from app.access.credentials import CredentialRegistry
from app.access.guard import PageRefused
from app.access.ratelimit import RateLimits, TooManyRequests
from app.access.scope import MeetingMap
from app.access.secret import service_secret
from app.access.tokens import Signer
from app.api import cards, channel, meetings, records, secretariat, setup
from app.api import rooms as room_routes
from app.api.headers import SecurityHeaders
from app.api.limits import BodyLimit
from app.config import Settings, load_settings
from app.db.engine import service_engine
from app.db.models import Room
from app.errors import MESSAGES, DomainError, InvalidRequest, NotFound, Param, Unavailable
from app.live.gcwatch import tuned, watching
from app.live.hub import LiveConfig
from app.live.relay import Relay
from app.room.lease import holder_for
from app.room.runner import RoomRunner, runner_for
from app.room.store import RoomStore
from app.services import Services, State
from app.web import badges, pages

log = logging.getLogger("floorkeeper")


def create_app(settings: Settings | None = None, now: Callable[[], float] = time.time) -> FastAPI:
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[State]:
        engine = service_engine(settings)
        # the operator's secret, or the one kept in the database (app/access/secret.py)
        signer = Signer(await to_thread.run_sync(service_secret, engine, settings, now))
        store = RoomStore(engine)
        holder = holder_for(engine, settings)  # several processes: one schedules each room

        def open_room(room_id: int) -> RoomRunner:
            return runner_for(room_id, store, now, settings, holder)

        room_ids = await to_thread.run_sync(_room_ids, engine)
        rooms = {room_id: open_room(room_id) for room_id in room_ids}
        for runner in rooms.values():
            await runner.load()
        credentials = CredentialRegistry(engine, signer, now)
        await to_thread.run_sync(credentials.load)
        meeting_map = await to_thread.run_sync(MeetingMap.load, engine)
        with tuned(settings.gc_thresholds, settings.gc_freeze):
            async with watching(settings.gc_pause_warning_seconds):
                async with anyio.create_task_group() as schedulers:
                    services = Services(
                        settings=settings,
                        now=now,
                        signer=signer,
                        engine=engine,
                        store=store,
                        rooms=rooms,
                        credentials=credentials,
                        meeting_map=meeting_map,
                        rate_limits=RateLimits(
                            now=now, redis_url=settings.redis_url, prefix=settings.redis_prefix
                        ),
                        live=LiveConfig.of(settings),
                        schedulers=schedulers,
                        open_room=open_room,
                    )
                    app.state.services = services  # for what runs outside a request (tests, tools)
                    for runner in rooms.values():
                        schedulers.start_soon(runner.run_scheduler)
                    if settings.redis_url:
                        schedulers.start_soon(_relay(services, settings.redis_url).run)
                    schedulers.start_soon(channel.keep_alive, services)  # heartbeats, every room
                    yield {"services": services}
                    schedulers.cancel_scope.cancel()
                await services.rate_limits.aclose()
        engine.dispose()

    app = FastAPI(
        title="floorkeeper",
        version="0.1.0",
        summary="Programme clock and speaker queue for formal meetings",
        lifespan=lifespan,
    )
    app.include_router(meetings.router)
    app.include_router(room_routes.router)
    app.include_router(channel.router)
    app.include_router(records.router)
    app.include_router(cards.router)
    app.include_router(secretariat.router)
    app.include_router(setup.router)
    app.include_router(pages.router)
    app.include_router(pages.data_router)
    app.include_router(badges.router)
    add_error_handlers(app)
    document_errors(app)
    app.add_exception_handler(PageRefused, pages.refused_page)  # a page's rule: HTML, not JSON
    app.mount(
        "/static", StaticFiles(directory=Path(__file__).parent / "web" / "static"), name="static"
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, display_frame_ancestors=settings.display_frame_ancestors)
    return app


def _room_ids(engine: Engine) -> list[int]:
    with Session(engine) as session:
        return [
            r for r in session.exec(select(Room.id).order_by(col(Room.id))).all() if r is not None
        ]


#: The 503 of every API route, as /openapi.json documents it.
UNAVAILABLE: dict[str, Any] = {
    "description": "the database or the room cannot take it now: nothing was done; retry",
    "headers": {"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}},
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
}


def document_errors(app: FastAPI) -> None:
    """Say in /openapi.json what a 422 really is: ``{"error", "detail", "code", "params"}``.

    FastAPI documents its own ``HTTPValidationError`` (a list of problems); the
    handler below answers with one readable string instead (S12). Every API
    route may also answer 503 (``Unavailable``: the database or the room
    cannot take it now, retry after ``Retry-After``).
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            schemas = document.get("components", {}).get("schemas", {})
            if "HTTPValidationError" in schemas:
                schemas["HTTPValidationError"] = {
                    "title": "HTTPValidationError",
                    "type": "object",
                    "required": ["error", "detail", "code", "params"],
                    "properties": {
                        "error": {"type": "string", "title": "Error"},
                        "detail": {"type": "string", "title": "Detail"},
                        "code": {"type": "string", "title": "Code"},
                        "params": {"type": "object", "title": "Params"},
                    },
                }
            for path, operations in document.get("paths", {}).items():
                for operation in operations.values() if path.startswith("/api/") else ():
                    operation["responses"].setdefault("503", UNAVAILABLE)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def add_error_handlers(app: FastAPI) -> None:
    """Every refusal as ``{"error", "detail", "code", "params"}``, with its class's status (S12)."""

    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, error: DomainError) -> JSONResponse:
        return JSONResponse(refusal_body(error), status_code=error.status_hint)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        # Starlette's and FastAPI's own refusals (404 path, 405, an unparsable body) in our shape
        phrase = HTTPStatus(error.status_code).phrase
        code = "http." + phrase.lower().replace(" ", "_")
        params: dict[str, Param] = {} if code in MESSAGES else {"reason": str(error.detail)}
        return JSONResponse(
            body(
                phrase.replace(" ", ""),
                str(error.detail),
                code if code in MESSAGES else "http.refused",
                params,
            ),
            status_code=error.status_code,
            headers=error.headers,
        )

    @app.exception_handler(TooManyRequests)
    async def too_many(_request: Request, error: TooManyRequests) -> JSONResponse:
        return JSONResponse(
            refusal_body(error),
            status_code=429,
            headers={"Retry-After": str(error.retry_after)},
        )

    @app.exception_handler(Unavailable)
    async def unavailable(_request: Request, error: Unavailable) -> JSONResponse:
        # the database or the room cannot take it now: nothing was done; the page retries
        return JSONResponse(
            refusal_body(error),
            status_code=503,
            headers={"Retry-After": str(error.retry_after)},
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        refusal = InvalidRequest(_problems(error.errors()))
        return JSONResponse(refusal_body(refusal), status_code=refusal.status_hint)

    @app.exception_handler(WebSocketRequestValidationError)
    async def invalid_socket(
        websocket: WebSocket, error: WebSocketRequestValidationError
    ) -> JSONResponse | None:
        # FastAPI's own handler closes (1008) before the upgrade: a bare 403 with no body
        refusal = InvalidRequest(_problems(error.errors()))
        if _may_deny(websocket):
            return JSONResponse(refusal_body(refusal), status_code=refusal.status_hint)
        reason = refusal.detail.encode()[:MAX_CLOSE_REASON].decode(errors="ignore")
        await websocket.close(1008, reason)
        return None

    not_found = app.router.default

    async def no_such_socket(scope: Scope, receive: Receive, send: Send) -> None:
        # Starlette answers an unknown websocket path with a bare 403, too
        if scope["type"] == "websocket" and _may_deny(WebSocket(scope, receive, send)):
            missing = NotFound("channel.not_found", path=scope["path"][:200])
            response = JSONResponse(refusal_body(missing), status_code=404)
            await response(scope, receive, send)
            return
        await not_found(scope, receive, send)

    app.router.default = no_such_socket


def body(error: str, detail: str, code: str, params: dict[str, Param]) -> dict[str, Any]:
    """A refusal on the wire: its class, its English text, its code and the code's params."""
    return {"error": error, "detail": detail, "code": code, "params": params}


def refusal_body(error: DomainError) -> dict[str, Any]:
    """``error`` as ``{"error", "detail", "code", "params"}`` (docs/protocol.md)."""
    return body(type(error).__name__, error.detail, error.code, error.params)


#: A websocket close reason is at most 123 bytes (RFC 6455 §5.5).
MAX_CLOSE_REASON = 123


def _problems(errors: Sequence[Any]) -> str:
    """pydantic's problems in one line, each naming its field (``extend.seconds: …``)."""
    problems = [
        f"{'.'.join(str(part) for part in e['loc'] if part != 'body') or 'body'}: {e['msg']}"
        for e in errors
    ]
    return "; ".join(problems)[:2000]


def _may_deny(websocket: WebSocket) -> bool:
    """Whether the upgrade can still be answered with an HTTP response and its body."""
    extensions = websocket.scope.get("extensions") or {}
    return (
        websocket.application_state is WebSocketState.CONNECTING
        and "websocket.http.response" in extensions
    )


def _relay(services: Services, url: str) -> Relay:
    """The fan-out across processes: each runner publishes through it, and follows it;
    a revocation or a meeting announced by another process is taken in here."""
    credentials = services.credentials

    async def on_revoked(token_id: str) -> None:
        await to_thread.run_sync(credentials.recall, token_id)
        credentials.close_sockets(token_id, announce=False)

    async def on_meeting(meeting_id: int, rooms: list[int], segments: list[int]) -> None:
        await services.meeting_imported(meeting_id, rooms, segments, announce=False)

    async def on_reconnect() -> None:  # a revocation announced while Redis was away
        for token_id in await to_thread.run_sync(credentials.reload):
            credentials.close_sockets(token_id, announce=False)

    relay = Relay(
        url,
        services.rooms,
        prefix=services.settings.redis_prefix,
        on_revoked=on_revoked,
        on_meeting=on_meeting,
        on_reconnect=on_reconnect,
    )
    credentials.announce = relay.revoked
    services.relay = relay  # the rooms started later publish through it too (start_rooms)
    for runner in services.rooms.values():
        runner.relay = relay.publish
    return relay
