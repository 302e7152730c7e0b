"""One measured run, in its own process so its peak memory is its own:
`o16n` (profile the reference, then health of the current file against it) or `evidently`
(Report([DataDriftPreset()]) on the same files). Prints one JSON line: seconds, peak MB and
the drifted columns.

    python bench/health_run.py o16n|evidently DATA_DIR
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def run_o16n(data: Path) -> list[str]:
    from o16n.checks import Inputs, evaluate
    from o16n.fsio import write_text_atomic
    from o16n.health_config import default_config
    from o16n.stats.profile import profile_file, to_json

    write_text_atomic(data / "reference.json", to_json(profile_file(data / "reference.parquet")))
    inputs = Inputs(data, reference="reference.json", current="current.parquet")
    report = evaluate(default_config(), inputs)
    return sorted(d.column for d in report.drift if d.drifted)


def run_evidently(data: Path) -> list[str]:
    import pandas as pd
    from evidently import Report
    from evidently.presets import DataDriftPreset

    reference = pd.read_parquet(data / "reference.parquet")
    current = pd.read_parquet(data / "current.parquet")
    result = Report([DataDriftPreset()]).run(current, reference)
    drifted = []
    for metric in result.dict()["metrics"]:
        name = metric.get("metric_name", "")
        value = metric.get("value")
        if name.startswith("ValueDrift(") and isinstance(value, float):
            column = name.split("column=")[1].split(",")[0].rstrip(")")
            method = name.split("method=")[1].split(",")[0] if "method=" in name else ""
            threshold = float(name.split("threshold=")[1].rstrip(")").split(",")[0])
            p_value = (
                "p_value" in method
                or "K-S" in method
                or "chi" in method.lower()
                or "Z-test" in method
            )
            if (value < threshold) if p_value else (value >= threshold):
                drifted.append(column)
    return sorted(drifted)


def main() -> None:
    tool, data = sys.argv[1], Path(sys.argv[2])
    started = time.perf_counter()
    drifted = run_o16n(data) if tool == "o16n" else run_evidently(data)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(
        json.dumps(
            {
                "tool": tool,
                "seconds": round(seconds, 2),
                "peak_mb": round(peak_mb),
                "drifted": drifted,
            }
        )
    )


if __name__ == "__main__":
    main()
