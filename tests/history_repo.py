"""Repositories with a deploy history made as `o16n deploy` and `o16n rollback` leave one: each
state a signed ledger record and the environment's desired state in the same commit. No DVC, no
pipeline runs: the records' lineage matches the handcrafted dvc.lock of tests.pipeline_repo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from o16n.lifecycle import ledger
from o16n.serving.desired import Desired, desired_rel
from tests.pipeline_repo import commit_pipeline, decision, git

MODEL = "credit-risk-model"
O16N_YAML = """\
version: 1
model: credit-risk-model
environments: [staging, production]
policy_pack: baseline
"""


def write_project(repo: Path) -> None:
    (repo / "o16n.yaml").write_text(O16N_YAML)
    git(repo, "add", "o16n.yaml")
    git(repo, "commit", "-q", "-m", "o16n settings")


def model_commit(repo: Path, n: int, *, date: str = "2026-11-01T09:00:00Z") -> str:
    """The n-th model: its own data and model hashes, metrics a little better each time."""
    data, model = f"d{n:031x}", f"e{n:031x}"  # letters: YAML reads them as text
    return commit_pipeline(
        repo,
        data=data,
        model=model,
        c=float(n),
        metrics={"accuracy": 0.8 + n / 1000},
        date=date,
        message=f"Model {n}",
    )


def _lock_outs(repo: Path, commit: str) -> dict[str, str]:
    lock = yaml.safe_load(git(repo, "show", f"{commit}:dvc.lock"))
    found = {}
    for stage in lock["stages"].values():
        for out in stage.get("outs") or []:
            found[out["path"]] = out["md5"]
    return found


def write_desired(repo: Path, env: str, version: str, commit: str, model: str) -> str:
    """deploy/<env>/desired.yaml as `o16n deploy` writes it; its path relative to the repo."""
    path = repo / desired_rel(env)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(Desired(MODEL, version, commit, {"models/model.joblib": model}).as_yaml())
    return desired_rel(env)


def deploy(
    repo: Path,
    env: str,
    version: str,
    commit: str,
    time: str,
    **fields: Any,
) -> dict[str, Any]:
    """A passed deploy of `commit` as `version` to `env` at `time`: record and desired state in
    one commit. `fields` override the record (approvals, approved_via, waivers, from_env...)."""
    found = _lock_outs(repo, commit)
    record = decision(
        commit,
        found,
        time=time,
        stage="deploy",
        env=env,
        model={"name": MODEL, "version": version},
        approvals=["ann@example.com"],
        action="deploy",
    )
    record.update(fields)
    appended = ledger.append(repo, record).record
    desired = write_desired(repo, env, version, commit, found["models/model.joblib"])
    git(repo, "add", str(ledger.LEDGER), desired)
    git(repo, "commit", "-q", "-m", f"[skip ci] deploy {version} to {env}", date=time)
    return appended


def refuse(repo: Path, env: str, version: str, commit: str, time: str) -> dict[str, Any]:
    """A deploy the gate refused: recorded, the desired state unchanged."""
    record = decision(
        commit,
        _lock_outs(repo, commit),
        time=time,
        stage="deploy",
        env=env,
        model={"name": MODEL, "version": version},
        verdict="fail",
        action="refused",
        rules=[{"id": "metric-floors", "severity": "fail", "outcome": "fail", "message": "low"}],
    )
    appended = ledger.append(repo, record).record
    git(repo, "add", str(ledger.LEDGER))
    git(repo, "commit", "-q", "-m", f"[skip ci] refuse {version} to {env}", date=time)
    return appended


def rollback(
    repo: Path, env: str, version: str, commit: str, time: str, replacing: str
) -> dict[str, Any]:
    found = _lock_outs(repo, commit)
    record = {
        "kind": "rollback",
        "time": time,
        "actor": "Ops <ops@example.com>",
        "stage": "deploy",
        "env": env,
        "model": {"name": MODEL, "version": version},
        "inputs": {"commit": commit, "o16n_version": "0.1.0", "outs": found, "params_hash": "a"},
        "from_version": replacing,
        "verdict": "pass",
    }
    appended = ledger.append(repo, record).record
    desired = write_desired(repo, env, version, commit, found["models/model.joblib"])
    git(repo, "add", str(ledger.LEDGER), desired)
    git(repo, "commit", "-q", "-m", f"[skip ci] roll {env} back to {version}", date=time)
    return appended
