"""Git repositories with handcrafted `dvc.lock` and `metrics.json` commits: lineage without DVC."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import run

LOCK = """\
schema: '2.0'
stages:
  prepare:
    cmd: python -m model.prepare
    deps:
    - path: src/model/prepare.py
      md5: 5f0c9b2e1a7d4c3b8e6f1a2b3c4d5e6f
      size: 1
    outs:
    - path: data/raw/dataset.csv
      md5: {data}
      size: 1
  train:
    cmd: python -m model.train
    deps:
    - path: data/raw/dataset.csv
      md5: {data}
      size: 1
    outs:
    - path: models/model.joblib
      md5: {model}
      size: 1
    params:
      params.yaml:
        train:
          C: {c}
"""


def git(repo: Path, *args: str, date: str | None = None) -> str:
    env = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else {}
    return run("git", *args, cwd=repo, **env).stdout.strip()


def make_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", "Jane Doe")
    git(path, "config", "user.email", "jane@example.com")
    return path


def commit_pipeline(
    repo: Path,
    *,
    data: str,
    model: str,
    c: float = 1.0,
    metrics: dict[str, Any] | None = None,
    date: str = "2026-11-20T10:00:00Z",
    message: str = "Retrain",
) -> str:
    """Commit a dvc.lock (and metrics.json) as `dvc repro` would leave them; return the sha."""
    (repo / "dvc.lock").write_text(LOCK.format(data=data, model=model, c=c))
    (repo / "metrics.json").write_text(json.dumps(metrics or {"accuracy": 0.9}) + "\n")
    git(repo, "add", "dvc.lock", "metrics.json")
    git(repo, "commit", "-q", "-m", message, date=date)
    return git(repo, "rev-parse", "HEAD")


def outs(data: str, model: str) -> dict[str, str]:
    return {"data/raw/dataset.csv": data, "models/model.joblib": model}


def decision(commit: str, outs: dict[str, str], **fields: Any) -> dict[str, Any]:
    """A decision record as `o16n gate` makes one."""
    record: dict[str, Any] = {
        "kind": "decision",
        "time": "2026-11-23T10:00:00Z",
        "actor": "José Núñez <jose@example.com>",
        "stage": "pr",
        "env": None,
        "model": {"name": "credit-risk-model", "version": None},
        "inputs": {
            "commit": commit,
            "base": None,
            "o16n_version": "0.1.0",
            "outs": outs,
            "params_hash": "a" * 64,
            "policy_hash": "b" * 64,
            "pack": "baseline",
        },
        "metrics": {"accuracy": 0.95},
        "rules": [{"id": "metric-floor", "severity": "fail", "outcome": "pass", "message": "ok"}],
        "waivers": [],
        "approvals": [],
        "verdict": "pass",
    }
    record.update(fields)
    return record
