"""What `o16n serve` checks before it loads a version, without MLServer: the release the desired
state carries (signature by a key main trusts, of this very version and artifact), the fetched
bytes against the signed sha256, and the reconciler keeping the old version when either fails.
Real git repositories, GTO, ssh-keygen keys and o16n's own release and deploy code."""

from __future__ import annotations

import dataclasses
import hashlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from o16n.adapters.manifest import MANIFEST, SIGNATURE, Entry, Manifest, Signed
from o16n.config.project import load_project
from o16n.errors import ServeError
from o16n.lifecycle import deploy, verify
from o16n.serving import desired
from o16n.serving.local.backend import Backend, fetch_signed, state_dir
from o16n.serving.local.reconciler import Server
from o16n.serving.local.router import Router
from tests.pipeline_repo import git as sh
from tests.release_repo import Released, open_the_gate, released, resign
from tests.signing import make_key

REL = "models/model.joblib"


@pytest.fixture
def rel(tmp_path: Path) -> Released:
    found = released(tmp_path)
    open_the_gate(found.project)
    return found


def deployed(rel: Released) -> desired.Desired:
    assert isinstance(deploy.deploy(rel.project, "staging"), deploy.Deployed)
    state = desired.current(rel.project, "staging")
    assert state is not None
    return state


def problems(state: desired.Desired, rel: Released) -> tuple[str, ...]:
    return desired.verify_release(state, verify.trust(rel.project)).problems


def test_the_deployed_state_verifies(rel: Released) -> None:
    verdict = desired.verify_release(deployed(rel), verify.trust(rel.project))
    assert verdict.ok and verdict.signer.startswith("ci@example.com (key SHA256:")


def test_a_state_without_a_release_is_unsigned(rel: Released) -> None:
    state = dataclasses.replace(deployed(rel), release=None)
    (problem,) = problems(state, rel)
    assert problem.startswith("unsigned: the desired state of credit-risk-model v1.0.0 carries")


def test_a_good_signature_of_another_version_or_artifact_binds_to_nothing(rel: Released) -> None:
    state = deployed(rel)
    relabelled = dataclasses.replace(state, version="v9.0.0")
    assert problems(relabelled, rel) == (
        "the signed manifest is of version 'v1.0.0', not 'v9.0.0'",
    )
    swapped = dataclasses.replace(state, artifact={REL: "f" * 32})
    (problem,) = problems(swapped, rel)
    assert problem.startswith(f"{REL}: DVC md5 {'f' * 32}, but the signed manifest says ")


def test_a_state_signed_by_an_unlisted_key(rel: Released) -> None:
    resign(rel.bundle, make_key(rel.keys, "intruder"))
    state = deployed_anyway(rel)
    (problem,) = problems(state, rel)
    assert "does not list for o16n-release" in problem


def deployed_anyway(rel: Released) -> desired.Desired:
    """A desired state written by hand (not through deploy) from whatever the bundle holds."""
    return desired.Desired(
        "credit-risk-model",
        rel.version,
        rel.commit,
        {REL: hashlib.md5(b"model v1").hexdigest()},
        release=Signed((rel.bundle / MANIFEST).read_bytes(), (rel.bundle / SIGNATURE).read_text()),
    )


def test_fetched_bytes_must_have_the_signed_sha256(tmp_path: Path) -> None:
    payload = b"the model"
    md5 = hashlib.md5(payload).hexdigest()
    state = desired.Desired("m", "v1.0.0", "c" * 40, {REL: md5})
    target = tmp_path / "model.joblib"
    target.write_bytes(payload)  # already fetched: the md5 matches, DVC is not asked
    right = Manifest("m", "v1.0.0", "c" * 40, {REL: Entry(hashlib.sha256(payload).hexdigest())})
    assert fetch_signed(tmp_path, REL, md5, state, right, target) == target
    wrong = Manifest("m", "v1.0.0", "c" * 40, {REL: Entry("0" * 64, md5)})
    with pytest.raises(ServeError, match=rf"v1.0.0: refused to load {REL}: sha256 "):
        fetch_signed(tmp_path, REL, md5, state, wrong, target)
    assert not target.exists()  # never left where MLServer would load it
    target.write_bytes(payload)
    unlisted = Manifest("m", "v1.0.0", "c" * 40, {})
    with pytest.raises(ServeError, match=f"{REL}: not in the signed manifest"):
        fetch_signed(tmp_path, REL, md5, state, unlisted, target)


@pytest.fixture
def old_version(rel: Released) -> Iterator[Backend]:
    """A process standing for the version that serves now."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    folder = state_dir(rel.project, "staging") / "v0.9.0"
    folder.mkdir(parents=True)
    old = desired.Desired("credit-risk-model", "v0.9.0", "0" * 40, {REL: "0" * 32})
    try:
        yield Backend(old, folder, "127.0.0.1", 1, process)
    finally:
        process.kill()
        process.wait()


def test_the_reconciler_refuses_an_unsigned_version_and_keeps_the_old_one(
    rel: Released, old_version: Backend
) -> None:
    state = dataclasses.replace(deployed(rel), release=None)
    path = desired.desired_path(rel.project, "staging")
    path.write_text(state.as_yaml())
    sh(rel.project, "commit", "-q", "-am", "Deploy without a signature")
    said: list[str] = []
    server = Server(
        rel.project, load_project(rel.project), "staging", "main", "127.0.0.1", 0, said.append
    )
    server.router = Router(("127.0.0.1", 0), server.status)
    try:
        server.router.switch(old_version)
        server.reconcile()
        assert server.router.active is old_version
    finally:
        server.router.server_close()
    assert server.state == "failed"
    assert server.error is not None
    assert server.error["version"] == "v1.0.0"
    assert server.error["message"].startswith(
        "v1.0.0: refused to load, its release does not verify: unsigned: "
    )
    assert any("v0.9.0 keeps serving" in line for line in said), said
    folders = {p.name for p in state_dir(rel.project, "staging").iterdir() if p.is_dir()}
    assert folders == {"v0.9.0"}  # nothing was fetched for v1.0.0
