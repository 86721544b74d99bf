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

The message (``detail``) is what a moderator or a secretariat reads: it says
what was asked and why it cannot be done, in words they use.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal a person should read."""

    status_hint = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class IllegalCommand(DomainError):
    """The command does not fit the current state (names the state)."""

    status_hint = 409

    def __init__(self, command: object, situation: str) -> None:
        name = command if isinstance(command, str) else type(command).__name__
        super().__init__(f"can't {name} when {situation}")


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


class InvalidSetting(DomainError):
    """The environment sets something the service cannot run with; names the variable."""

    status_hint = 422


class InvalidProgramme(DomainError):
    """A programme file failed validation; ``detail`` lists field and line."""

    status_hint = 422


class TooLarge(DomainError):
    """A file (a programme, a delegations CSV) is over its size limit; names the setting."""

    status_hint = 413

    def __init__(self, what: str, limit: int, setting: str) -> None:
        super().__init__(f"{what} is over {limit} bytes, the limit set by {setting}")


class FloorChanged(IllegalCommand):
    """M1: the command was decided on a floor that has changed since (another console
    acted first); the message says what changed, and nothing was applied."""

    def __init__(self, detail: str) -> None:
        DomainError.__init__(self, detail)


class CommandIdReused(DomainError):
    """M6: a command id means one command; this id was recorded with another one."""

    status_hint = 409

    def __init__(self, command_id: str, kind: str) -> None:
        super().__init__(
            f"command id {command_id!r} was already used for {kind}, a different command: "
            "nothing was done; send this command with a new id"
        )


class Unauthenticated(DomainError):
    """The token does not identify a live credential of this service (never recorded here)."""

    status_hint = 401


class TokenExpired(Unauthenticated):
    """The token was valid and its time is over (``detail`` says when it ended)."""


class Unavailable(DomainError):
    """Nothing was done, for a reason that passes: retry after ``retry_after`` seconds."""

    status_hint = 503

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class DatabaseUnavailable(Unavailable):
    """The database is busy, full, read-only or unreachable: nothing was saved."""


class RoomBusy(Unavailable):
    """Too many commands already wait for the room: this one was not taken."""
