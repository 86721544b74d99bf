"""Settings: one frozen object, built once from an injectable environment (S13).

Only this module reads environment variables. Bare names that hosting
platforms set (``DATABASE_URL``, ``PORT``) are read as they
are; everything else carries the ``FLOORKEEPER_`` prefix. Meeting rules
(slots, ranks, warnings) are not settings: they come from the programme file.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from app.errors import InvalidSetting

ENV_PREFIX = "FLOORKEEPER_"
#: A garbage collection that stops the process this long is logged (app/live/gcwatch.py).
GC_PAUSE_WARNING_SECONDS = 0.1
#: The collector's thresholds for a server (issue 18, docs/benchmarks.md run 8).
GC_THRESHOLDS = (5000, 10, 100)
BARE_NAMES = ("DATABASE_URL", "PORT", "REDIS_URL")
DEMO_PROGRAMME = Path(__file__).parent / "meeting" / "data" / "gcm-2017.yaml"
#: The shortest secret an operator may set (FLOORKEEPER_SECRET_KEY): 32 characters.
MIN_SECRET_LENGTH = 32


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"
    TEST = "test"


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    database_url: str = "sqlite:///./data/floorkeeper.db"
    # Fan-out across processes (app/live/relay.py); unset: one process, as the embedded default.
    redis_url: str | None = None
    redis_prefix: str = "floorkeeper:"  # the relay's streams and the rate limits' keys
    # With REDIS_URL: a room's deadline ticks come from the one process holding its lease in the
    # database (app/room/lease.py), renewed every third of this; a dead holder's rooms move
    # to another process within it.
    scheduler_lease_seconds: float = Field(default=5.0, gt=0, le=300)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # Signs every token (moderator, display, delegate links); change it to end them all. Unset:
    # the secret the service generated and keeps in its database (app/access/secret.py).
    secret_key: str | None = Field(default=None, min_length=MIN_SECRET_LENGTH)
    # Loaded into an empty database at start-up, so that `make run` is a rehearsal.
    demo_programme: str | None = str(DEMO_PROGRAMME)
    max_backlog_per_screen: int = Field(default=64, ge=1)
    # The live channel (app/api/channel.py): a heartbeat after this long with nothing sent to a
    # page; a page that sends nothing (no ping) for live_silence_seconds is closed (4408).
    live_heartbeat_seconds: float = Field(default=10.0, gt=0)
    live_silence_seconds: float = Field(default=45.0, gt=0)
    live_stale_seconds: float = Field(default=30.0, gt=0)
    command_retries: int = Field(default=5, ge=1)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    # A garbage collection that stops the process this long is logged (app/live/gcwatch.py).
    gc_pause_warning_seconds: float = Field(default=GC_PAUSE_WARNING_SECONDS, gt=0)
    # The collector of a long-lived server (app/live/gcwatch.py ``tuned``): its three
    # thresholds ("5000,10,100"; empty: CPython's own), and a freeze of what exists once the
    # service has started (issue 18: no full collection while a room's screens connect).
    gc_thresholds: tuple[int, int, int] | None = GC_THRESHOLDS
    gc_freeze: bool = True
    # CSP frame-ancestors of /display and /podium (e.g. "https://signage.example"); empty: none
    display_frame_ancestors: str = Field(default="", pattern=r"^[^;,\r\n]*$")
    # A programme file (YAML) and a delegations CSV, uploaded or imported: the demo's are 15 KB
    # and 39 KB (248 rows). Over HTTP, max_body_bytes bounds every body first (app/api/limits.py).
    max_programme_bytes: int = Field(default=64 * 1024, ge=1024)
    max_delegations_bytes: int = Field(default=64 * 1024, ge=1024)
    # Database faults answer 503 within these (app/db/engine.py), shorter than the pages' own
    # retries (shared/commands.js, 10 s in all): how long a write waits for a lock (SQLite's
    # busy timeout, PostgreSQL's lock_timeout) or a pooled connection; PostgreSQL's connect
    # timeout (whole seconds, libpq) and statement_timeout.
    database_busy_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    database_connect_timeout_seconds: int = Field(default=3, ge=1, le=60)
    database_statement_timeout_seconds: float = Field(default=5.0, gt=0, le=600)
    # Commands waiting for one room's lock beyond this are answered 503 RoomBusy, not queued.
    room_max_waiting: int = Field(default=32, ge=1)
    # Origins whose pages may open the live channel, comma-separated ("https://floor.example.org").
    # Empty: the service's own (app/access/origins.py); never read from the Host header.
    allowed_origins: tuple[str, ...] = ()

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part for part in value.split(",") if part.strip()]
        if isinstance(value, list | tuple):
            return tuple(normalized_origin(str(part)) for part in value)
        return value

    @field_validator("gc_thresholds", mode="before")
    @classmethod
    def _thresholds(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not parts:
                return None
            if len(parts) != 3 or not all(part.isdigit() for part in parts):
                raise ValueError("three whole numbers, e.g. 5000,10,100 (empty: CPython's own)")
            value = tuple(int(part) for part in parts)
        if isinstance(value, tuple) and value and min(value) < 1:
            raise ValueError("each threshold is at least 1 (0 would turn the collector off)")
        return value

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Settings:
        # A production start without FLOORKEEPER_SECRET_KEY needs a secret already stored in
        # the database: that is checked where the database is open (app/access/secret.py).
        if self.secret_key is not None and not self.secret_key.strip():
            raise ValueError("FLOORKEEPER_SECRET_KEY is blank: set a random value or unset it")
        return self


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``environ`` (the process environment by default)."""
    env = os.environ if environ is None else environ
    values: dict[str, str] = {
        key.removeprefix(ENV_PREFIX).lower(): value
        for key, value in env.items()
        if key.startswith(ENV_PREFIX)
    }
    for name in BARE_NAMES:
        if name in env:
            values[name.lower()] = env[name]
    try:
        return Settings.model_validate(values)
    except ValidationError as error:
        raise InvalidSetting("; ".join(_problem(e) for e in error.errors())) from None


