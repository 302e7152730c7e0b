"""o16n's default drift verdicts against Evidently 0.7.23's `DataDriftPreset`, column by column,
on real public tables that ship inside packages (offline): palmerpenguins, scikit-learn's and
statsmodels' bundled datasets, each over splits like a user's (random halves, head vs tail,
sorted by a column, one class oversampled).

Run from the repository with the main venv; Evidently runs in its own venv (`make
.venv-evidently`), one process per split, on the same Parquet files o16n profiles:

    python bench/evidently_agreement.py [--evidently .venv-evidently/bin/python] [--show]

Prints one line per split, the agreement count and the largest difference of each method's
value; exits 1 when a verdict disagrees, when the two sides chose different methods, or when a
value differs by more than its binning error. p-values (KS, chi-square, z) and Jensen-Shannon
are computed from exact counts on both sides, so they must match to rounding (1e-9 relative, or
1e-12); Wasserstein is exact when o16n's profiles hold every value with its count, and otherwise
within each side's widest bin, summed, / the reference std: inside a bin o16n spreads the mass
evenly, so each side's CDF is off by at most one bin's mass over that bin's width.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "ci"))


# ---- the tables and splits (main venv) -----------------------------------------------------------


def tables() -> Iterator[tuple[str, Any, str]]:
    """(name, DataFrame, a column to sort and oversample by)."""
    import palmerpenguins
    import statsmodels.api as sm
    from sklearn import datasets

    yield "penguins", palmerpenguins.load_penguins(), "species"
    yield "breast_cancer", datasets.load_breast_cancer(as_frame=True).frame, "target"
    yield "wine", datasets.load_wine(as_frame=True).frame, "target"
    yield "digits", datasets.load_digits(as_frame=True).frame, "target"
    yield "fair", sm.datasets.fair.load_pandas().data, "children"
    yield "anes96", sm.datasets.anes96.load_pandas().data, "PID"
    # a text column (51 distinct state names) and a datetime one (weekly dates): both kinds
    # Evidently does not test with the tabular methods, nor does o16n
    yield "statecrime", sm.datasets.statecrime.load_pandas().data.reset_index(), "poverty"
    co2 = sm.datasets.co2.load_pandas().data.rename_axis("week").reset_index()
    yield "co2", co2, "co2"


def splits(frame: Any, by: str) -> Iterator[tuple[str, Any, Any]]:
    shuffled = frame.sample(frac=1.0, random_state=0).reset_index(drop=True)
    half = len(frame) // 2
    yield "random halves", shuffled.iloc[:half], shuffled.iloc[half:]
    yield "head vs tail", frame.iloc[:half], frame.iloc[half:]
    ordered = frame.sort_values(by, kind="stable").reset_index(drop=True)
    yield f"sorted by {by}", ordered.iloc[:half], ordered.iloc[half:]
    top = frame[by].value_counts().index[0]
    weights = (frame[by] == top).map({True: 4.0, False: 1.0})
    boosted = frame.sample(n=len(frame), replace=True, weights=weights, random_state=1)
    yield f"{by}={top} oversampled", frame, boosted.reset_index(drop=True)


EVIDENTLY_METHOD = {
    "ks": "K-S p_value",
    "chisquare": "chi-square p_value",
    "z": "Z-test p_value",
    "wasserstein": "Wasserstein distance (normed)",
    "jensenshannon": "Jensen-Shannon distance",
}
EXACT = 1e-12  # the tolerance of a value computed from exact counts (rounding only)


def o16n_verdicts(reference: Path, current: Path) -> dict[str, dict[str, Any]]:
    from o16n.health.stats import drift
    from o16n.health.stats.files import profile_file

    ref = profile_file(reference)
    cur = profile_file(current, like=ref)
    out = {}
    for name in ref.columns:
        result = drift.column_drift(ref, cur, name)
        out[name] = {
            "tested": result.tested,
            "drifted": result.drifted,
            "method": result.method,
            "value": result.value,
            "why": result.why,
            "tolerance": binning_error(ref, cur, name, result.method),
        }
    return out


def binning_error(ref: Any, cur: Any, name: str, method: str) -> float:
    """How far o16n's value may be from the one computed on the rows (see the docstring)."""
    import numpy as np

    from o16n.health.stats import drift
    from o16n.health.stats.model import cdf_points

    if method != "wasserstein":
        return EXACT
    r, c = ref.columns[name].summary, cur.columns[name].summary
    if drift._exact_counts(r) is not None and drift._exact_counts(c) is not None:
        return EXACT

    def widest(summary: Any) -> float:  # a side's widest bin, its tails included
        xs = cdf_points(summary)[0]
        return float(np.diff(xs).max()) if len(xs) > 1 else 0.0

    return (widest(r) + widest(c)) / max(r.std_population, 0.001) + EXACT


