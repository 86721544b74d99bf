"""Programme file → database, all or nothing; and rehearsal copies of a meeting.

``load_programme_file`` reads and checks everything (YAML, pydantic, the
whole-programme checks of ``build``, the delegations CSV) before
``import_programme`` writes a row, inside the caller's one transaction: a
bad file changes nothing. ``import_programme_file`` does both in a
transaction of its own, for the command line. A file is read only up to its
size limit (``Settings.max_programme_bytes``, ``max_delegations_bytes``):
one over it is refused before it is parsed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.config import Settings
from app.db import codec
from app.db.engine import session_scope
from app.db.models import Day, Delegation, Meeting, Participant, Room, Segment
from app.errors import InvalidProgramme, NotFound, TooLarge
from app.meeting.build import Programme, build, shifted
from app.meeting.delegations import DelegationRow, read_delegations
from app.meeting.schema import ProgrammeIn
from app.meeting.source import read_source
from app.timing.plan import SegmentPlan

PROGRAMME_BYTES: int = Settings.model_fields["max_programme_bytes"].default
DELEGATIONS_BYTES: int = Settings.model_fields["max_delegations_bytes"].default
PROGRAMME_SETTING = "FLOORKEEPER_MAX_PROGRAMME_BYTES"
DELEGATIONS_SETTING = "FLOORKEEPER_MAX_DELEGATIONS_BYTES"


def parse_programme(
    text: str,
    name: str,
    delegations: list[DelegationRow] | None = None,
    titles: dict[str, dict[str, str]] | None = None,
) -> Programme:
    """Check a programme's text; raises InvalidProgramme naming field and line.

    ``titles`` are segments' titles per language read beside the file (by segment
    key); a segment's own ``titles`` win over them.
    """
    source = read_source(text, name)
    if titles:
        _merge_titles(source.data, titles, name)
    try:
        programme = ProgrammeIn.model_validate(source.data)
    except ValidationError as errors:
        raise source.refuse(errors) from None
    return build(programme, source, delegations or [])


def load_programme_file(
    path: Path, max_bytes: int = PROGRAMME_BYTES, max_csv_bytes: int = DELEGATIONS_BYTES
) -> Programme:
    """Read ``path`` and the delegations CSV it names (relative to it), each within its limit."""
    text = _read(path, max_bytes, PROGRAMME_SETTING)
    source = read_source(text, path.name)
    listed = source.data.get("delegations")
    rows: list[DelegationRow] = []
    if isinstance(listed, str) and listed:
        csv_path = (path.parent / listed).resolve()
        rows = read_delegations(_read(csv_path, max_csv_bytes, DELEGATIONS_SETTING), csv_path.name)
    named = source.data.get("segment_titles")
    titles: dict[str, dict[str, str]] = {}
    if isinstance(named, str) and named:
        titles_path = (path.parent / named).resolve()
        text_of = _read(titles_path, max_csv_bytes, DELEGATIONS_SETTING)
        titles = _read_titles(text_of, titles_path.name)
    return parse_programme(text, path.name, rows, titles)


def _read_titles(text: str, name: str) -> dict[str, dict[str, str]]:
    """A CSV of segment titles per language: ``key`` then one column per language."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or reader.fieldnames[0] != "key":
        raise InvalidProgramme(f"{name} line 1: the first column must be 'key'")
    titles: dict[str, dict[str, str]] = {}
    for row in reader:
        key = (row.pop("key") or "").strip()
        if key in titles:
            raise InvalidProgramme(
                f"{name} line {reader.line_num}: segment {key!r} is listed twice"
            )
        titles[key] = {
            lang: title.strip() for lang, title in row.items() if title and title.strip()
        }
    return titles


def _merge_titles(data: object, titles: dict[str, dict[str, str]], name: str) -> None:
    """Give each segment of ``data`` (the parsed YAML) the titles listed for its key."""
    if not isinstance(data, dict):
        return
    keys: set[str] = set()
    for day in data.get("days") or []:
        for segment in (day.get("segments") or []) if isinstance(day, dict) else []:
            if isinstance(segment, dict) and segment.get("key") in titles:
                keys.add(segment["key"])
                segment["titles"] = {**titles[segment["key"]], **(segment.get("titles") or {})}
    unknown = sorted(set(titles) - keys)
    if unknown:
        raise InvalidProgramme(
            f"{name}: no segment {', '.join(map(repr, unknown))} in the programme"
        )


