"""The right of reply (O2): its own list, taken at the end or when the chair calls it.

Each test drives a room with a fake clock (``RoomLog`` at chosen instants): a
general debate with one floor phase (GA-style limits of 10 and 5 minutes), or
the seeds' action group with the same limits.
"""

from __future__ import annotations

import pytest

from app.errors import FloorChanged, FloorRuleRefused, IllegalCommand
from app.queue import (
    CallReplies,
    ClosePhase,
    CloseSegment,
    CloseSpeakersList,
    FloorGranted,
    GrantFloor,
    HearPointOfOrder,
    OpenSegment,
    RaisePointOfOrder,
    RepliesCalled,
    ReplyRequested,
    ReplyReturned,
    ReplyWithdrawn,
    RequestFloor,
    RequestReply,
    RoomState,
    RulePointOfOrder,
    Undo,
    WithdrawReply,
    apply,
    replay,
)
from app.queue.projection import project
from app.record import Scope, build_record, statistics
from app.record.interventions import Outcome
from app.record.report import speakers
from app.timing import (
    AllotmentOverridden,
    Basis,
    EndSpeech,
    FloorRules,
    RepliesTaken,
    SetAllotment,
    Speaker,
    StartSpeech,
)
from app.timing.plan import SegmentPlan
from tests.fakes import FRANCE, GHANA, PHILIPPINES, RoomLog, names, stakeholder, waiting
from tests.fakes import member_state_room as action_group_room
from tests.plans import MIN, START, STATES, floor, segment

GA = FloorRules(reply_limits=(600.0, 300.0))  # decision 34/401: 10 and 5 minutes
T = START + 60


def debate(rules: FloorRules = GA) -> SegmentPlan:
    """A general debate: one floor phase of Member States (so the last floor phase)."""
    debating = floor("debate", "General debate", 180, eligible=STATES)
    return segment("gd", "General debate", "A8", 180, debating, rules=rules)


def room(*delegations: Speaker, rules: FloorRules = GA) -> RoomLog:
    """The debate open since START; each delegation (France and the Philippines if none
    is named) asks for the floor, one second apart."""
    log = RoomLog()
    log.do(OpenSegment(debate(rules)), START)
    for n, who in enumerate(delegations or (FRANCE, PHILIPPINES)):
        log.do(RequestFloor(who), START + n)
    return log


def speak(log: RoomLog, now: float, seconds: float = 60.0) -> float:
    """Next speaker, who speaks ``seconds`` and ends; returns when they ended."""
    log.do(GrantFloor(), now)
    log.do(StartSpeech(), now)
    log.do(EndSpeech(), now + seconds)
    return now + seconds


def on_floor(log: RoomLog) -> tuple[str, Basis, float] | None:
    s = log.state.speech
    return None if s is None else (s.speaker.id, s.basis, s.seconds)


def replies(log: RoomLog) -> list[str]:
    return [r.delegation_id for r in log.state.queue.replies]


def test_O2_a_reply_joins_its_own_list_apart_from_the_speakers_list() -> None:
    log = room()
    (asked,) = log.do(RequestReply(GHANA), T)

    assert isinstance(asked, ReplyRequested)
    assert (asked.reply.delegation_id, asked.reply.requested_at, asked.reply.on_behalf) == (
        "GHA",
        T,
        False,
    )
    assert replies(log) == ["GHA"]
    assert waiting(log) == ["FRA", "PHL"]  # the speakers' list is untouched
    assert log.do(RequestReply(GHANA), T + 1) == ()  # a second press changes nothing
    log.do(GrantFloor(), T + 2)  # the speakers' list is not exhausted: France
    assert on_floor(log) == ("FRA", Basis.FLEX, 180.0)
    assert replay(log.initial, log.events) == log.state


