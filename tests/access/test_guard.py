"""The authorization matrix: every route of the app × every role, allowed or refused.

The routes come from ``create_app``'s route table (``tests.access.routes.route_table``),
so a route added without a rule, or without a line in ``EXPECTED`` below, fails
here. ``EXPECTED`` is written by hand from the issue's model, independently of
the rules in the code: secretariat (everything in its meeting: the token here
is scoped to the seeded meeting), a secretariat of another meeting (nothing
of this meeting: only the public routes and its own, filtered, list of
tokens), moderator (their room), rapporteur (their room's record and report),
delegate (its own delegation's requests and cards), display (reading one
room), anonymous (the public programme, health and login), and a revoked
token (nothing a token opens). The service's administrator (a secretariat
token of no meeting) has its own test below: everything the secretariat may,
and creating meetings.

"Allowed" means the call got past authorization: any answer but 401 and 403
(a 404, 409 or 422 of the route itself is fine). "Refused" means 401 or 403,
and for the live channel a refused upgrade.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session
from starlette.testclient import WebSocketDenialResponse

from app.access.accounts import create_account
from app.access.credentials import CredentialRegistry
from app.access.roles import Principal, Role
from app.config import Environment, Settings
from app.db.engine import make_engine
from app.db.migrations import migrate
from app.db.models import Day, Meeting, RecommendationCard, Room
from app.main import create_app
from tests.access.routes import RouteEntry, route_table
from tests.api_client import bearer
from tests.builders import Seeded, add_segment, seed_meeting
from tests.fakes import FakeClock
from tests.plans import START, panel

ROLES = (
    "anonymous",
    "display",
    "delegate_a",
    "delegate_b",
    "moderator_1",
    "moderator_2",
    "rapporteur",
    "secretariat",
    "secretariat_other",
    "revoked",
)
EVERYONE = frozenset(ROLES)
TOKENS = EVERYONE - {"anonymous", "revoked"}
WATCHERS = frozenset({"display", "delegate_a", "delegate_b", "moderator_1", "rapporteur"})
RUNNERS = frozenset({"moderator_1", "secretariat"})
ROOM_RECORD = frozenset({"moderator_1", "rapporteur", "secretariat"})
SECRETARIAT = frozenset({"secretariat"})
ADMINISTRATOR: frozenset[str] = frozenset()  # a new meeting: the unscoped token's alone
DELEGATES = frozenset({"delegate_a", "delegate_b"})
FOR_A = frozenset({"delegate_a", "moderator_1", "secretariat"})
REPORT_WRITERS = frozenset({"rapporteur", "secretariat"})

ROOM = "/api/rooms/{room_id}"
SEGMENT = "/api/rooms/{room_id}/segments/{segment_id}"
DAY = "/api/meetings/{meeting_id}/days/{day_number}"
DELEGATION = "/api/meetings/{meeting_id}/delegations/{code}"

#: (method, path) → the roles allowed. Written from the issue, not from the code.
EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/api/health"): EVERYONE,
    ("GET", "/api/meetings"): EVERYONE,
    ("GET", "/api/meetings/{meeting_id}"): EVERYONE,
    ("GET", ROOM): WATCHERS | SECRETARIAT,
    ("POST", f"{ROOM}/speech"): RUNNERS,
    ("POST", f"{ROOM}/programme"): RUNNERS,
    ("POST", f"{ROOM}/floor"): RUNNERS,
    ("POST", f"{ROOM}/requests"): FOR_A,  # the body asks for delegation A
    ("POST", f"{ROOM}/inscriptions"): frozenset({"delegate_a", "secretariat"}),  # O4: no moderator
    ("WEBSOCKET", f"{ROOM}/live"): WATCHERS | SECRETARIAT,
    ("GET", f"{ROOM}/screens"): RUNNERS,
    ("GET", f"{SEGMENT}/record"): ROOM_RECORD,
    ("GET", f"{SEGMENT}/record.csv"): ROOM_RECORD,
    ("GET", f"{SEGMENT}/statistics"): ROOM_RECORD,
    ("GET", f"{SEGMENT}/statistics.csv"): ROOM_RECORD,
    ("GET", f"{DAY}/record"): SECRETARIAT,  # a room's rapporteur reads its room only
    ("GET", f"{DAY}/record.csv"): SECRETARIAT,
    ("GET", f"{DAY}/statistics"): SECRETARIAT,
    ("GET", f"{DAY}/statistics.csv"): SECRETARIAT,
    ("GET", "/api/meetings/{meeting_id}/record"): SECRETARIAT,
    ("GET", "/api/meetings/{meeting_id}/record.csv"): SECRETARIAT,
    ("GET", "/api/meetings/{meeting_id}/statistics"): SECRETARIAT,
    ("GET", "/api/meetings/{meeting_id}/statistics.csv"): SECRETARIAT,
    ("GET", f"{SEGMENT}/cards"): ROOM_RECORD | DELEGATES,  # a delegate sees its own
    ("POST", f"{SEGMENT}/cards"): FOR_A,
    ("POST", f"{SEGMENT}/paper-cards"): SECRETARIAT,
    ("PATCH", f"{SEGMENT}/cards/{{card_id}}"): FOR_A,  # the card is delegation A's
    ("GET", f"{SEGMENT}/report"): ROOM_RECORD,
    ("PUT", f"{SEGMENT}/report"): REPORT_WRITERS,
    ("POST", f"{SEGMENT}/report/close"): REPORT_WRITERS,
    ("GET", f"{SEGMENT}/report.md"): ROOM_RECORD,
    ("GET", f"{SEGMENT}/report.docx"): ROOM_RECORD,
    ("POST", "/api/credentials"): SECRETARIAT,
    ("GET", "/api/credentials"): SECRETARIAT | {"secretariat_other"},  # its own tokens
    ("POST", "/api/credentials/{token_id}/revoke"): SECRETARIAT,
    ("POST", "/api/credentials/{token_id}/rotate"): SECRETARIAT,
    ("POST", "/api/login"): EVERYONE,
    ("GET", f"{ROOM}/audit"): SECRETARIAT,
    ("POST", "/api/meetings"): ADMINISTRATOR,
    ("POST", "/api/meetings/{meeting_id}/delegations"): SECRETARIAT,
    ("GET", f"{DELEGATION}/participants"): SECRETARIAT,
    ("POST", f"{DELEGATION}/participants"): SECRETARIAT,
    ("DELETE", f"{DELEGATION}/participants/{{participant_id}}"): SECRETARIAT,
    ("PUT", "/api/segments/{segment_id}/roles"): SECRETARIAT,
    ("GET", "/moderator/{room_id}"): RUNNERS,
    ("GET", "/delegate"): DELEGATES,
    ("GET", "/display/{room_id}"): WATCHERS | SECRETARIAT,
    ("GET", "/podium/{room_id}"): WATCHERS | SECRETARIAT,
    ("GET", "/report/{room_id}/{segment_id}"): ROOM_RECORD,
    ("GET", "/api/pages/rooms/{room_id}"): WATCHERS | SECRETARIAT,
    ("GET", "/api/pages/delegate"): DELEGATES,
    ("GET", "/secretariat/meetings/{meeting_id}/badges"): SECRETARIAT,
    ("GET", "/secretariat/meetings/{meeting_id}/badges/{code}.svg"): SECRETARIAT,
    ("GET", "/secretariat/badges.css"): EVERYONE,
    ("GET", "/secretariat"): SECRETARIAT | {"secretariat_other"},  # the page names no meeting
    ("GET", "/secretariat/credentials/{token_id}.svg"): SECRETARIAT,
    ("GET", "/api/secretariat/meetings/{meeting_id}"): SECRETARIAT,
    ("GET", "/api/secretariat/meetings/{meeting_id}/credentials"): SECRETARIAT,
    ("POST", "/api/secretariat/meetings/{meeting_id}/delegate-links"): SECRETARIAT,
    ("POST", "/api/secretariat/meetings/{meeting_id}/rehearsals"): ADMINISTRATOR,  # a new meeting
}

PASSWORD = "matrix password 1"

#: A body that passes validation where the route takes one (so that "allowed" is not a 422).
BODIES: dict[tuple[str, str], Any] = {
    ("POST", f"{ROOM}/speech"): {"type": "start", "command_id": "matrix-start"},
    ("POST", f"{ROOM}/programme"): {"type": "close_phase", "command_id": "matrix-close"},
    ("POST", f"{ROOM}/floor"): {"type": "grant", "command_id": "matrix-grant"},
    ("POST", f"{ROOM}/requests"): {
        "type": "request",
        "delegation": "MEX",
        "command_id": "matrix-request",
    },
    ("POST", f"{ROOM}/inscriptions"): {
        "type": "inscribe",
        "delegation": "MEX",
        "segment_id": "{segment_id}",
        "tier": "minister",
        "command_id": "matrix-inscribe",
    },
    ("POST", f"{SEGMENT}/cards"): {"delegation": "MEX", "recommendation": "Protect migrants"},
    ("POST", f"{SEGMENT}/paper-cards"): {"author": "A name", "recommendation": "From the box"},
    ("PATCH", f"{SEGMENT}/cards/{{card_id}}"): {"partnerships": "Cities"},
    ("PUT", f"{SEGMENT}/report"): {"summary": "A summary"},
    ("POST", "/api/credentials"): {"role": "display", "room_id": "{room_id}"},
    ("POST", "/api/login"): {"name": "matrix", "password": PASSWORD},
    ("POST", f"{DELEGATION}/participants"): {"name": "A participant"},
    ("PUT", "/api/segments/{segment_id}/roles"): {"rapporteur": "Ms. R"},
    # a day the meeting lacks: allowed (404), and no rehearsal copy left behind
    ("POST", "/api/secretariat/meetings/{meeting_id}/rehearsals"): {"day": 9},
}
TEXT_BODIES: dict[tuple[str, str], tuple[str, str]] = {
    ("POST", "/api/meetings"): ("application/yaml", "not: a programme\n"),
    ("POST", "/api/meetings/{meeting_id}/delegations"): ("text/csv", "code,category\n"),
}


@dataclass
class Matrix:
    app: FastAPI
    client: TestClient
    seeded: Seeded
    tokens: dict[str, str | None]
    values: dict[str, str]
    other: Other


@dataclass(frozen=True)
class Other:
    """A second meeting, of one room and one segment: the other secretariat's."""

    meeting_id: int
    room_id: int
    segment_id: int


