"""What a rule grants, and the row-level checks: pure functions of a ``Principal``.

Theory of operation
-------------------
A route's rule (``app.access.guard.allow``) is a set of grants; the call goes
through if any grant holds for the caller (``holds``), given the room its path
names and, for ``OWN_DELEGATION``, the ``delegation`` its JSON body asks for:

=================  ===============================================================
grant              holds for
=================  ===============================================================
ANYONE             everybody, without a token (public programme, health, login)
SECRETARIAT        a secretariat token (everything in its meeting)
ADMINISTRATOR      a secretariat token of no meeting (every meeting; new meetings)
ROOM_MODERATOR     whoever ``may_moderate`` the path's ``{room_id}``: its
                   moderator token, or the secretariat (``app.access.roles``)
ROOM_VIEWER        a display or moderator token of ``{room_id}``, any delegate
ROOM_RAPPORTEUR    a rapporteur token of ``{room_id}``, or of no room (the meeting)
RAPPORTEUR         a rapporteur token of no room (meeting-wide record)
OWN_DELEGATION     a delegate whose delegation is the body's ``delegation``
                   (absent: its own)
DELEGATE           any delegate (its own page, its own cards: the route filters)
=================  ===============================================================

A refusal names who was refused (``Principal.describe``) and the holders of
the rule's grants (``holders``), unless the rule words its own.

Row-level checks, finer than a rule because what they need is known only
after the route has read a row or its body; the routes call nothing else
that refuses:

* ``card_delegation``: a card from a device is for the writer's own
  delegation; a moderator or the secretariat must name one (R2).
* ``ensure_may_edit_card``: a card changes by its delegation, the room's
  moderator, or (paper cards) the secretariat (R2, the rule of
  ``app.record.card``).
* ``scope_of_new_credential``: a scoped secretariat issues tokens for its
  own meeting only, and they carry its meeting; every token names one.
* ``ensure_credential_in_scope`` / ``credential_in_scope``: a scoped
  secretariat lists, revokes and rotates only its meeting's tokens.

Pure: imports ``app.access.roles``, ``app.errors``, ``app.record.card`` and
the standard library only (``tests/access/test_rules.py`` checks it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from app.access.roles import Principal, Role, may_moderate
from app.errors import DomainError, NotAllowed
from app.record import card as card_rules


class Grant(StrEnum):
    ANYONE = "anyone"
    SECRETARIAT = "secretariat"
    ADMINISTRATOR = "administrator"
    ROOM_MODERATOR = "room_moderator"
    ROOM_VIEWER = "room_viewer"
    ROOM_RAPPORTEUR = "room_rapporteur"
    RAPPORTEUR = "rapporteur"
    OWN_DELEGATION = "own_delegation"
    DELEGATE = "delegate"


#: Who holds each grant, as a refusal says it (ANYONE is never refused).
HOLDERS = {
    Grant.SECRETARIAT: "secretariat",
    Grant.ADMINISTRATOR: "the service's administrator (a secretariat of every meeting)",
    Grant.ROOM_MODERATOR: "the room's moderator",
    Grant.ROOM_VIEWER: "a display, delegate or moderator link",
    Grant.ROOM_RAPPORTEUR: "the room's rapporteur",
    Grant.RAPPORTEUR: "a rapporteur of the meeting",
    Grant.OWN_DELEGATION: "the delegation's own link",
    Grant.DELEGATE: "a delegation's link",
}


@dataclass(frozen=True, slots=True)
class Rule:
    """The grants that open a route, and what a refusal says (``{who}``, ``{room_id}``...)."""

    grants: frozenset[Grant]
    page: bool = False
    need: str = ""  # said to a caller without a token
    refuse: str = ""  # said to a token no grant covers

    def holds(self, principal: Principal | None, room_id: int | None, body: Any) -> bool:
        """Whether any of the rule's grants holds for ``principal`` (see the table above)."""
        return any(holds(g, principal, room_id, body) for g in self.grants)

    def holders(self) -> str:
        """Who the rule is for, in words: "secretariat or the room's moderator"."""
        return " or ".join(HOLDERS[g] for g in sorted(self.grants) if g in HOLDERS)


