"""The application: ``create_app(settings)`` wires everything, once (S10).

The lifespan opens the database, builds one ``RoomRunner`` per room with
its state read back from the database (a restart resumes the same
deadlines, T6), starts every room's scheduler in one task group, and stops
them on shutdown.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app import live
from app.access import Signer
from app.api import commands, meeting, record
from app.config import Settings, load_settings
from app.db import make_engine
from app.errors import DomainError
from app.headers import SecurityHeaders
from app.limits import BodyLimit
from app.models import Room
from app.rooms import RoomRunner
from app.store import RoomStore
from app.web import pages

log = logging.getLogger("floorkeeper")


def create_app(settings: Settings | None = None, now: Callable[[], float] = time.time) -> FastAPI:
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        store = RoomStore(engine)
        room_ids = await to_thread.run_sync(_room_ids, engine)
        rooms = {
            room_id: RoomRunner(room_id, store, now, retries=settings.command_retries)
            for room_id in room_ids
        }
        for runner in rooms.values():
            await runner.load()
        app.state.engine = engine
        app.state.rooms = rooms
        app.state.store = store
        async with anyio.create_task_group() as schedulers:
            for runner in rooms.values():
                schedulers.start_soon(runner.run_scheduler)
            yield
            schedulers.cancel_scope.cancel()
        engine.dispose()

    app = FastAPI(
        title="floorkeeper",
        version="0.1.0",
        summary="Programme clock and speaker queue for formal meetings",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.signer = Signer(settings.secret_key)
    app.include_router(meeting.router)
    app.include_router(commands.router)
    app.include_router(live.router)
    app.include_router(record.router)
    app.include_router(pages.router)
    app.include_router(pages.data_router)
    add_error_handlers(app)
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


def add_error_handlers(app: FastAPI) -> None:
    """Every refusal as ``{"error", "detail"}`` with the status its class suggests (S12)."""

    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, error: DomainError) -> JSONResponse:
        return JSONResponse(
            {"error": type(error).__name__, "detail": error.detail}, status_code=error.status_hint
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            f"{'.'.join(str(part) for part in e['loc'] if part != 'body') or 'body'}: {e['msg']}"
            for e in error.errors()
        ]
        return JSONResponse(
            {"error": "InvalidRequest", "detail": "; ".join(problems)[:2000]}, status_code=422
        )
