"""A programme file is refused with its field and line, never half-imported; rehearsals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.category import Category
from app.db import codec
from app.db.engine import session_scope
from app.db.models import Day, Delegation, Meeting, Room, Segment
from app.errors import InvalidProgramme, NotFound
from app.meeting import import_programme, load_programme_file, parse_programme, rehearse
from app.timing.plan import RepliesTaken, SegmentPlan

SMALL = """\
meeting: {key: small, title: Small meeting, timezone: Europe/Zurich}
rooms:
  - {key: hall, name: Hall}
  - {key: annex, name: Annex, language: fr}
formats:
  statements:
    rule: A7
    phases:
      - {key: speeches, title: Statements, kind: programme, minutes: 30,
         speakers: [{name: Chair}, {name: Guest, minutes: 10}]}
  debate:
    rule: A8
    phases:
      - {key: debate, title: Debate, kind: floor, minutes: 60, eligible: states}
days:
  - number: 1
    date: 2024-03-04
    segments:
      - {key: opening, title: Opening, room: hall, start: "09:00", end: "09:30",
         format: statements}
      - {key: debate-hall, title: Debate, room: hall, start: 09:30, end: 10:30, format: debate}
      - {key: debate-annex, title: Debate, room: annex, start: 09:30, end: 10:30,
         format: debate, rcp_chairs: [CHE]}
  - number: 2
    date: 2024-03-05
    segments:
      - {key: day-2, title: Day 2, room: hall, start: "14:00", end: "15:00", format: debate}
