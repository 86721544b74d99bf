"""The rapporteur's report (R3), in the template of Annex 2 of the concept note.

Theory of operation
-------------------
Annex 2 ("Reporting template for action groups") has, in order:

1. a header: action group, date and time, room, moderator, rapporteur;
2. the summary of discussions, "a 250 word description" (a guide, not a cap:
   the page counts words as the rapporteur types; the number is the
   meeting's rule ``report_summary_words``);
3. recommendations for actionable commitments 1, 2, 3 …, each a row of
   *recommendation*, *means of implementation*, *partnerships*;
4. any other observations.

The issue adds what the floor itself knows (R1, A3): the delegations that
took the floor and those that asked and were not heard. A commitment is
drafted from recommendation cards (R2): picked from one, merged from
several, then edited; it keeps the ids of the cards it came from, and those
cards are the ones marked *chosen*.

This module builds the report from plain values and writes it as Markdown
and as a Word document (python-docx, in memory). Pure: no database, no
clock; the shell passes the segment, the draft and the record in.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from app.record.interventions import TOOK_FLOOR_SECONDS, Group, Intervention, Outcome, took_floor

#: Annex 2's guide for the summary (words); a meeting may set ``report_summary_words``.
SUMMARY_WORDS = 250
SUMMARY_CHARS = 8000
OBSERVATIONS_CHARS = 8000
#: Enough rows for any action group; Annex 2 prints three.
MAX_COMMITMENTS = 30
#: UN documents are printed on A4 (ISO 216, 210 x 297 mm), not US Letter, with
#: margins of 2.5 cm (millimetres: width, height; top, bottom, left, right).
PAGE_MM = (210, 297)
MARGINS_MM = (25, 25, 25, 25)

# The template's own words (Annex 2), in the order they appear.
TITLE = "Reporting template for action groups"
HEADER = ("Action group", "Date and time", "Room", "Moderator", "Rapporteur")
SUMMARY = "Summary of discussions"
COMMITMENTS = "Recommendations for actionable commitments"
COMMITMENT = "Recommendation for actionable commitment {number}"
COLUMNS = ("Recommendation", "Means of implementation", "Partnerships")
OBSERVATIONS = "Any other observations"
# What the floor adds (R1, A3).
HEARD = "Delegations that took the floor"
NOT_HEARD = "Delegations that asked for the floor and were not heard"
NONE = "None."


@dataclass(frozen=True, slots=True)
class Commitment:
    """One recommendation for an actionable commitment, with the cards it was drafted from."""

    recommendation: str
    means_of_implementation: str = ""
    partnerships: str = ""
    card_ids: tuple[int, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "recommendation": self.recommendation,
            "means_of_implementation": self.means_of_implementation,
            "partnerships": self.partnerships,
            "card_ids": list(self.card_ids),
        }


@dataclass(frozen=True, slots=True)
class Speakers:
    """Delegations that took the floor, and those that asked and were not heard (A3)."""

    heard: tuple[str, ...] = ()
    not_heard: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Report:
    """A report as Annex 2 lays it out (R3)."""

    # the header
    action_group: str
    date_and_time: str
    room: str
    moderator: str
    rapporteur: str
    # the body
    summary: str = ""
    commitments: tuple[Commitment, ...] = ()
    observations: str = ""
    speakers: Speakers = field(default_factory=Speakers)
    closed: bool = False

    def header(self) -> tuple[tuple[str, str], ...]:
        values = (self.action_group, self.date_and_time, self.room, self.moderator, self.rapporteur)
        return tuple(zip(HEADER, values, strict=True))


def commitments_of(stored: Iterable[Mapping[str, Any]]) -> tuple[Commitment, ...]:
    """The commitments as the draft's JSON column holds them."""
    return tuple(
        Commitment(
            recommendation=str(item.get("recommendation", "")),
            means_of_implementation=str(item.get("means_of_implementation", "")),
            partnerships=str(item.get("partnerships", "")),
            card_ids=tuple(int(i) for i in item.get("card_ids", ())),
        )
        for item in stored
    )


def chosen_cards(commitments: Iterable[Commitment]) -> set[int]:
    """The cards the report drew on: they are marked chosen (R2 → R3)."""
    return {card for commitment in commitments for card in commitment.card_ids}


def speakers(lines: Iterable[Intervention], least: float = TOOK_FLOOR_SECONDS) -> Speakers:
    """Who took the floor (in order of speech) and who asked but was not heard (A3).

    Programme speakers (the chair, panellists) are not delegations taking the
    floor. A delegation heard once is not listed as not heard for another
    request; a withdrawn request is neither. Requests still waiting when the
    record is read count as not heard: the report is written at the end. A
    speech shorter than ``least`` seconds (the meeting's ``took_floor_seconds``,
    R4) did not take the floor: its delegation asked and was not heard. A right
    of reply (O2) is not a contribution: it counts for neither list.
    """
    heard: dict[str, str] = {}
    asked: dict[str, str] = {}
    for line in lines:
        if line.group is Group.PROGRAMME or not line.delegation or line.reply:
            continue
        if line.outcome is Outcome.SPEAKING or took_floor(line, least):
            heard.setdefault(line.delegation, line.name)
        elif line.outcome in (Outcome.NOT_HEARD, Outcome.WAITING, Outcome.HEARD):
            asked.setdefault(line.delegation, line.name)
    not_heard = tuple(name for code, name in asked.items() if code not in heard)
    return Speakers(tuple(heard.values()), not_heard)


