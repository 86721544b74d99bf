"""What a segment leaves in writing, in the database: cards (R2) and the report's draft (R3).

Repository functions: each takes the request's ``Session`` first and never
commits (``app.db.engine.in_transaction`` owns the transaction). The rules
come from the pure ``app.record.card`` and ``app.record.report``; once a
segment's report is closed, its cards and its draft are refused
(``ReportClosed``, 409).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.access import rules
from app.access.roles import Principal
from app.db.models import Delegation, RapporteurReport, RecommendationCard, Segment
from app.errors import DomainError, NotFound
from app.meeting import queries
from app.proceedings import minutes
from app.record import card as card_rules
from app.record import report as report_rules

#: A card and the delegation it is of (None: a paper card that names only its author).
Paper = tuple[RecommendationCard, Delegation | None]
#: Finds a segment's card by the client id a device gave it.
ClientIdLookup = Callable[[Session, int, str], Paper | None]


@dataclass(frozen=True, slots=True)
class CardText:
    """What a card says, as it came in (cleaned here, before it is written)."""

    recommendation: str
    dimension: str | None = None
    means_of_implementation: str = ""
    partnerships: str = ""


@dataclass(frozen=True, slots=True)
class Draft:
    """The rapporteur's draft, as it came in: saved whole (R3)."""

    rapporteur: str | None
    summary: str
    commitments: list[dict[str, Any]]
    observations: str


# -- cards --------------------------------------------------------------------------


def card_fields(paper: Paper) -> dict[str, Any]:
    """A card as the routes answer it (``CardOut``'s fields)."""
    card, delegation = paper
    assert card.id is not None
    return {
        "id": card.id,
        "segment_id": card.segment_id,
        "delegation": delegation.code if delegation else None,
        "delegation_names": dict(delegation.names) if delegation else {},
        "author": card.author,
        "paper": card.paper,
        "dimension": card.dimension,
        "recommendation": card.recommendation,
        "means_of_implementation": card.means_of_implementation,
        "partnerships": card.partnerships,
        "chosen": card.chosen,
        "created_at": card.created_at,
        "updated_at": card.updated_at,
    }


def cards(
    session: Session, room_id: int, segment_id: int, only: str | None
) -> tuple[Segment, bool, list[Paper]]:
    """The segment, whether its report is closed, and its cards (only delegation ``only``'s)."""
    segment = queries.segment_in_room(session, room_id, segment_id)
    return segment, _closed_at(session, segment_id) is not None, _cards(session, segment, only)


