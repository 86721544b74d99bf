"""Routes for what a segment leaves in writing: recommendation cards (R2), the report (R3).

Under a segment of a room (``/api/rooms/{room}/segments/{id}``):

* ``cards``: a delegation lists, submits and edits its own cards; the room's
  moderator may write one on a delegation's behalf; the secretariat enters
  the paper cards from the box (``paper-cards``);
* ``report``: the rapporteur's draft in the template of Annex 2, saved,
  closed, and exported as Markdown and as a Word document.

Each route's rule says who may act (``app.authorization``, which also holds
the row-level checks of cards); the route does its reading and writing in a
worker thread, and asks ``app.record.card`` and ``app.record.report`` for
the rules: no rule lives here. Once the report is closed, its cards and its
draft are refused with 409 (``ReportClosed``).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.access import rules
from app.access.policy import (
    ACT_FOR_DELEGATION,
    EDIT_CARD,
    READ_CARDS,
    READ_ROOM_RECORD,
    SECRETARIAT_ONLY,
    WRITE_REPORT,
)
from app.access.roles import Principal, Role
from app.api import records
from app.api.deps import EngineDep, PrincipalDep, RoomDep
from app.api.schemas import ErrorOut
from app.db.models import (
    Delegation,
    Meeting,
    RapporteurReport,
    RecommendationCard,
    Room,
    Segment,
)
from app.errors import DomainError, NotFound
from app.meeting.registration import delegation_by_code
from app.record import card as card_rules
from app.record import report as report_rules

ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorOut} for code in (400, 403, 404, 409, 413)
}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

router = APIRouter(prefix="/api/rooms/{room_id}/segments/{segment_id}", responses=ERRORS)


# -- wire schemas ---------------------------------------------------------------------

Text = Annotated[str, StringConstraints(max_length=card_rules.TEXT_CHARS)]
Recommendation = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=card_rules.RECOMMENDATION_CHARS
    ),
]
ClientId = Annotated[
    str, StringConstraints(min_length=8, max_length=80, pattern=r"^[A-Za-z0-9._:-]+$")
]
Code = Annotated[str, StringConstraints(min_length=1, max_length=32)]


class CardIn(BaseModel):
    """A card from a device. ``client_id``: a retry with the same id gives the same card."""

    model_config = ConfigDict(extra="forbid")

    client_id: ClientId | None = None
    delegation: Code | None = Field(
        default=None, description="a moderator names it; a delegate's is its own"
    )
    dimension: Annotated[str, StringConstraints(max_length=card_rules.DIMENSION_CHARS)] | None = (
        Field(default=None, description="the action group; the segment's title if left out")
    )
    recommendation: Recommendation
    means_of_implementation: Text = ""
    partnerships: Text = ""


class PaperCardIn(CardIn):
    """A paper card from the box, typed in by the secretariat: a delegation, or a name."""

    author: Annotated[str, StringConstraints(max_length=card_rules.AUTHOR_CHARS)] = ""


class CardEdit(BaseModel):
    """A change to a card; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    dimension: Annotated[str, StringConstraints(max_length=card_rules.DIMENSION_CHARS)] | None = (
        None
    )
    recommendation: Recommendation | None = None
    means_of_implementation: Text | None = None
    partnerships: Text | None = None


class CardOut(BaseModel):
    id: int
    segment_id: int
    delegation: str | None
    delegation_names: dict[str, str]
    author: str
    paper: bool
    dimension: str
    recommendation: str
    means_of_implementation: str
    partnerships: str
    chosen: bool
    created_at: float
    updated_at: float


class CardsOut(BaseModel):
    segment_id: int
    dimension: str
    closed: bool
    cards: list[CardOut]


CommitmentText = Annotated[str, StringConstraints(max_length=3 * card_rules.TEXT_CHARS)]


class CommitmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recommendation: CommitmentText
    means_of_implementation: CommitmentText = ""
    partnerships: CommitmentText = ""
    card_ids: list[int] = Field(default_factory=list, max_length=100)


class ReportIn(BaseModel):
    """The rapporteur's draft, saved whole."""

    model_config = ConfigDict(extra="forbid")

    rapporteur: Annotated[str, StringConstraints(max_length=300)] | None = None
    summary: Annotated[str, StringConstraints(max_length=report_rules.SUMMARY_CHARS)] = ""
    commitments: list[CommitmentIn] = Field(
        default_factory=list, max_length=report_rules.MAX_COMMITMENTS
    )
    observations: Annotated[str, StringConstraints(max_length=report_rules.OBSERVATIONS_CHARS)] = ""


