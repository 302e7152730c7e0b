"""adapters.dvc.lineage: dvc.lock read into outputs, inputs and params, from a file or a commit."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from o16n.adapters.dvc import lineage
from o16n.errors import ConfigError
from tests.pipeline_repo import LOCK, commit_pipeline, make_repo
from tests.pipeline_repo import git as sh

DATA, MODEL = "1" * 32, "2" * 32
PREPARE_SRC = "5f0c9b2e1a7d4c3b8e6f1a2b3c4d5e6f"  # pipeline_repo.LOCK's dependency

FULL_LOCK = """\
schema: '2.0'
stages:
  prepare:
    cmd: python -m model.prepare
    deps:
    - path: data/raw
      md5: aaaa0000aaaa0000aaaa0000aaaa0000.dir
      size: 10
      nfiles: 2
    - path: src/model/prepare.py
      md5: bbbb
    params:
      params.yaml:
        prepare:
          seed: 42
          test_size: 0.25
    outs:
    - path: data/prepared/train.csv
      md5: cccc
  train:
    cmd: python -m model.train
    deps:
    - path: data/prepared/train.csv
      md5: cccc
    - path: s3://bucket/extra.csv
      etag: dddd
    params:
      params.yaml:
        train:
          C: 1.0
      other.yaml:
        epochs: 3
    outs:
    - path: models/model.joblib
      md5: eeee
    - path: models/reference_profile.json
      md5: ffff
  evaluate:
    cmd: python -m model.evaluate
    deps:
    - path: models/model.joblib
      md5: eeee
    outs:
    - path: metrics.json
      md5: 9999
    - path: data/predictions/test.csv
      checksum: '8888'
