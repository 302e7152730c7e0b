"""The data-use benchmark's own parts work on a small table (its figures come from running
bench/bench_data_use.py with the defaults, not from here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_the_data_use_benchmark_times_a_small_table(tmp_path: Path) -> None:
    output = tmp_path / "data_use.json"
    done = subprocess.run(
        [sys.executable, ROOT / "bench" / "bench_data_use.py", "--rows", "2000"]
        + ["--columns", "12", "-o", output],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("2,000 rows x 12 columns (")
    summary = json.loads(output.read_text())
    assert summary["data_use_seconds"] > summary["dvc_repro_seconds"] > 0
    assert summary["roc_auc"] > 0.7  # the planted signal is learned


def test_the_table_has_the_kinds_and_the_share_of_positives_it_promises() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from bench_data_use import table
    finally:
        sys.path.remove(str(ROOT / "bench"))
    frame = table(5000, 20)
    assert frame.shape == (5000, 20)
    assert frame.select_dtypes("number").shape[1] == 16  # 15 numeric and the target
    assert 0.15 < frame["churned"].mean() < 0.25
    assert 0.03 < frame["x0"].isna().mean() < 0.07
