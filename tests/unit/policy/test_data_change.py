"""A change of the data the model learns from, through the whole gate on a real repository: the
comparisons with the base model say "not comparable" instead of failing, and the new baseline
needs an authenticated governance approval. The attack: an author who changes the target to
escape no-regression still fails the gate without it (self-approval does not count)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest

from o16n.policy import pack
from o16n.policy.facts import Sources
from o16n.policy.run import Judged, judge
from tests.signing import make_key, write_allowed_signers

TODAY = dt.date(2026, 11, 23)
GOV, DEV = "Gov <gov@example.com>", "Dev <dev@example.com>"
DATA = "data:\n  source: data/source/t.csv\n  target: survived\n  positive: 1\n"
DATA += "  numeric: [age, fare]\n  categorical: [pclass]\n"


def git(repo: Path, *args: str, who: str = DEV) -> str:
    name, email = who[:-1].split(" <")
    env = {**os.environ, "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email}
    env |= {"GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email}
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def write(repo: Path, path: str, text: str) -> None:
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text(text)


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    return {name: make_key(tmp_path / "keys", name) for name in ("gov", "dev")}


@pytest.fixture
def repo(tmp_path: Path, keys: dict[str, Path]) -> Path:
    """main: the baseline pack, governance in CODEOWNERS with its key trusted, a model with
    roc_auc 0.95 trained on the declared table."""
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    write(path, "o16n.yaml", "version: 1\nmodel: titanic\nenvironments: [staging]\n")
    write(path, ".github/CODEOWNERS", "* gov@example.com\n/policies/ gov@example.com\n")
    pack.install("baseline", path / "policies")
    write_allowed_signers(
        path, [("gov@example.com", keys["gov"], None), ("dev@example.com", keys["dev"], None)]
    )
    write(path, "params.yaml", DATA)
    write(path, "metrics.json", json.dumps({"roc_auc": 0.95, "f1": 0.9}))
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "start", who=GOV)
    git(path, "switch", "-q", "-c", "change")
    return path


def change(repo: Path, params: str, metrics: dict[str, float]) -> None:
    write(repo, "params.yaml", params)
    write(repo, "metrics.json", json.dumps(metrics))
    git(repo, "commit", "-q", "-am", "retrain")


def approve(repo: Path, key: Path, who: str) -> None:
    """What `o16n approve` commits: an empty commit with the trailer, SSH-signed by `who`."""
    message = f"Approve\n\nApproved-by: {who}\n"
    git(repo, "-c", "gpg.format=ssh", "-c", f"user.signingkey={key}", "commit", "-q",
        "--allow-empty", "-S", "-m", message, who=who)  # fmt: skip


def gate(repo: Path) -> Judged:
    sources = Sources(reproduced=True)
    return judge(repo, stage="pr", base="main", today=TODAY, sources=sources, provider="git")


def outcomes(judged: Judged) -> dict[str, str]:
    return {o.id: o.outcome for o in judged.decision.outcomes}


def test_a_worse_model_on_the_same_data_fails_no_regression(repo: Path) -> None:
    change(repo, DATA.replace("t.csv", "t-2026.csv"), {"roc_auc": 0.80, "f1": 0.9})
    judged = gate(repo)
    assert judged.facts["data"]["changed"] is False  # new rows of the same table compare
    assert outcomes(judged)["no-regression"] == "fail"
    assert outcomes(judged)["new-baseline-approved"] == "pass"


def test_changing_the_target_to_escape_no_regression_still_fails_the_gate(repo: Path) -> None:
    change(repo, DATA.replace("survived", "sex"), {"roc_auc": 0.61, "f1": 0.5})
    judged = gate(repo)
    found = outcomes(judged)
    assert found["no-regression"] == "pass"  # nothing to compare with...
    assert found["new-baseline-approved"] == "fail"  # ...so governance must accept it
    assert not judged.decision.passed
    assert (
        "no-regression: not comparable: the data changed (target: survived -> sex);"
        " new-baseline-approved asks governance to accept the new baseline"
    ) in judged.decision.notes
    failed = next(o for o in judged.decision.outcomes if o.id == "new-baseline-approved")
    assert failed.detail.startswith(
        "the data changed (params.yaml data): target: survived -> sex; governance: gov@example.com"
    )
    assert "merging makes it the new baseline" in failed.message


def test_the_authors_own_signed_approval_does_not_accept_a_new_baseline(
    repo: Path, keys: dict[str, Path]
) -> None:
    change(repo, DATA.replace("survived", "sex"), {"roc_auc": 0.61, "f1": 0.5})
    approve(repo, keys["dev"], DEV)
    judged = gate(repo)
    assert outcomes(judged)["new-baseline-approved"] == "fail"
    failed = next(o for o in judged.decision.outcomes if o.id == "new-baseline-approved")
    assert "not counted: dev@example.com (self-approval" in failed.detail


def test_a_governance_approval_accepts_the_new_baseline(repo: Path, keys: dict[str, Path]) -> None:
    change(repo, DATA.replace("[pclass]", "[pclass, embarked]"), {"roc_auc": 0.7, "f1": 0.5})
    approve(repo, keys["gov"], GOV)
    judged = gate(repo)
    assert judged.facts["data"]["changes"] == ["columns added: embarked"]
    assert outcomes(judged)["new-baseline-approved"] == "pass"
    assert outcomes(judged)["no-regression"] == "pass"


def test_once_merged_the_new_model_is_the_baseline(repo: Path, keys: dict[str, Path]) -> None:
    change(repo, DATA.replace("survived", "sex"), {"roc_auc": 0.61, "f1": 0.5})
    approve(repo, keys["gov"], GOV)
    git(repo, "switch", "-q", "main")
    git(repo, "merge", "-q", "--ff-only", "change")
    git(repo, "switch", "-q", "-c", "next")
    change(repo, DATA.replace("survived", "sex"), {"roc_auc": 0.55, "f1": 0.5})
    judged = gate(repo)
    assert judged.facts["data"]["changed"] is False
    assert outcomes(judged)["no-regression"] == "fail"  # 0.61 -> 0.55 on the same data


def test_at_deploy_a_merged_data_change_without_governance_fails(repo: Path) -> None:
    change(repo, DATA.replace("survived", "sex"), {"roc_auc": 0.61, "f1": 0.5})
    git(repo, "switch", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge change", "change")
    sources = Sources(reproduced=True)
    judged = judge(repo, stage="deploy", env="staging", today=TODAY, sources=sources)
    assert judged.facts["data"]["changes"] == ["target: survived -> sex"]
    assert outcomes(judged)["new-baseline-approved"] == "fail"
    assert outcomes(judged)["no-regression"] == "pass"
