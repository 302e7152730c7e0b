"""Every way to generate a project works and records where it came from (.cruft.json):
cookiecutter from a relative path, an absolute path and a git URL, `cruft create`, `o16n new`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import BIN, ROOT, cookiecutter, cruft_state, run

pytestmark = pytest.mark.slow
TEMPLATE_FILES = ["cookiecutter.json", "hooks", "{{cookiecutter.project_slug}}"]


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository holding the template, as users clone it."""
    repo = tmp_path_factory.mktemp("template") / "o16n.git"  # cookiecutter knows git URLs by "git"
    repo.mkdir()
    for name in TEMPLATE_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, repo / name)
    run("git", "init", "--quiet", "--initial-branch=main", cwd=repo)
    run("git", "add", "--all", cwd=repo)
    run("git", "commit", "--quiet", "-m", "template", cwd=repo)
    return repo


def head(repo: Path) -> str:
    return run("git", "rev-parse", "HEAD", cwd=repo).stdout.strip()


def assert_clean(project: Path) -> None:
    assert run("git", "status", "--porcelain", cwd=project).stdout == ""
    assert len(run("git", "log", "--oneline", cwd=project).stdout.splitlines()) == 1


def test_cookiecutter_from_a_relative_path(tmp_path: Path, template_repo: Path) -> None:
    done = cookiecutter("o16n.git", tmp_path, cwd=template_repo.parent)
    assert done.returncode == 0, done.stderr
    project = tmp_path / "credit-risk-model"
    assert_clean(project)
    state = cruft_state(project)
    assert state["template"] == str(template_repo)
    assert state["commit"] == head(template_repo)


def test_cookiecutter_from_an_absolute_path(tmp_path: Path, template_repo: Path) -> None:
    done = cookiecutter(template_repo, tmp_path, model_kind="regression")
    assert done.returncode == 0, done.stderr
    project = tmp_path / "credit-risk-model"
    assert_clean(project)
    assert cruft_state(project)["template"] == str(template_repo)
    assert (project / "plots" / "residuals.json").is_file()


def test_cookiecutter_from_a_git_url_then_cruft_check(tmp_path: Path, template_repo: Path) -> None:
    url = f"file://{template_repo}"
    done = cookiecutter(url, tmp_path)
    assert done.returncode == 0, done.stderr
    project = tmp_path / "credit-risk-model"
    assert_clean(project)
    state = cruft_state(project)
    assert (state["template"], state["commit"]) == (url, head(template_repo))
    assert run(BIN / "cruft", "check", cwd=project).returncode == 0


def test_cruft_create_leaves_a_clean_repository_that_cruft_checks(
    tmp_path: Path, template_repo: Path
) -> None:
    url = f"file://{template_repo}"
    run(BIN / "cruft", "create", "--no-input", "--output-dir", tmp_path, url, cwd=tmp_path)
    project = tmp_path / "credit-risk-model"
    # cruft rewrites .cruft.json after the hook's first commit: the hook wrote the same bytes.
    assert_clean(project)
    assert cruft_state(project)["commit"] == head(template_repo)
    assert run(BIN / "cruft", "check", cwd=project).returncode == 0


def test_o16n_new_with_answers(tmp_path: Path) -> None:
    done = run(
        BIN / "o16n",
        "new",
        "--no-input",
        "-o",
        tmp_path,
        "project_name=Fraud Score",
        "model_kind=regression",
        "license=Proprietary",
        cwd=tmp_path,
    )
    project = tmp_path / "fraud-score"
    assert f"generated {project}" in done.stdout
    assert_clean(project)
    assert (project / "src" / "fraud_score" / "train.py").is_file()
    assert not (project / "LICENSE").exists()
    state = cruft_state(project)
    assert state["template"] == str(ROOT)
    # generated from a checkout: the project installs o16n from that checkout
    spec = (project / "requirements-o16n.txt").read_text().splitlines()[-1]
    assert spec == str(state["template"])


def test_o16n_new_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "credit-risk-model").mkdir()
    done = run(BIN / "o16n", "new", "--no-input", "-o", tmp_path, cwd=tmp_path, check=False)
    assert done.returncode == 2
    assert "cannot generate" in done.stderr
