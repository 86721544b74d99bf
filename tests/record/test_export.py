"""The record and its statistics as CSV and JSON (R1, R4)."""

from __future__ import annotations

import csv
import io
import json
from zoneinfo import ZoneInfo

from app.category import Category
from app.queue import (
    ClosePhase,
    GiveFloor,
    GrantFloor,
    OpenSegment,
    RequestFloor,
    StrikeRequest,
    Undo,
)
from app.record import Scope, build_record, statistics
from app.record.export import (
    COLUMNS,
    TALLY_FIELDS,
    record_csv,
    record_json,
    statistics_csv,
    statistics_json,
)
from app.timing import EndSpeech, StartSpeech
from tests.fakes import RoomLog, stakeholder, state
from tests.plans import MS_PHASE, START, action_group

VENUE = ZoneInfo("America/Mexico_City")


def small_record() -> RoomLog:
    """MEX heard, GHA closed not heard (A3), someone named by the moderator, IOM waiting."""
    room = RoomLog()
    room.do(OpenSegment(action_group()), START)
    room.do(ClosePhase(), MS_PHASE)
    room.do(RequestFloor(state("MEX")), MS_PHASE + 10)
    room.do(RequestFloor(state("GHA")), MS_PHASE + 11)
    room.do(RequestFloor(stakeholder("IOM", Category.UN_SYSTEM)), MS_PHASE + 12)
    room.do(GrantFloor(), MS_PHASE + 20)
    room.do(StartSpeech(), MS_PHASE + 25)
    room.do(ClosePhase(), MS_PHASE + 60)
    room.do(EndSpeech(), MS_PHASE + 145)
    room.do(GiveFloor("=HYPERLINK(1)", 60), MS_PHASE + 150)
    room.do(StartSpeech(), MS_PHASE + 151)
    room.do(EndSpeech(), MS_PHASE + 200)
    return room


def test_R1_the_csv_has_one_row_per_intervention_with_every_column() -> None:
    record = build_record(small_record().events)

    rows = list(csv.DictReader(io.StringIO(record_csv(record, VENUE))))

    assert len(rows) == len(record) == 4
    assert tuple(rows[0]) == COLUMNS
    mex = next(r for r in rows if r["delegation"] == "MEX")
    # START is 16:45 UTC on 4 December 2017: 10:50:25 at the venue (UTC-6, C1)
    assert mex["started_at"] == "2017-12-04T10:50:25-06:00"
    assert (mex["spoken"], mex["heard"], mex["outcome"]) == ("120.0", "yes", "heard")
    gha = next(r for r in rows if r["delegation"] == "GHA")
    assert (gha["heard"], gha["closed_reason"], gha["started_at"]) == ("no", "phase_ended", "")


def test_R1_a_name_a_spreadsheet_would_run_as_a_formula_is_quoted_in_the_csv() -> None:
    rows = list(csv.DictReader(io.StringIO(record_csv(build_record(small_record().events)))))

    named = next(r for r in rows if r["name"].endswith("HYPERLINK(1)"))
    assert named["name"] == "'=HYPERLINK(1)"
    assert named["delegation"] == ""


def test_R1_the_json_is_json_with_epoch_times_and_enum_values() -> None:
    record = build_record(small_record().events)

    data = json.loads(json.dumps(record_json(record)))

    mex = next(i for i in data if i["delegation"] == "MEX")
    assert set(mex) == set(COLUMNS)
    assert (mex["started_at"], mex["category"], mex["group"]) == (
        MS_PHASE + 25,
        "member_state",
        "member_states",
    )
    iom = next(i for i in data if i["delegation"] == "IOM")
    assert (iom["outcome"], iom["heard"], iom["group"]) == ("waiting", False, "un_system")


def test_R4_statistics_export_a_row_per_slice_and_the_table_1_groups() -> None:
    stats = statistics(build_record(small_record().events), scope=Scope.SEGMENT, key="ag1")

    rows = list(csv.DictReader(io.StringIO(statistics_csv(stats))))
    data = json.loads(json.dumps(statistics_json(stats)))

    total = next(r for r in rows if r["breakdown"] == "total")
    assert tuple(total)[4:] == TALLY_FIELDS
    assert (total["interventions"], total["not_heard"], total["requests"]) == ("2", "1", "3")
    states = next(r for r in rows if r["breakdown"] == "group" and r["slice"] == "member_states")
    assert (states["interventions"], states["not_heard"]) == ("1", "1")
    assert list(data["by_group"]) == [
        "member_states",
        "observer_states",
        "un_system",
        "other_stakeholders",
        "programme",
    ]
    assert data["by_group"]["un_system"]["requests"] == 1
    assert data["total"]["spoken_seconds"] == 120 + 49


def test_M3_M4_the_csv_keeps_a_struck_requests_reason_and_what_an_undo_brought_back() -> None:
    room = RoomLog()
    room.do(OpenSegment(action_group()), START)
    room.do(ClosePhase(), MS_PHASE)
    room.do(RequestFloor(state("MEX")), MS_PHASE + 10)
    room.do(RequestFloor(state("GHA")), MS_PHASE + 11)
    room.do(StrikeRequest("ag1.2", "=entered by mistake"), MS_PHASE + 12)
    room.do(GrantFloor(), MS_PHASE + 20)
    room.do(StartSpeech(), MS_PHASE + 25)
    room.do(EndSpeech(), MS_PHASE + 85)
    room.do(Undo(), MS_PHASE + 90)

    rows = list(csv.DictReader(io.StringIO(record_csv(build_record(room.events), VENUE))))

    mex = next(r for r in rows if r["delegation"] == "MEX")
    gha = next(r for r in rows if r["delegation"] == "GHA")
    assert (mex["outcome"], mex["undone"]) == ("speaking", "the end of MEX's speech")
    assert (gha["outcome"], gha["closed_reason"], gha["struck_reason"]) == (
        "not_heard",
        "struck",
        "'=entered by mistake",  # a formula is quoted, as any text typed by a moderator
    )
