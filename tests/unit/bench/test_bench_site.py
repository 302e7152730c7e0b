"""The site benchmark's own parts work on a short history (its figures come from running
bench/bench_site.py with the defaults, not from here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_the_site_benchmark_times_a_short_history(tmp_path: Path) -> None:
    output = tmp_path / "site.json"
    done = subprocess.run(
        [sys.executable, ROOT / "bench" / "bench_site.py", "--versions", "3", "--decisions", "8"]
        + ["--runs", "2", "--repeat", "1", "-o", output],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("o16n site: 3 versions, 8 signed decisions, 2 monitor runs: ")
    assert "o16n history (every environment, as JSON): " in done.stdout
    figures = json.loads(output.read_text())
    assert len(figures["history_seconds"]) == 1 and figures["history_median"] > 0
    assert figures["versions"] == 3 and len(figures["seconds"]) == 1
