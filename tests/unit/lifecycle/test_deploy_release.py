"""Deploy and rollback put in place only a release that verifies: each attack is refused with its
reason and leaves the repository as it was (no desired state, no ledger record, no commit, no
tag); a verified one is deployed with its signed manifest in the desired state, and promoted
from it where the bundle is not (a fresh CI checkout). Real git, GTO and ssh-keygen keys."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from o16n.adapters import signing
from o16n.adapters.manifest import MANIFEST, SIGNATURE
from o16n.lifecycle import deploy, verify
from o16n.serving import desired
from tests.pipeline_repo import git as sh
from tests.release_repo import (
    TRUSTED,
    Released,
    o16n,
    open_the_gate,
    release_model,
    released,
    resign,
    status,
)
from tests.signing import make_key, write_allowed_signers


@pytest.fixture
def rel(tmp_path: Path) -> Released:
    found = released(tmp_path)
    open_the_gate(found.project)
    return found


def _changed_model(rel: Released) -> None:
    (rel.bundle / "models" / "model.joblib").write_bytes(b"other weights")


def _changed_manifest(rel: Released) -> None:
    text = (rel.bundle / MANIFEST).read_text()
    (rel.bundle / MANIFEST).write_text(text.replace('"v1.0.0"', '"v1.0.1"'))


def _added_file(rel: Released) -> None:
    (rel.bundle / "models" / "extra.pkl").write_bytes(b"pickle")


def _unlisted_key(rel: Released) -> None:
    resign(rel.bundle, make_key(rel.keys, "intruder"))


def _ledger_namespace(rel: Released) -> None:
    write_allowed_signers(rel.project, [(TRUSTED, rel.key, None)], commit="Trust for all")
    resign(rel.bundle, rel.key, signing.LEDGER_NAMESPACE)


def _trusted_on_a_branch(rel: Released) -> None:
    intruder = make_key(rel.keys, "intruder")
    sh(rel.project, "checkout", "-q", "-b", "feature")
    write_allowed_signers(
        rel.project, [("me@example.com", intruder, "o16n-release")], commit="My key"
    )
    resign(rel.bundle, intruder)


def _unsigned(rel: Released) -> None:
    (rel.bundle / SIGNATURE).unlink()


ATTACKS: dict[str, tuple[Callable[[Released], None], str]] = {
    "changed-model": (_changed_model, "models/model.joblib: sha256 "),
    "changed-manifest": (_changed_manifest, "bad signature: the signed content was changed"),
    "added-file": (_added_file, "models/extra.pkl: in the bundle, not in the signed manifest"),
    "unlisted-key": (_unlisted_key, "main:policies/allowed_signers does not list"),
    "ledger-namespace": (_ledger_namespace, "signed for namespace 'o16n-ledger'"),
    "trust-on-a-branch": (_trusted_on_a_branch, "main:policies/allowed_signers does not list"),
    "unsigned": (_unsigned, "unsigned: the release has no manifest.json.sig"),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_a_release_that_does_not_verify_is_refused_and_nothing_is_written(
    rel: Released, attack: str
) -> None:
    tamper, reason = ATTACKS[attack]
    tamper(rel)
    before = status(rel.project)
    done = deploy.deploy(rel.project, "staging")
    assert isinstance(done, deploy.Unverified)
    assert any(reason in p for p in done.problems), done.problems
    assert done.source == f"releases/{rel.tag}"
    assert status(rel.project) == before
    assert not (rel.project / "deploy").exists()
    assert not (rel.project / "ledger").exists()


def test_the_refusal_says_what_failed_and_exits_1(rel: Released) -> None:
    _changed_model(rel)
    code, out = o16n(rel.project, "deploy", "--env", "staging")
    assert code == 1, out
    assert (
        f"refused: deploy {rel.tag.replace('@', ' ')} to staging: the release does not verify "
        f"(releases/{rel.tag}); nothing was written or committed"
    ) in out
    assert "models/model.joblib: sha256 " in out
    assert not (rel.project / "reports" / "decision.json").exists()


def test_a_verified_release_is_deployed_with_its_signed_manifest(rel: Released) -> None:
    done = deploy.deploy(rel.project, "staging")
    assert isinstance(done, deploy.Deployed) and done.passed
    state = desired.current(rel.project, "staging")
    assert state is not None and state.release is not None
    assert state.release.data == (rel.bundle / MANIFEST).read_bytes()
    assert state.release.signature == (rel.bundle / SIGNATURE).read_text()
    assert desired.verify_release(state, verify.trust(rel.project)).ok


def test_a_promotion_without_the_bundle_uses_the_manifest_the_source_carries(
    rel: Released,
) -> None:
    assert isinstance(deploy.deploy(rel.project, "staging"), deploy.Deployed)
    shutil.rmtree(rel.project / "releases")  # a fresh checkout: releases/ is not in git
    done = deploy.deploy(rel.project, "production", source="staging")
    assert isinstance(done, deploy.Deployed) and done.passed
    production = desired.current(rel.project, "production")
    staging = desired.current(rel.project, "staging")
    assert production is not None and staging is not None
    assert production.release == staging.release


def test_a_carried_manifest_that_was_edited_is_refused(rel: Released) -> None:
    assert isinstance(deploy.deploy(rel.project, "staging"), deploy.Deployed)
    shutil.rmtree(rel.project / "releases")
    path = desired.desired_path(rel.project, "staging")
    state = desired.read_desired(path.read_text(), str(path))
    assert state.release is not None
    manifest = json.loads(state.release.data)
    manifest["files"]["models/model.joblib"]["sha256"] = "0" * 64
    edited = (json.dumps(manifest, indent=2) + "\n").encode()
    path.write_text(
        desired.Desired(
            state.model,
            state.version,
            state.commit,
            state.artifact,
            release=type(state.release)(edited, state.release.signature),
        ).as_yaml()
    )
    sh(rel.project, "commit", "-q", "-am", "Swap the weights' hash")
    before = status(rel.project)
    done = deploy.deploy(rel.project, "production", source="staging")
    assert isinstance(done, deploy.Unverified)
    assert done.source == "deploy/staging/desired.yaml"
    assert any("bad signature" in p for p in done.problems), done.problems
    assert status(rel.project) == before


def test_no_bundle_and_no_carried_manifest_is_refused(rel: Released) -> None:
    shutil.rmtree(rel.project / "releases")
    done = deploy.deploy(rel.project, "staging")
    assert isinstance(done, deploy.Unverified)
    assert done.problems[0].startswith(f"no signed release of {rel.tag}: no bundle")


def test_a_manifest_of_another_version_is_refused(rel: Released) -> None:
    release_model(rel.project, b"model v2", rel.key, version="v1.1.0")
    old = rel.bundle
    new = rel.project / "releases" / f"{rel.tag.split('@')[0]}@v1.1.0"
    for name in (MANIFEST, SIGNATURE):  # v1.0.0's good signature passed off as v1.1.0's
        shutil.copy(old / name, new / name)
    done = deploy.deploy(rel.project, "staging", version="v1.1.0")
    assert isinstance(done, deploy.Unverified)
    assert any(
        "the signed manifest is of version 'v1.0.0', not 'v1.1.0'" in p for p in done.problems
    )


def test_a_rollback_to_a_release_no_longer_trusted_is_refused(rel: Released) -> None:
    assert isinstance(deploy.deploy(rel.project, "staging"), deploy.Deployed)
    other = make_key(rel.keys, "new-release-key")
    release_model(rel.project, b"model v2", other, version="v1.1.0")
    # the key changes on main: v1.1.0 is signed with the new one, the old one is retired
    write_allowed_signers(rel.project, [(TRUSTED, other, "o16n-release")], commit="Rotate")
    assert isinstance(deploy.deploy(rel.project, "staging"), deploy.Deployed)
    before = status(rel.project)
    done = deploy.rollback(rel.project, "staging")
    assert isinstance(done, deploy.Unverified)
    assert done.verb == "roll staging back from v1.1.0 to v1.0.0"
    assert any("does not list for o16n-release" in p for p in done.problems), done.problems
    assert status(rel.project) == before
    code, out = o16n(rel.project, "rollback", "--env", "staging")
    assert code == 1 and "refused: roll staging back from v1.1.0 to v1.0.0" in out
