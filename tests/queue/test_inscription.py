"""Inscription before the segment (O4), no-shows (O5), the draw of lots (O6).

Each test drives a room with a fake clock (``RoomLog`` at chosen instants): the
list takes inscriptions in its window, then the segment opens and the list is
its queue.
"""

from __future__ import annotations

from dataclasses import replace
from random import Random

import pytest

from app.category import Category
from app.db import codec
from app.errors import DomainError, FloorChanged, FloorRuleRefused, IllegalCommand, NotFound
from app.queue import (
    CloseSegment,
    DrawLots,
    FloorRequested,
    FloorRestored,
    GrantFloor,
    HearPointOfOrder,
    Inscribe,
    Inscribed,
    InscribedSpeakerAbsent,
    InscribedSpeakerDropped,
    InscriptionsSwapped,
    InscriptionWithdrawn,
    LotsDrawn,
    MarkAbsent,
    OpenSegment,
    RaisePointOfOrder,
    RequestFloor,
    RoomState,
    SwapInscriptions,
    Tier,
    Undo,
    WithdrawInscription,
    drawn_order,
    replay,
)
from app.queue.projection import project
from app.record import build_record
from app.record.interventions import Outcome
from app.room.store import EVENTS
from app.timing import InscriptionWindow, SegmentPlan, Speaker, StartSpeech
from tests.fakes import FRANCE, GHANA, PHILIPPINES, RoomLog, names, observer, stakeholder, state
from tests.plans import AUDIENCE, MIN, START, floor, segment

HOUR = 60 * MIN
OPENS, DEADLINE = START - 48 * HOUR, START - 2 * HOUR  # O4: the window, before the segment
MEXICO, CHILE, KENYA = state("MEX", "Mexico"), state("CHL", "Chile"), state("KEN", "Kenya")
HOLY_SEE = observer("VAT")


def debate(
    key: str = "gd", *, window: bool = True, rcp: frozenset[str] = frozenset()
) -> SegmentPlan:
    """A general debate: one floor phase of an hour, open to everyone but the programme."""
    plan = segment(
        key,
        f"General debate {key}",
        "GA",
        60,
        floor("debate", "General debate", 60, eligible=AUDIENCE),
        rcp_chairs=rcp,
    )
    return replace(plan, inscription=InscriptionWindow(OPENS, DEADLINE) if window else None)


PLAN = debate()


def inscribed(
    *entries: tuple[Speaker, Tier], plan: SegmentPlan = PLAN, log: RoomLog | None = None
) -> RoomLog:
    """A room whose list of ``plan`` has ``entries``, inscribed a minute apart from OPENS."""
    log = log or RoomLog()
    for n, (who, tier) in enumerate(entries):
        log.do(Inscribe(plan, who, tier), OPENS + n * MIN)
    return log


def listed(log: RoomLog, segment_id: str = PLAN.id) -> list[str]:
    """The delegations on a segment's list, in speaking order."""
    lists = [x for x in log.state.inscriptions if x.segment_id == segment_id]
    return [e.delegation_id for x in lists for e in x.entries]


def queue(log: RoomLog) -> list[str]:
    return [r.delegation_id for r in log.state.queue.waiting]


def code_of(error: pytest.ExceptionInfo[DomainError]) -> str:
    return error.value.code


# -- O4 the window -------------------------------------------------------------------------


def test_O4_inscription_opens_at_its_time_and_closes_at_its_deadline() -> None:
    log = RoomLog()
    with pytest.raises(FloorRuleRefused) as early:
        log.do(Inscribe(PLAN, FRANCE, Tier.MINISTER), OPENS - 90)
    assert (code_of(early), early.value.params["minutes"]) == ("inscription.not_open_yet", 2)
    log.do(Inscribe(PLAN, FRANCE, Tier.MINISTER), OPENS)
    log.do(Inscribe(PLAN, GHANA, Tier.MINISTER), DEADLINE)
    with pytest.raises(FloorRuleRefused) as late:
        log.do(Inscribe(PLAN, MEXICO, Tier.MINISTER), DEADLINE + 1)
    assert code_of(late) == "inscription.closed"
    assert listed(log) == ["FRA", "GHA"]


