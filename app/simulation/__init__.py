"""A segment simulated in virtual time, checked against the rules (pure: no I/O but ``random``).

``room`` plays the segment (the engine driven by a simulated room and
moderator, ``presses`` drawing who asks when), ``result`` holds what it
produced, rebuilt from the events by the record's one R1 fold
(``app.record.build_record``), ``oracle`` checks the rules independently of
the engine, and ``timeline`` prints it (docs/simulate.md).
"""

from app.simulation.oracle import check_invariants
from app.simulation.presses import sample_delegations
from app.simulation.result import (
    COLUMNS,
    PhaseRecord,
    Refusal,
    Simulation,
    Summary,
    phase_records,
    summarise,
)
from app.simulation.room import simulate
from app.simulation.timeline import render_text, to_json

__all__ = [
    "COLUMNS",
    "PhaseRecord",
    "Refusal",
    "Simulation",
    "Summary",
    "check_invariants",
    "phase_records",
    "render_text",
    "sample_delegations",
    "simulate",
    "summarise",
    "to_json",
]
