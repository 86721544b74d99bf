"""What tests build their situations from: a meeting in the database, a room in a phase.

``seed_meeting`` writes a small meeting straight into the database, for shell
tests. It does not go through the programme file, so that the shell's tests do
not depend on the importer; the demo meeting has its own tests.

``in_member_states`` drives a room (``RoomLog``, no database) into the action
group's Member State phase, for the engine tests.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.category import Category
from app.db import codec
from app.db.models import Day, Delegation, Meeting, Room, Segment
from app.queue import ClosePhase, OpenSegment, RequestFloor
from app.timing.plan import FloorRules, SegmentPlan
from tests.fakes import RoomLog, state
from tests.plans import MS_PHASE, START, STATES, action_group, floor, panel, segment


@dataclass(frozen=True)
class Seeded:
    meeting_id: int
    rooms: tuple[int, int]
    action_group: int  # segment id in rooms[0]
    panel: int  # segment id in rooms[1]


DELEGATIONS = (
    ("MEX", Category.MEMBER_STATE, "Mexico"),
    ("GHA", Category.MEMBER_STATE, "Ghana"),
    ("CHE", Category.MEMBER_STATE, "Switzerland"),
    ("VAT", Category.OBSERVER_STATE, "Holy See"),
    ("IOM", Category.UN_SYSTEM, "International Organization for Migration"),
    ("MADE", Category.CIVIL_SOCIETY, "MADE network"),
)


def seed_meeting(engine: Engine, start: float = START) -> Seeded:
    with Session(engine, expire_on_commit=False) as session:
        meeting = Meeting(key="test", title="Test meeting", timezone="America/Mexico_City")
        session.add(meeting)
        session.flush()
        assert meeting.id is not None
        day = Day(meeting_id=meeting.id, number=2, date="2017-12-05")
        one = Room(meeting_id=meeting.id, key="plenary", name="Plenary hall")
        two = Room(meeting_id=meeting.id, key="room-2", name="Breakout room 2")
        session.add_all([day, one, two])
        session.flush()
        assert one.id is not None
        assert two.id is not None
        segments = [
            add_segment(session, day, "ag1", one.id, action_group(start=start)),
            add_segment(session, day, "panel", two.id, panel(start=start)),
        ]
        for code, category, name in DELEGATIONS:
            session.add(
                Delegation(
                    meeting_id=meeting.id, code=code, category=category.value, names={"en": name}
                )
            )
        session.commit()
        ag, pn = (s.id for s in segments)
        assert ag is not None
        assert pn is not None
        return Seeded(meeting.id, (one.id, two.id), ag, pn)


def stored_plan(engine: Engine, segment_id: int) -> SegmentPlan:
    """The plan stored in the segment's row: what opening the segment opens (the route's)."""
    with Session(engine) as session:
        row = session.get(Segment, segment_id)
        assert row is not None
        return codec.load(SegmentPlan, row.plan)


def add_segment(session: Session, day: Day, key: str, room_id: int, plan: SegmentPlan) -> Segment:
    """A segment of ``day`` in the room, its plan stored with the ids it has in the database."""
    assert day.id is not None
    segment = Segment(
        meeting_id=day.meeting_id,
        day_id=day.id,
        room_id=room_id,
        key=key,
        title=plan.title,
        format=plan.format,
        scheduled_start=plan.scheduled_start,
        scheduled_end=plan.scheduled_end,
    )
    session.add(segment)
    session.flush()
    segment.plan = codec.dump(replace(plan, id=str(segment.id), room_id=str(room_id)))
    return segment


def add_debate(engine: Engine, seeded: Seeded, rules: FloorRules, start: float = START) -> int:
    """A three-hour general debate of Member and observer States in the seeded plenary,
    under ``rules`` (the seeded segments keep the defaults); its segment id."""
    debating = floor("debate", "General debate", 180, eligible=STATES)
    plan = segment("gd", "General debate", "A8", 180, debating, start=start, rules=rules)
    with Session(engine, expire_on_commit=False) as session:
        day = session.exec(select(Day).where(Day.meeting_id == seeded.meeting_id)).one()
        debate = add_segment(session, day, "gd", seeded.rooms[0], plan)
        session.commit()
    assert debate.id is not None
    return debate.id


def open_list_of(engine: Engine, segment_id: int, opens_at: float, deadline: float) -> None:
    """O4: give the stored segment an inscription window (the seeded ones have none)."""
    with Session(engine) as session:
        segment = session.get(Segment, segment_id)
        assert segment is not None
        window = {"opens_at": opens_at, "deadline": deadline}
        segment.plan = {**segment.plan, "inscription": window}
        session.add(segment)
        session.commit()


def in_member_states(
    *codes: str,
    asked_at: float | None = None,
    phase_at: float = MS_PHASE,
    opened_at: float = START,
    rules: FloorRules | None = None,
    rcp_chairs: frozenset[str] = frozenset(),
) -> RoomLog:
    """The action group planned at START, opened at ``opened_at``, welcome closed at ``phase_at``.

    Then each Member State of ``codes`` asks for the floor: all at ``asked_at``,
    or, without it, one second after the other from ``phase_at``.
    """
    room = RoomLog()
    room.do(OpenSegment(action_group(rules=rules, rcp_chairs=rcp_chairs)), opened_at)
    room.do(ClosePhase(), phase_at)
    for n, code in enumerate(codes):
        room.do(RequestFloor(state(code)), phase_at + n if asked_at is None else asked_at)
    return room


def waiting(room: RoomLog) -> list[str]:
    """The delegations waiting for the floor, in queue order."""
    return [r.delegation_id for r in room.state.queue.waiting]
