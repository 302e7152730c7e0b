"""`o16n monitor`: the newest production batch, scored by the deployed model and checked against
its reference profile; one GitHub issue while a trigger fires, updated, never duplicated;
retraining dispatched on a failure; bad input named with the way out (exit 2)."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from o16n.adapters import github
from o16n.config.health import HealthConfig
from o16n.config.project import ProjectConfig
from o16n.errors import ConfigError
from o16n.health.checks import CHECKS, evaluate
from o16n.health.findings import Finding, HealthReport
from o16n.health.stats.columns import profile_frame
from o16n.lifecycle import monitor
from o16n.report.monitor import issue_text
from tests.acceptance.test_release import complete_the_card, trust_ci_key
from tests.acceptance.test_workflows import expand
from tests.conftest import BIN, ROOT, cookiecutter, run
from tests.github_emulator import GitHubEmulator, actions_for

TOKEN = "ghs_monitorSecret77"
REPO = "acme/credit-risk-model"
MODEL = "credit-risk-model"
PACKAGE = "credit_risk_model"
MARKER = f"<!-- o16n-monitor: {MODEL} production -->"


pytestmark = pytest.mark.usefixtures("github_no_sleep")


@pytest.fixture
def emulator() -> Iterator[GitHubEmulator]:
    with GitHubEmulator(token=TOKEN, login="github-actions") as emu:
        emu.add_repo("acme", MODEL)
        yield emu


# ---- the batch --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("names", "newest"),
    [
        (["2026-01-02.csv", "2026-01-10.parquet", "2026-01-03.csv"], "2026-01-10.parquet"),
        (["b.csv", ".c.csv", "notes.txt", "z.json", "a.pq"], "b.csv"),
    ],
    ids=["dated", "only-data-files"],
)
def test_newest_batch_is_the_last_data_file_by_name(
    tmp_path: Path, names: list[str], newest: str
) -> None:
    folder = tmp_path / "data" / "production"
    (folder / "z-folder.csv").mkdir(parents=True)  # a folder is not a batch
    for name in names:
        (folder / name).write_text("x\n1\n")
    assert monitor.newest_batch(tmp_path, "data/production") == folder / newest


def test_a_missing_or_empty_batch_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        monitor.newest_batch(tmp_path, "data/production")
    assert str(caught.value).startswith(
        "data/production: monitoring.batches: the batch folder does not exist\n"
        "  hint: put production batches (CSV or Parquet) there, `make batch` for a sample"
    )
    (tmp_path / "data" / "production").mkdir(parents=True)
    (tmp_path / "data" / "production" / "README.md").write_text("batches go here\n")
    with pytest.raises(ConfigError, match="no batch in the folder"):
        monitor.newest_batch(tmp_path, "data/production")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "b.csv: cannot read the batch: EmptyDataError: No columns to parse from file"),
        (b"x,y\n", "b.csv: the batch has no rows"),
    ],
    ids=["empty-file", "header-only"],
)
def test_an_empty_batch_is_refused(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "b.csv").write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        monitor.batch_columns(tmp_path / "b.csv", tmp_path)
    assert str(caught.value).startswith(message)


def test_an_unreadable_parquet_batch_is_named(tmp_path: Path) -> None:
    (tmp_path / "b.parquet").write_text("not parquet")
    with pytest.raises(ConfigError, match=r"^b\.parquet: cannot read the batch: ArrowInvalid"):
        monitor.batch_columns(tmp_path / "b.parquet", tmp_path)


# ---- the comparison ---------------------------------------------------------------------------


HEALTH = {
    "triggers": [
        {"id": "schema", "check": "schema"},
        {"id": "drift", "check": "column_drift", "exclude": ["target"]},
        {"id": "auc", "check": "metric", "params": {"metric": "roc_auc"}, "fail": 0.9},
        {"id": "some", "check": "dataset_drift", "columns": ["x", "target"]},
        {"id": "latency", "check": "latency", "warn": 100},
    ]
}


def test_monitoring_keeps_the_data_triggers_without_the_label() -> None:
    config, not_checked = monitor.monitoring_triggers(HealthConfig.model_validate(HEALTH), "target")
    assert [t.id for t in config.triggers] == ["schema", "drift", "some"]
    assert config.triggers[1].exclude == [] and config.triggers[2].columns == ["x"]
    assert not_checked == ("auc", "latency")


def test_the_data_checks_are_the_checks_on_data_alone() -> None:
    on_data = {
        name for name, check in CHECKS.items() if check.__module__ == "o16n.health.checks.data"
    }
    assert on_data == monitor.DATA_CHECKS


def test_monitoring_needs_a_data_trigger() -> None:
    config = HealthConfig.model_validate({"triggers": [HEALTH["triggers"][2]]})
    with pytest.raises(ConfigError, match="no data trigger to monitor with"):
        monitor.monitoring_triggers(config, "target")


def training(rows: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "x": rng.normal(size=rows),
            "y": rng.normal(10, 2, size=rows),
            "target": rng.integers(0, 2, rows),
        }
    )


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_the_label_ids_and_predictions_stay_out_of_the_comparison(
    tmp_path: Path, suffix: str
) -> None:
    reference = monitor.without(profile_frame(training()), ["target"])
    batch = training(300).drop(columns="target").assign(id=range(300), prediction=0.5)
    path = tmp_path / f"scored{suffix}"
    if suffix == ".csv":
        batch.to_csv(path, index=False)
    else:
        batch.to_parquet(path)

    present = monitor.batch_columns(path, tmp_path)
    current = monitor.profile_batch(path, reference, present, rows=64)  # five chunks, merged

    assert list(current.columns) == ["x", "y"] and current.rows == 300
    config, _ = monitor.monitoring_triggers(HealthConfig.model_validate(HEALTH), "target")
    inputs = monitor.BatchInputs(tmp_path, "reference.json", path.name)
    inputs.profiles = (reference, current)
    report = evaluate(config, inputs)
    assert report.severity == "ok", [f.message for f in report.findings if f.severity != "ok"]
    assert monitor.prediction_means(path, ["prediction"]) == {"prediction": 0.5}


def test_the_scoring_module_is_found_in_src(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no scoring module: expected one src/<package>/score"):
        monitor.score_module(tmp_path, None)
    (tmp_path / "src" / "churn").mkdir(parents=True)
    (tmp_path / "src" / "churn" / "score.py").write_text("")
    assert monitor.score_module(tmp_path, None) == "churn.score"
    assert monitor.score_module(tmp_path, "my.scoring") == "my.scoring"


# ---- the issue, against the emulator ------------------------------------------------------------


def actions(emulator: GitHubEmulator) -> github.Actions:
    return actions_for(emulator, REPO, event_name="schedule", run_id="31")


def monitored(severity: str, batch: str = "data/production/2026-11-02.csv") -> monitor.Monitored:
    drifted = Finding("dataset-drift", "dataset_drift", severity, "2 of 3 columns drifted: a, b")
    return monitor.Monitored(
        MODEL, "v1.0.0", "a" * 40, "production", batch, ".o16n/monitor/scored/b.csv",
        ".o16n/monitor/v1.0.0/models/reference_profile.json", 143, {"probability": 0.3},
        ("roc-auc-floor",), HealthReport((drifted,)),
    )  # fmt: skip


SETTINGS = ProjectConfig.model_validate(
    {"model": MODEL, "monitoring": {"retrain_workflow": "retrain.yml"}}
)


def publish(m: monitor.Monitored, gh: github.Actions) -> list[str]:
    """What `o16n monitor --github` does: dispatch retraining, render the issue's text, post it."""
    retraining = monitor.retrain(m, SETTINGS, gh)
    return monitor.publish(m, gh, issue_text(m, gh.run_url, retraining), retraining)


