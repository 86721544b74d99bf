"""A small meeting written straight into the database, for shell tests.

It does not go through the programme file, so that the shell's tests do not
depend on the importer; the demo meeting has its own tests.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.category import Category
from app.db import codec
from app.db.models import Day, Delegation, Meeting, Room, Segment
from app.timing.plan import SegmentPlan
from tests.plans import START, action_group, panel


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
        assert day.id is not None
        assert one.id is not None
        assert two.id is not None
        segments = []
        for key, room, plan in (
            ("ag1", one.id, action_group(start=start)),
            ("panel", two.id, panel(start=start)),
        ):
            segment = Segment(
                meeting_id=meeting.id,
                day_id=day.id,
                room_id=room,
                key=key,
                title=plan.title,
                format=plan.format,
                scheduled_start=plan.scheduled_start,
                scheduled_end=plan.scheduled_end,
            )
            session.add(segment)
            session.flush()
            segment.plan = codec.dump(_with_ids(plan, segment.id, room))
            segments.append(segment)
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


def _with_ids(plan: SegmentPlan, segment_id: int | None, room_id: int) -> SegmentPlan:
    return replace(plan, id=str(segment_id), room_id=str(room_id))
