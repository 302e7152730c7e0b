"""`o16n check` on a generated project: what a pull request gets, with one report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import BIN, Bake, run

pytestmark = pytest.mark.slow


def check(project: Path, *args: str, **env: str) -> tuple[int, str]:
    done = run(BIN / "o16n", "check", *args, cwd=project, check=False, **env)
    return done.returncode, done.stdout + done.stderr


def steps(project: Path) -> dict[str, str]:
    report = json.loads((project / "reports" / "check.json").read_text())
    return {step["name"]: step["status"] for step in report["steps"]}


def test_fresh_project_passes_and_writes_one_report(bake: Bake, tmp_path: Path) -> None:
    project = bake()
    summary = tmp_path / "summary.md"
    # Through the generated Makefile, as a user and pr.yml run it.
    done = run("make", "check", f"BIN={BIN}", cwd=project, GITHUB_STEP_SUMMARY=str(summary))
    assert "check passed" in done.stdout
    names = ["lint", "tests", "repro", "lock", "metrics", "health", "kpi", "gate"]
    assert steps(project) == dict.fromkeys(names, "passed")
    for name in ("health.md", "health.json", "health.html", "decision.json", "facts.json"):
        assert (project / "reports" / name).is_file()
    page = (project / "reports" / "check.html").read_text()
    assert 'aria-label="warning"' in page  # the gate's ⚠️, drawn as an SVG icon
    assert "policy gate (baseline, pr): passed with warnings</h3>" in page and "⚠" not in page
    assert "<h1>o16n health report</h1>" in page and "<script" not in page
    markdown = (project / "reports" / "check.md").read_text()
    assert markdown.startswith("<!-- o16n-report -->\n## o16n check: ✅ passed")
    assert "| accuracy | 0.986 | 0.986 | 0 |" in markdown
    assert summary.read_text() == markdown
    assert run("git", "status", "--porcelain", cwd=project).stdout == ""  # reports/ is ignored


def test_params_change_without_repro_fails_then_passes_with_the_metrics_diff(bake: Bake) -> None:
    project = bake()
    run("git", "switch", "--quiet", "-c", "weaker", cwd=project)
    params = project / "params.yaml"
    params.write_text(params.read_text().replace("C: 1.0", "C: 0.001"))
    run("git", "commit", "--quiet", "-am", "Regularize harder", cwd=project)

    code, out = check(project, "--skip", "lint", "--skip", "tests")
    assert code == 1
    assert steps(project)["lock"] == "failed"
    assert "dvc.lock is not current" in out
    assert "Fix: run `make repro`, then commit dvc.lock, metrics.json and plots/." in out

    run("git", "commit", "--quiet", "-am", "Reproduce", cwd=project)  # check already reproduced
    # (weaker on purpose: health's no-regression trigger and the gate would fail it; see below)
    skips = ["--skip", "lint", "--skip", "tests", "--skip", "health", "--skip", "gate"]
    code, out = check(project, *skips)
    assert code == 0, out
    report = json.loads((project / "reports" / "check.json").read_text())
    accuracy = next(m for m in report["metrics"] if m["name"] == "accuracy")
    assert accuracy["old"] == pytest.approx(0.986014)
    assert accuracy["new"] != accuracy["old"]
    assert accuracy["diff"] == pytest.approx(accuracy["new"] - accuracy["old"])


def test_failing_test_and_lint_fail_the_check_with_their_output(bake: Bake) -> None:
    project = bake()
    contract = project / "tests" / "data_contract.yaml"
    narrowed = contract.read_text().replace("max: 5000.0", "max: 1.0")
    contract.write_text(narrowed)
    (project / "src" / "credit_risk_model" / "extra.py").write_text("import os\n")
    code, out = check(project, "--skip", "repro", "--skip", "lock")
    assert code == 1
    expected = {"lint": "failed", "tests": "failed", "repro": "skipped", "lock": "skipped"}
    passed = dict.fromkeys(["metrics", "health", "kpi", "gate"], "passed")
    assert steps(project) == {**expected, **passed}
    assert "F401" in out and "`os` imported but unused" in out
    assert "tests failed: 14 failed, 46 passed" in out  # the 14 features above 1.0
    assert "FAILED tests/test_data.py::test_column_meets_its_contract[" in out


def test_missing_base_revision_says_how_to_fetch_it(bake: Bake) -> None:
    project = bake()
    code, out = check(project, "--base", "origin/main", "--skip", "lint", "--skip", "tests")
    assert code == 1
    assert "base revision 'origin/main' not found" in out
    assert "fetch-depth: 0" in out


def test_a_change_that_regresses_the_model_fails_health_with_the_trigger_message(
    bake: Bake,
) -> None:
    project = bake()
    run("git", "switch", "--quiet", "-c", "strict-threshold", cwd=project)
    params = project / "params.yaml"
    params.write_text(params.read_text().replace("threshold: 0.5", "threshold: 0.999"))
    run(BIN / "dvc", "repro", cwd=project, PYTHONPATH=str(project / "src"))
    run("git", "commit", "--quiet", "-am", "Only flag the surest cases", cwd=project)
    code, out = check(project, "--skip", "lint", "--skip", "tests")
    assert code == 1
    assert steps(project)["health"] == "failed"
    health = json.loads((project / "reports" / "health.json").read_text())
    fired = {f["trigger"]: f for f in health["findings"] if f["severity"] == "fail"}
    assert "no-regression" in fired
    assert fired["no-regression"]["message"].startswith("f1: ")
    assert "regressed (absolute tolerance 0.02)" in fired["no-regression"]["message"]