def date_and_time(start: float, end: float, timezone: str) -> str:
    """'Tuesday 5 December 2017, 10:45–13:00' in the meeting's time zone (C1)."""
    zone = _zone(timezone)
    begins = datetime.fromtimestamp(start, zone)
    ends = datetime.fromtimestamp(end, zone)
    day = f"{begins:%A} {begins.day} {begins:%B %Y}"
    return f"{day}, {begins:%H:%M}–{ends:%H:%M}"


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


# -- Markdown -----------------------------------------------------------------------


def markdown(report: Report) -> str:
    """The report as Markdown: the header as a table, one table per commitment."""
    out = [f"# {TITLE}", ""]
    if not report.closed:
        out += ["*Draft: the rapporteur has not closed this report.*", ""]
    out += ["| | |", "|---|---|"]
    out += [f"| {label} | {_cell(value)} |" for label, value in report.header()]
    out += ["", f"## {SUMMARY}", "", _block(report.summary), "", f"## {COMMITMENTS}", ""]
    if not report.commitments:
        out += [NONE, ""]
    for number, commitment in enumerate(report.commitments, start=1):
        out += [f"### {COMMITMENT.format(number=number)}", ""]
        out += [f"| {' | '.join(COLUMNS)} |", "|---|---|---|"]
        cells = (
            commitment.recommendation,
            commitment.means_of_implementation,
            commitment.partnerships,
        )
        out += ["| " + " | ".join(_cell(c) for c in cells) + " |", ""]
    out += [f"## {OBSERVATIONS}", "", _block(report.observations), ""]
    for title, names in ((HEARD, report.speakers.heard), (NOT_HEARD, report.speakers.not_heard)):
        out += [f"## {title}", ""]
        out += [f"- {_inline(name)}" for name in names] or [NONE]
        out += [""]
    return "\n".join(out)


def _block(text: str) -> str:
    return _inline(text) if text.strip() else NONE


def _inline(text: str) -> str:
    """Text that Markdown shows as typed: markup characters escaped."""
    escaped = text.replace("\\", "\\\\")
    for mark in ("*", "_", "`", "#", "[", "]", "<", ">", "|"):
        escaped = escaped.replace(mark, "\\" + mark)
    return escaped.strip()


def _cell(text: str) -> str:
    """A table cell: one line, breaks kept as <br>."""
    return "<br>".join(_inline(line) for line in text.strip().splitlines()) or " "


# -- Word ---------------------------------------------------------------------------


def docx(report: Report) -> bytes:
    """The report as a Word document, laid out as Annex 2 (tables with its labels)."""
    document = Document()
    _a4(document)
    document.core_properties.title = f"{TITLE}: {report.action_group}"
    document.core_properties.author = report.rapporteur
    document.add_heading(TITLE, level=0)
    if not report.closed:
        draft = document.add_paragraph()
        draft.add_run("Draft: the rapporteur has not closed this report.").italic = True
    header = document.add_table(rows=0, cols=2)
    header.style = "Table Grid"
    for label, value in report.header():
        cells = header.add_row().cells
        cells[0].paragraphs[0].add_run(label).bold = True
        cells[1].text = value
    document.add_heading(SUMMARY, level=1)
    _paragraphs(document, report.summary)
    document.add_heading(COMMITMENTS, level=1)
    if not report.commitments:
        document.add_paragraph(NONE)
    for number, commitment in enumerate(report.commitments, start=1):
        document.add_heading(COMMITMENT.format(number=number), level=2)
        table = document.add_table(rows=2, cols=3)
        table.style = "Table Grid"
        texts = (
            commitment.recommendation,
            commitment.means_of_implementation,
            commitment.partnerships,
        )
        for column, (label, text) in enumerate(zip(COLUMNS, texts, strict=True)):
            table.rows[0].cells[column].paragraphs[0].add_run(label).bold = True
            table.rows[1].cells[column].text = text
    document.add_heading(OBSERVATIONS, level=1)
    _paragraphs(document, report.observations)
    for title, names in ((HEARD, report.speakers.heard), (NOT_HEARD, report.speakers.not_heard)):
        document.add_heading(title, level=1)
        for name in names:
            document.add_paragraph(name, style="List Bullet")
        if not names:
            document.add_paragraph(NONE)
    footer = document.sections[0].footer.paragraphs[0]
    footer.text = f"{report.action_group} · {report.date_and_time}"
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.runs[0].font.size = Pt(8)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _a4(document: Any) -> None:
    """Every section on A4 with UN-like margins (python-docx's template is US Letter)."""
    top, bottom, left, right = (Mm(mm) for mm in MARGINS_MM)
    for section in document.sections:
        section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
        section.top_margin, section.bottom_margin = top, bottom
        section.left_margin, section.right_margin = left, right


def _paragraphs(document: Any, text: str) -> None:
    parts: Sequence[str] = [p.strip() for p in text.split("\n\n") if p.strip()] or [NONE]
    for part in parts:
        document.add_paragraph(part)