def test_O4_a_segment_without_a_window_takes_no_inscription() -> None:
    with pytest.raises(IllegalCommand) as refused:
        RoomLog().do(Inscribe(debate(window=False), FRANCE, Tier.MINISTER), OPENS)
    assert code_of(refused) == "inscription.no_window"


def test_O4_only_delegations_a_floor_phase_hears_are_inscribed() -> None:
    log = RoomLog()
    with pytest.raises(FloorRuleRefused) as panellist:
        log.do(Inscribe(PLAN, Speaker("P1", "Panellist", Category.PANELLIST), Tier.OTHER), OPENS)
    assert code_of(panellist) == "floor.by_programme"
    states_only = replace(
        PLAN, phases=(replace(PLAN.phases[0], eligible=frozenset({Category.MEMBER_STATE})),)
    )
    with pytest.raises(FloorRuleRefused) as not_heard:
        log.do(Inscribe(states_only, stakeholder("NGO1"), Tier.OTHER), OPENS)
    assert code_of(not_heard) == "floor.not_open_to"
    assert log.events == []


def test_O4_the_acknowledgement_is_the_event_from_the_page_or_the_secretariat() -> None:
    log = RoomLog()
    (own,) = log.do(Inscribe(PLAN, FRANCE, Tier.MINISTER), OPENS + 5)
    (entered,) = log.do(Inscribe(PLAN, GHANA, Tier.OTHER, by_secretariat=True), OPENS + 9)
    assert isinstance(own, Inscribed)
    assert isinstance(entered, Inscribed)
    assert (own.segment_id, own.title) == ("gd", "General debate gd")
    assert (own.inscription.inscribed_at, own.inscription.by_secretariat) == (OPENS + 5, False)
    assert (entered.inscription.tier, entered.inscription.by_secretariat) == (Tier.OTHER, True)


def test_O4_the_list_is_ordered_by_protocol_tier_then_time_of_inscription() -> None:
    log = inscribed(
        (FRANCE, Tier.HEAD_OF_DELEGATION),
        (GHANA, Tier.MINISTER),
        (MEXICO, Tier.HEAD_OF_STATE),
        (CHILE, Tier.MINISTER),
        (KENYA, Tier.OTHER),
        (PHILIPPINES, Tier.VICE_PRESIDENT),
        (HOLY_SEE, Tier.HEAD_OF_GOVERNMENT),
    )
    log.do(Inscribe(PLAN, state("PER", "Peru"), Tier.DEPUTY_MINISTER), DEADLINE)
    assert listed(log) == ["MEX", "VAT", "PHL", "GHA", "CHL", "PER", "FRA", "KEN"]


def test_O4_a_delegation_is_inscribed_once() -> None:
    log = inscribed((FRANCE, Tier.MINISTER), (GHANA, Tier.MINISTER))
    assert log.do(Inscribe(PLAN, FRANCE, Tier.MINISTER), OPENS + HOUR) == ()  # M2
    with pytest.raises(FloorRuleRefused) as other_level:
        log.do(Inscribe(PLAN, FRANCE, Tier.HEAD_OF_STATE), OPENS + HOUR)
    assert code_of(other_level) == "inscription.already"
    (withdrawn,) = log.do(WithdrawInscription(PLAN.id, "FRA"), OPENS + HOUR)
    assert isinstance(withdrawn, InscriptionWithdrawn)
    assert log.do(WithdrawInscription(PLAN.id, "FRA"), OPENS + HOUR) == ()  # M2
    assert log.do(WithdrawInscription("other", "FRA"), OPENS + HOUR) == ()
    log.do(Inscribe(PLAN, FRANCE, Tier.MINISTER), OPENS + 2 * HOUR)  # its time is the new one
    assert listed(log) == ["GHA", "FRA"]


