"""The intervention record (R1), rebuilt from the engine's events alone."""

from __future__ import annotations

from app.category import Category
from app.db import codec
from app.queue import (
    ClearQueue,
    ClosePhase,
    CloseSegment,
    GiveFloor,
    GrantFloor,
    OpenSegment,
    RequestFloor,
    Undo,
    WithdrawRequest,
)
from app.queue.events import FloorGranted
from app.record import (
    DelegationInfo,
    Group,
    Intervention,
    Outcome,
    SegmentInfo,
    build_record,
)
from app.room.store import decode
from app.timing import Basis, EndSpeech, ExtendSpeech, StartSpeech
from tests.fakes import RoomLog, stakeholder, state
from tests.plans import MIN, START, action_group

MS_PHASE = START + 5 * MIN

DELEGATIONS = {
    "MEX": DelegationInfo("MEX", "Mexico", Category.MEMBER_STATE, "latin_american_caribbean"),
    "GHA": DelegationInfo("GHA", "Ghana", Category.MEMBER_STATE, "african"),
    "CHE": DelegationInfo("CHE", "Switzerland", Category.MEMBER_STATE, "western_european_other"),
    "IOM": DelegationInfo("IOM", "International Organization for Migration", Category.UN_SYSTEM),
}


def member_state_phase() -> RoomLog:
    """An action group opened on time, its welcome closed at once."""
    room = RoomLog()
    room.do(OpenSegment(action_group()), START)
    room.do(ClosePhase(), MS_PHASE)
    return room


def line(record: tuple[Intervention, ...], code: str) -> Intervention:
    (found,) = [i for i in record if i.delegation == code]
    return found


def test_R1_a_heard_intervention_has_every_field_of_the_record() -> None:
    room = member_state_phase()
    room.do(RequestFloor(state("MEX")), MS_PHASE + 10)
    room.do(GrantFloor(), MS_PHASE + 20)
    room.do(StartSpeech(), MS_PHASE + 25)
    room.do(ExtendSpeech(30), MS_PHASE + 100)
    room.do(EndSpeech(), MS_PHASE + 25 + 230)
    segments = {"ag1": SegmentInfo("ag1", "Action group 1", "2017-12-05", "Plenary hall")}

    record = build_record(room.events, delegations=DELEGATIONS, segments=segments)

    mex = line(record, "MEX")
    # T2: with one request waiting and 75 minutes left, the flex of 3 minutes applies
    assert (mex.room, mex.day, mex.segment, mex.phase) == (
        "Plenary hall",
        "2017-12-05",
        "ag1",
        "member_states",
    )
    assert (mex.name, mex.category, mex.group, mex.regional_group) == (
        "Mexico",
        Category.MEMBER_STATE,
        Group.MEMBER_STATES,
        "latin_american_caribbean",
    )
    assert (mex.requested_at, mex.granted_at, mex.started_at, mex.ended_at) == (
        MS_PHASE + 10,
        MS_PHASE + 20,
        MS_PHASE + 25,
        MS_PHASE + 255,
    )
    assert (mex.allotted, mex.extended, mex.basis) == (210.0, 30.0, Basis.FLEX)
    assert (mex.spoken, mex.overtime) == (230.0, 20.0)
    assert (mex.outcome, mex.heard, mex.out_of_order, mex.first_time) == (
        Outcome.HEARD,
        True,
        False,
        True,
    )


def test_R1_the_welcome_is_recorded_as_a_programme_turn_without_delegation() -> None:
    room = RoomLog()
    room.do(OpenSegment(action_group()), START)
    room.do(GrantFloor(), START + 5)
    room.do(StartSpeech(), START + 10)
    room.do(EndSpeech(), START + 250)

    (welcome,) = build_record(room.events)

    assert (welcome.delegation, welcome.name, welcome.group) == ("", "Moderator", Group.PROGRAMME)
    assert (welcome.request_id, welcome.basis, welcome.allotted) == (None, Basis.PROGRAMME, 300)
    assert welcome.spoken == 240
    assert welcome.heard


def test_A3_requests_waiting_at_the_member_state_phase_end_are_recorded_not_heard() -> None:
    room = member_state_phase()
    for code in ("MEX", "GHA", "CHE"):
        room.do(RequestFloor(state(code)), MS_PHASE + 60)
    room.do(RequestFloor(stakeholder("IOM", Category.UN_SYSTEM)), MS_PHASE + 61)
    room.do(GrantFloor(), MS_PHASE + 70)
    room.do(StartSpeech(), MS_PHASE + 71)
    room.do(ClosePhase(), MS_PHASE + 100)  # the moderator ends the phase; MEX finishes
    room.do(EndSpeech(), MS_PHASE + 190)

    record = build_record(room.events, delegations=DELEGATIONS)

    assert line(record, "MEX").heard
    for code in ("GHA", "CHE"):
        closed = line(record, code)
        assert (closed.outcome, closed.heard) == (Outcome.NOT_HEARD, False)
        assert (closed.closed_reason, closed.closed_at) == ("phase_ended", MS_PHASE + 190)
        assert (closed.phase, closed.granted_at, closed.spoken) == ("member_states", None, 0.0)
    iom = line(record, "IOM")  # A4: a stakeholder waits for its block, it is not closed
    assert (iom.outcome, iom.group) == (Outcome.WAITING, Group.UN_SYSTEM)