"""


def test_outs_hold_every_output_sorted_by_path() -> None:
    found = lineage.parse(FULL_LOCK)
    assert found.outs == {
        "data/predictions/test.csv": "8888",
        "data/prepared/train.csv": "cccc",
        "metrics.json": "9999",
        "models/model.joblib": "eeee",
        "models/reference_profile.json": "ffff",
    }
    assert list(found.outs) == sorted(found.outs)


def test_deps_are_the_inputs_that_no_stage_produces() -> None:
    found = lineage.parse(FULL_LOCK)
    assert found.deps == {
        "data/raw": "aaaa0000aaaa0000aaaa0000aaaa0000.dir",
        "s3://bucket/extra.csv": "dddd",
        "src/model/prepare.py": "bbbb",
    }


def test_data_and_model_are_the_outputs_under_their_folders() -> None:
    found = lineage.parse(FULL_LOCK)
    assert found.data == {"data/predictions/test.csv": "8888", "data/prepared/train.csv": "cccc"}
    assert found.model == {"models/model.joblib": "eeee", "models/reference_profile.json": "ffff"}


def test_params_of_every_stage_and_params_file_are_merged() -> None:
    assert lineage.parse(FULL_LOCK).params == {
        "epochs": 3,
        "prepare": {"seed": 42, "test_size": 0.25},
        "train": {"C": 1.0},
    }


def test_the_pipeline_repo_lock_parses_as_dvc_wrote_it() -> None:
    found = lineage.parse(LOCK.format(data=DATA, model=MODEL, c=1.0))
    assert found.outs == {"data/raw/dataset.csv": DATA, "models/model.joblib": MODEL}
    assert found.deps == {"src/model/prepare.py": PREPARE_SRC}
    assert found.params == {"train": {"C": 1.0}}


def test_params_hash_does_not_depend_on_key_order() -> None:
    reordered = FULL_LOCK.replace(
        "          seed: 42\n          test_size: 0.25\n",
        "          test_size: 0.25\n          seed: 42\n",
    )
    assert reordered != FULL_LOCK
    assert lineage.parse(reordered).params_hash == lineage.parse(FULL_LOCK).params_hash


def test_params_hash_changes_with_a_value() -> None:
    changed = FULL_LOCK.replace("C: 1.0", "C: 0.5")
    assert lineage.parse(changed).params_hash != lineage.parse(FULL_LOCK).params_hash


def test_params_hash_is_the_digest_of_the_params() -> None:
    found = lineage.parse(FULL_LOCK)
    assert found.params_hash == lineage.digest(found.params)


def test_digest_is_sha256_of_canonical_json() -> None:
    expected = hashlib.sha256(b'{"a":[1,2.5],"b":{"c":null,"d":true}}').hexdigest()
    assert lineage.digest({"b": {"d": True, "c": None}, "a": [1, 2.5]}) == expected


def test_digest_keeps_non_ascii_text_as_utf8() -> None:
    assert (
        lineage.digest({"city": "Zürich"})
        == hashlib.sha256('{"city":"Zürich"}'.encode()).hexdigest()
    )


def test_digest_of_different_values_differs() -> None:
    assert lineage.digest({"a": 1}) != lineage.digest({"a": 2})
    assert lineage.digest([1, 2]) != lineage.digest([2, 1])  # lists keep their order


def test_an_empty_lineage_has_no_outputs_and_a_stable_params_hash() -> None:
    empty = lineage.Lineage()
    assert (empty.outs, empty.deps, empty.data, empty.model) == ({}, {}, {}, {})
    assert empty.params_hash == lineage.digest({})


def test_a_stage_without_outs_deps_or_params_is_fine() -> None:
    found = lineage.parse("schema: '2.0'\nstages:\n  noop:\n    cmd: 'true'\n")
    assert found == lineage.Lineage()


def test_invalid_yaml_is_a_config_error_naming_the_source() -> None:
    with pytest.raises(ConfigError, match=r"^HEAD:dvc.lock: invalid YAML") as caught:
        lineage.parse("stages: [unclosed\n", "HEAD:dvc.lock")
    assert caught.value.file == "HEAD:dvc.lock"


@pytest.mark.parametrize("text", ["", "schema: '2.0'\n", "stages: [a, b]\n", "- a list\n"])
def test_a_lock_without_a_stages_mapping_is_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError, match="no `stages` mapping") as caught:
        lineage.parse(text)
    assert caught.value.file == "dvc.lock"
    assert caught.value.hint == "regenerate it with `dvc repro`"


def test_of_project_reads_the_work_trees_lock(tmp_path: Path) -> None:
    (tmp_path / "dvc.lock").write_text(FULL_LOCK)
    assert lineage.of_project(tmp_path) == lineage.parse(FULL_LOCK)


def test_of_project_without_a_lock_says_to_run_the_pipeline(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no dvc.lock: the pipeline has not run") as caught:
        lineage.of_project(tmp_path)
    assert caught.value.file == tmp_path / "dvc.lock"
    assert caught.value.hint == "run `dvc repro`"


def test_at_revision_reads_the_lock_committed_then(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    first = commit_pipeline(repo, data=DATA, model=MODEL, c=1.0)
    second = commit_pipeline(repo, data="3" * 32, model="4" * 32, c=0.5)
    (repo / "dvc.lock").write_text(FULL_LOCK)  # uncommitted: not what any commit has
    old, new = lineage.at_revision(repo, first), lineage.at_revision(repo, second)
    assert old is not None and new is not None
    assert old.model == {"models/model.joblib": MODEL}
    assert new.model == {"models/model.joblib": "4" * 32}
    assert old.params == {"train": {"C": 1.0}} and new.params == {"train": {"C": 0.5}}
    assert lineage.at_revision(repo, "HEAD") == new
    assert lineage.at_revision(repo, "HEAD~1") == old


def test_at_revision_of_a_commit_without_a_lock_is_none(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / "README.md").write_text("no pipeline yet\n")
    sh(repo, "add", "README.md")
    sh(repo, "commit", "-q", "-m", "start")
    commit_pipeline(repo, data=DATA, model=MODEL)
    assert lineage.at_revision(repo, "HEAD~1") is None
    assert lineage.at_revision(repo, "no-such-revision") is None


def test_at_revision_of_a_broken_lock_names_the_revision(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / "dvc.lock").write_text("schema: '2.0'\n")
    sh(repo, "add", "dvc.lock")
    sh(repo, "commit", "-q", "-m", "broken")
    with pytest.raises(ConfigError, match=r"^main:dvc.lock: no `stages` mapping"):
        lineage.at_revision(repo, "main")