def test_O4_two_speakers_of_one_tier_swap_places_with_the_secretariat() -> None:
    log = inscribed(
        (FRANCE, Tier.MINISTER), (GHANA, Tier.MINISTER), (MEXICO, Tier.OTHER), (CHILE, Tier.OTHER)
    )
    (swapped,) = log.do(SwapInscriptions(PLAN.id, "GHA", "FRA"), OPENS + HOUR)
    assert swapped == InscriptionsSwapped(OPENS + HOUR, "gd", "GHA", "FRA")
    assert listed(log) == ["GHA", "FRA", "MEX", "CHL"]
    assert log.do(SwapInscriptions(PLAN.id, "MEX", "MEX"), OPENS + HOUR) == ()
    with pytest.raises(FloorRuleRefused) as across:
        log.do(SwapInscriptions(PLAN.id, "FRA", "CHL"), OPENS + HOUR)
    assert code_of(across) == "inscription.swap_other_tier"
    with pytest.raises(NotFound) as unknown:
        log.do(SwapInscriptions(PLAN.id, "FRA", "KEN"), OPENS + HOUR)
    assert code_of(unknown) == "inscription.not_found"
    with pytest.raises(NotFound) as no_list:
        log.do(SwapInscriptions("later", "FRA", "GHA"), OPENS + HOUR)
    assert no_list.value.params["segment"] == "later"


# -- O4 the list becomes the queue ---------------------------------------------------------


def test_O4_the_inscribed_list_becomes_the_queue_when_the_segment_opens() -> None:
    log = inscribed((GHANA, Tier.OTHER), (HOLY_SEE, Tier.MINISTER), (FRANCE, Tier.MINISTER))
    opening = log.do(OpenSegment(PLAN), START)
    assert names(opening) == ["SegmentOpened", *["FloorRequested"] * 3]
    requests = [e.request for e in opening if isinstance(e, FloorRequested)]
    assert [(r.delegation_id, r.tier, r.place, r.inscribed) for r in requests] == [
        ("VAT", Tier.MINISTER, 0, True),
        ("FRA", Tier.MINISTER, 1, True),
        ("GHA", Tier.OTHER, 2, True),
    ]
    assert [r.requested_at for r in requests] == [OPENS + MIN, OPENS + 2 * MIN, OPENS]
    assert [r.id for r in requests] == ["gd.1", "gd.2", "gd.3"]
    assert log.state.inscriptions == ()  # the list is the queue now
    assert queue(log) == ["VAT", "FRA", "GHA"]
    (granted,) = log.do(GrantFloor(), START + 1)
    assert granted.allotment.speaker.id == "VAT"  # type: ignore[union-attr]
    assert not granted.allotment.out_of_order  # type: ignore[union-attr]


def test_O4_live_requests_follow_the_inscribed_list() -> None:
    log = inscribed((HOLY_SEE, Tier.OTHER), (stakeholder("NGO1"), Tier.OTHER))
    log.do(OpenSegment(PLAN), START)
    log.do(RequestFloor(MEXICO), START + 1)  # a Member State: rank 0, ahead of any live one
    log.do(RequestFloor(stakeholder("NGO2")), START + 2)
    log.do(RequestFloor(CHILE), START + 3)
    assert queue(log) == ["VAT", "NGO1", "MEX", "CHL", "NGO2"]
    assert [r.inscribed for r in log.state.queue.waiting] == [True, True, False, False, False]


def test_O4_an_rcp_chair_inscribed_keeps_its_place_in_the_list() -> None:
    plan = debate(rcp=frozenset({"GHA"}))
    log = inscribed((FRANCE, Tier.MINISTER), (GHANA, Tier.MINISTER), plan=plan)
    log.do(OpenSegment(plan), START)
    assert queue(log) == ["FRA", "GHA"]
    assert log.state.queue.waiting[1].rank == plan.rules.rcp_rank  # P4, shown as for any


