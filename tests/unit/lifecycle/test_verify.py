"""`o16n verify` on a release bundle o16n's release code built and signed with a real ssh-keygen
key, in a real git repository: what verifies, each attack on the bundle or on the trust that
must not (exit 1, with the reason), and bad input (exit 2)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from o16n.adapters import signing
from o16n.adapters.manifest import MANIFEST, SIGNATURE
from o16n.lifecycle import verify
from tests.pipeline_repo import git as sh
from tests.release_repo import (
    TRUSTED,
    Released,
    edit_manifest,
    load_key,
    o16n,
    release_model,
    released,
    resign,
)
from tests.signing import make_key, write_allowed_signers


@pytest.fixture
def rel(tmp_path: Path) -> Released:
    return released(tmp_path)


def verify_cli(rel: Released, *extra: str) -> tuple[int, str]:
    return o16n(rel.project, "verify", rel.bundle.relative_to(rel.project), *extra)


def not_verified(rel: Released, reason: str, *extra: str) -> str:
    code, out = verify_cli(rel, *extra)
    assert code == 1, out
    assert "NOT VERIFIED" in out and reason in out, out
    return out


def test_a_signed_release_verifies_with_its_signer_and_fingerprint(rel: Released) -> None:
    code, out = verify_cli(rel)
    assert code == 0, out
    fingerprint = load_key(rel.key).fingerprint
    assert f"verified {rel.tag} ({rel.commit[:12]}): signed by {TRUSTED} (key {fingerprint})" in out
    assert "trusted by main:policies/allowed_signers; 3 files match" in out


def test_ssh_keygen_verifies_the_bundle_too(rel: Released) -> None:
    with (rel.bundle / MANIFEST).open("rb") as manifest:
        done = subprocess.run(
            ["ssh-keygen", "-Y", "verify", "-f", "policies/allowed_signers", "-I", TRUSTED]
            + ["-n", signing.RELEASE_NAMESPACE, "-s", str(rel.bundle / SIGNATURE)],
            cwd=rel.project,
            stdin=manifest,
            capture_output=True,
            text=True,
        )
    assert done.returncode == 0, done.stderr
    assert f'Good "o16n-release" signature for {TRUSTED}' in done.stdout + done.stderr


def test_a_changed_model_file_is_named(rel: Released) -> None:
    with (rel.bundle / "models" / "model.joblib").open("ab") as model:
        model.write(b"\x00")
    out = not_verified(rel, "models/model.joblib: sha256 ")
    assert "but the signed manifest says" in out


def test_a_changed_manifest_breaks_the_signature(rel: Released) -> None:
    manifest = json.loads((rel.bundle / MANIFEST).read_text())
    manifest["files"]["models/model.joblib"]["sha256"] = "0" * 64  # to match swapped weights
    (rel.bundle / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    not_verified(rel, "manifest.json.sig: bad signature: the signed content was changed")


def test_an_added_file_and_a_removed_one_are_named(rel: Released) -> None:
    (rel.bundle / "models" / "backdoor.py").write_text("import os\n")
    (rel.bundle / "metrics.json").unlink()
    out = not_verified(rel, "models/backdoor.py: in the bundle, not in the signed manifest")
    assert "metrics.json: missing (the signed manifest lists it)" in out


def test_a_symbolic_link_is_not_a_released_file(rel: Released, tmp_path: Path) -> None:
    elsewhere = tmp_path / "weights"
    shutil.move(rel.bundle / "models" / "model.joblib", elsewhere)
    os.symlink(elsewhere, rel.bundle / "models" / "model.joblib")
    not_verified(rel, "models/model.joblib: outside the bundle (through a symbolic link)")
    (rel.bundle / "models" / "model.joblib").unlink()
    os.symlink("../metrics.json", rel.bundle / "models" / "model.joblib")
    not_verified(rel, "models/model.joblib: not a regular file")


def test_a_signature_by_an_unlisted_key(rel: Released) -> None:
    resign(rel.bundle, make_key(rel.keys, "intruder"))
    not_verified(rel, "which main:policies/allowed_signers does not list for o16n-release")


def test_a_signature_for_the_ledger_namespace(rel: Released) -> None:
    # a key trusted for everything: a ledger record's signature is still no release signature
    write_allowed_signers(rel.project, [(TRUSTED, rel.key, None)], commit="Trust for all")
    resign(rel.bundle, rel.key, signing.LEDGER_NAMESPACE)
    not_verified(rel, "signed for namespace 'o16n-ledger', not 'o16n-release'")


def test_a_key_trusted_on_a_branch_is_not_trusted(rel: Released) -> None:
    intruder = make_key(rel.keys, "intruder")
    sh(rel.project, "checkout", "-q", "-b", "feature")
    write_allowed_signers(
        rel.project,
        [(TRUSTED, rel.key, "o16n-release"), ("me@example.com", intruder, "o16n-release")],
        commit="Trust my key too",
    )
    resign(rel.bundle, intruder)
    not_verified(rel, "which main:policies/allowed_signers does not list")  # trust is main's
    code, out = verify_cli(rel, "--trust-ref", "feature")  # only when asked for by name
    assert code == 0 and "signed by me@example.com" in out


def test_an_unsigned_release_fails_with_how_to_sign(tmp_path: Path) -> None:
    rel = released(tmp_path, signed=False)
    assert not (rel.bundle / SIGNATURE).exists()
    out = not_verified(rel, "unsigned: the release has no manifest.json.sig")
    assert f"hint: release it again with {signing.KEY_VARIABLE} set" in out


def test_no_trusted_key_on_main_fails(rel: Released) -> None:
    sh(rel.project, "rm", "-q", "policies/allowed_signers")
    sh(rel.project, "commit", "-q", "-m", "Trust nobody")
    not_verified(rel, "main:policies/allowed_signers does not exist: no key is trusted")


def test_a_bundle_renamed_to_another_version(rel: Released) -> None:
    renamed = rel.bundle.with_name(f"{rel.tag.split('@')[0]}@v2.0.0")
    shutil.copytree(rel.bundle, renamed)
    code, out = o16n(rel.project, "verify", renamed)
    assert code == 1
    assert f"the folder is {renamed.name}, but the signed manifest is of {rel.tag}" in out


def test_a_manifest_of_another_commit_than_the_tag(rel: Released) -> None:
    edit_manifest(rel.bundle, commit="f" * 40)
    resign(rel.bundle, rel.key)  # a trusted key, a mistaken manifest
    not_verified(rel, f"the tag {rel.tag} is at {rel.commit[:12]}, but the signed manifest says")


def test_a_manifest_that_is_not_one(rel: Released) -> None:
    (rel.bundle / MANIFEST).write_text("[1, 2]\n")
    resign(rel.bundle, rel.key)
    not_verified(rel, "manifest.json is not a release manifest: not a JSON object")


def test_bad_input_is_exit_2(rel: Released, tmp_path: Path) -> None:
    code, out = o16n(rel.project, "verify", "releases/nothing@v9.9.9")
    assert code == 2 and "releases/nothing@v9.9.9: no such folder" in out
    (tmp_path / "empty").mkdir()
    code, out = o16n(rel.project, "verify", tmp_path / "empty")
    assert code == 2 and "not a release bundle: there is no manifest.json" in out
    code, out = verify_cli(rel, "--trust-ref", "no-such-branch")
    assert code == 2 and "--trust-ref no-such-branch: no such branch, tag or commit" in out


def test_an_allowed_signers_that_does_not_parse_is_named_with_its_line(rel: Released) -> None:
    path = rel.project / "policies" / "allowed_signers"
    path.write_text(path.read_text() + "ann@example.com ssh-ed25519 not-base64!\n")
    sh(rel.project, "commit", "-q", "-am", "A broken line")
    code, out = verify_cli(rel)
    assert code == 2, out
    assert "main:policies/allowed_signers:2: the key is not base64" in out


def test_the_verdict_lists_every_problem_at_once(rel: Released) -> None:
    (rel.bundle / SIGNATURE).unlink()
    (rel.bundle / "extra").write_text("x")
    (rel.bundle / "MODEL_CARD.md").write_text("# another card\n")
    verdict = verify.verify_bundle(rel.project, rel.bundle, verify.trust(rel.project))
    assert not verdict.ok
    assert [p.split(":")[0] for p in verdict.problems] == ["unsigned", "MODEL_CARD.md", "extra"]


def test_a_second_version_verifies_on_its_own(rel: Released) -> None:
    version, commit = release_model(rel.project, b"model v2", rel.key, version="v1.1.0")
    bundle = rel.project / "releases" / f"{rel.tag.split('@')[0]}@{version}"
    verdict = verify.verify_bundle(rel.project, bundle, verify.trust(rel.project))
    assert verdict.ok and verdict.manifest is not None
    assert (verdict.manifest.version, verdict.manifest.commit) == (version, commit)


def test_a_missing_trusted_branch_is_named_with_where_it_was_set(rel: Released) -> None:
    sh(rel.project, "branch", "-m", "main", "trunk")  # o16n.yaml still says main
    code, out = verify_cli(rel)
    assert code == 2, out
    assert "o16n.yaml github.branch main: no such branch, tag or commit" in out
    assert "git branch main origin/main" in out
