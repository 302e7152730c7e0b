"""A release: the next version registered (a GTO tag) and a bundle of what shipped with it —
the model files (checked against dvc.lock), the reference profile, MODEL_CARD.md, metrics, the
reports and the decision record — with a manifest of sha256 hashes. Built in a temporary folder
and renamed into place, so a failed release leaves nothing half-written."""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from o16n import __version__
from o16n.adapters.dvc import lineage
from o16n.errors import ConfigError
from o16n.lifecycle import ledger

REPORTS = ("check.md", "check.html", "health.html", "health.json", "kpi.json", "decision.json")


def file_hash(path: Path, algorithm: str) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, algorithm).hexdigest()


def build(
    project: Path,
    model: str,
    version: str,
    commit: str,
    destination: Path,
    model_card: str | None,
    reports: Path,
) -> Path:
    """The bundle folder `destination/<model>@<version>/`; returns its path."""
    at = lineage.at_revision(project, commit)
    if at is None or not at.model:
        raise ConfigError(f"no model outputs in dvc.lock at {commit[:12]}", hint="run `dvc repro`")
    final = destination / f"{model}@{version}"
    if final.exists():
        raise ConfigError(f"{final} exists already", hint="remove it or release another version")
    destination.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{model}@{version}-", dir=destination))
    try:
        files: dict[str, dict[str, Any]] = {}
        for rel, md5 in at.model.items():
            source = project / rel
            if not source.is_file() or file_hash(source, "md5") != md5:
                raise ConfigError(
                    f"{rel} in the workspace is not the one dvc.lock records ({md5})",
                    file=source,
                    hint="run `dvc checkout` (or `dvc pull` from the remote) and release again",
                )
            _copy(source, staging / rel, files, rel, md5)
        for rel in ("metrics.json", "params.yaml"):
            if (project / rel).is_file():
                _copy(project / rel, staging / rel, files, rel, None)
        if model_card is not None:
            (staging / "MODEL_CARD.md").write_text(model_card, encoding="utf-8")
            files["MODEL_CARD.md"] = {"sha256": file_hash(staging / "MODEL_CARD.md", "sha256")}
        for name in REPORTS:
            if (reports / name).is_file():
                _copy(reports / name, staging / "reports" / name, files, f"reports/{name}", None)
        decisions = [r for r in ledger.read(project / ledger.LEDGER) if _commit_of(r) == commit]
        if decisions:
            (staging / "decisions.json").write_text(json.dumps(decisions, indent=2) + "\n")
            files["decisions.json"] = {"sha256": file_hash(staging / "decisions.json", "sha256")}
        manifest = {
            "model": model,
            "version": version,
            "commit": commit,
            "o16n_version": __version__,
            "params_hash": at.params_hash,
            "files": dict(sorted(files.items())),
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


def _commit_of(record: dict[str, Any]) -> str | None:
    inputs = record.get("inputs")
    return inputs.get("commit") if isinstance(inputs, dict) else None


def _copy(
    source: Path, target: Path, files: dict[str, dict[str, Any]], rel: str, md5: str | None
) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
    entry: dict[str, Any] = {"sha256": file_hash(target, "sha256")}
    if md5 is not None:
        entry["dvc_md5"] = md5
    files[rel] = entry