def test_O4_lists_of_later_segments_are_kept_while_another_runs() -> None:
    later = debate("gd2")
    log = inscribed((FRANCE, Tier.MINISTER))
    log.do(OpenSegment(PLAN), START)
    (granted,) = log.do(GrantFloor(), START + 1)
    log.do(Inscribe(later, GHANA, Tier.MINISTER), DEADLINE)  # O4 window of gd2, meanwhile
    log.do(Inscribe(later, HOLY_SEE, Tier.HEAD_OF_STATE), DEADLINE)
    (restored,) = log.do(Undo(), START + 20)  # an inscription elsewhere spends no undo
    assert isinstance(restored, FloorRestored)
    assert listed(log, "gd2") == ["VAT", "GHA"]
    log.do(CloseSegment(), START + HOUR)
    assert listed(log, "gd2") == ["VAT", "GHA"]
    log.do(OpenSegment(later), START + HOUR + 1)
    assert queue(log) == ["VAT", "GHA"]
    assert replay(log.initial, log.events) == log.state


def test_O4_once_the_segment_is_open_its_list_takes_no_more_commands() -> None:
    log = inscribed((FRANCE, Tier.MINISTER), (GHANA, Tier.MINISTER))
    log.do(OpenSegment(PLAN), START)
    for command in (
        Inscribe(PLAN, MEXICO, Tier.MINISTER),
        WithdrawInscription(PLAN.id, "FRA"),
        SwapInscriptions(PLAN.id, "FRA", "GHA"),
        DrawLots(PLAN.id, Tier.MINISTER, "seed"),
    ):
        with pytest.raises(IllegalCommand) as refused:
            log.do(command, DEADLINE)
        assert code_of(refused) == "inscription.segment_open"


def test_O4_C3_estimated_starts_of_inscribed_speakers_follow_the_list() -> None:
    log = inscribed((GHANA, Tier.OTHER), (FRANCE, Tier.HEAD_OF_STATE), (MEXICO, Tier.MINISTER))
    log.do(OpenSegment(PLAN), START)
    log.do(RequestFloor(CHILE), START)
    projected = project(log.state, START)
    assert [p.delegation_id for p in projected.requests] == ["FRA", "MEX", "GHA", "CHL"]
    starts = [p.starts_at or 0.0 for p in projected.requests]
    assert all(p.reached for p in projected.requests)
    assert starts == sorted(starts)
    assert starts[0] == START


# -- O5 no-show ----------------------------------------------------------------------------


def test_O5_an_absent_speaker_moves_to_the_end_of_its_tier_then_is_dropped() -> None:
    log = inscribed(
        (FRANCE, Tier.MINISTER),
        (GHANA, Tier.MINISTER),
        (MEXICO, Tier.MINISTER),
        (CHILE, Tier.OTHER),
    )
    log.do(OpenSegment(PLAN), START)
    log.do(RequestFloor(KENYA), START + 1)
    france = log.state.queue.waiting[0]
    (absent,) = log.do(MarkAbsent(france.id), START + 10)
    assert isinstance(absent, InscribedSpeakerAbsent)
    assert not absent.called
    assert queue(log) == ["GHA", "MEX", "FRA", "CHL", "KEN"]
    (dropped,) = log.do(MarkAbsent(france.id), START + 20)
    assert isinstance(dropped, InscribedSpeakerDropped)
    assert queue(log) == ["GHA", "MEX", "CHL", "KEN"]
    record = build_record(log.events)
    row = next(i for i in record if i.delegation == "FRA")
    assert (row.outcome, row.closed_reason) == (Outcome.NOT_HEARD, "absent")
    assert replay(log.initial, log.events) == log.state


def test_O5_the_end_of_the_tier_is_after_every_one_moved_there_before() -> None:
    log = inscribed((FRANCE, Tier.MINISTER), (GHANA, Tier.MINISTER), (MEXICO, Tier.MINISTER))
    log.do(OpenSegment(PLAN), START)
    mexico = log.state.queue.waiting[2]
    log.do(MarkAbsent(mexico.id), START + 1)  # last already: stays last
    log.do(MarkAbsent(log.state.queue.waiting[0].id), START + 2)
    assert queue(log) == ["GHA", "MEX", "FRA"]