def _seed_other(engine: Any) -> Other:
    with Session(engine, expire_on_commit=False) as session:
        meeting = Meeting(key="other", title="Another meeting", timezone="UTC")
        session.add(meeting)
        session.flush()
        assert meeting.id is not None
        day = Day(meeting_id=meeting.id, number=1, date="2018-01-08")
        room = Room(meeting_id=meeting.id, key="hall", name="Another hall")
        session.add_all([day, room])
        session.flush()
        assert day.id is not None
        assert room.id is not None
        segment = add_segment(session, day, "other-panel", room.id, panel(start=START))
        session.commit()
        assert segment.id is not None
        return Other(meeting.id, room.id, segment.id)


def _key(entry: RouteEntry) -> tuple[str, str]:
    method = "WEBSOCKET" if entry.kind == "websocket" else min(entry.methods - {"HEAD"})
    return method, entry.path


def _entries() -> list[RouteEntry]:
    return route_table(create_app(Settings(environment=Environment.TEST)).routes)


def unruled(entries: list[RouteEntry]) -> list[str]:
    """The routes that carry no rule, or that this matrix does not expect."""
    return [f"{_key(e)[0]} {e.path}" for e in entries if e.rule is None or _key(e) not in EXPECTED]


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    folder: Path = tmp_path_factory.mktemp("matrix")
    url = f"sqlite:///{folder / 'matrix.db'}"
    migrate(url)
    engine = make_engine(url)
    seeded = seed_meeting(engine)
    other = _seed_other(engine)
    create_account(engine, "matrix", PASSWORD, START)
    with Session(engine, expire_on_commit=False) as session:
        card = RecommendationCard(
            meeting_id=seeded.meeting_id,
            segment_id=seeded.action_group,
            delegation_id=1,  # MEX, the first delegation seeded
            recommendation="A card of delegation A",
            created_at=START,
            updated_at=START,
        )
        session.add(card)
        session.commit()
    engine.dispose()
    settings = Settings(environment=Environment.TEST, database_url=url, secret_key="m" * 32)
    app = create_app(settings, now=FakeClock(START))
    one, two = seeded.rooms
    with TestClient(app) as client:
        registry: CredentialRegistry = app.state.services.credentials
        principals = {
            "display": Principal(Role.DISPLAY, room_id=one),
            "delegate_a": Principal(Role.DELEGATE, delegation="MEX"),
            "delegate_b": Principal(Role.DELEGATE, delegation="GHA"),
            "moderator_1": Principal(Role.MODERATOR, room_id=one),
            "moderator_2": Principal(Role.MODERATOR, room_id=two),
            "rapporteur": Principal(Role.RAPPORTEUR, room_id=one),
            "secretariat": Principal(Role.SECRETARIAT, meeting_id=seeded.meeting_id),
            "secretariat_other": Principal(Role.SECRETARIAT, meeting_id=other.meeting_id),
            "administrator": Principal(Role.SECRETARIAT),
            "revoked": Principal(Role.SECRETARIAT),
        }
        tokens: dict[str, str | None] = {"anonymous": None}
        for role, principal in principals.items():
            tokens[role] = registry.issue(principal, f"matrix: {role}").token
        revoked = app.state.services.signer.read(tokens["revoked"])
        registry.revoke(revoked.token_id)
        spare = registry.issue(Principal(Role.DISPLAY, room_id=two), "matrix: spare")
        values = {
            "room_id": str(one),
            "segment_id": str(seeded.action_group),
            "meeting_id": str(seeded.meeting_id),
            "day_number": "2",
            "card_id": str(card.id),
            "code": "MEX",
            "participant_id": "999999",
            "token_id": spare.id,
        }
        yield Matrix(app, client, seeded, tokens, values, other)


