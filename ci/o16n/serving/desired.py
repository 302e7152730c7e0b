"""The desired state of an environment: `deploy/<env>/desired.yaml` names the model version that
should run there (model, version, commit, the DVC md5s of its files, the serving target) and
carries the release's signed manifest (its exact bytes and the signature, `release:`), so that
what serves can check the version's signature and file hashes without the release bundle.

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
from o16n.adapters.manifest import Signed, Trust, Verdict, bind, verify_signed
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
    release: Signed | None = None  # the release's signed manifest; None: none (not trusted)

    def as_yaml(self) -> str:
        body: dict[str, object] = {
            "model": self.model,
            "version": self.version,
            "commit": self.commit,
            "artifact": dict(sorted(self.artifact.items())),
            "serving": {"target": self.target, "protocol": "v2", "runtime": "sklearn"},
        }
        if self.release is not None:
            body["release"] = {
                "manifest": self.release.data.decode("utf-8"),
                "signature": self.release.signature,
            }
        return HEADER + yaml.dump(body, Dumper=_Dumper, sort_keys=False)


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (the manifest, the signature) as literal blocks, readable in a diff;
    PyYAML quotes one instead when a block could not hold it exactly."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def verify_release(desired: Desired, trusted: Trust) -> Verdict:
    """The release the desired state carries: signed by a key `trusted` lists, and the manifest
    of this very version (model, version, commit, each artifact's md5). The files' sha256 are
    checked where their bytes are fetched (o16n.serving.local.backend)."""
    if desired.release is None:
        unsigned = (
            f"unsigned: the desired state of {desired.model} {desired.version} carries no signed "
            "release manifest (`o16n deploy` writes it from the signed release)"
        )
        return Verdict(None, None, (unsigned,))
    verdict = verify_signed(desired.release, trusted)
    if verdict.manifest is None:
        return verdict
    return verdict.also(
        bind(verdict.manifest, desired.model, desired.version, desired.commit, desired.artifact)
    )


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
            release=_release(data.get("release")),
        )
    except (yaml.YAMLError, KeyError, TypeError, AttributeError, UnicodeEncodeError) as exc:
        raise ConfigError(
            f"not a desired-state file ({type(exc).__name__}: {exc})",
            file=where,
            hint="restore it from git (`git checkout -- deploy/`) or roll back",
        ) from None


def _release(value: object) -> Signed | None:
    """The `release:` mapping back as the bytes that were signed; None when there is none."""
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("manifest"), str):
        raise TypeError("`release` is not a mapping with the manifest's text")
    signature = value.get("signature")
    if signature is not None and not isinstance(signature, str):
        raise TypeError("`release.signature` is not text")
    return Signed(value["manifest"].encode("utf-8"), signature)


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
