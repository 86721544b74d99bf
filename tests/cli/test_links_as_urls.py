"""Issue 15, "Setting up": the links ``make run`` and ``floorkeeper links`` print are URLs.

Every token printed is inside a full URL under ``--base-url``; ``links``
prints every delegation's link (its badge's), ``serve`` the secretariat page
that lists them; and after ``floorkeeper rehearse --day 2`` and a restart,
both print the links of the meeting actually running, the rehearsal.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from app.cli.command import main
from tests.access.test_badges import scan
from tests.api_client import SECRET, serving
from tests.builders import DELEGATIONS, Seeded, seed_meeting

#: A token as printed: itsdangerous's URL-safe payload and signature.
TOKEN = re.compile(r"[\w-]{20,}\.[\w-]{20,}")
BASE = "https://floor.example"


@pytest.fixture
def seeded(sqlite_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Seeded:
    for name in ("FLOORKEEPER_ENVIRONMENT", "FLOORKEEPER_HOST", "PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("FLOORKEEPER_SECRET_KEY", SECRET)
    return seed_meeting(engine)


@pytest.fixture
def uvicorn_run(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """``uvicorn.run`` replaced by a recorder; the log records left as they are."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **options: calls.append(options))
    monkeypatch.setattr("app.cli.logs.redact_every_record", lambda: None)
    return calls


def _bare_tokens(printed: str, base: str) -> list[str]:
    """Every token printed that is not the ``?token=`` of a URL under ``base``."""
    without_urls = re.sub(rf"{re.escape(base)}/\S*\?token=[\w.-]+\S*", "", printed)
    found: list[str] = TOKEN.findall(without_urls)
    return found


@pytest.mark.usefixtures("seeded")
def test_links_prints_every_token_inside_a_url_under_the_base_url(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["links", "--meeting", "test", "--base-url", f"{BASE}/"]) == 0
    printed = capsys.readouterr().out
    assert TOKEN.search(printed), printed
    assert _bare_tokens(printed, BASE) == []
    assert "http://" not in printed  # every line honours --base-url
    assert re.search(rf"secretariat .*: {BASE}/secretariat\?token=\S+&meeting=\d+$", printed, re.M)


def test_links_prints_every_delegations_link_the_same_as_its_badge(
    seeded: Seeded, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["links", "--base-url", BASE]) == 0
    printed = capsys.readouterr().out
    phones = dict(re.findall(rf"delegate of (\w+): ({BASE}/delegate\?token=\S+)", printed))
    assert set(phones) == {code for code, _, _ in DELEGATIONS}
    with serving(sqlite_url, seeded) as api:
        for url in phones.values():
            path = url.removeprefix(BASE)
            assert api.client.get(path).status_code == 200, path
        qr = api.get(f"/secretariat/meetings/{seeded.meeting_id}/badges/GHA.svg")
    badge = scan(qr.text)[0]
    assert badge.split("?token=")[1] == phones["GHA"].split("?token=")[1]


@pytest.mark.usefixtures("seeded")
def test_serve_prints_the_secretariat_page_and_where_the_other_delegations_are(
    uvicorn_run: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--no-demo", "--base-url", BASE]) == 0
    printed = capsys.readouterr().out
    assert len(uvicorn_run) == 1
    assert f"{BASE}/secretariat?token=" in printed
    assert len(re.findall(r"delegate of \w+:", printed)) == 1
    assert f"the other {len(DELEGATIONS) - 1} delegations' links" in printed
    assert _bare_tokens(printed, BASE) == []


def test_after_a_rehearsal_and_a_restart_the_links_are_the_rehearsals(
    seeded: Seeded,
    sqlite_url: str,
    uvicorn_run: list[dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["rehearse", "--day", "2"]) == 0
    capsys.readouterr()
    assert main(["serve", "--no-demo"]) == 0  # the restart
    printed = capsys.readouterr().out
    assert "(meeting 'test-rehearsal-1')" in printed
    assert main(["links", "--base-url", BASE]) == 0
    listed = capsys.readouterr().out
    assert "(meeting 'test-rehearsal-1')" in listed
    consoles = re.findall(rf"moderator: {BASE}/moderator/(\d+)\?token=(\S+)", listed)
    assert consoles
    assert {int(room) for room, _ in consoles}.isdisjoint(seeded.rooms)
    with serving(sqlite_url, seeded, lambda one, two: {}) as api:  # both meetings register MEX
        for room, token in consoles:
            assert api.client.get(f"/moderator/{room}?token={token}").status_code == 200


@pytest.mark.usefixtures("seeded")
def test_links_piped_into_a_pager_that_stops_early_ends_quietly() -> None:
    """``floorkeeper links | head -1``: the closed pipe ends the command, with no traceback."""
    import os
    import subprocess
    import sys

    command = [sys.executable, "-m", "app.cli", "links", "--meeting", "test", "--base-url", BASE]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ)
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        first = process.stdout.readline()
        process.stdout.close()  # the pager has read one line and gone
        errors = process.stderr.read().decode()
        code = process.wait(timeout=60)
    assert first.strip(), errors  # it printed before the pipe closed
    assert "Traceback" not in errors, errors
    assert code in (0, 1), (code, errors)
