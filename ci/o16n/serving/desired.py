"""The desired state of an environment: `deploy/<env>/desired.yaml` names the model version that
should run there (model, version, commit, the DVC md5s of its files, the serving target).

It is the contract between the two sides: `o16n deploy` and `o16n rollback` (o16n.lifecycle)
write it, and what serves reads it: the local target follows its blob in git, KServe's
manifests are rendered from it, monitoring scores with the version it names. The format lives
here, below both, so the runtime never imports the deploy transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from o16n.adapters import git
from o16n.errors import ConfigError

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


def artifact_md5(desired: Desired, env: str, rel: str, setting: str) -> str:
    """The md5 the desired state names for `rel` (o16n.yaml `setting`), or a ConfigError that
    lists the artifacts it does name."""
    md5 = desired.artifact.get(rel)
    if md5 is None:
        named = ", ".join(sorted(desired.artifact)) or "none"
        raise ConfigError(
            f"{rel} (o16n.yaml {setting}) is not among the artifacts of {desired.model} "
            f"{desired.version}: {named}",
            file=desired_rel(env),
            key="artifact",
            hint=f"set {setting} in o16n.yaml to one of the train stage's outputs",
        )
    return md5


def desired_rel(env: str) -> str:
    """`deploy/<env>/desired.yaml`, relative to the project (and in git)."""
    return f"{DEPLOY_DIR}/{env}/{DESIRED}"


def desired_path(project: Path, env: str) -> Path:
    return project / desired_rel(env)


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
    rel = desired_rel(env)
    log = git.run("log", "--format=%H", "--", rel, project=project)
    states = []
    for commit in log.output.split():
        shown = git.run("show", f"{commit}:{rel}", project=project)
        if shown.ok:
            states.append(read_desired(shown.output, f"{commit[:12]}:{rel}"))
    return states


def desired_blob(project: Path, ref: str, env: str) -> str | None:
    """The blob of the environment's desired state on `ref`; None while nothing is deployed."""
    return git.resolve(f"{ref}:{desired_rel(env)}", project)
