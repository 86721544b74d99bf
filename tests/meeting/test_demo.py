"""The demo meeting as shipped: the seeds' programme, imported (C1, A1-A8, T1-T4)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.category import Category
from app.config import DEMO_PROGRAMME
from app.db.engine import session_scope
from app.db.models import Day, Delegation, Meeting, Room, Segment
from app.meeting import Programme, import_programme, load_programme_file
from app.timing.plan import PhaseKind

VENUE = ZoneInfo("America/Mexico_City")


@cache
def demo() -> Programme:
    return load_programme_file(DEMO_PROGRAMME)


def local(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, VENUE).strftime("%Y-%m-%d %H:%M")


def segment(key: str) -> tuple[str, str, str]:
    """(room, start, end) of a demo segment, in the venue's time."""
    found = next(s for s in demo().segments if s.key == key)
    return found.room, local(found.plan.scheduled_start), local(found.plan.scheduled_end)


def test_C1_the_demo_has_three_days_of_the_provisional_agenda() -> None:
    days = {d.number: d.date.isoformat() for d in demo().days}
    assert days == {1: "2017-12-04", 2: "2017-12-05", 3: "2017-12-06"}
    per_day = [sum(1 for s in demo().segments if s.day == n) for n in (1, 2, 3)]
    assert per_day == [5, 8, 5]


def test_C1_times_are_the_agendas_in_the_venues_time_zone() -> None:
    assert segment("welcome-ceremony") == ("plenary", "2017-12-04 10:00", "2017-12-04 11:00")
    assert segment("panel-1") == ("plenary", "2017-12-04 11:00", "2017-12-04 13:00")
    assert segment("idea-lab") == ("plenary", "2017-12-04 16:30", "2017-12-04 17:55")
    assert segment("thematic-synthesis") == ("plenary", "2017-12-05 10:15", "2017-12-05 10:45")
    assert segment("reporting-session") == ("plenary", "2017-12-06 10:05", "2017-12-06 11:00")
    assert segment("concluding-session") == ("plenary", "2017-12-06 15:00", "2017-12-06 17:30")
    assert segment("closing-ceremony") == ("plenary", "2017-12-06 17:30", "2017-12-06 18:00")
    # 10:45 in Puerto Vallarta in December is 16:45 UTC (UTC-6, no daylight saving).
    first = next(s for s in demo().segments if s.key == "ag1")
    assert (
        first.plan.scheduled_start
        == datetime(2017, 12, 5, 16, 45, tzinfo=ZoneInfo("UTC")).timestamp()
    )


def test_C1_day_two_runs_six_action_groups_three_at_a_time_in_three_rooms() -> None:
    groups = [s for s in demo().segments if s.plan.format == "A1"]
    assert [g.key for g in groups] == ["ag1", "ag2", "ag3", "ag4", "ag5", "ag6"]
    assert {segment(k) for k in ("ag1", "ag2", "ag3")} == {
        (room, "2017-12-05 10:45", "2017-12-05 13:00") for room in ("plenary", "room-b", "room-c")
    }
    assert {segment(k) for k in ("ag4", "ag5", "ag6")} == {
        (room, "2017-12-05 15:30", "2017-12-05 18:00") for room in ("plenary", "room-b", "room-c")
    }


def test_the_action_groups_have_the_moderators_and_rapporteurs_of_the_letter() -> None:
    people = {s.key: (" / ".join(s.moderators), s.rapporteur) for s in demo().segments}
    assert "Marit Maij" in people["ag1"][0]
    assert "Omar Hilale" in people["ag1"][0]
    assert "Arturo Cabrera" in people["ag1"][1]
    assert "Chad" in people["ag2"][0]
    assert "Kornelios Korneliou" in people["ag2"][1]
    assert "Evan P. Garcia" in people["ag3"][0]
    assert "Lewis Garseedah Brown II" in people["ag3"][1]
    assert "Glen Linder" in people["ag4"][0]
    assert "Gillian Bird" in people["ag4"][1]
    assert "Omar Alnuaimi" in people["ag5"][0]
    assert "Janis Mažeiks" in people["ag5"][0]
    assert "Jürgen Schulz" in people["ag5"][1]
    assert "Ola Henrikson" in people["ag6"][0]
    assert "Niger" in people["ag6"][1]


