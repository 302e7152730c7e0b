"""The health benchmark's own parts work (its figures come from `make bench`, not from here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

BENCH = ROOT / "bench"


def test_health_benchmark_run_finds_the_planted_drift(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, BENCH / "health_data.py", "20000", tmp_path], check=True, timeout=120
    )
    done = subprocess.run(
        [sys.executable, BENCH / "health_run.py", "o16n", tmp_path],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    sys.path.insert(0, str(BENCH))
    from health_data import PLANTED

    assert result["drifted"] == PLANTED
    assert result["seconds"] > 0 and result["peak_mb"] > 50


def test_the_whylogs_run_profiles_both_files(tmp_path: Path) -> None:
    """whylogs runs from its own venv (`make bench` makes it); skipped where there is none."""
    import pytest

    python = ROOT / ".venv-whylogs" / "bin" / "python"
    if not python.exists():
        pytest.skip("no .venv-whylogs: `make bench` creates it")
    subprocess.run(
        [sys.executable, BENCH / "health_data.py", "20000", tmp_path], check=True, timeout=120
    )
    done = subprocess.run(
        [python, BENCH / "health_run.py", "whylogs", tmp_path],
        capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["tool"] == "whylogs" and result["seconds"] > 0 and result["drifted"] == []
