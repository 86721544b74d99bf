"""A simulation as people and programs read it: the JSON document and the text timeline.

Theory of operation
-------------------
Both outputs are views of one ``Simulation``: its plan, its phases, the
record's lines (``app.record.Intervention``), its summary, its refusals and
the checker's verdict (``check_invariants``). Nothing is recomputed here
but the verdict.

The outputs keep the names docs/simulate.md gives them (``schema`` 1),
which predate the record's fold, so the record's values are mapped here:

* ``group``: the summary's column (``COLUMNS``: UN system and other
  stakeholders print as ``stakeholders``, P3);
* ``outcome``: the record's ``speaking`` (a speech an incomplete run left
  on the floor) prints as ``waiting``;
* ``allotted``: the allotment without extensions (the record's includes
  them); ``allotted + extended`` is the time given;
* ``delegation_id`` is the record's ``speaker_id``, ``left_at`` its
  ``closed_at``.

Pure: no I/O, no time zone data (the caller gives the venue's UTC offset).
"""

from __future__ import annotations

from typing import Any

from app.queue.requests import Stance
from app.record import Intervention, Outcome
from app.simulation.oracle import check_invariants
from app.simulation.result import COLUMNS, Simulation, clock


def _duration(seconds: float) -> str:
    """M:SS (durations)."""
    whole = int(round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def _r(value: float | None) -> float | None:
    """Times and durations to the millisecond: virtual time has no finer meaning."""
    return None if value is None else round(value, 3)


def _outcome(i: Intervention) -> str:
    return Outcome.WAITING.value if i.outcome is Outcome.SPEAKING else i.outcome.value


def _allotted(i: Intervention) -> float | None:
    """As granted or set by the moderator, without the extensions (``extended``)."""
    return None if i.allotted is None else i.allotted - i.extended


def to_json(simulation: Simulation) -> dict[str, Any]:
    """The simulation as one JSON-able document; fields are described in docs/simulate.md."""
    plan, summary = simulation.plan, simulation.summary
    return {
        "schema": 1,
        "segment": {
            "id": plan.id,
            "title": plan.title,
            "format": plan.format,
            "room_id": plan.room_id,
            "scheduled_start": _r(plan.scheduled_start),
            "scheduled_end": _r(plan.scheduled_end),
            "planned_end": _r(summary.planned_end),
        },
        "simulation": {
            "seed": simulation.seed,
            "member_states": simulation.member_states,
            "stakeholders": simulation.stakeholders,
            "override_rate": simulation.override_rate,
            "complete": simulation.complete,
            "events": len(simulation.events),
        },
        "phases": [
            {
                "index": p.index,
                "key": p.key,
                "title": p.title,
                "kind": p.kind.value,
                "started_at": _r(p.started_at),
                "ended_at": _r(p.ended_at),
                "end_reason": None if p.end_reason is None else str(p.end_reason),
            }
            for p in simulation.phases
        ],
        "interventions": [_intervention_json(i) for i in simulation.timeline],
        "summary": {
            "heard": dict(summary.heard),
            "not_heard": dict(summary.not_heard),
            "withdrawn": dict(summary.withdrawn),
            "overridden": summary.overridden,
            "allotted_seconds": _r(summary.allotted_seconds),
            "spoken_seconds": _r(summary.spoken_seconds),
            "opened_at": _r(summary.opened_at),
            "closed_at": _r(summary.closed_at),
            "planned_end": _r(summary.planned_end),
            "drift": _r(summary.drift),
            "procedure": dict(summary.procedure),
        },
        "refusals": [
            {"at": _r(r.at), "command": r.command, "detail": r.detail} for r in simulation.refusals
        ],
        "violations": check_invariants(simulation),
    }


def _intervention_json(i: Intervention) -> dict[str, Any]:
    return {
        "request_id": i.request_id,
        "delegation_id": i.speaker_id,
        "name": i.name,
        "category": None if i.category is None else i.category.value,
        "group": COLUMNS[i.group],
        "phase": i.phase,
        "requested_in": i.requested_in,
        "requested_at": _r(i.requested_at),
        "first_time": i.first_time,
        "granted_at": _r(i.granted_at),
        "allotted": _r(_allotted(i)),
        "basis": None if i.basis is None else i.basis.value,
        "extended": _r(i.extended),
        "started_at": _r(i.started_at),
        "ended_at": _r(i.ended_at),
        "spoken": _r(i.spoken),
        "overtime": _r(i.overtime),
        "heard": i.heard,
        "outcome": _outcome(i),
        "closed_reason": i.closed_reason,
        "left_at": _r(i.closed_at),
        "out_of_order": i.out_of_order,
        "overrides": list(i.overrides),
        "reply": i.reply,
        "stance": i.stance.value,
    }


def render_text(simulation: Simulation, *, tz_offset_seconds: float | None = None) -> str:
    """A readable timeline. Times are H:MM:SS from the scheduled start, or the local
    time of day when the caller gives the venue's UTC offset (pure: no time zone data)."""
    plan, summary = simulation.plan, simulation.summary

    def at(t: float | None) -> str:
        if t is None:
            return "-"
        if tz_offset_seconds is None:
            return clock(t - plan.scheduled_start)
        return clock((t + tz_offset_seconds) % 86_400)[1:]

    if tz_offset_seconds is None:
        reference = "times from the scheduled start"
    else:
        minutes = int(round(abs(tz_offset_seconds) / 60))
        sign = "-" if tz_offset_seconds < 0 else "+"
        reference = f"local times (UTC{sign}{minutes // 60:02d}:{minutes % 60:02d})"
    lines = [
        f"{plan.title} ({plan.id}, {plan.format}, room {plan.room_id})",
        f"seed {simulation.seed}, {simulation.member_states} Member States, "
        f"{simulation.stakeholders} stakeholders, override rate {simulation.override_rate:g}; "
        f"{reference}",
        "",
        "Phases",
    ]
    for p in simulation.phases:
        reason = p.end_reason or ("running" if p.ended_at is None else "")
        lines.append(f"  {p.key:<16} {at(p.started_at):>9} {at(p.ended_at):>9}  {reason}")
    lines += ["", "Timeline", _ROW.format(*_HEADER), _ROW.format(*("-" * len(h) for h in _HEADER))]
    for n, i in enumerate(simulation.timeline, start=1):
        given = _allotted(i)
        allotted = "-" if given is None else f"{_duration(given)} {i.basis or ''}"
        allotted += f" +{_duration(i.extended)}" if i.extended else ""
        notes = i.closed_reason if i.outcome is not Outcome.HEARD else ""
        stance = "" if i.stance is Stance.NONE else i.stance.value  # O8
        notes = ", ".join(filter(None, [stance, notes or "", *i.overrides]))
        lines.append(
            _ROW.format(
                n,
                i.phase[:16],
                i.name[:28],
                COLUMNS[i.group].replace("_", " ")[:15],
                at(i.requested_at),
                at(i.granted_at),
                allotted,
                at(i.started_at),
                at(i.ended_at),
                _duration(i.spoken) if i.heard else "-",
                _duration(i.overtime) if i.overtime else "",
                _outcome(i).replace("_", " "),
                notes,
            ).rstrip()
        )
    lines += ["", "Summary"]
    for label, counts in (
        ("heard", summary.heard),
        ("not heard", summary.not_heard),
        ("withdrawn", summary.withdrawn),
    ):
        shown = ", ".join(f"{n} {g.replace('_', ' ')}" for g, n in counts.items())
        lines.append(f"  {label + ':':<11}{shown}")
    lines.append(f"  {'overrides:':<11}{summary.overridden} interventions")
    lines.append(
        f"  {'time:':<11}{_duration(summary.spoken_seconds)} spoken of "
        f"{_duration(summary.allotted_seconds)} allotted to the speeches heard"
    )
    drift = "-" if summary.drift is None else clock(summary.drift)
    lines.append(
        f"  {'segment:':<11}opened {at(summary.opened_at)}, closed {at(summary.closed_at)}, "
        f"planned end {at(summary.planned_end)}, drift {drift}"
    )
    lines.append(f"  {'procedure:':<11}{_procedure(summary.procedure)}")
    if simulation.refusals:
        lines += ["", "Refused commands"]
        lines += [f"  {at(r.at)} {r.command}: {r.detail}" for r in simulation.refusals]
    violations = check_invariants(simulation)
    lines += [
        "",
        "Invariants: " + ("all hold" if not violations else f"{len(violations)} violated"),
    ]
    lines += [f"  {v}" for v in violations]
    return "\n".join(lines) + "\n"


def _procedure(counts: dict[str, int]) -> str:
    """O1, O2, O3, O8 in a line: ``3 points of order (3 ruled), 4 questions (...)``."""
    c = counts
    return (
        f"{c['points_of_order']} points of order ({c['points_ruled']} ruled), "
        f"{c['questions_asked']} questions ({c['questions_consented']} consented, "
        f"{c['questions_declined']} declined), {c['replies_asked']} replies asked "
        f"({c['replies_heard']} heard, {c['replies_called']} calls), "
        f"{c['lists_closed']} lists closed"
    )


_HEADER = (
    "#",
    "phase",
    "delegation",
    "group",
    "requested",
    "granted",
    "allotted",
    "started",
    "ended",
    "spoken",
    "over",
    "outcome",
    "notes",
)
_ROW = "{:>3} {:<16} {:<28} {:<15} {:>9} {:>9} {:<20} {:>9} {:>9} {:>6} {:>5} {:<10} {}"
