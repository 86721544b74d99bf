"""The page routes in process: who may open which screen, and what the pages are told."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.access.roles import Principal, Role
from app.config import Environment, Settings
from app.main import create_app
from tests.api_client import bearer
from tests.builders import Seeded
from tests.plans import START
from tests.web.server import seed

SECRET = "p" * 32


@pytest.fixture
def seeded_client(tmp_path: Path) -> Iterator[tuple[TestClient, Seeded]]:
    url = f"sqlite:///{tmp_path / 'pages.db'}"
    seeded = seed(url, START)
    settings = Settings(environment=Environment.TEST, database_url=url, secret_key=SECRET)
    with TestClient(create_app(settings)) as client:
        yield client, seeded


def _token(
    site: tuple[TestClient, Seeded],
    role: Role,
    room: int | None = None,
    delegation: str | None = None,
) -> str:
    """A credential recorded in the app's registry, of the seeded meeting."""
    client, seeded = site
    meeting = None if room else seeded.meeting_id
    principal = Principal(role, room_id=room, delegation=delegation, meeting_id=meeting)
    issued = client.app.state.services.credentials.issue(principal, "tests")  # type: ignore[attr-defined]
    return str(issued.token)


def test_each_screen_opens_for_its_own_token_only(
    seeded_client: tuple[TestClient, Seeded],
) -> None:
    client, seeded = seeded_client
    issue = partial(_token, seeded_client)
    one, two = seeded.rooms
    opened = {
        f"/moderator/{one}?token={issue(Role.MODERATOR, one)}": "/static/moderator/console.js",
        f"/moderator/{two}?token={issue(Role.SECRETARIAT)}": "/static/moderator/console.js",
        f"/delegate?token={issue(Role.DELEGATE, delegation='GHA')}": "/static/delegate/",
        f"/display/{one}?token={issue(Role.DISPLAY, one)}": "/static/display/display.js",
        f"/podium/{one}?token={issue(Role.MODERATOR, one)}": "/static/display/podium.js",
    }
    for path, module in opened.items():
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.text)
        assert module in answer.text
        assert answer.headers["cache-control"] == "no-store"
    refused = {
        f"/moderator/{one}?token={issue(Role.DISPLAY, one)}": (
            403,
            "cannot run room",
        ),
        f"/moderator/{one}?token={issue(Role.MODERATOR, two)}": (
            403,
            "cannot run room",
        ),
        f"/delegate?token={issue(Role.DISPLAY, one)}": (
            403,
            "page of a delegation",
        ),
        "/delegate": (403, "needs the link"),
        f"/display/{one}?token=not-a-token": (403, "not valid"),
        f"/display/{two}?token={issue(Role.DISPLAY, one)}": (
            403,
            "cannot watch room",
        ),
        f"/display/77?token={issue(Role.DISPLAY, one)}": (404, "no room 77"),
    }
    for path, (status, words) in refused.items():
        answer = client.get(path)
        assert answer.status_code == status, path
        assert words in answer.text, (path, answer.text)
        assert "<h1>This page cannot be opened</h1>" in answer.text


def test_a_refusal_page_escapes_what_it_quotes(seeded_client: tuple[TestClient, Seeded]) -> None:
    client, _ = seeded_client
    issue = partial(_token, seeded_client)
    token = issue(Role.DELEGATE, delegation="<script>x</script>")
    answer = client.get(f"/moderator/1?token={token}")
    assert answer.status_code == 403
    assert "<script>x" not in answer.text
    assert "&lt;script&gt;x&lt;/script&gt;" in answer.text


def test_p1_room_directory_gives_unterm_names_in_six_languages(
    seeded_client: tuple[TestClient, Seeded],
) -> None:
    client, seeded = seeded_client
    issue = partial(_token, seeded_client)
    one, two = seeded.rooms
    headers = bearer(issue(Role.MODERATOR, one))
    directory = client.get(f"/api/pages/rooms/{one}", headers=headers).json()
    assert directory["room"]["language"] == "en"
    assert directory["meeting"]["timezone"] == "America/Mexico_City"
    assert [s["id"] for s in directory["segments"]] == [seeded.action_group]
    mexico = next(d for d in directory["delegations"] if d["code"] == "MEX")
    assert mexico["names"] == {
        "en": "Mexico",
        "fr": "Mexique",
        "es": "México",
        "ru": "Мексика",
        "zh": "墨西哥",
        "ar": "المكسيك",
    }
    display = bearer(issue(Role.DISPLAY, two))
    arabic = client.get(f"/api/pages/rooms/{two}", headers=display).json()
    assert arabic["room"]["language"] == "ar"
    assert arabic["segments"] == []  # only a moderator opens segments
    refused = client.get(f"/api/pages/rooms/{one}", headers=display)
    assert refused.status_code == 403
    assert "cannot watch room" in refused.json()["detail"]
    assert client.get("/api/pages/rooms/77", headers=display).status_code == 404


def test_delegate_directory_names_the_tokens_delegation_and_the_rooms(
    seeded_client: tuple[TestClient, Seeded],
) -> None:
    client, seeded = seeded_client
    issue = partial(_token, seeded_client)
    own = bearer(issue(Role.DELEGATE, delegation="VAT"))
    answer = client.get("/api/pages/delegate", headers=own).json()
    assert answer["delegation"]["code"] == "VAT"
    assert answer["delegation"]["category"] == "observer_state"
    assert answer["delegation"]["names"]["en"] == "Holy See"
    assert [r["id"] for r in answer["rooms"]] == list(seeded.rooms)
    unknown = bearer(issue(Role.DELEGATE, delegation="XYZ"))
    missing = client.get("/api/pages/delegate", headers=unknown)
    assert missing.status_code == 404
    assert "ask the secretariat" in missing.json()["detail"]
    moderator = bearer(issue(Role.MODERATOR, seeded.rooms[0]))
    assert client.get("/api/pages/delegate", headers=moderator).status_code == 403
