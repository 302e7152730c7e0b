"""Data lineage from `dvc.lock`: the content hash of every pipeline output, as DVC recorded it.

`dvc.lock` is committed with each change, so the lineage of any commit is readable from git
alone (no cache, no remote): `at_revision`. Outputs under `data/` are the data, those under
`models/` the model; `outs` holds all of them (metrics and plots included).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from o16n.adapters import git
from o16n.errors import ConfigError

LOCK = "dvc.lock"
DATA_DIRS = ("data/",)
MODEL_DIRS = ("models/",)


@dataclass(frozen=True)
class Lineage:
    outs: dict[str, str] = field(default_factory=dict)  # path -> md5 (a directory: "<md5>.dir")
    deps: dict[str, str] = field(default_factory=dict)  # path -> md5, inputs that are not outs
    params: dict[str, Any] = field(default_factory=dict)  # params.yaml values the stages use

    @property
    def data(self) -> dict[str, str]:
        return {p: h for p, h in self.outs.items() if p.startswith(DATA_DIRS)}

    @property
    def model(self) -> dict[str, str]:
        return {p: h for p, h in self.outs.items() if p.startswith(MODEL_DIRS)}

    @property
    def params_hash(self) -> str:
        return digest(self.params)


def digest(value: object) -> str:
    """sha256 of a JSON value in canonical form (sorted keys, no spaces): equal data, equal hash."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse(text: str, source: str = LOCK) -> Lineage:
    try:
        lock = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", file=source) from None
    stages = lock.get("stages") if isinstance(lock, Mapping) else None
    if not isinstance(stages, Mapping):
        raise ConfigError("no `stages` mapping", file=source, hint="regenerate it with `dvc repro`")
    outs: dict[str, str] = {}
    deps: dict[str, str] = {}
    params: dict[str, Any] = {}
    for stage in stages.values():
        if not isinstance(stage, Mapping):
            continue
        for entry in stage.get("outs") or []:
            outs[str(entry["path"])] = _hash_of(entry)
        for entry in stage.get("deps") or []:
            deps[str(entry["path"])] = _hash_of(entry)
        for values in (stage.get("params") or {}).values():
            if isinstance(values, Mapping):
                params.update(values)
    return Lineage(
        outs=dict(sorted(outs.items())),
        deps={p: h for p, h in sorted(deps.items()) if p not in outs},
        params=dict(sorted(params.items())),
    )


def _hash_of(entry: Mapping[str, Any]) -> str:
    return str(entry.get("md5") or entry.get("etag") or entry.get("checksum") or "")


def of_project(project: Path) -> Lineage:
    path = project / LOCK
    try:
        return parse(path.read_text(encoding="utf-8"), str(path))
    except FileNotFoundError:
        raise ConfigError(
            "no dvc.lock: the pipeline has not run", file=path, hint="run `dvc repro`"
        ) from None


def at_revision(project: Path, revision: str) -> Lineage | None:
    """The lineage committed at `revision`, or None when that commit has no dvc.lock."""
    shown = git.run("show", f"{revision}:{LOCK}", project=project)
    return parse(shown.output, f"{revision}:{LOCK}") if shown.ok else None
