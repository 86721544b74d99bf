"""Meeting scope: a token of one meeting acts on that meeting's rooms and segments only.

Theory of operation
-------------------
Every token names its meeting (``Principal.meeting_id``; the credential
registry gives each one its meeting when it is issued,
``app.access.credentials``), but the administrator's: a secretariat token
of no meeting (``floorkeeper admin create`` without ``--meeting``, the
rehearsal token of ``floorkeeper links``), which covers every meeting.
Whatever grant let it in, a token is refused (403) when the path's
``{meeting_id}``, ``{room_id}`` or ``{segment_id}`` belongs to another
meeting, on HTTP and on the live channel alike (``ensure_in_meeting``, called
by the route's rule in ``app.access.guard``); a token of another role that
names no meeting is refused everywhere.

The meeting of a room or a segment comes from ``MeetingMap``, kept in memory
(``Services.meeting_map``): loaded at start-up, and told of every meeting
imported over HTTP, here or on another process (``note``, through
``Services.meeting_imported``); an id it does not know is looked up once and
remembered (``meeting_of``), so a request costs no query.
"""

from __future__ import annotations

from collections.abc import Iterable

from anyio import to_thread
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.requests import HTTPConnection

from app.access.roles import Principal, Role
from app.db.models import Room, Segment
from app.errors import NotAllowed
from app.services import services_of


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

    def note(self, meeting_id: int, rooms: Iterable[int], segments: Iterable[int]) -> None:
        """A meeting imported while the service runs: its rooms and segments join the map."""
        self.rooms.update(dict.fromkeys(rooms, meeting_id))
        self.segments.update(dict.fromkeys(segments, meeting_id))


async def meeting_of(connection: HTTPConnection, kind: str, row_id: int) -> int | None:
    """The meeting of a room or a segment (``kind``), None if there is no such row."""
    services = services_of(connection)
    known = services.meeting_map
    meeting = (known.rooms if kind == "room" else known.segments).get(row_id)
    if meeting is None:
        meeting = await to_thread.run_sync(known.lookup, services.engine, kind, row_id)
    return meeting


async def ensure_in_meeting(connection: HTTPConnection, principal: Principal) -> None:
    """A token of one meeting is refused on the rooms, segments and meetings of another."""
    if principal.meeting_id is None:
        if principal.role is Role.SECRETARIAT:
            return  # the administrator: every meeting
        raise NotAllowed("access.no_meeting", who=principal.describe())
    for name, meeting in (await _path_meetings(connection)).items():
        if meeting != principal.meeting_id:
            thing = name.removesuffix("_id")
            raise NotAllowed(
                "access.other_meeting",
                who=principal.describe(),
                thing=thing,
                id=str(connection.path_params[name]),
            )


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
