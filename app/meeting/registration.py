"""A meeting's registration, as the secretariat keeps it: delegations, participants, roles.

Repository functions: each takes the request's ``Session`` first and never
commits (``app.api.setup`` runs them in ``app.db.engine.in_transaction``, one
transaction a request); each refuses with a clear DomainError before writing
anything.

* Delegations come from the CSV that ``app.meeting.read_delegations``
  checks (P1, names in six languages, UN regional groups); importing again
  updates a delegation with the same code.
* P5: a delegation has at most ``DELEGATION_SIZE`` participants (1 + 3), one
  of them its head.
* A segment's roles (moderators, rapporteur, P4's RCP chairs) change only
  until the segment is first opened: after that the record names them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.category import Category
from app.db.models import Delegation, Meeting, Participant, Room, Segment
from app.errors import FloorRuleRefused, InvalidProgramme, NotFound
from app.meeting import Programme, import_programme, queries, read_delegations
from app.room.store import room_events
from app.timing.programme import SegmentOpened

#: P5 (002 §6): "Delegations will be limited to four participants … (1 + 3)". A meeting
#: may set another number as ``delegation_size`` in its rules.
DELEGATION_SIZE = 4


@dataclass(frozen=True, slots=True)
class DelegationsImported:
    added: int
    updated: int


def import_meeting(session: Session, programme: Programme) -> tuple[Meeting, list[Room], list[int]]:
    """A new meeting from a checked programme file: the meeting, its rooms, its segments' ids."""
    meeting = import_programme(session, programme, source="uploaded")
    assert meeting.id is not None
    segment_ids = session.exec(select(Segment.id).where(Segment.meeting_id == meeting.id)).all()
    return meeting, queries.rooms(session, meeting.id), [s for s in segment_ids if s is not None]


def import_delegations(
    session: Session, meeting_id: int, text: str, name: str
) -> DelegationsImported:
    """Add or update the meeting's delegations from a CSV (all or nothing)."""
    rows = read_delegations(text, name)  # lone CRs and unreadable CSV: refused there, with a line
    added = updated = 0
    queries.meeting(session, meeting_id)
    existing = {
        d.code: d
        for d in session.exec(select(Delegation).where(Delegation.meeting_id == meeting_id))
    }
    for row in rows:
        delegation = existing.get(row.code)
        if delegation is None:
            delegation = Delegation(meeting_id=meeting_id, code=row.code, category="")
            added += 1
        else:
            updated += 1
        delegation.category = row.category.value
        delegation.names = dict(row.names)
        delegation.regional_group = row.regional_group
        session.add(delegation)
    return DelegationsImported(added, updated)


def add_participant(
    session: Session, meeting_id: int, code: str, name: str, head: bool
) -> Participant:
    """Register a participant of delegation ``code``; P5 refuses a fifth and a second head."""
    meeting = queries.meeting(session, meeting_id)
    delegation = queries.delegation_by_code(session, meeting_id, code)
    people = session.exec(
        select(Participant).where(Participant.delegation_id == delegation.id)
    ).all()
    size = int(meeting.rules.get("delegation_size", DELEGATION_SIZE))
    if len(people) >= size:
        raise FloorRuleRefused(
            "delegation.full", delegation=code, count=len(people), size=size, others=size - 1
        )
    if head and any(p.head for p in people):
        raise FloorRuleRefused("delegation.has_head", delegation=code)
    assert delegation.id is not None
    person = Participant(delegation_id=delegation.id, name=name, head=head)
    session.add(person)
    session.flush()
    return person


def participants(session: Session, meeting_id: int, code: str) -> list[Participant]:
    """The delegation's registered participants, in the order they were registered."""
    delegation = queries.delegation_by_code(session, meeting_id, code)
    return list(
        session.exec(
            select(Participant)
            .where(Participant.delegation_id == delegation.id)
            .order_by(col(Participant.id))
        ).all()
    )


def remove_participant(session: Session, meeting_id: int, code: str, participant_id: int) -> None:
    """Remove a participant of delegation ``code`` (to replace them within P5's four)."""
    delegation = queries.delegation_by_code(session, meeting_id, code)
    person = session.get(Participant, participant_id)
    if person is None or person.delegation_id != delegation.id:
        raise NotFound("participant.not_found", participant=participant_id, delegation=code)
    session.delete(person)


def set_segment_roles(
    session: Session,
    segment_id: int,
    moderators: list[str],
    rapporteur: str,
    rcp_chairs: list[str],
) -> Segment:
    """Name the segment's moderators, rapporteur and RCP chairs (P4), before it opens."""
    segment = queries.segment(session, segment_id)
    if _was_opened(session, segment):
        raise FloorRuleRefused("segment.roles_recorded", segment=segment.key)
    categories = {d.code: d.category for d in queries.delegations(session, segment.meeting_id)}
    for chair in rcp_chairs:
        if categories.get(chair) != Category.MEMBER_STATE.value:
            raise InvalidProgramme(
                f"rcp_chairs: {chair!r} is not a registered Member State "
                "(the chair of an RCP is always a Member State, P4)"
            )
    segment.moderators = list(moderators)
    segment.rapporteur = rapporteur
    segment.plan = {**segment.plan, "rcp_chairs": sorted(set(rcp_chairs))}
    session.add(segment)
    return segment


def _was_opened(session: Session, segment: Segment) -> bool:
    opened = room_events(session, segment.room_id, kinds=(SegmentOpened,))
    return any(
        isinstance(stored.event, SegmentOpened) and stored.event.plan.id == str(segment.id)
        for stored in opened
    )