def test_R1_requests_still_waiting_when_the_segment_closes_are_not_heard() -> None:
    room = member_state_phase()
    room.do(RequestFloor(stakeholder("MADE")), MS_PHASE + 30)
    room.do(CloseSegment(), MS_PHASE + 60)

    (made,) = build_record(room.events)

    assert (made.outcome, made.closed_reason) == (Outcome.NOT_HEARD, "segment_closed")
    assert made.group is Group.OTHER_STAKEHOLDERS


def test_P2_an_out_of_order_grant_is_flagged_in_the_record() -> None:
    room = member_state_phase()
    for code in ("MEX", "GHA", "CHE"):
        room.do(RequestFloor(state(code)), MS_PHASE + 60)
    che = room.state.queue.waiting[-1]
    room.do(GrantFloor(request_id=che.id, seconds=90), MS_PHASE + 70)
    room.do(StartSpeech(), MS_PHASE + 71)
    room.do(EndSpeech(), MS_PHASE + 150)
    room.do(GrantFloor(), MS_PHASE + 160)  # MEX, by the rules
    room.do(StartSpeech(), MS_PHASE + 161)
    room.do(EndSpeech(), MS_PHASE + 250)

    record = build_record(room.events, delegations=DELEGATIONS)

    che_line, mex_line = line(record, "CHE"), line(record, "MEX")
    assert (che_line.out_of_order, che_line.allotment_set, che_line.basis) == (
        True,
        True,
        Basis.OVERRIDE,
    )
    assert che_line.allotted == 90
    assert (mex_line.out_of_order, mex_line.allotment_set) == (False, False)
    assert [i.delegation for i in record][:2] == ["CHE", "MEX"]  # in order of grant


def test_P7_a_withdrawn_request_stays_in_the_record_as_withdrawn() -> None:
    room = member_state_phase()
    room.do(RequestFloor(state("GHA"), on_behalf=True), MS_PHASE + 30)
    room.do(RequestFloor(state("MEX")), MS_PHASE + 31)
    room.do(WithdrawRequest("GHA"), MS_PHASE + 40)

    record = build_record(room.events)

    gha = line(record, "GHA")
    assert (gha.outcome, gha.closed_reason, gha.on_behalf) == (Outcome.WITHDRAWN, "withdrawn", True)
    assert line(record, "MEX").outcome is Outcome.WAITING


def test_R1_the_record_reads_the_stored_payloads_as_well_as_the_events() -> None:
    room = member_state_phase()
    room.do(RequestFloor(state("MEX")), MS_PHASE + 10)
    room.do(GrantFloor(), MS_PHASE + 20)
    room.do(StartSpeech(), MS_PHASE + 25)
    room.do(EndSpeech(), MS_PHASE + 140)
    stored = [codec.dump_tagged(event) for event in room.events]  # as app.room.store keeps them

    assert build_record(decode(stored)) == build_record(room.events)
    assert line(build_record(decode(stored)), "MEX").spoken == 115


def test_R1_a_speech_whose_grant_is_not_in_the_stream_is_rebuilt_from_its_end() -> None:
    room = member_state_phase()
    room.do(RequestFloor(state("MEX")), MS_PHASE + 10)
    room.do(GrantFloor(), MS_PHASE + 20)
    room.do(StartSpeech(), MS_PHASE + 25)
    room.do(EndSpeech(), MS_PHASE + 140)
    opened = room.events[0]
    after_grant = room.events[[isinstance(e, FloorGranted) for e in room.events].index(True) + 1 :]

    (mex,) = [i for i in build_record([opened, *after_grant]) if i.request_id is not None]

    assert (mex.delegation, mex.requested_at, mex.started_at, mex.spoken) == (
        "MEX",
        MS_PHASE + 10,
        MS_PHASE + 25,
        115,
    )
    assert mex.heard


def test_R1_a_speaker_still_on_the_floor_is_recorded_as_speaking() -> None:
    room = member_state_phase()
    room.do(RequestFloor(state("MEX")), MS_PHASE + 10)
    room.do(GrantFloor(), MS_PHASE + 20)
    room.do(StartSpeech(), MS_PHASE + 25)

    mex = line(build_record(room.events), "MEX")

    assert (mex.outcome, mex.started_at, mex.ended_at) == (Outcome.SPEAKING, MS_PHASE + 25, None)


