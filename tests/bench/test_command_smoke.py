"""C4: the command-cost benchmark's machinery, on a few requests (no timing threshold).

``bench/command.py`` starts a bare ASGI app and ``floorkeeper serve``, sends
each kind of request and reports the server's CPU per request. Here: every
figure exists, and the ratios are against the bare app. The benchmark itself
fails unless every answer has the status its kind must have (200 for the
bare app and for each command, applied; 403 for the refused ones).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bench import command


@pytest.mark.slow
def test_the_command_benchmark_reports_each_part_against_the_bare_asgi_app(
    tmp_path: Path,
) -> None:
    output = tmp_path / "command.json"
    assert command.main(["--commands", "4", "--gap", "0", "--output", str(output)]) == 0
    report = json.loads(output.read_text())
    figures = report["ms_cpu_per_request"]
    assert set(figures) == {"bare ASGI POST", "refused (403)", "command"}
    assert all(math.isfinite(value) and value >= 0 for value in figures.values())
    assert report["ratio_to_bare_asgi"].keys() == figures.keys()
    assert report["run"] == "python -m bench.command --commands 4 --gap 0.0"
