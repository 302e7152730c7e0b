"""The site's data: versions with their metrics and the changes between them, release bundles
verified, environments' states (from o16n.lifecycle.history) and refusals, kept monitor runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from o16n.errors import ConfigError
from o16n.lifecycle import site
from tests.release_repo import edit_manifest, released
from tests.site_repo import MODEL, long_history, monitor_runs


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return long_history(tmp_path_factory.mktemp("site"), versions=7, decisions=28)


def test_versions_in_order_with_metrics_and_what_changed(project: Path) -> None:
    built = site.build(project, env={})
    assert built.model == MODEL
    assert [v.tag.version for v in built.versions] == [f"v1.{i}.0" for i in range(7)]
    first, second, sixth = built.versions[0], built.versions[1], built.versions[5]
    assert first.changes == () and first.metrics == {"accuracy": 0.8, "roc_auc": 0.9}
    assert "params: train.C 1.0 → 1.1" in second.changes
    assert not any(c.startswith("data:") for c in second.changes)
    assert any(c.startswith("data: data/raw/dataset.csv") for c in sixth.changes)  # new data
    assert [v.kpi.per_1000 if v.kpi else None for v in built.versions[:2]] == [120.0, 124.0]
    # a folder under releases/ with no manifest is no release: said, with why
    assert all(v.signature == "does not verify" and v.signed_files == () for v in built.versions)
    assert "not a release bundle" in first.problems[0]


def test_moves_are_history_states_and_refusals_in_ledger_order(project: Path) -> None:
    built = site.build(project, env={})
    assert {(m.env, m.action) for m in built.moves} == {
        ("staging", "deploy"),
        ("production", "promote"),
        ("production", "rollback"),
        ("production", "refused"),
    }
    seqs = [m.seq for m in built.moves]
    assert seqs == sorted(seqs)
    assert len(built.moves) == 28 - 7  # every record but the PR gate decisions
    running = built.running
    assert set(running) == {"staging", "production"}
    assert running["staging"].version == "v1.6.0"
    assert built.envs == ["staging", "production"]


def test_the_ledger_is_verified_at_build_time(project: Path) -> None:
    built = site.build(project, env={})
    assert built.ledger.records == 28
    assert not built.ledger.ok  # unsigned records, no trusted key: said, never hidden
    assert all(not d.verified for d in built.deployments)


def test_kept_monitor_runs_are_read_and_a_broken_file_is_skipped(
    project: Path, tmp_path: Path
) -> None:
    folder = monitor_runs(tmp_path / "runs", 3)
    (folder / "zzz-broken.json").write_text("{not json")
    (folder / "zzz-other.json").write_text(json.dumps({"severity": "ok"}))
    runs = site.build(project, folder, env={}).runs
    assert [r.batch for r in runs] == [f"data/production/{i}.csv" for i in range(3)]
    first = runs[0]
    assert first.drift["x0"].drifted and not first.drift["x1"].drifted
    assert first.report is not None and first.report.name.endswith(".html")
    assert first.run_url == "https://github.com/acme/model/actions/runs/100"


def test_the_github_address_comes_from_the_actions_variables() -> None:
    assert site.github_url({}) is None
    env = {"GITHUB_REPOSITORY": "acme/m", "GITHUB_SERVER_URL": "https://ghe.example.com/"}
    assert site.github_url(env) == "https://ghe.example.com/acme/m"
    assert site.github_url({"GITHUB_REPOSITORY": "acme/m"}) == "https://github.com/acme/m"


def test_a_folder_that_is_not_a_repository_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a git repository"):
        site.build(tmp_path, env={})


def test_a_release_bundle_verifies_and_a_tampered_one_says_why(tmp_path: Path) -> None:
    rel = released(tmp_path)
    (version,) = site.build(rel.project, env={}).versions
    assert (version.bundle, version.signature, version.problems) == (
        f"releases/{rel.tag}",
        "verified",
        (),
    )
    assert version.signed_files == ("manifest.json", "manifest.json.sig")
    edit_manifest(rel.bundle, commit="0" * 40)
    (tampered,) = site.build(rel.project, env={}).versions
    assert tampered.signature == "does not verify"
    assert any("signature" in p for p in tampered.problems)


def test_a_monitor_run_is_kept_under_a_name_that_sorts_by_time_and_read_back(
    tmp_path: Path,
) -> None:
    import dataclasses
    from datetime import UTC, datetime

    from o16n.health.stats.outcome import ColumnDrift
    from o16n.lifecycle import monitor
    from o16n.report.monitor import to_run_json
    from tests.unit.lifecycle.test_monitor import monitored

    run = monitored("warn", batch="s3://bucket/batches/2026-11-02/../x y*.csv")
    drift = ColumnDrift("income", "numeric", "ks p-value", 0.001, 0.05, True)
    run = dataclasses.replace(run, report=dataclasses.replace(run.report, drift=(drift,)))
    early = monitor.run_name(run, datetime(2026, 11, 2, 5, 17, tzinfo=UTC))
    late = monitor.run_name(run, datetime(2026, 11, 10, 5, 17, tzinfo=UTC))
    assert early == "20261102T051700Z-production-x-y" and early < late
    url = "https://github.com/acme/m/actions/runs/7"
    (tmp_path / f"{early}.json").write_text(to_run_json(run, "2026-11-02T05:17:00Z", url))
    (read,) = site.monitor_runs(tmp_path)
    assert (read.time, read.env, read.version, read.severity, read.run_url) == (
        "2026-11-02T05:17:00Z", "production", "v1.0.0", "warn", url,
    )  # fmt: skip
    assert read.drift["income"].drifted and read.report is None  # no HTML kept beside it
