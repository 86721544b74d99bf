"""The rules the routes share: one named ``allow(...)`` per kind of route.

A route puts one of these in its ``dependencies=[...]`` (a route with a rule
of its own calls ``app.access.guard.allow``). Each names its grants
(``app.access.rules`` says what each grant holds for) and, in a moderator's
or a delegate's words, what a caller without a token needs (``need``) and
why a token no grant covers is refused (``refuse``).
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
    need="secretariat credentials are needed: log in at /api/login",
    refuse="{who} cannot do what only the secretariat does",
)
#: A new meeting: it is in no secretariat's meeting yet, so the administrator's.
ADMINISTRATOR_ONLY = allow(
    ADMINISTRATOR,
    need="secretariat credentials are needed: log in at /api/login",
    refuse="{who} cannot create a meeting: the service's administrator does",
)
#: The clock and the queue of one room (T*, P*, A*).
RUN_ROOM = allow(
    ROOM_MODERATOR,
    SECRETARIAT,
    need="moderator credentials are needed: open the room's moderator link",
    refuse="{who} cannot run room {room_id}",
)
#: A delegation's own floor requests and cards; the room's moderator on its behalf (P7).
ACT_FOR_DELEGATION = allow(
    OWN_DELEGATION,
    ROOM_MODERATOR,
    SECRETARIAT,
    need="a delegation link or moderator credentials are needed",
    refuse="{who} cannot act for {delegation}",
)
#: Watching one room: its displays and moderator, any delegate, its rapporteur.
WATCH_ROOM = allow(
    ROOM_VIEWER,
    ROOM_RAPPORTEUR,
    SECRETARIAT,
    need="a display, delegate or moderator link is needed to watch the room",
    refuse="{who} cannot watch room {room_id}",
)
_RECORD_NEED = "secretariat, moderator or rapporteur credentials are needed"
#: A room's record, statistics, cards and report (R1-R4).
READ_ROOM_RECORD = allow(
    SECRETARIAT,
    ROOM_MODERATOR,
    ROOM_RAPPORTEUR,
    need=_RECORD_NEED,
    refuse=(
        "{who} cannot read the record of room {room_id}; "
        "a segment's record is open to its room's moderator and rapporteur"
    ),
)
#: A day's or the meeting's record (every room).
READ_MEETING_RECORD = allow(
    SECRETARIAT,
    RAPPORTEUR,
    need=_RECORD_NEED,
    refuse=(
        "{who} cannot read the record of every room of the meeting; "
        "a segment's record is open to its room's moderator and rapporteur"
    ),
)
#: The segment's cards as a list: a delegate sees its own (the route filters).
READ_CARDS = allow(DELEGATE, SECRETARIAT, ROOM_MODERATOR, ROOM_RAPPORTEUR, need=_RECORD_NEED)
#: Changing a card: its delegation or the room's moderator (the route checks the owner).
EDIT_CARD = allow(
    DELEGATE,
    ROOM_MODERATOR,
    SECRETARIAT,
    need="a delegation's link, or secretariat or moderator credentials, are needed",
)
#: The rapporteur writes the report (R3); the secretariat may stand in.
WRITE_REPORT = allow(
    ROOM_RAPPORTEUR,
    SECRETARIAT,
    need="rapporteur credentials are needed",
    refuse="{who} may read this report; its rapporteur writes it",
)
#: A delegation's own data for its phone page.
DELEGATE_ONLY = allow(
    DELEGATE,
    need="a delegation link is needed",
    refuse="this is for a delegation; {who} has its own link",
)

_PAGE_NEED = "this page needs the link you were given, with its token"
MODERATOR_PAGE = allow(
    ROOM_MODERATOR,
    SECRETARIAT,
    page=True,
    need=_PAGE_NEED,
    refuse="{who} cannot run room {room_id}",
)
WATCH_PAGE = allow(
    ROOM_VIEWER,
    ROOM_RAPPORTEUR,
    SECRETARIAT,
    page=True,
    need=_PAGE_NEED,
    refuse="{who} cannot watch room {room_id}",
)
DELEGATE_PAGE = allow(
    DELEGATE,
    page=True,
    need=_PAGE_NEED,
    refuse="this is the page of a delegation; {who} has its own link",
)
SECRETARIAT_PAGE = allow(
    SECRETARIAT,
    page=True,
    need=_PAGE_NEED,
    refuse="{who} cannot open the secretariat's pages",
)
RECORD_PAGE = allow(
    SECRETARIAT,
    ROOM_MODERATOR,
    ROOM_RAPPORTEUR,
    page=True,
    need=_PAGE_NEED,
    refuse=(
        "{who} cannot read the record of room {room_id}; "
        "a segment's record is open to its room's moderator and rapporteur"
    ),
)