"""

DELEGATIONS = """\
code,category,name_en,name_fr,name_es,name_ru,name_zh,name_ar,regional_group
CHE,member_state,,,,,,,
BOL,member_state,,,,,,,
VAT,observer_state,,,,,,,
IOM,un_system,International Organization for Migration,,,,,,
"""


def refusal(text: str) -> str:
    with pytest.raises(InvalidProgramme) as refused:
        parse_programme(text, "small.yaml")
    return refused.value.detail


def write(tmp_path: Path, text: str = SMALL, delegations: str = DELEGATIONS) -> Path:
    (tmp_path / "people.csv").write_text(delegations, encoding="utf-8")
    path = tmp_path / "small.yaml"
    path.write_text(text + "delegations: people.csv\n", encoding="utf-8")
    return path


def test_C1_a_small_file_plans_its_segments_in_its_own_time_zone() -> None:
    programme = parse_programme(SMALL, "small.yaml")
    keys = [s.key for s in programme.segments]
    assert keys == ["opening", "debate-hall", "debate-annex", "day-2"]
    opening = programme.segments[0].plan
    # 09:00 in Zurich in March is 08:00 UTC; unquoted 09:30 (YAML's base 60) reads the same.
    assert opening.scheduled_start == 1_709_539_200.0
    assert programme.segments[1].plan.scheduled_start == opening.scheduled_end
    (speeches,) = opening.phases
    assert speeches.slot_seconds == 20 * 60  # what the guest's ten minutes leave the chair
    assert [s.seconds for s in speeches.speakers] == [None, 600]


def test_an_unknown_field_is_refused_with_its_line() -> None:
    detail = refusal(SMALL.replace("language: fr", "langage: fr"))
    assert detail.startswith("small.yaml line 4, rooms.1.langage:")
    assert "Extra inputs are not permitted" in detail


def test_a_wrong_value_is_refused_with_its_field_and_line() -> None:
    detail = refusal(SMALL.replace('start: "14:00"', 'start: "25:00"'))
    assert "small.yaml line 27, days.1.segments.0.start" in detail


def test_M3_the_undo_window_is_a_rule_of_the_file_30_s_unless_it_says_otherwise() -> None:
    assert parse_programme(SMALL, "small.yaml").rules.undo_seconds == 30
    ruled = SMALL.replace("rooms:", "rules: {undo_seconds: 45}\nrooms:", 1)
    programme = parse_programme(ruled, "small.yaml")
    assert programme.rules.undo_seconds == 45
    assert programme.segments[0].plan.rules.undo_seconds == 45  # frozen into each plan
    for wrong in ("0", "-5", "301"):
        detail = refusal(SMALL.replace("rooms:", f"rules: {{undo_seconds: {wrong}}}\nrooms:", 1))
        assert "small.yaml line 2, rules.undo_seconds" in detail


def _ruled(rules: str) -> str:
    """SMALL with a ``rules`` block on line 2."""
    return SMALL.replace("rooms:", f"rules: {{{rules}}}\nrooms:", 1)


def test_O1_the_point_of_order_rules_are_read_from_the_file_with_line_and_field() -> None:
    plain = parse_programme(SMALL, "small.yaml").rules
    assert (plain.point_of_order_seconds, plain.point_of_order_interrupts) == (300.0, True)
    programme = parse_programme(
        _ruled("point_of_order_minutes: 3, point_of_order_interrupts: false"), "small.yaml"
    )
    rules = programme.segments[0].plan.rules  # frozen into each plan
    assert (rules.point_of_order_seconds, rules.point_of_order_interrupts) == (180.0, False)
    for wrong in ("0", "-5", "1441", "soon"):
        detail = refusal(_ruled(f"point_of_order_minutes: {wrong}"))
        assert "small.yaml line 2, rules.point_of_order_minutes" in detail
    detail = refusal(_ruled("point_of_order_interrupts: sometimes"))
    assert "small.yaml line 2, rules.point_of_order_interrupts" in detail


def test_O8_the_speech_kinds_are_read_from_the_file_with_line_and_field() -> None:
    plain = parse_programme(SMALL, "small.yaml").rules
    assert (plain.alternate_stances, plain.interposed_questions) == (False, False)
    assert plain.interposed_question_seconds == 30.0
    programme = parse_programme(
        _ruled(
            "alternate_stances: true, interposed_questions: true, interposed_question_seconds: 20"
        ),
        "small.yaml",
    )
    rules = programme.segments[0].plan.rules  # frozen into each plan
    assert (rules.alternate_stances, rules.interposed_questions) == (True, True)
    assert rules.interposed_question_seconds == 20.0
    for wrong in ("0", "-5", "601", "soon"):
        detail = refusal(_ruled(f"interposed_question_seconds: {wrong}"))
        assert "small.yaml line 2, rules.interposed_question_seconds" in detail
    for field in ("alternate_stances", "interposed_questions"):
        detail = refusal(_ruled(f"{field}: sometimes"))
        assert f"small.yaml line 2, rules.{field}" in detail


def test_O2_the_right_of_reply_is_read_from_the_file_with_line_and_field() -> None:
    plain = parse_programme(SMALL, "small.yaml").rules
    assert (plain.reply_limits, plain.replies_taken) == ((), RepliesTaken.AT_END)  # none
    programme = parse_programme(
        _ruled("reply_minutes: [10, 5], replies_taken: called"), "small.yaml"
    )
    rules = programme.segments[0].plan.rules
    assert (rules.reply_limits, rules.replies_taken) == ((600.0, 300.0), RepliesTaken.WHEN_CALLED)
    detail = refusal(_ruled("reply_minutes: [10, 0]"))
    assert "small.yaml line 2, rules.reply_minutes.1" in detail
    detail = refusal(_ruled("reply_minutes: 10"))
    assert "small.yaml line 2, rules.reply_minutes" in detail
    detail = refusal(_ruled("replies_taken: tomorrow"))
    assert "small.yaml line 2, rules.replies_taken" in detail
    assert "'end' or 'called'" in detail


def test_a_segment_in_an_unknown_room_is_refused_with_its_line() -> None:
    detail = refusal(SMALL.replace("room: annex,", "room: attic,"))
    assert detail == (
        "small.yaml line 22, days.0.segments.2.room: no room 'attic' (rooms: annex, hall)"
    )


def test_two_segments_at_once_in_one_room_are_refused_but_parallel_rooms_are_fine() -> None:
    detail = refusal(SMALL.replace("room: annex,", "room: hall,"))
    assert "room 'hall' already holds 'debate-hall' at that time" in detail
    assert "days.0.segments.2.start" in detail


def test_phases_longer_than_their_segment_are_refused() -> None:
    detail = refusal(SMALL.replace('end: "09:30"', 'end: "09:20"'))
    assert "its phases plan 30 minutes in a 20-minute segment" in detail


def test_an_end_before_the_start_and_an_unknown_zone_are_refused() -> None:
    assert "ends before it starts" in refusal(SMALL.replace('end: "15:00"', 'end: "13:00"'))
    assert "unknown time zone 'Europe/Atlantis'" in refusal(
        SMALL.replace("Europe/Zurich", "Europe/Atlantis")
    )


def test_a_yaml_syntax_error_names_its_line() -> None:
    detail = refusal(SMALL.replace("rooms:\n", "rooms: [\n", 1))
    assert detail.startswith("small.yaml line ")
    assert "not valid YAML" in detail


def test_P4_an_rcp_chair_must_be_a_registered_member_state(tmp_path: Path) -> None:
    programme = load_programme_file(write(tmp_path))
    assert programme.segments[2].plan.rcp_chairs == {"CHE"}
    with pytest.raises(InvalidProgramme, match=r"'IOM' is not a registered Member State \(P4\)"):
        load_programme_file(write(tmp_path, SMALL.replace("[CHE]", "[IOM]")))


def test_P1_a_states_iso_code_is_enough_for_its_six_names_and_regional_group(
    tmp_path: Path,
) -> None:
    rows = {d.code: d for d in load_programme_file(write(tmp_path)).delegations}
    bolivia = rows["BOL"]
    assert bolivia.category is Category.MEMBER_STATE
    assert bolivia.names["en"] == "Bolivia (Plurinational State of)"
    assert set(bolivia.names) == {"en", "fr", "es", "ru", "zh", "ar"}
    assert bolivia.regional_group == "latin_american_caribbean"
    assert rows["VAT"].names["en"] == "Holy See"
    assert rows["IOM"].names == {"en": "International Organization for Migration"}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("XYZ,member_state,,,,,,,", "'XYZ' is not a UN Member or observer State code"),
        ("ABC,lobby,Lobby,,,,,,", "unknown category 'lobby'"),
        ("CHE,member_state,,,,,,,", "delegation 'CHE' is listed twice"),
        ("NGO,civil_society,,,,,,,", "'NGO' needs name_en"),
        ("KEN,member_state,,,,,,,martian", "unknown regional group 'martian'"),
        ("PAN,panellist,A panel,,,,,,", "speaks by programme"),
    ],
)
def test_a_bad_delegation_row_is_refused_with_its_line(
    tmp_path: Path, row: str, message: str
) -> None:
    with pytest.raises(InvalidProgramme) as refused:
        load_programme_file(write(tmp_path, delegations=DELEGATIONS + row + "\n"))
    assert refused.value.detail.startswith("people.csv line 6: ")
    assert message in refused.value.detail


def test_a_csv_saved_with_lone_carriage_returns_reads_as_lines(tmp_path: Path) -> None:
    old_mac = DELEGATIONS.replace("\n", "\r")
    rows = load_programme_file(write(tmp_path, delegations=old_mac)).delegations
    assert [r.code for r in rows] == ["CHE", "BOL", "VAT", "IOM"]


def test_a_csv_that_is_not_csv_is_refused_with_its_line(tmp_path: Path) -> None:
    broken = DELEGATIONS + 'NGO,civil_society,"An unterminated\n'
    with pytest.raises(InvalidProgramme, match=r"^people.csv line \d+: not readable as CSV"):
        # a field over csv's own 128 KiB bound, in a file allowed to be that large
        load_programme_file(
            write(tmp_path, delegations=broken + "x" * 200_000), max_csv_bytes=300_000
        )


def test_a_bad_file_leaves_the_database_as_it_was(engine: Engine, tmp_path: Path) -> None:
    good = load_programme_file(write(tmp_path))
    with session_scope(engine) as session:
        import_programme(session, good)
    with pytest.raises(InvalidProgramme, match="a meeting 'small' exists already"):
        with session_scope(engine) as session:
            import_programme(session, good)
    with Session(engine) as session:
        assert len(session.exec(select(Meeting)).all()) == 1
        assert len(session.exec(select(Segment)).all()) == 4
        assert len(session.exec(select(Delegation)).all()) == 4


def test_an_import_interrupted_before_its_commit_writes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    programme = load_programme_file(write(tmp_path))

    def crash_after_writing() -> None:
        with session_scope(engine) as session:
            import_programme(session, programme)
            session.flush()  # every row is written, none is committed
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError, match="power cut"):
        crash_after_writing()
    with Session(engine) as session:
        assert session.exec(select(Meeting)).all() == []
        assert session.exec(select(Room)).all() == []
        assert session.exec(select(Segment)).all() == []
        assert session.exec(select(Delegation)).all() == []


def test_C1_a_rehearsal_copies_the_meeting_so_that_day_n_starts_now(
    engine: Engine, tmp_path: Path
) -> None:
    with session_scope(engine) as session:
        import_programme(session, load_programme_file(write(tmp_path)))
    now = 1_800_000_000.0
    with session_scope(engine) as session:
        copy = rehearse(session, "small", 2, now)
        again = rehearse(session, "small", 1, now)
    assert copy.key == "small-rehearsal-1"
    assert again.key == "small-rehearsal-2"
    with Session(engine) as session:
        original = session.exec(select(Meeting).where(Meeting.key == "small")).one()
        rows = session.exec(select(Segment).where(Segment.meeting_id == copy.id)).all()
        before = session.exec(select(Segment).where(Segment.meeting_id == original.id)).all()
        by_key = {s.key: s for s in rows}
        assert by_key["day-2"].scheduled_start == now
        shift = now - {s.key: s for s in before}["day-2"].scheduled_start
        for old in before:
            assert by_key[old.key].scheduled_start == old.scheduled_start + shift
            plan = codec.load(SegmentPlan, by_key[old.key].plan)
            assert plan.scheduled_start == old.scheduled_start + shift
            assert plan.id == str(by_key[old.key].id)
        assert {s.room_id for s in rows}.isdisjoint({s.room_id for s in before})
        days = session.exec(select(Day).where(Day.meeting_id == copy.id)).all()
        assert {d.number for d in days} == {1, 2}
        assert (
            len(session.exec(select(Delegation).where(Delegation.meeting_id == copy.id)).all()) == 4
        )
    with pytest.raises(NotFound, match=r"has no day 9 \(days: 1, 2\)"):
        with session_scope(engine) as session:
            rehearse(session, "small", 9, now)


def test_the_import_command_refuses_a_bad_file_with_one_line_and_status_2(
    sqlite_url: str, tmp_path: Path
) -> None:
    bad = write(tmp_path, SMALL.replace("room: annex,", "room: attic,"))
    env = {"DATABASE_URL": sqlite_url, "PATH": "/usr/bin:/bin"}
    run = subprocess.run(
        [sys.executable, "-m", "app.cli", "import", str(bad)],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert run.returncode == 2
    assert run.stderr.strip() == (
        "floorkeeper: small.yaml line 22, days.0.segments.2.room: "
        "no room 'attic' (rooms: annex, hall)"
    )
    good = write(tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "app.cli", "import", str(good)],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "imported 'small'" in run.stdout


def test_O7_allotments_by_category_and_capacity_are_read_from_the_file() -> None:
    plain = parse_programme(SMALL, "small.yaml").rules
    assert (plain.category_seconds, plain.capacity_seconds) == ((), None)  # the slot, T1
    ruled = _ruled("category_minutes: {member_state: 3, observer_state: 2}, capacity_minutes: 5")
    rules = parse_programme(ruled, "small.yaml").segments[0].plan.rules
    assert rules.category_allotment(Category.MEMBER_STATE) == 180.0
    assert rules.category_allotment(Category.OBSERVER_STATE) == 120.0
    assert rules.category_allotment(Category.NHRI) is None
    assert rules.capacity_seconds == 300.0
    detail = refusal(_ruled("category_minutes: {member_state: 0}"))
    assert "small.yaml line 2, rules.category_minutes.member_state" in detail
    detail = refusal(_ruled("category_minutes: {council: 3}"))
    assert "small.yaml line 2, rules.category_minutes.council" in detail
    detail = refusal(_ruled("capacity_minutes: -1"))
    assert "small.yaml line 2, rules.capacity_minutes" in detail


CONTINGENTS = """\
rules:
  contingent_exhausted: refuse
  contingents:
    - {group: Greens, minutes: 10, members: [CHE, BOL]}
    - {group: western_european_other, minutes: 20, per: meeting}
