"""Who a caller is: a role, what the role covers, and who may moderate a room.

A ``Principal`` is what a token says (``app.access.tokens`` signs and reads
it): a role and its scope, a room for a moderator or a display, a delegation
for a delegate, the one meeting it covers (None: every meeting, the
administrator only) and when it expires.

Roles: the secretariat (everything in its meeting; a token of no meeting is
the service's administrator), a moderator (their room), a rapporteur (their
room's record, or the meeting's), a delegate (their own delegation), a
display (reading one room). Reading the public programme needs no role.

``may_moderate`` is the one answer to "may this caller run this room?": the
``ROOM_MODERATOR`` grant (``app.access.rules``), the card rules' writer, the
view a screen is shown and the pages' directory all ask it.

Pure: imports nothing but the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    SECRETARIAT = "secretariat"
    MODERATOR = "moderator"
    RAPPORTEUR = "rapporteur"
    DELEGATE = "delegate"
    DISPLAY = "display"


@dataclass(frozen=True, slots=True)
class Principal:
    """What a token names: its role, its scope and the recorded credential it is."""

    role: Role
    room_id: int | None = None  # moderator, display, rapporteur of one room
    delegation: str | None = None  # delegate: the delegation code
    name: str = ""
    token_id: str | None = None  # the recorded credential (app.access.credentials); revocable
    meeting_id: int | None = None  # the one meeting it covers; None: every meeting
    expires_at: float | None = None  # UTC epoch seconds, signed into the token (credentials)

    def describe(self) -> str:
        """The caller as a refusal names it, e.g. "delegate (MEX)" or "moderator (room 2)"."""
        meeting = "meeting" if self.meeting_id is None else f"meeting {self.meeting_id}"
        scope = self.delegation or (f"room {self.room_id}" if self.room_id else meeting)
        return f"{self.role.value} ({scope})"


def may_moderate(principal: Principal | None, room_id: int) -> bool:
    """Whether ``principal`` runs room ``room_id``: its moderator, or the secretariat.

    A secretariat of one meeting passes here for every room; the meeting scope
    (``app.access.scope``) refuses it on another meeting's rooms.
    """
    if principal is None:
        return False
    if principal.role is Role.SECRETARIAT:
        return True
    return principal.role is Role.MODERATOR and principal.room_id == room_id
