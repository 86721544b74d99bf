"""The command line on a database it cannot open: one line, exit 2, no traceback, no password."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from app.cli import main


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def run(url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err  # one line
    return err


def test_finding_8_the_cli_says_in_one_line_that_a_folder_is_no_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    err = run(f"sqlite:///{tmp_path}", monkeypatch, capsys)
    where = f"sqlite:///{tmp_path}"
    assert err == f"floorkeeper: cannot open the database {where}: unable to open database file\n"


def test_finding_8_the_cli_says_in_one_line_that_a_file_is_not_a_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.db").write_text("not a database, only notes\n" * 100)
    err = run(f"sqlite:///{tmp_path / 'notes.db'}", monkeypatch, capsys)
    assert err.startswith(f"floorkeeper: cannot open the database sqlite:///{tmp_path}/notes.db: ")
    assert "file is not a database" in err


def test_finding_8_the_cli_names_an_unreachable_server_without_its_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    port = closed_port()
    err = run(f"postgresql+psycopg://floor:s3cret-pw@127.0.0.1:{port}/floor", monkeypatch, capsys)
    hidden = f"postgresql+psycopg://floor:***@127.0.0.1:{port}/floor"
    assert err.startswith(f"floorkeeper: cannot open the database {hidden}: ")
    assert "s3cret-pw" not in err
    assert "refused" in err.lower()
