"""Verifying a release: `o16n verify releases/<model>@<version>` and the check `o16n deploy` and
`o16n rollback` make before they write a desired state.

A bundle verifies when its manifest's signature is good, by a key the protected branch's
policies/allowed_signers lists for `o16n-release`; every file the manifest lists is there with
its sha256; no file is there that the manifest does not list; and the manifest is the one of
the version the folder and the git tag name. Any of these failing is a result (exit 1), listed
in full; a folder that is not a bundle, or trust that cannot be read, is bad input (exit 2).

A deploy needs the version's signed manifest. It takes it from the bundle `o16n release` left
in releases/ (and verifies the whole bundle), else from a desired state already committed for
that version (a promotion `--from staging` in a fresh CI checkout has no bundle, but staging's
desired state carries the manifest it was deployed with). Either way the manifest must bind to
the version: its commit, and the DVC md5 of each model file dvc.lock records there. The model's
bytes are then checked against the manifest's sha256 where they are loaded (`o16n serve`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from o16n.adapters import git, gto
from o16n.adapters.manifest import (
    BRANCH_SETTING,
    MANIFEST,
    SIGNATURE,
    Manifest,
    Signed,
    Trust,
    Verdict,
    bind,
    check_folder,
    trust_at,
    verify_signed,
)
from o16n.config.project import load_project
from o16n.errors import ConfigError, UsageError
from o16n.serving.desired import DEPLOY_DIR, DESIRED, current, desired_rel, history

RELEASES = Path("releases")  # where `o16n release` writes bundles, under the project


def trust(project: Path, ref: str | None = None) -> Trust:
    """The release signers of `ref`, by default the protected branch (o16n.yaml github.branch)."""
    if ref is not None:
        return trust_at(project, ref)
    return trust_at(project, load_project(project).github.branch, BRANCH_SETTING)


def read_bundle(bundle: Path) -> Signed:
    """The manifest's bytes and signature in `bundle`; not a folder, or no manifest: bad input."""
    if not bundle.is_dir():
        raise UsageError(
            f"{bundle}: no such folder",
            hint="name a release bundle, as `o16n release` writes it: releases/<model>@<version>",
        )
    if not (bundle / MANIFEST).is_file():
        raise ConfigError(
            f"not a release bundle: there is no {MANIFEST}",
            file=bundle,
            hint="name the folder `o16n release` wrote (releases/<model>@<version>)",
        )
    signature = bundle / SIGNATURE
    armored = signature.read_bytes().decode("utf-8", "replace") if signature.is_file() else None
    return Signed((bundle / MANIFEST).read_bytes(), armored)


def verify_bundle(project: Path, bundle: Path, trusted: Trust) -> Verdict:
    """Everything that is wrong with the bundle (signature, files, names); ok when nothing."""
    verdict = verify_signed(read_bundle(bundle), trusted)
    if verdict.manifest is None:
        return verdict
    return verdict.also(
        check_folder(bundle, verdict.manifest)
        + _named(bundle, verdict.manifest)
        + _tagged(project, verdict.manifest)
    )


def _named(bundle: Path, manifest: Manifest) -> list[str]:
    """A folder named as a release (`model@version`) must hold that release's manifest."""
    if "@" in bundle.name and bundle.name != manifest.tag:
        return [f"the folder is {bundle.name}, but the signed manifest is of {manifest.tag}"]
    return []


def _tagged(project: Path, manifest: Manifest) -> list[str]:
    """The version's tag, where this repository has it, must be at the manifest's commit."""
    tagged = git.commit_of(f"refs/tags/{manifest.tag}", project)
    if tagged is not None and tagged != manifest.commit:
        return [
            f"the tag {manifest.tag} is at {tagged[:12]}, but the signed manifest says "
            f"{manifest.commit[:12]}"
        ]
    return []


# ---- before a deploy -------------------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    """A version's release as a deploy finds it: the signed manifest to carry into the desired
    state, where it came from, and the verdict on it."""

    signed: Signed | None
    source: str
    verdict: Verdict

    @property
    def ok(self) -> bool:
        return self.signed is not None and self.verdict.ok


def release_of(
    project: Path,
    model: str,
    version: gto.Version,
    artifact: dict[str, str],
    trusted: Trust,
    releases: Path = RELEASES,
) -> Release:
    """The verdict on `version`'s release, bound to its commit and model files (`artifact`,
    path -> DVC md5 from dvc.lock): from its bundle, else from a desired state that carries it."""
    tag = f"{model}@{version.name}"
    bundle = project / releases / tag
    if bundle.is_dir():
        signed = read_bundle(bundle)
        verdict = verify_bundle(project, bundle, trusted)
        source = str(bundle.relative_to(project)) if bundle.is_relative_to(project) else str(bundle)
    else:
        carried = carried_release(project, model, version)
        if carried is None:
            missing = (
                f"no signed release of {tag}: no bundle {releases / tag} and no committed "
                "desired state carries its manifest (build it with `o16n release` at its "
                "commit, or promote it with --from an environment that runs it)"
            )
            return Release(None, str(releases / tag), Verdict(None, None, (missing,)))
        signed, source = carried
        verdict = verify_signed(signed, trusted)
    if verdict.manifest is not None:
        verdict = verdict.also(
            bind(verdict.manifest, model, version.name, version.commit, artifact)
        )
    return Release(signed, source, verdict)


def carried_release(project: Path, model: str, version: gto.Version) -> tuple[Signed, str] | None:
    """The signed manifest a committed desired state carries for `version` (each environment's
    current state first, then their histories), and which state it was."""
    folder = project / DEPLOY_DIR
    envs = sorted(p.parent.name for p in folder.glob(f"*/{DESIRED}"))
    states = [(current(project, env), desired_rel(env)) for env in envs]
    for env in envs:
        states += [
            (state, f"{desired_rel(env)}, in its history") for state in history(project, env)
        ]
    wanted = (model, version.name, version.commit)
    for state, where in states:
        found = state is not None and (state.model, state.version, state.commit) == wanted
        if found and state is not None and state.release is not None:
            return state.release, where
    return None
