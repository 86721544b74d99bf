"""Operating the floor over HTTP (M1-M7, issue 14): every tap is safe, the floor is never lost.

Each test pins a finding of issue 14 through the served app (a TestClient on
the seeded meeting, a FakeClock that the test moves): the consoles name what
they saw, repeats are harmless, the last change can be undone, a request can
be struck, a granted speaker is never dropped, a command id means one
command, and estimates are never in the past.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from tests.api_client import Api, serving
from tests.builders import seed_meeting

Json = dict[str, Any]


@pytest.fixture
def api(sqlite_url: str, engine: Engine) -> Iterator[Api]:
    with serving(sqlite_url, seed_meeting(engine)) as served:
        yield served


def send(api: Api, path: str, body: Json, who: str = "moderator", after: float = 0) -> Any:
    """Send a command ``after`` seconds from now with a new command id; the raw answer."""
    api.clock.advance(after)
    api.counter += 1
    return api.post(path, {"command_id": f"tap-{api.counter:04d}", **body}, api.tokens[who])


def ok(api: Api, path: str, body: Json, who: str = "moderator", after: float = 0) -> Json:
    """Send a command that the room must accept; its acknowledgement."""
    response = send(api, path, body, who, after)
    assert response.status_code == 200, response.text
    ack: Json = response.json()
    return ack


def member_states(api: Api, *codes: str) -> None:
    """The action group open in its Member State phase; each of ``codes`` asks, 1 s apart."""
    ok(api, "programme", {"type": "open_segment", "segment_id": api.seeded.action_group})
    ok(api, "programme", {"type": "close_phase"}, after=1)
    for code in codes:
        ok(api, "floor", {"type": "add_request", "delegation": code}, after=1)


def speaking(api: Api, *codes: str) -> None:
    """As ``member_states``; then the first of ``codes`` is given the floor and starts, 1 s on."""
    member_states(api, *codes)
    ok(api, "floor", {"type": "grant"})
    ok(api, "speech", {"type": "start"}, after=1)


def on_floor(api: Api) -> str | None:
    speech = api.view()["speech"]
    return None if speech is None else str(speech["speaker"]["id"])


def waiting(api: Api) -> list[str]:
    return [r["delegation_id"] for r in api.waiting()]


def segment_path(api: Api, tail: str) -> str:
    return f"/api/rooms/{api.room}/segments/{api.seeded.action_group}/{tail}"


def record_of(api: Api, code: str) -> Json:
    """The record's line of ``code``'s request (R1)."""
    response = api.get(segment_path(api, "record"))
    assert response.status_code == 200, response.text
    lines = [i for i in response.json()["interventions"] if i["delegation"] == code]
    assert len(lines) == 1, lines
    line: Json = lines[0]
    return line


# -- M1: a command names what it acts on ---------------------------------------------


def test_M1_a_grant_decided_on_a_free_floor_is_refused_naming_who_has_it(api: Api) -> None:
    member_states(api, "MEX", "GHA")
    ok(api, "floor", {"type": "grant", "expected_speaker": ""})  # the first console

    late = send(api, "floor", {"type": "grant", "expected_speaker": ""}, after=2)

    assert late.status_code == 409
    assert late.json()["error"] == "FloorChanged"
    assert "Mexico already has the floor" in late.json()["detail"]
    assert "2 s ago" in late.json()["detail"]
    assert (on_floor(api), waiting(api)) == ("MEX", ["GHA"])


def test_M1_a_speech_command_aimed_at_another_speaker_is_refused_and_ends_nothing(
    api: Api,
) -> None:
    member_states(api, "MEX", "GHA")
    ok(api, "floor", {"type": "grant"})
    ok(api, "speech", {"type": "start", "expected_speaker": "MEX"})

    stale = send(api, "speech", {"type": "end", "expected_speaker": "GHA"}, after=5)

    assert stale.status_code == 409
    assert stale.json()["error"] == "FloorChanged"
    assert "Mexico has the floor now" in stale.json()["detail"]
    assert api.view()["speech"]["status"] == "running"


def test_M1_two_consoles_granting_at_once_leave_one_speaker_and_a_readable_refusal(
    api: Api,
) -> None:
    member_states(api, "MEX", "GHA")
    mexico, ghana = (r["id"] for r in api.waiting())
    bodies = [
        {"type": "grant", "command_id": f"console-{n}-grant", "request_id": request}
        | {"expected_speaker": ""}
        for n, request in ((1, mexico), (2, ghana))
    ]

    with ThreadPoolExecutor(2) as consoles:
        answers = list(consoles.map(lambda body: api.post("floor", body), bodies))

    assert sorted(a.status_code for a in answers) == [200, 409]
    refused = next(a for a in answers if a.status_code == 409).json()
    assert refused["error"] == "FloorChanged"
    assert "already has the floor" in refused["detail"]
    speaker = on_floor(api)
    assert speaker in ("MEX", "GHA")
    assert waiting(api) == [{"MEX": "GHA", "GHA": "MEX"}[speaker]]  # not used up unheard


# -- M2: no toggles ------------------------------------------------------------------


def test_M2_a_second_pause_leaves_the_speech_paused(api: Api) -> None:
    speaking(api, "MEX")
    ok(api, "speech", {"type": "pause"}, after=10)

    again = ok(api, "speech", {"type": "pause"})  # the other console, at the same moment

    assert again["events"] == []
    assert api.view()["speech"]["status"] == "paused"
    ok(api, "speech", {"type": "resume"}, after=5)
    assert ok(api, "speech", {"type": "resume"})["events"] == []
    assert api.view()["speech"]["status"] == "running"


def test_M2_a_double_request_leaves_one_request_and_a_double_withdrawal_is_harmless(
    api: Api,
) -> None:
    member_states(api)
    ok(api, "requests", {"type": "request", "delegation": "MEX"}, who="delegate")

    twice = ok(api, "requests", {"type": "request", "delegation": "MEX"}, who="delegate")

    assert twice["events"] == []
    assert waiting(api) == ["MEX"]
    request_id = api.waiting()[0]["id"]
    withdraw = {"type": "withdraw", "delegation": "MEX", "request_id": request_id}
    assert ok(api, "requests", withdraw, who="delegate")["events"] == ["RequestWithdrawn"]
    assert ok(api, "requests", withdraw, who="delegate")["events"] == []
    assert waiting(api) == []


def test_M2_reopening_the_open_segment_changes_nothing(api: Api) -> None:
    member_states(api, "MEX", "GHA")
    ok(api, "floor", {"type": "grant"})
    before = api.view()

    again = ok(
        api, "programme", {"type": "open_segment", "segment_id": api.seeded.action_group}, after=3
    )

    assert again["events"] == []
    after = api.view()
    assert after["segment"]["phase"]["key"] == "member_states"
    assert after["speech"] == before["speech"]
    assert after["queue"][0]["id"] == before["queue"][0]["id"]  # GHA's request still waits


def test_M1_closing_a_phase_or_segment_the_console_no_longer_shows_is_refused(api: Api) -> None:
    member_states(api, "MEX")
    segment = api.view()["segment"]["id"]

    stale_phase = send(api, "programme", {"type": "close_phase", "phase_key": "welcome"})
    stale_segment = send(api, "programme", {"type": "close_segment", "segment_id": "999"})

    assert (stale_phase.status_code, stale_segment.status_code) == (409, 409)
    assert "'Welcome by chair' is no longer open" in stale_phase.json()["detail"]
    assert api.view()["segment"]["phase"]["key"] == "member_states"
    body = {"type": "close_phase", "phase_key": "member_states", "segment_id": segment}
    assert ok(api, "programme", body)["events"][0] == "PhaseEnded"


# -- M3: undo ------------------------------------------------------------------------


def test_M3_end_then_undo_brings_the_speaker_back_with_their_seconds_and_the_record_keeps_both(
    api: Api,
) -> None:
    member_states(api, "MEX", "GHA")
    ok(api, "floor", {"type": "grant", "expected_speaker": ""})
    ok(api, "speech", {"type": "start", "expected_speaker": "MEX"}, after=1)
    allotted = api.view()["speech"]["allotted"]
    ok(api, "speech", {"type": "end", "expected_speaker": "MEX"}, after=60)
    ended_at = api.clock.now
    assert api.view()["undo"] == {"what": "the end of Mexico's speech", "until": ended_at + 30}

    undo = ok(api, "floor", {"type": "undo", "expected_speaker": ""}, after=5)

    assert undo["events"] == ["FloorRestored"]
    view = api.view()
    assert view["speech"]["speaker"]["id"] == "MEX"
    assert (view["speech"]["status"], view["speech"]["seconds_left"]) == (
        "paused",
        allotted - 60,
    )
    assert (view["undo"], waiting(api)) == (None, ["GHA"])
    assert record_of(api, "MEX")["undone"] == ["the end of Mexico's speech"]
    ok(api, "speech", {"type": "resume", "expected_speaker": "MEX"}, after=2)
    ok(api, "speech", {"type": "end", "expected_speaker": "MEX"}, after=30)
    line = record_of(api, "MEX")
    assert (line["outcome"], line["spoken"]) == ("heard", 90)
    assert line["undone"] == ["the end of Mexico's speech"]


def test_M3_undo_after_next_speaker_brings_the_cut_speaker_back_and_the_next_to_the_head(
    api: Api,
) -> None:
    speaking(api, "MEX", "GHA", "CHE")
    ok(api, "floor", {"type": "grant", "expected_speaker": "MEX"}, after=3)  # "Next speaker"
    assert on_floor(api) == "GHA"
    assert api.view()["undo"]["what"] == ("the end of Mexico's speech and the floor given to Ghana")

    ok(api, "floor", {"type": "undo", "expected_speaker": "GHA"}, after=4)

    view = api.view()
    assert (view["speech"]["speaker"]["id"], view["speech"]["status"]) == ("MEX", "paused")
    assert view["speech"]["seconds_left"] == view["speech"]["allotted"] - 3
    assert waiting(api) == ["GHA", "CHE"]


def test_M3_an_undo_after_its_window_is_refused_and_the_views_no_longer_offer_it(
    api: Api,
) -> None:
    speaking(api, "MEX")
    ok(api, "speech", {"type": "end"}, after=10)
    assert api.get(f"/api/rooms/{api.room}", "delegate").json()["undo"] is None  # moderators'

    late = send(api, "floor", {"type": "undo"}, after=31)

    assert late.status_code == 409
    assert late.json()["error"] == "FloorRuleRefused"
    assert "an undo is possible for 30 s" in late.json()["detail"]
    assert (on_floor(api), api.view()["undo"]) == (None, None)


# -- M4: strike a request ---------------------------------------------------------------


def test_M4_a_struck_request_leaves_the_queue_and_is_recorded_as_not_heard_struck(
    api: Api,
) -> None:
    member_states(api, "MEX", "GHA")
    mexico = api.waiting()[0]["id"]
    reason = "entered by mistake: the NGO, not the Member State"

    struck = ok(api, "floor", {"type": "strike", "request_id": mexico, "reason": reason}, after=2)

    assert struck["events"] == ["RequestStruck"]
    assert waiting(api) == ["GHA"]
    line = record_of(api, "MEX")
    assert (line["outcome"], line["heard"], line["closed_reason"], line["struck_reason"]) == (
        "not_heard",
        False,
        "struck",
        reason,
    )
    assert reason in api.get(segment_path(api, "record.csv")).text
    total = api.get(segment_path(api, "statistics")).json()["total"]
    assert (total["not_heard"], total["struck"]) == (1, 1)


def test_M4_a_strike_needs_a_reason_and_a_waiting_request(api: Api) -> None:
    member_states(api, "MEX")
    mexico = api.waiting()[0]["id"]

    no_reason = send(api, "floor", {"type": "strike", "request_id": mexico, "reason": ""})
    missing = send(api, "floor", {"type": "strike", "request_id": "1.99", "reason": "wrong"})

    assert (no_reason.status_code, missing.status_code) == (422, 404)
    assert "reason" in no_reason.json()["detail"]
    assert waiting(api) == ["MEX"]


# -- M5: a granted speaker is never dropped ---------------------------------------------


def test_M5_giving_the_floor_to_another_before_the_granted_starts_returns_them_to_the_head(
    api: Api,
) -> None:
    member_states(api, "MEX", "GHA")
    ok(api, "floor", {"type": "grant"})  # Mexico, not started

    given = ok(api, "floor", {"type": "give", "name": "Chair of the regional process"}, after=3)

    assert given["events"] == ["RequestReturned", "FloorGranted"]
    assert api.view()["speech"]["speaker"]["name"] == "Chair of the regional process"
    assert waiting(api) == ["MEX", "GHA"]
    line = record_of(api, "MEX")
    assert (line["outcome"], line["closed_reason"]) == ("waiting", None)


# -- M6: a command id means one command ---------------------------------------------------


def test_M6_the_same_id_for_another_command_is_refused_and_a_retry_is_a_duplicate(
    api: Api,
) -> None:
    speaking(api, "MEX")
    allotted = api.view()["speech"]["allotted"]
    extend = {"type": "extend", "seconds": 30, "command_id": "tap-reused-1"}
    first = api.post("speech", extend)
    assert first.status_code == 200, first.text

    end = api.post("speech", {"type": "end", "command_id": "tap-reused-1"})

    assert end.status_code == 409
    assert end.json()["error"] == "CommandIdReused"
    assert "command id 'tap-reused-1' was already used for ExtendSpeech" in end.json()["detail"]
    speech = api.view()["speech"]
    assert (speech["status"], speech["allotted"]) == ("running", allotted + 30)
    again = api.post("speech", extend)
    assert (again.status_code, again.json()) == (200, {**first.json(), "duplicate": True})


def test_M6_a_delegates_request_with_an_id_a_moderator_used_is_refused(api: Api) -> None:
    member_states(api)
    used = api.post(
        "floor", {"type": "add_request", "delegation": "GHA", "command_id": "shared-0001"}
    )
    assert used.status_code == 200, used.text

    reused = api.post(
        "requests",
        {"type": "request", "delegation": "MEX", "command_id": "shared-0001"},
        api.tokens["delegate"],
    )

    assert reused.status_code == 409
    assert reused.json()["error"] == "CommandIdReused"
    assert waiting(api) == ["GHA"]


# -- M7: estimates move with the clock ----------------------------------------------------


def test_M7_a_view_rendered_while_the_speaker_runs_over_has_no_estimate_before_its_time(
    api: Api,
) -> None:
    speaking(api, "MEX", "GHA", "CHE")
    running = api.view()

    api.clock.advance(running["speech"]["allotted"] + 100)  # overtime, and no command since
    view = api.view()
    with api.client.websocket_connect(
        f"/api/rooms/{api.room}/live", headers=api.tokens["moderator"]
    ) as socket:
        snapshot = socket.receive_json()

    assert all(item["starts_at"] >= view["server_time"] for item in view["queue"])
    assert snapshot["type"] == "snapshot"
    assert snapshot["room"]["queue"]
    assert all(i["starts_at"] >= snapshot["server_time"] for i in snapshot["room"]["queue"])
    assert running["steady_until"] == running["speech"]["ends_at"]  # within time: still
    assert (view["steady_until"], snapshot["room"]["steady_until"]) == (None, None)


# -- finding 10: the report page stays editable after a save -------------------------------


def test_finding_10_every_answer_that_carries_the_report_says_whether_it_may_be_edited(
    api: Api,
) -> None:
    path = segment_path(api, "report")
    rapporteur = api.tokens["rapporteur"]

    saved = api.client.put(path, json={"summary": "A first draft."}, headers=rapporteur)
    read = api.client.get(path, headers=rapporteur)
    by_moderator = api.client.get(path, headers=api.tokens["moderator"])
    closed = api.client.post(f"{path}/close", headers=rapporteur)

    assert [a.status_code for a in (saved, read, by_moderator, closed)] == [200] * 4
    assert (saved.json()["may_edit"], read.json()["may_edit"]) == (True, True)
    assert (by_moderator.json()["may_edit"], closed.json()["may_edit"]) == (False, True)