def test_O2_replies_are_taken_at_the_end_of_the_list_of_speakers_by_default() -> None:
    log = room()
    log.do(RequestReply(GHANA, on_behalf=True), T)
    log.do(RequestReply(FRANCE), T + 1)
    now = speak(log, T + 2)  # France
    now = speak(log, now)  # the Philippines: the list is now exhausted

    (granted,) = log.do(GrantFloor(), now)

    assert isinstance(granted, FloorGranted)
    assert (granted.allotment.speaker.id, granted.allotment.basis) == ("GHA", Basis.REPLY)
    assert granted.allotment.seconds == 600.0  # the first reply's limit
    assert not granted.allotment.out_of_order
    log.do(StartSpeech(), now)
    log.do(EndSpeech(), now + 60)  # Ghana's reply ends; "next speaker": France's reply
    assert on_floor(log) is None
    log.do(GrantFloor(), now + 61)
    assert on_floor(log) == ("FRA", Basis.REPLY, 600.0)
    assert replies(log) == []
    assert replay(log.initial, log.events) == log.state


def test_O2_replies_are_taken_when_the_chair_calls_them() -> None:
    log = room()
    log.do(RequestReply(GHANA), T)
    with pytest.raises(IllegalCommand, match="no right of reply is waiting"):
        apply(room().state, CallReplies(), T)

    assert names(log.do(CallReplies(), T + 1)) == ["RepliesCalled"]
    assert log.do(CallReplies(), T + 2) == ()  # M2: a repeat changes nothing
    log.do(GrantFloor(), T + 3)  # France still waits, but the chair called the replies
    assert on_floor(log) == ("GHA", Basis.REPLY, 600.0)
    assert not log.state.queue.replies_called  # none waits: the call is spent
    log.do(StartSpeech(), T + 3)
    log.do(RequestReply(PHILIPPINES), T + 10)
    log.do(GrantFloor(), T + 100)  # the Philippines' reply waits for the end or a call

    assert on_floor(log) == ("FRA", Basis.FLEX, 180.0)
    assert replies(log) == ["PHL"]
    assert replay(log.initial, log.events) == log.state


def test_O2_a_profile_may_take_replies_only_when_the_chair_calls_them() -> None:
    log = room(
        rules=FloorRules(reply_limits=(180.0, 120.0), replies_taken=RepliesTaken.WHEN_CALLED)
    )
    log.do(RequestReply(GHANA), T)
    now = speak(log, speak(log, T + 1))  # France, the Philippines: the list is exhausted

    with pytest.raises(IllegalCommand, match="no one is waiting for the floor"):
        log.do(GrantFloor(), now)
    log.do(CallReplies(), now + 1)
    log.do(GrantFloor(), now + 2)
    assert on_floor(log) == ("GHA", Basis.REPLY, 180.0)  # HRC: 3 minutes


def test_O2_the_first_and_second_replies_have_their_own_limits_and_a_third_is_refused() -> None:
    log = room(GHANA)
    log.do(RequestReply(FRANCE), T)
    now = speak(log, T + 1)  # Ghana; the list is exhausted
    log.do(GrantFloor(), now)
    assert on_floor(log) == ("FRA", Basis.REPLY, 600.0)
    log.do(StartSpeech(), now)
    log.do(RequestReply(FRANCE), now + 5)  # while its first reply is on the floor
    log.do(EndSpeech(), now + 300)
    assert list(log.state.queue.replied) == ["FRA"]
    log.do(GrantFloor(), now + 301)
    assert on_floor(log) == ("FRA", Basis.REPLY, 300.0)  # the second reply's limit
    log.do(StartSpeech(), now + 301)

    with pytest.raises(
        FloorRuleRefused,
        match=r"France has used its right of reply in 'General debate': at most 2 per "
        r"delegation \(O2\)",
    ):
        log.do(RequestReply(FRANCE), now + 310)  # its second reply is on the floor
    log.do(EndSpeech(), now + 400)
    with pytest.raises(FloorRuleRefused, match="has used its right of reply"):
        log.do(RequestReply(FRANCE, on_behalf=True), now + 401)  # the chair cannot either
    assert list(log.state.queue.replied) == ["FRA", "FRA"]


