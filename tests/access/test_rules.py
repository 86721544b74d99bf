"""S2: the access rules and roles are pure; the one "may moderate" answers every caller."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.access.roles import Principal, Role, may_moderate
from app.access.rules import Grant, holds
from tests.test_purity import imported_modules

ROOT = Path(__file__).resolve().parent.parent.parent
PURE_ACCESS = ("app/access/roles.py", "app/access/rules.py")
ALLOWED = {"__future__", "dataclasses", "enum", "typing", "app.access.roles", "app.errors"}
ALLOWED |= {"app.record", "app.record.card"}


@pytest.mark.parametrize("path", PURE_ACCESS)
def test_access_rules_import_nothing_that_does_io(path: str) -> None:
    unexpected = imported_modules(ROOT / path) - ALLOWED
    assert not unexpected, f"{path} imports {sorted(unexpected)}"


@pytest.mark.parametrize(
    "principal",
    [
        Principal(Role.MODERATOR, room_id=1),
        Principal(Role.MODERATOR, room_id=2),
        Principal(Role.SECRETARIAT),
        Principal(Role.SECRETARIAT, meeting_id=7),
        Principal(Role.RAPPORTEUR, room_id=1),
        Principal(Role.DELEGATE, delegation="MEX"),
        Principal(Role.DISPLAY, room_id=1),
    ],
    ids=lambda p: p.describe(),
)
def test_the_room_moderator_grant_is_may_moderate(principal: Principal) -> None:
    assert holds(Grant.ROOM_MODERATOR, principal, 1, None) is may_moderate(principal, 1)