def holds(grant: Grant, who: Principal | None, room_id: int | None, body: Any) -> bool:
    """Whether ``grant`` holds for ``who`` on the path's room, given the JSON ``body``."""
    if grant is Grant.ANYONE:
        return True
    if who is None:
        return False
    role = who.role
    match grant:
        case Grant.SECRETARIAT:
            return role is Role.SECRETARIAT
        case Grant.ADMINISTRATOR:
            return role is Role.SECRETARIAT and who.meeting_id is None
        case Grant.ROOM_MODERATOR:
            return room_id is not None and may_moderate(who, room_id)
        case Grant.ROOM_VIEWER:
            if role is Role.DELEGATE:
                return True
            return role in (Role.DISPLAY, Role.MODERATOR) and who.room_id == room_id
        case Grant.ROOM_RAPPORTEUR:
            return role is Role.RAPPORTEUR and who.room_id in (None, room_id)
        case Grant.RAPPORTEUR:
            return role is Role.RAPPORTEUR and who.room_id is None
        case Grant.OWN_DELEGATION:
            asked = asked_delegation(body)
            return (
                role is Role.DELEGATE
                and who.delegation is not None
                and asked in (None, who.delegation)
            )
        case Grant.DELEGATE:
            return role is Role.DELEGATE and who.delegation is not None
    return False  # pragma: no cover - every grant is matched above


def asked_delegation(body: Any) -> str | None:
    """The delegation a JSON body names (``{"delegation": "MEX"}``), None if it names none."""
    if isinstance(body, dict):
        asked = body.get("delegation")
        return asked if isinstance(asked, str) and asked else None
    return None


# -- cards (R2) --------------------------------------------------------------------------


def card_delegation(principal: Principal, room_id: int, asked: str | None) -> str:
    """The delegation a card from a device is for (R2); refuses what the writer may not name."""
    return card_rules.card_delegation(card_writer(principal, room_id), asked)


def ensure_may_edit_card(
    principal: Principal, room_id: int, owner: str | None, paper: bool
) -> None:
    """A card changes by its delegation, the room's moderator, or the secretariat (R2)."""
    card_rules.ensure_may_edit(card_writer(principal, room_id), owner, paper)


def card_writer(principal: Principal, room_id: int) -> card_rules.Writer:
    """Who writes a card, as the card rules (``app.record.card``) need to know it."""
    return card_rules.Writer(
        description=principal.describe(),
        delegation=principal.delegation if principal.role is Role.DELEGATE else None,
        secretariat=principal.role is Role.SECRETARIAT,
        moderates_room=may_moderate(principal, room_id),
    )


# -- credentials: a scoped secretariat's tokens --------------------------------------------


def scope_of_new_credential(
    caller: Principal, wanted: Principal, room_meeting: int | None
) -> Principal:
    """The principal a new token gets: a scoped secretariat issues for its own meeting only.

    ``room_meeting`` is the meeting of ``wanted.room_id`` (None: no room). The
    token carries the caller's meeting, or, from the administrator, the one asked
    for (a room must then be of that meeting), or else its room's; the registry
    finds a delegate's from its code (``app.access.credentials``).
    """
    meeting = wanted.meeting_id
    if caller.meeting_id is not None:
        if meeting not in (None, caller.meeting_id) or room_meeting not in (
            None,
            caller.meeting_id,
        ):
            raise NotAllowed("credential.own_meeting", who=caller.describe())
        meeting = caller.meeting_id
    elif meeting is not None and room_meeting not in (None, meeting):
        raise DomainError("room.not_of_meeting", room=str(wanted.room_id), meeting=meeting)
    return replace(wanted, meeting_id=room_meeting if meeting is None else meeting)


def credential_in_scope(caller: Principal, issued: Principal, room_meeting: int | None) -> bool:
    """Whether ``caller`` may see and manage the token of ``issued`` (its room's meeting given)."""
    if caller.meeting_id is None:
        return True
    return caller.meeting_id in (issued.meeting_id, room_meeting)


def ensure_credential_in_scope(
    caller: Principal, issued: Principal, room_meeting: int | None
) -> None:
    """A scoped secretariat revokes and rotates only the tokens of its meeting."""
    if not credential_in_scope(caller, issued, room_meeting):
        raise NotAllowed("credential.other_meeting", who=caller.describe())
