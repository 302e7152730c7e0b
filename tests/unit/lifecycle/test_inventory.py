"""`o16n inventory` over three model repositories built here (real git; each with o16n.yaml,
model_card.yaml, deploy/<env>/desired.yaml and a signed ledger): one row each, read at main,
errors as rows with exit 2, the open monitor issues from GitHub (the emulator) or "not checked"."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from o16n.adapters import github, signing
from o16n.lifecycle import inventory, ledger, monitor
from o16n.serving import desired
from tests.github_emulator import GitHubEmulator, actions_for
from tests.pipeline_repo import commit_pipeline, decision, make_repo, outs
from tests.pipeline_repo import git as sh
from tests.release_repo import o16n
from tests.signing import make_key, write_allowed_signers

NOW = dt.datetime.now(dt.UTC)
DATA, MODEL_MD5 = "1" * 32, "2" * 32


def _when(days_ago: int) -> str:
    return (NOW - dt.timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def model_repo(
    root: Path,
    name: str,
    key: Path,
    *,
    tier: str,
    deployed: dict[str, tuple[str, int]],
    every: str | None = "180d",
) -> Path:
    """A model repository whose environments run `deployed` ({env: (version, days ago)}),
    each deploy a signed ledger record, all committed on main."""
    repo = make_repo(root / name)
    write_allowed_signers(repo, [("ci@example.com", key, None)], commit="Trust CI")
    head = commit_pipeline(repo, data=DATA, model=MODEL_MD5)
    settings = {"model": name, "environments": ["staging", "production"]}
    if every:
        settings["revalidation"] = {"every": every, "remind": "30d"}
    (repo / "o16n.yaml").write_text(yaml.safe_dump(settings))
    card = {
        "model_details": {"name": name, "owners": [{"name": f"{name} team"}], "risk_tier": tier}
    }
    (repo / "model_card.yaml").write_text(yaml.safe_dump(card))
    for env, (version, days_ago) in deployed.items():
        state = desired.Desired(name, version, head, {"models/model.joblib": MODEL_MD5})
        path = desired.desired_path(repo, env)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(state.as_yaml())
        record = decision(
            head,
            outs(DATA, MODEL_MD5),
            stage="deploy",
            env=env,
            action="deploy",
            time=_when(days_ago),
            model={"name": name, "version": version},
        )
        ledger.append(repo, record)
    sh(repo, "add", "-A")
    sh(repo, "commit", "-q", "-m", "Deploy")
    return repo


@pytest.fixture
def repos(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    key = make_key(tmp_path / "keys", "ci")
    monkeypatch.setenv(signing.KEY_VARIABLE, str(key))
    found = [
        model_repo(tmp_path, "churn", key, tier="high", deployed={"staging": ("v1.2.0", 10)}),
        model_repo(
            tmp_path,
            "fraud",
            key,
            tier="medium",
            deployed={"staging": ("v2.0.0", 200), "production": ("v2.0.0", 170)},
        ),
        model_repo(tmp_path, "pricing", key, tier="low", deployed={}, every=None),
    ]
    monkeypatch.delenv(signing.KEY_VARIABLE)
    return found


def test_one_row_per_repository_read_at_main(repos: list[Path]) -> None:
    churn, fraud, pricing = repos
    sh(churn, "checkout", "-q", "-b", "feature")  # the working tree is elsewhere: main is read
    (churn / "model_card.yaml").write_text("model_details: {risk_tier: none}\n")
    sh(churn, "commit", "-q", "-am", "Draft")
    found = inventory.inventory([str(r) for r in repos])
    assert found.ok
    rows = {r.model: r for r in found.rows}
    assert [r.model for r in found.rows] == ["churn", "fraud", "pricing"]
    assert (rows["churn"].owners, rows["churn"].risk_tier) == (("churn team",), "high")
    staging, production = rows["fraud"].environments
    assert (staging.version, staging.expired) == ("v2.0.0", True)
    # the first deploy (staging, 200 days ago) is the original validation, in every env
    assert production.expired and production.validated == staging.validated
    (churn_staging, churn_production) = rows["churn"].environments
    assert churn_staging.days_left == 170 and not churn_staging.expired
    assert churn_production.version == "" and churn_production.note == "nothing deployed"
    assert rows["pricing"].revalidate_every == "" and rows["churn"].monitor_note == "not checked"


def test_the_cli_prints_the_table_json_and_a_page(repos: list[Path], tmp_path: Path) -> None:
    page = tmp_path / "inventory.html"
    code, out = o16n(tmp_path, "inventory", *repos, "-o", page)
    assert code == 0, out
    assert "churn" in out and "high" in out and "v2.0.0" in out and "(overdue)" in out
    text = page.read_text()
    assert text.startswith("<!doctype html>") and "<script" not in text and "http" not in text
    assert '<tr class="fail">' in text and "fraud team" in text
    code, out = o16n(tmp_path, "inventory", *repos, "--format", "json")
    assert code == 0, out
    data = json.loads(out)
    assert [r["model"] for r in data["rows"]] == ["churn", "fraud", "pricing"]
    assert data["rows"][0]["environments"][0]["due"]
    assert data["rows"][0]["monitor_note"] == "not checked" and data["ok"] is True


def test_a_file_url_is_cloned_offline(repos: list[Path]) -> None:
    found = inventory.inventory([repos[0].as_uri()])
    assert found.ok and found.rows[0].model == "churn"


def test_bad_sources_are_error_rows_and_exit_2(repos: list[Path], tmp_path: Path) -> None:
    plain = make_repo(tmp_path / "not-a-model")
    (plain / "README.md").write_text("hello\n")
    sh(plain, "add", "-A")
    sh(plain, "commit", "-q", "-m", "Readme")
    missing, unreachable = tmp_path / "nowhere", "https://127.0.0.1:9/acme/gone.git"
    code, out = o16n(tmp_path, "inventory", repos[0], plain, missing, unreachable)
    assert code == 2, out
    assert "churn" in out  # the good one is still listed
    assert f"{plain}: not a model repository (no o16n.yaml" in out
    assert f"{missing}: no such directory" in out
    assert f"{unreachable}: cannot clone it" in out


def test_open_monitor_issues_from_github(
    repos: list[Path], monkeypatch: pytest.MonkeyPatch, github_no_sleep: None
) -> None:
    churn, fraud, _ = repos
    sh(fraud, "remote", "add", "origin", "https://github.com/acme/fraud.git")
    with GitHubEmulator(token="ghs_inv3ntory", login="github-actions") as emulator:
        emulator.add_repo("acme", "fraud")
        gh = actions_for(emulator, "acme/fraud")
        marker = monitor.marker("fraud", "production")
        github.upsert_issue(github.connect(gh), gh, "T", marker, marker, monitor.LABEL)
        monkeypatch.setenv("GITHUB_TOKEN", "ghs_inv3ntory")
        monkeypatch.setenv("GITHUB_API_URL", emulator.api_url)
        monkeypatch.setenv("GITHUB_SERVER_URL", emulator.url)
        found = inventory.inventory([str(fraud), str(churn)], github=True)
    fraud_row, churn_row = found.rows
    assert fraud_row.monitor_issues == ("production #1",)
    assert fraud_row.monitor_note == "1 open on acme/fraud"
    assert churn_row.monitor_issues is None
    assert churn_row.monitor_note.startswith("not checked: no GitHub repository")