# -- cards ----------------------------------------------------------------------------


@router.get("/cards", tags=["cards"], dependencies=[READ_CARDS])
async def list_cards(
    room_id: int, segment_id: int, principal: PrincipalDep, engine: EngineDep
) -> CardsOut:
    """The segment's cards: all of them for the record's readers, its own for a delegation."""
    only = principal.delegation if principal.role is Role.DELEGATE else None
    return await to_thread.run_sync(_list, engine, room_id, segment_id, only)


@router.post("/cards", status_code=201, tags=["cards"], dependencies=[ACT_FOR_DELEGATION])
async def submit_card(
    room_id: int,
    segment_id: int,
    body: CardIn,
    room: RoomDep,
    principal: PrincipalDep,
    engine: EngineDep,
) -> CardOut:
    """A delegation submits a card for the segment's action group (R2)."""
    writer = rules.card_writer(principal, room_id)
    code = rules.card_delegation(principal, room_id, body.delegation)
    return await to_thread.run_sync(
        _create, engine, room_id, segment_id, body, code, "", False, writer, room.now()
    )


@router.post("/paper-cards", status_code=201, tags=["cards"], dependencies=[SECRETARIAT_ONLY])
async def enter_paper_card(
    room_id: int,
    segment_id: int,
    body: PaperCardIn,
    room: RoomDep,
    principal: PrincipalDep,
    engine: EngineDep,
) -> CardOut:
    """The secretariat types in a paper card from the box (R2)."""
    writer = rules.card_writer(principal, room_id)
    author = card_rules.clean(body.author)
    if not body.delegation and not author:
        raise DomainError("a paper card names its delegation, or the author written on it")
    return await to_thread.run_sync(
        _create,
        engine,
        room_id,
        segment_id,
        body,
        body.delegation,
        author,
        True,
        writer,
        room.now(),
    )


@router.patch("/cards/{card_id}", tags=["cards"], dependencies=[EDIT_CARD])
async def edit_card(
    room_id: int,
    segment_id: int,
    card_id: int,
    body: CardEdit,
    room: RoomDep,
    principal: PrincipalDep,
    engine: EngineDep,
) -> CardOut:
    """Its delegation changes a card until the segment's report is closed (R2, R3)."""
    return await to_thread.run_sync(
        _edit, engine, room_id, segment_id, card_id, body, principal, room.now()
    )


# -- the report -----------------------------------------------------------------------


@router.get("/report", tags=["report"], dependencies=[READ_ROOM_RECORD])
async def get_report(
    room_id: int, segment_id: int, principal: PrincipalDep, engine: EngineDep
) -> dict[str, Any]:
    """The draft with its header, the speakers heard and not heard, and the segment's cards."""
    answer = await to_thread.run_sync(_report_json, engine, room_id, segment_id)
    answer["may_edit"] = _may_write_report(principal, room_id)
    return answer


@router.put("/report", tags=["report"], dependencies=[WRITE_REPORT])
async def save_report(
    room_id: int,
    segment_id: int,
    body: ReportIn,
    room: RoomDep,
    engine: EngineDep,
) -> dict[str, Any]:
    """Save the rapporteur's draft; the cards it draws on are marked chosen (R3)."""
    await to_thread.run_sync(_save, engine, room_id, segment_id, body, room.now())
    return await to_thread.run_sync(_report_json, engine, room_id, segment_id)


@router.post("/report/close", tags=["report"], dependencies=[WRITE_REPORT])
async def close_report(
    room_id: int, segment_id: int, room: RoomDep, engine: EngineDep
) -> dict[str, Any]:
    """Close the report: from now on neither it nor the segment's cards change (R2, R3)."""
    await to_thread.run_sync(_close, engine, room_id, segment_id, room.now())
    return await to_thread.run_sync(_report_json, engine, room_id, segment_id)


@router.get(
    "/report.md",
    dependencies=[READ_ROOM_RECORD],
    tags=["report"],
    responses={200: {"content": {"text/markdown": {}}, "description": "the report, Markdown"}},
)
async def report_markdown(room_id: int, segment_id: int, engine: EngineDep) -> Response:
    """The report as Markdown (Annex 2)."""
    key, built = await to_thread.run_sync(_build, engine, room_id, segment_id)
    return _download(report_rules.markdown(built), "text/markdown; charset=utf-8", key, "md")


