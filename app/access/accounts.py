"""Secretariat accounts: a name and a password, kept as an argon2 hash.

The first account is created with ``floorkeeper admin create --name NAME``;
``/api/login`` exchanges a name and password for a secretariat token
(``app.access.credentials``). An account bound to a meeting (``--meeting KEY``)
logs in to a token of that meeting only (``app.access.scope``); one of no
meeting is the service's administrator. A refusal never says which of the two was wrong, and
an unknown name costs the same hash as a wrong password, so that neither the
answer nor its time tells whether a name exists.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.db.models import SecretariatAccount
from app.errors import DomainError, FloorRuleRefused

MIN_PASSWORD = 10
NAME = re.compile(r"^[A-Za-z0-9._@-]{2,80}$")

_hasher = PasswordHasher()
# Verified when the name is unknown, so that an unknown name takes as long as a wrong password.
_DUMMY = _hasher.hash("not a password of anyone")


class WrongCredentials(DomainError):
    """The name or the password is wrong (never says which)."""

    status_hint = 401


class InvalidAccount(DomainError):
    """A name or password that cannot be an account's."""

    status_hint = 422


class AccountExists(FloorRuleRefused):
    """The name is taken."""


def check_new(name: str, password: str) -> None:
    """Refuse a name or password that cannot be an account's (before anything is written)."""
    if not NAME.match(name):
        raise InvalidAccount("account.invalid_name")
    if len(password) < MIN_PASSWORD:
        raise InvalidAccount("account.short_password", count=MIN_PASSWORD)


def create_account(
    engine: Engine, name: str, password: str, now: float, meeting_id: int | None = None
) -> SecretariatAccount:
    """Record a secretariat account with the argon2 hash of ``password``, of one meeting or all."""
    check_new(name, password)
    with Session(engine, expire_on_commit=False) as session:
        if session.exec(select(SecretariatAccount).where(SecretariatAccount.name == name)).first():
            raise AccountExists("account.exists", name=name)
        account = SecretariatAccount(
            name=name, password_hash=_hasher.hash(password), created_at=now, meeting_id=meeting_id
        )
        session.add(account)
        session.commit()
        return account


def authenticate(engine: Engine, name: str, password: str) -> SecretariatAccount:
    """The account if ``password`` is its password; raises WrongCredentials otherwise."""
    with Session(engine, expire_on_commit=False) as session:
        account = session.exec(
            select(SecretariatAccount).where(SecretariatAccount.name == name)
        ).first()
        stored = account.password_hash if account is not None else _DUMMY
        try:
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            account = None
        if account is None:
            raise WrongCredentials("account.wrong")
        if _hasher.check_needs_rehash(account.password_hash):
            account.password_hash = _hasher.hash(password)
            session.add(account)
            session.commit()
        return account
