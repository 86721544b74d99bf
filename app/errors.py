"""Domain errors. Engines raise them; ``app.main`` renders them as HTTP answers.

* DomainError                 400  a request that cannot be carried out as asked
    * IllegalCommand          409  the command does not fit the room's current state
    * FloorRuleRefused        409  a floor rule says no (P5, P6 ...)
    * NotFound                404  no such room, segment, request or delegation
    * NotAllowed              403  the credentials do not cover this action
    * VersionConflict         409  the room changed under the command (shell retries)
    * InvalidProgramme        422  a programme file is wrong; names the field and line
    * InvalidSetting          422  an environment variable is wrong; names it
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
