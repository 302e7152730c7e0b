"""Benchmark `o16n ledger verify` on a ledger of signed records committed over many commits
(figures, not pass/fail).

Builds a git repository as years of gating leave one: --records records signed with an ed25519
key that main's policies/allowed_signers lists, --per-commit of them per ledger commit, each
record judging the commit before its ledger commit (so every ledger commit brings a distinct
`inputs.commit`), dvc.lock changing every 10 ledger commits. Measures, as the median of --runs
runs: `ledger.verify` in process (chain, history, witness, signatures, lineage), the
`o16n ledger verify` command as a process of its own (interpreter and imports included), and
one `ledger.append` to the full ledger (which checks chain, history and witness first).
Aim (issue 13): verify of 1,000 signed records < 5 s.

    python bench/bench_ledger.py [--records 1000] [--per-commit 5] [--runs 5]
        [-o build/bench/ledger.json]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from o16n.adapters import signing
from o16n.lifecycle import ledger

BIN = Path(sys.executable).parent
LOCK = """\
schema: '2.0'
stages:
  train:
    cmd: python -m model.train
    outs:
    - path: data/raw/dataset.csv
      md5: {data}
      size: 1
    - path: models/model.joblib
      md5: {model}
      size: 1
"""


def git(project: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=project, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def write_key(folder: Path) -> Path:
    """A passphrase-less ed25519 key in OpenSSH format, as `ssh-keygen -t ed25519` writes."""
    private = Ed25519PrivateKey.generate()
    path = folder / "o16n-ci"
    path.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)
    return path


def outs(retrain: int) -> dict[str, str]:
    return {
        "data/raw/dataset.csv": f"d{retrain:031x}",
        "models/model.joblib": f"e{retrain:031x}",
    }


def record(commit: str, retrain: int, number: int) -> dict[str, object]:
    """A decision as `o16n gate` records one (fields and sizes alike)."""
    return {
        "kind": "decision",
        "time": f"2026-11-{1 + number % 28:02d}T10:00:00Z",
        "actor": "github-actions",
        "stage": "pr" if number % 3 else "deploy",
        "env": None if number % 3 else "staging",
        "model": {"name": "churn", "version": f"v1.{retrain}.0"},
        "inputs": {
            "commit": commit,
            "base": None,
            "o16n_version": "0.1.0",
            "outs": outs(retrain),
            "params_hash": "a" * 64,
            "policy_hash": "b" * 64,
            "pack": "baseline",
        },
        "metrics": {"accuracy": 0.9 + (number % 7) / 100, "roc_auc": 0.95},
        "rules": [
            {"id": rule, "severity": "fail", "outcome": "pass", "message": "ok"}
            for rule in ("metric-floors", "no-regression", "health-no-fail", "model-card")
        ],
        "waivers": [],
        "approvals": ["ann@example.com"],
        "notes": [],
        "verdict": "pass",
    }


def build(project: Path, key_path: Path, records: int, per_commit: int) -> None:
    """The repository: trust on main, then ledger commits of `per_commit` signed records,
    dvc.lock retrained every 10 ledger commits."""
    project.mkdir()
    git(project, "init", "-q", "-b", "main")
    git(project, "config", "user.name", "Bench")
    git(project, "config", "user.email", "bench@example.com")
    key = signing.signing_key({signing.KEY_VARIABLE: str(key_path)})
    assert key is not None
    (project / "policies").mkdir()
    public = base64.b64encode(key.public_blob).decode()
    (project / "policies" / "allowed_signers").write_text(
        f'o16n-ci@example.com namespaces="o16n-ledger,o16n-release" ssh-ed25519 {public}\n'
    )
    (project / "ledger").mkdir()
    lines: list[str] = []
    prev = ledger.GENESIS
    retrain = 0
    for batch in range((records + per_commit - 1) // per_commit):
        if batch % 10 == 0:
            retrain += 1
            (project / "dvc.lock").write_text(LOCK.format(**_hashes(outs(retrain))))
        (project / "CHANGES").write_text(f"change {batch}\n")  # what the pull request changed
        git(project, "add", "-A")
        git(project, "commit", "-q", "-m", f"Change {batch}")
        judged = git(project, "rev-parse", "HEAD")
        for _ in range(min(per_commit, records - len(lines))):
            sealed = ledger.seal(record(judged, retrain, len(lines)), len(lines) + 1, prev, key)
            lines.append(ledger.canonical(sealed) + "\n")
            prev = sealed["hash"]
        (project / ledger.LEDGER).write_text("".join(lines), encoding="utf-8")
        git(project, "add", "-A")
        git(project, "commit", "-q", "-m", f"Record decisions {batch}")


def _hashes(by_path: dict[str, str]) -> dict[str, str]:
    return {"data": by_path["data/raw/dataset.csv"], "model": by_path["models/model.joblib"]}


def timed(action: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--per-commit", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("-o", "--output", type=Path, default=Path("build/bench/ledger.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        project = Path(workdir) / "project"
        key = write_key(Path(workdir))
        started = time.perf_counter()
        build(project, key, args.records, args.per_commit)
        built = time.perf_counter() - started
        commits = int(git(project, "rev-list", "--count", "HEAD"))

        verification = ledger.verify(project)
        assert verification.ok and verification.records == args.records, verification.problems[:3]
        env = {**os.environ, signing.KEY_VARIABLE: str(key)}
        command = [str(BIN / "o16n"), "ledger", "verify", "--project", str(project)]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr

        figures = {
            "ledger.verify (in process)": statistics.median(
                timed(lambda: ledger.verify(project), args.runs)
            ),
            "o16n ledger verify (a process: interpreter, imports, verify)": statistics.median(
                timed(lambda: subprocess.run(command, env=env, capture_output=True), args.runs)
            ),
        }
        os.environ[signing.KEY_VARIABLE] = str(key)
        head = git(project, "rev-parse", "HEAD~1")
        figures["ledger.append (one more, signed, after its checks)"] = statistics.median(
            timed(lambda: ledger.append(project, record(head, 1, 0)), args.runs)
        )
    width = max(map(len, figures))
    print(
        f"{args.records} signed records in {commits} commits ({args.per_commit} a ledger "
        f"commit), median of {args.runs} runs, {os.cpu_count()} cores; built in {built:.1f} s"
    )
    for name, seconds in figures.items():
        print(f"  {name:<{width}}  {seconds:6.3f} s")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    rounded = {name: round(seconds, 4) for name, seconds in figures.items()}
    summary = {"records": args.records, "commits": commits, "median_seconds": rounded}
    args.output.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
