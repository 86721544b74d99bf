"""Domain errors. Engines raise them; ``app.main`` renders them as HTTP answers.

* DomainError                 400  a request that cannot be carried out as asked
    * IllegalCommand          409  the command does not fit the room's current state
    * FloorRuleRefused        409  a floor rule says no (P5, P6 ...)
    * NotFound                404  no such room, segment, request or delegation
    * NotAllowed              403  the credentials do not cover this action
    * VersionConflict         409  the room changed under the command (shell retries)
    * InvalidProgramme        422  a programme file is wrong; names the field and line
    * InvalidSetting          422  an environment variable is wrong; names it
    * TooLarge                413  a file is over its size limit; names the setting
    * FloorChanged            409  an IllegalCommand: the floor changed since the console
                                   decided (M1); says what changed
    * CommandIdReused         409  the command id was used for another command (M6)
    * Unauthenticated         401  the token is not one this service recorded
        * TokenExpired        401  the token's time is over; names when it ended
    * Unavailable             503  nothing was done; retry after ``retry_after`` seconds
        * DatabaseUnavailable 503  the database is busy, full, read-only or unreachable
        * RoomBusy            503  too many commands already wait for the room

Every refusal is raised with a **code** from ``MESSAGES`` and the **params** its
words name: ``raise NotFound("room.not_found", room=3)``. The English ``detail``
is the code's template filled with the params; the pages say the same thing
in their own language from their catalogue (``error.<code>``, with the same
placeholders), so a code is stable once published (docs/protocol.md).

The message is what a moderator, a delegate or a secretariat reads: it says
what was asked and why it cannot be done, in words they use, never the
code's names for things. Conventions the pages rely on (``shared/i18n.js``):

* a param ``X`` with a sibling ``X_key`` is a phase title (``X_key`` its key),
  shown in the page's language where the catalogue has the phase;
* a param ``X`` with a sibling ``X_code`` is a delegation's name (``X_code``
  its code), shown by the page in its language where it knows the delegation;
* ``count`` picks the plural form (a template is then a mapping of CLDR forms).

The module is longer than 400 lines on purpose: ``MESSAGES`` is one table, so that
every code the service can send is in one place (a test lists them all).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self

#: A param: a flat JSON value a catalogue's placeholder can show.
Param = str | int | float
#: A template: one English text, or its plural forms ("one", "other") picked by ``count``.
Template = str | Mapping[str, str]

#: Every code the service can send, with its English template (the registry).
MESSAGES: dict[str, Template] = {
    # -- the speech and its clock (T*) ----------------------------------------------------
    "speech.extension_not_positive": "the extension is {seconds} s: give a positive time",
    "speech.allotment_not_positive": "the allotment is {seconds} s: give a positive time",
    "speech.not_started": "the speech of {speaker} has not started yet: start it first",
    "speech.running": "the speech of {speaker} is running already",
    "speech.paused": "the speech of {speaker} is paused: resume it or end it",
    "floor.nobody": "no one has the floor: give the floor first",
    "floor.taken": "{speaker} has the floor: end the speech first",
    "floor.changed_ended": "no one has the floor now: the speech the console showed has ended",
    "floor.already_given": "{speaker} already has the floor (given {seconds} s ago)",
    "floor.changed_speaker": (
        "{speaker} has the floor now (given {seconds} s ago), not the speaker the console showed"
    ),
    # -- segments and phases (A*) ---------------------------------------------------------
    "segment.none_open": "no segment is open in this room: open a segment first",
    "segment.no_longer_open": "the segment '{segment}' is no longer open",
    "segment.other_open": "the segment '{segment}' is no longer open: '{open}' is",
    "segment.closed": "'{segment}' has closed: open the next segment",
    "phase.not_found": "'{segment}' has no phase '{key}'",
    "phase.no_longer_open": "the phase '{phase}' is no longer open: '{current}' runs now",
    "phase.closing": "'{phase}' is closing: the floor goes to no one new before it ends",
    "phase.no_list": "'{phase}' has no list of speakers",
    "phase.by_name": "'{phase}' has no speakers' list: give the floor by name",
    "phase.protected_slots": {
        "one": "'{phase}' keeps {count} slot (A4): {heard} heard, {waiting} still waiting",
        "other": "'{phase}' keeps {count} slots (A4): {heard} heard, {waiting} still waiting",
    },
    "floor.programme_speakers_done": (
        "every programme speaker of '{phase}' has spoken: close the phase to open the next one"
    ),
    # -- the queue (P*, M*, O*) -----------------------------------------------------------
    "floor.by_programme": "{speaker} speaks by programme, not by request (P1)",
    "floor.closing_not_heard_later": (
        "'{phase}' is closing and no later phase hears this delegation; "
        "recommendations can still be sent in writing"
    ),
    "floor.not_open_to": (
        "the floor is not open to {speaker} for the rest of '{segment}'; "
        "recommendations can still be sent in writing"
    ),
    "queue.empty": "no one is waiting for the floor in '{phase}'",
    "queue.no_one_else": "no one else is waiting for the floor in '{phase}'",
    "request.not_found": "no waiting request '{request}' in this room",
    "request.already_granted": (
        "the request of {speaker} was already granted: {speaker} has the floor"
    ),
    "request.no_reason": "no reason is given: say why the request is struck (M4)",
    # O4-O6: inscription before the segment, no-shows, draw of lots
    "inscription.no_window": (
        "'{segment}' takes no inscription before it opens: ask for the floor once it is open"
    ),
    "inscription.segment_open": (
        "'{segment}' is open: its inscribed list is its queue now; ask for the floor instead (O4)"
    ),
    "inscription.not_open_yet": (
        "inscription for '{segment}' is not open yet: it opens in {minutes} min (O4)"
    ),
    "inscription.closed": "the deadline for inscription for '{segment}' has passed (O4)",
    "inscription.already": (
        "{speaker} is already inscribed for '{segment}' at another level: withdraw the "
        "inscription first (O4)"
    ),
    "inscription.not_found": "{speaker} is not inscribed for '{segment}'",
    "inscription.swap_other_tier": (
        "{first} and {second} are inscribed at different levels of representation: only "
        "speakers of one level swap places (O4)"
    ),
    "inscription.no_seed": (
        "no seed is given: a draw of lots needs one, published with its result (O6)"
    ),
    "inscription.tier_empty": (
        "no one is inscribed at this level for '{segment}': nothing to draw (O6)"
    ),
    "inscription.draw_count": (
        "a draw keeps from 1 to {applicants} of those inscribed at this level, not {keep} (O6)"
    ),
    "inscription.not_inscribed": (
        "{speaker} was not inscribed before the segment: strike the request instead (O5)"
    ),
    "list.closed": (
        "the list of speakers of '{phase}' is closed: only the chair adds to it (O3); "
        "a point of order can still be raised"
    ),
    "point.none_waiting": "no point of order is waiting",
    "point.no_longer_waiting": "the point of order '{point}' is no longer waiting",
    "point.being_heard": (
        "the point of order of {speaker} is being heard: the chair rules on it first (O1)"
    ),
    "point.none_heard": "no point of order is being heard",
    "point.no_ruling": "no ruling is given: write it, it is recorded as text (O1)",
    "point.waits_for_speech": (
        "the point of order of {raiser} waits until {speaker} has finished speaking "
        "(the meeting's rules, O1)"
    ),
    "question.not_taken": "'{segment}' takes no interposed questions (the meeting's rules, O8)",
    "question.no_speech": "no one is speaking: a question is put to the speaker on the floor (O8)",
    "question.own_speech": "{speaker} has the floor: a speaker puts no question to itself (O8)",
    "question.too_long": "an interposed question lasts at most {cap} s, not {seconds} s (O8)",
    "question.none_waiting": "no interposed question is waiting",
    "question.no_longer_waiting": "the interposed question '{question}' is no longer waiting",
    "question.being_asked": (
        "the interposed question of {speaker} is on the floor: the speaker answers it first (O8)"
    ),
    "yield.not_taken": "'{segment}' takes no yield {kind} (the meeting's rules, O11)",
    "yield.already": (
        "the time of {speaker} has been yielded already: yielded time is not yielded again (O11)"
    ),
    "yield.not_on_list": (
        "{speaker} is not speaking from the speakers' list: only its speakers yield (O11)"
    ),
    "yield.nothing_left": "{speaker} has no time left to yield (O11)",
    "yield.to_whom": "name the delegate {speaker} yields to (O11)",
    "yield.to_self": "{speaker} cannot yield to itself: name another delegate (O11)",
    "yield.no_questions": (
        "no speaker on the floor has yielded to questions: questioners "
        "are called after a yield to questions (O11)"
    ),
    "caucus.not_taken": "'{segment}' holds no moderated caucus (the meeting's rules, O11)",
    "caucus.running": (
        "the moderated caucus on '{topic}' is running: the chair calls "
        "its speakers; close the caucus first (O11)"
    ),
    "caucus.no_topic": "give the moderated caucus a topic (O11)",
    "caucus.speaker_past_total": (
        "the time per speaker ({speaker_seconds} s) is longer "
        "than the whole caucus ({seconds} s) (O11)"
    ),
    "caucus.none_running": "no moderated caucus is running: open one first (O11)",
    "caucus.speaker_time": (
        "a speaker of the caucus on '{topic}' has at most {limit} s, not {seconds} s (O11)"
    ),
    "reply.not_taken": "'{segment}' takes no right of reply (the meeting's rules, O2)",
    "reply.limit_reached": (
        "{speaker} has used its right of reply in '{segment}': at most {limit} per delegation (O2)"
    ),
    "reply.none_waiting": "no right of reply is waiting",
    "contingent.exhausted": (
        "{speaker} cannot be given the floor: its group {group} has {seconds} s of its "
        "speaking time left (the meeting's rules, O9)"
    ),
    "undo.nothing": "nothing to undo: the floor has not changed in this segment",
    "undo.spent": "nothing to undo: {changed} after {what}",
    "undo.too_late": (
        "nothing to undo: {what} was {seconds} s ago (an undo is possible for {window} s)"
    ),
    # -- the room's shell (M6, S11) --------------------------------------------------------
    "room.not_found": "there is no room {room} in this service",
    "room.not_in_meeting": "there is no room {room} in this meeting",
    "room.not_of_meeting": "room {room} is not a room of meeting {meeting}",
    "room.busy": {
        "one": "the room is busy ({count} command is waiting): this one was not taken; "
        "try again in 1 s",
        "other": "the room is busy ({count} commands are waiting): this one was not taken; "
        "try again in 1 s",
    },
    "room.too_busy": "room {room} is too busy: try the command again",
    "room.moved_on": "room {room} moved on from version {version}",
    "command.being_recorded": "command '{command_id}' is being recorded",
    "command.id_reused": (
        "command id '{command_id}' was already used for {kind}, a different command: "
        "nothing was done; send this command with a new id"
    ),
    "database.busy": (
        "the database is busy (locked by another program): nothing was saved; try again in 2 s"
    ),
    "database.full": "the database disk is full: nothing was saved; free space and retry",
    "database.read_only": (
        "the database is read-only: nothing was saved; make it writable and retry"
    ),
    "database.unreachable": "the database cannot be reached: nothing was saved; retry",
    # -- the meeting: programme, delegations, participants (P5) -----------------------------
    "programme.invalid": "{problems}",
    "setting.invalid": "{problems}",
    "meeting.not_found": "no meeting '{meeting}'",
    "meeting.id_not_found": "no meeting {meeting}",
    "meeting.no_day": "meeting '{meeting}' has no day {day} (days: {days})",
    "meeting.day_not_found": "no day {day} in meeting {meeting}",
    "meeting.day_empty": "day {day} of '{meeting}' has no segment to rehearse",
    "meeting.none": "no meeting: import one first",
    "meeting.exists": "a meeting '{meeting}' exists already; change meeting.key",
    "segment.not_found": "no segment {segment}",
    "segment.not_in_room": "no segment {segment} in room {room}",
    "segment.unknown_key": "no segment '{segment}'; segments are: {segments}",
    "segment.roles_recorded": (
        "segment '{segment}' has been opened: its roles are part of the record now"
    ),
    "delegation.not_found": "no delegation '{delegation}' is registered",
    "delegation.not_in_meeting": "no delegation '{delegation}' is registered for meeting {meeting}",
    "delegation.ask_secretariat": (
        "no delegation '{delegation}' is registered for meeting {meeting}: ask the secretariat"
    ),
    "delegation.not_in_this_meeting": "no delegation '{delegation}' is registered for this meeting",
    "delegation.unregistered": "{what}: no meeting of this service registers it",
    "delegation.ambiguous": "{what} could be of meetings {meetings}: name the meeting (meeting_id)",
    "delegation.full": {
        "one": "{delegation} has {count} participant already: a delegation is limited to "
        "{size} (1 head + {others}, P5); replace one instead of adding another",
        "other": "{delegation} has {count} participants already: a delegation is limited to "
        "{size} (1 head + {others}, P5); replace one instead of adding another",
    },
    "delegation.has_head": "{delegation} has a head of delegation already (P5)",
    "participant.not_found": "no participant {participant} in delegation {delegation}",
    "simulation.too_few": (
        "the meeting has {states} Member States and {others} stakeholders registered"
    ),
    "id.not_found": "no {thing} {id}",
    # -- files sent to the service ----------------------------------------------------------
    "file.too_large": "{what} is over {limit} bytes, the limit set by {setting}",
    "file.media_type": "send the file as {types}, not {given}",
    "file.not_utf8": "the file must be UTF-8 text",
    "body.too_large": (
        "the request body is over {limit} bytes, the limit set by "
        "FLOORKEEPER_MAX_BODY_BYTES: send less"
    ),
    "request.invalid": "{problems}",
    # -- cards and the report (R2, R3) -----------------------------------------------------
    "card.not_found": "no card {card} in this segment",
    "card.paper_names_delegation": (
        "a paper card names its delegation, or the author written on it"
    ),
    "card.not_for": "{who} cannot write a card for {delegation}",
    "card.not_writer": (
        "{who} cannot write recommendation cards: "
        "a delegation writes its own, the secretariat enters paper cards"
    ),
    "card.name_delegation": "{who} writes cards on a delegation's behalf: name the delegation",
    "card.paper": "{who} cannot change a paper card: the secretariat does",
    "card.of_other": "{who} cannot change a card of {owner}",
    "report.closed": (
        "the report of “{segment}” is closed, so {what} can no longer change; "
        "ask the secretariat to add anything further to the meeting's record"
    ),
    "report.unknown_cards": ("the report names cards {cards} that are not cards of this segment"),
    # -- access: tokens, accounts, rules (S13) ----------------------------------------------
    "token.invalid": "this link or token is not valid: ask the secretariat for a new one",
    "token.revoked": (
        "this link was revoked by the secretariat: ask the secretariat for a new one"
    ),
    "token.not_recorded": (
        "this link or token was not issued by this service's secretariat (or no longer is): "
        "ask the secretariat for a new one"
    ),
    "token.expired": "this link expired on {ended}: ask the secretariat for a new one",
    "credential.not_found": "no credential '{token}' was issued here",
    "credential.no_live_link": "credential '{token}' has no live link: rotate it for a new one",
    "credential.own_meeting": "{who} issues tokens for its own meeting only",
    "credential.other_meeting": "{who} cannot manage a token of another meeting",
    "access.no_meeting": "{who} names no meeting: ask the secretariat for a new link",
    "access.other_meeting": "{who} cannot act on {thing} {id}: it belongs to another meeting",
    "access.origin": (
        "pages from {origin} may not open this room's live channel: "
        "the service allows its own origin, or those in FLOORKEEPER_ALLOWED_ORIGINS"
    ),
    "access.needed": "credentials are needed",
    "access.needed_for": "credentials are needed: this is for {holders}",
    "access.refused": "{who} cannot do this: it is for {holders}",
    "access.need_secretariat": "secretariat credentials are needed: log in at /api/login",
    "access.secretariat_only": "{who} cannot do what only the secretariat does",
    "access.arrange_inscriptions": (
        "{who} cannot swap inscribed speakers or draw lots: the secretariat orders the "
        "list of speakers (O4, O6); ask the secretariat"
    ),
    "access.administrator_only": (
        "{who} cannot create a meeting: the service's administrator does"
    ),
    "access.need_moderator": "moderator credentials are needed: open the room's moderator link",
    "access.run_room": "{who} cannot run room {room_id}",
    "access.need_delegation_or_moderator": (
        "a delegation link or moderator credentials are needed"
    ),
    "access.act_for": "{who} cannot act for {delegation}",
    "access.need_viewer": "a display, delegate or moderator link is needed to watch the room",
    "access.watch_room": "{who} cannot watch room {room_id}",
    "access.need_record": "secretariat, moderator or rapporteur credentials are needed",
    "access.room_record": (
        "{who} cannot read the record of room {room_id}; "
        "a segment's record is open to its room's moderator and rapporteur"
    ),
    "access.meeting_record": (
        "{who} cannot read the record of every room of the meeting; "
        "a segment's record is open to its room's moderator and rapporteur"
    ),
    "access.need_card_editor": (
        "a delegation's link, or secretariat or moderator credentials, are needed"
    ),
    "access.need_rapporteur": "rapporteur credentials are needed",
    "access.write_report": "{who} may read this report; its rapporteur writes it",
    "access.need_delegation": "a delegation link is needed",
    "access.delegation_only": "this is for a delegation; {who} has its own link",
    "access.need_page_link": "this page needs the link you were given, with its token",
    "access.delegate_page": "this is the page of a delegation; {who} has its own link",
    "access.secretariat_page": "{who} cannot open the secretariat's pages",
    "account.invalid_name": "an account name is 2 to 80 letters, digits or . _ @ - (no spaces)",
    "account.short_password": {
        "one": "a password has at least {count} character",
        "other": "a password has at least {count} characters",
    },
    "account.exists": "there is already a secretariat account named '{name}'",
    "account.wrong": "the account name or the password is wrong: check both and try again",
    "account.passwords_differ": "the two passwords differ: nothing was created",
    "limit.floor_requests": (
        "too many floor requests from this device: at most {limit}; "
        "try again in {seconds} s (a request already made keeps its place, P6)"
    ),
    "limit.logins_account": (
        "too many failed logins for '{name}' from this device: at most {limit}; "
        "try again in {seconds} s"
    ),
    "limit.logins_address": (
        "too many failed logins from this address: at most {limit}; try again in {seconds} s"
    ),
    # -- the live channel (docs/protocol.md) -------------------------------------------------
    "channel.not_json": "send JSON text",
    "channel.invalid": "{problems}",
    "channel.pings": "too many pings: at most {limit}; wait {seconds} s",
    "channel.not_found": "no live channel at {path}: see docs/protocol.md",
    # -- HTTP's own refusals (an unknown path, a wrong method) --------------------------------
    "http.not_found": "Not Found",
    "http.method_not_allowed": "Method Not Allowed",
    "http.refused": "{reason}",
}

#: The params that carry what a page needs besides the placeholders (a phase key,
#: a delegation code): ``X_key`` and ``X_code`` beside the placeholder ``X``.
HELPER_SUFFIXES = ("_key", "_code")


def placeholders(code: str) -> frozenset[str]:
    """The names in ``code``'s template (every plural form's)."""
    template = MESSAGES[code]
    forms = [template] if isinstance(template, str) else list(template.values())
    return frozenset(part.split("}")[0] for form in forms for part in form.split("{")[1:])


def render(code: str, params: Mapping[str, Param]) -> str:
    """``code``'s English text with ``params`` filled in (a plural by ``count``)."""
    template = MESSAGES[code]
    if not isinstance(template, str):
        template = template["one" if params.get("count") == 1 else "other"]
    return template.format_map(params)


