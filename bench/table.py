"""``python -m bench.table``: the Markdown tables of docs/benchmarks.md, from fanout.json.

Written out from the results file rather than by hand, so that the document
shows what the last run measured and nothing else.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench.fanout import RESULTS, targets


def _f(value: Any, digits: int = 1) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def steady_table(report: dict[str, Any]) -> str:
    rows = [
        "| N | server | p50 ms | p99 ms | max ms | CPU µs / client-msg | RSS KB / client "
        "| missed | resyncs | other CPU s |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in report["runs"]:
        for name in _servers(run):
            side = run[name]
            step = side["steady"]
            rows.append(
                f"| {run['clients']:,} | {side['server']} | {_f(step['p50_ms'])} "
                f"| {_f(step['p99_ms'])} | {_f(step['max_ms'])} "
                f"| {_f(step['cpu_us_per_client_message'])} | {_f(side['rss_kb_per_client'])} "
                f"| {step['missed']} | {step['resyncs']} | {_f(step.get('others_cpu_s'))} |"
            )
        for key, label in (("ratio", "ours / bare"), ("floor_ratio", "floor / bare")):
            ratio = run.get(key)
            if ratio is None:
                continue  # a run from before the floor was measured
            rows.append(
                f"| {run['clients']:,} | **{label}** | **{_f(ratio['p50'], 2)}×** "
                f"| **{_f(ratio['p99'], 2)}×** | **{_f(ratio['max'], 2)}×** "
                f"| **{_f(ratio['cpu_per_client_message'], 2)}×** "
                f"| **{_f(ratio['rss_per_client'], 2)}×** | | | |"
            )
    return "\n".join(rows)


def _servers(run: dict[str, Any]) -> list[str]:
    return [name for name in ("ours", "bare", "floor") if name in run]


def saturation_table(report: dict[str, Any]) -> str:
    rows = [
        "| N | server | rates tried (changes/s) | p99 at each rate, ms | p99 > 1 s from |",
        "|---:|---|---|---|---:|",
    ]
    for run in report["runs"]:
        for name in _servers(run):
            side = run[name]
            steps = side["saturation"]
            rates = ", ".join(_f(s["target_rate"], 0) for s in steps)
            p99 = ", ".join(_f(s["p99_ms"], 0) for s in steps)
            last = _f(steps[-1]["target_rate"], 0) if steps else "n/a"
            passed = (
                f"{_f(side['saturation_rate'], 0)}/s"
                if side["saturation_rate"]
                else f"not reached (up to {last}/s)"
            )
            rows.append(f"| {run['clients']:,} | {side['server']} | {rates} | {p99} | {passed} |")
    return "\n".join(rows)


def targets_table(report: dict[str, Any]) -> str:
    rows = [
        "| target (issue 4) | measured | the floor of the design (bench/floor.py) | met |",
        "|---|---:|---:|---|",
    ]
    for check in targets(report["runs"]):  # recomputed: the rules of the current code
        met = {True: "yes", False: "**no**", None: "not measured"}[check["met"]]
        floor = _f(check["floor"], 2) if "floor" in check else ""
        rows.append(f"| {check['target']} | {_f(check['measured'], 2)} | {floor} | {met} |")
    return "\n".join(rows)


def main(path: Path = RESULTS) -> int:
    report = json.loads(path.read_text())
    print(f"Run: `{report['command']}`, {report['when']}\n")
    print(steady_table(report), end="\n\n")
    print(saturation_table(report), end="\n\n")
    print(targets_table(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS))
