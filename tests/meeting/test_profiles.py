"""Rule profiles (O10): a body's rules as a data file, named by the meeting or a segment."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.category import Category
from app.config import DEMO_PROGRAMME
from app.db import codec
from app.db.engine import session_scope
from app.db.models import Meeting, Segment
from app.errors import InvalidProgramme
from app.meeting import floor_rules, import_programme, load_programme_file, parse_programme
from app.meeting.profiles import PROFILES, known_profiles, load_profile, read_profile
from app.timing.plan import FloorRules, RepliesTaken, SegmentPlan, YieldKind

PROFILES_DEMO = DEMO_PROGRAMME.parent / "profiles-demo.yaml"
SHIPPED = (
    "action_group",
    "cop_plenary",
    "ga_plenary",
    "hrc_interactive_dialogue",
    "model_un",
    "parliament",
)

SMALL = """\
meeting: {key: small, title: Small meeting, timezone: Europe/Zurich}
rooms: [{key: hall, name: Hall}]
formats:
  debate:
    rule: A8
    phases: [{key: debate, title: Debate, kind: floor, minutes: 60, eligible: all}]
days:
  - number: 1
    date: 2024-03-04
    segments:
      - {key: first, title: First, room: hall, start: "09:00", end: "10:00", format: debate}
      - {key: second, title: Second, room: hall, start: "10:00", end: "11:00", format: debate}
"""


def small(head: str = "", second: str = "") -> str:
    """SMALL with ``head`` before its rooms (line 2 on) and ``second`` in its second segment."""
    text = SMALL.replace("rooms:", f"{head}rooms:", 1)
    last = 'end: "11:00", format: debate'
    return text.replace(f"{last}}}", f"{last}{second}}}")


def refusal(text: str, name: str = "small.yaml") -> str:
    with pytest.raises(InvalidProgramme) as refused:
        parse_programme(text, name)
    return refused.value.detail


def profile_refusal(text: str) -> str:
    with pytest.raises(InvalidProgramme) as refused:
        read_profile(text, "bad")
    return refused.value.detail


def test_O10_six_profiles_are_shipped_each_with_a_title_and_its_sources() -> None:
    assert known_profiles() == SHIPPED
    for key in SHIPPED:
        profile = load_profile(key)
        assert profile is not None
        assert profile.key == key
        assert profile.title
        assert profile.sources
        assert all(len(s) > 20 for s in profile.sources)
    assert load_profile("no_such_body") is None


def test_O10_the_action_group_profile_is_exactly_the_seeds_defaults() -> None:
    """The seeds' informal meeting is what a meeting without a profile runs: no field set."""
    profile = load_profile("action_group")
    assert profile is not None
    assert profile.rules.model_fields_set == set()
    assert floor_rules(profile.rules) == FloorRules()


def test_O10_each_profile_carries_its_bodys_numbers() -> None:
    def rules(key: str) -> FloorRules:
        profile = load_profile(key)
        assert profile is not None
        return floor_rules(profile.rules)

    ga = rules("ga_plenary")
    assert ga.reply_limits == (600.0, 300.0)  # decision 34/401
    assert (ga.replies_taken, ga.point_of_order_interrupts) == (RepliesTaken.AT_END, True)
    assert (ga.slot_seconds, ga.flex_seconds) == (900.0, None)
    hrc = rules("hrc_interactive_dialogue")
    assert hrc.category_allotment(Category.MEMBER_STATE) == 180.0
    others = set(Category) - {Category.MEMBER_STATE, Category.OBSERVER_STATE}
    for category in {Category.OBSERVER_STATE, Category.NHRI, Category.CIVIL_SOCIETY}:
        assert hrc.category_allotment(category) == 120.0
    assert {c for c in others if hrc.category_allotment(c) is None} == {
        Category.PANELLIST,
        Category.PRESENTER,
        Category.OFFICIAL,
    }  # the programme's speakers request nothing
    assert hrc.reply_limits == (180.0, 120.0)
    cop = rules("cop_plenary")
    assert (cop.slot_seconds, cop.capacity_seconds, cop.flex_seconds) == (180.0, 300.0, None)
    mun = rules("model_un")
    assert mun.point_of_order_interrupts is False
    assert mun.slot_seconds == 90.0
    assert mun.yield_kinds == frozenset(YieldKind)  # O11: the three yields
    assert (mun.moderated_caucuses, mun.caucus_seconds, mun.caucus_speaker_seconds) == (
        True,
        600.0,
        60.0,
    )
    for other in (
        "action_group",
        "ga_plenary",
        "hrc_interactive_dialogue",
        "cop_plenary",
        "parliament",
    ):
        assert rules(other).yield_kinds == frozenset()  # O11: a yield is refused there
        assert rules(other).moderated_caucuses is False
    house = rules("parliament")
    assert (house.alternate_stances, house.interposed_questions) == (True, True)
    assert house.interposed_question_seconds == 30.0
    assert [(c.group, c.seconds) for c in house.contingents] == [
        ("african", 1200.0),
        ("asia_pacific", 1200.0),
        ("eastern_european", 900.0),
        ("latin_american_caribbean", 900.0),
        ("western_european_other", 900.0),
    ]
    assert all(not c.members for c in house.contingents)  # the programme's CSV fills them


