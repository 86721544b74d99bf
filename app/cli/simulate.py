"""``floorkeeper simulate``: a demo segment played in virtual time.

The segment and the delegations come from the database (the demo meeting is
loaded into an empty one first, as ``serve`` does), so a secretariat can
simulate the meeting it has actually set up.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from app.category import Category, is_stakeholder
from app.config import Settings
from app.db import codec
from app.db.engine import make_engine
from app.db.migrations import is_empty, migrate
from app.db.models import Delegation, Meeting, Segment
from app.errors import NotFound
from app.meeting.importer import import_programme_file
from app.meeting.queries import speaker_of
from app.simulation import check_invariants, render_text, simulate, to_json
from app.timing import SegmentPlan


def run_simulation(
    settings: Settings,
    segment_key: str,
    member_states: int,
    stakeholders: int,
    seed: int,
    as_json: bool,
) -> dict[str, Any] | str:
    """The simulation's JSON document, or its text timeline."""
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    if settings.demo_programme and is_empty(engine):
        import_programme_file(
            engine,
            Path(settings.demo_programme),
            settings.max_programme_bytes,
            settings.max_delegations_bytes,
        )
    with Session(engine) as session:
        segment = session.exec(
            select(Segment).where(Segment.key == segment_key).order_by(col(Segment.id))
        ).first()
        if segment is None:
            keys = ", ".join(session.exec(select(Segment.key).order_by(col(Segment.id))).all())
            raise NotFound("segment.unknown_key", segment=segment_key, segments=keys)
        meeting = session.get(Meeting, segment.meeting_id)
        assert meeting is not None
        plan = codec.load(SegmentPlan, segment.plan)
        rows = session.exec(
            select(Delegation)
            .where(Delegation.meeting_id == segment.meeting_id)
            .order_by(col(Delegation.code))
        ).all()
    engine.dispose()
    rng = Random(seed)
    states = [speaker_of(r) for r in rows if r.category == Category.MEMBER_STATE.value]
    others = [speaker_of(r) for r in rows if is_stakeholder(Category(r.category))]
    if member_states > len(states) or stakeholders > len(others):
        raise NotFound("simulation.too_few", states=len(states), others=len(others))
    result = simulate(
        plan,
        member_states=rng.sample(states, member_states),
        stakeholders=rng.sample(others, stakeholders),
        seed=seed,
    )
    if as_json:
        return to_json(result)
    offset = datetime.fromtimestamp(plan.scheduled_start, ZoneInfo(meeting.timezone)).utcoffset()
    text = render_text(result, tz_offset_seconds=offset.total_seconds() if offset else 0.0)
    violations = check_invariants(result)
    if violations:
        text += "\nRULE VIOLATIONS:\n" + "\n".join(f"  {v}" for v in violations)
    return text