class DomainError(Exception):
    """Base of every refusal a person should read: a code, its params, its English text."""

    status_hint = 400
    #: A refusal raised with an English text of its own (no code yet): said as it is.
    uncoded = "refused"

    def __init__(self, code: str, /, **params: Param) -> None:
        if code in MESSAGES:
            detail = render(code, params)
        else:  # a text, not a code: the page shows it in English (tests/test_messages.py)
            detail, code, params = code, self.uncoded, {}
        super().__init__(detail)
        self.code = code
        self.params: dict[str, Param] = dict(params)
        self.detail = detail

    def again(self) -> Self:
        """The same refusal, to raise anew (a fault answered to every command behind it)."""
        twin = Exception.__new__(type(self))
        twin.__dict__.update(self.__dict__)
        twin.args = self.args
        return twin


class IllegalCommand(DomainError):
    """The command does not fit the current state (says what the state is)."""

    status_hint = 409


class FloorRuleRefused(DomainError):
    """A floor rule refuses the action (P5, P6, ...)."""

    status_hint = 409


class NotFound(DomainError):
    """The thing named does not exist in this meeting."""

    status_hint = 404


class NotAllowed(DomainError):
    """The caller's credentials do not cover the action."""

    status_hint = 403


class VersionConflict(DomainError):
    """The room's version moved between read and write; the runner retries."""

    status_hint = 409


