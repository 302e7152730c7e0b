"""A model repository with a long history, made cheaply: real git commits of dvc.lock and
metrics.json (no pipeline runs), real GTO-style annotated version tags, and real ledger records
appended with `o16n.lifecycle.ledger.append` (gate decisions, deploys, promotions, refusals
and rollbacks), committed as o16n commits them."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from o16n.adapters import signing
from o16n.lifecycle import ledger, release
from tests.history_repo import write_desired
from tests.pipeline_repo import commit_pipeline, decision, git, make_repo, outs
from tests.signing import write_allowed_signers

MODEL = "credit-risk-model"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def long_history(
    path: Path,
    versions: int = 50,
    decisions: int = 200,
    key: Path | None = None,
    *,
    bundles: bool = False,
) -> Path:
    """`versions` versions, each with a PR gate decision and a staging deploy; the others (up to
    `decisions` records in all) promote to production, refuse, or roll production back. With
    `key`, main trusts it for the ledger and releases and every record is signed with it; with
    `bundles` too, each version is released by o16n's release code (a signed bundle with its
    KPI report), else tagged by hand with a KPI report in a folder that is no bundle."""
    project = make_repo(path / MODEL)
    (project / ".gitignore").write_text("models/\nreleases/\nreports/\n.o16n/\n")
    git(project, "add", ".gitignore")
    git(project, "commit", "-q", "-m", "ignore outputs")
    if key is not None:
        namespaces = f"{signing.LEDGER_NAMESPACE},{signing.RELEASE_NAMESPACE}"
        write_allowed_signers(project, [("o16n-ci@example.com", key, namespaces)], commit="Trust")
    assert key is not None or not bundles, "a signed release needs a key"
    with _signing(key):
        _versions(project, versions, decisions, bundles)
    return project


@contextmanager
def _signing(key: Path | None) -> Iterator[None]:
    before = os.environ.pop(signing.KEY_VARIABLE, None)
    if key is not None:
        os.environ[signing.KEY_VARIABLE] = str(key)
    try:
        yield
    finally:
        os.environ.pop(signing.KEY_VARIABLE, None)
        if before is not None:
            os.environ[signing.KEY_VARIABLE] = before


def _versions(project: Path, versions: int, decisions: int, bundles: bool) -> None:
    per_version = max(2, decisions // max(versions, 1))
    made = 0
    running: dict[str, tuple[dict[str, object], str]] = {}  # env -> (its last record, model md5)
    for i in range(versions):
        at = START + timedelta(days=3 * i)
        data = f"d{i // 5:031x}"  # new data every fifth version (a letter: YAML reads a string)
        payload = f"model {i + 1}".encode()
        model = hashlib.md5(payload).hexdigest() if bundles else f"b{i + 1:031x}"
        if bundles:  # the file the release copies, as `dvc repro` leaves it
            (project / "models").mkdir(exist_ok=True)
            (project / "models" / "model.joblib").write_bytes(payload)
        metrics = {"accuracy": round(0.80 + 0.003 * i - 0.01 * (i % 4 == 3), 4), "roc_auc": 0.9}
        commit = commit_pipeline(
            project, data=data, model=model, c=1.0 + i / 10, metrics=metrics, date=_iso(at),
            message=f"Retrain {i + 1}",
        )  # fmt: skip
        version = f"v1.{i}.0"
        tag = f"{MODEL}@{version}"
        if bundles:
            _release(project, version, 120.0 + 4 * i)
        else:
            git(project, "tag", "-a", tag, "-m", f"Registering {version}", date=_iso(at))
            _kpi_report(project, tag, 120.0 + 4 * i)
        kinds = _kinds(i, per_version)
        for j, kind in enumerate(kinds[: decisions - made]):
            record = _record(kind, commit, outs(data, model), version, i)
            record["time"] = _iso(at + timedelta(hours=j + 1))
            ledger.append(project, record)
            made += 1
            if _changes_state(record):  # the desired state the deploy or rollback commits
                running[str(record["env"])] = (record, model)
        for env, (record, md5) in running.items():
            inputs, named = record["inputs"], record["model"]
            assert isinstance(inputs, dict) and isinstance(named, dict)
            path = write_desired(project, env, str(named["version"]), str(inputs["commit"]), md5)
            git(project, "add", path)
        git(project, "add", str(ledger.LEDGER))
        git(project, "commit", "-q", "-m", f"[skip ci] decisions on {version}", date=_iso(at))


def _release(project: Path, version: str, per_1000: float) -> None:
    """`o16n release` at HEAD: the bundle (its KPI report among the reports), signed, tagged."""
    reports = project / "reports"
    reports.mkdir(exist_ok=True)
    current = {"name": "net value", "unit": "EUR", "per_1000": per_1000}
    (reports / "kpi.json").write_text(json.dumps({"current": current, "baseline": None}))
    plan = release.plan(project, MODEL, version=version)
    release.release(
        project, plan, project / "releases", "# Model card\n", reports, signing.signing_key()
    )


def _kpi_report(project: Path, tag: str, per_1000: float) -> None:
    """The KPI report a release bundle keeps (reports/kpi.json, as `o16n check` writes it);
    the bundle has no manifest: the site says it does not verify."""
    folder = project / "releases" / tag / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    current = {"name": "net value", "unit": "EUR", "per_1000": per_1000}
    (folder / "kpi.json").write_text(json.dumps({"current": current, "baseline": None}))


def _changes_state(record: dict[str, object]) -> bool:
    return record.get("kind") == "rollback" or record.get("action") == "deploy"


def _kinds(i: int, per_version: int) -> list[str]:
    extra = ["production", "refused" if i % 2 else "rollback"]
    return (["pr", "staging"] + extra * per_version)[:per_version]


def _record(
    kind: str, commit: str, lineage: dict[str, str], version: str, i: int
) -> dict[str, object]:
    approvals = ["Ada Lovelace <ada@example.com>"]
    model = {"name": MODEL, "version": version}
    if kind == "pr":
        return decision(
            commit, lineage, model={"name": MODEL, "version": None}, approvals=approvals
        )
    if kind == "rollback":
        return {
            "kind": "rollback", "actor": "ops <ops@example.com>", "stage": "deploy",
            "env": "production", "model": {"name": MODEL, "version": f"v1.{max(i - 1, 0)}.0"},
            "inputs": {"commit": commit, "outs": lineage}, "from_version": version,
            "verdict": "pass",
        }  # fmt: skip
    env = "staging" if kind == "staging" else "production"
    action = "refused" if kind == "refused" else "deploy"
    verdict = "fail" if action == "refused" else "pass"
    promoted = {"from_env": "staging"} if env == "production" else {}
    return decision(
        commit, lineage, stage="deploy", env=env, model=model, action=action, verdict=verdict,
        approvals=approvals, **promoted,
    )  # fmt: skip


def monitor_runs(folder: Path, count: int, columns: int = 8) -> Path:
    """`count` kept monitor runs as `o16n monitor` writes them (JSON beside its HTML report)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        at = START + timedelta(days=i)
        drift = [
            {
                "column": f"x{c}",
                "kind": "numeric",
                "method": "ks p-value",
                "value": 0.01 if (c + i) % 5 == 0 else 0.5,
                "threshold": 0.05,
                "drifted": (c + i) % 5 == 0,
            }  # fmt: skip
            for c in range(columns)
        ]
        data: dict[str, object] = {
            "severity": "warn" if any(d["drifted"] for d in drift) else "ok",
            "failed": False,
            "counts": {"fail": 0, "warn": 1, "ok": 10},
            "findings": [],
            "drift": {"dataset_drift_share": 0.1, "columns": drift},
            "metrics": [],
            "inputs": {
                "env": "production",
                "version": "v1.0.0",
                "batch": f"data/production/{i}.csv",
            },
            "run": {
                "time": _iso(at),
                "url": f"https://github.com/acme/model/actions/runs/{100 + i}",
            },
        }
        name = f"{at:%Y%m%dT%H%M%SZ}-production-{i}"
        (folder / f"{name}.json").write_text(json.dumps(data))
        (folder / f"{name}.html").write_text("<!doctype html><title>report</title><p>run</p>")
    return folder
