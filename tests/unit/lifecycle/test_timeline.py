"""The timeline: pipeline changes, version tags and gate decisions, in order, as Markdown/HTML."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from o16n.cli import main as cli
from o16n.errors import EXIT_OK
from o16n.lifecycle import ledger, timeline
from o16n.report.timeline import to_html, to_markdown
from tests.pipeline_repo import commit_pipeline, decision, git, make_repo, outs

D1, D2, M1, M2 = "1" * 32, "2" * 32, "3" * 32, "4" * 32


@pytest.fixture
def history(tmp_path: Path) -> tuple[Path, str, str]:
    """Two pipeline commits, a version tag on the first, two gate decisions on the second."""
    repo = make_repo(tmp_path / "repo")
    first = commit_pipeline(
        repo,
        data=D1,
        model=M1,
        c=1.0,
        metrics={"accuracy": 0.9},
        date="2026-11-20T10:00:00+01:00",
        message="First model",
    )
    git(
        repo,
        "tag",
        "-a",
        "credit-risk-model@v1.0.0",
        "-m",
        "Register v1.0.0",
        first,
        date="2026-11-21T09:00:00Z",
    )
    git(repo, "tag", "-a", "release-notes", "-m", "not a version", first)
    second = commit_pipeline(
        repo,
        data=D2,
        model=M2,
        c=2.0,
        metrics={"accuracy": 0.93},
        date="2026-11-22T10:00:00Z",
        message="More data | stronger C",
    )
    rules = [
        {"id": "metric-floor", "severity": "fail", "outcome": "pass", "message": "ok"},
        {"id": "drift", "severity": "warn", "outcome": "warn", "message": "psi 0.2"},
        {"id": "fairness", "severity": "fail", "outcome": "waived", "message": "gap 0.06"},
    ]
    waiver = {
        "rule": "fairness",
        "reason": "known gap <5%",
        "approved_by": "Ann",
        "expires": "2026-12-31",
    }
    ledger.append(
        repo,
        decision(
            second,
            outs(D2, M2),
            rules=rules,
            waivers=[waiver],
            verdict="warn",
            metrics={"accuracy": 0.93},
        ),
    )
    ledger.append(
        repo,
        decision(
            second,
            outs(D2, M2),
            time="2026-11-24T08:30:00Z",
            stage="deploy",
            env="production",
            model={"name": "credit-risk-model", "version": "v1.1.0"},
            approvals=["Ann <ann@example.com>"],
            verdict="pass",
            metrics={},
        ),
    )
    return repo, first, second


def test_events_merge_pipeline_versions_and_decisions_in_time_order(
    history: tuple[Path, str, str],
) -> None:
    repo, first, second = history
    events = timeline.build(repo)
    assert [(e.kind, e.time, e.commit, e.summary) for e in events] == [
        ("pipeline", "2026-11-20T09:00:00Z", first, "data, model, params changed"),
        ("version", "2026-11-21T09:00:00Z", first, "credit-risk-model@v1.0.0"),
        ("pipeline", "2026-11-22T10:00:00Z", second, "data, model, params changed"),
        ("decision", "2026-11-23T10:00:00Z", second, "gate pr: warn"),
        ("decision", "2026-11-24T08:30:00Z", second, "gate deploy → production v1.1.0: pass"),
    ]


def test_markdown_tells_the_history(history: tuple[Path, str, str]) -> None:
    repo, first, second = history
    one, two = (r["hash"][:12] for r in ledger.read(repo / ledger.LEDGER))
    author, jose = "Test Author &lt;author@example.com&gt;", "José Núñez &lt;jose@example.com&gt;"
    changed = "data: data/raw/dataset.csv<br>model: models/model.joblib<br>params: train.C"
    assert to_markdown(timeline.build(repo)).splitlines() == [
        "# Model timeline",
        "",
        "| when (UTC) | event | commit | who | details |",
        "|---|---|---|---|---|",
        f"| 2026-11-20 09:00:00 | pipeline: data, model, params changed | `{first[:7]}` | {author} "
        f"| First model<br>{changed} - → 1.0<br>metrics: accuracy 0.9 |",
        f"| 2026-11-21 09:00:00 | version: credit-risk-model@v1.0.0 | `{first[:7]}` | {author} "
        "| Register v1.0.0 |",
        f"| 2026-11-22 10:00:00 | pipeline: data, model, params changed | `{second[:7]}` "
        f"| {author} | More data \\| stronger C<br>{changed} 1.0 → 2.0<br>metrics: accuracy 0.93 |",
        f"| 2026-11-23 10:00:00 | decision: gate pr: warn | `{second[:7]}` | {jose} "
        "| warn: drift<br>waived: fairness<br>waiver: fairness (known gap &lt;5%; approved by "
        f"Ann; expires 2026-12-31)<br>metrics: accuracy 0.93<br>ledger seq 1, hash {one} |",
        f"| 2026-11-24 08:30:00 | decision: gate deploy → production v1.1.0: pass | `{second[:7]}` "
        f"| {jose} | approved by: Ann &lt;ann@example.com&gt;<br>ledger seq 2, hash {two} |",
    ]


def test_html_is_self_contained(history: tuple[Path, str, str]) -> None:
    repo, _, _ = history
    page = to_html(timeline.build(repo))
    tags: list[str] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            tags.append(tag)
            assert not any(name in ("href", "src") for name, _ in attrs)

    Tags().feed(page)
    assert "script" not in tags and "link" not in tags
    assert tags.count("tr") == 6  # the header and five events
    assert "known gap &lt;5%" in page
    assert "Test Author &lt;author@example.com&gt;" in page


def test_timeline_command_writes_markdown_or_html(
    history: tuple[Path, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _, _ = history
    assert cli.main(["timeline", "--project", str(repo)]) == EXIT_OK
    assert capsys.readouterr().out == to_markdown(timeline.build(repo))
    out = tmp_path / "report" / "timeline.html"
    assert cli.main(["timeline", "--project", str(repo), "--format", "html", "-o", str(out)]) == 0
    assert out.read_text() == to_html(timeline.build(repo))


def test_a_repository_without_a_pipeline_has_an_empty_timeline(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / "README.md").write_text("hi\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-m", "Start")
    assert timeline.build(repo) == []
    assert "no history yet" in to_markdown([])


def test_outside_git_the_timeline_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["timeline", "--project", str(tmp_path)]) == 2
    assert "is not a git repository" in capsys.readouterr().err


def test_a_rollback_is_labelled_a_rollback_not_a_deploy_gate() -> None:
    """A rollback record has stage "deploy" (the ledger's schema); the timeline names it."""
    record = {
        "kind": "rollback",
        "time": "2026-11-25T09:00:00Z",
        "actor": "ops <ops@example.com>",
        "stage": "deploy",
        "env": "staging",
        "model": {"name": "churn", "version": "v1.0.0"},
        "inputs": {"commit": "a" * 40},
        "from_version": "v1.1.0",
        "verdict": "pass",
        "seq": 7,
    }
    event = timeline._decision(record)
    assert event.summary == "rollback staging to v1.0.0 (was v1.1.0)"
    assert "gate" not in to_markdown([event])
    deploy = timeline._decision(record | {"kind": "decision"})
    assert deploy.summary == "gate deploy → staging v1.0.0: pass"
