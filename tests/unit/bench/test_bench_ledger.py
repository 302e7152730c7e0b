"""The ledger benchmark's own parts work on a small ledger (its figures come from running
bench/bench_ledger.py with the defaults, not from here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_the_ledger_benchmark_builds_a_ledger_that_verifies(tmp_path: Path) -> None:
    output = tmp_path / "ledger.json"
    done = subprocess.run(
        [sys.executable, ROOT / "bench" / "bench_ledger.py", "--records", "12"]
        + ["--per-commit", "5", "--runs", "1", "-o", output],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("12 signed records in 6 commits (5 a ledger commit)")
    summary = json.loads(output.read_text())
    assert summary["records"] == 12 and summary["commits"] == 6
    assert all(seconds > 0 for seconds in summary["median_seconds"].values())
