"""The record and its statistics as JSON and CSV (R1, R4), for secretariats' spreadsheets.

JSON keeps the API's conventions: times as UTC epoch seconds, durations in
seconds, to the millisecond. CSV is for people: times in the meeting's time
zone as ISO 8601 with their offset, durations in seconds to the tenth, one
header row, and text cells that a spreadsheet would read as a formula
(``=``, ``+``, ``-``, ``@``) quoted with a leading apostrophe, since a
speaker's name can be typed by a moderator. Pure: no I/O (the caller passes
the time zone object).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from app.record.interventions import Intervention
from app.record.statistics import Statistics, Tally

#: The record's columns, in the order of R1.
COLUMNS = (
    "room",
    "day",
    "segment",
    "segment_title",
    "phase",
    "request_id",
    "delegation",
    "name",
    "category",
    "group",
    "regional_group",
    "requested_at",
    "granted_at",
    "started_at",
    "ended_at",
    "closed_at",
    "allotted",
    "extended",
    "spoken",
    "overtime",
    "basis",
    "out_of_order",
    "moved",
    "allotment_set",
    "first_time",
    "on_behalf",
    "heard",
    "outcome",
    "closed_reason",
    "struck_reason",
    "undone",
    "reply",
    "stance",  # O8: pro, contra, or none (a plain contribution)
)
TIMES = frozenset({"requested_at", "granted_at", "started_at", "ended_at", "closed_at"})
DURATIONS = frozenset({"allotted", "extended", "spoken", "overtime"})
TALLY_FIELDS = tuple(Tally.__dataclass_fields__)


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def intervention_json(line: Intervention) -> dict[str, Any]:
    """One record line as JSON (times UTC epoch seconds, durations seconds)."""
    data: dict[str, Any] = {}
    for column in COLUMNS:
        value = getattr(line, column)
        if column in TIMES or column in DURATIONS:
            value = _ms(value)
        elif hasattr(value, "value"):  # an enum
            value = value.value
        elif isinstance(value, tuple):  # what was undone (M3)
            value = list(value)
        data[column] = value
    return data


def record_json(lines: Sequence[Intervention]) -> list[dict[str, Any]]:
    return [intervention_json(line) for line in lines]


def record_csv(lines: Sequence[Intervention], tz: tzinfo = UTC) -> str:
    """The record as CSV text, one line per intervention (R1)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for line in lines:
        writer.writerow([_cell(column, getattr(line, column), tz) for column in COLUMNS])
    return out.getvalue()


def _cell(column: str, value: object, tz: tzinfo) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):  # what was undone (M3), in order
        value = "; ".join(str(item) for item in value)
    if column in TIMES and isinstance(value, float | int):
        return datetime.fromtimestamp(value, tz).isoformat(timespec="seconds")
    if column in DURATIONS and isinstance(value, float | int):
        return f"{value:.1f}"
    text = str(value.value) if hasattr(value, "value") else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


# -- statistics ---------------------------------------------------------------------


def tally_json(tally: Tally) -> dict[str, Any]:
    return {
        name: round(value, 3) if isinstance(value, float) else value
        for name in TALLY_FIELDS
        for value in [getattr(tally, name)]
    }


def statistics_json(stats: Statistics) -> dict[str, Any]:
    """R4's figures as one JSON document (the statistics page reads it)."""
    return {
        "scope": stats.scope.value,
        "key": stats.key,
        "title": stats.title,
        "segments": list(stats.segments),
        "attending_basis": stats.attending_basis,
        "took_floor_seconds": stats.took_floor_seconds,
        "total": tally_json(stats.total),
        "by_group": {group.value: tally_json(t) for group, t in stats.by_group.items()},
        "by_category": {name: tally_json(t) for name, t in stats.by_category.items()},
        "by_regional_group": {name: tally_json(t) for name, t in stats.by_regional_group.items()},
        "regional_balance": [
            {
                "group": share.group,
                "interventions": round(share.interventions, 4),
                "spoken": round(share.spoken, 4),
            }
            for share in stats.regional_balance
        ],
    }


def statistics_csv(stats: Statistics) -> str:
    """R4's figures as a CSV table: one row per slice (total, group, category, region)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("scope", "key", "breakdown", "slice", *TALLY_FIELDS))
    rows: list[tuple[str, str, Tally]] = [("total", "all", stats.total)]
    rows += [("group", group.value, t) for group, t in stats.by_group.items()]
    rows += [("category", name, t) for name, t in stats.by_category.items()]
    rows += [("regional_group", name, t) for name, t in stats.by_regional_group.items()]
    for breakdown, name, tally in rows:
        values = [getattr(tally, f) for f in TALLY_FIELDS]
        writer.writerow(
            (
                stats.scope.value,
                _cell("key", stats.key, UTC),
                breakdown,
                name,
                *(f"{v:.1f}" if isinstance(v, float) else str(v) for v in values),
            )
        )
    return out.getvalue()
