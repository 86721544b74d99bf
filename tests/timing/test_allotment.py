"""The speaker's clock, driven with plain numbers (T5, T6): no room, no sleeps."""

from __future__ import annotations

import pytest

from app.category import Category
from app.errors import IllegalCommand
from app.timing.allotment import (
    Allotment,
    AllotmentOverridden,
    Basis,
    Cue,
    EndSpeech,
    ExtendSpeech,
    PauseSpeech,
    ResumeSpeech,
    SetAllotment,
    Speaker,
    SpeechCommand,
    SpeechEnded,
    SpeechEvent,
    SpeechExtended,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    SpeechStatus,
    StartSpeech,
    TimeUp,
    WarningReached,
    allot,
    cue,
    decide,
    due,
    evolve,
    next_deadline,
    seconds_left,
    total_allotted,
)

GHANA = Speaker("GHA", "Ghana", Category.MEMBER_STATE)


def fresh(seconds: float = 120.0) -> Allotment:
    return allot(GHANA, seconds, Basis.SLOT, now=990.0)


def act(allotment: Allotment, command: SpeechCommand, now: float) -> Allotment:
    return fold(allotment, decide(allotment, command, now))


def fold(allotment: Allotment, events: tuple[SpeechEvent, ...]) -> Allotment:
    for event in events:
        allotment = evolve(allotment, event)
    return allotment


def started(seconds: float = 120.0, at: float = 1_000.0) -> Allotment:
    return act(fresh(seconds), StartSpeech(), at)


# -- T5: warning, time up, overtime ------------------------------------------------------


def test_T5_warning_then_time_up_each_announced_once() -> None:
    speech = started()
    at_warning = due(speech, 1_090.0)
    warned = fold(speech, at_warning)
    at_end = due(warned, 1_120.0)
    ended = fold(warned, at_end)

    assert at_warning == (WarningReached(1_090.0),)
    assert at_end == (TimeUp(1_120.0),)
    assert due(warned, 1_100.0) == ()
    assert due(ended, 1_121.0) == ()
    assert due(ended, 5_000.0) == ()


def test_T5_a_late_tick_announces_both_at_their_own_deadlines() -> None:
    assert due(started(), 1_200.0) == (WarningReached(1_090.0), TimeUp(1_120.0))


def test_T5_overtime_counts_upwards_as_negative_seconds_left() -> None:
    speech = fold(started(), due(started(), 1_130.0))

    assert seconds_left(speech, 1_130.0) == -10.0
    assert seconds_left(speech, 1_150.0) == -30.0
    assert speech.status is SpeechStatus.RUNNING  # nothing is cut automatically


def test_T5_the_cue_goes_ready_normal_warning_overtime_and_paused() -> None:
    speech = started()

    assert cue(fresh(), 1_000.0) is Cue.READY
    assert cue(speech, 1_089.0) is Cue.NORMAL
    assert cue(speech, 1_090.0) is Cue.WARNING
    assert cue(speech, 1_120.0) is Cue.OVERTIME
    assert cue(act(speech, PauseSpeech(), 1_010.0), 1_010.0) is Cue.PAUSED


def test_T5_an_extension_that_gives_the_time_back_rearms_warning_and_time_up() -> None:
    late = fold(started(), due(started(), 1_125.0))  # warned and timed out
    extended = act(late, ExtendSpeech(60), 1_125.0)  # 55 s left again

    assert (extended.warned, extended.timed_out) == (False, False)
    assert extended.ends_at == 1_180.0
    assert next_deadline(extended) == 1_150.0
    assert due(extended, 1_180.0) == (WarningReached(1_150.0), TimeUp(1_180.0))


def test_T5_an_extension_inside_the_warning_rearms_only_the_time_up() -> None:
    late = fold(started(), due(started(), 1_125.0))
    extended = act(late, ExtendSpeech(20), 1_125.0)  # 15 s left: still inside the warning

    assert (extended.warned, extended.timed_out) == (True, False)
    assert due(extended, 1_140.0) == (TimeUp(1_140.0),)


def test_T5_an_extension_that_leaves_the_speaker_in_overtime_rearms_nothing() -> None:
    late = fold(started(), due(started(), 1_200.0))  # 80 s over
    extended = act(late, ExtendSpeech(30), 1_200.0)

    assert (extended.warned, extended.timed_out) == (True, True)
    assert seconds_left(extended, 1_200.0) == -50.0
    assert next_deadline(extended) is None


