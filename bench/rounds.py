"""Our command's CPU beside the floor's, in interleaved rounds (issue 18: the command cost).

``python -m bench.rounds [--clients 100] [--rounds 5] [--commands 200] [--socket-commands]``

One steady run of ``bench.fanout`` says little about a ratio of 1.15 on
this shared machine: two runs of the same code have disagreed by a quarter
(docs/benchmarks.md, run 10), because whatever else runs meanwhile lands on
one server's run and not the other's. So this runs ``--rounds`` rounds, each
a fresh ``floorkeeper serve`` and a fresh ``bench/floor.py`` at the same N,
steady run only (no saturation, no bare server), in alternating order (ours
first in odd rounds, the floor first in even ones) so that a drift of the
machine's load favours neither; and reports, for each round, the ratio of
our CPU per client-message to the floor's, and their median, which one
disturbed round does not move. The floor broadcasts messages of our sizes,
as in ``bench.fanout``. Everything goes to ``bench/results/rounds.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench import receivers
from bench.fanout import Plan, ServerRun, cycling, machine, measure, no_nan
from bench.servers import Floor, Floorkeeper

RESULTS = Path(__file__).resolve().parent / "results" / "rounds.json"


@dataclass
class Round:
    """One round: our steady run and the floor's, and the ratio of their CPU per message."""

    index: int
    order: str  # "ours, floor" or "floor, ours"
    ours: ServerRun
    floor: ServerRun
    ratio: float | None  # our CPU per client-message / the floor's


def cpu_ratio(ours: ServerRun, floor: ServerRun) -> float | None:
    if ours.steady is None or floor.steady is None:
        return None
    base = floor.steady.cpu_us_per_client_message
    if not base or math.isnan(base):  # nothing to divide by
        return None
    return round(ours.steady.cpu_us_per_client_message / base, 3)


def summary(ratios: Sequence[float | None]) -> dict[str, float | int | None]:
    """The median ratio and its spread; rounds without a figure are left out (and counted)."""
    measured = sorted(r for r in ratios if r is not None)
    return {
        "rounds": len(ratios),
        "measured": len(measured),
        "median": round(statistics.median(measured), 3) if measured else None,
        "min": measured[0] if measured else None,
        "max": measured[-1] if measured else None,
    }


async def run_rounds(plan: Plan, rounds: int) -> dict[str, Any]:
    receivers.raise_fd_limit()
    clients = plan.clients[0]
    done: list[Round] = []
    sizes: list[int] = [200]  # the floor's message sizes: ours, as our last run sent them
    for index in range(1, rounds + 1):
        ours_first = index % 2 == 1
        print(f"round {index} of {rounds} ({'ours' if ours_first else 'the floor'} first)")
        with tempfile.TemporaryDirectory(prefix="rounds-") as tmp:
            runs: dict[str, ServerRun] = {}
            for name in ("ours", "floor") if ours_first else ("floor", "ours"):
                if name == "ours":
                    server = Floorkeeper(
                        Path(tmp), plan.use_demo, socket_commands=plan.socket_commands
                    )
                    with server.running() as ours_server:
                        runs[name], seen = await measure(ours_server, clients, plan, None)
                    sizes = [seen[k] for k in sorted(seen)] or sizes
                else:
                    with Floor(Path(tmp)).running() as floor_server:
                        runs[name], _ = await measure(floor_server, clients, plan, cycling(sizes))
        ratio = cpu_ratio(runs["ours"], runs["floor"])
        order = "ours, floor" if ours_first else "floor, ours"
        done.append(Round(index, order, runs["ours"], runs["floor"], ratio))
        print(f"  CPU per client-message, ours / floor: {ratio}")
    return {
        "command": " ".join(["python -m bench.rounds", *sys.argv[1:]]),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(),
        "plan": asdict(plan),
        "rounds": [asdict(r) for r in done],
        "cpu_ratio": summary([r.ratio for r in done]),
    }


def parse(argv: Sequence[str] | None = None) -> tuple[Plan, int]:
    parser = argparse.ArgumentParser(prog="python -m bench.rounds", description=__doc__)
    parser.add_argument("--clients", type=int, default=100, help="N screens (default 100)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of ours and the floor")
    parser.add_argument("--commands", type=int, default=200, help="commands in each steady run")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between commands")
    parser.add_argument(
        "--socket-commands",
        action="store_true",
        help="ours: send the clock's commands on the moderator's live socket, as the console does",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="the results file (JSON)")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 20_000:
        parser.error("--clients must be between 1 and 20000")
    if not 1 <= args.rounds <= 50:
        parser.error("--rounds must be between 1 and 50")
    if args.commands < 3:
        parser.error("--commands must be at least 3")
    if args.interval <= 0:
        parser.error("--interval must be more than 0 seconds")
    plan = Plan(
        clients=[args.clients],
        commands=args.commands,
        interval=args.interval,
        rates=[],  # no saturation run: the steady run is what the ratio is of
        rate_seconds=0.0,
        use_demo=False,
        profile=False,
        output=args.output,
        socket_commands=args.socket_commands,
    )
    return plan, args.rounds


def main(argv: Sequence[str] | None = None) -> int:
    plan, rounds = parse(argv)
    report = asyncio.run(run_rounds(plan, rounds))
    plan.output.parent.mkdir(parents=True, exist_ok=True)
    plan.output.write_text(json.dumps(no_nan(report), indent=2, allow_nan=False) + "\n")
    ratio = report["cpu_ratio"]
    print(f"results in {plan.output}")
    print(
        f"CPU per client-message, ours / floor, over {ratio['measured']} rounds: "
        f"median {ratio['median']} (min {ratio['min']}, max {ratio['max']})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