def test_O10_a_profile_file_is_refused_with_its_line_and_field() -> None:
    """The importer's own errors: profiles/<key>.yaml, the line, the field path."""
    good = "title: A body\nsources: [its rules of procedure]\n"
    detail = profile_refusal(good + "slot_minutes: -1\n")
    assert "profiles/bad.yaml line 3, slot_minutes" in detail
    detail = profile_refusal(good + "reply_minutes: [10, 0]\n")
    assert "profiles/bad.yaml line 3, reply_minutes.1" in detail
    detail = profile_refusal(good + "slot_minuts: 3\n")
    assert "profiles/bad.yaml line 3, slot_minuts" in detail
    detail = profile_refusal("sources: [its rules]\nslot_minutes: 3\n")
    assert "profiles/bad.yaml line 1, title: Field required" in detail  # names the field
    detail = profile_refusal(good + "contingents:\n  - {group: Greens, minutes: 10}\n")
    assert "profiles/bad.yaml line 4, contingents.0.group" in detail
    assert "not a UN regional group" in detail
    members = "contingents:\n  - {group: african, minutes: 10, members: [AGO]}\n"
    assert "profiles/bad.yaml line 4, contingents.0.members" in profile_refusal(good + members)
    detail = profile_refusal(good + "slot_minutes: *two\n")
    assert "profiles/bad.yaml line 3: YAML aliases (*two) are not accepted" in detail


