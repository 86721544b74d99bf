"""Recommendation cards (R2): who may write one, and until when.

Theory of operation
-------------------
A card holds three texts for the dimension (action group) of one segment:
*recommendation*, *means of implementation*, *partnerships* (000 §5 and
Annex 1). It comes in one of two ways:

* from a delegation's device: the card belongs to the delegation its
  credential names; a moderator of the room may also write one on a
  delegation's behalf (P7, as for floor requests);
* from the box of paper cards: the secretariat types it in, naming the
  delegation when the card does, else only the name written on it
  (``paper``).

A card can be changed by whoever could have written it, until the
segment's report is closed (R3): then the cards are what the rapporteur
reported from, and every change is refused (409) with a sentence that says
so. Pure: the shell (``app.api.cards``) reads the rows and asks here.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import FloorRuleRefused, NotAllowed

#: Length limits of a card's texts (characters); the table's columns are as wide.
RECOMMENDATION_CHARS = 2000
TEXT_CHARS = 2000
DIMENSION_CHARS = 200
AUTHOR_CHARS = 200


class ReportClosed(FloorRuleRefused):
    """The segment's report is closed: its cards and its draft no longer change (R2, R3)."""

    def __init__(self, segment_title: str, what: str) -> None:
        super().__init__("report.closed", segment=segment_title, what=what)


@dataclass(frozen=True, slots=True)
class Writer:
    """Who is writing, as the card rules need to know it (from ``app.access.Principal``)."""

    description: str  # e.g. "delegate (MEX)", for messages and ``entered_by``
    delegation: str | None = None  # a delegate's own delegation code
    secretariat: bool = False
    moderates_room: bool = False  # the segment's room (or the secretariat)


def ensure_open(closed_at: float | None, segment_title: str, what: str = "its cards") -> None:
    """Refuse any change once the segment's report is closed (R3)."""
    if closed_at is not None:
        raise ReportClosed(segment_title, what)


def card_delegation(writer: Writer, asked: str | None) -> str:
    """The delegation a card from a device is for: a delegate's own, or one a moderator names.

    A delegate naming another delegation is refused (403), as for floor requests.
    """
    if writer.delegation is not None and not writer.moderates_room:
        if asked not in (None, "", writer.delegation):
            raise NotAllowed("card.not_for", who=writer.description, delegation=asked)
        return writer.delegation
    if not writer.moderates_room:
        raise NotAllowed("card.not_writer", who=writer.description)
    if not asked:
        raise NotAllowed("card.name_delegation", who=writer.description)
    return asked


def ensure_may_edit(writer: Writer, card_delegation: str | None, paper: bool) -> None:
    """A card changes by its delegation, the room's moderator, or (paper cards) the secretariat."""
    if writer.secretariat:
        return
    if paper and card_delegation is None:
        raise NotAllowed("card.paper", who=writer.description)
    if writer.moderates_room:
        return
    if writer.delegation is not None and writer.delegation == card_delegation:
        return
    owner = card_delegation or "the secretariat"
    raise NotAllowed("card.of_other", who=writer.description, owner=owner)


def clean(text: str) -> str:
    """A card's text as stored: surrounding blanks trimmed, line ends as ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()
