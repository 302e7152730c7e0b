"""report.monitor: the monitoring run's Markdown (the issue's body), JSON and HTML reports, the
terminal output, and the issue's texts for each retraining outcome."""

from __future__ import annotations

import dataclasses
import io
import json

from rich.console import Console

from o16n.adapters.github import GitHubError
from o16n.health.findings import Finding, HealthReport
from o16n.lifecycle.monitor import Monitored, Retraining, marker
from o16n.report import monitor
from o16n.report.theme import THEME

RUN = "https://github.com/acme/churn/actions/runs/31"


def monitored(severity: str = "fail") -> Monitored:
    drifted = Finding("dataset-drift", "dataset_drift", severity, "2 of 3 columns drifted: a, b")
    return Monitored(
        "churn", "v1.0.0", "a" * 40, "production", "data/production/2026-11-02.csv",
        ".o16n/monitor/scored/b.csv", ".o16n/monitor/v1.0.0/models/reference_profile.json",
        143, {"probability": 0.30004, "score": 12.0}, ("roc-auc-floor", "latency"),
        HealthReport((drifted,)),
    )  # fmt: skip


def test_markdown_opens_with_the_run_then_notes_then_the_health_report() -> None:
    text = monitor.to_markdown(monitored(), RUN, ["Retraining dispatched."])
    lines = text.splitlines()
    assert lines[:6] == [
        marker("churn", "production"),
        "# o16n monitor: churn in production",
        "",
        "| model | version | environment | batch | rows | run |",
        "|---|---|---|---|---:|---|",
        f"| churn | v1.0.0 (aaaaaaa) | production | `data/production/2026-11-02.csv` | 143 "
        f"| [31]({RUN}) |",
    ]
    assert "Predictions: probability mean 0.3, score mean 12." in lines
    assert (
        "Not checked on production data (they need labels or the pipeline): "
        "`roc-auc-floor`, `latency`." in lines
    )
    assert text.index("**Retraining dispatched.**") < text.index("<!-- o16n-health -->")
    assert "| ❌ | dataset-drift |" in text


def test_a_local_run_says_local_and_has_no_notes() -> None:
    text = monitor.to_markdown(monitored())
    assert "| 143 | local |" in text and "**" not in text.split("<!-- o16n-health -->")[0]


def test_json_and_html_show_the_run_as_the_health_reports_inputs() -> None:
    m = monitored()
    data = json.loads(monitor.RENDERERS["json"](m))
    assert data["inputs"] == monitor.context(m)
    assert data["inputs"]["predictions"] == "probability mean 0.3, score mean 12"
    assert data["inputs"]["not_checked"] == "roc-auc-floor, latency"
    assert data["severity"] == "fail"
    page = monitor.RENDERERS["html"](m)
    assert "data/production/2026-11-02.csv" in page and "reference_profile.json" in page
    assert list(monitor.RENDERERS) == ["md", "json", "html"]
    assert monitor.RENDERERS["md"](m) == monitor.to_markdown(m)


def test_context_leaves_out_what_the_run_does_not_have() -> None:
    m = monitored()
    bare = dataclasses.replace(m, predictions={}, not_checked=())
    assert monitor.context(bare)["predictions"] is None
    assert monitor.context(bare)["not_checked"] is None


def test_text_has_the_headline_the_findings_and_what_was_not_checked() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, theme=THEME, color_system=None, width=200)
    monitor.to_text(monitored(), console)
    out = buffer.getvalue()
    assert out.startswith(
        "o16n monitor: ❌ health failed: 1 fail, 0 warn, 0 ok on "
        "`data/production/2026-11-02.csv` (143 rows, churn v1.0.0 in production)\n"
        "scored: .o16n/monitor/scored/b.csv\n"
        "predictions: probability mean 0.3, score mean 12\n"
    )
    assert "dataset-drift" in out
    assert out.endswith("not checked here: roc-auc-floor, latency\n")


def test_issue_text_for_each_retraining_outcome() -> None:
    m = monitored()
    none = monitor.issue_text(m, RUN, Retraining())
    assert "Retraining" not in none.body and "Retraining" not in none.rerun
    assert none.body == monitor.to_markdown(m, RUN)

    sent = monitor.issue_text(m, RUN, Retraining("retrain.yml", "main"))
    note = (
        "Retraining dispatched: `retrain.yml` on `main` (batch `data/production/2026-11-02.csv`)."
    )
    assert f"**{note}**" in sent.body
    assert sent.rerun == "\n\n".join(
        [
            f"o16n monitor ran again ([run]({RUN})): {monitor.headline(m)}.",
            note,
            "The issue body holds its report.",
        ]
    )

    refused = GitHubError("GitHub: dispatching retrain.yml on main was refused (HTTP 404)")
    failed = monitor.issue_text(m, None, Retraining("retrain.yml", "main", refused))
    assert "**Retraining could not be dispatched: GitHub: dispatching retrain.yml" in failed.body
    assert failed.rerun.startswith("o16n monitor ran again: ")
    assert failed.healthy == (
        f"o16n monitor: the latest batch is healthy: {monitor.headline(m)}.\n\n"
        "o16n leaves this issue open: close it once the cause is understood."
    )
