"""Versions, releases, desired state, promotion and rollback on a generated project."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from o16n.adapters import signing
from tests.acceptance.test_governance import as_person
from tests.conftest import BIN, Bake, run
from tests.signing import allowed_signers, make_key, write_allowed_signers

pytestmark = pytest.mark.slow
MODEL = "credit-risk-model"
NAMESPACES = f"{signing.LEDGER_NAMESPACE},{signing.RELEASE_NAMESPACE}"


def trust_ci_key(project: Path, keys: Path) -> Path:
    """A CI signing key that main's policies/allowed_signers lists for the ledger and releases."""
    key = make_key(keys, "o16n-ci")
    write_allowed_signers(
        project, [("o16n-ci@example.com", key, NAMESPACES)], commit="Trust the CI key"
    )
    return key


def sign_as_ci(project: Path, keys: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """What CI has: the trusted key in O16N_SIGNING_KEY, for every o16n run from here on."""
    key = trust_ci_key(project, keys)
    monkeypatch.setenv(signing.KEY_VARIABLE, str(key))
    return key


def o16n(project: Path, *args: str, check: bool = True, **env: str) -> tuple[int, str]:
    done = run(BIN / "o16n", *args, cwd=project, check=check, **env)
    return done.returncode, done.stdout + done.stderr


def complete_the_card(project: Path) -> None:
    """The intended use, written on a branch, approved by governance (a signed `o16n approve`
    with a key main lists for gov@example.com) and merged: the model card is governed."""
    key = make_key(project.parent / "keys", "gov")
    trust = project / "policies" / "allowed_signers"
    trust.write_text(trust.read_text() + allowed_signers([("gov@example.com", key, "git")]))
    run("git", "commit", "--quiet", "-am", "Trust the governance owner's key", cwd=project)
    run("git", "switch", "--quiet", "-c", "intended-use", cwd=project)
    card = project / "model_card.yaml"
    card.write_text(
        card.read_text()
        .replace("use_cases: []", "use_cases: [Triage of aspirate results]")
        .replace("users: []", "users: [Pathologists]")
    )
    run("git", "commit", "--quiet", "-am", "Write the intended use", cwd=project)
    run(BIN / "o16n", "approve", cwd=project, **as_person("Gov", "gov@example.com", key))
    run("git", "switch", "--quiet", "main", cwd=project)
    run("git", "merge", "--quiet", "--no-ff", "intended-use", "-m", "Merge intended-use",
        cwd=project)  # fmt: skip


def retrain(project: Path, c: str) -> None:
    params = project / "params.yaml"
    params.write_text(params.read_text().replace("C: 1.0", f"C: {c}"))
    run(BIN / "dvc", "repro", "--quiet", cwd=project, PYTHONPATH=str(project / "src"))
    run("git", "commit", "--quiet", "-am", f"Retrain with C={c}", cwd=project)


def release_twice(project: Path, keys: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """v1.0.0 released and deployed to staging, the model retrained, v1.1.0 released: the card
    governed, every record signed with a CI key in `keys` that main trusts (O16N_SIGNING_KEY
    set for what follows)."""
    sign_as_ci(project, keys, monkeypatch)
    complete_the_card(project)
    o16n(project, "release")
    o16n(project, "deploy", "--env", "staging")
    retrain(project, "0.5")
    o16n(project, "release")


def test_release_deploy_promote_rollback(
    bake: Bake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = bake(governance_owners="gov@example.com")
    sign_as_ci(project, tmp_path / "keys", monkeypatch)
    complete_the_card(project)

    code, out = o16n(project, "release")
    assert f"released {MODEL}@v1.0.0 (major)" in out
    assert "signed with SHA256:" in out and "UNSIGNED" not in out
    bundle = project / "releases" / f"{MODEL}@v1.0.0"
    code, out = o16n(project, "verify", f"releases/{MODEL}@v1.0.0")
    assert f"verified {MODEL}@v1.0.0" in out and "signed by o16n-ci@example.com (key SHA256:" in out
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["version"] == "v1.0.0"
    assert set(manifest["files"]) >= {"models/model.joblib", "MODEL_CARD.md", "metrics.json"}
    lock = run("git", "show", "HEAD:dvc.lock", cwd=project).stdout
    assert manifest["files"]["models/model.joblib"]["dvc_md5"] in lock
    assert o16n(project, "release")[1].strip().endswith("is this commit already")

    code, out = o16n(project, "deploy", "--env", "staging")
    assert f"deploy {MODEL} v1.0.0 to staging: desired state committed" in out
    retrain(project, "0.5")
    assert f"released {MODEL}@v1.1.0 (minor)" in o16n(project, "release")[1]
    o16n(project, "deploy", "--env", "staging")
    shutil.rmtree(project / "releases")  # as in CI's production job: a fresh checkout
    code, out = o16n(project, "deploy", "--env", "production", "--from", "staging")
    assert f"deploy {MODEL} v1.1.0 to production" in out
    code, out = o16n(project, "rollback", "--env", "staging")
    assert "roll staging back from v1.1.0 to v1.0.0" in out

    desired = {
        env: (project / "deploy" / env / "desired.yaml").read_text()
        for env in ("staging", "production")
    }
    assert "version: v1.0.0" in desired["staging"]
    assert "version: v1.1.0" in desired["production"]
    tags = set(run("git", "tag", "-l", cwd=project).stdout.split())
    assert {f"{MODEL}@v1.0.0", f"{MODEL}@v1.1.0", f"{MODEL}#production#3"} <= tags
    assert f"{MODEL}#staging#4" in tags

    import gto.api  # GTO reads o16n's registry

    stages = {
        s["stage"]: entry["version"]
        for entry in gto.api.show(str(project), MODEL)
        for s in entry["stages"]
        if s["is_active"]
    }
    assert stages == {"staging": "v1.0.0", "production": "v1.1.0"}
    subjects = run("git", "log", "--format=%s", "-4", cwd=project).stdout.splitlines()
    assert subjects[0] == "[skip ci] roll staging back from v1.1.0 to v1.0.0"
    assert all(s.startswith("[skip ci]") for s in subjects[:3])
    assert run("git", "status", "--porcelain", cwd=project).stdout == ""
    verified = o16n(project, "ledger", "verify")[1]
    assert (
        "4 records, chain intact, signed by keys main:policies/allowed_signers trusts" in verified
    )


def test_a_refused_deploy_is_recorded_and_changes_nothing(
    bake: Bake, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = bake()
    sign_as_ci(project, project.parent / "keys", monkeypatch)
    o16n(project, "release")
    code, out = o16n(project, "deploy", "--env", "production", check=False)
    assert code == 1
    assert "model-card-complete" in out and "refused: recorded as #1" in out
    assert "is not signed" not in out  # the CI key signed the record
    assert not (project / "deploy").exists()
    record = json.loads((project / "ledger" / "decisions.jsonl").read_text())
    assert (record["action"], record["verdict"], record["env"]) == ("refused", "fail", "production")
    assert record["model"] == {"name": MODEL, "version": "v1.0.0"}
    assert run("git", "status", "--porcelain", cwd=project).stdout == ""


def test_bad_deploy_input(bake: Bake) -> None:
    project = bake()
    code, out = o16n(project, "deploy", "--env", "staging", check=False)
    assert code == 2 and f"{MODEL} has no version yet" in out and "o16n release" in out
    code, out = o16n(project, "rollback", "--env", "staging", check=False)
    assert code == 2 and "nothing was ever deployed to staging" in out
    code, out = o16n(project, "deploy", "--env", "staging", "--version", "v9.0.0", check=False)
    assert code == 2 and f"no version 'v9.0.0' of {MODEL}" in out

    # released without a key: said loudly, and no deploy takes it
    done = run(BIN / "o16n", "release", cwd=project)
    assert "WARNING: the release is UNSIGNED: O16N_SIGNING_KEY is not set" in done.stderr
    before = run("git", "rev-parse", "HEAD", cwd=project).stdout
    code, out = o16n(project, "deploy", "--env", "staging", check=False)
    assert code == 1, out
    assert f"refused: deploy {MODEL} v1.0.0 to staging: the release does not verify" in out
    assert "unsigned: the release has no manifest.json.sig" in out
    assert run("git", "rev-parse", "HEAD", cwd=project).stdout == before
    assert not (project / "deploy").exists() and not (project / "ledger").exists()
    code, out = o16n(project, "verify", f"releases/{MODEL}@v1.0.0", check=False)
    assert code == 1 and "unsigned" in out


def test_a_deploy_with_github_is_tracked_as_a_deployment(
    bake: Bake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.github_emulator import GitHubEmulator

    project = bake(governance_owners="gov@example.com")
    sign_as_ci(project, tmp_path / "keys", monkeypatch)
    complete_the_card(project)
    o16n(project, "release")
    commits = {"v1.0.0": run("git", "rev-parse", "HEAD", cwd=project).stdout.strip()}
    token = "ghs_deployToken123"
    with GitHubEmulator(token=token, login="github-actions") as emulator:
        emulator.add_repo("acme", "credit-risk-model")
        emulator.add_run("acme/credit-risk-model", 77, commits["v1.0.0"], event="push")
        actions = {
            "GITHUB_TOKEN": token,
            "GITHUB_REPOSITORY": "acme/credit-risk-model",
            "GITHUB_API_URL": emulator.api_url,
            "GITHUB_SERVER_URL": emulator.url,
            "GITHUB_RUN_ID": "77",
        }

        def deploy(
            env: str, command: str = "deploy", version: str = "v1.0.0", **extra: str
        ) -> tuple[int, str, list[tuple[str, str]]]:
            o16n = [BIN / "o16n", command, "--env", env, "--github"]
            done = run(*o16n, cwd=project, check=False, **actions)
            assert emulator.state.deployments, done.stdout + done.stderr
            newest = max(emulator.state.deployments)
            deployment = emulator.state.deployments[newest]
            assert (deployment["environment"], deployment["sha"]) == (env, commits[version])
            last = json.loads((project / "ledger" / "decisions.jsonl").read_text().split("\n")[-2])
            assert deployment["payload"] == {  # the record, committed by now, that decided it
                "model": MODEL,
                "version": version,
                "target": "local",
                "ledger_seq": last["seq"],
                "ledger_hash": last["hash"],
                **extra,
            }
            committed = run("git", "show", "HEAD:ledger/decisions.jsonl", cwd=project).stdout
            assert last["hash"] in committed
            states = [
                (s["state"], s["description"]) for s in emulator.state.deployment_statuses[newest]
            ]
            assert all(
                s["target_url"].endswith("/actions/runs/77")
                for s in emulator.state.deployment_statuses[newest]
            )
            return done.returncode, done.stdout + done.stderr, states

        code, out, states = deploy("staging")
        assert code == 0, out
        assert states[0] == ("pending", f"o16n deploy {MODEL} v1.0.0: ledger #1")
        assert [s for s, _ in states] == ["pending", "success"]
        assert states[1][1].startswith("v1.0.0 is the desired state")

        # a newer version, then a rollback: a deployment of the version rolled back to
        retrain(project, "0.5")
        o16n(project, "release")
        commits["v1.1.0"] = run("git", "rev-parse", "HEAD", cwd=project).stdout.strip()
        assert deploy("staging", version="v1.1.0")[0] == 0
        code, out, states = deploy("staging", "rollback", rollback_from="v1.1.0")
        assert code == 0, out
        assert [s for s, _ in states] == ["pending", "success"]
        assert states[1][1].startswith("rolled back to v1.0.0")

        # the deploy gate refuses production: the card lost its intended use
        card = project / "model_card.yaml"
        card.write_text(
            card.read_text().replace("use_cases: [Triage of aspirate results]", "use_cases: []")
        )
        run("git", "commit", "--quiet", "-am", "Forget the intended use", cwd=project)
        code, out, states = deploy("production", version="v1.1.0")
        assert code == 1, out
        assert states == [
            ("pending", f"o16n deploy {MODEL} v1.1.0: ledger #4"),
            ("failure", "refused by the deploy gate: model-card-complete"),
        ]

        # every deploy, rollback and refusal and its deployment match, both ways
        code, out = o16n(project, "ledger", "verify", "--github", **actions)
        assert out.endswith(", lineage matches, 4 GitHub deployments match\n"), out

        # an error before the decision is recorded (a pack that does not parse): no
        # deployment at all, since none could name a record
        made = len(emulator.state.deployments)
        pack = project / "policies" / "baseline" / "pack.yaml"
        pack.write_text(pack.read_text() + "\n  - id: [unclosed\n")
        run("git", "commit", "--quiet", "-am", "Break the pack", cwd=project)
        done = run(
            BIN / "o16n",
            "deploy",
            "--env",
            "production",
            "--github",
            cwd=project,
            check=False,
            **actions,
        )
        assert done.returncode == 2, done.stdout + done.stderr
        assert len(emulator.state.deployments) == made
        assert token not in done.stdout + done.stderr
