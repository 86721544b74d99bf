"""Hostile input: rate limits with a clear 429, the live channel's Origin, no token in logs."""

from __future__ import annotations

import logging
import logging.config
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from itsdangerous import URLSafeSerializer
from starlette.testclient import WebSocketDenialResponse

from app.access.ratelimit import RateLimits
from app.access.roles import Principal, Role
from app.access.tokens import SALT
from app.cli.logs import REDACTED, TokenRedactor, log_config, redact
from tests.api_client import SECRET, Api
from tests.web.server import free_port


def _request(site: Api, headers: dict[str, str], code: str, n: int) -> httpx.Response:
    room = site.seeded.rooms[0]
    body = {"type": "request", "delegation": code, "command_id": f"press-{code}-{n:04d}"}
    answer: httpx.Response = site.client.post(
        f"/api/rooms/{room}/requests", json=body, headers=headers
    )
    return answer


def test_floor_requests_past_the_limit_get_a_429_with_retry_after(site: Api) -> None:
    site.app.state.services.rate_limits = RateLimits(floor_requests="3 per minute")
    mexico = site.bearer(Principal(Role.DELEGATE, delegation="MEX"))
    for n in range(3):
        assert _request(site, mexico, "MEX", n).status_code != 429
    refused = _request(site, mexico, "MEX", 3)
    assert refused.status_code == 429
    assert refused.json()["error"] == "TooManyRequests"
    assert "too many floor requests" in refused.json()["detail"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    ghana = site.bearer(Principal(Role.DELEGATE, delegation="GHA"))
    assert _request(site, ghana, "GHA", 0).status_code != 429  # per client, not per room


def test_a_refused_caller_does_not_use_up_a_delegations_limit(site: Api) -> None:
    site.app.state.services.rate_limits = RateLimits(floor_requests="1 per minute")
    ghana = site.bearer(Principal(Role.DELEGATE, delegation="GHA"))
    for n in range(3):
        assert _request(site, ghana, "MEX", n).status_code == 403
    mexico = site.bearer(Principal(Role.DELEGATE, delegation="MEX"))
    assert _request(site, mexico, "MEX", 9).status_code != 429


def test_pings_past_the_limit_are_answered_with_an_error_and_the_socket_stays(
    site: Api,
) -> None:
    site.app.state.services.rate_limits = RateLimits(pings="2 per minute")
    room = site.seeded.rooms[0]
    token = site.issue(Principal(Role.DISPLAY, room_id=room)).token
    with (
        site.client.websocket_connect(f"/api/rooms/{room}/live?token={token}") as flooding,
        site.client.websocket_connect(f"/api/rooms/{room}/live?token={token}") as calm,
    ):
        assert flooding.receive_json()["type"] == "snapshot"
        assert calm.receive_json()["type"] == "snapshot"
        answers = []
        for n in range(3):
            flooding.send_json({"type": "ping", "t0": float(n)})
            answers.append(flooding.receive_json())
        assert [a["type"] for a in answers] == ["pong", "pong", "error"]
        assert "too many pings" in str(answers[2])
        calm.send_json({"type": "ping", "t0": 1.0})
        assert calm.receive_json()["type"] == "pong"  # per socket, not per token


def test_the_live_channel_refuses_a_page_from_a_foreign_origin(site: Api) -> None:
    room = site.seeded.rooms[0]
    token = site.issue(Principal(Role.DISPLAY, room_id=room)).token
    path = f"/api/rooms/{room}/live?token={token}"
    with (
        pytest.raises(WebSocketDenialResponse) as refused,
        site.client.websocket_connect(path, headers={"Origin": "https://evil.example"}),
    ):
        pass
    assert refused.value.status_code == 403
    assert "evil.example" in refused.value.json()["detail"]
    with site.client.websocket_connect(path, headers={"Origin": "http://testserver"}) as ok:
        assert ok.receive_json()["type"] == "snapshot"


def test_the_live_channel_refuses_an_unknown_role(site: Api) -> None:
    room = site.seeded.rooms[0]
    forged = URLSafeSerializer(SECRET, salt=SALT).dumps({"r": "janitor", "room": room})
    with (
        pytest.raises(WebSocketDenialResponse) as refused,
        site.client.websocket_connect(f"/api/rooms/{room}/live?token={forged}"),
    ):
        pass
    assert refused.value.status_code == 403
    assert "not valid" in refused.value.json()["detail"]


def test_token_values_are_redacted_and_nothing_else() -> None:
    line = '127.0.0.1:5000 - "GET /display/1?lang=fr&token=abc.DEF-123_x HTTP/1.1" 200'
    assert redact(line) == (
        f'127.0.0.1:5000 - "GET /display/1?lang=fr&token={REDACTED} HTTP/1.1" 200'
    )
    assert redact("/api/health?x=1") == "/api/health?x=1"


@contextmanager
def loggers_restored() -> Iterator[None]:
    """The loggers ``log_config`` sets (uvicorn's and the service's ``app``) as they were.

    Its handlers write to the ``sys.stderr`` of the moment, a capture that is closed once
    the test ends: left in place, every later ``app.*`` line fails to be written, and the
    "Logging error" traceback it prints lands in the next test's captured stderr.
    """
    names = ("uvicorn", "uvicorn.error", "uvicorn.access", "app")
    loggers = [logging.getLogger(name) for name in names]
    saved = [(logger.handlers[:], logger.propagate, logger.level) for logger in loggers]
    try:
        yield
    finally:
        for logger, (handlers, propagate, level) in zip(loggers, saved, strict=True):
            logger.handlers[:] = handlers
            logger.propagate = propagate
            logger.setLevel(level)


@pytest.fixture
def uvicorn_loggers() -> Iterator[None]:
    """uvicorn's loggers, and the service's, as they were after a test that configures them."""
    with loggers_restored():
        yield


def test_the_logging_of_serve_set_in_a_test_is_undone_after_it() -> None:
    app_logger = logging.getLogger("app")
    before = (app_logger.handlers[:], app_logger.propagate, app_logger.level)
    with loggers_restored():
        logging.config.dictConfig(log_config())
        assert app_logger.handlers != before[0]  # serve's configuration did apply
    assert (app_logger.handlers, app_logger.propagate, app_logger.level) == before


@pytest.mark.usefixtures("uvicorn_loggers")
def test_the_access_log_of_serve_redacts_tokens(capsys: pytest.CaptureFixture[str]) -> None:
    logging.config.dictConfig(log_config())
    access = logging.getLogger("uvicorn.access")
    try:
        access.info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000",
            "GET",
            "/delegate?token=secret.token-value",
            "1.1",
            200,
        )
    finally:
        for handler in access.handlers:
            handler.flush()
    out = capsys.readouterr().out
    assert "/delegate?token=[redacted]" in out
    assert "secret.token-value" not in out
    assert any(isinstance(f, TokenRedactor) for h in access.handlers for f in h.filters)


@pytest.mark.slow
def test_serve_never_writes_a_requests_token_into_its_log(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOORKEEPER_")}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}", "PORT": str(port)}
    log_path = tmp_path / "serve.log"
    log = log_path.open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--no-demo"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    secret = "an-unguessable-token-value-42"
    try:
        deadline = time.monotonic() + 60  # a guard against a server that never comes up
        while True:
            try:
                httpx.get(f"{base}/api/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.1)
        assert httpx.get(f"{base}/delegate?token={secret}", timeout=5).status_code == 403
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    printed = log_path.read_text()
    assert "GET /delegate?token=[redacted]" in printed
    assert secret not in printed