@router.get(
    "/report.docx",
    dependencies=[READ_ROOM_RECORD],
    tags=["report"],
    responses={200: {"content": {DOCX: {}}, "description": "the report, Word"}},
)
async def report_docx(room_id: int, segment_id: int, engine: EngineDep) -> Response:
    """The report as a Word document laid out as Annex 2."""
    key, built = await to_thread.run_sync(_build, engine, room_id, segment_id)
    document = await to_thread.run_sync(report_rules.docx, built)
    return _download(document, DOCX, key, "docx")


# -- who ------------------------------------------------------------------------------


def _may_write_report(principal: Principal, room_id: int) -> bool:
    """Whether the page offers editing (the PUT's rule, WRITE_REPORT, decides)."""
    if principal.role is Role.SECRETARIAT:
        return True
    return principal.role is Role.RAPPORTEUR and principal.room_id in (None, room_id)


# -- reading and writing (worker thread) --------------------------------------------------


def _segment(session: Session, room_id: int, segment_id: int) -> Segment:
    segment = session.get(Segment, segment_id)
    if segment is None or segment.room_id != room_id:
        raise NotFound(f"no segment {segment_id} in room {room_id}")
    return segment


def _closed_at(session: Session, segment_id: int) -> float | None:
    draft = session.get(RapporteurReport, segment_id)
    return draft.closed_at if draft else None


def _delegation_of(session: Session, card: RecommendationCard) -> Delegation | None:
    return session.get(Delegation, card.delegation_id) if card.delegation_id else None


def _out(card: RecommendationCard, delegation: Delegation | None) -> CardOut:
    assert card.id is not None
    return CardOut(
        id=card.id,
        segment_id=card.segment_id,
        delegation=delegation.code if delegation else None,
        delegation_names=dict(delegation.names) if delegation else {},
        author=card.author,
        paper=card.paper,
        dimension=card.dimension,
        recommendation=card.recommendation,
        means_of_implementation=card.means_of_implementation,
        partnerships=card.partnerships,
        chosen=card.chosen,
        created_at=card.created_at,
        updated_at=card.updated_at,
    )


def _cards(session: Session, segment: Segment, only: str | None) -> list[CardOut]:
    rows = session.exec(
        select(RecommendationCard, Delegation)
        .join(Delegation, isouter=True)
        .where(RecommendationCard.segment_id == segment.id)
        .order_by(col(RecommendationCard.created_at), col(RecommendationCard.id))
    ).all()
    return [
        _out(card, delegation)
        for card, delegation in rows
        if only is None or (delegation is not None and delegation.code == only)
    ]


def _list(engine: Engine, room_id: int, segment_id: int, only: str | None) -> CardsOut:
    with Session(engine) as session:
        segment = _segment(session, room_id, segment_id)
        return CardsOut(
            segment_id=segment_id,
            dimension=segment.title,
            closed=_closed_at(session, segment_id) is not None,
            cards=_cards(session, segment, only),
        )


def _create(
    engine: Engine,
    room_id: int,
    segment_id: int,
    body: CardIn,
    code: str | None,
    author: str,
    paper: bool,
    writer: card_rules.Writer,
    now: float,
) -> CardOut:
    with Session(engine) as session:
        segment = _segment(session, room_id, segment_id)
        delegation = delegation_by_code(session, segment.meeting_id, code) if code else None
        if body.client_id is not None:
            again = _by_client_id(session, segment_id, body.client_id)
            if again is not None:
                return _out(again, _delegation_of(session, again))
        card_rules.ensure_open(_closed_at(session, segment_id), segment.title)
        card = RecommendationCard(
            meeting_id=segment.meeting_id,
            segment_id=segment_id,
            delegation_id=delegation.id if delegation else None,
            author=author,
            paper=paper,
            entered_by=writer.description[:120],
            client_id=body.client_id,
            dimension=card_rules.clean(body.dimension or segment.title)[
                : card_rules.DIMENSION_CHARS
            ],
            recommendation=card_rules.clean(body.recommendation),
            means_of_implementation=card_rules.clean(body.means_of_implementation),
            partnerships=card_rules.clean(body.partnerships),
            created_at=now,
            updated_at=now,
        )
        session.add(card)
        try:
            session.commit()
        except IntegrityError:  # the same client id, committed by a concurrent retry
            session.rollback()
            assert body.client_id is not None
            again = _by_client_id(session, segment_id, body.client_id)
            assert again is not None
            return _out(again, _delegation_of(session, again))
        session.refresh(card)
        return _out(card, delegation)


