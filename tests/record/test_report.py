"""The rapporteur's report through the HTTP API (R3): draft, close, Markdown and Word exports."""

from __future__ import annotations

import io
from typing import Any

import pytest
from docx import Document
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.api.cards import DOCX
from app.db.models import Segment
from app.record import report as report_rules
from tests.api_client import Api
from tests.record.test_card import CARD, cards_path, close_report, submit, written
from tests.record.test_record_routes import run_part_of_an_action_group

__all__ = ["written"]  # the fixture, shared with the cards' tests

MODERATOR = "H.E. Ms. Example, Permanent Representative"
RAPPORTEUR = "H.E. Mr. Cabrera, Deputy Permanent Representative of Ecuador"
SUMMARY = "Delegations stressed access to services and regular pathways. " * 5


@pytest.fixture
def staffed(written: Api, engine: Engine) -> Api:
    """The action group with its moderator and rapporteur named, as the programme names them."""
    with Session(engine) as session:
        segment = session.get(Segment, written.seeded.action_group)
        assert segment is not None
        segment.moderators = [MODERATOR]
        segment.rapporteur = RAPPORTEUR
        session.add(segment)
        session.commit()
    return written


def save(api: Api, body: dict[str, Any], who: str = "rapporteur") -> Any:
    return api.client.put(cards_path(api, "report"), json=body, headers=api.tokens[who])


def drafted(api: Api) -> tuple[int, int, int]:
    """Run part of the segment, take three cards, draft a report from two of them (one merged)."""
    run_part_of_an_action_group(api)  # MEX and CHE heard, GHA not heard (A3), IOM waiting
    mex = submit(api).json()["id"]
    gha = submit(
        api,
        who="ghana",
        recommendation="Decent work for migrant workers.",
        means_of_implementation="Bilateral labour agreements.",
        partnerships="ILO, employers and trade unions.",
    ).json()["id"]
    unused = submit(api, who="moderator", delegation="CHE", recommendation="Not taken").json()["id"]
    answer = save(
        api,
        {
            "summary": SUMMARY,
            "commitments": [
                {**CARD, "card_ids": [mex]},
                {
                    "recommendation": "Decent work and fair recruitment for migrant workers.",
                    "means_of_implementation": "Bilateral labour agreements; ILO standards.",
                    "partnerships": "ILO, employers and trade unions; IOM.",
                    "card_ids": [gha, mex],
                },
            ],
            "observations": "Several delegations asked for a follow-up session.",
        },
    )
    assert answer.status_code == 200, answer.text
    return mex, gha, unused


def test_R3_the_draft_is_saved_with_its_header_and_the_speakers_of_the_record(
    staffed: Api,
) -> None:
    mex, gha, unused = drafted(staffed)

    report = staffed.get(cards_path(staffed, "report"), "rapporteur").json()

    assert report["header"] == {
        "action_group": "Action group 1: human dimension",
        "date_and_time": "Monday 4 December 2017, 10:45–13:00",
        "room": "Plenary hall",
        "moderator": MODERATOR,
        "rapporteur": RAPPORTEUR,
    }
    assert report["summary"] == SUMMARY.strip()
    assert report["summary_word_guide"] == 250
    assert [c["card_ids"] for c in report["commitments"]] == [[mex], [gha, mex]]
    assert report["speakers"] == {
        "heard": ["Mexico", "Switzerland"],
        "not_heard": ["Ghana", "International Organization for Migration"],
    }
    assert report["may_edit"] is True
    assert report["closed_at"] is None
    chosen = {c["id"]: c["chosen"] for c in report["cards"]}
    assert chosen == {mex: True, gha: True, unused: False}


def test_R3_the_rooms_moderator_reads_the_report_but_does_not_write_it(staffed: Api) -> None:
    read = staffed.get(cards_path(staffed, "report"), "moderator")
    written_by_moderator = save(staffed, {"summary": "x"}, who="moderator")
    by_other_rapporteur = save(staffed, {"summary": "x"}, who="other_rapporteur")
    by_delegate = save(staffed, {"summary": "x"}, who="delegate")

    assert read.status_code == 200
    assert read.json()["may_edit"] is False
    for answer in (written_by_moderator, by_other_rapporteur, by_delegate):
        assert answer.status_code == 403
        assert answer.json()["error"] == "NotAllowed"
    assert save(staffed, {"summary": "by the secretariat"}, who="secretariat").status_code == 200


def test_R3_a_draft_naming_a_card_of_another_segment_is_refused(staffed: Api) -> None:
    answer = save(staffed, {"commitments": [{"recommendation": "x", "card_ids": [999]}]})

    assert answer.status_code == 400
    assert "999" in answer.json()["detail"]


def test_R3_a_closed_report_keeps_its_draft_and_refuses_changes_with_409(staffed: Api) -> None:
    drafted(staffed)
    staffed.clock.advance(600)
    close_report(staffed)
    close_report(staffed)  # closing again is answered, not refused (a retry)

    changed = save(staffed, {"summary": "Rewritten after the close"})
    report = staffed.get(cards_path(staffed, "report"), "rapporteur").json()

    assert changed.status_code == 409
    assert changed.json()["error"] == "ReportClosed"
    assert "report" in changed.json()["detail"]
    assert report["summary"] == SUMMARY.strip()
    assert report["closed_at"] is not None