"""

GROUPED = DELEGATIONS.replace(
    "CHE,member_state,,,,,,,", "CHE,member_state,,,,,,,western_european_other"
)


def test_O9_contingents_are_read_from_the_file_members_by_code_or_regional_group(
    tmp_path: Path,
) -> None:
    programme = load_programme_file(
        write(tmp_path, SMALL.replace("rooms:", CONTINGENTS + "rooms:", 1), GROUPED)
    )
    rules = programme.segments[0].plan.rules
    greens, weog = rules.contingents
    assert (greens.group, greens.seconds, greens.per.value) == ("Greens", 600.0, "segment")
    assert greens.members == frozenset({"CHE", "BOL"})
    assert (weog.seconds, weog.per.value, weog.members) == (1200.0, "meeting", frozenset({"CHE"}))
    assert rules.contingent_exhausted.value == "refuse"


def test_O9_a_contingents_errors_name_their_line_and_field(tmp_path: Path) -> None:
    def with_rules(text: str) -> str:
        return SMALL.replace("rooms:", text + "rooms:", 1)

    detail = refusal(with_rules(CONTINGENTS.replace("minutes: 10", "minutes: 0")))
    assert "small.yaml line 5, rules.contingents.0.minutes" in detail
    detail = refusal(with_rules(CONTINGENTS.replace("per: meeting", "per: week")))
    assert "small.yaml line 6, rules.contingents.1.per" in detail
    detail = refusal(with_rules(CONTINGENTS.replace("refuse", "shout")))
    assert "small.yaml line 3, rules.contingent_exhausted" in detail
    detail = refusal(
        with_rules(CONTINGENTS.replace("group: western_european_other", "group: Greens"))
    )
    assert "rules.contingents" in detail
    assert "Greens given twice" in detail
    with pytest.raises(InvalidProgramme) as refused:
        load_programme_file(write(tmp_path, with_rules(CONTINGENTS.replace("BOL", "XYZ"))))
    assert "small.yaml line 5, rules.contingents.0.members.1" in refused.value.detail
    assert "'XYZ' is not a registered delegation" in refused.value.detail
    unknown = CONTINGENTS.replace("group: western_european_other", "group: Nordics")
    detail = refusal(with_rules(unknown))
    assert "small.yaml line 6, rules.contingents.1.group" in detail
