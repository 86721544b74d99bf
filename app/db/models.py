"""Database tables (SQLModel). The engine never imports this module.

Two families live here:

* the meeting as data: meeting, day, room, segment, delegation, participant,
  imported from a programme file (``app.meeting``);
* the live record of each room: its current state with a version, the events
  each command produced (append-only), and the answer given to each command
  id (idempotency).

Times are UTC epoch seconds (float) so that SQLite and PostgreSQL agree and a
deadline survives a restart unchanged (T6). The meeting's time zone is kept
for display.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

# -- the meeting as data ------------------------------------------------------


class Meeting(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True, unique=True, max_length=80)
    title: str = Field(max_length=300)
    venue: str = Field(default="", max_length=300)
    timezone: str = Field(max_length=64)  # IANA name, C1
    rules: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    questions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    source: str = Field(default="", max_length=300)  # the programme file it came from
    rehearsal_of: int | None = Field(default=None, foreign_key="meeting.id")


class Day(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("meeting_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    number: int = Field(ge=1)
    date: str = Field(max_length=10)  # ISO date in the meeting's time zone
    title: str = Field(default="", max_length=200)


class Room(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("meeting_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    key: str = Field(max_length=80)
    name: str = Field(max_length=200)
    language: str = Field(default="en", max_length=8)  # the room display's language


class Segment(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("meeting_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    day_id: int = Field(foreign_key="day.id", index=True)
    room_id: int = Field(foreign_key="room.id", index=True)
    key: str = Field(max_length=80)
    title: str = Field(max_length=300)
    # The title per language ({"ar": …, "zh": …}), for the displays; ``title`` is the fallback.
    titles: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    format: str = Field(max_length=40)  # the format's key; its rule id is in the plan
    scheduled_start: float  # UTC epoch seconds
    scheduled_end: float
    moderators: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    rapporteur: str = Field(default="", max_length=300)
    # The engine's SegmentPlan, serialised (app.timing.codec); frozen at import.
    plan: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Delegation(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("meeting_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    code: str = Field(max_length=32)  # ISO3 for States, a short code for others
    category: str = Field(max_length=32)  # app.category.Category (P1)
    names: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    regional_group: str = Field(default="", max_length=40)


class Participant(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    delegation_id: int = Field(foreign_key="delegation.id", index=True)
    name: str = Field(max_length=200)
    head: bool = False  # P5: one head of delegation


# -- the live record of a room ---------------------------------------------------


class RoomRow(SQLModel, table=True):
    """A room's saved engine state (``app.queue.RoomState``); ``version`` guards writers."""

    __tablename__ = "roomstate"  # the name SQLModel derived before the class was renamed

    room_id: int = Field(foreign_key="room.id", primary_key=True)
    version: int = 0
    state: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: float = 0.0