def _problem(error: ErrorDetails) -> str:
    """One refusal in the words of the environment: the variable, not the field."""
    if not error["loc"]:  # a rule over several settings: its message names them
        return str(error["msg"]).removeprefix("Value error, ")
    field = str(error["loc"][0])
    variable = variable_of(field)
    shown = "…" if field == "secret_key" else error.get("input")  # a secret is never printed
    return f"{variable}={shown!s}: {error['msg']}"


def variable_of(field: str) -> str:
    """The environment variable that sets ``field`` (``PORT``, ``FLOORKEEPER_…``)."""
    return field.upper() if field.upper() in BARE_NAMES else ENV_PREFIX + field.upper()


def new_secret() -> str:
    """A signing secret: 256 random bits, URL-safe (the one the service generates)."""
    return secrets.token_urlsafe(32)


#: The port a browser leaves out of an ``Origin`` for each scheme.
DEFAULT_PORTS = {"http": 80, "https": 443}


def normalized_origin(text: str) -> str:
    """``text`` as a browser writes an ``Origin``: ``scheme://host[:port]``, lower case, no
    default port. Raises ValueError for anything else (a path, a user, another scheme)."""
    refusal = (
        f"{text.strip()!r} is not an origin: write scheme://host[:port], "
        "e.g. https://floor.example.org"
    )
    parts = urlsplit(text.strip())
    if (
        parts.scheme.lower() not in DEFAULT_PORTS
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        raise ValueError(refusal)
    try:
        port = parts.port
    except ValueError:
        raise ValueError(refusal) from None
    return origin(parts.scheme.lower(), parts.hostname, port)


def origin(scheme: str, host: str, port: int | None) -> str:
    """The origin of ``scheme://host:port`` (an IPv6 host in brackets, a default port left out)."""
    host = host.lower().strip("[]")
    shown = f"[{host}]" if ":" in host else host
    return (
        f"{scheme}://{shown}"
        if port in (None, DEFAULT_PORTS.get(scheme))
        else f"{scheme}://{shown}:{port}"
    )