class _Problems(DomainError):
    """A refusal whose text lists problems (field and line): ``{problems}`` in its code."""

    code_of_problems = "programme.invalid"

    def __init__(self, problems: str, /, **params: Param) -> None:
        if problems in MESSAGES:
            super().__init__(problems, **params)
        else:
            super().__init__(self.code_of_problems, problems=problems)


class InvalidRequest(_Problems):
    """A body its route's schema refuses (422, as FastAPI's own validation is answered)."""

    status_hint = 422
    code_of_problems = "request.invalid"


class InvalidSetting(_Problems):
    """The environment sets something the service cannot run with; names the variable."""

    status_hint = 422
    code_of_problems = "setting.invalid"


class InvalidProgramme(_Problems):
    """A programme file failed validation; ``detail`` lists field and line."""

    status_hint = 422
    code_of_problems = "programme.invalid"


class TooLarge(DomainError):
    """A file (a programme, a delegations CSV) is over its size limit; names the setting."""

    status_hint = 413

    def __init__(self, what: str, limit: int, setting: str) -> None:
        super().__init__("file.too_large", what=what, limit=limit, setting=setting)


class FloorChanged(IllegalCommand):
    """M1: the command was decided on a floor that has changed since (another console
    acted first); the message says what changed, and nothing was applied."""


class CommandIdReused(DomainError):
    """M6: a command id means one command; this id was recorded with another one."""

    status_hint = 409

    def __init__(self, command_id: str, kind: str) -> None:
        super().__init__("command.id_reused", command_id=command_id, kind=kind)


class Unauthenticated(DomainError):
    """The token does not identify a live credential of this service (never recorded here)."""

    status_hint = 401


class TokenExpired(Unauthenticated):
    """The token was valid and its time is over (``detail`` says when it ended)."""


class Unavailable(DomainError):
    """Nothing was done, for a reason that passes: retry after ``retry_after`` seconds."""

    status_hint = 503

    def __init__(self, code: str, /, retry_after: int, **params: Param) -> None:
        super().__init__(code, **params)
        self.retry_after = retry_after


class DatabaseUnavailable(Unavailable):
    """The database is busy, full, read-only or unreachable: nothing was saved."""


class RoomBusy(Unavailable):
    """Too many commands already wait for the room: this one was not taken."""