def test_T5_the_warning_time_is_the_allotments_own() -> None:
    speech = act(allot(GHANA, 120.0, Basis.SLOT, warning_seconds=15.0), StartSpeech(), 1_000.0)
    assert next_deadline(speech) == 1_105.0


# -- T6: deadlines, not tickers ----------------------------------------------------------


def test_T6_a_running_speech_stores_its_deadline_and_ticks_never_move_it() -> None:
    speech = started()
    for now in (1_001.0, 1_050.0, 1_089.0, 1_090.0, 1_119.0, 1_120.0, 1_300.0):
        speech = fold(speech, due(speech, now))
        assert speech.ends_at == 1_120.0


def test_T6_pause_keeps_the_seconds_left_however_long_the_pause() -> None:
    paused = act(started(), PauseSpeech(), 1_045.0)

    assert paused.status is SpeechStatus.PAUSED
    assert paused.ends_at is None
    assert seconds_left(paused, 1_045.0) == 75.0
    assert seconds_left(paused, 9_999.0) == 75.0
    assert due(paused, 9_999.0) == ()
    assert next_deadline(paused) is None


def test_T6_resume_sets_a_new_deadline_from_the_seconds_kept() -> None:
    paused = act(started(), PauseSpeech(), 1_045.0)
    events = decide(paused, ResumeSpeech(), 2_000.0)
    resumed = fold(paused, events)

    assert events == (SpeechResumed(2_000.0, ends_at=2_075.0),)
    assert resumed.status is SpeechStatus.RUNNING
    assert seconds_left(resumed, 2_000.0) == 75.0
    assert resumed.started_at == 1_000.0  # the first start stays in the record


def test_T6_next_deadline_is_the_warning_then_the_end_then_nothing() -> None:
    speech = started()
    assert next_deadline(fresh()) is None
    assert next_deadline(speech) == 1_090.0
    speech = fold(speech, due(speech, 1_090.0))
    assert next_deadline(speech) == 1_120.0
    speech = fold(speech, due(speech, 1_120.0))
    assert next_deadline(speech) is None


def test_T6_the_start_fixes_the_deadline_from_the_allotment() -> None:
    assert decide(fresh(), StartSpeech(), 1_000.0) == (SpeechStarted(1_000.0, ends_at=1_120.0),)


def test_T6_the_allotment_cannot_be_set_once_the_clock_runs() -> None:
    with pytest.raises(IllegalCommand, match="the speech of Ghana is running already"):
        decide(started(), SetAllotment(300), 1_010.0)


# -- refusals name the state -------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "status"),
    [
        (PauseSpeech(), "allotted"),
        (ResumeSpeech(), "allotted"),
    ],
)
def test_a_command_that_does_not_fit_an_allotted_speech_names_it(
    command: SpeechCommand, status: str
) -> None:
    with pytest.raises(IllegalCommand) as refused:
        decide(fresh(), command, 1_000.0)
    assert refused.value.detail == "the speech of Ghana has not started yet: start it first"
    assert refused.value.code == "speech.not_started"
    assert status == "allotted"


def test_M2_a_second_pause_is_harmless_and_never_resumes() -> None:
    paused = act(started(), PauseSpeech(), 1_010.0)
    assert decide(paused, PauseSpeech(), 1_020.0) == ()


def test_M2_a_resume_of_a_running_speech_is_harmless_and_never_pauses() -> None:
    assert decide(started(), ResumeSpeech(), 1_010.0) == ()


def test_start_is_refused_when_the_speech_runs() -> None:
    with pytest.raises(IllegalCommand, match="the speech of Ghana is running already"):
        decide(started(), StartSpeech(), 1_010.0)


def test_a_paused_speech_is_resumed_not_started_again() -> None:
    paused = act(started(), PauseSpeech(), 1_010.0)
    with pytest.raises(IllegalCommand, match="the speech of Ghana is paused: resume it"):
        decide(paused, StartSpeech(), 1_020.0)


