"""Secretariat accounts: argon2 hashes, `admin create`, and a login that never says which."""

from __future__ import annotations

import getpass
import io

import pytest
from sqlmodel import Session, select

from app.access.accounts import create_account
from app.cli.command import main
from app.db.models import SecretariatAccount
from tests.api_client import Api, bearer

PASSWORD = "correct horse battery"


def _login(site: Api, name: str, password: str) -> tuple[int, dict[str, str]]:
    answer = site.client.post("/api/login", json={"name": name, "password": password})
    return answer.status_code, answer.json()


def test_admin_create_reads_the_password_from_a_prompt_and_stores_only_a_hash(
    cli_env: Api, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts: list[str] = []

    def typed(prompt: str = "") -> str:
        prompts.append(prompt)
        return PASSWORD

    monkeypatch.setattr(getpass, "getpass", typed)
    assert main(["admin", "create", "--name", "amina"]) == 0
    assert "created" in capsys.readouterr().out
    assert len(prompts) == 2  # the password, then the same again
    with Session(cli_env.app.state.services.engine) as session:
        account = session.exec(select(SecretariatAccount)).one()
    assert account.name == "amina"
    assert account.password_hash.startswith("$argon2")
    assert PASSWORD not in account.password_hash
    status, data = _login(cli_env, "amina", PASSWORD)
    assert status == 200
    assert data["name"] == "amina"
    moderator_room = cli_env.seeded.rooms[0]
    headers = bearer(data["token"])
    assert cli_env.client.get("/api/credentials", headers=headers).status_code == 200
    assert cli_env.client.get(f"/api/rooms/{moderator_room}", headers=headers).status_code == 200


def test_admin_create_reads_the_password_from_stdin(
    cli_env: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["admin", "create", "--name", "omar", "--password-stdin"]) == 0
    assert _login(cli_env, "omar", PASSWORD)[0] == 200


def test_admin_create_refuses_two_different_passwords(
    cli_env: Api, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter([PASSWORD, PASSWORD + "!"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    assert main(["admin", "create", "--name", "amina"]) == 2
    assert "differ" in capsys.readouterr().err
    with Session(cli_env.app.state.services.engine) as session:
        assert session.exec(select(SecretariatAccount)).first() is None


@pytest.mark.parametrize(
    ("name", "password", "problem"),
    [("amina", "short", "at least 10"), ("two words", PASSWORD, "no spaces")],
)
def test_admin_create_refuses_a_weak_password_or_a_bad_name(
    cli_env: Api,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    password: str,
    problem: str,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    assert main(["admin", "create", "--name", name, "--password-stdin"]) == 2
    assert problem in capsys.readouterr().err


def test_a_second_account_with_the_same_name_is_refused(
    cli_env: Api, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    create_account(cli_env.app.state.services.engine, "amina", PASSWORD, 0.0)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["admin", "create", "--name", "amina", "--password-stdin"]) == 2
    assert "already" in capsys.readouterr().err


def test_a_wrong_password_and_an_unknown_name_get_the_same_401(site: Api) -> None:
    create_account(site.app.state.services.engine, "amina", PASSWORD, 0.0)
    wrong_password = _login(site, "amina", "not the password")
    unknown_name = _login(site, "nobody", PASSWORD)
    assert wrong_password[0] == unknown_name[0] == 401
    assert wrong_password[1] == unknown_name[1]
    assert "name or the password is wrong" in wrong_password[1]["detail"]


def test_a_login_token_is_recorded_and_can_be_revoked(site: Api) -> None:
    create_account(site.app.state.services.engine, "amina", PASSWORD, 0.0)
    _, data = _login(site, "amina", PASSWORD)
    headers = bearer(data["token"])
    assert site.client.get("/api/credentials", headers=headers).status_code == 200
    site.registry.revoke(data["credential_id"])
    assert site.client.get("/api/credentials", headers=headers).status_code == 403
