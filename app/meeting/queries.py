"""Reading a meeting's data: meetings, rooms, days, segments, delegations.

Repository functions: each takes the request's ``Session`` first and never
commits (``app.db.engine.in_transaction`` owns the transaction). A row that
is not there is a ``NotFound`` whose message says what was asked for.
"""

from __future__ import annotations

from typing import TypeVar

from sqlmodel import Session, col, select

from app.category import Category
from app.db.models import Day, Delegation, Meeting, Participant, Room, Segment
from app.errors import NotFound, Param
from app.record import DelegationInfo, SegmentInfo
from app.timing import Speaker

R = TypeVar("R")

# -- meetings, days, rooms ----------------------------------------------------------


def meetings(session: Session) -> list[Meeting]:
    """Every meeting this service holds, oldest first."""
    return list(session.exec(select(Meeting).order_by(col(Meeting.id))).all())


def meeting(session: Session, meeting_id: int) -> Meeting:
    """The meeting ``meeting_id`` (404 if none)."""
    return _found(session.get(Meeting, meeting_id), "meeting.id_not_found", meeting=meeting_id)


def programme(
    session: Session, meeting_id: int
) -> tuple[Meeting, list[Day], list[Room], list[Segment]]:
    """The meeting (404 if none), its days, its rooms and its segments (C1)."""
    found = meeting(session, meeting_id)
    query = select(Room).where(Room.meeting_id == meeting_id)
    return (
        found,
        days(session, meeting_id),
        list(session.exec(query).all()),
        segments(session, meeting_id),
    )


def days(session: Session, meeting_id: int) -> list[Day]:
    """The meeting's days, in order."""
    query = select(Day).where(Day.meeting_id == meeting_id).order_by(col(Day.number))
    return list(session.exec(query).all())


def day(session: Session, meeting_id: int, number: int) -> Day:
    """Day ``number`` of the meeting (404 if none)."""
    query = select(Day).where(Day.meeting_id == meeting_id, Day.number == number)
    return _found(
        session.exec(query).first(), "meeting.day_not_found", day=number, meeting=meeting_id
    )


def room(session: Session, room_id: int) -> Room:
    """The room ``room_id`` (404 if none)."""
    return _found(session.get(Room, room_id), "room.not_in_meeting", room=room_id)


def rooms(session: Session, meeting_id: int) -> list[Room]:
    """The meeting's rooms, by id."""
    query = select(Room).where(Room.meeting_id == meeting_id).order_by(col(Room.id))
    return list(session.exec(query).all())


# -- segments -----------------------------------------------------------------------


def segment_in_room(session: Session, room_id: int, segment_id: int) -> Segment:
    """Segment ``segment_id``, if it is one of room ``room_id``'s (404 if not)."""
    segment = session.get(Segment, segment_id)
    if segment is None or segment.room_id != room_id:
        raise NotFound("segment.not_in_room", segment=segment_id, room=room_id)
    return segment


def segment(session: Session, segment_id: int) -> Segment:
    """Segment ``segment_id``, in whichever room (404 if none)."""
    return _found(session.get(Segment, segment_id), "segment.not_found", segment=segment_id)


def segments(session: Session, meeting_id: int) -> list[Segment]:
    """The meeting's segments, by scheduled start, then room."""
    query = (
        select(Segment)
        .where(Segment.meeting_id == meeting_id)
        .order_by(col(Segment.scheduled_start), col(Segment.room_id))
    )
    return list(session.exec(query).all())


def room_segments(session: Session, room_id: int) -> list[Segment]:
    """The room's segments, by scheduled start."""
    query = select(Segment).where(Segment.room_id == room_id).order_by(col(Segment.scheduled_start))
    return list(session.exec(query).all())


def segment_infos(session: Session, meeting_id: int) -> dict[str, SegmentInfo]:
    """Segments as the record joins them, by the ids a plan may carry: the row's id or its key."""
    day_dates = {d.id: d.date for d in days(session, meeting_id)}
    room_names = {r.id: r.name for r in rooms(session, meeting_id)}
    infos: dict[str, SegmentInfo] = {}
    for s in session.exec(select(Segment).where(Segment.meeting_id == meeting_id)):
        where = day_dates.get(s.day_id, ""), room_names.get(s.room_id, "")
        info = SegmentInfo(s.key, s.title, *where)
        infos[str(s.id)] = infos[s.key] = info
    return infos


