"""The record and statistics through the HTTP API, from commands sent over HTTP (R1, R4)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.db.models import Delegation, Participant
from app.record.export import COLUMNS
from tests.api_client import Api, serving
from tests.builders import Seeded, seed_meeting

REGIONS = {"MEX": "latin_american_caribbean", "GHA": "african", "CHE": "western_european_other"}


def _register(engine: Engine) -> None:
    """Regional groups for the States; participants registered for Switzerland and the Holy See."""
    with Session(engine) as session:
        for row in session.exec(select(Delegation)).all():
            row.regional_group = REGIONS.get(row.code, "")
            session.add(row)
            if row.code in ("CHE", "VAT"):
                assert row.id is not None
                session.add(Participant(delegation_id=row.id, name="Head of delegation", head=True))
        session.commit()


def registered(engine: Engine) -> Seeded:
    """The test meeting, its States in their regional groups, two delegations' participants."""
    seeded = seed_meeting(engine)
    _register(engine)
    return seeded


@pytest.fixture
def api(sqlite_url: str, engine: Engine) -> Iterator[Api]:
    with serving(sqlite_url, registered(engine)) as served:
        yield served


def run_part_of_an_action_group(api: Api) -> None:
    """Welcome; Member States: MEX heard, CHE out of order, GHA not heard (A3); IOM waits."""
    api.do("programme", {"type": "open_segment", "segment_id": api.seeded.action_group})
    api.do("floor", {"type": "grant"}, after=5)  # the moderator's welcome (T3)
    api.do("speech", {"type": "start"}, after=2)
    api.do("speech", {"type": "end"}, after=240)
    api.do("programme", {"type": "close_phase"}, after=3)
    api.do("requests", {"type": "request", "delegation": "MEX"}, who="delegate", after=10)
    for code in ("GHA", "CHE", "IOM"):
        api.do("floor", {"type": "add_request", "delegation": code}, after=1)
    api.do("floor", {"type": "grant"}, after=10)  # MEX, first by the rules (P2)
    api.do("speech", {"type": "start"}, after=3)
    api.do("speech", {"type": "end"}, after=150)
    che = next(r for r in api.waiting() if r["delegation_id"] == "CHE")
    api.do("floor", {"type": "grant", "request_id": che["id"]}, after=5)  # ahead of GHA
    api.do("speech", {"type": "start"}, after=2)
    api.do("programme", {"type": "close_phase"}, after=30)  # A3: CHE finishes, GHA closes
    api.do("speech", {"type": "end"}, after=60)


def segment_path(api: Api, what: str) -> str:
    return f"/api/rooms/{api.room}/segments/{api.seeded.action_group}/{what}"


def test_R1_the_segments_record_as_json_has_each_intervention_with_its_fields(api: Api) -> None:
    run_part_of_an_action_group(api)

    response = api.get(segment_path(api, "record"))

    assert response.status_code == 200, response.text
    data = response.json()
    assert (data["scope"], data["key"], data["timezone"]) == (
        "segment",
        "ag1",
        "America/Mexico_City",
    )
    lines = {i["delegation"] or i["name"]: i for i in data["interventions"]}
    assert list(lines) == ["Moderator", "MEX", "CHE", "GHA", "IOM"]
    assert all(set(i) == set(COLUMNS) for i in data["interventions"])
    mex, che, gha, iom = (lines[c] for c in ("MEX", "CHE", "GHA", "IOM"))
    assert (mex["room"], mex["day"], mex["phase"], mex["regional_group"]) == (
        "Plenary hall",
        "2017-12-05",
        "member_states",
        "latin_american_caribbean",
    )
    assert (mex["heard"], mex["spoken"], mex["out_of_order"], mex["name"]) == (
        True,
        150,
        False,
        "Mexico",
    )
    assert mex["ended_at"] - mex["started_at"] == 150
    assert (che["heard"], che["out_of_order"], che["spoken"]) == (True, True, 90)
    assert (gha["heard"], gha["outcome"], gha["closed_reason"]) == (
        False,
        "not_heard",
        "phase_ended",
    )
    assert gha["on_behalf"] is True
    assert (iom["outcome"], iom["group"]) == ("waiting", "un_system")