def test_A1_an_action_group_runs_welcome_member_states_stakeholders_concluding() -> None:
    plan = next(s for s in demo().segments if s.key == "ag4").plan
    phases = [(p.key, p.kind, p.planned_seconds / 60) for p in plan.phases]
    assert phases == [
        ("welcome", PhaseKind.PROGRAMME, 5),
        ("member_states", PhaseKind.FLOOR, 75),
        ("stakeholders", PhaseKind.FLOOR, 12),
        ("concluding", PhaseKind.PROGRAMME, 5),
    ]
    welcome, states, stakeholders, concluding = plan.phases
    assert welcome.show_questions
    assert len(plan.questions) == 4
    assert plan.questions[0] == "What are your national priorities under this dimension?"
    assert states.max_seconds == 75 * 60  # A3
    assert states.yields
    assert states.eligible == {Category.MEMBER_STATE, Category.OBSERVER_STATE}  # P2, P3
    assert stakeholders.protected_slots == 4  # A4
    assert Category.MEMBER_STATE not in stakeholders.eligible
    assert Category.UN_SYSTEM in stakeholders.eligible
    assert [s.seconds for s in concluding.speakers] == [240, 60]  # rapporteur, then T4


def test_T1_to_T4_are_the_seeds_numbers_as_settings() -> None:
    rules = demo().rules
    assert rules.slot_seconds == 120  # T1
    assert rules.flex_seconds == 180  # T2
    assert rules.flex_rule
    assert rules.opening_seconds == 300  # T3
    assert rules.closing_seconds == 60  # T4
    assert rules.warning_seconds == 30  # T5
    assert not rules.hard_stop
    panel = next(s for s in demo().segments if s.key == "panel-1").plan
    assert [p.slot_seconds for p in panel.phases if p.key == "panellists"] == [300]  # T3


def test_A2_A5_A6_A8_formats_are_planned_to_their_segments_length() -> None:
    for draft in demo().segments:
        plan = draft.plan
        length = plan.scheduled_end - plan.scheduled_start
        planned = sum(p.planned_seconds for p in plan.phases)
        assert planned <= length, draft.key
        if plan.format != "A1":
            assert planned == length, draft.key
    reporting = next(s for s in demo().segments if s.key == "reporting-session").plan
    (reports,) = reporting.phases
    assert len(reports.speakers) == 6  # A6: six rapporteurs
    assert reports.slot_seconds is not None
    assert abs(6 * reports.slot_seconds - 55 * 60) < 1e-6  # equal shares
    idea = next(s for s in demo().segments if s.key == "idea-lab").plan
    assert [p.kind for p in idea.phases] == [
        PhaseKind.PROGRAMME,
        PhaseKind.PROGRAMME,
        PhaseKind.DISCUSSION,
        PhaseKind.FLOOR,
    ]
    assert len(idea.phases[1].speakers) == 3  # A5: three presenters


def test_the_demo_imports_with_its_delegations(engine: Engine) -> None:
    with session_scope(engine) as session:
        import_programme(session, demo(), source="demo")
    with Session(engine) as session:
        assert len(session.exec(select(Meeting)).all()) == 1
        assert len(session.exec(select(Day)).all()) == 3
        assert len(session.exec(select(Room)).all()) == 3
        segments = session.exec(select(Segment)).all()
        assert len(segments) == 18
        delegations = session.exec(select(Delegation)).all()
        states = [d for d in delegations if d.category == "member_state"]
        assert len(states) == 193
        assert sum(1 for d in delegations if d.category == "observer_state") == 2
        assert len(delegations) > 200  # and stakeholders of every kind
        assert {d.category for d in delegations} >= {
            "un_system", "igo", "nhri", "civil_society", "private_sector", "academia",
            "local_authority",
        }  # fmt: skip
        # plans carry database ids, which is how the engine knows rooms and segments
        assert all(s.plan["id"] == str(s.id) for s in segments)
        assert all(s.plan["room_id"] == str(s.room_id) for s in segments)