def test_R3_the_word_document_has_every_section_of_annex_2(staffed: Api) -> None:
    drafted(staffed)

    answer = staffed.get(cards_path(staffed, "report.docx"), "rapporteur")

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == DOCX
    assert 'filename="report-ag1.docx"' in answer.headers["content-disposition"]
    document = Document(io.BytesIO(answer.content))
    headings = [p.text for p in document.paragraphs if _style(p).startswith(("Heading", "Title"))]
    assert headings == [
        "Reporting template for action groups",
        "Summary of discussions",
        "Recommendations for actionable commitments",
        "Recommendation for actionable commitment 1",
        "Recommendation for actionable commitment 2",
        "Any other observations",
        "Delegations that took the floor",
        "Delegations that asked for the floor and were not heard",
    ]
    header, first, second = ([c.text for c in row.cells] for row in _rows(document))
    assert dict(_pairs(document.tables[0])) == {
        "Action group": "Action group 1: human dimension",
        "Date and time": "Monday 4 December 2017, 10:45–13:00",
        "Room": "Plenary hall",
        "Moderator": MODERATOR,
        "Rapporteur": RAPPORTEUR,
    }
    assert header == ["Recommendation", "Means of implementation", "Partnerships"]
    assert first == [CARD["recommendation"], CARD["means_of_implementation"], CARD["partnerships"]]
    assert second[0] == "Decent work and fair recruitment for migrant workers."
    texts = [p.text for p in document.paragraphs]
    assert SUMMARY.strip() in texts
    assert "Several delegations asked for a follow-up session." in texts
    heard_at = texts.index("Delegations that took the floor")
    not_heard_at = texts.index("Delegations that asked for the floor and were not heard")
    assert texts[heard_at + 1 : not_heard_at] == ["Mexico", "Switzerland"]
    assert texts[not_heard_at + 1 :] == ["Ghana", "International Organization for Migration"]
    assert "Not taken" not in {
        cell.text for t in document.tables for r in t.rows for cell in r.cells
    }


def test_R3_the_markdown_export_has_every_section_the_cards_chosen_and_the_speakers(
    staffed: Api,
) -> None:
    drafted(staffed)

    answer = staffed.get(cards_path(staffed, "report.md"), "rapporteur")

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/markdown")
    text = answer.text
    sections = [line for line in text.splitlines() if line.startswith("#")]
    assert sections == [
        "# Reporting template for action groups",
        "## Summary of discussions",
        "## Recommendations for actionable commitments",
        "### Recommendation for actionable commitment 1",
        "### Recommendation for actionable commitment 2",
        "## Any other observations",
        "## Delegations that took the floor",
        "## Delegations that asked for the floor and were not heard",
    ]
    assert "| Action group | Action group 1: human dimension |" in text
    assert f"| Rapporteur | {RAPPORTEUR} |" in text
    assert "| Recommendation | Means of implementation | Partnerships |" in text
    assert (
        f"| {CARD['recommendation']} | {CARD['means_of_implementation']} | {CARD['partnerships']} |"
    ) in text
    assert "*Draft: the rapporteur has not closed this report.*" in text
    heard = text.split("## Delegations that took the floor")[1].split("##")[0]
    not_heard = text.split("were not heard")[1]
    assert heard.split() == ["-", "Mexico", "-", "Switzerland"]
    assert "- Ghana" in not_heard
    assert "- International Organization for Migration" in not_heard
    assert "Not taken" not in text


def test_R3_an_empty_report_still_has_every_section(staffed: Api) -> None:
    text = staffed.get(cards_path(staffed, "report.md"), "secretariat").text

    assert text.count("None.") == 5  # summary, commitments, observations, heard, not heard


def test_R3_the_exports_need_a_reader_of_the_record(staffed: Api) -> None:
    for tail in ("report", "report.md", "report.docx"):
        assert staffed.get(cards_path(staffed, tail), "delegate").status_code == 403
        assert staffed.get(cards_path(staffed, tail), "display").status_code == 403


def test_R3_markdown_shows_typed_markup_as_text() -> None:
    built = report_rules.Report(
        action_group="AG | 1",
        date_and_time="",
        room="",
        moderator="",
        rapporteur="",
        summary="# not a heading *nor bold*",
        commitments=(report_rules.Commitment("line one\nline two"),),
    )

    text = report_rules.markdown(built)

    assert "| Action group | AG \\| 1 |" in text
    assert "\\# not a heading \\*nor bold\\*" in text
    assert "| line one<br>line two |" in text


def _style(paragraph: Any) -> str:
    style = paragraph.style
    return str(style.name) if style is not None and style.name else ""


def _rows(document: Any) -> list[Any]:
    """The rows of the commitments' tables: header, then the row of each commitment."""
    first, second = document.tables[1], document.tables[2]
    return [first.rows[0], first.rows[1], second.rows[1]]


def _pairs(table: Any) -> list[tuple[str, str]]:
    return [(row.cells[0].text, row.cells[1].text) for row in table.rows]


def test_R3_the_word_document_is_a4_with_un_margins_not_us_letter(staffed: Api) -> None:
    drafted(staffed)

    answer = staffed.get(cards_path(staffed, "report.docx"), "rapporteur")

    assert answer.status_code == 200, answer.text
    sections = Document(io.BytesIO(answer.content)).sections
    assert len(sections) >= 1
    for section in sections:
        # A4 is 210 x 297 mm (US Letter, python-docx's default, is 215.9 x 279.4 mm)
        sizes = [section.page_width, section.page_height]
        margins = [section.top_margin, section.bottom_margin]
        margins += [section.left_margin, section.right_margin]
        assert [round(m.mm) if m is not None else None for m in sizes] == [210, 297]
        assert [round(m.mm) if m is not None else None for m in margins] == [25, 25, 25, 25]
