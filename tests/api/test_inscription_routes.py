"""O4-O6 over HTTP: withdrawals, swaps and draws of lots on a segment's list, no-shows.

Through the served app (a TestClient on the seeded meeting, a FakeClock the
test moves), the action group's list open for inscription two days before it
starts: who may withdraw, swap and draw, what each answer says, what a retry
does, and the queue the segment opens with. Then, once open, the chair marks
an inscribed speaker absent (O5).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from app.queue import drawn_order
from tests.api_client import Api, serving
from tests.builders import open_list_of, seed_meeting
from tests.plans import START

Json = dict[str, Any]
HOUR = 3600.0


@pytest.fixture
def api(sqlite_url: str, engine: Engine) -> Iterator[Api]:
    seeded = seed_meeting(engine)
    # O4: the action group's list opens two days before, and closes an hour after the start
    open_list_of(engine, seeded.action_group, START - 48 * HOUR, START + HOUR)
    with serving(sqlite_url, seeded) as served:
        yield served


def send(api: Api, body: Json, who: str, path: str = "inscriptions", cid: str = "") -> Any:
    """Send a command one second from now, with a new command id unless ``cid``."""
    api.clock.advance(1)
    api.counter += 1
    command = {"command_id": cid or f"list-{api.counter:04d}", **body}
    if path == "inscriptions":
        command.setdefault("segment_id", api.seeded.action_group)
    return api.post(path, command, api.tokens[who])


def ok(api: Api, body: Json, who: str = "secretariat", path: str = "inscriptions") -> Json:
    response = send(api, body, who, path)
    assert response.status_code == 200, response.text
    answer: Json = response.json()
    return answer


def inscribe(api: Api, *codes: str, tier: str = "minister") -> None:
    for code in codes:
        ok(api, {"type": "inscribe", "delegation": code, "tier": tier})


def opened(api: Api) -> list[str]:
    """The segment opened: its queue, by delegation code, in order."""
    body = {"type": "open_segment", "segment_id": api.seeded.action_group}
    ok(api, body, "moderator", "programme")
    return [q["delegation_id"] for q in api.waiting()]


def withdraw(api: Api, code: str, who: str, cid: str = "") -> Any:
    return send(api, {"type": "withdraw_inscription", "delegation": code}, who, cid=cid)


def swap(api: Api, first: str, second: str, who: str = "secretariat") -> Any:
    return send(api, {"type": "swap_inscriptions", "first": first, "second": second}, who)


def draw(api: Api, who: str = "secretariat", cid: str = "", **fields: Any) -> Any:
    return send(api, {"type": "draw_lots", "tier": "minister", **fields}, who, cid=cid)


# -- withdrawals (O4) ------------------------------------------------------------------------


def test_O4_a_delegate_withdraws_its_own_inscription_and_the_secretariat_any(api: Api) -> None:
    ok(api, {"type": "inscribe", "delegation": "MEX", "tier": "minister"}, "delegate")
    inscribe(api, "GHA", "CHE")

    for_another = withdraw(api, "GHA", "delegate")
    own = withdraw(api, "MEX", "delegate")
    nothing_left = withdraw(api, "MEX", "delegate")
    by_secretariat = withdraw(api, "GHA", "secretariat")
    by_moderator = withdraw(api, "CHE", "moderator")

    assert for_another.status_code == 403
    assert for_another.json()["code"] == "access.refused"
    assert own.status_code == 200, own.text
    assert own.json()["events"] == ["InscriptionWithdrawn"]
    assert nothing_left.json()["events"] == []  # M2: nothing to withdraw is not an error
    assert by_secretariat.json()["events"] == ["InscriptionWithdrawn"]
    assert by_moderator.status_code == 403  # O4: the list is the secretariat's, not the chair's
    assert opened(api) == ["CHE"]


def test_O4_M6_a_retried_withdrawal_is_applied_once(api: Api) -> None:
    inscribe(api, "MEX")

    first = withdraw(api, "MEX", "delegate", cid="withdraw-mex-1")
    ok(api, {"type": "inscribe", "delegation": "MEX", "tier": "minister"}, "delegate")
    again = withdraw(api, "MEX", "delegate", cid="withdraw-mex-1")

    assert first.json()["events"] == ["InscriptionWithdrawn"]
    assert (again.status_code, again.json()) == (200, {**first.json(), "duplicate": True})
    assert opened(api) == ["MEX"]  # inscribed again after the withdrawal, not withdrawn twice


def test_O4_a_withdrawal_for_an_unknown_delegation_or_segment_is_a_404(api: Api) -> None:
    inscribe(api, "MEX")

    unknown = withdraw(api, "XYZ", "secretariat")
    body = {"type": "withdraw_inscription", "delegation": "MEX", "segment_id": 99_999}
    no_segment = send(api, body, "secretariat")
    other_room = send(api, {**body, "segment_id": api.seeded.panel}, "secretariat")

    assert (unknown.status_code, unknown.json()["code"]) == (404, "delegation.not_in_this_meeting")
    assert (no_segment.status_code, no_segment.json()["code"]) == (404, "segment.not_in_room")
    assert other_room.status_code == 404
    assert opened(api) == ["MEX"]


# -- swaps (O4) ----------------------------------------------------------------------------------


def test_O4_the_secretariat_swaps_two_speakers_of_one_level(api: Api) -> None:
    inscribe(api, "MEX", "GHA", "CHE")

    swapped = swap(api, "MEX", "CHE")

    assert swapped.status_code == 200, swapped.text
    assert swapped.json()["events"] == ["InscriptionsSwapped"]
    assert opened(api) == ["CHE", "GHA", "MEX"]


def test_O4_O6_a_delegate_may_not_swap_or_draw_and_is_told_to_ask_the_secretariat(
    api: Api,
) -> None:
    inscribe(api, "MEX", "GHA", "CHE")

    swapped = swap(api, "MEX", "CHE", who="delegate")
    drawn = draw(api, who="delegate", seed="ours")
    by_moderator = draw(api, who="moderator", seed="ours")

    for refused in (swapped, drawn):
        assert refused.status_code == 403
        assert refused.json()["code"] == "access.arrange_inscriptions"
        assert "ask the secretariat" in refused.json()["detail"]
    assert by_moderator.status_code == 403
    assert opened(api) == ["MEX", "GHA", "CHE"]  # nothing moved


def test_O4_swaps_that_name_no_inscribed_speaker_or_two_levels_are_refused(api: Api) -> None:
    inscribe(api, "MEX", "GHA")
    inscribe(api, "CHE", tier="head_of_delegation")

    unknown = swap(api, "MEX", "XYZ")
    not_inscribed = swap(api, "MEX", "VAT")
    two_levels = swap(api, "MEX", "CHE")

    assert (unknown.status_code, unknown.json()["code"]) == (404, "delegation.not_in_this_meeting")
    assert (not_inscribed.status_code, not_inscribed.json()["code"]) == (
        404,
        "inscription.not_found",
    )
    assert (two_levels.status_code, two_levels.json()["code"]) == (
        409,
        "inscription.swap_other_tier",
    )
    assert "Mexico" in two_levels.json()["detail"]
    assert opened(api) == ["MEX", "GHA", "CHE"]


# -- draws of lots (O6) --------------------------------------------------------------------------


def test_O6_draw_lots_without_a_seed_publishes_the_shell_seed(api: Api) -> None:
    inscribe(api, "MEX", "GHA", "CHE", "VAT")

    answer = draw(api)

    assert answer.status_code == 200, answer.text
    assert answer.json()["events"] == ["LotsDrawn"]
    lots = answer.json()["lots"]
    assert re.fullmatch(r"[0-9a-f]{32}", lots["seed"])  # chosen by the service
    assert lots["candidates"] == ["CHE", "GHA", "MEX", "VAT"]  # sorted: the draw's input
    assert lots["drawn"] == list(drawn_order(lots["candidates"], lots["seed"]))
    assert lots["not_drawn"] == []
    assert opened(api) == lots["drawn"]  # anyone re-draws the order the segment opens with


def test_O6_each_draw_without_a_seed_has_a_seed_of_its_own(api: Api) -> None:
    inscribe(api, "MEX", "GHA", "CHE")

    seeds = {draw(api).json()["lots"]["seed"] for _ in range(3)}

    assert len(seeds) == 3


def test_O6_a_given_seed_draws_k_of_n_and_the_others_leave_the_list(api: Api) -> None:
    inscribe(api, "MEX", "GHA", "CHE", "VAT")
    inscribe(api, "IOM", tier="other")

    answer = draw(api, seed="General Assembly, 4 December", keep=2)

    lots = answer.json()["lots"]
    expected = drawn_order(["CHE", "GHA", "MEX", "VAT"], "General Assembly, 4 December")
    assert (lots["seed"], lots["tier"]) == ("General Assembly, 4 December", "minister")
    assert lots["drawn"] == list(expected[:2])
    assert sorted(lots["not_drawn"]) == sorted(expected[2:])
    assert opened(api) == [*expected[:2], "IOM"]


def test_O6_M6_a_retried_draw_without_a_seed_is_answered_with_the_first_draw(api: Api) -> None:
    inscribe(api, "MEX", "GHA", "CHE", "VAT")

    first = draw(api, cid="draw-ministers", keep=3)
    again = draw(api, cid="draw-ministers", keep=3)
    other = draw(api, cid="draw-ministers", keep=2)

    assert first.status_code == 200, first.text
    assert (again.status_code, again.json()) == (200, {**first.json(), "duplicate": True})
    assert again.json()["lots"]["seed"] == first.json()["lots"]["seed"]
    assert (other.status_code, other.json()["error"]) == (409, "CommandIdReused")
    assert opened(api) == first.json()["lots"]["drawn"]  # drawn once: three stayed


def test_O6_a_bad_draw_is_refused_with_a_4xx_that_says_why(api: Api) -> None:
    inscribe(api, "MEX", "GHA")

    def refused(**fields: Any) -> tuple[int, str]:
        answer = draw(api, **fields)
        assert answer.status_code < 500
        return answer.status_code, answer.json().get("code", "")

    assert refused(tier="king")[0] == 422
    assert refused(keep=0)[0] == 422
    assert refused(seed="")[0] == 422
    assert refused(seed="a\u202eb")[0] == 422  # a published seed shows what it is
    assert refused(seed="   ") == (409, "inscription.no_seed")
    assert refused(keep=3) == (409, "inscription.draw_count")
    assert refused(tier="head_of_state") == (404, "inscription.tier_empty")
    assert refused(segment_id=99_999) == (404, "segment.not_in_room")
    assert refused(segment_id=api.seeded.panel) == (404, "segment.not_in_room")
    assert opened(api) == ["MEX", "GHA"]  # no refused draw moved anyone


def test_O4_O6_a_segment_id_past_the_databases_ids_is_refused_as_input_not_a_500(
    api: Api,
) -> None:
    past = 2**63
    bodies = (
        {"type": "inscribe", "delegation": "MEX", "tier": "minister", "segment_id": past},
        {"type": "withdraw_inscription", "delegation": "MEX", "segment_id": past},
        {"type": "swap_inscriptions", "first": "MEX", "second": "GHA", "segment_id": past},
        {"type": "draw_lots", "tier": "minister", "segment_id": -past},
    )

    answers = [send(api, body, "secretariat") for body in bodies]

    assert [a.status_code for a in answers] == [422, 422, 422, 422]
    assert all("segment_id" in a.json()["detail"] for a in answers)


def test_O4_O6_once_the_segment_is_open_its_list_no_longer_changes(api: Api) -> None:
    inscribe(api, "MEX", "GHA")
    assert opened(api) == ["MEX", "GHA"]

    withdrawn = withdraw(api, "MEX", "secretariat")
    swapped = swap(api, "MEX", "GHA")
    drawn = draw(api, seed="late")

    for late in (withdrawn, swapped, drawn):
        assert (late.status_code, late.json()["code"]) == (409, "inscription.segment_open")
    assert [q["delegation_id"] for q in api.waiting()] == ["MEX", "GHA"]


# -- no-shows (O5) -------------------------------------------------------------------------------


def _ids(api: Api) -> dict[str, str]:
    return {q["delegation_id"]: q["id"] for q in api.waiting()}


def mark_absent(api: Api, request_id: str, who: str = "moderator", cid: str = "") -> Any:
    return send(api, {"type": "mark_absent", "request_id": request_id}, who, "floor", cid)


def test_O5_marking_an_inscribed_speaker_absent_moves_it_to_the_end_of_its_level_then_drops_it(
    api: Api,
) -> None:
    inscribe(api, "MEX", "GHA")
    inscribe(api, "CHE", tier="head_of_delegation")
    assert opened(api) == ["MEX", "GHA", "CHE"]
    mexico = _ids(api)["MEX"]

    first = mark_absent(api, mexico)
    order_after_first = [q["delegation_id"] for q in api.waiting()]
    second = mark_absent(api, mexico)

    assert first.status_code == 200, first.text
    assert first.json()["events"] == ["InscribedSpeakerAbsent"]
    assert order_after_first == ["GHA", "MEX", "CHE"]  # the end of its level, not of the list
    assert second.json()["events"] == ["InscribedSpeakerDropped"]
    assert [q["delegation_id"] for q in api.waiting()] == ["GHA", "CHE"]


def test_O5_only_the_rooms_chair_marks_a_speaker_absent(api: Api) -> None:
    inscribe(api, "MEX", "GHA")
    opened(api)
    mexico = _ids(api)["MEX"]

    by_delegate = mark_absent(api, mexico, "delegate")
    by_other_room = mark_absent(api, mexico, "other_moderator")

    assert (by_delegate.status_code, by_other_room.status_code) == (403, 403)
    assert [q["delegation_id"] for q in api.waiting()] == ["MEX", "GHA"]


def test_O5_M6_a_retried_absence_counts_once(api: Api) -> None:
    inscribe(api, "MEX", "GHA")
    opened(api)
    mexico = _ids(api)["MEX"]

    first = mark_absent(api, mexico, cid="absent-mex-1")
    again = mark_absent(api, mexico, cid="absent-mex-1")

    assert (again.status_code, again.json()) == (200, {**first.json(), "duplicate": True})
    assert [q["delegation_id"] for q in api.waiting()] == ["GHA", "MEX"]  # moved, not dropped


def test_O5_a_live_request_or_an_unknown_one_is_refused_saying_why(api: Api) -> None:
    inscribe(api, "MEX")
    opened(api)
    ok(api, {"type": "add_request", "delegation": "GHA"}, "moderator", "floor")

    live = mark_absent(api, _ids(api)["GHA"])
    unknown = mark_absent(api, "no-such-request")

    assert (live.status_code, live.json()["code"]) == (409, "inscription.not_inscribed")
    assert "strike the request instead" in live.json()["detail"]
    assert unknown.status_code == 404
    assert [q["delegation_id"] for q in api.waiting()] == ["MEX", "GHA"]
