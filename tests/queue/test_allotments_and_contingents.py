"""Allotments by category and capacity (O7) and groups' time contingents (O9).

Each test drives a room with a fake clock (``RoomLog`` at chosen instants): an
HRC-like general debate (3 minutes for Council members, 2 for observer States,
other observers, NHRIs and NGOs), or a parliament-like debate where political
groups have a time budget drawn down by their members' speeches.
"""

from __future__ import annotations

import pytest

from app.category import Category
from app.errors import FloorRuleRefused
from app.queue import (
    CloseSegment,
    ContingentDrawn,
    ContingentShort,
    ContingentWarned,
    GrantFloor,
    HearPointOfOrder,
    OpenSegment,
    RaisePointOfOrder,
    RequestFloor,
    RulePointOfOrder,
    Tick,
    Undo,
    contingents_left,
    replay,
)
from app.timing import (
    Basis,
    Contingent,
    ContingentExhausted,
    ContingentPer,
    EndSpeech,
    FloorRules,
    Speaker,
    StartSpeech,
)
from app.timing.plan import SegmentPlan
from tests.fakes import RoomLog, observer, stakeholder, state
from tests.plans import AUDIENCE, MIN, START, floor, segment

HRC = FloorRules(
    category_seconds=(
        (Category.MEMBER_STATE, 180.0),
        (Category.OBSERVER_STATE, 120.0),
        (Category.IGO, 120.0),
        (Category.NHRI, 120.0),
        (Category.CIVIL_SOCIETY, 120.0),
    ),
    capacity_seconds=300.0,
)
GREENS = Contingent("Greens", 300.0, members=frozenset({"deu", "aut"}))
LIBERALS = Contingent("Liberals", 600.0, per=ContingentPer.MEETING, members=frozenset({"fra"}))
DEU, AUT, FRA, ITA = state("deu"), state("aut"), state("fra"), state("ita")


def debate(rules: FloorRules, key: str = "gd", start: float = START) -> SegmentPlan:
    """One floor phase of an hour, open to every delegation that may ask."""
    debating = floor("debate", "General debate", 60, eligible=AUDIENCE)
    return segment(key, "General debate", "A8", 60, debating, rules=rules, start=start)


def room(rules: FloorRules, *delegations: Speaker) -> RoomLog:
    log = RoomLog()
    log.do(OpenSegment(debate(rules)), START)
    for n, who in enumerate(delegations):
        log.do(RequestFloor(who), START + n)
    return log


def granted(log: RoomLog, now: float) -> tuple[str, Basis, float]:
    log.do(GrantFloor(), now)
    s = log.state.speech
    assert s is not None
    return s.speaker.id, s.basis, s.seconds


def speak(log: RoomLog, now: float, seconds: float) -> float:
    """Next speaker, who speaks ``seconds`` and ends; returns when they ended."""
    log.do(GrantFloor(), now)
    log.do(StartSpeech(), now)
    log.do(EndSpeech(), now + seconds)
    return now + seconds


def parliament(exhausted: ContingentExhausted = ContingentExhausted.WARN) -> FloorRules:
    return FloorRules(contingents=(GREENS, LIBERALS), contingent_exhausted=exhausted)


def left(log: RoomLog) -> dict[str, float]:
    assert log.state.segment is not None
    return dict(contingents_left(log.state.segment.plan.rules, log.state.queue.drawn))


# -- O7: allotments by category and capacity -----------------------------------------


def test_O7_hrc_members_get_three_minutes_the_others_two() -> None:
    ngo, nhri = stakeholder("ngo"), stakeholder("nhri", Category.NHRI)
    log = room(HRC, state("che"), observer("vat"), ngo, nhri)
    t = START + 10
    seen = []
    for _ in range(4):
        seen.append(granted(log, t))
        log.do(StartSpeech(), t)
        t += 10
    assert seen == [
        ("che", Basis.CATEGORY, 180.0),
        ("vat", Basis.CATEGORY, 120.0),
        ("ngo", Basis.CATEGORY, 120.0),
        ("nhri", Basis.CATEGORY, 120.0),
    ]