class RoomEvent(SQLModel, table=True):
    """One event the engine produced; the room's history, in order."""

    __table_args__ = (UniqueConstraint("room_id", "version", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    room_id: int = Field(foreign_key="room.id", index=True)
    version: int  # the room version the command produced
    seq: int  # position within that command's events
    type: str = Field(max_length=64)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: float


class RoomLease(SQLModel, table=True):
    """Which process fires the room's deadline ticks, until when (``app.room.lease``).

    Taken and renewed by the holder, taken over by another process once
    ``expires_at`` has passed, deleted on a clean shutdown. Read it to see
    where a room's scheduler runs.
    """

    __tablename__ = "room_lease"

    room_id: int = Field(foreign_key="room.id", primary_key=True)
    holder: str = Field(max_length=200)  # the process: host, pid and a random part
    expires_at: float  # UTC epoch seconds, on the holder's clock


class CommandRecord(SQLModel, table=True):
    """The answer to a command id, so that a retry gets it again (idempotency), and the
    command it is bound to, so that the id is never taken for another (M6)."""

    room_id: int = Field(foreign_key="room.id", primary_key=True)
    command_id: str = Field(primary_key=True, max_length=80)
    version: int
    kind: str = Field(max_length=64)
    # M6: the command the id is bound to (app.room.fingerprint); "" for ids recorded before
    fingerprint: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    at: float
    # what was answered: the event types the command produced
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # -- the audit trail (app.room.audit): who sent it and from where, in the same row
    role: str = Field(  # app.access.roles.Role; "" for the scheduler's ticks
        default="", max_length=32, sa_column_kwargs={"server_default": ""}
    )
    identity: str = Field(  # e.g. "delegate (MEX)" and the token id
        default="", max_length=200, sa_column_kwargs={"server_default": ""}
    )
    token_id: str | None = Field(default=None, max_length=32)
    client: str = Field(  # the client's address
        default="", max_length=64, sa_column_kwargs={"server_default": ""}
    )


# -- what the meeting leaves in writing (R2, R3) ---------------------------------


class RecommendationCard(SQLModel, table=True):
    """A written recommendation for the segment's action group (R2).

    A delegation writes its own from its device; the secretariat types in a
    paper card from the box (``paper``), naming the delegation when the card
    does, or only the ``author`` written on it.
    """

    # A retry of the same submission carries the same client id: one card, not two.
    __table_args__ = (UniqueConstraint("segment_id", "client_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    segment_id: int = Field(foreign_key="segment.id", index=True)
    delegation_id: int | None = Field(default=None, foreign_key="delegation.id", index=True)
    author: str = Field(default="", max_length=200)  # the name on a paper card
    paper: bool = False  # entered by the secretariat from a paper card
    entered_by: str = Field(default="", max_length=120)  # the credential that wrote it
    client_id: str | None = Field(default=None, max_length=80)
    # the card's three fields (000 §5, Annex 1), for a dimension or action group
    dimension: str = Field(default="", max_length=200)
    recommendation: str = Field(max_length=2000)
    means_of_implementation: str = Field(default="", max_length=2000)
    partnerships: str = Field(default="", max_length=2000)
    chosen: bool = False  # the rapporteur drew on it for the report (R3)
    created_at: float  # UTC epoch seconds
    updated_at: float


class RapporteurReport(SQLModel, table=True):
    """The rapporteur's draft for one segment, in the template of Annex 2 (R3).

    The header (action group, date and time, room, moderator) comes from the
    segment; ``commitments`` is a list of {recommendation,
    means_of_implementation, partnerships, card_ids}. Once ``closed_at`` is
    set, neither the report nor the segment's cards change.
    """

    segment_id: int = Field(foreign_key="segment.id", primary_key=True)
    rapporteur: str = Field(default="", max_length=300)
    summary: str = Field(default="", max_length=8000)  # about 250 words
    commitments: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    observations: str = Field(default="", max_length=8000)
    updated_at: float = 0.0
    closed_at: float | None = None


# -- who may act: credentials, secretariat accounts, the audit trail --------------


class Credential(SQLModel, table=True):
    """A token as issued: its id travels inside the signed token; revoked once ``revoked_at``.

    The token itself is not stored: it is the signature of these fields, so
    it can be printed again (a badge sheet) but not forged without the secret.
    """

    id: str = Field(primary_key=True, max_length=32)
    role: str = Field(max_length=32)  # app.access.roles.Role
    room_id: int | None = Field(default=None, index=True)  # moderator, display, rapporteur
    delegation: str | None = Field(default=None, max_length=32)  # delegate: the code
    label: str = Field(default="", max_length=200)  # who holds it, for the secretariat's list
    issued_at: float  # UTC epoch seconds
    revoked_at: float | None = Field(default=None, index=True)
    replaces: str | None = Field(default=None, max_length=32)  # rotation: the token it follows
    meeting_id: int | None = None  # the one meeting it covers (app.access.scope); None: every
    # UTC epoch seconds; signed into the token (app.access.credentials: lifetimes). None: a row
    # from before tokens expired (0005), whose token is refused.
    expires_at: float | None = None


class ServiceSecret(SQLModel, table=True):
    """The secret the service signs tokens with when the operator sets none (one row, id 1).

    Generated at the first start (``app.access.secret``); ``FLOORKEEPER_SECRET_KEY``
    takes precedence and is never stored.
    """

    __tablename__ = "service_secret"

    id: int = Field(default=1, primary_key=True)
    secret: str = Field(max_length=200)
    created_at: float  # UTC epoch seconds


class SecretariatAccount(SQLModel, table=True):
    """A secretariat member who logs in with a password (argon2 hash, never the password)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=80)
    password_hash: str = Field(max_length=200)
    created_at: float  # UTC epoch seconds
    meeting_id: int | None = None  # its login's token covers this meeting only; None: every one
