"""O4: a segment's inscription window, read from the programme file with line and field."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.db import codec
from app.db.engine import session_scope
from app.db.models import Meeting, Segment
from app.errors import InvalidProgramme
from app.meeting import import_programme, parse_programme, rehearse
from app.timing.plan import InscriptionWindow, SegmentPlan
from tests.meeting.test_demo import demo

ZURICH = ZoneInfo("Europe/Zurich")

FILE = """\
meeting: {key: small, title: Small meeting, timezone: Europe/Zurich}
rooms:
  - {key: hall, name: Hall}
formats:
  debate:
    rule: A8
    phases:
      - {key: debate, title: Debate, kind: floor, minutes: 60, eligible: states}
days:
  - number: 1
    date: 2024-03-04
    segments:
      - {key: first, title: First, room: hall, start: "09:00", end: "10:00", format: debate}
      - key: second
        title: Second
        room: hall
        start: "14:00"
        end: "15:00"
        format: debate
        inscription: {opens: OPENS, deadline: DEADLINE}
"""


def with_window(opens: str, deadline: str) -> str:
    return FILE.replace("OPENS", opens).replace("DEADLINE", deadline)


def refusal(text: str) -> str:
    with pytest.raises(InvalidProgramme) as refused:
        parse_programme(text, "small.yaml")
    return refused.value.detail


def epoch(year: int, month: int, day: int, hour: int, minute: int) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=ZURICH).timestamp()


def test_O4_a_window_is_read_in_the_meetings_time_zone_into_the_segments_plan() -> None:
    programme = parse_programme(with_window('"2024-03-01 09:00"', '"13:30"'), "small.yaml")
    first, second = (s.plan for s in programme.segments)

    assert first.inscription is None  # no window: requests once the segment is open
    # 09:00 in Zurich on 1 March is 08:00 UTC; a bare "13:30" is on the segment's day
    assert second.inscription == InscriptionWindow(
        epoch(2024, 3, 1, 9, 0), epoch(2024, 3, 4, 13, 30)
    )


def test_O4_unquoted_times_read_as_yaml_makes_them() -> None:
    # YAML 1.1: 13:30 is the base-60 int 810, "2024-03-01 09:00:00" a datetime
    programme = parse_programme(with_window("2024-03-01 09:00:00", "13:30"), "small.yaml")
    window = programme.segments[1].plan.inscription
    assert window == InscriptionWindow(epoch(2024, 3, 1, 9, 0), epoch(2024, 3, 4, 13, 30))


def test_O4_the_deadline_after_the_start_or_not_after_the_opening_is_refused() -> None:
    late = refusal(with_window('"2024-03-01 09:00"', '"14:01"'))
    backwards = refusal(with_window('"2024-03-04 12:00"', '"2024-03-04 11:00"'))
    equal = refusal(with_window('"12:00"', '"12:00"'))

    assert late == (
        "small.yaml line 20, days.0.segments.1.inscription.deadline: the inscription's "
        "deadline is after the segment starts at 14:00: the inscribed list is the segment's "
        "queue when it opens (O4)"
    )
    expected = (
        "small.yaml line 20, days.0.segments.1.inscription.deadline: the inscription's "
        "deadline is not after it opens (O4)"
    )
    assert backwards == equal == expected
    # the segment's start itself is allowed: the window includes its deadline
    parse_programme(with_window('"12:00"', '"14:00"'), "small.yaml")


def test_O4_a_malformed_or_incomplete_window_is_refused_with_its_line_and_field() -> None:
    for wrong, why in (
        ('"2024-03-01"', "not '2024-03-01'"),  # a date without a time
        ('"tomorrow"', "not 'tomorrow'"),
        ('"2024-03-01 25:00"', "not '2024-03-01 25:00'"),
        ('"2024-02-30 09:00"', "'2024-02-30' is not a date"),
        ("2024-03-01 09:00:30", "no offset, no seconds"),  # YAML's timestamp
        ("2024-03-01 09:00:00+01:00", "no offset, no seconds"),
    ):
        detail = refusal(with_window(wrong, '"13:30"'))
        assert detail.startswith(
            "small.yaml line 20, days.0.segments.1.inscription.opens: a local date and time "
            '"YYYY-MM-DD HH:MM" (or "HH:MM", on the segment\'s day)'
        ), detail
        assert why in detail, detail
    missing = refusal(FILE.replace("{opens: OPENS, deadline: DEADLINE}", '{opens: "09:00"}'))
    # as for any field: an unwritten key has no line of its own: its mapping's, and its name
    assert "small.yaml line 20, days.0.segments.1.inscription.deadline: Field required" in missing
    typo = refusal(with_window('"09:00", closes: "10:00"', '"13:30"'))
    assert "inscription.closes: Extra inputs are not permitted" in typo


def test_O4_the_demo_opens_action_group_4_for_inscription_from_day_one() -> None:
    ag4 = next(s for s in demo().segments if s.key == "ag4")
    mexico = ZoneInfo("America/Mexico_City")
    assert ag4.plan.inscription == InscriptionWindow(
        datetime(2017, 12, 4, 9, 0, tzinfo=mexico).timestamp(),
        datetime(2017, 12, 5, 15, 0, tzinfo=mexico).timestamp(),
    )
    assert [s.key for s in demo().segments if s.plan.inscription is not None] == ["ag4"]


def test_O4_C1_a_rehearsal_moves_the_window_with_its_segment(engine: Engine) -> None:
    with session_scope(engine) as session:
        import_programme(session, parse_programme(with_window('"11:00"', '"13:30"'), "s.yaml"))
    now = 1_800_000_000.0  # the rehearsal's day 1 starts now
    with session_scope(engine) as session:
        copy = rehearse(session, "small", 1, now)
    with Session(engine) as session:
        rows = session.exec(select(Segment).where(Segment.meeting_id == copy.id)).all()
        original = session.exec(select(Meeting).where(Meeting.key == "small")).one()
        assert original.id != copy.id
    plan = codec.load(SegmentPlan, next(r.plan for r in rows if r.key == "second"))
    # first starts at 09:00 → now; the window is 11:00 to 13:30 of that day
    assert plan.inscription == InscriptionWindow(now + 2 * 3600, now + 4.5 * 3600)