def test_O2_the_seeds_informal_meeting_takes_no_right_of_reply() -> None:
    log = room(rules=FloorRules())  # the default: no limits, no replies
    with pytest.raises(FloorRuleRefused, match=r"'General debate' takes no right of reply"):
        log.do(RequestReply(GHANA, on_behalf=True), T)
    programme_speaker = Speaker("programme:debate:0", "Moderator")
    with pytest.raises(FloorRuleRefused, match="speaks by programme"):
        room().do(RequestReply(programme_speaker), T)
    with pytest.raises(IllegalCommand, match="no segment is open"):
        apply(RoomState("plenary"), RequestReply(GHANA), T)


def test_O2_O3_a_closed_list_still_takes_replies() -> None:
    log = room()
    log.do(CloseSpeakersList(), T)
    with pytest.raises(FloorRuleRefused, match="is closed: only the chair adds"):
        log.do(RequestFloor(GHANA), T + 1)

    (asked,) = log.do(RequestReply(GHANA), T + 2)  # from its own phone

    assert isinstance(asked, ReplyRequested)
    assert replies(log) == ["GHA"]


def test_O2_R1_R4_a_reply_is_not_a_contribution() -> None:
    log = room(FRANCE)
    log.do(RequestReply(GHANA), T)
    now = speak(log, T + 1)  # France
    now = speak(log, now, 120.0)  # Ghana's reply: the list was exhausted
    log.do(RequestFloor(GHANA), now + 1)
    assert log.state.queue.waiting[0].first_time  # P8: a reply is not having spoken
    log.do(CloseSegment(), now + 2)

    record = build_record(log.events)
    reply, request = (line for line in record if line.delegation == "GHA")
    assert (reply.reply, reply.basis, reply.outcome, reply.spoken) == (
        True,
        Basis.REPLY,
        Outcome.HEARD,
        120.0,
    )
    assert not request.reply
    figures = statistics(record, scope=Scope.SEGMENT, key="gd").total
    assert (figures.interventions, figures.requests, figures.replies) == (1, 2, 1)
    assert figures.reply_seconds == 120.0
    assert figures.spoken_seconds == 60.0  # France's only
    assert figures.delegations_speaking == 1
    assert figures.delegations_attending == 2  # Ghana asked
    assert speakers(record).heard == ("France",)  # the report (R3) lists contributions


def test_O2_A4_a_stakeholders_reply_fills_no_slot_of_the_block() -> None:
    log = action_group_room(rules=GA)  # France, the Philippines, Ghana wait
    for n in range(1, 4):
        log.do(RequestFloor(stakeholder(f"NGO{n}")), T + n)
    log.do(RequestReply(stakeholder("NGO4")), T + 5)  # a stakeholder that has not spoken
    now = T + 10
    for _ in range(3):  # the Member States
        now = speak(log, now)
    log.do(ClosePhase(), now)  # the block, the last floor phase, opens
    for _ in range(3):  # the three stakeholders: the block's list is exhausted
        now = speak(log, now)
    log.do(GrantFloor(), now)
    assert on_floor(log) == ("NGO4", Basis.REPLY, 600.0)
    assert log.state.segment is not None
    heard = log.state.segment.heard_in_phase
    assert heard == 3
    log.do(StartSpeech(), now)

    log.do(EndSpeech(), now + 60)

    assert log.state.segment.heard_in_phase == 3  # A4: a reply fills no slot
    assert "NGO4" not in log.state.queue.spoken  # P8
    assert log.state.queue.replied == ("NGO4",)


def test_O2_M3_the_floor_given_to_a_reply_is_undone_and_the_reply_waits_again() -> None:
    log = room(FRANCE)
    log.do(RequestReply(GHANA), T)
    log.do(GrantFloor(), T + 1)
    log.do(StartSpeech(), T + 1)
    before = log.state.queue

    assert names(log.do(GrantFloor(), T + 61)) == ["SpeechEnded", "FloorGranted"]
    log.do(Undo(), T + 62)

    assert log.state.queue == before
    assert on_floor(log) == ("FRA", Basis.FLEX, 180.0)
    log.do(WithdrawReply("GHA"), T + 63)
    assert replies(log) == []
    log.do(Undo(), T + 64)
    assert replies(log) == ["GHA"]  # the withdrawal is undone
    line = next(i for i in build_record(log.events) if i.delegation == "GHA")
    assert (line.outcome, line.undone[-1]) == (Outcome.WAITING, "the withdrawal of Ghana's reply")
    assert line.undone[0] == "the end of France's speech and the floor given to Ghana"


