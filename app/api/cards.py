"""Routes for what a segment leaves in writing: recommendation cards (R2), the report (R3).

Under a segment of a room (``/api/rooms/{room}/segments/{id}``):

* ``cards``: a delegation lists, submits and edits its own cards; the room's
  moderator may write one on a delegation's behalf; the secretariat enters
  the paper cards from the box (``paper-cards``);
* ``report``: the rapporteur's draft in the template of Annex 2, saved,
  closed, and exported as Markdown and as a Word document.

Each route's rule says who may act (``app.access.policy``; the row-level
checks of cards are in ``app.access.rules``); the route hands its reading and writing to
``app.proceedings.papers``, one transaction a request, which asks ``app.record.card``
and ``app.record.report`` for the rules: no rule lives here. Once the report
is closed, its cards and its draft are refused with 409 (``ReportClosed``).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy.engine import Engine

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
from app.api.deps import EngineDep, PrincipalDep, RoomDep
from app.api.schemas import BodyIn, ErrorOut
from app.db.engine import in_session, in_transaction, in_worker
from app.errors import DomainError
from app.meeting.names import Name
from app.proceedings import papers
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


class CardIn(BodyIn):
    """A card from a device. ``client_id``: a retry with the same id gives the same card."""

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

    author: Annotated[Name, StringConstraints(max_length=card_rules.AUTHOR_CHARS)] = ""


class CardEdit(BodyIn):
    """A change to a card; fields left out stay as they are."""

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


class CommitmentIn(BodyIn):
    recommendation: CommitmentText
    means_of_implementation: CommitmentText = ""
    partnerships: CommitmentText = ""
    card_ids: list[int] = Field(default_factory=list, max_length=100)


class ReportIn(BodyIn):
    """The rapporteur's draft, saved whole."""

    rapporteur: Annotated[Name, StringConstraints(max_length=300)] | None = None
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
    segment, closed, rows = await in_session(engine, papers.cards, room_id, segment_id, only)
    return CardsOut(
        segment_id=segment_id,
        dimension=segment.title,
        closed=closed,
        cards=[_out(row) for row in rows],
    )


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
    return await _submit(engine, room_id, segment_id, body, code, "", writer, room.now())


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
        raise DomainError("card.paper_names_delegation")
    return await _submit(
        engine, room_id, segment_id, body, body.delegation, author, writer, room.now()
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
    changes = body.model_dump(exclude_none=True)
    edited = await in_transaction(
        engine, papers.edit, room_id, segment_id, card_id, changes, principal, room.now()
    )
    return _out(edited)


async def _submit(
    engine: Engine,
    room_id: int,
    segment_id: int,
    body: CardIn,
    code: str | None,
    author: str,
    writer: card_rules.Writer,
    now: float,
) -> CardOut:
    text = papers.CardText(
        recommendation=body.recommendation,
        dimension=body.dimension,
        means_of_implementation=body.means_of_implementation,
        partnerships=body.partnerships,
    )
    submitted = await in_transaction(
        engine,
        papers.submit,
        room_id,
        segment_id,
        text,
        client_id=body.client_id,
        code=code,
        author=author,
        paper=isinstance(body, PaperCardIn),
        writer=writer,
        now=now,
    )
    return _out(submitted)


def _out(paper: papers.Paper) -> CardOut:
    return CardOut.model_validate(papers.card_fields(paper))


# -- the report -----------------------------------------------------------------------


@router.get("/report", tags=["report"], dependencies=[READ_ROOM_RECORD])
async def get_report(
    room_id: int, segment_id: int, principal: PrincipalDep, engine: EngineDep
) -> dict[str, Any]:
    """The draft with its header, the speakers heard and not heard, and the segment's cards."""
    answer = await in_session(engine, papers.report_json, room_id, segment_id)
    return _with_may_edit(answer, principal, room_id)


@router.put("/report", tags=["report"], dependencies=[WRITE_REPORT])
async def save_report(
    room_id: int,
    segment_id: int,
    body: ReportIn,
    room: RoomDep,
    principal: PrincipalDep,
    engine: EngineDep,
) -> dict[str, Any]:
    """Save the rapporteur's draft; the cards it draws on are marked chosen (R3)."""
    draft = papers.Draft(
        rapporteur=body.rapporteur,
        summary=body.summary,
        commitments=[c.model_dump() for c in body.commitments],
        observations=body.observations,
    )
    answer = await in_transaction(
        engine, papers.save_report, room_id, segment_id, draft, room.now()
    )
    return _with_may_edit(answer, principal, room_id)


@router.post("/report/close", tags=["report"], dependencies=[WRITE_REPORT])
async def close_report(
    room_id: int, segment_id: int, room: RoomDep, principal: PrincipalDep, engine: EngineDep
) -> dict[str, Any]:
    """Close the report: from now on neither it nor the segment's cards change (R2, R3)."""
    answer = await in_transaction(engine, papers.close_report, room_id, segment_id, room.now())
    return _with_may_edit(answer, principal, room_id)


@router.get(
    "/report.md",
    dependencies=[READ_ROOM_RECORD],
    tags=["report"],
    responses={200: {"content": {"text/markdown": {}}, "description": "the report, Markdown"}},
)
async def report_markdown(room_id: int, segment_id: int, engine: EngineDep) -> Response:
    """The report as Markdown (Annex 2)."""
    key, built = await in_session(engine, papers.built_report, room_id, segment_id)
    return _download(report_rules.markdown(built), "text/markdown; charset=utf-8", key, "md")


@router.get(
    "/report.docx",
    dependencies=[READ_ROOM_RECORD],
    tags=["report"],
    responses={200: {"content": {DOCX: {}}, "description": "the report, Word"}},
)
async def report_docx(room_id: int, segment_id: int, engine: EngineDep) -> Response:
    """The report as a Word document laid out as Annex 2."""
    key, built = await in_session(engine, papers.built_report, room_id, segment_id)
    document = await in_worker(report_rules.docx, built)
    return _download(document, DOCX, key, "docx")


# -- who ------------------------------------------------------------------------------


def _with_may_edit(answer: dict[str, Any], principal: Principal, room_id: int) -> dict[str, Any]:
    """Every answer that carries the report says whether the page offers editing: the
    page reads a missing ``may_edit`` as "may not edit" (issue 14, finding 10)."""
    answer["may_edit"] = _may_write_report(principal, room_id)
    return answer


def _may_write_report(principal: Principal, room_id: int) -> bool:
    """Whether the page offers editing (the PUT's rule, WRITE_REPORT, decides)."""
    if principal.role is Role.SECRETARIAT:
        return True
    return principal.role is Role.RAPPORTEUR and principal.room_id in (None, room_id)


def _download(content: str | bytes, media_type: str, key: str, suffix: str) -> Response:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", f"report-{key}").strip("-") or "report"
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}.{suffix}"'},
    )