def _by_client_id(session: Session, segment_id: int, client_id: str) -> RecommendationCard | None:
    return session.exec(
        select(RecommendationCard).where(
            RecommendationCard.segment_id == segment_id,
            RecommendationCard.client_id == client_id,
        )
    ).first()


def _edit(
    engine: Engine,
    room_id: int,
    segment_id: int,
    card_id: int,
    body: CardEdit,
    principal: Principal,
    now: float,
) -> CardOut:
    with Session(engine) as session:
        segment = _segment(session, room_id, segment_id)
        card = session.get(RecommendationCard, card_id)
        if card is None or card.segment_id != segment_id:
            raise NotFound(f"no card {card_id} in this segment")
        delegation = _delegation_of(session, card)
        owner = delegation.code if delegation else None
        rules.ensure_may_edit_card(principal, room_id, owner, card.paper)
        card_rules.ensure_open(_closed_at(session, segment_id), segment.title)
        for name, value in body.model_dump(exclude_none=True).items():
            setattr(card, name, card_rules.clean(value))
        card.updated_at = now
        session.add(card)
        session.commit()
        session.refresh(card)
        return _out(card, delegation)


def _save(engine: Engine, room_id: int, segment_id: int, body: ReportIn, now: float) -> None:
    with Session(engine) as session:
        segment = _segment(session, room_id, segment_id)
        draft = session.get(RapporteurReport, segment_id) or RapporteurReport(segment_id=segment_id)
        card_rules.ensure_open(draft.closed_at, segment.title, what="its report")
        commitments = report_rules.commitments_of(c.model_dump() for c in body.commitments)
        chosen = report_rules.chosen_cards(commitments)
        cards = session.exec(
            select(RecommendationCard).where(RecommendationCard.segment_id == segment_id)
        ).all()
        unknown = chosen - {c.id for c in cards}
        if unknown:
            raise DomainError(
                f"the report names cards {sorted(unknown)} that are not cards of this segment"
            )
        for card in cards:
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
        session.commit()


def _close(engine: Engine, room_id: int, segment_id: int, now: float) -> None:
    """Closing twice is answered as the first close (the page may retry)."""
    with Session(engine) as session:
        _segment(session, room_id, segment_id)
        draft = session.get(RapporteurReport, segment_id) or RapporteurReport(segment_id=segment_id)
        if draft.closed_at is None:
            draft.closed_at = now
            draft.updated_at = draft.updated_at or now
            session.add(draft)
            session.commit()


def _report(
    session: Session, segment: Segment, draft: RapporteurReport | None
) -> report_rules.Report:
    meeting = session.get(Meeting, segment.meeting_id)
    room = session.get(Room, segment.room_id)
    assert meeting is not None
    assert room is not None
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


def _build(engine: Engine, room_id: int, segment_id: int) -> tuple[str, report_rules.Report]:
    """The report with the speakers from the segment's record (R1, A3)."""
    with Session(engine) as session:
        segment = _segment(session, room_id, segment_id)
        built = _report(session, segment, session.get(RapporteurReport, segment_id))
        key = segment.key
    # The record is read as app.api.records reads it, so that the two agree.
    lines = records._segment(engine, room_id, segment_id).lines
    return key, replace(built, speakers=report_rules.speakers(lines))


def _report_json(engine: Engine, room_id: int, segment_id: int) -> dict[str, Any]:
    key, built = _build(engine, room_id, segment_id)
    with Session(engine) as session:
        segment = _segment(session, room_id, segment_id)
        meeting = session.get(Meeting, segment.meeting_id)
        assert meeting is not None
        draft = session.get(RapporteurReport, segment_id)
        guide = meeting.rules.get("report_summary_words", report_rules.SUMMARY_WORDS)
        cards = _cards(session, segment, None)
    return {
        "segment": {"id": segment_id, "key": key, "title": segment.title, "room_id": room_id},
        "header": dict(
            zip(
                ("action_group", "date_and_time", "room", "moderator", "rapporteur"),
                (v for _, v in built.header()),
                strict=True,
            )
        ),
        "summary": built.summary,
        "summary_word_guide": guide,
        "commitments": [c.as_json() for c in built.commitments],
        "observations": built.observations,
        "speakers": {
            "heard": list(built.speakers.heard),
            "not_heard": list(built.speakers.not_heard),
        },
        "closed_at": draft.closed_at if draft else None,
        "updated_at": draft.updated_at if draft else None,
        "cards": [c.model_dump() for c in cards],
    }


def _download(content: str | bytes, media_type: str, key: str, suffix: str) -> Response:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", f"report-{key}").strip("-") or "report"
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}.{suffix}"'},
    )
