"""Issue 13, finding 7: failed logins are throttled per account and per address.

After five failures for one account from one address (twenty for an address)
in five minutes, an attempt is answered 429 with ``Retry-After`` and a
sentence, and its password is never hashed: a guessing script costs no argon2
time. Time is the app's ``FakeClock``; nothing sleeps.
"""

from __future__ import annotations

from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy.engine import Engine

from app.access.accounts import create_account
from tests.api_client import Api
from tests.fakes import FakeClock

PASSWORD = "correct horse battery"


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The passwords argon2 verified, in order (every ``PasswordHasher.verify`` call)."""
    calls: list[str] = []
    verify = PasswordHasher.verify

    def counted(self: PasswordHasher, stored: str, password: str) -> bool:
        calls.append(password)
        return verify(self, stored, password)

    monkeypatch.setattr(PasswordHasher, "verify", counted)
    return calls


@pytest.fixture
def amina(site: Api) -> Api:
    engine: Engine = site.app.state.services.engine
    create_account(engine, "amina", PASSWORD, site.clock())
    return site


def _login(site: Api, name: str, password: str) -> Any:
    return site.client.post("/api/login", json={"name": name, "password": password})


def test_finding_7_failed_logins_past_the_limit_get_429_and_no_hashing(
    amina: Api, hashed: list[str]
) -> None:
    for n in range(5):
        assert _login(amina, "amina", f"guess number {n}").status_code == 401
    assert len(hashed) == 5
    refused = _login(amina, "amina", "guess number 5")
    assert refused.status_code == 429
    assert refused.json()["error"] == "TooManyRequests"
    assert "too many failed logins for 'amina'" in refused.json()["detail"]
    assert 1 <= int(refused.headers["retry-after"]) <= 300
    assert _login(amina, "amina", PASSWORD).status_code == 429  # not even the right one, yet
    assert len(hashed) == 5  # argon2 ran for none of the refused attempts
    amina.clock.advance(300)  # the window has moved past the failures
    assert _login(amina, "amina", PASSWORD).status_code == 200


def test_finding_7_an_address_is_refused_after_twenty_failures_on_any_names(
    amina: Api, hashed: list[str]
) -> None:
    for n in range(20):
        assert _login(amina, f"name-{n}", "wrong password").status_code == 401
    refused = _login(amina, "amina", PASSWORD)
    assert refused.status_code == 429
    assert "too many failed logins from this address" in refused.json()["detail"]
    assert len(hashed) == 20


def test_others_failures_below_the_address_limit_do_not_block_a_login(amina: Api) -> None:
    for n in range(5):
        assert _login(amina, "someone-else", f"guess {n}").status_code == 401
    assert _login(amina, "someone-else", "guess 5").status_code == 429
    assert _login(amina, "amina", PASSWORD).status_code == 200  # another account: not blocked


def test_a_login_forgets_its_accounts_failures(amina: Api) -> None:
    for n in range(4):
        assert _login(amina, "amina", f"typo {n}").status_code == 401
    assert _login(amina, "amina", PASSWORD).status_code == 200
    for n in range(4):
        assert _login(amina, "amina", f"typo again {n}").status_code == 401
    assert _login(amina, "amina", PASSWORD).status_code == 200


@pytest.mark.anyio
async def test_the_throttle_counts_per_address_and_forgets_old_failures() -> None:
    from app.access.ratelimit import LoginThrottle, TooManyRequests

    clock = FakeClock(1_000.0)
    throttle = LoginThrottle(clock, per_account="2 per minute", per_address="3 per minute")
    for _ in range(2):
        await throttle.failed("amina", "10.0.0.1")
    with pytest.raises(TooManyRequests) as refused:
        await throttle.check("amina", "10.0.0.1")
    assert refused.value.retry_after == 60
    await throttle.check("amina", "10.0.0.2")  # another address: its own counts
    await throttle.failed("omar", "10.0.0.1")
    with pytest.raises(TooManyRequests, match="from this address"):
        await throttle.check("omar", "10.0.0.1")
    clock.advance(30)
    with pytest.raises(TooManyRequests) as later:
        await throttle.check("amina", "10.0.0.1")
    assert later.value.retry_after == 30
    clock.advance(30)
    await throttle.check("amina", "10.0.0.1")


def test_the_failure_window_keeps_a_bounded_number_of_keys() -> None:
    from limits import parse

    from app.access.ratelimit import FailureWindow

    window = FailureWindow(parse("1 per minute"), max_keys=3)
    for n in range(10):
        window.fail(f"name-{n}", 0.0)
    assert window.wait("name-9", 1.0) == 59
    assert window.wait("name-0", 1.0) is None  # forgotten first: the oldest