def test_O7_a_category_allotment_replaces_the_flex() -> None:
    """T2 would give 3 minutes to a lone speaker; the category's 2 minutes stand."""
    log = room(HRC, observer("vat"))
    assert granted(log, START + 5) == ("vat", Basis.CATEGORY, 120.0)


def test_O7_a_category_without_its_own_allotment_keeps_slot_and_flex() -> None:
    log = room(HRC, stakeholder("unicef", Category.UN_SYSTEM))
    assert granted(log, START + 5) == ("unicef", Basis.FLEX, 180.0)


def test_O7_a_statement_on_behalf_of_a_group_gets_the_longer_allotment() -> None:
    log = room(HRC)
    log.do(RequestFloor(state("pak"), speaks_for="OIC"), START + 1)
    log.do(RequestFloor(state("che")), START + 2)
    assert log.state.queue.waiting[0].speaks_for == "OIC"
    assert granted(log, START + 5) == ("pak", Basis.CAPACITY, 300.0)
    log.do(StartSpeech(), START + 5)
    assert granted(log, START + 400) == ("che", Basis.CATEGORY, 180.0)


def test_O7_without_a_capacity_allotment_a_group_statement_gets_the_usual_time() -> None:
    log = room(
        FloorRules(),
    )
    log.do(RequestFloor(state("pak"), speaks_for="OIC"), START + 1)
    assert granted(log, START + 5) == ("pak", Basis.FLEX, 180.0)


def test_O7_the_moderators_own_allotment_beats_category_and_capacity() -> None:
    log = room(HRC)
    log.do(RequestFloor(state("pak"), speaks_for="OIC"), START + 1)
    log.do(GrantFloor(seconds=90.0), START + 5)
    assert log.state.speech is not None
    assert (log.state.speech.basis, log.state.speech.seconds) == (Basis.OVERRIDE, 90.0)


# -- O9: time contingents ---------------------------------------------------------------


def test_O9_a_contingent_is_drawn_down_by_every_speech_of_its_members() -> None:
    log = room(parliament(), DEU, ITA, AUT)
    t = speak(log, START + 10, 100)
    drawn = [e for e in log.events if isinstance(e, ContingentDrawn)]
    assert drawn == [ContingentDrawn(t, "Greens", ContingentPer.SEGMENT, "deu", 100.0, 200.0)]
    t = speak(log, t, 50)  # Italy is in no group
    t = speak(log, t, 30)
    assert left(log) == {"Greens": 170.0, "Liberals": 600.0}


def test_O9_a_point_of_order_draws_nothing() -> None:
    log = room(parliament())
    log.do(RaisePointOfOrder(DEU), START + 1)
    log.do(HearPointOfOrder(), START + 2)
    log.do(StartSpeech(), START + 2)
    log.do(RulePointOfOrder("ruled out of order"), START + 60)
    assert left(log)["Greens"] == 300.0
    assert not [e for e in log.events if isinstance(e, ContingentDrawn)]


def test_O9_warn_a_member_short_of_time_is_given_the_floor_with_a_warning() -> None:
    log = room(parliament(), DEU, AUT)
    t = speak(log, START + 10, 200)  # Greens: 100 s left, the slot is 120 (or 180)
    events = log.do(GrantFloor(), t)
    warned = [e for e in events if isinstance(e, ContingentWarned)]
    assert warned == [ContingentWarned(t, "Greens", "aut", 100.0, 180.0, ContingentShort.SHORT)]
    assert log.state.speech is not None
    assert (log.state.speech.speaker.id, log.state.speech.seconds) == ("aut", 180.0)


def test_O9_refuse_a_member_of_a_group_with_nothing_left_is_refused() -> None:
    log = room(parliament(ContingentExhausted.REFUSE), DEU, AUT)
    t = speak(log, START + 10, 300)
    with pytest.raises(FloorRuleRefused) as refused:
        log.do(GrantFloor(), t + 1)
    assert refused.value.code == "contingent.exhausted"
    assert refused.value.params["group"] == "Greens"
    assert log.state.speech is None


