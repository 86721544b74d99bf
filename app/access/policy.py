"""The rules the routes share: one named ``allow(...)`` per kind of route.

A route puts one of these in its ``dependencies=[...]`` (a route with a rule
of its own calls ``app.access.guard.allow``). Each names its grants
(``app.access.rules`` says what each grant holds for) and, in a moderator's
or a delegate's words, what a caller without a token needs (``need``) and
why a token no grant covers is refused (``refuse``): codes of ``app.errors.MESSAGES``.
"""

from __future__ import annotations

from app.access.guard import allow
from app.access.rules import Grant

ANYONE = Grant.ANYONE
SECRETARIAT = Grant.SECRETARIAT
ADMINISTRATOR = Grant.ADMINISTRATOR
ROOM_MODERATOR = Grant.ROOM_MODERATOR
ROOM_VIEWER = Grant.ROOM_VIEWER
ROOM_RAPPORTEUR = Grant.ROOM_RAPPORTEUR
RAPPORTEUR = Grant.RAPPORTEUR
OWN_DELEGATION = Grant.OWN_DELEGATION
DELEGATE = Grant.DELEGATE

#: Public: the programme, health, login.
PUBLIC = allow(ANYONE)
#: Set-up, credentials, badges, audit: the secretariat's alone.
SECRETARIAT_ONLY = allow(
    SECRETARIAT,
    need="access.need_secretariat",
    refuse="access.secretariat_only",
)
#: A new meeting: it is in no secretariat's meeting yet, so the administrator's.
ADMINISTRATOR_ONLY = allow(
    ADMINISTRATOR,
    need="access.need_secretariat",
    refuse="access.administrator_only",
)
#: The clock and the queue of one room (T*, P*, A*).
RUN_ROOM = allow(
    ROOM_MODERATOR,
    SECRETARIAT,
    need="access.need_moderator",
    refuse="access.run_room",
)
#: A delegation's own floor requests and cards; the room's moderator on its behalf (P7).
ACT_FOR_DELEGATION = allow(
    OWN_DELEGATION,
    ROOM_MODERATOR,
    SECRETARIAT,
    need="access.need_delegation_or_moderator",
    refuse="access.act_for",
)
#: O4: inscribing before a segment (or withdrawing): a delegation for itself, the
#: secretariat for any.
INSCRIBE = allow(OWN_DELEGATION, SECRETARIAT)
#: O4, O6: swapping two inscribed speakers and drawing lots: the secretariat's alone (the
#: inscriptions route checks it for those bodies, ``ensure_allowed``).
ARRANGE_INSCRIPTIONS = allow(
    SECRETARIAT,
    need="access.need_secretariat",
    refuse="access.arrange_inscriptions",
)
#: Watching one room: its displays and moderator, any delegate, its rapporteur.
WATCH_ROOM = allow(
    ROOM_VIEWER,
    ROOM_RAPPORTEUR,
    SECRETARIAT,
    need="access.need_viewer",
    refuse="access.watch_room",
)
_RECORD_NEED = "access.need_record"
#: A room's record, statistics, cards and report (R1-R4).
READ_ROOM_RECORD = allow(
    SECRETARIAT,
    ROOM_MODERATOR,
    ROOM_RAPPORTEUR,
    need=_RECORD_NEED,
    refuse="access.room_record",
)
#: A day's or the meeting's record (every room).
READ_MEETING_RECORD = allow(
    SECRETARIAT,
    RAPPORTEUR,
    need=_RECORD_NEED,
    refuse="access.meeting_record",
)
#: The segment's cards as a list: a delegate sees its own (the route filters).
READ_CARDS = allow(DELEGATE, SECRETARIAT, ROOM_MODERATOR, ROOM_RAPPORTEUR, need=_RECORD_NEED)
#: Changing a card: its delegation or the room's moderator (the route checks the owner).
EDIT_CARD = allow(
    DELEGATE,
    ROOM_MODERATOR,
    SECRETARIAT,
    need="access.need_card_editor",
)
#: The rapporteur writes the report (R3); the secretariat may stand in.
WRITE_REPORT = allow(
    ROOM_RAPPORTEUR,
    SECRETARIAT,
    need="access.need_rapporteur",
    refuse="access.write_report",
)
#: A delegation's own data for its phone page.
DELEGATE_ONLY = allow(
    DELEGATE,
    need="access.need_delegation",
    refuse="access.delegation_only",
)

_PAGE_NEED = "access.need_page_link"
MODERATOR_PAGE = allow(
    ROOM_MODERATOR,
    SECRETARIAT,
    page=True,
    need=_PAGE_NEED,
    refuse="access.run_room",
)
WATCH_PAGE = allow(
    ROOM_VIEWER,
    ROOM_RAPPORTEUR,
    SECRETARIAT,
    page=True,
    need=_PAGE_NEED,
    refuse="access.watch_room",
)
DELEGATE_PAGE = allow(
    DELEGATE,
    page=True,
    need=_PAGE_NEED,
    refuse="access.delegate_page",
)
SECRETARIAT_PAGE = allow(
    SECRETARIAT,
    page=True,
    need=_PAGE_NEED,
    refuse="access.secretariat_page",
)
RECORD_PAGE = allow(
    SECRETARIAT,
    ROOM_MODERATOR,
    ROOM_RAPPORTEUR,
    page=True,
    need=_PAGE_NEED,
    refuse="access.room_record",
)
