"""T6: the clock-accuracy benchmark's machinery, end to end, on three pages and two reads.

``bench/clock.py`` as ``make bench`` runs it, made small: the real server, three
display pages in Debian's chromium (one behind the delaying proxy), a start,
a cut of every connection with an extension meanwhile, two reads per phase.
Every page must be read in both phases, on the one clock it shares with the
server, showing the time its countdown draws; the figures must be there. No
accuracy threshold: the errors need only exist (the benchmark reports them).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import missing_service

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
PAGES = 3
SAMPLES = 2


def test_t6_the_clock_benchmark_reads_every_page_before_and_after_a_reconnect(
    tmp_path: Path,
) -> None:
    if importlib.util.find_spec("playwright") is None:
        missing_service("playwright is not installed: pip install -e '.[test]'")
    if shutil.which("chromium") is None:
        missing_service("chromium is not installed: apt-get install -y chromium")
    output = tmp_path / "clock.json"
    argv = ["--pages", str(PAGES), "--delayed", "1", "--samples", str(SAMPLES)]
    argv += ["--settle", "1", "--interval", "0.2", "--outage", "0.5", "--output", str(output)]
    # Its own process, as `make bench` runs it (and no event loop of another test around it).
    run = subprocess.run(
        [sys.executable, "-m", "bench.clock", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=170,  # a guard: the benchmark's own budget
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    report = json.loads(output.read_text())
    for phase in ("before_reconnect", "after_reconnect", "overall"):
        figures = report[phase]
        assert figures["missing"] == 0, phase
        for name in ("p50_ms", "p99_ms", "max_ms", "delayed_p99_ms", "direct_p99_ms"):
            assert isinstance(figures[name], float), (phase, name)
        assert figures["worst_page"]["page"] in range(PAGES)
    assert report["before_reconnect"]["reads"] == PAGES * SAMPLES
    assert report["after_reconnect"]["reads"] == PAGES * SAMPLES
    assert [page["delayed"] for page in report["pages"]] == [False, True, False]
    checks = report["checks"]
    assert checks["reads_outside_window"] == 0  # page, driver and server share one clock
    assert checks["not_live_reads"] == 0
    assert checks["page_errors"] == 0
    assert report["reconnect"]["all_back_seconds"] >= 0.5
    assert isinstance(report["target"]["met"], bool)
    assert report["claimed_by_pages"]["after_reconnect"]["displays"] == PAGES