def test_upsert_issue_opens_one_and_then_replaces_its_body(emulator: GitHubEmulator) -> None:
    gh = actions(emulator)
    client = github.connect(gh)
    other = github.upsert_issue(
        client, gh, "Someone's", "no marker", "<!-- other -->", "o16n-monitor"
    )
    first = github.upsert_issue(client, gh, "T", f"{MARKER}\none", MARKER, "o16n-monitor")
    second = github.upsert_issue(client, gh, "T", f"{MARKER}\ntwo", MARKER, "o16n-monitor")

    assert (first[1], second) == (True, (first[0], False))
    assert other[0] != first[0]
    issue = emulator.state.issue(REPO, first[0])
    assert (issue.body, issue.labels, issue.title) == (f"{MARKER}\ntwo", ["o16n-monitor"], "T")
    assert github.find_issue(client, gh, MARKER, "o16n-monitor") == first[0]
    issue.state = "closed"  # a person closed it: the next firing opens a new one
    assert github.find_issue(client, gh, MARKER, "o16n-monitor") is None


def test_publish_opens_updates_and_notes_a_healthy_batch(emulator: GitHubEmulator) -> None:
    emulator.add_workflow(REPO, "retrain.yml", inputs={"batch": True})
    gh = actions(emulator)

    assert publish(monitored("ok"), gh) == []  # nothing fired, no issue
    assert publish(monitored("warn"), gh) == ["issue #1 opened"]
    assert emulator.state.dispatches == []  # a warning does not retrain
    said = publish(monitored("fail"), gh)
    assert said == ["issue #1 updated", "retraining dispatched: retrain.yml on main"]
    assert publish(monitored("ok"), gh) == [
        "issue #1: noted that the latest batch is healthy (left open)"
    ]

    (issue,) = emulator.state.issues.values()
    assert issue.title == f"o16n monitor: {MODEL} production health" and issue.state == "open"
    assert issue.body.startswith(MARKER) and "| ❌ | dataset-drift |" in issue.body
    assert "**Retraining dispatched: `retrain.yml` on `main`" in issue.body
    assert f"{emulator.url}/{REPO}/actions/runs/31" in issue.body
    comments = [c["body"] for c in emulator.state.comments_on(REPO, 1)]
    assert len(comments) == 2
    assert comments[0].startswith("o16n monitor ran again ([run](")
    assert "the latest batch is healthy" in comments[1]
    assert emulator.state.dispatches == [
        {
            "repo": REPO,
            "workflow": "retrain.yml",
            "ref": "main",
            "inputs": {"batch": "data/production/2026-11-02.csv"},
            "actor": "github-actions",
        }
    ]


