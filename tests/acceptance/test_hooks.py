"""pre_gen_project rejects every bad answer with its message, before anything is written;
post_gen_project names the step that failed and leaves no half-initialized repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT, cookiecutter

BAD_ANSWERS = [
    ({"project_name": " ", "project_slug": "blank"}, "project_name is empty"),
    ({"project_slug": "My Project"}, "project_slug 'My Project' is not a valid slug"),
    ({"project_slug": "-lead"}, "project_slug '-lead' is not a valid slug"),
    ({"package_name": "my-model"}, "package_name 'my-model' is not a valid Python identifier"),
    ({"package_name": "2fast"}, "package_name '2fast' is not a valid Python identifier"),
    ({"package_name": "class"}, "package_name 'class' is not a valid Python identifier"),
    ({"package_name": "json"}, "package_name 'json' would shadow the module of the same name"),
    (
        {"package_name": "sklearn"},
        "package_name 'sklearn' would shadow the module of the same name",
    ),
    ({"owner": "not an org"}, "owner 'not an org' is not a GitHub user or organization name"),
    ({"owner": "a--b-"}, "owner 'a--b-' is not a GitHub user or organization name"),
    (
        {"governance_owners": "governance"},
        "governance_owners 'governance' is not a list of code owners",
    ),
    ({"dvc_remote": "s3"}, "dvc_remote_url is empty but dvc_remote is 's3'"),
    (
        {"dvc_remote": "gcs", "dvc_remote_url": "s3://bucket/x"},
        "dvc_remote_url 's3://bucket/x' does not match dvc_remote 'gcs'",
    ),
    (
        {"dvc_remote": "ssh", "dvc_remote_url": "ssh://"},
        "dvc_remote_url 'ssh://' does not match dvc_remote 'ssh'",
    ),
    ({"dvc_remote_url": "relative/dir"}, "dvc_remote_url 'relative/dir' is relative"),
]


@pytest.mark.parametrize(("answers", "message"), BAD_ANSWERS, ids=[m for _, m in BAD_ANSWERS])
def test_bad_answer_is_rejected_before_anything_is_written(
    tmp_path: Path, answers: dict[str, str], message: str
) -> None:
    done = cookiecutter(ROOT, tmp_path, **answers)
    assert done.returncode != 0
    assert f"error: {message}" in done.stderr
    assert "Fix: " in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    done = cookiecutter(
        ROOT, tmp_path, package_name="x-y", owner="-", governance_owners="@ok", dvc_remote="azure"
    )
    assert done.stderr.count("error: ") == 3


def test_choice_outside_the_options_is_rejected(tmp_path: Path) -> None:
    done = cookiecutter(ROOT, tmp_path, model_kind="clustering")
    assert done.returncode != 0
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_failed_post_gen_step_is_named_and_leaves_nothing_behind(tmp_path: Path) -> None:
    inside = tmp_path / "credit-risk-model" / "remote"
    done = cookiecutter(ROOT, tmp_path, dvc_remote_url=str(inside))
    assert done.returncode != 0
    assert "error: post_gen_project: step 'dvc remote'" in done.stderr
    assert (
        "is inside the repository. Fix: give dvc_remote_url a directory outside it." in done.stderr
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_missing_git_is_named(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    import sys

    (bin_dir / "python").symlink_to(sys.executable)
    out = tmp_path / "out"
    from tests.conftest import BIN, run

    done = run(
        BIN / "cookiecutter",
        "--no-input",
        "-o",
        out,
        ROOT,
        cwd=ROOT,
        check=False,
        PATH=str(bin_dir),
    )
    assert done.returncode != 0
    assert "step 'git init': `git` is not installed" in done.stderr
    assert not out.exists() or list(out.iterdir()) == []