def _fill(text: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


def _body(raw: Any, values: dict[str, str]) -> Any:
    if isinstance(raw, dict):
        ids = ("{room_id}", "{segment_id}")
        return {k: int(_fill(v, values)) if v in ids else v for k, v in raw.items()}
    return raw


def _allowed(matrix: Matrix, key: tuple[str, str], role: str) -> bool:
    method, template = key
    path = _fill(template, matrix.values)
    token = matrix.tokens[role]
    headers = bearer(token) if token else {}
    query = {"token": token} if token else {}  # the pages read their link's ?token=
    if method == "WEBSOCKET":
        try:
            with matrix.client.websocket_connect(
                path + (f"?token={token}" if token else "")
            ) as socket:
                assert socket.receive_json()["type"] == "snapshot"
            return True
        except WebSocketDenialResponse as refused:
            status = refused.status_code
        assert status == 403, (key, role, status)
        return False
    kwargs: dict[str, Any] = {"headers": headers, "params": query}
    if key in BODIES:
        kwargs["json"] = _body(BODIES[key], matrix.values)
    if key in TEXT_BODIES:
        media, text = TEXT_BODIES[key]
        kwargs["content"] = text.encode()
        kwargs["headers"] = {**headers, "Content-Type": media}
    answer = matrix.client.request(method, path, **kwargs)
    assert answer.status_code < 500, (key, role, answer.text)
    return answer.status_code not in (401, 403)


ENTRIES = _entries()


def test_every_route_has_a_rule_and_a_line_in_the_matrix() -> None:
    assert unruled(ENTRIES) == []
    assert {_key(e) for e in ENTRIES} == set(EXPECTED)


def test_a_route_added_without_a_rule_fails_the_matrix() -> None:
    app = create_app(Settings(environment=Environment.TEST))

    @app.get("/api/unguarded")
    async def unguarded() -> dict[str, str]:
        return {"anyone": "can call this"}

    assert unruled(route_table(app.routes)) == ["GET /api/unguarded"]


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: " ".join(_key(e)))
def test_each_role_is_allowed_or_refused_as_the_model_says(
    matrix: Matrix, entry: RouteEntry
) -> None:
    key = _key(entry)
    allowed = {role for role in ROLES if _allowed(matrix, key, role)}
    assert allowed == EXPECTED[key], f"{key}: allowed {sorted(allowed)}"


