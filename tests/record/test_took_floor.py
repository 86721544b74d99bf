"""What counts as taking the floor (R4, issue 15): a meeting setting, 10 s unless it says otherwise.

An accidental grant cut after three seconds is still in the record (R1: the
engine heard it), but it is not an intervention in the statistics, and the
delegation is not listed as having taken the floor in the report (R3, A3).
The least a speech lasts is ``took_floor_seconds`` in the programme file's
``rules``, stored in ``Meeting.rules``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.db.engine import session_scope
from app.db.models import Meeting
from app.errors import InvalidProgramme
from app.meeting import import_programme, parse_programme
from tests.api_client import Api, serving
from tests.meeting.test_importer import SMALL
from tests.record.test_card import cards_path
from tests.record.test_record_routes import registered, segment_path


@pytest.fixture
def api(sqlite_url: str, engine: Engine) -> Iterator[Api]:
    with serving(sqlite_url, registered(engine)) as served:
        yield served


def cut_short(api: Api) -> None:
    """Welcome; MEX heard for 150 s; GHA granted and cut after 3 s; CHE waits."""
    api.do("programme", {"type": "open_segment", "segment_id": api.seeded.action_group})
    api.do("floor", {"type": "grant"}, after=5)
    api.do("speech", {"type": "start"}, after=2)
    api.do("speech", {"type": "end"}, after=240)
    api.do("programme", {"type": "close_phase"}, after=3)
    for code in ("MEX", "GHA", "CHE"):
        api.do("floor", {"type": "add_request", "delegation": code}, after=1)
    api.do("floor", {"type": "grant"}, after=10)  # MEX
    api.do("speech", {"type": "start"}, after=3)
    api.do("speech", {"type": "end"}, after=150)
    gha = next(r for r in api.waiting() if r["delegation_id"] == "GHA")
    api.do("floor", {"type": "grant", "request_id": gha["id"]}, after=5)
    api.do("speech", {"type": "start"}, after=2)
    api.do("speech", {"type": "end"}, after=3)  # the accidental cut


def set_took_floor_seconds(engine: Engine, meeting_id: int, seconds: float) -> None:
    with Session(engine) as session:
        meeting = session.get(Meeting, meeting_id)
        assert meeting is not None
        meeting.rules = {**meeting.rules, "took_floor_seconds": seconds}
        session.add(meeting)
        session.commit()


def test_R4_a_3_second_cut_is_not_an_intervention_in_the_statistics(api: Api) -> None:
    cut_short(api)

    stats = api.get(segment_path(api, "statistics"), "moderator").json()
    record = api.get(segment_path(api, "record"), "moderator").json()

    states = stats["by_group"]["member_states"]
    assert stats["took_floor_seconds"] == 10
    assert (states["interventions"], states["brief"], states["delegations_speaking"]) == (1, 1, 1)
    assert states["spoken_seconds"] == 150  # the cut's 3 s are in no sum
    assert stats["by_regional_group"]["african"]["interventions"] == 0
    assert stats["by_regional_group"]["african"]["brief"] == 1
    # the record keeps the cut as the engine ended it (R1)
    gha = next(i for i in record["interventions"] if i["delegation"] == "GHA")
    assert (gha["heard"], gha["spoken"]) == (True, 3)


def test_R4_R3_the_report_does_not_list_a_3_second_cut_as_taking_the_floor(api: Api) -> None:
    cut_short(api)

    report = api.get(cards_path(api, "report"), "rapporteur").json()

    assert report["speakers"]["heard"] == ["Mexico"]
    assert report["speakers"]["not_heard"] == ["Ghana", "Switzerland"]


def test_R4_the_minimum_is_the_meetings_setting(api: Api, engine: Engine) -> None:
    cut_short(api)
    set_took_floor_seconds(engine, api.seeded.meeting_id, 2)

    stats = api.get(segment_path(api, "statistics"), "moderator").json()
    report = api.get(cards_path(api, "report"), "rapporteur").json()

    states = stats["by_group"]["member_states"]
    assert stats["took_floor_seconds"] == 2
    assert (states["interventions"], states["brief"], states["delegations_speaking"]) == (2, 0, 2)
    assert report["speakers"]["heard"] == ["Mexico", "Ghana"]


def test_R4_took_floor_seconds_is_read_from_the_programme_files_rules(engine: Engine) -> None:
    with session_scope(engine) as session:
        default = import_programme(session, parse_programme(SMALL, "small.yaml"))
        other = SMALL.replace("key: small", "key: ruled", 1)
        ruled = other.replace("rooms:", "rules: {took_floor_seconds: 20}\nrooms:", 1)
        chosen = import_programme(session, parse_programme(ruled, "ruled.yaml"))
        assert default.rules["took_floor_seconds"] == 10
        assert chosen.rules["took_floor_seconds"] == 20
        assert chosen.rules["undo_seconds"] == 30  # the engine's rules are stored as before


@pytest.mark.parametrize(
    ("wrong", "why"),
    [
        ("-1", "greater than or equal to 0"),
        ("601", "less than or equal to 600"),
        ("soon", "a valid number"),
    ],
)
def test_R4_a_wrong_took_floor_seconds_is_refused_with_its_line_and_field(
    wrong: str, why: str
) -> None:
    text = SMALL.replace("rooms:", f"rules: {{took_floor_seconds: {wrong}}}\nrooms:", 1)

    with pytest.raises(InvalidProgramme) as refused:
        parse_programme(text, "small.yaml")

    assert refused.value.detail.startswith("small.yaml line 2, rules.took_floor_seconds:")
    assert why in refused.value.detail