@pytest.mark.parametrize("seconds", [0.0, -30.0])
def test_an_extension_must_give_time(seconds: float) -> None:
    with pytest.raises(IllegalCommand, match="give a positive time"):
        decide(started(), ExtendSpeech(seconds), 1_010.0)


@pytest.mark.parametrize("seconds", [0.0, -1.0])
def test_an_allotment_must_be_positive(seconds: float) -> None:
    with pytest.raises(IllegalCommand, match="give a positive time"):
        decide(fresh(), SetAllotment(seconds), 1_000.0)


# -- extensions and overrides ------------------------------------------------------------


def test_an_extension_before_the_start_adds_to_the_seconds_left() -> None:
    extended = act(fresh(), ExtendSpeech(30), 995.0)
    assert extended.seconds_left == 150.0
    assert act(extended, StartSpeech(), 1_000.0).ends_at == 1_150.0


def test_an_extension_while_paused_adds_to_the_seconds_kept() -> None:
    paused = act(started(), PauseSpeech(), 1_100.0)  # 20 s left, warned on catch-up below
    paused = fold(paused, (WarningReached(1_090.0),))
    extended = act(paused, ExtendSpeech(60), 1_200.0)

    assert extended.seconds_left == 80.0
    assert extended.warned is False  # 80 s left again: the warning comes back


def test_setting_the_allotment_before_the_start_is_a_recorded_override() -> None:
    events = decide(fresh(), SetAllotment(300), 995.0)
    overridden = fold(fresh(), events)

    assert events == (AllotmentOverridden(995.0, 300),)
    assert (overridden.seconds, overridden.seconds_left) == (300, 300)
    assert overridden.basis is Basis.OVERRIDE


def test_setting_the_allotment_keeps_an_extension_given_before_it() -> None:
    extended = act(fresh(), ExtendSpeech(30), 992.0)
    overridden = act(extended, SetAllotment(300), 995.0)
    record = decide(act(overridden, StartSpeech(), 1_000.0), EndSpeech(), 1_330.0)[0]

    assert overridden.seconds_left == total_allotted(overridden) == 330.0
    assert isinstance(record, SpeechEnded)
    assert (record.allotted, record.spoken, record.overtime) == (330.0, 330.0, 0.0)


# -- the record of a speech (R1) ---------------------------------------------------------


def test_the_end_of_a_speech_records_spoken_time_and_overtime() -> None:
    speech = act(started(), ExtendSpeech(15), 1_050.0)
    (record,) = decide(speech, EndSpeech(), 1_150.0)

    assert record == SpeechEnded(
        at=1_150.0,
        speaker=GHANA,
        request_id=None,
        requested_at=None,
        phase_key="",
        basis=Basis.SLOT,
        allotted=135.0,
        extended=15.0,
        spoken=150.0,
        overtime=15.0,
        started_at=1_000.0,
        out_of_order=False,
        heard=True,
    )


def test_a_pause_does_not_count_as_spoken_time() -> None:
    paused = act(started(), PauseSpeech(), 1_030.0)
    resumed = act(paused, ResumeSpeech(), 1_500.0)
    (record,) = decide(resumed, EndSpeech(), 1_560.0)

    assert isinstance(record, SpeechEnded)
    assert record.spoken == 90.0


def test_a_speech_ended_while_paused_records_the_time_used() -> None:
    paused = act(started(), PauseSpeech(), 1_030.0)
    (record,) = decide(paused, EndSpeech(), 1_900.0)

    assert isinstance(record, SpeechEnded)
    assert (record.spoken, record.overtime, record.heard) == (30.0, 0.0, True)


def test_a_speaker_who_never_started_is_recorded_as_not_heard() -> None:
    (record,) = decide(fresh(), EndSpeech(), 1_000.0)

    assert isinstance(record, SpeechEnded)
    assert (record.heard, record.spoken, record.overtime, record.started_at) == (
        False,
        0.0,
        0.0,
        None,
    )
    assert evolve(fresh(), record) == fresh()  # the room engine drops the allotment


def test_an_extension_is_recorded_with_its_instant() -> None:
    assert decide(started(), ExtendSpeech(30), 1_010.0) == (SpeechExtended(1_010.0, 30),)


def test_pause_records_the_seconds_left() -> None:
    assert decide(started(), PauseSpeech(), 1_045.0) == (SpeechPaused(1_045.0, 75.0),)