def test_R1_the_segments_record_as_csv_parses_with_a_filename(api: Api) -> None:
    run_part_of_an_action_group(api)

    response = api.get(segment_path(api, "record.csv"), "rapporteur")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="record-ag1.csv"'
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["delegation"] for r in rows] == ["", "MEX", "CHE", "GHA", "IOM"]
    assert [r["heard"] for r in rows] == ["yes", "yes", "yes", "no", "no"]
    assert rows[2]["out_of_order"] == "yes"
    assert rows[1]["started_at"].endswith("-06:00")  # the meeting's time zone


def test_R4_segment_day_and_meeting_statistics_count_table_1(api: Api) -> None:
    run_part_of_an_action_group(api)
    meeting = api.seeded.meeting_id

    segment = api.get(segment_path(api, "statistics"), "moderator").json()
    day = api.get(f"/api/meetings/{meeting}/days/2/statistics").json()
    whole = api.get(f"/api/meetings/{meeting}/statistics").json()

    states = segment["by_group"]["member_states"]
    assert (states["interventions"], states["not_heard"], states["out_of_order"]) == (2, 1, 1)
    assert (states["delegations_attending"], states["delegations_speaking"]) == (3, 2)
    assert segment["by_group"]["un_system"]["requests"] == 1
    assert segment["by_group"]["programme"]["interventions"] == 1
    assert segment["total"]["spoken_seconds"] == 240 + 150 + 90
    assert segment["by_regional_group"]["african"]["not_heard"] == 1
    assert {s["group"]: s["interventions"] for s in segment["regional_balance"]} == {
        "african": 0,
        "latin_american_caribbean": 0.5,
        "western_european_other": 0.5,
    }
    assert day["total"]["interventions"] == whole["total"]["interventions"] == 3
    # MEX, GHA, CHE and IOM asked; the Holy See only registered, which counts outside a
    # segment (registration does not say which of the parallel rooms it sat in)
    assert segment["total"]["delegations_attending"] == 4
    assert day["total"]["delegations_attending"] == whole["total"]["delegations_attending"] == 5
    assert day["by_group"]["observer_states"]["delegations_attending"] == 1


def test_R4_statistics_as_csv_with_a_filename(api: Api) -> None:
    run_part_of_an_action_group(api)

    response = api.get(f"/api/meetings/{api.seeded.meeting_id}/statistics.csv")

    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == 'attachment; filename="statistics-test.csv"'
    rows = list(csv.DictReader(io.StringIO(response.text)))
    total = next(r for r in rows if r["breakdown"] == "total")
    assert (total["scope"], total["interventions"], total["not_heard"]) == ("meeting", "3", "1")


@pytest.mark.parametrize(
    ("who", "path"),
    [
        (None, "segment"),
        ("display", "segment"),
        ("delegate", "segment"),
        ("other_moderator", "segment"),
        ("moderator", "meeting"),
        ("rapporteur", "meeting"),
    ],
)
def test_the_record_is_refused_to_those_who_may_not_read_it(
    api: Api, who: str | None, path: str
) -> None:
    url = (
        segment_path(api, "record")
        if path == "segment"
        else f"/api/meetings/{api.seeded.meeting_id}/record.csv"
    )
    response = api.client.get(url, headers=api.tokens[who] if who else {})

    assert response.status_code == 403
    assert response.json()["error"] == "NotAllowed"
    assert response.json()["detail"]


def test_a_segment_of_another_room_or_a_missing_day_is_a_404(api: Api) -> None:
    wrong_room = api.get(f"/api/rooms/{api.room}/segments/{api.seeded.panel}/record")
    no_day = api.get(f"/api/meetings/{api.seeded.meeting_id}/days/9/statistics")
    no_meeting = api.get("/api/meetings/999/record")
    not_a_number = api.get("/api/meetings/abc/record")

    assert (wrong_room.status_code, no_day.status_code, no_meeting.status_code) == (404, 404, 404)
    assert "no segment" in wrong_room.json()["detail"]
    assert "no day 9" in no_day.json()["detail"]
    assert not_a_number.status_code == 422


def test_R1_a_segment_not_yet_opened_has_an_empty_record(api: Api) -> None:
    data = api.get(segment_path(api, "record")).json()
    stats = api.get(segment_path(api, "statistics")).json()

    assert data["interventions"] == []
    assert stats["total"]["interventions"] == 0