def test_an_unscoped_administrator_token_covers_every_route_the_secretariat_does_and_more(
    matrix: Matrix,
) -> None:
    allowed = {_key(e) for e in ENTRIES if _allowed(matrix, _key(e), "administrator")}
    secretariat = {key for key, roles in EXPECTED.items() if "secretariat" in roles}
    assert allowed == secretariat | {
        ("POST", "/api/meetings"),
        ("POST", "/api/secretariat/meetings/{meeting_id}/rehearsals"),
    }


def test_a_secretariat_of_another_meeting_runs_its_own_meeting(matrix: Matrix) -> None:
    other, client = matrix.other, matrix.client
    token = matrix.tokens["secretariat_other"]
    headers = {"Authorization": f"Bearer {token}"}
    own = {
        ("GET", f"/api/rooms/{other.room_id}"): 200,
        ("GET", f"/api/rooms/{other.room_id}/screens"): 200,
        ("GET", f"/api/rooms/{other.room_id}/audit"): 200,
        ("GET", f"/api/meetings/{other.meeting_id}/record"): 200,
        ("GET", f"/api/rooms/{other.room_id}/segments/{other.segment_id}/record"): 200,
        ("GET", f"/secretariat/meetings/{other.meeting_id}/badges"): 200,
    }
    for (method, path), status in own.items():
        answer = client.request(method, path, headers=headers, params={"token": token})
        assert answer.status_code == status, (path, answer.text)
    roles = client.put(
        f"/api/segments/{other.segment_id}/roles", headers=headers, json={"rapporteur": "Ms. O"}
    )
    assert roles.status_code == 200, roles.text
    with client.websocket_connect(f"/api/rooms/{other.room_id}/live?token={token}") as socket:
        assert socket.receive_json()["type"] == "snapshot"
    refused = client.get(f"/api/rooms/{matrix.values['room_id']}", headers=headers)
    assert refused.status_code == 403
    assert "belongs to another meeting" in refused.json()["detail"]


