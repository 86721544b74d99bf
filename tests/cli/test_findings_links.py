"""Issue 13, finding 3: links on demand, never in the logs.

``floorkeeper serve`` prints the rehearsal's links only in development on a
loopback host; elsewhere it says how to get them (``floorkeeper links``),
which prints full URLs for any meeting. Every log record is redacted,
whichever handler writes it and however the token's key is spelled. The
tests drive the command (``main``) with uvicorn's ``run`` replaced, and the
HTTP API.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from app.cli.command import main
from app.cli.logs import redact
from tests.api_client import SECRET, Api, serving
from tests.builders import seed_meeting

#: A token as printed: itsdangerous's URL-safe payload and signature.
TOKEN = re.compile(r"token[=:]\s*[\w-]{20,}\.[\w-]{20,}")


@pytest.fixture
def site(sqlite_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    """The served test meeting, and the environment the command reads to reach it."""
    for name in ("FLOORKEEPER_ENVIRONMENT", "FLOORKEEPER_HOST", "PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("FLOORKEEPER_SECRET_KEY", SECRET)
    with serving(sqlite_url, seed_meeting(engine)) as served:
        yield served


@pytest.fixture
def uvicorn_run(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """``uvicorn.run`` replaced by a recorder; the log record factory restored after."""
    calls: list[dict[str, Any]] = []
    factory = logging.getLogRecordFactory()
    monkeypatch.setattr("uvicorn.run", lambda app, **options: calls.append(options))
    yield calls
    logging.setLogRecordFactory(factory)


@pytest.mark.usefixtures("site")
@pytest.mark.parametrize(
    "environment",
    [
        {"FLOORKEEPER_HOST": "0.0.0.0"},
        {"FLOORKEEPER_HOST": "10.1.2.3"},
        {"FLOORKEEPER_ENVIRONMENT": "production"},
        {"FLOORKEEPER_ENVIRONMENT": "test", "FLOORKEEPER_HOST": "::1"},
    ],
)
def test_finding_3_serve_prints_no_link_but_in_development_on_a_loopback_host(
    environment: dict[str, str],
    uvicorn_run: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert main(["serve", "--no-demo"]) == 0
    assert len(uvicorn_run) == 1
    printed = capsys.readouterr()
    assert not TOKEN.search(printed.out + printed.err)
    assert "floorkeeper links" in printed.out


@pytest.mark.usefixtures("site")
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_finding_3_serve_in_development_on_loopback_prints_full_links(
    host: str,
    uvicorn_run: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FLOORKEEPER_HOST", host)
    assert main(["serve", "--no-demo"]) == 0
    base = f"http://[{host}]:8000" if ":" in host else f"http://{host}:8000"
    printed = capsys.readouterr().out
    assert f"moderator: {base}/moderator/" in printed
    assert f"{base}/delegate?token=" in printed


def test_finding_3_links_prints_full_urls_that_open_their_pages(
    site: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["links", "--meeting", "test", "--base-url", "https://floor.example/"]) == 0
    printed = capsys.readouterr().out
    one, two = site.seeded.rooms
    urls = re.findall(r"https://floor\.example(/\S+)", printed)
    paths = {url.split("?", 1)[0] for url in urls}
    assert {f"/moderator/{one}", f"/display/{one}", f"/podium/{one}", "/delegate"} <= paths
    assert {f"/moderator/{two}", f"/display/{two}", f"/podium/{two}"} <= paths
    for url in urls:
        if "?token=" in url:
            answer = site.client.get(url)
            assert answer.status_code == 200, (url, answer.text)
    administrator = re.search(r"/secretariat\?token=([\w.-]+)", printed)
    assert administrator is not None, printed
    headers = {"Authorization": f"Bearer {administrator.group(1)}"}
    assert site.client.get("/api/credentials", headers=headers).status_code == 200


@pytest.mark.usefixtures("site")
def test_finding_3_every_log_handler_redacts_tokens_even_one_added_later(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    written = io.StringIO()
    factory = logging.getLogRecordFactory()

    def run(app: object, **options: object) -> None:  # a handler added after serve set up logs
        logger = logging.getLogger("an.operators.logger")
        handler = logging.StreamHandler(written)
        logger.addHandler(handler)
        try:
            logger.warning("GET /delegate?token=%s HTTP/1.1", "plain-secret-value")
            logger.warning("GET /display/1?%74oken=encoded-secret-value HTTP/1.1")
        finally:
            logger.removeHandler(handler)

    monkeypatch.setattr("uvicorn.run", run)
    try:
        assert main(["serve", "--no-demo"]) == 0
    finally:
        logging.setLogRecordFactory(factory)
    capsys.readouterr()
    lines = written.getvalue()
    assert "GET /delegate?token=[redacted] HTTP/1.1" in lines
    assert "GET /display/1?%74oken=[redacted] HTTP/1.1" in lines
    assert "secret-value" not in lines


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("GET /display/1?%74oken=abc.DEF HTTP/1.1", "GET /display/1?%74oken=[redacted] HTTP/1.1"),
        ("GET /delegate?lang=fr&to%6Ben=abc.DEF", "GET /delegate?lang=fr&to%6Ben=[redacted]"),
        ("GET /delegate?TO%6bEN=abc.DEF", "GET /delegate?TO%6bEN=[redacted]"),
        ("GET /delegate?%41ccess_token=abc", "GET /delegate?%41ccess_token=[redacted]"),
    ],
)
def test_finding_3_a_percent_encoded_token_key_is_redacted(line: str, expected: str) -> None:
    assert redact(line) == expected


def test_a_key_that_only_resembles_a_token_key_is_left_alone() -> None:
    line = "GET /api/health?tokens=3&x=token&my%74oken=2"
    assert redact(line) == line
