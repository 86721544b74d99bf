"""O4 over HTTP on a segment whose window the programme file sets (not patched into its plan)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.db.engine import session_scope
from app.db.models import Room, Segment
from app.meeting import import_programme, load_programme_file
from tests.api_client import Api, serving
from tests.builders import Seeded

ZONE = ZoneInfo("America/Mexico_City")
PROGRAMME = """\
meeting: {key: file, title: A meeting from a file, timezone: America/Mexico_City}
delegations: people.csv
rooms:
  - {key: plenary, name: Plenary hall}
  - {key: annex, name: Annex}
formats:
  debate:
    rule: A8
    phases:
      - {key: debate, title: Debate, kind: floor, minutes: 60, eligible: states}
days:
  - number: 1
    date: 2017-12-04
    segments:
      - {key: morning, title: Morning debate, room: plenary, start: "10:00", end: "11:00",
         format: debate}
      - {key: afternoon, title: Afternoon debate, room: plenary, start: "15:00", end: "16:00",
         format: debate, inscription: {opens: "2017-12-03 09:00", deadline: "14:30"}}
      - {key: annex, title: Annex debate, room: annex, start: "10:00", end: "11:00",
         format: debate}
"""
PEOPLE = "code,category,name_en,name_fr,name_es,name_ru,name_zh,name_ar,regional_group\n"
PEOPLE += "MEX,member_state,,,,,,,\nGHA,member_state,,,,,,,\n"


# the tests' credentials are issued at tests.plans.START, 2017-12-04 10:45 (a secretariat's
# lasts 12 h), so the meeting is on that day
def local(day: int, hour: int, minute: int = 0) -> float:
    return datetime(2017, 12, day, hour, minute, tzinfo=ZONE).timestamp()


@pytest.fixture
def api(sqlite_url: str, engine: Engine, tmp_path: Path) -> Iterator[Api]:
    (tmp_path / "people.csv").write_text(PEOPLE, encoding="utf-8")
    (tmp_path / "file.yaml").write_text(PROGRAMME, encoding="utf-8")
    with session_scope(engine) as session:
        meeting = import_programme(session, load_programme_file(tmp_path / "file.yaml"))
        assert meeting.id is not None
        meeting_id = meeting.id
    with Session(engine) as session:
        rooms = session.exec(select(Room).order_by(col(Room.id))).all()
        segments = {s.key: s.id for s in session.exec(select(Segment)).all()}
    one, two = (r.id for r in rooms)
    assert one is not None
    assert two is not None
    afternoon, annex = segments["afternoon"], segments["annex"]
    assert afternoon is not None
    assert annex is not None
    with serving(sqlite_url, Seeded(meeting_id, (one, two), afternoon, annex)) as served:
        yield served


def inscribe(api: Api, who: str, delegation: str, n: int) -> Any:
    body = {
        "type": "inscribe",
        "command_id": f"inscribe-{n:04d}",
        "segment_id": api.seeded.action_group,  # the afternoon debate
        "delegation": delegation,
        "tier": "minister",
    }
    return api.post("inscriptions", body, api.tokens[who])


def test_O4_a_delegate_inscribes_within_the_window_the_file_sets(api: Api) -> None:
    api.clock.now = local(3, 8, 59)  # a minute before the window opens
    early = inscribe(api, "delegate", "MEX", 1)
    api.clock.now = local(4, 9)
    own = inscribe(api, "delegate", "MEX", 2)
    api.clock.now = local(4, 14, 31)  # past the deadline, before the segment
    late = inscribe(api, "secretariat", "GHA", 3)

    assert early.status_code == 409
    assert early.json()["code"] == "inscription.not_open_yet"
    assert own.status_code == 200, own.text
    assert own.json()["events"] == ["Inscribed"]  # the acknowledgement
    assert late.status_code == 409
    assert late.json()["code"] == "inscription.closed"
    api.clock.now = local(4, 15)
    api.do("programme", {"type": "open_segment", "segment_id": api.seeded.action_group})
    queue = api.waiting()
    assert [(q["delegation_id"], q["inscribed"]) for q in queue] == [("MEX", True)]