def _read(path: Path, limit: int, setting: str) -> str:
    try:
        with path.open("rb") as file:
            data = file.read(limit + 1)  # never more: a device or a huge file stops here
        if len(data) > limit:
            raise TooLarge(path.name, limit, setting)
        return data.decode("utf-8")
    except FileNotFoundError:
        raise InvalidProgramme(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidProgramme(f"{path}: cannot be read ({error})") from None


def import_programme(session: Session, programme: Programme, source: str = "") -> Meeting:
    """Write the meeting in ``session`` (the caller commits). Refuses a key in use."""
    head = programme.source.meeting
    if session.exec(select(Meeting.id).where(Meeting.key == head.key)).first() is not None:
        raise InvalidProgramme("meeting.exists", meeting=head.key)
    meeting = Meeting(
        key=head.key,
        title=head.title,
        venue=head.venue,
        timezone=head.timezone,
        rules=_rules(programme),
        questions=list(programme.source.questions),
        source=source[-300:],
    )
    session.add(meeting)
    session.flush()
    assert meeting.id is not None
    rooms = {
        r.key: Room(meeting_id=meeting.id, key=r.key, name=r.name, language=r.language)
        for r in programme.rooms
    }
    days = {
        d.number: Day(
            meeting_id=meeting.id, number=d.number, date=d.date.isoformat(), title=d.title
        )
        for d in programme.days
    }
    session.add_all([*rooms.values(), *days.values()])
    session.flush()
    for draft in programme.segments:
        room, day = rooms[draft.room], days[draft.day]
        assert room.id is not None
        assert day.id is not None
        _add_segment(
            session,
            meeting.id,
            day.id,
            room.id,
            draft.key,
            draft.format,
            list(draft.moderators),
            draft.rapporteur,
            draft.plan,
            dict(draft.titles),
        )
    for row in programme.delegations:
        session.add(
            Delegation(
                meeting_id=meeting.id,
                code=row.code,
                category=row.category.value,
                names=dict(row.names),
                regional_group=row.regional_group,
            )
        )
    session.flush()
    return meeting


def _rules(programme: Programme) -> dict[str, object]:
    """``Meeting.rules``: the engine's floor rules, and the record's took-the-floor minimum (R4)."""
    return {
        **codec.dump(programme.rules),
        "took_floor_seconds": programme.rules_in.took_floor_seconds,
    }


def import_programme_file(
    engine: Engine,
    path: Path,
    max_bytes: int = PROGRAMME_BYTES,
    max_csv_bytes: int = DELEGATIONS_BYTES,
) -> Meeting:
    """Load ``path`` into the database in one transaction (``import``, ``serve``, ``simulate``)."""
    programme = load_programme_file(path, max_bytes, max_csv_bytes)
    with session_scope(engine) as session:
        return import_programme(session, programme, source=str(path))


def _add_segment(
    session: Session,
    meeting_id: int,
    day_id: int,
    room_id: int,
    key: str,
    format_key: str,
    moderators: list[str],
    rapporteur: str,
    plan: SegmentPlan,
    titles: dict[str, str],
) -> Segment:
    segment = Segment(
        meeting_id=meeting_id,
        day_id=day_id,
        room_id=room_id,
        key=key,
        title=plan.title,
        titles=titles,
        format=format_key,
        scheduled_start=plan.scheduled_start,
        scheduled_end=plan.scheduled_end,
        moderators=moderators,
        rapporteur=rapporteur,
    )
    session.add(segment)
    session.flush()
    # The engine knows rooms and segments by their database ids (app.api.rooms).
    segment.plan = codec.dump(replace(plan, id=str(segment.id), room_id=str(room_id)))
    return segment


def rehearse(session: Session, key: str, day_number: int, now: float) -> Meeting:
    """Copy meeting ``key`` shifted in time so that its day ``day_number`` starts at ``now``."""
    original = session.exec(select(Meeting).where(Meeting.key == key)).first()
    if original is None or original.id is None:
        raise NotFound("meeting.not_found", meeting=key)
    days = session.exec(select(Day).where(Day.meeting_id == original.id)).all()
    target = next((d for d in days if d.number == day_number), None)
    if target is None:
        numbers = ", ".join(str(d.number) for d in sorted(days, key=lambda d: d.number))
        raise NotFound("meeting.no_day", meeting=key, day=day_number, days=numbers)
    segments = session.exec(
        select(Segment).where(Segment.meeting_id == original.id).order_by(col(Segment.id))
    ).all()
    first = min((s.scheduled_start for s in segments if s.day_id == target.id), default=None)
    if first is None:
        raise NotFound("meeting.day_empty", day=day_number, meeting=key)
    delta = now - first
    copy = Meeting(
        key=_rehearsal_key(session, key),
        title=f"{original.title} (rehearsal of day {day_number})",
        venue=original.venue,
        timezone=original.timezone,
        rules=dict(original.rules),
        questions=list(original.questions),
        source=original.source,
        rehearsal_of=original.id,
    )
    session.add(copy)
    session.flush()
    assert copy.id is not None
    zone = ZoneInfo(original.timezone)
    rooms = {}
    for room in session.exec(select(Room).where(Room.meeting_id == original.id)).all():
        rooms[room.id] = Room(
            meeting_id=copy.id, key=room.key, name=room.name, language=room.language
        )
    new_days = {}
    for day in days:
        day_segments = [s.scheduled_start for s in segments if s.day_id == day.id]
        when = min(day_segments, default=None)
        date = (
            datetime.fromtimestamp(when + delta, zone).date().isoformat()
            if when is not None
            else day.date
        )
        new_days[day.id] = Day(meeting_id=copy.id, number=day.number, date=date, title=day.title)
    session.add_all([*rooms.values(), *new_days.values()])
    session.flush()
    for segment in segments:
        room, day = rooms[segment.room_id], new_days[segment.day_id]
        assert room.id is not None
        assert day.id is not None
        plan = shifted(codec.load(SegmentPlan, segment.plan), delta)
        _add_segment(
            session,
            copy.id,
            day.id,
            room.id,
            segment.key,
            segment.format,
            list(segment.moderators),
            segment.rapporteur,
            plan,
            dict(segment.titles),
        )
    old_delegations = session.exec(select(Delegation).where(Delegation.meeting_id == original.id))
    for delegation in old_delegations.all():
        twin = Delegation(
            meeting_id=copy.id,
            code=delegation.code,
            category=delegation.category,
            names=dict(delegation.names),
            regional_group=delegation.regional_group,
        )
        session.add(twin)
        session.flush()
        assert twin.id is not None
        people = session.exec(
            select(Participant).where(Participant.delegation_id == delegation.id)
        ).all()
        for person in people:
            session.add(Participant(delegation_id=twin.id, name=person.name, head=person.head))
    session.flush()
    return copy


def _rehearsal_key(session: Session, key: str) -> str:
    taken = set(session.exec(select(Meeting.key)).all())
    number = 1
    while f"{key}-rehearsal-{number}" in taken:
        number += 1
    return f"{key}-rehearsal-{number}"