def submit(
    session: Session,
    room_id: int,
    segment_id: int,
    text: CardText,
    *,
    client_id: str | None,
    code: str | None,
    author: str,
    paper: bool,
    writer: card_rules.Writer,
    now: float,
) -> Paper:
    """A new card of delegation ``code``, or of ``author`` (R2).

    A retry with the same ``client_id`` is answered with the card it made.
    """
    segment = queries.segment_in_room(session, room_id, segment_id)
    delegation = queries.delegation_by_code(session, segment.meeting_id, code) if code else None
    if client_id is not None:
        again = _by_client_id(session, segment_id, client_id)
        if again is not None:
            return again
    card_rules.ensure_open(_closed_at(session, segment_id), segment.title)
    card = RecommendationCard(
        meeting_id=segment.meeting_id,
        segment_id=segment_id,
        delegation_id=delegation.id if delegation else None,
        author=author,
        paper=paper,
        entered_by=writer.description[:120],
        client_id=client_id,
        dimension=card_rules.clean(text.dimension or segment.title)[: card_rules.DIMENSION_CHARS],
        recommendation=card_rules.clean(text.recommendation),
        means_of_implementation=card_rules.clean(text.means_of_implementation),
        partnerships=card_rules.clean(text.partnerships),
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():  # a savepoint: only the insert is undone below
            session.add(card)
    except IntegrityError:  # the same client id, written by a concurrent retry
        assert client_id is not None
        again = _by_client_id(session, segment_id, client_id)
        assert again is not None
        return again
    return card, delegation


def edit(
    session: Session,
    room_id: int,
    segment_id: int,
    card_id: int,
    changes: Mapping[str, str],
    principal: Principal,
    now: float,
) -> Paper:
    """Its delegation changes a card until the segment's report is closed (R2, R3)."""
    segment = queries.segment_in_room(session, room_id, segment_id)
    card = session.get(RecommendationCard, card_id)
    if card is None or card.segment_id != segment_id:
        raise NotFound("card.not_found", card=card_id)
    delegation = _delegation_of(session, card)
    owner = delegation.code if delegation else None
    rules.ensure_may_edit_card(principal, room_id, owner, card.paper)
    card_rules.ensure_open(_closed_at(session, segment_id), segment.title)
    for name, value in changes.items():
        setattr(card, name, card_rules.clean(value))
    card.updated_at = now
    session.add(card)
    session.flush()
    return card, delegation


def _cards(session: Session, segment: Segment, only: str | None) -> list[Paper]:
    rows = session.exec(
        select(RecommendationCard, Delegation)
        .join(Delegation, isouter=True)
        .where(RecommendationCard.segment_id == segment.id)
        .order_by(col(RecommendationCard.created_at), col(RecommendationCard.id))
    ).all()
    return [
        (card, delegation)
        for card, delegation in rows
        if only is None or (delegation is not None and delegation.code == only)
    ]


def _by_client_id(session: Session, segment_id: int, client_id: str) -> Paper | None:
    card = session.exec(
        select(RecommendationCard).where(
            RecommendationCard.segment_id == segment_id,
            RecommendationCard.client_id == client_id,
        )
    ).first()
    return None if card is None else (card, _delegation_of(session, card))


def _delegation_of(session: Session, card: RecommendationCard) -> Delegation | None:
    return session.get(Delegation, card.delegation_id) if card.delegation_id else None


def _closed_at(session: Session, segment_id: int) -> float | None:
    draft = session.get(RapporteurReport, segment_id)
    return draft.closed_at if draft else None


# -- the report's draft -------------------------------------------------------------


def save_report(
    session: Session, room_id: int, segment_id: int, body: Draft, now: float
) -> dict[str, Any]:
    """Save the draft; the cards it draws on are marked chosen (R3). Answers the report."""
    segment = queries.segment_in_room(session, room_id, segment_id)
    draft = session.get(RapporteurReport, segment_id) or RapporteurReport(segment_id=segment_id)
    card_rules.ensure_open(draft.closed_at, segment.title, what="its report")
    commitments = report_rules.commitments_of(body.commitments)
    chosen = report_rules.chosen_cards(commitments)
    rows = session.exec(
        select(RecommendationCard).where(RecommendationCard.segment_id == segment_id)
    ).all()
    unknown = chosen - {c.id for c in rows}
    if unknown:
        raise DomainError("report.unknown_cards", cards=", ".join(map(str, sorted(unknown))))
    for card in rows:
        if card.chosen != (card.id in chosen):
            card.chosen = card.id in chosen
            session.add(card)
    if body.rapporteur is not None:
        draft.rapporteur = card_rules.clean(body.rapporteur)
    draft.summary = card_rules.clean(body.summary)
    draft.commitments = [c.as_json() for c in commitments]
    draft.observations = card_rules.clean(body.observations)
    draft.updated_at = now
    session.add(draft)
    session.flush()
    return report_json(session, room_id, segment_id)


def close_report(session: Session, room_id: int, segment_id: int, now: float) -> dict[str, Any]:
    """Close the report (R2, R3); closing twice is answered as the first close (a retry)."""
    queries.segment_in_room(session, room_id, segment_id)
    draft = session.get(RapporteurReport, segment_id) or RapporteurReport(segment_id=segment_id)
    if draft.closed_at is None:
        draft.closed_at = now
        draft.updated_at = draft.updated_at or now
        session.add(draft)
        session.flush()
    return report_json(session, room_id, segment_id)


def built_report(
    session: Session, room_id: int, segment_id: int
) -> tuple[str, report_rules.Report]:
    """The segment's key and its report, with the speakers from its record (R1, A3)."""
    segment = queries.segment_in_room(session, room_id, segment_id)
    built = _report(session, segment, session.get(RapporteurReport, segment_id))
    # The record is read as app.api.records reads it, so that the two agree.
    scoped = minutes.segment_record(session, room_id, segment_id)
    speakers = report_rules.speakers(scoped.lines, scoped.took_floor_seconds)
    return segment.key, replace(built, speakers=speakers)


def report_json(session: Session, room_id: int, segment_id: int) -> dict[str, Any]:
    """The draft with its header, the speakers heard and not heard, and the segment's cards."""
    key, built = built_report(session, room_id, segment_id)
    segment = queries.segment_in_room(session, room_id, segment_id)
    meeting = queries.meeting(session, segment.meeting_id)
    draft = session.get(RapporteurReport, segment_id)
    return {
        "segment": {"id": segment_id, "key": key, "title": segment.title, "room_id": room_id},
        "header": _header(built),
        "summary": built.summary,
        "summary_word_guide": meeting.rules.get("report_summary_words", report_rules.SUMMARY_WORDS),
        "commitments": [c.as_json() for c in built.commitments],
        "observations": built.observations,
        "speakers": {
            "heard": list(built.speakers.heard),
            "not_heard": list(built.speakers.not_heard),
        },
        "closed_at": draft.closed_at if draft else None,
        "updated_at": draft.updated_at if draft else None,
        "cards": [card_fields(p) for p in _cards(session, segment, None)],
    }


def _header(built: report_rules.Report) -> dict[str, str]:
    names = ("action_group", "date_and_time", "room", "moderator", "rapporteur")
    return dict(zip(names, (v for _, v in built.header()), strict=True))


def _report(
    session: Session, segment: Segment, draft: RapporteurReport | None
) -> report_rules.Report:
    meeting = queries.meeting(session, segment.meeting_id)
    room = queries.room(session, segment.room_id)
    return report_rules.Report(
        action_group=segment.title,
        date_and_time=report_rules.date_and_time(
            segment.scheduled_start, segment.scheduled_end, meeting.timezone
        ),
        room=room.name,
        moderator="; ".join(segment.moderators),
        rapporteur=(draft.rapporteur if draft and draft.rapporteur else segment.rapporteur),
        summary=draft.summary if draft else "",
        commitments=report_rules.commitments_of(draft.commitments) if draft else (),
        observations=draft.observations if draft else "",
        closed=bool(draft and draft.closed_at is not None),
    )
