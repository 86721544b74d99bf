"""O11 over HTTP: yields and moderated caucuses on ``/floor``, in the Model UN profile.

Through the served app (a TestClient on the seeded meeting, a FakeClock the
test moves), a general debate run by the ``model_un`` profile's rules (the
seeded action group keeps the seeds' defaults, which take neither): what the
commands answer, what the views show, how a retry is answered, and how bad
input is refused with a 4xx a person can act on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from app.access.roles import Principal, Role
from app.meeting.build import floor_rules
from app.meeting.profiles import load_profile
from tests.api_client import Api, serving
from tests.builders import Seeded, add_debate, seed_meeting

Json = dict[str, Any]
#: The debate's segment id in the plenary, and the seeded meeting (set by the fixture).
DEBATE: dict[str, int] = {}
SLOT = 90.0  # the model_un profile's speakers' time


@pytest.fixture
def seeded(engine: Engine) -> Seeded:
    return seed_meeting(engine)


@pytest.fixture
def api(sqlite_url: str, engine: Engine, seeded: Seeded) -> Iterator[Api]:
    profile = load_profile("model_un")
    assert profile is not None
    DEBATE["id"] = add_debate(engine, seeded, floor_rules(profile.rules))
    with serving(sqlite_url, seeded) as served:
        served.tokens["GHA"] = served.bearer(Principal(Role.DELEGATE, delegation="GHA"))
        yield served


def send(api: Api, body: Json, who: str = "moderator", cid: str = "", path: str = "floor") -> Any:
    """Send a command one second from now, with a new command id unless ``cid``."""
    api.clock.advance(1)
    api.counter += 1
    command = {"command_id": cid or f"o11-{api.counter:04d}", **body}
    return api.post(path, command, api.tokens[who])


def ok(api: Api, body: Json, path: str = "floor") -> list[str]:
    response = send(api, body, path=path)
    assert response.status_code == 200, response.text
    events: list[str] = response.json()["events"]
    return events


def refused(api: Api, body: Json, status: int = 409) -> Json:
    response = send(api, body)
    assert response.status_code == status, response.text
    answer: Json = response.json()
    return answer


def debating(api: Api, segment_id: int | None = None) -> None:
    """The debate open, Mexico then Ghana on the list; Mexico speaking, its clock running."""
    segment = DEBATE["id"] if segment_id is None else segment_id
    ok(api, {"type": "open_segment", "segment_id": segment}, path="programme")
    for code in ("MEX", "GHA"):
        ok(api, {"type": "add_request", "delegation": code})
    ok(api, {"type": "grant"})
    ok(api, {"type": "start"}, path="speech")


# -- yields ------------------------------------------------------------------------------------


def test_o11_a_yield_to_a_delegate_gives_it_the_seconds_left(api: Api) -> None:
    debating(api)
    api.clock.advance(29)  # Mexico has spoken 30 s when the yield arrives, one second on

    events = ok(api, {"type": "yield", "kind": "delegate", "to": "CHE", "expected_speaker": "MEX"})

    assert events == ["SpeechEnded", "FloorYielded"]
    view = api.view()
    speech = view["speech"]
    assert (speech["speaker"]["id"], speech["basis"], speech["status"]) == (
        "CHE",
        "yielded",
        "allotted",
    )
    assert speech["seconds_left"] == SLOT - 30
    assert view["yielded"] == {
        "kind": "delegate",
        "by": {"id": "MEX", "name": "Mexico"},
        "to": {"id": "CHE", "name": "Switzerland"},
        "seconds": SLOT - 30,
        "asked": 0.0,
        "questioners": 0,
        "ends_at": None,
        "seconds_left": SLOT - 30,
    }
    assert [r["delegation_id"] for r in view["queue"]] == ["GHA"]


def test_o11_a_yield_retried_with_its_id_is_answered_not_applied_twice(api: Api) -> None:
    debating(api)
    body = {"type": "yield", "kind": "chair", "expected_speaker": "MEX"}
    first = send(api, body, cid="o11-yield-once")
    again = send(api, body, cid="o11-yield-once")

    assert first.status_code == again.status_code == 200
    assert {**again.json(), "duplicate": False} == first.json()
    assert again.json()["duplicate"] is True
    assert api.view()["speech"] is None
    reused = send(api, {"type": "close_caucus"}, cid="o11-yield-once")
    assert (reused.status_code, reused.json()["code"]) == (409, "command.id_reused")


def test_o11_a_yield_to_questions_and_its_questioners(api: Api) -> None:
    debating(api)
    ok(api, {"type": "yield", "kind": "questions", "expected_speaker": "MEX"})  # 89 s left
    assert api.view()["yielded"]["kind"] == "questions"
    events = ok(api, {"type": "call_questioner", "delegation": "GHA", "expected_speaker": "MEX"})
    assert events == ["SpeechPaused", "QuestionConsented"]
    ok(api, {"type": "start"}, path="speech")
    api.clock.advance(9)
    assert ok(api, {"type": "end"}, path="speech") == ["QuestionEnded"]  # a 10-second question

    view = api.view()
    assert (view["speech"]["speaker"]["id"], view["speech"]["status"]) == ("MEX", "paused")
    yielded = view["yielded"]
    assert (yielded["asked"], yielded["questioners"], yielded["ends_at"]) == (10.0, 1, None)
    assert yielded["seconds_left"] == view["speech"]["seconds_left"] == SLOT - 2 - 10


def test_o11_a_yield_is_refused_with_what_to_do(api: Api, seeded: Seeded) -> None:
    debating(api)
    bad_kind = refused(api, {"type": "yield", "kind": "floor", "expected_speaker": "MEX"}, 422)
    no_one = refused(api, {"type": "yield", "kind": "delegate", "expected_speaker": "MEX"}, 422)
    stray = {"type": "yield", "kind": "chair", "to": "CHE", "expected_speaker": "MEX"}
    unnamed = refused(api, {"type": "yield", "kind": "chair"}, 422)
    unknown = {"type": "yield", "kind": "delegate", "to": "ZZZ", "expected_speaker": "MEX"}
    other = refused(api, {"type": "yield", "kind": "chair", "expected_speaker": "GHA"})
    itself = {"type": "yield", "kind": "delegate", "to": "MEX", "expected_speaker": "MEX"}

    assert all("detail" in answer for answer in (bad_kind, no_one, unnamed))
    assert "only then" in str(refused(api, stray, 422))
    assert refused(api, unknown, 404)["code"] == "delegation.not_in_this_meeting"
    assert other["code"] == "floor.changed_speaker"
    assert refused(api, itself)["code"] == "yield.to_self"
    assert refused(api, {"type": "call_questioner", "delegation": "GHA"})["code"] == (
        "yield.no_questions"
    )
    assert api.view()["speech"]["speaker"]["id"] == "MEX"  # nothing changed


def test_o11_a_meeting_without_the_model_un_rules_refuses_yields_and_caucuses(
    api: Api, seeded: Seeded
) -> None:
    ok(api, {"type": "open_segment", "segment_id": seeded.action_group}, path="programme")
    ok(api, {"type": "close_phase"}, path="programme")
    ok(api, {"type": "add_request", "delegation": "MEX"})
    ok(api, {"type": "grant"})
    ok(api, {"type": "start"}, path="speech")

    no_yield = refused(api, {"type": "yield", "kind": "chair", "expected_speaker": "MEX"})
    ok(api, {"type": "end"}, path="speech")
    no_caucus = refused(api, {"type": "open_caucus", "topic": "Migration"})

    assert no_yield["code"] == "yield.not_taken"
    assert "takes no yield to the chair" in no_yield["detail"]
    assert no_caucus["code"] == "caucus.not_taken"


def test_o11_the_floor_commands_are_the_moderators(api: Api) -> None:
    debating(api)
    body = {"type": "yield", "kind": "chair", "expected_speaker": "GHA"}
    assert send(api, body, who="GHA").status_code == 403


# -- moderated caucuses ---------------------------------------------------------------------


def test_o11_a_caucus_over_http_from_its_opening_to_its_end(api: Api) -> None:
    debating(api)
    ok(api, {"type": "end"}, path="speech")
    body = {
        "type": "open_caucus",
        "topic": "Refugee returns",
        "seconds": 120,
        "speaker_seconds": 45,
    }
    assert ok(api, body) == ["CaucusOpened"]
    opened_at = api.clock.now

    caucus = api.view()["caucus"]
    assert caucus == {
        "topic": "Refugee returns",
        "seconds": 120.0,
        "speaker_seconds": 45.0,
        "opened_at": opened_at,
        "ends_at": opened_at + 120,
        "speakers": 0,
        "spoken": 0.0,
    }
    assert refused(api, {"type": "grant"})["code"] == "caucus.running"
    assert ok(api, {"type": "call_caucus_speaker", "delegation": "CHE"}) == ["FloorGranted"]
    speech = api.view()["speech"]
    assert (speech["speaker"]["id"], speech["basis"], speech["allotted"]) == ("CHE", "caucus", 45)
    ok(api, {"type": "start"}, path="speech")
    too_long = send(api, {"type": "extend", "seconds": 30}, path="speech")
    assert (too_long.status_code, too_long.json()["code"]) == (409, "caucus.speaker_time")

    api.clock.advance(200)  # past the caucus's end: the next command finds it ended
    events = ok(api, {"type": "close_caucus"})
    assert events[-2:] == ["SpeechEnded", "CaucusClosed"]
    view = api.view()
    assert (view["caucus"], view["speech"]) == (None, None)
    ok(api, {"type": "grant"})  # the speakers' list resumes
    assert api.view()["speech"]["speaker"]["id"] == "GHA"


def test_o11_the_chair_closes_a_caucus_and_a_repeat_changes_nothing(api: Api) -> None:
    debating(api)
    ok(api, {"type": "end"}, path="speech")
    ok(api, {"type": "open_caucus", "topic": "Water"})
    assert api.view()["caucus"]["seconds"] == 600  # the profile's default total
    assert ok(api, {"type": "close_caucus"}) == ["CaucusClosed"]
    assert ok(api, {"type": "close_caucus"}) == []


def test_o11_a_caucus_is_refused_with_what_to_do(api: Api) -> None:
    debating(api)
    taken = refused(api, {"type": "open_caucus", "topic": "Water"})
    ok(api, {"type": "end"}, path="speech")
    blank = refused(api, {"type": "open_caucus", "topic": ""}, 422)
    zero = refused(api, {"type": "open_caucus", "topic": "Water", "seconds": 0}, 422)
    past = {"type": "open_caucus", "topic": "Water", "seconds": 60, "speaker_seconds": 90}
    nobody = refused(api, {"type": "call_caucus_speaker", "delegation": "CHE"})

    assert taken["code"] == "floor.taken"
    assert "detail" in blank
    assert "detail" in zero
    assert refused(api, past)["code"] == "caucus.speaker_past_total"
    assert nobody["code"] == "caucus.none_running"
    unknown = refused(api, {"type": "call_caucus_speaker", "delegation": "ZZZ"}, 404)
    assert unknown["code"] == "delegation.not_in_this_meeting"
