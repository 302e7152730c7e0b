"""`o16n site -o DIR` on a long history: every page, chart and link there, nothing fetched,
foreign text inert, and the pages painted by headless Chromium at desktop and phone widths."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from o16n.cli import main as cli
from o16n.lifecycle import ledger, site
from o16n.report.site import charts, render
from tests.pipeline_repo import decision, git
from tests.signing import make_key
from tests.site_checks import check_screenshots, check_site
from tests.site_repo import long_history, monitor_runs

VERSIONS, DECISIONS, RUNS = 12, 48, 6


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The project and its site, built by the command as a user runs it."""
    base = tmp_path_factory.mktemp("site")
    key = make_key(base / "keys", "o16n-ci")
    project = long_history(base, VERSIONS, DECISIONS, key, bundles=True)
    monitor_runs(project / site.MONITOR_RUNS, RUNS)
    out = base / "site"
    assert cli.main(["site", "--project", str(project), "-o", str(out)]) == 0
    return project, out


def test_every_page_and_link_is_there_and_nothing_is_fetched(built: tuple[Path, Path]) -> None:
    check_site(built[1], ("staging", "production"))


def test_the_versions_page_has_a_trend_per_metric_and_every_version(
    built: tuple[Path, Path],
) -> None:
    text = (built[1] / "versions.html").read_text()
    assert text.count('aria-label="accuracy"') == 1 and 'aria-label="roc_auc"' in text
    assert text.count('<circle cx="') >= 2 * VERSIONS  # a point per version per metric
    assert all(f"<b>v1.{i}.0</b>" in text for i in range(VERSIONS))
    assert "params: train.C 1.0 → 1.1" in text
    assert 'aria-label="KPI: net value per 1,000 predictions (EUR)"' in text
    assert text.count("</span> verified") == VERSIONS  # each bundle's signature, by o16n verify
    assert text.count("<circle") == 3 * VERSIONS  # ... and per version of the KPI


def test_environments_monitoring_and_decisions(built: tuple[Path, Path]) -> None:
    out = built[1]
    lanes = (out / "environments.html").read_text()
    assert 'aria-label="deploys, promotions and rollbacks per environment"' in lanes
    assert all(f">{a}<" in lanes for a in ("promote", "rollback", "refused"))
    heat = (out / "monitoring.html").read_text()
    assert heat.count(f'fill="{charts.DRIFTED}"') >= RUNS  # a drifted column in each run
    assert len(list((out / "monitor").glob("*.html"))) == RUNS  # each run's report, linked
    decided = (out / "decisions.html").read_text()
    assert all(f'id="seq-{n}"' in decided for n in range(1, DECISIONS + 1))
    assert "48 records verified at build time" in decided  # the ledger's status, checked
    overview = (out / "index.html").read_text()
    assert "Ada Lovelace &lt;ada@example.com&gt; (signed approval)" in overview
    assert 'href="decisions.html#seq-' in overview and "baseline" in overview


def test_logs_say_plainly_when_the_ci_runs_are_unknown(built: tuple[Path, Path]) -> None:
    text = (built[1] / "logs.html").read_text()
    assert "no GITHUB_REPOSITORY" in text and "o16n logs --release credit-risk-model@v1.0.0" in text
    assert "https://github.com/acme/model/actions/runs/100" in text  # kept with the run


def test_with_the_repository_known_each_version_links_its_checks(
    built: tuple[Path, Path],
) -> None:
    project = built[0]
    data = site.build(project, env={"GITHUB_REPOSITORY": "acme/model"})
    logs = str(render(data, project)["logs.html"])
    commit = data.versions[-1].tag.commit
    assert f'href="https://github.com/acme/model/commit/{commit}/checks"' in logs


