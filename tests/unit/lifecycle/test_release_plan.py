"""lifecycle.release: the next version, and the bump the change since the latest one calls for.

Schema change -> major; other data or params -> minor; any other model change -> patch; the same
model -> nothing to release. Real git repositories with handcrafted dvc.lock commits, real GTO.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from o16n.adapters import gto
from o16n.errors import UsageError
from o16n.lifecycle import release
from tests.pipeline_repo import commit_pipeline, make_repo
from tests.pipeline_repo import git as sh

MODEL = "credit-risk-model"
DATA, OTHER_DATA = "1" * 32, "3" * 32
M1, M2 = "2" * 32, "4" * 32
SCHEMA = {"age": "numeric", "city": "categorical"}

PREDICTIONS_LOCK = """\
schema: '2.0'
stages:
  train:
    cmd: python -m model.train
    outs:
    - path: data/prepared/train.csv
      md5: {data}
    - path: models/model.joblib
      md5: {model}
  evaluate:
    cmd: python -m model.evaluate
    outs:
    - path: data/predictions/test.csv
      md5: {predictions}
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


def commit_profile(repo: Path, schema: dict[str, str]) -> None:
    """models/reference_profile.json in git (its schema is what the bump compares)."""
    (repo / "models").mkdir(exist_ok=True)
    (repo / release.PROFILE).write_text(json.dumps({"schema": schema, "columns": {}}))
    sh(repo, "add", release.PROFILE)
    sh(repo, "commit", "-q", "-m", "profile")


def commit_predictions_lock(repo: Path, *, data: str, model: str, predictions: str) -> str:
    (repo / "dvc.lock").write_text(
        PREDICTIONS_LOCK.format(data=data, model=model, predictions=predictions)
    )
    sh(repo, "add", "dvc.lock")
    sh(repo, "commit", "-q", "-m", "retrain")
    return sh(repo, "rev-parse", "HEAD")


def v(name: str) -> gto.Version:
    return gto.Version(name, "0" * 40)


# ---- next_version ----------------------------------------------------------------------------


@pytest.mark.parametrize("bump", release.BUMPS)
def test_the_first_version_is_1_0_0_whatever_the_bump(bump: str) -> None:
    assert release.next_version(None, bump) == "v1.0.0"


@pytest.mark.parametrize(
    ("bump", "expected"), [("major", "v2.0.0"), ("minor", "v1.3.0"), ("patch", "v1.2.4")]
)
def test_a_bump_raises_its_part_and_resets_the_smaller_ones(bump: str, expected: str) -> None:
    assert release.next_version(v("v1.2.3"), bump) == expected


def test_parts_count_past_nine() -> None:
    assert release.next_version(v("v1.9.9"), "patch") == "v1.9.10"
    assert release.next_version(v("v1.9.9"), "minor") == "v1.10.0"


@pytest.mark.parametrize("current", [None, v("v1.0.0")])
def test_an_unknown_bump_is_a_usage_error(current: gto.Version | None) -> None:
    with pytest.raises(UsageError, match=r"--bump must be one of major, minor, patch, not 'huge'"):
        release.next_version(current, "huge")


# ---- bump_for ----------------------------------------------------------------------------------


def test_the_same_model_needs_no_release(repo: Path) -> None:
    since = commit_pipeline(repo, data=DATA, model=M1)
    commit_pipeline(repo, data=OTHER_DATA, model=M1, c=0.5)  # inputs moved, the model did not
    assert release.bump_for(repo, since) is None


def test_a_model_retrained_on_other_data_is_a_minor_bump(repo: Path) -> None:
    since = commit_pipeline(repo, data=DATA, model=M1)
    commit_pipeline(repo, data=OTHER_DATA, model=M2)
    assert release.bump_for(repo, since) == "minor"


def test_a_model_retrained_with_other_params_is_a_minor_bump(repo: Path) -> None:
    since = commit_pipeline(repo, data=DATA, model=M1, c=1.0)
    commit_pipeline(repo, data=DATA, model=M2, c=0.5)
    assert release.bump_for(repo, since) == "minor"


def test_a_model_changed_with_the_same_data_and_params_is_a_patch(repo: Path) -> None:
    since = commit_pipeline(repo, data=DATA, model=M1)
    commit_pipeline(repo, data=DATA, model=M2)  # e.g. the training code changed
    assert release.bump_for(repo, since) == "patch"


def test_a_changed_input_schema_is_a_major_bump(repo: Path) -> None:
    commit_profile(repo, SCHEMA)
    since = commit_pipeline(repo, data=DATA, model=M1)
    commit_profile(repo, {**SCHEMA, "income": "numeric"})
    commit_pipeline(repo, data=OTHER_DATA, model=M2)
    assert release.bump_for(repo, since) == "major"


