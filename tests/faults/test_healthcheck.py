"""The Docker image's HEALTHCHECK, run as Docker runs it, fails while the database is faulted."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from tests.faults.conftest import LockHolder
from tests.live.harness import serving

DOCKERFILE = Path(__file__).resolve().parents[2] / "Dockerfile"


def healthcheck_command() -> str:
    """The shell command of the Dockerfile's HEALTHCHECK (``CMD`` in shell form)."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    found = re.search(r"^HEALTHCHECK\b.*?\bCMD\s+(.+)$", text, re.MULTILINE)
    assert found, "the Dockerfile has no HEALTHCHECK … CMD"
    return found.group(1)


def healthcheck(port: int) -> int:
    """Its exit status against 127.0.0.1:``port``, with the image's PORT variable set."""
    env = {**os.environ, "PORT": str(port)}
    return subprocess.run(["/bin/sh", "-c", healthcheck_command()], env=env, timeout=30).returncode


def test_finding_4_the_docker_healthcheck_fails_while_another_program_holds_the_database(
    tmp_path: Path,
) -> None:
    with serving(tmp_path, database_busy_timeout_seconds=0.2) as live:
        port = urlsplit(live.base).port or 0
        holder = LockHolder(tmp_path / "live.db")
        assert healthcheck(port) == 0
        holder.hold()
        try:
            while_held = healthcheck(port)
        finally:
            holder.release()
        assert while_held != 0
        assert healthcheck(port) == 0  # and passes again once the lock is released
