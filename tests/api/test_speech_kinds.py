"""O7 and O8 over HTTP: pro and contra, statements for a group, interposed questions.

Through the served app (a TestClient on the seeded meeting, a FakeClock the
test moves), a general debate whose rules alternate pro and contra, give a
group statement five minutes and take interposed questions: what a request's
stance and group do to "next speaker" and the allotment, who may ask a
question for whom, and what the chair's record of the speaker's consent or
refusal does to the floor.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from app.access.roles import Principal, Role
from app.timing import FloorRules
from tests.api_client import Api, serving
from tests.builders import add_debate, seed_meeting

Json = dict[str, Any]
GROUP_SECONDS = 300.0  # O7: the debate's allotment for a statement on behalf of a group
QUESTION_CAP = 30.0  # O8: the meeting's cap of an interposed question (the default)

#: The debate's segment id in the plenary (set by the fixture: ids come from the database).
DEBATE: dict[str, int] = {}


@pytest.fixture
def api(sqlite_url: str, engine: Engine) -> Iterator[Api]:
    seeded = seed_meeting(engine)
    rules = FloorRules(
        alternate_stances=True, interposed_questions=True, capacity_seconds=GROUP_SECONDS
    )
    debate_id = add_debate(engine, seeded, rules)
    DEBATE["id"] = debate_id
    with serving(sqlite_url, seeded) as served:
        served.tokens.update(
            {code: served.bearer(Principal(Role.DELEGATE, delegation=code)) for code in DELEGATES}
        )
        yield served


#: Delegates with a phone of their own in these tests (``delegate`` is Mexico's).
DELEGATES = ("GHA", "CHE")


def send(api: Api, path: str, body: Json, who: str = "moderator", cid: str = "") -> Any:
    """Send a command one second from now, with a new command id unless ``cid``."""
    api.clock.advance(1)
    api.counter += 1
    command = {"command_id": cid or f"kind-{api.counter:04d}", **body}
    return api.post(path, command, api.tokens[who])


def ok(api: Api, path: str, body: Json, who: str = "moderator") -> list[str]:
    response = send(api, path, body, who)
    assert response.status_code == 200, response.text
    events: list[str] = response.json()["events"]
    return events


def speech(api: Api) -> Json:
    on_floor: Json = api.view()["speech"]
    return on_floor


def debating(api: Api, *codes: str) -> None:
    """The debate open; the first of ``codes`` has the floor, its clock running."""
    ok(api, "programme", {"type": "open_segment", "segment_id": DEBATE["id"]})
    for code in codes:
        ok(api, "floor", {"type": "add_request", "delegation": code})
    if codes:
        ok(api, "floor", {"type": "grant"})
        ok(api, "speech", {"type": "start"})


def ask(api: Api, code: str = "MEX", who: str = "delegate", cid: str = "", **fields: Any) -> Any:
    return send(api, "requests", {"type": "question", "delegation": code, **fields}, who, cid)


def next_speaker(api: Api) -> str:
    """End the speech on the floor (if any), give the floor to the next and start it."""
    ok(api, "floor", {"type": "grant"})
    ok(api, "speech", {"type": "start"})
    code: str = speech(api)["speaker"]["id"]
    return code


# -- pro and contra (O8) -----------------------------------------------------------------


def test_O8_a_request_pro_or_contra_makes_next_speaker_alternate(api: Api) -> None:
    debating(api)
    asked = [("MEX", "delegate", "pro"), ("GHA", "GHA", "pro"), ("CHE", "CHE", "contra")]
    for code, who, stance in asked:
        ok(api, "requests", {"type": "request", "delegation": code, "stance": stance}, who)

    order = [next_speaker(api) for _ in asked]

    assert order == ["MEX", "CHE", "GHA"]  # contra after pro, ahead of the second pro


def test_O8_a_stance_is_pro_or_contra_and_for_ones_own_delegation(api: Api) -> None:
    debating(api)

    unknown = send(api, "requests", {"type": "request", "delegation": "MEX", "stance": "maybe"})
    none = send(api, "requests", {"type": "request", "delegation": "MEX", "stance": "none"})
    other = send(
        api, "requests", {"type": "request", "delegation": "GHA", "stance": "pro"}, "delegate"
    )

    assert (unknown.status_code, none.status_code) == (422, 422)
    assert (other.status_code, other.json()["code"]) == (403, "access.act_for")
    assert api.waiting() == []


# -- statements on behalf of a group (O7) ------------------------------------------------------


def test_O7_a_statement_on_behalf_of_a_group_gets_the_groups_allotment(api: Api) -> None:
    debating(api)
    body = {"type": "request", "delegation": "MEX", "speaks_for": "Group of 77 and China"}
    ok(api, "requests", body, "delegate")
    ok(api, "requests", {"type": "request", "delegation": "GHA"}, "GHA")

    assert next_speaker(api) == "MEX"
    group = speech(api)
    assert next_speaker(api) == "GHA"
    own = speech(api)

    assert (group["allotted"], group["basis"]) == (GROUP_SECONDS, "capacity")
    assert own["basis"] != "capacity"
    assert own["allotted"] != GROUP_SECONDS


def test_O7_a_group_is_named_in_visible_text(api: Api) -> None:
    debating(api)

    def request(group: str) -> int:
        body = {"type": "request", "delegation": "MEX", "speaks_for": group}
        status: int = send(api, "requests", body, "delegate").status_code
        return status

    assert request("") == 422
    assert request("G\u202e77") == 422
    assert request("x" * 81) == 422
    assert api.waiting() == []


# -- interposed questions (O8) ---------------------------------------------------------------


def test_O8_a_delegate_asks_a_question_the_speaker_consents_and_gets_its_seconds_back(
    api: Api,
) -> None:
    debating(api, "GHA")
    api.clock.advance(20.5)

    asked = ask(api, "MEX", expected_speaker="GHA")
    ends_at = speech(api)["ends_at"]
    consented = ok(api, "floor", {"type": "consent_to_question", "expected_speaker": "GHA"})
    left = ends_at - api.clock()  # what Ghana had when it consented

    assert asked.status_code == 200, asked.text
    assert asked.json()["events"] == ["InterposedQuestionAsked"]
    assert consented == ["SpeechPaused", "QuestionConsented"]
    question = speech(api)
    assert (question["speaker"]["id"], question["basis"]) == ("MEX", "question")
    assert question["allotted"] == QUESTION_CAP

    ok(api, "speech", {"type": "start", "expected_speaker": "MEX"})
    api.clock.advance(12)
    ended = ok(api, "speech", {"type": "end", "expected_speaker": "MEX"})

    assert "QuestionEnded" in ended
    back = speech(api)
    assert (back["speaker"]["id"], back["status"]) == ("GHA", "paused")
    assert back["seconds_left"] == left  # the question's time is not Ghana's


def test_O8_a_delegate_asks_only_for_itself_and_the_moderator_for_any(api: Api) -> None:
    debating(api, "GHA")

    for_another = ask(api, "CHE", "delegate")
    on_behalf = ask(api, "CHE", "moderator")

    assert (for_another.status_code, for_another.json()["code"]) == (403, "access.act_for")
    assert on_behalf.status_code == 200, on_behalf.text
    assert on_behalf.json()["events"] == ["InterposedQuestionAsked"]
    assert ok(api, "floor", {"type": "consent_to_question"}) == [
        "SpeechPaused",
        "QuestionConsented",
    ]
    assert speech(api)["speaker"]["id"] == "CHE"


def test_O8_a_declined_question_is_dropped_and_the_speaker_keeps_the_floor(api: Api) -> None:
    debating(api, "GHA")
    ask(api, "MEX")

    declined = ok(api, "floor", {"type": "decline_question"})
    nothing_left = send(api, "floor", {"type": "consent_to_question"})

    assert declined == ["QuestionDeclined"]
    assert (nothing_left.status_code, nothing_left.json()["code"]) == (409, "question.none_waiting")
    on_floor = speech(api)
    assert (on_floor["speaker"]["id"], on_floor["status"]) == ("GHA", "running")


def test_O8_only_the_chair_records_the_speakers_answer(api: Api) -> None:
    debating(api, "GHA")
    ask(api, "MEX")

    consent = send(api, "floor", {"type": "consent_to_question"}, "delegate")
    decline = send(api, "floor", {"type": "decline_question"}, "GHA")  # the speaker's own phone
    other_room = send(api, "floor", {"type": "decline_question"}, "other_moderator")

    assert (consent.status_code, decline.status_code, other_room.status_code) == (403, 403, 403)
    assert ok(api, "floor", {"type": "decline_question"}) == ["QuestionDeclined"]  # still waiting


def test_O8_M6_a_retried_question_or_consent_is_applied_once(api: Api) -> None:
    debating(api, "GHA")

    first = ask(api, "MEX", cid="question-mex-1")
    again = ask(api, "MEX", cid="question-mex-1")
    consent = {"type": "consent_to_question"}
    consented = send(api, "floor", consent, cid="consent-mex-1")
    retried = send(api, "floor", consent, cid="consent-mex-1")

    assert (again.status_code, again.json()) == (200, {**first.json(), "duplicate": True})
    assert (retried.status_code, retried.json()) == (200, {**consented.json(), "duplicate": True})
    ok(api, "speech", {"type": "end"})
    none_waiting = send(api, "floor", {"type": "decline_question"})
    assert none_waiting.json()["code"] == "question.none_waiting"  # it was asked once


def test_O8_a_question_past_the_cap_to_no_one_or_to_oneself_is_refused_saying_why(
    api: Api,
) -> None:
    ok(api, "programme", {"type": "open_segment", "segment_id": DEBATE["id"]})
    no_speech = ask(api, "MEX")
    debating_ghana = ok(api, "floor", {"type": "add_request", "delegation": "GHA"})
    assert debating_ghana == ["FloorRequested"]
    ok(api, "floor", {"type": "grant"})
    ok(api, "speech", {"type": "start"})

    too_long = ask(api, "MEX", seconds=QUESTION_CAP + 15)
    not_positive = ask(api, "MEX", "moderator", seconds=0)
    to_itself = ask(api, "GHA", "GHA")
    unknown = ask(api, "XYZ", "moderator")
    changed = ask(api, "MEX", "moderator", expected_speaker="CHE")

    assert (no_speech.status_code, no_speech.json()["code"]) == (409, "question.no_speech")
    assert (too_long.status_code, too_long.json()["code"]) == (409, "question.too_long")
    assert "30 s" in too_long.json()["detail"]
    assert not_positive.status_code == 422
    assert (to_itself.status_code, to_itself.json()["code"]) == (409, "question.own_speech")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "delegation.not_in_this_meeting")
    assert changed.status_code == 409  # M1: the question was for another speaker
    nothing = send(api, "floor", {"type": "decline_question"})
    assert nothing.json()["code"] == "question.none_waiting"