# -- delegations --------------------------------------------------------------------


def delegations(session: Session, meeting_id: int) -> list[Delegation]:
    """The meeting's delegations, by code."""
    query = (
        select(Delegation).where(Delegation.meeting_id == meeting_id).order_by(col(Delegation.code))
    )
    return list(session.exec(query).all())


def meeting_delegations(session: Session, meeting_id: int) -> tuple[Meeting, list[Delegation]]:
    """The meeting (404 if none) and its delegations, by code (the badge sheet)."""
    return meeting(session, meeting_id), delegations(session, meeting_id)


def room_directory(
    session: Session, room_id: int
) -> tuple[Room, Meeting, list[Delegation], list[Segment]]:
    """The room (404 if none), its meeting, the meeting's delegations, the room's segments."""
    found = room(session, room_id)
    of = meeting(session, found.meeting_id)
    return found, of, delegations(session, found.meeting_id), room_segments(session, room_id)


def delegation_directory(
    session: Session, code: str, meeting_id: int
) -> tuple[Delegation, Meeting, list[Room]]:
    """The delegation ``code`` of the meeting its token names (404 if none), and its rooms."""
    query = select(Delegation).where(Delegation.meeting_id == meeting_id, Delegation.code == code)
    delegation = _found(
        session.exec(query).first(),
        "delegation.ask_secretariat",
        delegation=code,
        meeting=meeting_id,
    )
    return delegation, meeting(session, meeting_id), rooms(session, meeting_id)


def delegation_by_code(session: Session, meeting_id: int, code: str) -> Delegation:
    """The delegation registered as ``code`` in the meeting (404 if none)."""
    query = select(Delegation).where(Delegation.meeting_id == meeting_id, Delegation.code == code)
    return _found(
        session.exec(query).first(),
        "delegation.not_in_meeting",
        delegation=code,
        meeting=meeting_id,
    )


def ensure_meeting(session: Session, meeting_id: int) -> None:
    """Refuse (404) a meeting this service does not hold."""
    meeting(session, meeting_id)


def ensure_delegation(session: Session, code: str, meeting_id: int | None) -> None:
    """Refuse (404) a code no meeting registers, or not ``meeting_id`` if one is named."""
    query = select(Delegation.id).where(Delegation.code == code)
    if meeting_id is not None:
        query = query.where(Delegation.meeting_id == meeting_id)
    if session.exec(query).first() is None:
        if meeting_id is None:
            raise NotFound("delegation.not_found", delegation=code)
        raise NotFound("delegation.not_in_meeting", delegation=code, meeting=meeting_id)


def speaker_of(delegation: Delegation) -> Speaker:
    """The delegation as the engine's speaker: its code, its English name, its category."""
    return Speaker(
        delegation.code, delegation.names.get("en", delegation.code), Category(delegation.category)
    )


def room_speaker(session: Session, room_id: int, code: str) -> Speaker:
    """The delegation ``code`` of the room's meeting, as a speaker (404 if not registered)."""
    query = (
        select(Delegation)
        .join(Room, col(Room.meeting_id) == col(Delegation.meeting_id))
        .where(Room.id == room_id, Delegation.code == code)
    )
    found = _found(session.exec(query).first(), "delegation.not_in_this_meeting", delegation=code)
    return speaker_of(found)


def delegation_info(delegation: Delegation) -> DelegationInfo:
    """The delegation as the record joins it (R1, R4)."""
    return DelegationInfo(
        delegation.code,
        delegation.names.get("en", delegation.code),
        Category(delegation.category),
        delegation.regional_group,
    )


def registered(session: Session, meeting_id: int) -> tuple[DelegationInfo, ...]:
    """Delegations with at least one registered participant (attending, R4), by code."""
    rows = session.exec(
        select(Delegation)
        .where(Delegation.meeting_id == meeting_id)
        .where(col(Delegation.id).in_(select(Participant.delegation_id)))
        .order_by(col(Delegation.code))
    ).all()
    return tuple(delegation_info(d) for d in rows)


def _found(row: R | None, missing: str, **params: Param) -> R:
    """``row``, or NotFound with the code ``missing`` (what was asked for, not found)."""
    if row is None:
        raise NotFound(missing, **params)
    return row