# ---- Evidently's side (its venv) -----------------------------------------------------------------


def evidently_verdicts(reference: Path, current: Path) -> dict[str, dict[str, Any]]:
    import pandas as pd
    from evidently import Report
    from evidently.presets import DataDriftPreset

    result = Report([DataDriftPreset()]).run(pd.read_parquet(current), pd.read_parquet(reference))
    out = {}
    for metric in result.dict()["metrics"]:
        name, value = metric.get("metric_name", ""), metric.get("value")
        if not name.startswith("ValueDrift(") or not isinstance(value, float):
            continue
        column = name.split("column=")[1].split(",")[0].rstrip(")")
        method = name.split("method=")[1].split(",")[0]
        threshold = float(name.split("threshold=")[1].rstrip(")").split(",")[0])
        p_value = "p_value" in method or any(k in method for k in ("K-S", "chi", "Z-test"))
        drifted = value < threshold if p_value else value >= threshold
        out[column] = {"drifted": bool(drifted), "method": method, "value": value}
    return out


# ---- comparing -----------------------------------------------------------------------------------


def compare(evidently: str, show: bool) -> int:
    agree = total = 0
    untested, faults = [], []
    largest: dict[str, tuple[float, float]] = {}  # method: (largest gap, relative to Evidently)
    with tempfile.TemporaryDirectory() as scratch:
        for table, frame, by in tables():
            for split, ref, cur in splits(frame, by):
                here = Path(scratch)
                ref.to_parquet(here / "reference.parquet", index=False)
                cur.to_parquet(here / "current.parquet", index=False)
                ours = o16n_verdicts(here / "reference.parquet", here / "current.parquet")
                done = subprocess.run(
                    [evidently, __file__, "--as-evidently", scratch],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                theirs = json.loads(done.stdout.strip().splitlines()[-1])
                good = 0
                for column in sorted(set(ours) | set(theirs)):
                    o, e = ours.get(column), theirs.get(column)
                    if o is not None and not o["tested"]:
                        untested.append((table, split, column, o["why"], e))
                        continue
                    total += 1
                    fault = _fault(o, e)
                    if o is not None and e is not None and fault != "verdict":
                        gap = abs(o["value"] - e["value"])
                        if gap >= largest.get(o["method"], (0.0, 0.0))[0]:
                            largest[o["method"]] = (gap, gap / max(abs(e["value"]), EXACT))
                    same = fault is None
                    good += same
                    if fault:
                        faults.append(f"{table} {split} {column}: {fault}")
                    if show or not same:
                        print(f"    {'ok  ' if same else 'DIFF'} {table}/{column}: o16n {o} | {e}")
                agree += good
                print(f"{table:14} {split:28} {len(ref):5} vs {len(cur):5}: {good} agree")
    share = f"{agree / max(total, 1):.1%}"
    print(f"agreement: {agree} of {total} columns, verdict, method and value ({share})")
    for method, (gap, relative) in sorted(largest.items()):
        print(f"  largest |o16n - Evidently| for {method}: {gap:.3g} ({relative:.2%} of its value)")
    for line in faults:
        print(f"  DIFF {line}")
    for table, split, column, why, e in untested:
        print(f"  not tested by o16n: {table} {split} {column} ({why}); Evidently: {e}")
    return 0 if agree == total else 1


def _fault(o: dict[str, Any] | None, e: dict[str, Any] | None) -> str | None:
    """What differs between the two sides' results for a column, or None."""
    if o is None or e is None:
        return "only one side tested it"
    if o["drifted"] != e["drifted"]:
        return "verdict"
    if EVIDENTLY_METHOD.get(o["method"]) != e["method"]:
        return f"method {o['method']} vs {e['method']}"
    gap = abs(o["value"] - e["value"])
    if gap > max(o["tolerance"], 1e-9 * abs(e["value"])):
        return f"value {o['value']:.6g} vs {e['value']:.6g} (allowed {o['tolerance']:.3g})"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evidently", default=str(ROOT / ".venv-evidently/bin/python"))
    parser.add_argument("--show", action="store_true", help="print every column's verdicts")
    parser.add_argument("--as-evidently", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.as_evidently:
        here = Path(args.as_evidently)
        run: Callable[[Path, Path], Any] = evidently_verdicts
        print(json.dumps(run(here / "reference.parquet", here / "current.parquet")))
        return
    raise SystemExit(compare(args.evidently, args.show))


if __name__ == "__main__":
    main()
