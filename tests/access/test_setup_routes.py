"""The secretariat sets a meeting up over HTTP: programme, delegations (P1), people (P5), roles."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.access.roles import Principal, Role
from app.config import DEMO_PROGRAMME, Environment, Settings
from app.db.models import Delegation, RoomEvent
from app.main import create_app
from app.meeting.source import Source, read_source
from tests.api_client import SECRET, Api
from tests.builders import seed_meeting
from tests.fakes import FakeClock
from tests.meeting.test_finding_2 import ALIAS_REFUSED, billion_laughs
from tests.plans import START

COUNTRIES = Path(__file__).resolve().parents[2] / "app" / "data" / "countries.csv"
LANGUAGES = ("en", "fr", "es", "ru", "zh", "ar")


def _member_states_csv() -> str:
    with COUNTRIES.open(encoding="utf-8", newline="") as file:
        rows = [row for row in csv.DictReader(file) if row["un_member"] == "1"]
    return "code,category\n" + "".join(f"{row['iso3']},member_state\n" for row in rows)


def _yaml(site: Api, text: str) -> Any:
    return site.client.post(
        "/api/meetings",
        content=text.encode(),
        headers={**site.secretariat, "Content-Type": "application/yaml"},
    )


def _csv(site: Api, meeting_id: int, text: str) -> Any:
    return site.client.post(
        f"/api/meetings/{meeting_id}/delegations",
        content=text.encode(),
        headers={**site.secretariat, "Content-Type": "text/csv"},
    )


def _person(site: Api, code: str, name: str, head: bool = False) -> Any:
    return site.client.post(
        f"/api/meetings/{site.seeded.meeting_id}/delegations/{code}/participants",
        json={"name": name, "head": head},
        headers=site.secretariat,
    )


def test_C1_a_programme_file_posted_by_the_secretariat_becomes_a_meeting_with_live_rooms(
    site: Api,
) -> None:
    answer = _yaml(site, DEMO_PROGRAMME.read_text(encoding="utf-8"))
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert len(created["rooms"]) >= 3
    room = created["rooms"][0]["id"]
    view = site.client.get(f"/api/rooms/{room}", headers=site.secretariat)
    assert view.status_code == 200
    assert site.client.get(f"/api/meetings/{created['id']}").json()["key"] == created["key"]
    again = _yaml(site, DEMO_PROGRAMME.read_text(encoding="utf-8"))
    assert again.status_code == 422
    assert "exists already" in again.json()["detail"]


def test_a_bad_programme_file_is_refused_with_its_line(site: Api) -> None:
    answer = _yaml(site, "meeting: {key: x, title: X, timezone: Nowhere/Else}\n")
    assert answer.status_code == 422
    assert "line" in answer.json()["detail"]


def test_a_programme_must_be_sent_as_yaml_text(site: Api) -> None:
    answer = site.client.post("/api/meetings", json={"meeting": {}}, headers=site.secretariat)
    assert answer.status_code == 415
    assert "application/yaml" in answer.json()["detail"]


def test_P1_the_193_member_states_import_with_six_names_and_their_regional_group(
    site: Api,
) -> None:
    answer = _csv(site, site.seeded.meeting_id, _member_states_csv())
    assert answer.status_code == 200, answer.text
    assert answer.json()["added"] + answer.json()["updated"] == 193
    with Session(site.app.state.services.engine) as session:
        states = session.exec(
            select(Delegation).where(
                Delegation.meeting_id == site.seeded.meeting_id,
                Delegation.category == "member_state",
            )
        ).all()
    assert len(states) == 193
    assert all(set(LANGUAGES) <= set(s.names) for s in states)
    by_code = {s.code: s for s in states}
    assert by_code["MEX"].regional_group == "latin_american_caribbean"
    assert by_code["GHA"].regional_group == "african"
    assert by_code["FRA"].names["zh"] == "法国"
    assert {s.regional_group for s in states} == {
        "african",
        "asia_pacific",
        "eastern_european",
        "latin_american_caribbean",
        "western_european_other",
    }


def test_P1_a_bad_delegation_row_is_refused_with_its_line_and_nothing_written(site: Api) -> None:
    answer = _csv(
        site, site.seeded.meeting_id, "code,category\nFRA,member_state\nXYZ,member_state\n"
    )
    assert answer.status_code == 422
    assert "line 3" in answer.json()["detail"]
    with Session(site.app.state.services.engine) as session:
        assert session.exec(select(Delegation).where(Delegation.code == "FRA")).first() is None


def test_P5_a_fifth_participant_is_refused_with_a_clear_message(site: Api) -> None:
    assert _person(site, "MEX", "Head of delegation", head=True).status_code == 201
    for n in range(3):
        assert _person(site, "MEX", f"Delegate {n}").status_code == 201
    fifth = _person(site, "MEX", "One too many")
    assert fifth.status_code == 409
    assert "limited to 4" in fifth.json()["detail"]
    assert "P5" in fifth.json()["detail"]
    listed = site.client.get(
        f"/api/meetings/{site.seeded.meeting_id}/delegations/MEX/participants",
        headers=site.secretariat,
    ).json()
    assert len(listed) == 4
    assert [p["head"] for p in listed].count(True) == 1
    removed = site.client.delete(
        f"/api/meetings/{site.seeded.meeting_id}/delegations/MEX/participants/{listed[-1]['id']}",
        headers=site.secretariat,
    )
    assert removed.status_code == 200
    assert _person(site, "MEX", "The replacement").status_code == 201


def test_P5_a_delegation_has_one_head(site: Api) -> None:
    assert _person(site, "GHA", "Head", head=True).status_code == 201
    second = _person(site, "GHA", "Another head", head=True)
    assert second.status_code == 409
    assert "head of delegation already" in second.json()["detail"]


def test_participants_of_an_unknown_delegation_are_a_404(site: Api) -> None:
    assert _person(site, "XYZ", "Nobody").status_code == 404


def _roles(site: Api, segment: int, body: dict[str, Any]) -> Any:
    return site.client.put(f"/api/segments/{segment}/roles", json=body, headers=site.secretariat)


def test_P4_segment_roles_are_set_before_the_segment_opens_and_rcp_chairs_queue_first(
    site: Api,
) -> None:
    segment = site.seeded.action_group
    body = {"moderators": ["H.E. Ms. A"], "rapporteur": "Mr. B", "rcp_chairs": ["GHA"]}
    answer = _roles(site, segment, body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["rcp_chairs"] == ["GHA"]
    room = site.seeded.rooms[0]
    moderator = site.bearer(Principal(Role.MODERATOR, room_id=room))
    for command_id, path, command in (
        ("open-0001", "programme", {"type": "open_segment", "segment_id": segment}),
        ("add-mex-01", "floor", {"type": "add_request", "delegation": "MEX"}),
        ("add-gha-01", "floor", {"type": "add_request", "delegation": "GHA"}),
    ):
        sent = site.client.post(
            f"/api/rooms/{room}/{path}",
            json={**command, "command_id": command_id},
            headers=moderator,
        )
        assert sent.status_code == 200, sent.text
    queue = site.client.get(f"/api/rooms/{room}", headers=moderator).json()["queue"]
    assert [item["delegation_id"] for item in queue] == ["GHA", "MEX"]  # P4: the chair first
    assert queue[0]["rank"] == -1
    refused = _roles(site, segment, {**body, "rapporteur": "Someone else"})
    assert refused.status_code == 409
    assert "has been opened" in refused.json()["detail"]
    with Session(site.app.state.services.engine) as session:
        assert session.exec(select(RoomEvent).where(RoomEvent.type == "SegmentOpened")).first()


def test_P4_an_rcp_chair_must_be_a_registered_member_state(site: Api) -> None:
    answer = _roles(site, site.seeded.action_group, {"rcp_chairs": ["IOM"]})
    assert answer.status_code == 422
    assert "always a Member State" in answer.json()["detail"]


def test_set_up_is_the_secretariats_alone(site: Api) -> None:
    room = site.seeded.rooms[0]
    moderator = site.bearer(Principal(Role.MODERATOR, room_id=room))
    refused = site.client.put(
        f"/api/segments/{site.seeded.action_group}/roles", json={}, headers=moderator
    )
    assert refused.status_code == 403
    yaml = site.client.post(
        "/api/meetings", content=b"x: 1", headers={**moderator, "Content-Type": "text/yaml"}
    )
    assert yaml.status_code == 403


# -- finding 2: an upload is bounded, refused at its first alias, and parsed off the event loop


def test_finding_2_an_alias_bomb_posted_as_a_programme_is_refused_with_its_line(
    site: Api,
) -> None:
    answer = _yaml(site, billion_laughs())
    assert answer.status_code == 422, answer.text
    assert answer.json() == {
        "error": "InvalidProgramme",
        "detail": f"programme.yaml {ALIAS_REFUSED}",
        "code": "programme.invalid",
        "params": {"problems": f"programme.yaml {ALIAS_REFUSED}"},
    }


def test_finding_2_a_programme_is_parsed_off_the_event_loop_while_the_service_answers(
    site: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers: list[int] = []

    def parse_and_ask(text: str, name: str) -> Source:
        # From the event loop's own thread the client cannot be called (anyio refuses): the
        # question is answered only if the parse runs elsewhere and leaves the loop free.
        answers.append(site.client.get("/api/health").status_code)
        return read_source(text, name)

    monkeypatch.setattr("app.meeting.importer.read_source", parse_and_ask)
    answer = _yaml(site, DEMO_PROGRAMME.read_text(encoding="utf-8"))
    assert answer.status_code == 201, answer.text
    assert answers == [200]


@pytest.fixture
def limited(sqlite_url: str, engine: Engine) -> Iterator[Api]:
    """The site with 2 KiB limits on a programme and a delegations CSV."""
    seeded = seed_meeting(engine)
    settings = Settings(
        environment=Environment.TEST,
        database_url=sqlite_url,
        secret_key=SECRET,
        max_programme_bytes=2048,
        max_delegations_bytes=2048,
    )
    clock = FakeClock(START)
    app = create_app(settings, now=clock)
    with TestClient(app) as client:
        yield Api(app, client, clock, seeded, settings, {})


def test_finding_2_a_programme_over_its_limit_is_a_413_naming_the_setting(
    limited: Api,
) -> None:
    refused = {
        "error": "TooLarge",
        "detail": "programme.yaml is over 2048 bytes, "
        "the limit set by FLOORKEEPER_MAX_PROGRAMME_BYTES",
        "code": "file.too_large",
        "params": {
            "what": "programme.yaml",
            "limit": 2048,
            "setting": "FLOORKEEPER_MAX_PROGRAMME_BYTES",
        },
    }
    text = "# " + "x" * 2048 + "\n"
    assert _yaml(limited, text).json() == refused
    chunked = limited.client.post(
        "/api/meetings",
        content=iter([text[:1500].encode(), text[1500:].encode()]),  # no Content-Length
        headers={**limited.secretariat, "Content-Type": "application/yaml"},
    )
    assert chunked.status_code == 413
    assert chunked.json() == refused
    assert _yaml(limited, "# " + "x" * 2000 + "\n").status_code == 422  # within: read, checked


def test_finding_2_a_delegations_csv_over_its_limit_is_a_413_naming_the_setting(
    limited: Api,
) -> None:
    answer = _csv(
        limited, limited.seeded.meeting_id, "code,category\n" + "CHE,member_state\n" * 200
    )
    assert answer.status_code == 413
    assert answer.json()["detail"] == (
        "delegations.csv is over 2048 bytes, the limit set by FLOORKEEPER_MAX_DELEGATIONS_BYTES"
    )