def test_a_column_whose_kind_changed_is_a_schema_change(repo: Path) -> None:
    commit_profile(repo, SCHEMA)
    since = commit_pipeline(repo, data=DATA, model=M1)
    commit_profile(repo, {**SCHEMA, "city": "numeric"})
    commit_pipeline(repo, data=DATA, model=M2)
    assert release.bump_for(repo, since) == "major"


def test_the_same_schema_leaves_the_other_rules_to_decide(repo: Path) -> None:
    commit_profile(repo, SCHEMA)
    since = commit_pipeline(repo, data=DATA, model=M1)
    commit_pipeline(repo, data=OTHER_DATA, model=M2)
    assert release.bump_for(repo, since) == "minor"


def test_a_schema_change_with_the_same_model_needs_no_release(repo: Path) -> None:
    commit_profile(repo, SCHEMA)
    since = commit_pipeline(repo, data=DATA, model=M1)
    commit_profile(repo, {"other": "numeric"})
    commit_pipeline(repo, data=DATA, model=M1, metrics={"accuracy": 0.91})
    assert release.bump_for(repo, since) is None


def test_a_schema_known_on_one_side_only_is_not_a_schema_change(repo: Path) -> None:
    since = commit_pipeline(repo, data=DATA, model=M1)  # no profile in git then
    commit_profile(repo, SCHEMA)
    commit_pipeline(repo, data=DATA, model=M2)
    assert release.bump_for(repo, since) == "patch"


def test_new_predictions_are_not_new_inputs(repo: Path) -> None:
    since = commit_predictions_lock(repo, data=DATA, model=M1, predictions="5" * 32)
    commit_predictions_lock(repo, data=DATA, model=M2, predictions="6" * 32)
    assert release.bump_for(repo, since) == "patch"


def test_a_first_lock_since_a_commit_without_one_is_a_major_bump(repo: Path) -> None:
    (repo / "README.md").write_text("start\n")
    sh(repo, "add", "README.md")
    sh(repo, "commit", "-q", "-m", "start")
    since = sh(repo, "rev-parse", "HEAD")
    commit_pipeline(repo, data=DATA, model=M1)
    assert release.bump_for(repo, since) == "major"


def test_no_lock_at_head_needs_no_release(repo: Path) -> None:
    since = commit_pipeline(repo, data=DATA, model=M1)
    sh(repo, "rm", "-q", "dvc.lock")
    sh(repo, "commit", "-q", "-m", "drop the pipeline")
    assert release.bump_for(repo, since) is None


def test_bump_for_compares_with_the_head_given(repo: Path) -> None:
    since = commit_pipeline(repo, data=DATA, model=M1)
    middle = commit_pipeline(repo, data=DATA, model=M2)
    commit_pipeline(repo, data=OTHER_DATA, model=M1)
    assert release.bump_for(repo, since, middle) == "patch"
    assert release.bump_for(repo, since) is None


# ---- plan --------------------------------------------------------------------------------------


def test_the_first_release_is_a_major_1_0_0(repo: Path) -> None:
    head = commit_pipeline(repo, data=DATA, model=M1)
    assert release.plan(repo, MODEL) == release.Plan(
        MODEL, head, latest=None, already=None, bump="major", version="v1.0.0"
    )


def test_a_commit_already_released_is_not_released_again(repo: Path) -> None:
    head = commit_pipeline(repo, data=DATA, model=M1)
    gto.register(repo, MODEL, "v1.0.0", "release")
    planned = release.plan(repo, MODEL, bump="minor")
    assert planned.already == gto.Version("v1.0.0", head)
    assert planned.latest == gto.Version("v1.0.0", head)
    assert planned.version is None and planned.bump is None


def test_the_next_version_follows_the_change_since_the_latest(repo: Path) -> None:
    first = commit_pipeline(repo, data=DATA, model=M1)
    gto.register(repo, MODEL, "v1.0.0", "release")
    head = commit_pipeline(repo, data=OTHER_DATA, model=M2)
    assert release.plan(repo, MODEL) == release.Plan(
        MODEL, head, gto.Version("v1.0.0", first), None, "minor", "v1.1.0"
    )


def test_the_latest_version_is_the_highest_not_the_last_registered(repo: Path) -> None:
    commit_pipeline(repo, data=DATA, model=M1)
    gto.register(repo, MODEL, "v1.10.0", "release")
    commit_pipeline(repo, data=DATA, model=M2, c=0.5)
    gto.register(repo, MODEL, "v1.9.0", "release")  # a back-port, registered later
    commit_pipeline(repo, data=DATA, model="5" * 32, c=1.0)
    planned = release.plan(repo, MODEL)
    assert planned.latest is not None and planned.latest.name == "v1.10.0"
    assert planned.version == "v1.10.1"  # only the model differs from v1.10.0's (C as then)