NO_WORKFLOW = "no such workflow in .github/workflows/ (o16n.yaml monitoring.retrain_workflow)"
NOT_DISPATCHABLE = "the workflow needs `on: workflow_dispatch` with a `batch` input, on that branch"


@pytest.mark.parametrize(
    ("setup", "message", "hint"),
    [
        (lambda e: None, "HTTP 404: Not Found", NO_WORKFLOW),
        (
            lambda e: e.add_workflow(REPO, "retrain.yml"),
            'HTTP 422: Unexpected inputs provided: ["batch"]',
            NOT_DISPATCHABLE,
        ),
        (
            lambda e: e.add_workflow(REPO, "retrain.yml", dispatch=False),
            "HTTP 422: Workflow does not have 'workflow_dispatch' trigger",
            NOT_DISPATCHABLE,
        ),
    ],
    ids=["no-workflow", "no-batch-input", "no-dispatch-trigger"],
)
def test_a_refused_dispatch_is_in_the_issue_and_fails_the_run(
    emulator: GitHubEmulator, setup: Any, message: str, hint: str
) -> None:
    setup(emulator)
    with pytest.raises(github.GitHubError) as caught:
        publish(monitored("fail"), actions(emulator))
    assert str(caught.value) == (
        f"GitHub: dispatching retrain.yml on main was refused ({message})\n  hint: {hint}"
    )
    (issue,) = emulator.state.issues.values()
    assert "Retraining could not be dispatched: GitHub: dispatching retrain.yml" in issue.body
    assert emulator.state.dispatches == []


def test_a_token_without_actions_write_is_told_so(emulator: GitHubEmulator) -> None:
    emulator.add_workflow(REPO, "retrain.yml", inputs={"batch": True})
    emulator.add_user("github-actions", "read")
    gh = actions(emulator)
    with pytest.raises(github.GitHubError) as caught:
        github.dispatch_workflow(github.connect(gh), gh, "retrain.yml", "main", {"batch": "b"})
    assert "(HTTP 403: Resource not accessible by integration)" in str(caught.value)
    assert "needs `permissions: actions: write` (monitor.yml)" in str(caught.value)
    assert TOKEN not in str(caught.value)


