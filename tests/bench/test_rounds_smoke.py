"""The interleaved rounds of ``bench.rounds`` (issue 18): their order, their ratios, their median.

Two short rounds on a handful of clients: each round has our steady run and
the floor's, in alternating order, every version reached every client, and
the ratio reported is the one of the figures measured. No timing threshold.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bench.rounds import parse, run_rounds, summary


def test_the_median_ratio_leaves_out_rounds_without_a_figure() -> None:
    assert summary([1.3, None, 1.1, 1.2]) == {
        "rounds": 4,
        "measured": 3,
        "median": 1.2,
        "min": 1.1,
        "max": 1.3,
    }
    assert summary([None])["median"] is None


def test_the_plan_refuses_what_it_cannot_measure() -> None:
    with pytest.raises(SystemExit):
        parse(["--rounds", "0"])
    with pytest.raises(SystemExit):
        parse(["--commands", "2"])


@pytest.mark.slow
def test_rounds_alternate_and_report_the_ratio_of_what_they_measured(tmp_path: Path) -> None:
    plan, rounds = parse(
        ["--clients", "4", "--rounds", "2", "--commands", "6", "--interval", "0.02"]
        + ["--socket-commands", "--output", str(tmp_path / "rounds.json")]
    )
    report = asyncio.run(run_rounds(plan, rounds))

    assert [r["order"] for r in report["rounds"]] == ["ours, floor", "floor, ours"]
    for row in report["rounds"]:
        for name in ("ours", "floor"):
            steady = row[name]["steady"]
            assert row[name]["connected"] == 4
            assert steady["client_messages"] == steady["expected"] == 4 * 6
            assert steady["missed"] == 0
            assert steady["every_version_in_order"]
        ours = row["ours"]["steady"]["cpu_us_per_client_message"]
        floor = row["floor"]["steady"]["cpu_us_per_client_message"]
        assert row["ratio"] == (round(ours / floor, 3) if floor else None)
    assert report["cpu_ratio"] == summary([r["ratio"] for r in report["rounds"]])
    json.dumps(report["cpu_ratio"])  # the results file takes it as it is