def test_the_same_model_at_a_new_commit_plans_nothing(repo: Path) -> None:
    first = commit_pipeline(repo, data=DATA, model=M1)
    gto.register(repo, MODEL, "v1.0.0", "release")
    head = commit_pipeline(repo, data=DATA, model=M1, metrics={"accuracy": 0.91})
    assert release.plan(repo, MODEL) == release.Plan(MODEL, head, gto.Version("v1.0.0", first))


def test_a_given_bump_overrides_the_computed_one(repo: Path) -> None:
    commit_pipeline(repo, data=DATA, model=M1)
    gto.register(repo, MODEL, "v1.0.0", "release")
    commit_pipeline(repo, data=OTHER_DATA, model=M2)
    planned = release.plan(repo, MODEL, bump="patch")
    assert (planned.bump, planned.version) == ("patch", "v1.0.1")


def test_a_given_bump_releases_even_the_same_model(repo: Path) -> None:
    commit_pipeline(repo, data=DATA, model=M1)
    gto.register(repo, MODEL, "v1.0.0", "release")
    commit_pipeline(repo, data=DATA, model=M1, metrics={"accuracy": 0.91})
    planned = release.plan(repo, MODEL, bump="major")
    assert (planned.bump, planned.version) == ("major", "v2.0.0")


def test_a_given_version_of_the_same_model_is_released_as_set(repo: Path) -> None:
    commit_pipeline(repo, data=DATA, model=M1)
    gto.register(repo, MODEL, "v1.0.0", "release")
    commit_pipeline(repo, data=DATA, model=M1, metrics={"accuracy": 0.91})
    planned = release.plan(repo, MODEL, version="v3.0.0")
    assert (planned.bump, planned.version) == (None, "v3.0.0")


def test_a_given_version_of_a_changed_model_keeps_the_bump_the_change_calls_for(
    repo: Path,
) -> None:
    # `o16n release --version v3.0.0` says "(minor)" when the data changed: what the change was.
    commit_pipeline(repo, data=DATA, model=M1)
    gto.register(repo, MODEL, "v1.0.0", "release")
    commit_pipeline(repo, data=OTHER_DATA, model=M2)
    planned = release.plan(repo, MODEL, version="v3.0.0")
    assert (planned.bump, planned.version) == ("minor", "v3.0.0")


# ---- the data section of params.yaml: the one definition the gate shares ---------------------

DATA_SECTION = (
    "data:\n  target: sex\n  positive: male\n  numeric: [bill]\n  categorical: [island]\n"
)


def commit_params(repo: Path, text: str) -> None:
    (repo / "params.yaml").write_text(text)
    sh(repo, "add", "params.yaml")
    sh(repo, "commit", "-q", "-m", "params")


def test_a_new_target_in_params_is_a_major_bump(repo: Path) -> None:
    commit_params(repo, DATA_SECTION)
    since = commit_pipeline(repo, data=DATA, model=M1)
    commit_params(repo, DATA_SECTION.replace("sex", "species"))
    commit_pipeline(repo, data=OTHER_DATA, model=M2)
    assert release.data_changes(repo, since).changes == ("target: sex -> species",)
    assert release.bump_for(repo, since) == "major"


def test_new_rows_of_the_same_table_are_a_minor_bump(repo: Path) -> None:
    commit_params(repo, DATA_SECTION + "  source: data/source/a.csv\n")
    since = commit_pipeline(repo, data=DATA, model=M1)
    commit_params(repo, DATA_SECTION + "  source: data/source/b.csv\n  drop: [year]\n")
    commit_pipeline(repo, data=OTHER_DATA, model=M2)
    assert release.bump_for(repo, since) == "minor"


def test_a_malformed_version_is_refused_before_anything_is_written(repo: Path) -> None:
    """`--version 9.9.9` once wrote a whole bundle, then failed; a rerun said it existed."""
    commit_pipeline(repo, data=DATA, model=M1)
    with pytest.raises(UsageError, match=r"--version '9.9.9' is not vMAJOR.MINOR.PATCH") as caught:
        release.plan(repo, MODEL, version="9.9.9")
    assert "e.g. v9.9.9" in str(caught.value)
    planned = release.plan(repo, MODEL, version="v9.9.9")
    bad = release.Plan(planned.model, planned.head, planned.latest, None, "patch", "9.9.9")
    destination = repo / "releases"
    with pytest.raises(UsageError):
        release.release(repo, bad, destination, None, repo / "reports", None)
    assert not destination.exists() or not any(destination.iterdir())