def test_O10_a_shipped_file_is_a_programmes_rules_block_with_a_title_and_sources() -> None:
    """The same fields, the same syntax: the file's rules as a programme's ``rules:`` block
    plan exactly the profile's rules."""
    for path in sorted(PROFILES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        profile = read_profile(path.read_text(encoding="utf-8"), path.stem)
        assert set(data) == {"title", "sources"} | profile.rules.model_fields_set
        block = {k: v for k, v in data.items() if k not in ("title", "sources")}
        programme = parse_programme(small(f"rules: {json.dumps(block)}\n"), "small.yaml")
        assert programme.rules == floor_rules(profile.rules), path.name


def test_O10_a_meetings_profile_is_overridden_by_the_fields_its_rules_block_sets() -> None:
    programme = parse_programme(
        small("profile: ga_plenary\nrules: {slot_minutes: 2, flex_minutes: 3}\n"), "small.yaml"
    )
    for segment in programme.segments:
        rules = segment.plan.rules
        assert (rules.slot_seconds, rules.flex_seconds) == (120.0, 180.0)  # the block's
        assert rules.reply_limits == (600.0, 300.0)  # the profile's
    assert programme.rules == programme.segments[0].plan.rules


def test_O10_the_meeting_is_stored_with_its_profiles_rules(engine: Engine) -> None:
    """``Meeting.rules`` (what the record and the screens read) is the profile's too."""
    text = small("profile: ga_plenary\nrules: {took_floor_seconds: 5}\n")
    with session_scope(engine) as session:
        import_programme(session, parse_programme(text, "small.yaml"))
    with Session(engine) as session:
        stored = session.exec(select(Meeting)).one().rules
    assert (stored["reply_limits"], stored["slot_seconds"]) == ([600.0, 300.0], 900.0)
    assert stored["took_floor_seconds"] == 5


def test_O10_a_field_the_block_writes_overrides_the_profile_even_with_its_default() -> None:
    """Explicit means written (``model_fields_set``), not different from the default."""
    written = small("profile: model_un\nrules: {point_of_order_interrupts: true}\n")
    assert parse_programme(written, "small.yaml").rules.point_of_order_interrupts is True
    unwritten = small("profile: model_un\nrules: {warning_seconds: 20}\n")
    rules = parse_programme(unwritten, "small.yaml").rules
    assert (rules.point_of_order_interrupts, rules.warning_seconds) == (False, 20.0)


def test_O10_a_segment_profile_replaces_the_meetings_rules() -> None:
    """Profile and block alike: the segment runs its profile as shipped."""
    text = small(
        "profile: ga_plenary\nrules: {slot_minutes: 2, undo_seconds: 60}\n",
        second=", profile: hrc_interactive_dialogue",
    )
    first, second = (s.plan.rules for s in parse_programme(text, "small.yaml").segments)
    assert (first.slot_seconds, first.undo_seconds, first.reply_limits) == (120.0, 60.0, (600, 300))
    hrc = load_profile("hrc_interactive_dialogue")
    assert hrc is not None
    assert second == floor_rules(hrc.rules)
    assert (second.slot_seconds, second.undo_seconds, second.reply_limits) == (
        120.0,
        30.0,
        (180, 120),
    )
    assert second.category_allotment(Category.MEMBER_STATE) == 180.0


def test_O10_an_unknown_profile_is_refused_with_its_line_field_and_the_known_keys() -> None:
    known = ", ".join(SHIPPED)
    detail = refusal(small("profile: un_security_council\n"))
    unknown = "no rule profile 'un_security_council'"
    assert detail == f"small.yaml line 2, profile: {unknown} (profiles: {known}) (O10)"
    detail = refusal(small(second=", profile: senate"))
    assert "small.yaml line 12, days.0.segments.1.profile: no rule profile 'senate'" in detail
    assert f"(profiles: {known})" in detail
    detail = refusal(small("profile: ../secrets\n"))  # a key, never a path
    assert "small.yaml line 2, profile: String should match pattern" in detail


def _demo_copy(tmp_path: Path, head: str = "") -> Path:
    """The seeds' demo programme and its CSVs in ``tmp_path``, ``head`` before its rules."""
    for csv in DEMO_PROGRAMME.parent.glob("*.csv"):
        shutil.copy(csv, tmp_path / csv.name)
    text = DEMO_PROGRAMME.read_text(encoding="utf-8")
    assert "\nrules:\n" in text
    path = tmp_path / DEMO_PROGRAMME.name
    path.write_text(text.replace("\nrules:\n", f"\n{head}rules:\n", 1), encoding="utf-8")
    return path


def test_O10_without_a_profile_the_seeds_demo_plans_are_what_they_were(tmp_path: Path) -> None:
    """No profile anywhere: every plan has the meeting's rules block, as before O10; and
    naming the action group profile, which sets nothing, changes no plan at all."""
    demo = load_programme_file(DEMO_PROGRAMME)
    assert demo.source.profile is None
    expected = floor_rules(demo.source.rules, demo.delegations)
    assert demo.rules == expected
    assert all(s.plan.rules == expected for s in demo.segments)
    assert all(s.plan.rules.reply_limits == () for s in demo.segments)  # no GA numbers
    named = load_programme_file(_demo_copy(tmp_path, "profile: action_group\n"))
    assert [codec.dump(s.plan) for s in named.segments] == [
        codec.dump(s.plan) for s in demo.segments
    ]
    assert named.rules == demo.rules


def test_O10_the_profiles_demo_imports_each_segment_with_its_profiles_numbers(
    engine: Engine,
) -> None:
    programme = load_programme_file(PROFILES_DEMO)
    with session_scope(engine) as session:
        import_programme(session, programme, source="profiles-demo")
    with Session(engine) as session:
        rows = session.exec(select(Segment).order_by(col(Segment.id))).all()
        plans = {row.key: codec.load(SegmentPlan, row.plan).rules for row in rows}
    assert [s.profile for d in programme.source.days for s in d.segments] == [
        "action_group",
        "ga_plenary",
        "hrc_interactive_dialogue",
        "cop_plenary",
        "model_un",
        "parliament",
    ]
    assert plans["action-group"] == FloorRules()
    assert plans["ga-plenary"].reply_limits == (600.0, 300.0)
    assert plans["ga-plenary"].slot_seconds == 900.0
    assert plans["hrc-dialogue"].category_allotment(Category.MEMBER_STATE) == 180.0
    assert plans["hrc-dialogue"].category_allotment(Category.OBSERVER_STATE) == 120.0
    assert plans["hrc-dialogue"].reply_limits == (180.0, 120.0)
    assert (plans["cop-plenary"].slot_seconds, plans["cop-plenary"].capacity_seconds) == (180, 300)
    assert plans["model-un"].point_of_order_interrupts is False
    house = plans["parliament"]
    assert house.alternate_stances
    assert house.interposed_questions
    regions = {d.code: d.regional_group for d in programme.delegations}
    for contingent in house.contingents:  # O9: the regional group's members, from the CSV
        assert contingent.members
        assert {regions[code] for code in contingent.members} == {contingent.group}