# ---- end to end: a baked project with v1.0.0 in production, monitor.yml's step ------------------


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated project whose first release runs in staging and production (as the deploy
    tests make it); each test works on a copy. pytest-xdist workers share one: the first makes
    it while the others wait (the pattern of pytest-xdist's docs, with a stdlib lock)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    project, done = shared / "monitor-baked" / MODEL, shared / "monitor-baked.done"
    with (shared / "monitor-baked.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.is_file():
            shutil.rmtree(project.parent, ignore_errors=True)
            deploy_the_first_release(project.parent)
            done.touch()
    return project


def deploy_the_first_release(out: Path) -> None:
    made = cookiecutter(ROOT, out, owner="acme", governance_owners="gov@example.com")
    assert made.returncode == 0, made.stderr
    project = out / MODEL
    key = trust_ci_key(project, out / "keys")
    complete_the_card(project)
    for command in (
        ["release"],
        ["deploy", "--env", "staging"],
        ["deploy", "--env", "production", "--from", "staging"],
    ):
        run(BIN / "o16n", *command, cwd=project, O16N_SIGNING_KEY=str(key))


@pytest.fixture
def project(production: Path, tmp_path: Path) -> Path:
    copy = tmp_path / MODEL
    shutil.copytree(production, copy, symlinks=True)
    (copy / ".venv").mkdir()
    (copy / ".venv" / "bin").symlink_to(BIN)  # what `make setup` makes in CI
    return copy


def add_batch(project: Path, name: str, shift: bool = False) -> str:
    """`make batch` (SHIFT=1), renamed to `name` so that the order is the test's."""
    flags = ["--shift"] if shift else []
    done = run(BIN / "python", "-m", f"{PACKAGE}.batch", *flags, cwd=project,
               PYTHONPATH=str(project / "src"))  # fmt: skip
    written = project / done.stdout.split(":")[0]
    written.rename(written.with_name(name))
    return f"data/production/{name}"


def workflow_step(project: Path, job: str, command: str) -> dict[str, Any]:
    workflow = yaml.safe_load((project / ".github" / "workflows" / "monitor.yml").read_text())
    return next(s for s in workflow["jobs"][job]["steps"] if command in s.get("run", ""))


def monitor_step(
    project: Path, emulator: GitHubEmulator, tmp_path: Path, inputs: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """monitor.yml's `o16n monitor` step, as written, with the Actions variables set."""
    step = workflow_step(project, "monitor", "o16n monitor")
    context = {"github": {"token": TOKEN}, "inputs": inputs or {}}
    env = {
        **os.environ,
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": emulator.api_url,
        "GITHUB_SERVER_URL": emulator.url,
        "GITHUB_EVENT_NAME": "workflow_dispatch" if inputs else "schedule",
        "GITHUB_RUN_ID": "901",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "NO_COLOR": "1",
        **{k: expand(str(v), context) for k, v in step.get("env", {}).items()},
    }
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        ["bash", "-e", "-c", expand(step["run"], context)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    assert TOKEN not in done.stdout + done.stderr
    return done


@pytest.mark.slow
def test_monitor_opens_one_issue_and_updates_it(
    project: Path, emulator: GitHubEmulator, tmp_path: Path
) -> None:
    settings = project / "o16n.yaml"
    settings.write_text(
        settings.read_text().replace(
            "# retrain_workflow: retrain.yml", "retrain_workflow: retrain.yml"
        )
    )
    emulator.add_workflow(REPO, "retrain.yml", inputs={"batch": True})

    healthy = add_batch(project, "2026-11-01.csv")
    done = monitor_step(project, emulator, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "health passed: 0 fail, 0 warn" in done.stdout
    assert "nothing to do on GitHub" in done.stdout
    assert emulator.state.issues == {} and emulator.state.dispatches == []

    first = add_batch(project, "2026-11-02.csv", shift=True)
    done = monitor_step(project, emulator, tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "issue #1 opened" in done.stdout
    (issue,) = emulator.state.issues.values()
    assert (issue.title, issue.labels) == (
        f"o16n monitor: {MODEL} production health",
        ["o16n-monitor"],
    )
    assert issue.body.startswith(MARKER)
    assert (
        f"| {MODEL} | v1.0.0 (" in issue.body and f"| production | `{first}` | 143 |" in issue.body
    )
    assert (
        "| ❌ | dataset-drift |  | 1 | fail level 0.5 | share of drifted columns | 30 of 30 columns"
        in issue.body
    )
    assert "| ⚠️ | feature-drift | mean_radius |" in issue.body
    assert (
        "Not checked on production data (they need labels or the pipeline): `roc-auc-floor`"
        in issue.body
    )
    assert emulator.state.dispatches[-1]["inputs"] == {"batch": first}
    assert emulator.state.comments_on(REPO, issue.number) == []
    report = json.loads((project / "reports" / "monitor.json").read_text())
    assert report["inputs"]["batch"] == first and report["failed"] is True
    assert {p.name for p in (project / "reports").glob("monitor.*")} == {
        "monitor.md", "monitor.json", "monitor.html"
    }  # fmt: skip
    assert MARKER in (tmp_path / "summary.md").read_text()  # the job summary

    second = add_batch(project, "2026-11-03.csv", shift=True)
    done = monitor_step(project, emulator, tmp_path)
    assert done.returncode == 1 and "issue #1 updated" in done.stdout
    (again,) = emulator.state.issues.values()
    assert f"`{second}`" in again.body and f"`{first}`" not in again.body
    (comment,) = emulator.state.comments_on(REPO, again.number)
    assert comment["body"].startswith(
        f"o16n monitor ran again ([run]({emulator.url}/{REPO}/actions/runs/901)): ❌ health failed"
    )
    assert [d["inputs"]["batch"] for d in emulator.state.dispatches] == [first, second]

    # By hand, for the healthy batch (workflow_dispatch's `batch` input): noted, left open.
    done = monitor_step(project, emulator, tmp_path, inputs={"batch": healthy})
    assert done.returncode == 0, done.stdout + done.stderr
    comments = emulator.state.comments_on(REPO, again.number)
    assert len(comments) == 2 and "the latest batch is healthy" in comments[1]["body"]
    assert f"`{healthy}`" in comments[1]["body"]
    assert len(emulator.state.issues) == 1 and again.state == "open"
    assert len(emulator.state.dispatches) == 2


def deployed_job(project: Path, tmp_path: Path) -> str:
    """monitor.yml's first job: whether anything runs in production (else it skips)."""
    step = workflow_step(project, "deployed", "desired.yaml")
    output = tmp_path / "output"
    output.write_text("")
    run("bash", "-e", "-c", step["run"], cwd=project, GITHUB_OUTPUT=str(output))
    return output.read_text().strip()


def remove_the_model(project: Path) -> None:
    """Neither the DVC cache nor the remote has the deployed model any more."""
    desired = yaml.safe_load((project / "deploy" / "production" / "desired.yaml").read_text())
    md5 = desired["artifact"]["models/model.joblib"]
    (project / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:]).unlink()
    empty = project.parent / "empty-remote"
    empty.mkdir()
    run(BIN / "dvc", "remote", "modify", "--local", "storage", "url", str(empty), cwd=project)


BAD_INPUT = {
    "no batch folder": (
        lambda p: None,
        "data/production: monitoring.batches: the batch folder does not exist",
        "put production batches (CSV or Parquet) there, `make batch` for a sample",
    ),
    "empty file": (
        lambda p: (p / "data" / "production" / "2026-11-05.csv").write_text(""),
        "data/production/2026-11-05.csv: cannot read the batch: EmptyDataError",
        "a CSV file with a header row, or a Parquet file",
    ),
    "header only": (
        lambda p: (p / "data" / "production" / "2026-11-05.csv").write_text("mean_radius\n"),
        "data/production/2026-11-05.csv: the batch has no rows",
        "remove it or replace it with the real batch; --batch FILE picks another",
    ),
    "a missing input column": (
        lambda p: (
            pd.read_csv(p / "data/production/2026-11-01.csv")
            .drop(columns="mean_texture")
            .to_csv(p / "data/production/2026-11-05.csv", index=False)
        ),
        "the batch lacks input column(s) the model needs: mean_texture",
        "fix the batch or the scoring module",
    ),
    "no deployed version": (
        lambda p: (p / "deploy" / "production" / "desired.yaml").unlink(),
        "deploy/production/desired.yaml: nothing is deployed to production: no desired state",
        "deploy a version first (`o16n deploy --env production`)",
    ),
    "missing artifact": (
        remove_the_model,
        "models/model.joblib (",
        "push it from where it was trained (`dvc push`)",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_exits_2_and_names_the_way_out(
    case: str, project: Path, emulator: GitHubEmulator, tmp_path: Path
) -> None:
    prepare, message, hint = BAD_INPUT[case]
    if case != "no batch folder":
        add_batch(project, "2026-11-01.csv")
    prepare(project)

    done = monitor_step(project, emulator, tmp_path)

    output = " ".join((done.stdout + done.stderr).split())  # rich wraps long lines
    assert done.returncode == 2, output
    assert message in output and f"hint: {hint}" in output
    assert not (project / "reports" / "monitor.json").exists()  # nothing half written
    assert emulator.state.issues == {}
    if case == "missing artifact":
        assert "is in neither the DVC cache nor the remote" in output
    if case == "no deployed version":  # in Actions the monitor job is skipped instead
        assert deployed_job(project, tmp_path) == "found=false"
    else:
        assert deployed_job(project, tmp_path) == "found=true"
