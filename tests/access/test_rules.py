"""The one "may moderate" answers every caller (their purity: tests/test_layering.py)."""

from __future__ import annotations

import pytest

from app.access.roles import Principal, Role, may_moderate
from app.access.rules import Grant, holds


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
