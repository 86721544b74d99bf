"""T6: a restart mid-speech resumes the same deadline (the real server, SIGKILLed)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

from app.access.credentials import recorded_token
from app.access.roles import Principal, Role
from tests.api_client import bearer
from tests.builders import seed_meeting
from tests.web.server import free_port

SECRET = "restart-test-secret-0123456789abcdef"


class Server:
    def __init__(self, database_url: str, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "PORT": str(self.port),
            "FLOORKEEPER_SECRET_KEY": SECRET,
            "FLOORKEEPER_DEMO_PROGRAMME": "",
        }
        self._log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self._log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "serve", "--no-demo"],
                env=self._env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30  # a guard against a server that never comes up
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise AssertionError(f"server did not start: {self._log.read_text()[-2000:]}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def server(sqlite_url: str, tmp_path: Path) -> Iterator[Server]:
    running = Server(sqlite_url, tmp_path / "server.log")
    yield running
    running.stop()


@pytest.mark.slow
def test_T6_a_restart_after_SIGKILL_resumes_the_same_speaker_and_deadline(
    server: Server, engine: Engine, sqlite_url: str
) -> None:
    seeded = seed_meeting(engine, start=time.time())
    room = seeded.rooms[0]
    token = recorded_token(sqlite_url, SECRET, Principal(Role.MODERATOR, room_id=room))
    headers = bearer(token)
    server.start()

    def post(path: str, body: dict[str, Any]) -> None:
        response = httpx.post(f"{server.base}/api/rooms/{room}/{path}", json=body, headers=headers)
        assert response.status_code == 200, response.text

    def view() -> dict[str, Any]:
        data: dict[str, Any] = httpx.get(f"{server.base}/api/rooms/{room}", headers=headers).json()
        return data

    post(
        "programme",
        {"type": "open_segment", "command_id": "open-0001", "segment_id": seeded.action_group},
    )
    post("floor", {"type": "grant", "command_id": "grant-0001"})
    post("speech", {"type": "start", "command_id": "start-0001"})
    before = view()
    server.kill()
    server.start()
    after = view()

    assert after["speech"]["speaker"] == before["speech"]["speaker"]
    assert after["speech"]["status"] == "running"
    assert after["speech"]["ends_at"] == before["speech"]["ends_at"]
    assert after["version"] == before["version"]
    remaining_before = before["speech"]["ends_at"] - before["server_time"]
    remaining_after = after["speech"]["ends_at"] - after["server_time"]
    elapsed = after["server_time"] - before["server_time"]
    assert remaining_after == pytest.approx(remaining_before - elapsed, abs=1e-3)
