"""`floorkeeper serve` on an empty database: migrates, loads the demo meeting, serves (C1)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.web.server import free_port


@pytest.mark.slow
def test_C1_serve_loads_the_demo_meeting_into_an_empty_database(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOORKEEPER_")}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}", "PORT": str(port)}
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # a guard against a server that never comes up
        while True:
            try:
                health = httpx.get(f"{base}/api/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
                time.sleep(0.1)
        assert health.json() == {
            "status": "ok",
            "database": "ok",
            "redis": "unused",
            "version": "0.1.0",
        }
        meeting = httpx.get(f"{base}/api/meetings/1", timeout=5).json()
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    assert meeting["key"] == "gcm-2017"
    assert meeting["timezone"] == "America/Mexico_City"
    assert [d["date"] for d in meeting["days"]] == ["2017-12-04", "2017-12-05", "2017-12-06"]
    assert len(meeting["rooms"]) == 3
    segments = [s for d in meeting["days"] for s in d["segments"]]
    groups = [s for s in segments if s["rule"] == "A1"]
    assert len(groups) == 6
    assert len({s["room_id"] for s in groups}) == 3
    first = next(s for s in groups if s["key"] == "ag1")
    assert [p["key"] for p in first["phases"]] == [
        "welcome", "member_states", "stakeholders", "concluding",
    ]  # fmt: skip
    printed = (tmp_path / "serve.log").read_text()
    assert "loaded the demo meeting 'gcm-2017'" in printed
    # the rehearsal's links, in full: development on a loopback host prints them
    assert f"moderator: http://127.0.0.1:{port}/moderator/" in printed
    assert "?token=" in printed


def test_S13_a_wrong_setting_stops_the_command_with_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli.command import main

    monkeypatch.setenv("FLOORKEEPER_LIVE_SILENCE_SECONDS", "soon")
    assert main(["migrate"]) == 2
    printed = capsys.readouterr().err
    assert printed.startswith("floorkeeper: FLOORKEEPER_LIVE_SILENCE_SECONDS=soon: ")
    assert printed.count("\n") == 1