def test_O5_a_called_speaker_who_is_absent_leaves_the_floor_free() -> None:
    log = inscribed((FRANCE, Tier.MINISTER), (GHANA, Tier.MINISTER))
    log.do(OpenSegment(PLAN), START)
    log.do(GrantFloor(), START + 1)
    request_id = log.state.queue.granted.id  # type: ignore[union-attr]
    (absent,) = log.do(MarkAbsent(request_id), START + 30)
    assert isinstance(absent, InscribedSpeakerAbsent)
    assert absent.called
    assert (log.state.speech, log.state.queue.granted) == (None, None)
    assert queue(log) == ["GHA", "FRA"]
    log.do(GrantFloor(), START + 31)
    log.do(StartSpeech(), START + 31)
    with pytest.raises(FloorChanged):
        log.do(MarkAbsent(log.state.speech.request_id), START + 40)  # type: ignore[arg-type, union-attr]
    assert replay(log.initial, log.events) == log.state


def test_O5_a_second_absence_when_called_drops_it_and_the_record_says_so() -> None:
    log = inscribed((FRANCE, Tier.MINISTER))
    log.do(OpenSegment(PLAN), START)
    request_id = log.state.queue.waiting[0].id
    log.do(MarkAbsent(request_id), START + 1)
    log.do(GrantFloor(), START + 2)
    (dropped,) = log.do(MarkAbsent(request_id), START + 3)
    assert isinstance(dropped, InscribedSpeakerDropped)
    assert dropped.called
    assert (log.state.speech, queue(log)) == (None, [])
    record = build_record(log.events)
    assert [(i.delegation, i.outcome) for i in record] == [("FRA", Outcome.NOT_HEARD)]


def test_O5_an_absence_is_undone_like_a_withdrawal() -> None:
    log = inscribed((FRANCE, Tier.MINISTER), (GHANA, Tier.MINISTER))
    log.do(OpenSegment(PLAN), START)
    before = log.state.queue
    log.do(MarkAbsent(before.waiting[0].id), START + 1)
    assert log.state.undo is not None
    assert "France marked absent" in log.state.undo.what
    log.do(Undo(), START + 5)
    assert log.state.queue == before
    log.do(MarkAbsent(before.waiting[0].id), START + 6)
    log.do(MarkAbsent(log.state.queue.waiting[1].id), START + 7)
    assert log.state.undo is not None
    assert "dropped after a second absence" in log.state.undo.what


def test_O5_only_an_inscribed_request_is_marked_absent() -> None:
    log = inscribed((FRANCE, Tier.MINISTER))
    log.do(OpenSegment(PLAN), START)
    log.do(RequestFloor(GHANA), START + 1)
    with pytest.raises(IllegalCommand) as live:
        log.do(MarkAbsent(log.state.queue.waiting[1].id), START + 2)
    assert code_of(live) == "inscription.not_inscribed"
    with pytest.raises(NotFound):
        log.do(MarkAbsent("gd.99"), START + 2)


def test_O5_the_chair_rules_on_a_point_of_order_before_marking_anyone_absent() -> None:
    log = inscribed((FRANCE, Tier.MINISTER))
    log.do(OpenSegment(PLAN), START)
    log.do(RaisePointOfOrder(GHANA), START + 1)
    log.do(HearPointOfOrder(), START + 2)
    with pytest.raises(IllegalCommand) as refused:
        log.do(MarkAbsent(log.state.queue.waiting[0].id), START + 3)
    assert code_of(refused) == "point.being_heard"


# -- O6 draw of lots -----------------------------------------------------------------------

TEN = tuple(state(f"S{n:02d}") for n in range(10))


def test_O6_the_same_seed_draws_the_same_order_and_seeds_differ() -> None:
    codes = [s.id for s in TEN]
    assert drawn_order(codes, "2026-12-03") == drawn_order(list(reversed(codes)), "2026-12-03")
    orders = {drawn_order(codes, f"seed {n}") for n in range(5)}
    assert len(orders) > 1
    assert all(sorted(order) == codes for order in orders)


def test_O6_anyone_re_draws_it_from_the_published_seed() -> None:
    """The documented algorithm, written again here: Fisher-Yates over the sorted codes
    with ``Random(seed).random()``; and one published draw pinned, so it never changes."""
    codes = sorted(s.id for s in TEN)
    pool, draws = list(codes), Random("GA-80 general debate")
    for i in range(len(pool) - 1, 0, -1):
        j = int(draws.random() * (i + 1))
        pool[i], pool[j] = pool[j], pool[i]
    assert drawn_order(codes, "GA-80 general debate") == tuple(pool)
    assert drawn_order(["A", "B", "C", "D", "E"], "O6") == PINNED


