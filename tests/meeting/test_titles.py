"""Segment titles per language (issue 15): the programme file or a CSV beside it gives them,
the database keeps them, a rehearsal copies them, and the demo programme has them in the six
languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.config import DEMO_PROGRAMME
from app.db.engine import session_scope
from app.db.models import Meeting, Segment
from app.errors import InvalidProgramme
from app.meeting import import_programme, load_programme_file, parse_programme, rehearse

TITLED = """\
meeting: {key: titled, title: Titled meeting, timezone: Europe/Zurich}
rooms:
  - {key: hall, name: Hall, language: ar}
formats:
  debate:
    rule: A8
    phases:
      - {key: debate, title: Debate, kind: floor, minutes: 60, eligible: states}
days:
  - number: 1
    date: 2024-03-04
    segments:
      - key: debate
        title: General debate
        titles: {ar: "المناقشة العامة", zh: "一般性辩论"}
        room: hall
        start: "09:00"
        end: "10:00"
        format: debate
"""


def test_segment_titles_per_language_are_imported_and_copied_by_a_rehearsal(
    engine: Engine,
) -> None:
    programme = parse_programme(TITLED, "titled.yaml")
    with session_scope(engine) as session:
        import_programme(session, programme)
    with session_scope(engine) as session:
        rehearse(session, "titled", 1, now=1_800_000_000.0)
    with Session(engine) as session:
        rows = session.exec(select(Segment, Meeting).where(Segment.meeting_id == Meeting.id))
        titles = {meeting.key: segment.titles for segment, meeting in rows.all()}
    expected = {"ar": "المناقشة العامة", "zh": "一般性辩论"}
    assert titles == {"titled": expected, "titled-rehearsal-1": expected}


def test_a_title_in_a_language_that_is_not_one_of_the_six_is_refused_with_its_line() -> None:
    with pytest.raises(InvalidProgramme) as refused:
        parse_programme(TITLED.replace("zh:", "de:"), "titled.yaml")
    assert "titled.yaml line 15, days.0.segments.0.titles" in refused.value.detail


def test_a_segment_without_titles_keeps_its_one_title() -> None:
    programme = parse_programme(
        TITLED.replace('        titles: {ar: "المناقشة العامة", zh: "一般性辩论"}\n', ""), "t.yaml"
    )
    assert programme.segments[0].titles == {}


def test_the_demo_programme_titles_every_segment_in_the_six_languages() -> None:
    programme = load_programme_file(Path(DEMO_PROGRAMME))
    assert programme.segments
    for segment in programme.segments:
        assert set(segment.titles) == {"ar", "zh", "fr", "es", "ru"}, segment.key
        assert all(title.strip() for title in segment.titles.values()), segment.key


def test_segment_titles_read_from_a_csv_beside_the_file(tmp_path: Path) -> None:
    (tmp_path / "titles.csv").write_text("key,fr,ru\ndebate,Débat général,\n", encoding="utf-8")
    path = tmp_path / "titled.yaml"
    path.write_text(TITLED + "segment_titles: titles.csv\n", encoding="utf-8")
    (segment,) = load_programme_file(path).segments
    assert segment.titles == {"fr": "Débat général", "ar": "المناقشة العامة", "zh": "一般性辩论"}
    (tmp_path / "titles.csv").write_text("key,fr\nnone,Aucun\n", encoding="utf-8")
    with pytest.raises(InvalidProgramme) as refused:
        load_programme_file(path)
    assert "no segment 'none'" in refused.value.detail
