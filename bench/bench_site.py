"""Benchmark `o16n site` and `o16n history` on a long history (figures, not pass/fail).

Builds a model repository as a year and more of work leaves one (tests/site_repo.py): --versions
versions, each a real git commit of dvc.lock and metrics.json released by o16n's release code
(a signed bundle with its KPI report, a GTO tag), --decisions ledger records signed with a key
main trusts (PR gate decisions, deploys, promotions, refusals, rollbacks), and --runs kept
monitor runs. Measures, as the median of --repeat runs, the `o16n site` command as a process of
its own (interpreter and imports included): reading git at every version, verifying every
bundle (signature, files) and the ledger (chain, history, signatures, lineage), the
environments' states, and writing every page; and `o16n history --format json` (every
environment at a moment between two deploys: the ledger verified, the states rebuilt). Aims
(issue 18): 50 versions and 200 decisions in < 10 s for the site, < 1 s for the history.

    python bench/bench_site.py [--versions 50] [--decisions 200] [--runs 30] [--repeat 3]
        [-o build/bench/site.json]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The long-history generator is the tests' own, loaded when the benchmark runs (the type check
# of bench/ stays on the package's API, not on the tests' helpers).
site_repo = importlib.import_module("tests.site_repo")
make_key = importlib.import_module("tests.signing").make_key

AIM = 10.0
HISTORY_AIM = 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--versions", type=int, default=50)
    parser.add_argument("--decisions", type=int, default=200)
    parser.add_argument("--runs", type=int, default=30, help="kept monitor runs")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("-o", "--output", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        os.environ.setdefault("GIT_AUTHOR_NAME", "Bench")
        os.environ.setdefault("GIT_AUTHOR_EMAIL", "bench@example.com")
        os.environ.setdefault("GIT_COMMITTER_NAME", "Bench")
        os.environ.setdefault("GIT_COMMITTER_EMAIL", "bench@example.com")
        started = time.perf_counter()
        key = make_key(base / "keys", "o16n-ci")
        project = site_repo.long_history(base, args.versions, args.decisions, key=key, bundles=True)
        site_repo.monitor_runs(project / "reports" / "monitor" / "runs", args.runs)
        made = time.perf_counter() - started
        times = [_site(project, base / f"site-{i}") for i in range(args.repeat)]
        histories = [_history(project) for _ in range(args.repeat)]
    median = statistics.median(times)
    history = statistics.median(histories)
    print(
        f"o16n site: {args.versions} versions, {args.decisions} signed decisions, "
        f"{args.runs} monitor runs: {median:.2f} s (median of {args.repeat}; aim < {AIM:g} s; "
        f"the history took {made:.1f} s to make)"
    )
    print(
        f"o16n history (every environment, as JSON): {history:.2f} s (median of {args.repeat}; "
        f"aim < {HISTORY_AIM:g} s)"
    )
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        figures = {"versions": args.versions, "decisions": args.decisions, "runs": args.runs,
                   "seconds": times, "median": median, "aim": AIM,
                   "history_seconds": histories, "history_median": history,
                   "history_aim": HISTORY_AIM}  # fmt: skip
        args.output.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


def _site(project: Path, out: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "ci")}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "o16n", "--no-color", "site", "--project", str(project),
         "-o", str(out)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    took = time.perf_counter() - started
    if done.returncode != 0 or "decisions" not in done.stdout:
        raise SystemExit(f"o16n site failed:\n{done.stdout}{done.stderr}")
    if "does not verify" in done.stdout:
        raise SystemExit(f"the generated ledger should verify:\n{done.stdout}")
    if "does not verify" in (out / "versions.html").read_text(encoding="utf-8"):
        raise SystemExit("every generated release bundle should verify: see versions.html")
    return took


def _history(project: Path) -> float:
    """`o16n history` of every environment, as a process; every state it shows must verify."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "ci")}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "o16n", "--no-color", "history", "--format", "json",
         "--project", str(project)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"o16n history failed or found a record that does not verify:\n"
                         f"{done.stdout[-2000:]}{done.stderr[-2000:]}")  # fmt: skip
    running = [e["running"] for e in json.loads(done.stdout)["environments"]]
    if not any(running):
        raise SystemExit("o16n history found nothing deployed in the generated history")
    return took


if __name__ == "__main__":
    sys.exit(main())
