"""Desired state in git: `deploy/<env>/desired.yaml` says which model version should run in an
environment; the runtime reconciles to it. Deploying writes it (after the environment's deploy
gate passes), records the decision in the ledger, commits both and assigns the GTO stage tag;
a rollback writes the previous desired state back, as a new commit, also recorded.

Writes are atomic (temp file, rename) and serialized by a lock in .git, so two deploys at once
run one after the other and a killed deploy leaves the last committed state in place.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from o16n import __version__, lineage, registry, vcs
from o16n.errors import ConfigError, ToolError
from o16n.fsio import write_text_atomic

DEPLOY_DIR = "deploy"
DESIRED = "desired.yaml"
HEADER = (
    "# Desired state of this environment, written by `o16n deploy` / `o16n rollback`.\n"
    "# The runtime reconciles to it; change it only through those commands (they record it).\n"
)


@dataclass(frozen=True)
class Desired:
    model: str
    version: str
    commit: str
    artifact: dict[str, str]  # path -> DVC md5 of the model files
    target: str = "local"

    def as_yaml(self) -> str:
        body = {
            "model": self.model,
            "version": self.version,
            "commit": self.commit,
            "artifact": dict(sorted(self.artifact.items())),
            "serving": {"target": self.target, "protocol": "v2", "runtime": "sklearn"},
        }
        return HEADER + yaml.safe_dump(body, sort_keys=False)


def desired_path(project: Path, env: str) -> Path:
    return project / DEPLOY_DIR / env / DESIRED


def read_desired(text: str, where: str) -> Desired:
    try:
        data = yaml.safe_load(text)
        artifact = data["artifact"]
        return Desired(
            model=str(data["model"]),
            version=str(data["version"]),
            commit=str(data["commit"]),
            artifact={str(k): str(v) for k, v in artifact.items()},
            target=str((data.get("serving") or {}).get("target", "local")),
        )
    except (yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(
            f"not a desired-state file ({type(exc).__name__}: {exc})",
            file=where,
            hint="restore it from git (`git checkout -- deploy/`) or roll back",
        ) from None


def current(project: Path, env: str) -> Desired | None:
    path = desired_path(project, env)
    if not path.is_file():
        return None
    return read_desired(path.read_text(encoding="utf-8"), str(path))


def history(project: Path, env: str) -> list[Desired]:
    """The committed desired states of `env`, newest first."""
    rel = f"{DEPLOY_DIR}/{env}/{DESIRED}"
    log = vcs.git("log", "--format=%H", "--", rel, project=project)
    states = []
    for commit in log.output.split():
        shown = vcs.git("show", f"{commit}:{rel}", project=project)
        if shown.ok:
            states.append(read_desired(shown.output, f"{commit[:12]}:{rel}"))
    return states


@contextlib.contextmanager
def serialized(project: Path) -> Iterator[None]:
    """One deploy or rollback at a time in this repository (the lock lives in .git)."""
    lock = project / ".git" / "o16n-deploy.lock"
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def desired_for(project: Path, model: str, version: registry.Version) -> Desired:
    at = lineage.at_revision(project, version.commit)
    if at is None or not at.model:
        raise ConfigError(
            f"{model}@{version.name} has no model outputs in dvc.lock at {version.commit[:12]}"
        )
    return Desired(model, version.name, version.commit, at.model)


def commit_state(project: Path, message: str, paths: list[str]) -> str:
    vcs.git("add", "--", *paths, project=project)
    done = vcs.git("commit", "--quiet", "-m", message, "--", *paths, project=project)
    if not done.ok:
        raise ToolError(f"`git commit` of the desired state failed:\n{done.tail()}")
    return vcs.git("rev-parse", "HEAD", project=project).output.strip()


def write(project: Path, env: str, desired: Desired) -> None:
    write_text_atomic(desired_path(project, env), desired.as_yaml())


def rollback_record(
    project: Path, env: str, desired: Desired, previous: Desired, actor: str
) -> dict[str, Any]:
    from o16n.policy.gate import timestamp

    at = lineage.at_revision(project, desired.commit) or lineage.Lineage()
    return {
        "kind": "rollback",
        "time": timestamp(),
        "actor": actor,
        "stage": "deploy",
        "env": env,
        "model": {"name": desired.model, "version": desired.version},
        "inputs": {
            "commit": desired.commit,
            "o16n_version": __version__,
            "outs": at.outs,
            "params_hash": at.params_hash,
        },
        "from_version": previous.version,
        "verdict": "pass",
    }
