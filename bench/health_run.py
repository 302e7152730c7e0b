"""One measured run, in its own process so its peak memory is its own:
`o16n` (the CLI as a user runs it: `o16n profile` of the reference, then `o16n health` of the
current file against that profile, JSON report), `evidently` (Report([DataDriftPreset()]) on
the same files) or `whylogs` (`why.log` profiling both files, which is all whylogs does here: it
has no drift verdict of its own without WhyLabs). Prints one JSON line: seconds, peak MB (o16n:
the larger of its two processes) and the drifted columns (whylogs: none, it profiles only).

    python bench/health_run.py o16n|evidently|whylogs DATA_DIR
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

O16N = Path(sys.executable).with_name("o16n")


def run_o16n(data: Path) -> list[str]:
    with tempfile.TemporaryDirectory() as scratch:
        profile, report = Path(scratch) / "reference.json", Path(scratch) / "health.json"
        subprocess.run(
            [O16N, "profile", data / "reference.parquet", "-o", profile],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        done = subprocess.run(
            [
                O16N,
                "health",
                "--reference",
                profile,
                "--current",
                data / "current.parquet",
                "--format",
                "json",
                "-o",
                report,
            ],
            stdout=subprocess.DEVNULL,
        )
        if done.returncode not in (0, 1):  # 1: a fail trigger fired, which drift may do
            raise SystemExit(f"o16n health exited {done.returncode}")
        columns = json.loads(report.read_text())["drift"]["columns"]
    return sorted(c["column"] for c in columns if c["drifted"])


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


def run_whylogs(data: Path) -> list[str]:
    """whylogs 1.6 profiles of both files (pandas frames, as its documentation reads them)."""
    import pandas as pd
    import whylogs as why

    for name in ("reference.parquet", "current.parquet"):
        profile = why.log(pandas=pd.read_parquet(data / name)).view()
        if not profile.get_columns():
            raise SystemExit(f"whylogs made an empty profile of {name}")
    return []


RUNS = {"o16n": run_o16n, "evidently": run_evidently, "whylogs": run_whylogs}


def main() -> None:
    tool, data = sys.argv[1], Path(sys.argv[2])
    started = time.perf_counter()
    drifted = RUNS[tool](data)
    seconds = time.perf_counter() - started
    peak_kib = max(  # Linux: KiB; children: the largest of them
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    peak_mb = peak_kib / 1024
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
