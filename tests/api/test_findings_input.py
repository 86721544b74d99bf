"""Issue 13, finding 8: what a client sends is bounded and typed, and names cannot hide.

* a body over ``FLOORKEEPER_MAX_BODY_BYTES`` is a 413 with or without
  ``Content-Length`` (a chunked one was a 400);
* a boolean is not a number, nor a string a boolean (``"seconds": true`` was
  taken as 1 s): 422 naming the field;
* a name with a bidi control or a zero-width character is refused with its
  field named, wherever it enters (a command, a registration, a delegations
  CSV or a programme, over HTTP and from ``floorkeeper import``), while
  Arabic, Chinese and Persian names pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from app.access.roles import Principal, Role
from app.cli.command import main
from tests.api_client import Api, serving
from tests.builders import seed_meeting
from tests.meeting.test_importer import SMALL

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: what follows shows reversed
ZWSP = "\u200b"  # ZERO WIDTH SPACE
ZWNJ = "\u200c"  # ZERO WIDTH NON-JOINER: part of how Persian is written
PERSIAN_NGOS = f"سازمان{ZWNJ}های مردم{ZWNJ}نهاد"  # "non-governmental organisations"


@pytest.fixture
def api(sqlite_url: str, engine: Engine) -> Iterator[Api]:
    with serving(sqlite_url, seed_meeting(engine)) as served:
        yield served


def _give(api: Api, n: int, **fields: Any) -> Any:
    return api.post("floor", {"type": "give", "command_id": f"give-{n:04d}", **fields})


def _open_segment(api: Api) -> None:
    api.do("programme", {"type": "open_segment", "segment_id": api.seeded.action_group})


# -- bodies over the limit ---------------------------------------------------------------


def test_finding_8_a_chunked_body_over_the_limit_is_413_not_400(api: Api) -> None:
    chunk = b" " * 16 * 1024  # JSON whitespace: the body is over the limit, not malformed
    refused = api.client.post(
        f"/api/rooms/{api.room}/floor",
        content=iter([b'{"type": "give", ', *[chunk] * 5, b'"name": "x"}']),  # no Content-Length
        headers={**api.tokens["moderator"], "Content-Type": "application/json"},
    )
    assert refused.status_code == 413
    assert refused.json()["error"] == "TooLarge"
    assert "FLOORKEEPER_MAX_BODY_BYTES" in refused.json()["detail"]


def test_a_chunked_body_within_the_limit_is_read_as_any_other(api: Api) -> None:
    _open_segment(api)
    answered = api.client.post(
        f"/api/rooms/{api.room}/floor",
        content=iter([b'{"type": "give", "command_id": "give-0001", ', b'"name": "Guest"}']),
        headers={**api.tokens["moderator"], "Content-Type": "application/json"},
    )
    assert answered.status_code == 200, answered.text


# -- strict types ------------------------------------------------------------------------


def test_finding_8_a_boolean_is_not_a_number_of_seconds(api: Api) -> None:
    _open_segment(api)
    refused = _give(api, 1, name="Guest", seconds=True)
    assert refused.status_code == 422
    assert refused.json()["error"] == "InvalidRequest"
    assert "give.seconds: Input should be a valid number" in refused.json()["detail"]
    assert _give(api, 2, name="Guest", seconds=90).status_code == 200  # an integer is a number


def test_finding_8_no_body_coerces_a_boolean_or_a_string(api: Api) -> None:
    meeting = api.seeded.meeting_id
    registered = api.client.post(
        f"/api/meetings/{meeting}/delegations/MEX/participants",
        json={"name": "Head of delegation", "head": "yes"},  # a string is not a boolean
        headers=api.secretariat,
    )
    assert registered.status_code == 422
    assert "head" in registered.json()["detail"]
    issued = api.client.post(
        "/api/credentials",
        json={"role": "display", "room_id": True},  # a boolean is not room 1
        headers=api.secretariat,
    )
    assert issued.status_code == 422
    assert "room_id" in issued.json()["detail"]
    display = {"role": "display", "room_id": api.room}  # an enum still takes its value
    assert api.client.post("/api/credentials", json=display, headers=api.secretariat).is_success


def test_a_boolean_is_not_a_time_on_the_live_channel(api: Api) -> None:
    token = api.issue(Principal(Role.DISPLAY, room_id=api.room)).token
    with api.client.websocket_connect(f"/api/rooms/{api.room}/live?token={token}") as live:
        assert live.receive_json()["type"] == "snapshot"
        live.send_json({"type": "ping", "t0": True})
        answer = live.receive_json()
    assert answer["type"] == "error"
    assert "t0" in answer["detail"]


# -- names that hide ---------------------------------------------------------------------


def test_finding_8_a_given_floors_name_with_a_bidi_override_is_refused(api: Api) -> None:
    _open_segment(api)
    refused = _give(api, 1, name=f"Mexico {RLO}ocixeM")
    assert refused.status_code == 422
    detail = refused.json()["detail"]
    assert "give.name" in detail
    assert "U+202E (RIGHT-TO-LEFT OVERRIDE)" in detail
    assert _give(api, 2, name="المكسيك").status_code == 200


def _person(api: Api, name: str) -> Any:
    return api.client.post(
        f"/api/meetings/{api.seeded.meeting_id}/delegations/MEX/participants",
        json={"name": name},
        headers=api.secretariat,
    )


def test_finding_8_a_participant_with_a_zero_width_space_is_refused(api: Api) -> None:
    refused = _person(api, f"Ana{ZWSP} López")
    assert refused.status_code == 422
    assert "name: Value error, contains U+200B (ZERO WIDTH SPACE)" in refused.json()["detail"]
    latin_joiner = _person(api, f"Mex{ZWNJ}ico")  # between Latin letters it only disguises
    assert "U+200C (ZERO WIDTH NON-JOINER)" in latin_joiner.json()["detail"]
    for name in ("فاطمة الزهراء", "王小明", f"علی{ZWNJ}اکبر صالحی"):
        assert _person(api, name).status_code == 201, name


def _csv(api: Api, text: str) -> Any:
    return api.client.post(
        f"/api/meetings/{api.seeded.meeting_id}/delegations",
        content=text.encode(),
        headers={**api.secretariat, "Content-Type": "text/csv"},
    )


def test_finding_8_an_uploaded_delegations_csv_with_a_bidi_name_is_refused(api: Api) -> None:
    header = "code,category,name_en,name_ar,name_zh\n"
    refused = _csv(api, header + f"FRA,member_state,,,\nNGO1,civil_society,Acme{RLO}evil,,\n")
    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        "delegations.csv line 3: name_en of 'NGO1' contains U+202E (RIGHT-TO-LEFT OVERRIDE), "
        "an invisible character that can disguise a name on the wall: remove it"
    )
    hidden_code = _csv(api, header + f"N{ZWSP}GO,civil_society,Acme,,\n")
    assert "code of 'N\\u200bGO' contains U+200B" in hidden_code.json()["detail"]
    names = f"NGO1,civil_society,Civil society,{PERSIAN_NGOS},民间社会\n"
    assert _csv(api, header + names).status_code == 200


def test_finding_8_an_uploaded_programme_with_a_bidi_room_name_is_refused(api: Api) -> None:
    text = SMALL.replace("name: Hall}", f"name: Hall{RLO}}}")
    refused = api.client.post(
        "/api/meetings",
        content=text.encode(),
        headers={**api.secretariat, "Content-Type": "application/yaml"},
    )
    assert refused.status_code == 422
    assert "U+202E" in refused.json()["detail"]
    assert "rooms" in refused.json()["detail"]


def test_finding_8_the_import_command_refuses_a_bidi_delegation_name_in_one_line(
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "small.yaml").write_text(SMALL + "delegations: delegations.csv\n", encoding="utf-8")
    (tmp_path / "delegations.csv").write_text(
        f"code,category,name_en\nCHE,member_state,\nIOM,un_system,Migration{RLO}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    assert main(["import", str(tmp_path / "small.yaml")]) == 2
    printed = capsys.readouterr()
    assert printed.err == (
        "floorkeeper: delegations.csv line 3: name_en of 'IOM' contains U+202E "
        "(RIGHT-TO-LEFT OVERRIDE), an invisible character that can disguise a name on the "
        "wall: remove it\n"
    )
