"""Recommendation cards through the HTTP API (R2): submit, edit, paper cards, closed reports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from app.access.roles import Principal, Role
from tests.api_client import Api, principals, serving
from tests.plans import START
from tests.record.test_record_routes import registered

CARD = {
    "recommendation": "Guarantee access to basic services for all migrants.",
    "means_of_implementation": "National action plans with budget lines.",
    "partnerships": "Local authorities, civil society, IOM.",
}


def writers(one: int, two: int) -> dict[str, Principal]:
    """Every kind of card writer (and reader) the tests need, by name."""
    return {
        **principals(one, two),
        "other_rapporteur": Principal(Role.RAPPORTEUR, room_id=two),
        "ghana": Principal(Role.DELEGATE, delegation="GHA"),
    }


@pytest.fixture
def written(sqlite_url: str, engine: Engine) -> Iterator[Api]:
    """The test meeting served with a FakeClock, and a credential for every kind of writer."""
    with serving(sqlite_url, registered(engine), writers) as served:
        yield served


def cards_path(api: Api, tail: str = "cards") -> str:
    return f"/api/rooms/{api.room}/segments/{api.seeded.action_group}/{tail}"


def submit(api: Api, who: str = "delegate", **fields: Any) -> Any:
    return api.client.post(cards_path(api), json={**CARD, **fields}, headers=api.tokens[who])


def edit(api: Api, card_id: int, who: str = "delegate", **fields: Any) -> Any:
    return api.client.patch(
        cards_path(api, f"cards/{card_id}"), json=fields, headers=api.tokens[who]
    )


def close_report(api: Api) -> None:
    answer = api.client.post(cards_path(api, "report/close"), headers=api.tokens["rapporteur"])
    assert answer.status_code == 200, answer.text


def test_R2_a_delegate_submits_a_card_for_its_own_delegation(written: Api) -> None:
    written.clock.advance(60)

    answer = submit(written)

    assert answer.status_code == 201, answer.text
    card = answer.json()
    assert card["delegation"] == "MEX"
    assert card["delegation_names"] == {"en": "Mexico"}
    assert (
        card["dimension"] == "Action group 1: human dimension"
    )  # the segment's title when left out
    assert (card["recommendation"], card["partnerships"]) == (
        CARD["recommendation"],
        CARD["partnerships"],
    )
    assert (card["paper"], card["chosen"]) == (False, False)
    assert card["created_at"] == card["updated_at"] == START + 60
    listed = written.get(cards_path(written), "delegate").json()
    assert [c["id"] for c in listed["cards"]] == [card["id"]]
    assert listed["closed"] is False


def test_R2_a_delegate_edits_its_card_and_the_edit_is_kept(written: Api) -> None:
    card = submit(written).json()
    written.clock.advance(30)

    answer = edit(written, card["id"], partnerships="  UNICEF and local authorities \r\n")

    assert answer.status_code == 200, answer.text
    changed = answer.json()
    assert changed["partnerships"] == "UNICEF and local authorities"
    assert changed["recommendation"] == CARD["recommendation"]  # left out: unchanged
    assert changed["updated_at"] == card["updated_at"] + 30
    (stored,) = written.get(cards_path(written), "secretariat").json()["cards"]
    assert stored["partnerships"] == "UNICEF and local authorities"


def test_R2_a_delegate_cannot_edit_another_delegations_card(written: Api) -> None:
    card = submit(written).json()

    answer = edit(written, card["id"], who="ghana", recommendation="Something else")

    assert answer.status_code == 403
    assert answer.json()["error"] == "NotAllowed"
    assert "GHA" in answer.json()["detail"]
    assert "MEX" in answer.json()["detail"]
    (stored,) = written.get(cards_path(written)).json()["cards"]
    assert stored["recommendation"] == CARD["recommendation"]


def test_R2_a_delegate_cannot_submit_a_card_for_another_delegation(written: Api) -> None:
    answer = submit(written, delegation="GHA")

    assert answer.status_code == 403
    assert answer.json()["error"] == "NotAllowed"
    assert written.get(cards_path(written)).json()["cards"] == []


def test_R2_a_delegate_reads_only_its_own_cards(written: Api) -> None:
    submit(written)
    submit(written, who="ghana", recommendation="Ghana's recommendation")

    mine = written.get(cards_path(written), "delegate").json()["cards"]
    every = written.get(cards_path(written), "rapporteur").json()["cards"]

    assert [c["delegation"] for c in mine] == ["MEX"]
    assert [c["delegation"] for c in every] == ["MEX", "GHA"]


def test_R2_the_rooms_moderator_writes_a_card_on_a_delegations_behalf(written: Api) -> None:
    answer = submit(written, who="moderator", delegation="GHA")
    refused = submit(written, who="other_moderator", delegation="GHA")
    unnamed = submit(written, who="moderator")

    assert answer.status_code == 201, answer.text
    assert answer.json()["delegation"] == "GHA"
    assert refused.status_code == 403
    assert unnamed.status_code == 403
    assert "name the delegation" in unnamed.json()["detail"]


def test_R2_a_display_or_a_rapporteur_writes_no_card(written: Api) -> None:
    for who in ("display", "rapporteur"):
        answer = submit(written, who=who, delegation="MEX")
        assert answer.status_code == 403, who
        assert answer.json()["error"] == "NotAllowed"


def test_R2_a_card_from_an_unregistered_delegation_is_refused_with_404(written: Api) -> None:
    answer = submit(written, who="moderator", delegation="XYZ")

    assert answer.status_code == 404
    assert "XYZ" in answer.json()["detail"]


def test_R2_a_retry_with_the_same_client_id_gives_the_same_card(written: Api) -> None:
    first = submit(written, client_id="card-0001-mex")
    again = submit(written, client_id="card-0001-mex")

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert len(written.get(cards_path(written)).json()["cards"]) == 1


def test_R2_the_secretariat_enters_a_paper_card_from_the_box(written: Api) -> None:
    path = cards_path(written, "paper-cards")
    named = written.client.post(
        path, json={**CARD, "delegation": "GHA"}, headers=written.tokens["secretariat"]
    )
    anonymous = written.client.post(
        path, json={**CARD, "author": "Youth caucus"}, headers=written.tokens["secretariat"]
    )
    by_a_delegate = written.client.post(
        path, json={**CARD, "author": "Me"}, headers=written.tokens["delegate"]
    )
    nameless = written.client.post(path, json=CARD, headers=written.tokens["secretariat"])

    assert named.status_code == 201, named.text
    assert (named.json()["delegation"], named.json()["paper"]) == ("GHA", True)
    assert anonymous.status_code == 201, anonymous.text
    assert anonymous.json()["delegation"] is None
    assert anonymous.json()["author"] == "Youth caucus"
    assert by_a_delegate.status_code == 403
    assert nameless.status_code == 400
    assert "names its delegation" in nameless.json()["detail"]
    # a paper card that names a delegation is that delegation's to correct; the other is not
    assert edit(written, named.json()["id"], who="ghana", partnerships="ILO").status_code == 200
    assert edit(written, anonymous.json()["id"], who="moderator", partnerships="x").status_code == (
        403
    )
    changed = edit(written, anonymous.json()["id"], who="secretariat", partnerships="UNDP")
    assert changed.status_code == 200
    assert changed.json()["partnerships"] == "UNDP"


def test_R2_R3_cards_cannot_be_submitted_or_edited_once_the_report_is_closed(
    written: Api,
) -> None:
    card = submit(written).json()
    close_report(written)

    edited = edit(written, card["id"], recommendation="Too late")
    submitted = submit(written, who="ghana")
    paper = written.client.post(
        cards_path(written, "paper-cards"),
        json={**CARD, "author": "Late"},
        headers=written.tokens["secretariat"],
    )

    for answer in (edited, submitted, paper):
        assert answer.status_code == 409
        assert answer.json()["error"] == "ReportClosed"
        assert "is closed" in answer.json()["detail"]
    listed = written.get(cards_path(written), "delegate").json()
    assert listed["closed"] is True
    assert [c["recommendation"] for c in listed["cards"]] == [CARD["recommendation"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**CARD, "recommendation": "   "}, "recommendation"),
        ({**CARD, "recommendation": "x" * 2001}, "recommendation"),
        ({**CARD, "partnerships": "x" * 2001}, "partnerships"),
        ({**CARD, "colour": "blue"}, "colour"),
        ({**CARD, "client_id": "no spaces allowed"}, "client_id"),
    ],
)
def test_R2_a_card_out_of_bounds_is_refused_with_422_naming_the_field(
    written: Api, body: dict[str, Any], field: str
) -> None:
    answer = written.client.post(cards_path(written), json=body, headers=written.tokens["delegate"])

    assert answer.status_code == 422
    assert answer.json()["error"] == "InvalidRequest"
    assert field in answer.json()["detail"]


def test_R2_cards_of_a_segment_in_another_room_are_not_found(written: Api) -> None:
    path = f"/api/rooms/{written.room}/segments/{written.seeded.panel}/cards"

    answer = written.client.post(path, json=CARD, headers=written.tokens["delegate"])

    assert answer.status_code == 404
    assert answer.json()["error"] == "NotFound"


def test_R2_reading_the_cards_needs_a_credential(written: Api) -> None:
    assert written.client.get(cards_path(written)).status_code == 403
    assert written.get(cards_path(written), "other_rapporteur").status_code == 403
    assert written.get(cards_path(written), "display").status_code == 403