def test_O2_M3_a_reply_asked_for_or_the_chairs_call_is_a_change_since() -> None:
    log = room()
    log.do(GrantFloor(), T)
    log.do(RequestReply(GHANA), T + 1)
    with pytest.raises(FloorRuleRefused, match="Ghana asked for a right of reply after"):
        log.do(Undo(), T + 2)
    log.do(GrantFloor(), T + 3)  # France had not started (M5): the Philippines
    log.do(CallReplies(), T + 4)
    with pytest.raises(FloorRuleRefused, match="the chair called the replies after"):
        log.do(Undo(), T + 5)


def test_O2_M5_a_granted_reply_that_has_not_started_goes_back_to_the_head() -> None:
    log = room()
    log.do(RequestReply(GHANA), T)
    log.do(RequestReply(FRANCE), T + 1)
    ghana = log.state.queue.replies[0].id
    log.do(GrantFloor(ghana), T + 2)  # the chair gives the floor to the reply by its id
    assert on_floor(log) == ("GHA", Basis.REPLY, 600.0)

    events = log.do(GrantFloor(), T + 3)  # "next speaker" before Ghana started

    assert names(events) == ["ReplyReturned", "FloorGranted"]
    assert isinstance(events[0], ReplyReturned)
    assert replies(log) == ["GHA", "FRA"]
    assert on_floor(log) == ("FRA", Basis.FLEX, 180.0)  # the list was not exhausted
    line = next(i for i in build_record(log.events) if i.delegation == "GHA" and i.reply)
    assert line.outcome is Outcome.WAITING
    assert replay(log.initial, log.events) == log.state


def test_O2_a_reply_given_out_of_its_order_or_with_the_chairs_time_is_an_override() -> None:
    log = room()
    log.do(RequestReply(GHANA), T)
    log.do(RequestReply(PHILIPPINES), T + 1)
    later = log.state.queue.replies[1].id

    events = log.do(GrantFloor(later, seconds=120.0), T + 2)

    granted, overridden = events
    assert isinstance(granted, FloorGranted)
    assert (granted.allotment.seconds, granted.allotment.out_of_order) == (600.0, True)
    assert overridden == AllotmentOverridden(T + 2, 120.0)
    assert on_floor(log) == ("PHL", Basis.REPLY, 120.0)  # still a reply
    log.do(SetAllotment(90.0), T + 3)
    assert on_floor(log) == ("PHL", Basis.REPLY, 90.0)
    log.do(StartSpeech(), T + 3)
    log.do(EndSpeech(), T + 60)
    line = next(i for i in build_record(log.events) if i.delegation == "PHL" and i.reply)
    assert (line.reply, line.basis, line.out_of_order, line.allotment_set) == (
        True,
        Basis.REPLY,
        True,
        True,
    )
    assert line.overrides == ("out_of_order", "allotment")


def test_O2_M1_M2_withdrawing_a_reply() -> None:
    log = room()
    log.do(RequestReply(GHANA), T)
    asked = log.state.queue.replies[0]
    assert log.do(WithdrawReply("FRA"), T + 1) == ()  # M2: nothing to withdraw
    assert log.do(WithdrawReply("GHA", reply_id="gd.999"), T + 1) == ()  # M1: not that one
    log.do(GrantFloor(asked.id), T + 2)

    with pytest.raises(FloorChanged, match="already granted: Ghana has the floor"):
        log.do(WithdrawReply("GHA", reply_id=asked.id), T + 3)
    log.do(RequestReply(FRANCE), T + 4)
    (withdrawn,) = log.do(WithdrawReply("FRA"), T + 5)
    assert isinstance(withdrawn, ReplyWithdrawn)
    assert replies(log) == []