def test_R1_requests_cleared_by_the_moderator_stay_in_the_record_as_not_heard() -> None:
    room = member_state_phase()
    room.do(RequestFloor(state("MEX")), MS_PHASE + 10)
    room.do(RequestFloor(state("GHA")), MS_PHASE + 20)
    room.do(GrantFloor(), MS_PHASE + 30)
    room.do(StartSpeech(), MS_PHASE + 31)
    room.do(ClearQueue(), MS_PHASE + 40)
    stored = [codec.dump_tagged(event) for event in room.events]  # as app.room.store keeps them

    record = build_record(decode(stored), delegations=DELEGATIONS)

    assert line(record, "MEX").outcome is Outcome.SPEAKING  # the speaker is untouched
    gha = line(record, "GHA")
    assert (gha.outcome, gha.heard) == (Outcome.NOT_HEARD, False)
    assert (gha.closed_reason, gha.closed_at) == ("queue_cleared", MS_PHASE + 40)
    assert (gha.requested_at, gha.granted_at, gha.spoken) == (MS_PHASE + 20, None, 0.0)


# -- M3: an undo brings back the line of the speech it restores -----------------------------


def agrees(room: RoomLog) -> tuple[Intervention, ...]:
    """R1: the record's waiting and speaking lines are the room's queue and speech."""
    record = build_record(room.events)
    waiting = [i.request_id for i in record if i.outcome is Outcome.WAITING]
    speaking = [(i.speaker_id, i.granted_at) for i in record if i.outcome is Outcome.SPEAKING]
    speech = room.state.speech
    assert sorted(map(str, waiting)) == sorted(r.id for r in room.state.queue.waiting)
    assert speaking == ([] if speech is None else [(speech.speaker.id, speech.granted_at)])
    assert [i.request_id for i in record if i.outcome is Outcome.SPEAKING] == (
        [] if speech is None else [speech.request_id]
    )
    return record


def test_M3_R1_undoing_a_send_back_restores_that_request_not_the_speakers_earlier_one() -> None:
    """Issue 14's concurrent run: Mexico heard, asks again, is granted, sent back by a
    grant to Ghana, and the moderator undoes it; the record must not revive the speech
    Mexico made before (nor leave the request granted again waiting)."""
    room = member_state_phase()
    room.do(RequestFloor(state("MEX", "Mexico")), MS_PHASE + 10)
    room.do(RequestFloor(state("GHA", "Ghana")), MS_PHASE + 11)
    room.do(GrantFloor("ag1.1"), MS_PHASE + 20)
    room.do(StartSpeech(), MS_PHASE + 21)
    room.do(RequestFloor(state("MEX", "Mexico")), MS_PHASE + 30)  # ag1.3: Mexico asks again
    room.do(EndSpeech(), MS_PHASE + 80)
    room.do(GrantFloor("ag1.3"), MS_PHASE + 90)  # Mexico again, out of order; not started
    room.do(GrantFloor("ag1.2"), MS_PHASE + 95)  # Ghana: Mexico sent back to the head (M5)
    room.do(Undo(), MS_PHASE + 97)
    assert room.state.speech is not None
    assert room.state.speech.request_id == "ag1.3"

    record = agrees(room)

    first, again = (i for i in record if i.request_id in ("ag1.1", "ag1.3"))
    assert (first.outcome, first.spoken, first.undone) == (Outcome.HEARD, 59.0, ())
    assert again.undone == (
        "Mexico sent back to the head of the queue and the floor given to Ghana",
    )
    room.do(EndSpeech(), MS_PHASE + 98)  # cut before a word: that request's end, not ag1.1's
    record = agrees(room)
    assert [(i.request_id, i.outcome) for i in record] == [
        ("ag1.1", Outcome.HEARD),
        ("ag1.3", Outcome.NOT_HEARD),
        ("ag1.2", Outcome.WAITING),
    ]


def test_M3_R1_undoing_next_speaker_who_was_the_same_delegation_revives_its_first_speech() -> None:
    room = member_state_phase()
    room.do(RequestFloor(state("MEX", "Mexico")), MS_PHASE + 10)
    room.do(GrantFloor(), MS_PHASE + 20)
    room.do(StartSpeech(), MS_PHASE + 21)
    room.do(RequestFloor(state("MEX", "Mexico")), MS_PHASE + 30)  # ag1.2
    room.do(GrantFloor(), MS_PHASE + 50)  # next speaker: Mexico's first speech ends
    room.do(Undo(), MS_PHASE + 52)
    assert room.state.speech is not None
    assert room.state.speech.request_id == "ag1.1"

    record = agrees(room)

    assert [(i.request_id, i.outcome, i.ended_at) for i in record] == [
        ("ag1.1", Outcome.SPEAKING, None),
        ("ag1.2", Outcome.WAITING, None),
    ]


def test_M3_R1_undoing_a_guest_given_the_floor_again_revives_the_guests_first_turn() -> None:
    room = member_state_phase()
    room.do(GiveFloor("Chair of the RCP"), MS_PHASE + 10)
    room.do(StartSpeech(), MS_PHASE + 11)
    room.do(GiveFloor("Chair of the RCP"), MS_PHASE + 40)  # ends the first turn
    room.do(Undo(), MS_PHASE + 41)

    record = agrees(room)

    assert [(i.granted_at, i.outcome) for i in record] == [(MS_PHASE + 10, Outcome.SPEAKING)]