def test_O9_refuse_caps_the_allotment_at_what_the_group_has_left() -> None:
    log = room(parliament(ContingentExhausted.REFUSE), DEU, AUT)
    t = speak(log, START + 10, 250)
    assert granted(log, t) == ("aut", Basis.CONTINGENT, 50.0)
    assert not [e for e in log.events if isinstance(e, ContingentWarned)]


def test_O9_never_below_zero_without_a_warning_even_in_overtime() -> None:
    log = room(parliament(ContingentExhausted.REFUSE), DEU, AUT)
    t = speak(log, START + 10, 250)
    t = speak(log, t, 80)  # capped at 50 s, spoke 80: 30 s overtime
    assert left(log)["Greens"] == -30.0
    warned = [e for e in log.events if isinstance(e, ContingentWarned)]
    assert warned == [ContingentWarned(t, "Greens", "aut", -30.0, 80.0, ContingentShort.OVERDRAWN)]


def test_O9_a_segments_contingent_starts_afresh_a_meetings_is_kept() -> None:
    log = room(parliament(), DEU, FRA)
    t = speak(log, START + 10, 100)
    t = speak(log, t, 100)
    log.do(CloseSegment(), t)
    log.do(OpenSegment(debate(parliament(), key="gd2", start=START + 2 * 3600)), START + 7200)
    assert left(log) == {"Greens": 300.0, "Liberals": 500.0}


def test_O9_undo_of_next_speaker_gives_the_group_its_seconds_back() -> None:
    log = room(parliament(), DEU, AUT)
    log.do(GrantFloor(), START + 10)
    log.do(StartSpeech(), START + 10)
    log.do(GrantFloor(), START + 110)  # "next speaker": Germany's 100 s are drawn
    assert left(log)["Greens"] == 200.0
    log.do(Undo(), START + 115)
    assert left(log)["Greens"] == 300.0
    assert log.state.speech is not None
    assert log.state.speech.speaker.id == "deu"
    assert replay(log.initial, log.events) == log.state


def test_O9_undo_of_a_grant_with_a_warning_restores_the_floor() -> None:
    log = room(parliament(), DEU, AUT)
    t = speak(log, START + 10, 250)
    log.do(GrantFloor(), t + 5)  # warned: 50 s left
    log.do(Undo(), t + 6)
    assert log.state.speech is None
    assert left(log)["Greens"] == 50.0
    assert [r.delegation_id for r in log.state.queue.waiting] == ["aut"]


def test_O9_the_moderators_allotment_meets_the_contingent_too() -> None:
    log = room(parliament(ContingentExhausted.REFUSE), DEU, AUT)
    t = speak(log, START + 10, 250)
    log.do(GrantFloor(seconds=10 * MIN), t)
    assert log.state.speech is not None
    assert (log.state.speech.basis, log.state.speech.seconds) == (Basis.CONTINGENT, 50.0)


def test_O9_T5_a_capped_allotment_shorter_than_the_warning_warns_at_its_start() -> None:
    log = room(parliament(ContingentExhausted.REFUSE), DEU, AUT)
    t = speak(log, START + 10, 290)  # Greens: 10 s left, the warning is 30 s
    assert granted(log, t) == ("aut", Basis.CONTINGENT, 10.0)
    log.do(StartSpeech(), t + 1)
    events = log.do(Tick(), t + 1)
    assert [type(e).__name__ for e in events] == ["WarningReached"]
    assert events[0].at == t + 1


def test_O9_a_speech_ended_before_it_started_draws_nothing() -> None:
    log = room(parliament(), DEU)
    log.do(GrantFloor(), START + 10)
    log.do(EndSpeech(), START + 20)
    assert left(log)["Greens"] == 300.0
    assert not [e for e in log.events if isinstance(e, ContingentDrawn)]