def test_a_scoped_secretariat_issues_and_manages_tokens_of_its_own_meeting_only(
    matrix: Matrix,
) -> None:
    other, client = matrix.other, matrix.client
    headers = {"Authorization": f"Bearer {matrix.tokens['secretariat_other']}"}
    wider = client.post("/api/credentials", headers=headers, json={"role": "secretariat"})
    assert wider.status_code == 201, wider.text
    assert wider.json()["meeting_id"] == other.meeting_id  # never wider than its own
    elsewhere = client.post(
        "/api/credentials",
        headers=headers,
        json={"role": "secretariat", "meeting_id": matrix.seeded.meeting_id},
    )
    assert elsewhere.status_code == 403
    display = client.post(
        "/api/credentials", headers=headers, json={"role": "display", "room_id": other.room_id}
    )
    assert display.status_code == 201
    listed = {c["id"] for c in client.get("/api/credentials", headers=headers).json()}
    assert {wider.json()["id"], display.json()["id"]} <= listed
    assert matrix.values["token_id"] not in listed  # the first meeting's display token
    issued = bearer(wider.json()["token"])
    assert client.get(f"/api/rooms/{other.room_id}", headers=issued).status_code == 200
    first_room = matrix.values["room_id"]
    assert client.get(f"/api/rooms/{first_room}", headers=issued).status_code == 403
    rotated = client.post(f"/api/credentials/{display.json()['id']}/rotate", headers=headers)
    assert rotated.status_code == 201
    assert rotated.json()["room_id"] == other.room_id
