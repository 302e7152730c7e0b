"""The Evidently agreement check's own judgement: what counts as a disagreement (its figures
come from running bench/evidently_agreement.py against Evidently's venv, not from here)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd

from tests.conftest import ROOT


def agreement() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "agreement", ROOT / "bench" / "evidently_agreement.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["agreement"] = module
    spec.loader.exec_module(module)
    return module


def ours(method: str, value: float, drifted: bool, tolerance: float = 1e-12) -> dict[str, object]:
    return {
        "tested": True,
        "drifted": drifted,
        "method": method,
        "value": value,
        "tolerance": tolerance,
    }


def theirs(method: str, value: float, drifted: bool) -> dict[str, object]:
    return {"drifted": drifted, "method": method, "value": value}


def test_a_verdict_a_method_or_a_value_past_its_binning_error_is_a_disagreement() -> None:
    a = agreement()
    ks = theirs("K-S p_value", 0.2, False)
    assert a._fault(ours("ks", 0.2, False), ks) is None
    assert a._fault(ours("ks", 0.2, True), ks) == "verdict"
    assert a._fault(ours("chisquare", 0.2, False), ks) == "method chisquare vs K-S p_value"
    assert a._fault(ours("ks", 0.2001, False), ks).startswith("value 0.2001 vs 0.2")
    assert a._fault(None, ks) == "only one side tested it"
    w = theirs("Wasserstein distance (normed)", 0.5, True)
    assert a._fault(ours("wasserstein", 0.52, True, tolerance=0.03), w) is None
    assert a._fault(ours("wasserstein", 0.52, True, tolerance=0.01), w) is not None


def test_the_binning_error_is_zero_with_exact_counts_and_bins_wide_otherwise(
    tmp_path: Path,
) -> None:
    a = agreement()
    small = pd.DataFrame({"x": [float(i % 7) for i in range(3000)], "y": range(3000)})
    small["y"] = small["y"].astype(float)
    small.to_parquet(tmp_path / "r.parquet", index=False)
    small.iloc[::-1].to_parquet(tmp_path / "c.parquet", index=False)
    found = a.o16n_verdicts(tmp_path / "r.parquet", tmp_path / "c.parquet")
    assert found["x"]["tolerance"] == a.EXACT  # 7 values, kept with their counts
    assert found["y"]["method"] == "wasserstein" and found["y"]["tolerance"] > a.EXACT