def test_the_heatmap_shows_the_latest_runs_and_the_table_all(tmp_path: Path) -> None:
    from o16n.report.site import pages

    project = long_history(tmp_path, 1, 2)
    folder = monitor_runs(tmp_path / "runs", pages.HEATMAP_RUNS + 3, columns=2)
    text = str(render(site.build(project, folder, env={}), project)["monitoring.html"])
    assert f"(the last {pages.HEATMAP_RUNS} of {pages.HEATMAP_RUNS + 3} runs)" in text
    assert text.count("<rect") == 2 * pages.HEATMAP_RUNS
    assert text.count(">report</a>") == pages.HEATMAP_RUNS + 3


def test_foreign_text_is_inert(tmp_path: Path) -> None:
    project = long_history(tmp_path, 2, 4)
    commit = git(project, "rev-parse", "HEAD")
    evil = '<script>alert(1)</script>"><img src=x>'
    ledger.append(
        project,
        decision(commit, {}, actor=evil, stage="deploy", env="staging", action="deploy",
                 model={"name": "credit-risk-model", "version": "v1.1.0"},
                 rules=[{"id": evil, "severity": "fail", "outcome": "pass", "message": evil}],
                 waivers=[{"rule": evil, "reason": evil, "approved_by": evil, "expires": evil}]),
    )  # fmt: skip
    files = render(site.build(project, env={}), project)
    for name, content in files.items():
        if isinstance(content, str):
            assert "<script" not in content and "<img" not in content, name
    assert "&lt;script&gt;" in str(files["decisions.html"])


def test_a_project_with_no_history_yet_still_builds(tmp_path: Path) -> None:
    project = long_history(tmp_path, 0, 0)
    git(project, "commit", "-q", "--allow-empty", "-m", "empty")
    out = tmp_path / "site"
    assert cli.main(["site", "--project", str(project), "-o", str(out)]) == 0
    assert "Nothing is deployed yet" in (out / "index.html").read_text()
    assert "No monitor run kept yet" in (out / "monitoring.html").read_text()
    check_site(out, ())


def test_screenshots_at_desktop_and_phone_widths(built: tuple[Path, Path], tmp_path: Path) -> None:
    check_screenshots(built[1], tmp_path)


def test_bad_output_and_monitor_folders_are_refused(
    built: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert cli.main(["site", "--project", str(built[0]), "-o", str(blocker)]) == 2
    assert "not a folder" in capsys.readouterr().err
    missing = ["--monitor", str(tmp_path / "nowhere")]
    assert cli.main(["site", "--project", str(built[0]), "-o", str(tmp_path / "s"), *missing]) == 2
    assert "no such folder" in capsys.readouterr().err and not (tmp_path / "s").exists()
    assert re.match(r"<!doctype html>", (built[1] / "index.html").read_text())


def test_trend_ticks_are_told_apart_however_close_the_values() -> None:
    import re

    from o16n.report.site.charts import trend

    svg = trend("average_precision", [("v1.0.0", 0.998577), ("v1.1.0", 0.998595)])
    ticks = re.findall(r'text-anchor="end"[^>]*>([^<]+)<', svg)
    assert len(ticks) >= 3 and len(set(ticks)) == len(ticks), ticks
    scores = trend("accuracy", [("v1.0.0", 0.986), ("v1.1.0", 0.986)])
    assert "1.050" not in scores and "1.05" not in scores  # a score's axis stops at 1


def test_a_link_from_a_record_or_a_kept_run_is_http_or_the_sites_own() -> None:
    from o16n.report.site.pages import _a

    assert _a("https://github.com/o/r/actions/runs/7", "run") == (
        '<a href="https://github.com/o/r/actions/runs/7">run</a>'
    )
    assert _a("decisions.html#seq-3", "#3").startswith("<a href=")
    for forged in ("javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "//evil"):
        assert _a(forged, "run") == "run", forged


def test_a_gate_record_names_the_ci_run_that_made_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from o16n.policy.gate import _ci_run

    for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"):
        monkeypatch.delenv(name, raising=False)
    assert _ci_run() == {}
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/churn")
    monkeypatch.setenv("GITHUB_RUN_ID", "42")
    assert _ci_run() == {"run_url": "https://github.com/acme/churn/actions/runs/42"}
