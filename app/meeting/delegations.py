"""The delegations of a meeting, from a CSV a secretariat keeps (P1).

Columns: ``code,category`` and, optionally, ``name_en … name_ar`` and
``regional_group``. For a State the ISO 3166 alpha-3 code is enough: its UN
short names in the six languages and its UN regional group come from
``app/data/countries.csv`` (derived from OCHA's UNTERM-based taxonomy; see
``app/data/SOURCES.md``). A name written in the file wins over the table.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from app.category import PROGRAMME_CATEGORIES, Category
from app.errors import InvalidProgramme
from app.meeting.names import check_name

LANGUAGES = ("en", "fr", "es", "ru", "zh", "ar")
REGIONAL_GROUPS = frozenset(
    {
        "african",
        "asia_pacific",
        "eastern_european",
        "latin_american_caribbean",
        "western_european_other",
    }
)
COUNTRIES = Path(__file__).resolve().parents[1] / "data" / "countries.csv"
STATES = frozenset({Category.MEMBER_STATE, Category.OBSERVER_STATE})


@dataclass(frozen=True, slots=True)
class DelegationRow:
    code: str
    category: Category
    names: dict[str, str] = field(default_factory=dict)
    regional_group: str = ""


@cache
def _countries() -> dict[str, dict[str, str]]:
    with COUNTRIES.open(encoding="utf-8", newline="") as file:
        return {row["iso3"]: row for row in csv.DictReader(file)}


def read_delegations(text: str, name: str) -> list[DelegationRow]:
    """Every row of the CSV, checked; a bad row is refused with its line."""
    # A lone CR (a file saved on an old Mac) is a line break, not a field's content.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    reader = csv.DictReader(io.StringIO(text))
    try:
        if reader.fieldnames is None or not {"code", "category"} <= set(reader.fieldnames):
            raise InvalidProgramme(f"{name} line 1: the header must name at least code,category")
        rows: list[DelegationRow] = []
        seen: set[str] = set()
        for row in reader:
            rows.append(_row(row, f"{name} line {reader.line_num}", seen))
    except csv.Error as error:
        raise InvalidProgramme(
            f"{name} line {reader.line_num}: not readable as CSV ({error})"
        ) from None
    return rows


def _row(row: dict[str, str], where: str, seen: set[str]) -> DelegationRow:
    code = (row.get("code") or "").strip()
    if not code or len(code) > 32:
        raise InvalidProgramme(f"{where}: code must be 1 to 32 characters")
    if code in seen:
        raise InvalidProgramme(f"{where}: delegation {code!r} is listed twice")
    seen.add(code)
    raw = (row.get("category") or "").strip()
    try:
        category = Category(raw)
    except ValueError:
        known = ", ".join(c.value for c in Category if c not in PROGRAMME_CATEGORIES)
        raise InvalidProgramme(f"{where}: unknown category {raw!r} (one of {known})") from None
    if category in PROGRAMME_CATEGORIES:
        raise InvalidProgramme(
            f"{where}: {category.value} speaks by programme, not as a delegation (P1)"
        )
    table = _countries().get(code, {}) if category in STATES else {}
    if category in STATES and not table:
        raise InvalidProgramme(f"{where}: {code!r} is not a UN Member or observer State code")
    names = {
        lang: (row.get(f"name_{lang}") or "").strip() or table.get(f"name_{lang}", "")
        for lang in LANGUAGES
    }
    names = {lang: value for lang, value in names.items() if value}
    if "en" not in names:
        raise InvalidProgramme(f"{where}: {code!r} needs name_en")
    for column, value in [("code", code)] + [(f"name_{lang}", v) for lang, v in names.items()]:
        try:
            check_name(value)
        except ValueError as hidden:  # the code shown escaped: it may hold the character itself
            raise InvalidProgramme(f"{where}: {column} of {code!a} {hidden}") from None
    group = (row.get("regional_group") or "").strip() or table.get("regional_group", "")
    if group and group not in REGIONAL_GROUPS:
        known = ", ".join(sorted(REGIONAL_GROUPS))
        raise InvalidProgramme(f"{where}: unknown regional group {group!r} (one of {known})")
    return DelegationRow(code, category, names, group)
