"""policy.run.judge, the one gate flow, on a small real repository: the pack o16n.yaml names over
the facts, the record for the ledger, and a deploy candidate whose model the checkout must hold."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from o16n.errors import ConfigError, UsageError
from o16n.policy import pack
from o16n.policy.facts import Sources
from o16n.policy.run import Candidate, judge
from tests.pipeline_repo import commit_pipeline, make_repo
from tests.pipeline_repo import git as sh

DATA, MODEL = "1" * 32, "2" * 32
TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """main: o16n.yaml, the baseline pack in policies/, and one pipeline run."""
    path = make_repo(tmp_path / "repo")
    (path / "o16n.yaml").write_text(
        "version: 1\nmodel: churn\nenvironments: [staging, production]\npolicy_pack: baseline\n"
    )
    pack.install("baseline", path / "policies")
    sh(path, "add", "-A")
    sh(path, "commit", "-q", "-m", "Governance: the pack and o16n.yaml")
    commit_pipeline(path, data=DATA, model=MODEL, metrics={"roc_auc": 0.95})
    return path


def candidate(model: str = MODEL) -> Candidate:
    return Candidate("churn", "v1.0.0", "f" * 40, {"models/model.joblib": model})


def test_a_pull_request_is_judged_by_the_pack_o16n_yaml_names(repo: Path) -> None:
    judged = judge(repo, stage="pr", base="main", today=TODAY, sources=Sources(reproduced=True))
    assert judged.pack.name == "baseline"
    assert judged.decision.stage == "pr" and judged.decision.outcomes
    assert judged.record["stage"] == "pr" and judged.record["verdict"] == judged.decision.verdict
    assert judged.record["inputs"]["pack"] == "baseline"
    assert judged.facts["metrics"] == {"roc_auc": 0.95}


def test_a_deploy_candidate_names_the_version_judged(repo: Path) -> None:
    judged = judge(
        repo,
        stage="deploy",
        env="staging",
        today=TODAY,
        sources=Sources(reproduced=True),
        candidate=candidate(),
    )
    assert judged.facts["model"]["version"] == "v1.0.0"
    assert judged.record["model"] == {"name": "churn", "version": "v1.0.0"}
    assert judged.record["env"] == "staging"


def test_the_gate_judges_only_the_model_the_checkout_holds(repo: Path) -> None:
    with pytest.raises(UsageError, match="not churn@v1.0.0's") as raised:
        judge(repo, stage="deploy", env="staging", today=TODAY, candidate=candidate("3" * 32))
    assert raised.value.hint == f"check out {'f' * 12} (or a later commit with the same model)"


def test_a_deploy_stage_needs_an_environment_of_o16n_yaml(repo: Path) -> None:
    with pytest.raises(UsageError, match="--stage deploy needs --env ENV"):
        judge(repo, stage="deploy", today=TODAY)
    with pytest.raises(UsageError, match="'qa' is not an environment"):
        judge(repo, stage="deploy", env="qa", today=TODAY)


def test_a_pack_o16n_yaml_names_but_policies_lacks_is_a_config_error(repo: Path) -> None:
    (repo / "o16n.yaml").write_text("version: 1\nmodel: churn\npolicy_pack: strict\n")
    with pytest.raises(ConfigError, match="o16n.yaml:3: policy_pack: policy pack 'strict' not"):
        judge(repo, stage="pr", base="main", today=TODAY)  # the change's own choice is loaded
    sh(repo, "commit", "-qam", "Choose a pack that is not there")
    with pytest.raises(ConfigError, match=r"[0-9a-f]{7}:o16n.yaml:3: policy_pack: policy pack 's"):
        judge(repo, stage="pr", base="HEAD", today=TODAY)  # in force: named as committed
