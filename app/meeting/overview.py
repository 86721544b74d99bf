"""The secretariat's view of a meeting: its days, rooms and segments with their status.

Repository functions (``Session`` first, never commit), for the secretariat
page (``app.api.secretariat``). A segment's status comes from its room's
events: ``closed`` once a ``SegmentClosed`` names it, ``open`` while the
room's state holds it (the caller passes the open segment of each room, from
the runners' memory), ``scheduled`` otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session

from app.db.models import Day, Meeting, Room, Segment
from app.meeting import queries
from app.meeting.importer import rehearse
from app.room.store import room_events
from app.timing.programme import SegmentClosed

SegmentStatus = Literal["scheduled", "open", "closed"]


@dataclass(frozen=True, slots=True)
class MeetingOverview:
    meeting: Meeting
    days: list[Day]
    rooms: list[Room]
    segments: list[Segment]
    status: dict[int, SegmentStatus]  # by segment id


def overview(
    session: Session, meeting_id: int, open_segments: Mapping[int, str | None]
) -> MeetingOverview:
    """The meeting (404 if none), its days, rooms and segments, and each segment's status.

    ``open_segments``: the id (a string, as the engine keeps it) of the segment open in
    each room, by room id.
    """
    found, days, rooms, segments = queries.programme(session, meeting_id)
    closed: set[str] = set()
    for room in rooms:
        assert room.id is not None
        for stored in room_events(session, room.id, kinds=(SegmentClosed,)):
            if isinstance(stored.event, SegmentClosed):
                closed.add(stored.event.segment_id)
    status: dict[int, SegmentStatus] = {}
    for segment in segments:
        assert segment.id is not None
        if open_segments.get(segment.room_id) == str(segment.id):
            status[segment.id] = "open"
        elif str(segment.id) in closed:
            status[segment.id] = "closed"
        else:
            status[segment.id] = "scheduled"
    return MeetingOverview(found, days, rooms, segments, status)


def rehearse_meeting(
    session: Session, meeting_id: int, day: int, now: float
) -> tuple[Meeting, list[Room], list[int]]:
    """What ``floorkeeper rehearse --day N`` does, for the meeting ``meeting_id``: its copy,
    the copy's rooms and its segments' ids (to start and to map)."""
    original = queries.meeting(session, meeting_id)
    copy = rehearse(session, original.key, day, now)
    assert copy.id is not None
    segments = [s.id for s in queries.segments(session, copy.id) if s.id is not None]
    return copy, queries.rooms(session, copy.id), segments