PINNED = ("D", "B", "A", "E", "C")  # drawn_order(["A", "B", "C", "D", "E"], "O6") on 3.11


def test_O6_a_draw_orders_a_tier_and_the_event_publishes_seed_and_result() -> None:
    log = inscribed((MEXICO, Tier.HEAD_OF_STATE), *((s, Tier.MINISTER) for s in TEN))
    log.do(Inscribe(PLAN, CHILE, Tier.OTHER), OPENS + HOUR)
    (drawn,) = log.do(DrawLots(PLAN.id, Tier.MINISTER, "lot 7"), DEADLINE + 60)
    assert isinstance(drawn, LotsDrawn)
    assert drawn.candidates == tuple(sorted(s.id for s in TEN))
    assert drawn.drawn == drawn_order(drawn.candidates, drawn.seed)  # re-drawn from the event
    assert (drawn.seed, drawn.not_drawn) == ("lot 7", ())
    assert listed(log) == ["MEX", *drawn.drawn, "CHL"]
    log.do(OpenSegment(PLAN), START)
    assert queue(log) == ["MEX", *drawn.drawn, "CHL"]
    assert replay(log.initial, log.events) == log.state


def test_O6_k_of_n_applicants_keeps_the_first_k_drawn() -> None:
    log = inscribed(*((s, Tier.OTHER) for s in TEN))
    (drawn,) = log.do(DrawLots(PLAN.id, Tier.OTHER, "four", keep=4), DEADLINE)
    assert isinstance(drawn, LotsDrawn)
    assert drawn.drawn == drawn_order(drawn.candidates, "four")[:4]
    assert sorted(e.delegation_id for e in drawn.not_drawn) == sorted(
        set(drawn.candidates) - set(drawn.drawn)
    )
    assert listed(log) == list(drawn.drawn)


def test_O6_a_draw_needs_a_seed_a_tier_with_applicants_and_a_count_it_can_keep() -> None:
    log = inscribed((FRANCE, Tier.MINISTER), (GHANA, Tier.MINISTER))
    cases: list[tuple[DrawLots, type[DomainError], str]] = [
        (DrawLots(PLAN.id, Tier.MINISTER, "  "), IllegalCommand, "inscription.no_seed"),
        (DrawLots(PLAN.id, Tier.OTHER, "s"), NotFound, "inscription.tier_empty"),
        (DrawLots("later", Tier.OTHER, "s"), NotFound, "inscription.tier_empty"),
        (DrawLots(PLAN.id, Tier.MINISTER, "s", keep=3), IllegalCommand, "inscription.draw_count"),
        (DrawLots(PLAN.id, Tier.MINISTER, "s", keep=0), IllegalCommand, "inscription.draw_count"),
    ]
    for command, error, code in cases:
        with pytest.raises(error) as refused:
            log.do(command, DEADLINE)
        assert code_of(refused) == code


def test_O4_O5_O6_lists_and_their_events_survive_the_store_as_json() -> None:
    """A restart reloads the room's state and events from JSON (``app.room.store``)."""
    log = inscribed((FRANCE, Tier.MINISTER), (GHANA, Tier.MINISTER), (MEXICO, Tier.OTHER))
    log.do(SwapInscriptions(PLAN.id, "GHA", "FRA"), DEADLINE)
    log.do(DrawLots(PLAN.id, Tier.MINISTER, "x", keep=1), DEADLINE)
    before_opening = log.state
    log.do(OpenSegment(PLAN), START)
    log.do(MarkAbsent(log.state.queue.waiting[0].id), START + 1)
    assert codec.load(RoomState, codec.dump(before_opening)) == before_opening
    assert codec.load(RoomState, codec.dump(log.state)) == log.state
    assert [EVENTS.load(codec.dump_tagged(e)) for e in log.events] == log.events
