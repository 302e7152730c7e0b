"""A git repository with a released version: a handcrafted dvc.lock whose model file is in the
workspace, a release key listed in policies/allowed_signers on main, the version registered
with real GTO and its bundle built (and signed) by o16n's own release code."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from o16n.adapters import signing
from o16n.adapters.manifest import MANIFEST, SIGNATURE
from o16n.lifecycle import release
from tests.conftest import ROOT, run
from tests.pipeline_repo import commit_pipeline, make_repo
from tests.pipeline_repo import git as sh
from tests.signing import make_key, write_allowed_signers

MODEL = "credit-risk-model"
DATA = "1" * 32
TRUSTED = "ci@example.com"


@dataclass(frozen=True)
class Released:
    project: Path
    key: Path  # the trusted release key (listed for o16n-release on main)
    keys: Path  # where other keys go
    version: str
    commit: str

    @property
    def tag(self) -> str:
        return f"{MODEL}@{self.version}"

    @property
    def bundle(self) -> Path:
        return self.project / "releases" / self.tag


def load_key(key: Path) -> signing.SigningKey:
    found = signing.signing_key({signing.KEY_VARIABLE: str(key)})
    assert found is not None
    return found


def make_project(tmp_path: Path) -> tuple[Path, Path]:
    """The repository (named as the model: no o16n.yaml needed) and the trusted key, committed
    on main for releases."""
    project = make_repo(tmp_path / MODEL)
    (project / ".gitignore").write_text("models/\nreleases/\nreports/\n.o16n/\n")
    sh(project, "add", ".gitignore")
    sh(project, "commit", "-q", "-m", "ignore outputs")
    key = make_key(tmp_path / "keys", "release")
    write_allowed_signers(project, [(TRUSTED, key, "o16n-release")], commit="Trust the key")
    return project, key


def release_model(
    project: Path, payload: bytes, key: Path | None, *, version: str | None = None
) -> tuple[str, str]:
    """Train (the model file `payload` and its dvc.lock), then release it signed with `key`
    (None: unsigned) as o16n release does; (version, commit)."""
    model = project / "models" / "model.joblib"
    model.parent.mkdir(exist_ok=True)
    model.write_bytes(payload)
    commit_pipeline(project, data=DATA, model=hashlib.md5(payload).hexdigest())
    plan = release.plan(project, MODEL, version=version)
    assert plan.version is not None
    signer = load_key(key) if key is not None else None
    release.release(
        project, plan, project / "releases", "# Model card\n", project / "reports", signer
    )
    return plan.version, plan.head


def released(tmp_path: Path, *, signed: bool = True) -> Released:
    project, key = make_project(tmp_path)
    version, commit = release_model(project, b"model v1", key if signed else None)
    return Released(project, key, tmp_path / "keys", version, commit)


def o16n(project: Path, *args: str | Path) -> tuple[int, str]:
    """The o16n of this checkout (not the venv's installed one), in `project`."""
    done = subprocess.run(
        [sys.executable, "-m", "o16n", "--no-color", *map(str, args)],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "ci")},
    )
    return done.returncode, done.stdout + done.stderr


def resign(bundle: Path, key: Path, namespace: str = signing.RELEASE_NAMESPACE) -> None:
    """Sign the bundle's manifest again, as it is now, with `key` for `namespace`."""
    data = (bundle / MANIFEST).read_bytes()
    (bundle / SIGNATURE).write_text(load_key(key).sign(data, namespace))


def edit_manifest(bundle: Path, **changes: object) -> None:
    manifest = json.loads((bundle / MANIFEST).read_text())
    manifest.update(changes)
    (bundle / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")


def status(project: Path) -> tuple[str, str, str]:
    """What a refused deploy must leave as it was: HEAD, the tags, the work tree."""
    return (
        run("git", "rev-parse", "HEAD", cwd=project).stdout,
        run("git", "tag", "-l", cwd=project).stdout,
        run("git", "status", "--porcelain", "-uall", cwd=project).stdout,
    )


OPEN_PACK = """\
version: 1
name: baseline
description: Lets every deploy through, for tests of what happens around the gate.
rules:
  - id: always
    description: Always passes.
    stages: [pr, deploy]
    condition: 'true'
    severity: fail
    message: never shown
"""


def open_the_gate(project: Path) -> None:
    """A policy pack whose deploy gate passes: what is tested is what the release check does."""
    pack = project / "policies" / "baseline" / "pack.yaml"
    pack.parent.mkdir(parents=True, exist_ok=True)
    pack.write_text(OPEN_PACK)
    sh(project, "add", "policies")
    sh(project, "commit", "-q", "-m", "An open gate")