def test_O2_replies_still_waiting_when_the_segment_closes_are_not_heard() -> None:
    log = room()
    log.do(RequestReply(GHANA), T)
    log.do(CallReplies(), T + 1)
    events = log.do(CloseSegment(), T + 2)

    assert "RepliesClosed" in names(events)
    line = next(i for i in build_record(log.events) if i.reply)
    assert (line.outcome, line.closed_reason) == (Outcome.NOT_HEARD, "segment_closed")
    assert not any(isinstance(e, RepliesCalled) for e in events)


def test_O2_O1_a_point_of_order_holds_a_reply_and_it_comes_back() -> None:
    log = room(rules=FloorRules(reply_limits=(600.0,)))  # one reply per delegation
    log.do(RequestReply(GHANA), T)
    log.do(CallReplies(), T)
    log.do(GrantFloor(), T + 1)
    log.do(StartSpeech(), T + 1)
    log.do(RaisePointOfOrder(FRANCE), T + 10)
    log.do(HearPointOfOrder(), T + 11)
    with pytest.raises(FloorRuleRefused, match="at most 1 per delegation"):
        log.do(RequestReply(GHANA), T + 12)  # its reply is held, not over

    log.do(RulePointOfOrder("Not a point of order."), T + 20)

    assert on_floor(log) == ("GHA", Basis.REPLY, 600.0)
    assert replay(log.initial, log.events) == log.state


def test_O2_C3_replies_are_projected_after_the_speakers_or_first_when_called() -> None:
    log = room()
    log.do(RequestReply(GHANA), T)
    estimates = project(log.state, T)
    speakers_end = START + 180 * MIN  # the debate takes its plan: requests are made live
    assert [(r.delegation_id, r.starts_at, r.seconds) for r in estimates.replies] == [
        ("GHA", speakers_end, 600.0)
    ]
    assert estimates.segment_ends_at == speakers_end + 600.0

    log.do(CallReplies(), T + 1)
    called = project(log.state, T + 1)
    assert [(r.starts_at, r.basis) for r in called.replies] == [(T + 1, Basis.REPLY)]
    assert [r.starts_at for r in called.requests] == [T + 601, T + 781]

    waiting_for_a_call = room(
        rules=FloorRules(reply_limits=(180.0,), replies_taken=RepliesTaken.WHEN_CALLED)
    )
    waiting_for_a_call.do(RequestReply(GHANA), T)
    (unplaced,) = project(waiting_for_a_call.state, T).replies
    assert (unplaced.starts_at, unplaced.reached) == (None, False)


def test_O2_C3_a_delegation_replying_now_is_projected_with_its_second_limit() -> None:
    log = room()
    log.do(RequestReply(GHANA), T)
    log.do(CallReplies(), T)
    log.do(GrantFloor(), T + 1)
    log.do(StartSpeech(), T + 1)
    log.do(RequestReply(GHANA), T + 2)  # its second reply, while the first is on the floor
    log.do(CallReplies(), T + 3)

    (second,) = project(log.state, T + 3).replies

    assert (second.starts_at, second.seconds) == (T + 601, 300.0)


def test_O2_a_reply_ended_before_it_started_is_not_counted() -> None:
    log = room(rules=FloorRules(reply_limits=(600.0,)))
    log.do(RequestReply(GHANA), T)
    reply_id = log.state.queue.replies[0].id
    log.do(GrantFloor(reply_id), T + 1)
    log.do(EndSpeech(), T + 2)  # Ghana was not in the room

    assert log.state.queue.replied == ()
    assert names(log.do(RequestReply(GHANA), T + 3)) == ["ReplyRequested"]  # still its one
    line = next(i for i in build_record(log.events) if i.request_id == reply_id)
    assert (line.reply, line.outcome, line.closed_reason) == (
        True,
        Outcome.NOT_HEARD,
        "not_started",
    )
