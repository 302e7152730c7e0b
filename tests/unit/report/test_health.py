"""The four health reporters on hand-built reports: what a reader sees, exactly, in each format."""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from o16n.health.findings import (
    FAIL,
    OK,
    WARN,
    Distribution,
    Finding,
    HealthReport,
    MetricComparison,
)
from o16n.health.stats.outcome import ColumnDrift
from o16n.report import health
from o16n.report.health import (
    MARKDOWN_LIMIT,
    MARKER,
    REPORTERS,
    to_html,
    to_json,
    to_markdown,
    to_text,
)
from o16n.report.theme import THEME
from tests.unit.report.sample import sample_report

# ---- helpers ---------------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class TagBalance(HTMLParser):
    """Records every end tag that does not close the innermost open element, and what is left."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.mismatched: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.open and self.open[-1] == tag:
            self.open.pop()
        else:
            self.mismatched.append(f"</{tag}> with {self.open[-3:]} open")


def balance(page: str) -> TagBalance:
    checker = TagBalance()
    checker.feed(page)
    checker.close()
    return checker


def finding(i: int, severity: str = FAIL, message: str = "") -> Finding:
    text = message or f"message | {i}\nwith a newline"
    return Finding(f"t{i}", "metric", severity, text, 1.0, 0.5, "m")


def plain_text(report: HealthReport, width: int = 120) -> str:
    console = Console(width=width, theme=THEME, color_system=None, record=True)
    with console.capture() as capture:
        to_text(report, console)
    return capture.get()


# ---- registry --------------------------------------------------------------------------------


def test_every_format_is_registered_and_renders_a_string() -> None:
    assert list(REPORTERS) == ["text", "json", "md", "html"]
    assert list(health.RENDERERS) == ["json", "md", "html"]  # o16n check writes one file each
    for render in REPORTERS.values():
        assert isinstance(render(sample_report()), str)


# ---- text ------------------------------------------------------------------------------------


def test_text_lists_findings_most_severe_first_then_drift_then_the_verdict() -> None:
    out = plain_text(sample_report())
    lines = out.splitlines()
    assert lines[-1] == "health failed: 2 fail, 2 warn, 2 ok"
    assert "drift: 3 of 6 columns drifted, dataset drift share 50%" in lines
    assert out.index("dataset_drift") < out.index("column_drift") < out.index("tenure_ok")
    assert out.index("o16n health") < out.index("drift per column") < out.index("health failed")
    income = next(line for line in lines if line.startswith("│ income"))
    assert re.fullmatch(
        r"│ income +│ numeric +│ wasserstein +│ +0\.31 │ distance, drift at or above 0\.1 │ yes +│",
        income,
    )
    assert out.index("│ tenure") < out.index("│ age")  # drifted columns first
    assert "0.1 · wasserstein" in out and "(distance: higher drifts)" in out  # income (wrapped)
    assert "· unseen categories" not in out  # not a drift score


def test_text_escapes_rich_markup_in_user_strings() -> None:
    report = HealthReport(findings=(finding(1, WARN, "[bold]not markup[/bold] [fail]"),))
    out = plain_text(report)
    assert "[bold]not markup[/bold] [fail]" in out
    assert out.splitlines()[-1] == "health passed with warnings: 0 fail, 1 warn, 0 ok"


def test_text_colours_severity_with_the_theme_styles() -> None:
    console = Console(width=120, theme=THEME, color_system="standard", force_terminal=True)
    with console.capture() as capture:
        to_text(HealthReport(findings=(finding(1, FAIL),)), console)
    out = capture.get()
    assert "\x1b[1;31mfail\x1b[0m" in out  # THEME: fail = bold red
    assert "\x1b[1;31mhealth failed: 1 fail, 0 warn, 0 ok\x1b[0m" in out


def test_text_reporter_for_files_has_no_escape_codes() -> None:
    out = REPORTERS["text"](sample_report())
    assert "\x1b[" not in out and out.endswith("health failed: 2 fail, 2 warn, 2 ok\n")


# ---- JSON ------------------------------------------------------------------------------------


def test_json_round_trips_with_every_column_and_a_fixed_key_order() -> None:
    data = json.loads(to_json(sample_report()))
    assert list(data) == [
        "severity",
        "failed",
        "counts",
        "findings",
        "drift",
        "metrics",
        "inputs",
    ]
    assert (data["severity"], data["failed"]) == ("fail", True)
    assert data["counts"] == {"fail": 2, "warn": 2, "ok": 2}
    assert [f["severity"] for f in data["findings"]] == ["fail", "fail", "warn", "warn", "ok", "ok"]
    assert data["drift"]["dataset_drift_share"] == 0.5
    columns = data["drift"]["columns"]
    assert [list(c) for c in columns] == [
        ["column", "kind", "method", "value", "threshold", "drifted", "tested_as", "why"]
    ] * 6
    assert {c["column"]: c["drifted"] for c in columns} == {
        "income": True,
        "age": False,
        "tenure": True,
        "city": True,
        "plan": False,
        "is_active": False,
    }
    assert data["metrics"][0] == {
        "name": "roc_auc",
        "current": 0.871,
        "baseline": 0.905,
        "baseline_label": "main (3f2c1a0)",
        "diff": pytest.approx(-0.034),
    }
    assert data["metrics"][-1]["baseline"] is None and data["metrics"][-1]["diff"] is None
    assert data["inputs"] == {
        "reference": "data/reference.json",
        "current": "data/prepared/current.parquet",
    }
    assert to_json(sample_report()) == to_json(sample_report())


def test_json_turns_nan_and_infinity_into_null() -> None:
    nan, inf = float("nan"), float("inf")
    report = HealthReport(
        findings=(Finding("t", "metric", FAIL, "m", nan, inf, "m"),),
        drift=(ColumnDrift("x", "numeric", "psi", nan, 0.1, False),),
        dataset_drift_share=nan,
        metrics=(MetricComparison("auc", -inf, nan),),
        inputs={"weights": [1.0, nan], "nested": {"x": inf}},
    )
    text = to_json(report)
    assert not re.search(r"NaN|Infinity", text)
    data = json.loads(text)
    assert (data["findings"][0]["value"], data["findings"][0]["threshold"]) == (None, None)
    assert data["drift"] == {
        "dataset_drift_share": None,
        "columns": [
            {
                "column": "x",
                "kind": "numeric",
                "method": "psi",
                "value": None,
                "threshold": 0.1,
                "drifted": False,
                "tested_as": "",
                "why": "",
            }
        ],
    }
    assert data["metrics"][0] | {"baseline_label": ""} == {
        "name": "auc",
        "current": None,
        "baseline": None,
        "baseline_label": "",
        "diff": None,
    }
    assert data["inputs"] == {"weights": [1.0, None], "nested": {"x": None}}


def test_json_writes_paths_and_sets_in_inputs_as_plain_values() -> None:
    from pathlib import PurePosixPath

    report = HealthReport(
        findings=(), inputs={"current": PurePosixPath("a/b.csv"), "s": {"b", "a"}}
    )
    assert json.loads(to_json(report))["inputs"] == {"current": "a/b.csv", "s": ["a", "b"]}


# ---- Markdown --------------------------------------------------------------------------------


def test_markdown_starts_with_the_marker_and_the_verdict() -> None:
    lines = to_markdown(sample_report()).splitlines()
    assert lines[:2] == [MARKER, "## ❌ health failed: 2 fail, 2 warn, 2 ok"]
    assert MARKER == "<!-- o16n-health -->"


def test_markdown_puts_what_fired_first_and_folds_the_details() -> None:
    markdown = to_markdown(sample_report())
    summary, _, details = markdown.partition("<details>")
    assert summary.index("### What fired") < summary.index("### Metrics vs main (3f2c1a0)")
    fired = [line for line in summary.splitlines() if line.startswith("| ❌") or "| ⚠️" in line]
    assert "| wasserstein (distance: higher drifts) | income drifted" in summary
    assert [row.split(" | ")[1] for row in fired] == [
        "dataset_drift",
        "no_regression",
        "column_drift",
        "city_new",
    ]
    assert "tenure_ok" not in summary  # ok findings only in the details
    assert "| metric | base | this change | diff |" in summary
    assert "| roc_auc | 0.905 | 0.871 | -0.034 |" in summary
    assert "| p95_latency_ms | — | 12.4 | — |" in summary
    assert "**Drift:** 3 of 6 columns drifted, dataset drift share 50%." in summary
    assert "<summary>Drift per column (6)</summary>" in details
    income = "| income | numeric | wasserstein | 0.31 | distance, drift at or above 0.1 | **yes** |"
    assert income + " ref " in details  # then its reference and current sparklines
    assert details.index("| city |") < details.index("| age |")  # drifted columns first
    assert "<summary>Passed (2)</summary>" in details  # what fired is not repeated
    passed = details[details.index("Passed (2)") :]
    assert "| ✅ | tenure_ok" in passed and "dataset_drift" not in passed
    assert markdown.count("<details>") == markdown.count("</details>") == 3  # and the charts


def test_markdown_escapes_pipes_newlines_and_html_in_cells() -> None:
    evil = "x | y\nz </details> <img>"
    report = HealthReport(
        findings=(
            Finding("a|b", "metric", FAIL, evil, 1.0, 0.5, "m|n"),
            Finding("a|b", "metric", OK, evil, 1.0, 0.5, "m|n"),  # folded in <details>
        )
    )
    markdown = to_markdown(report)
    shown = "a\\|b |  | 1 | {} 0.5 | m\\|n | x \\| y z &lt;/details&gt; &lt;img&gt; |"
    assert markdown.count("| ❌ | " + shown.format("fail level")) == 1  # what fired
    assert markdown.count("| ✅ | " + shown.format("limit")) == 1  # passed, folded
    assert markdown.count("</details>") == 1


def test_markdown_cuts_a_long_message_with_details_and_pipes_inside_its_cell() -> None:
    """A rule's message of thousands of characters full of `</details>` and `|` stays one
    cell, cut to CELL_LIMIT, and cannot close the fold it sits in."""
    long = "</details> | " * 2000
    report = HealthReport(findings=(finding(1, OK, long), finding(2, FAIL, long)))
    markdown = to_markdown(report)
    assert markdown.count("<details>") == markdown.count("</details>") == 1
    rows = [line for line in markdown.splitlines() if line.startswith(("| ✅", "| ❌"))]
    assert len(rows) == 2
    for line in rows:
        assert "&lt;/details&gt; \\|" in line and line.endswith("… |")
        assert line.count(" | ") == 6  # 7 cells: no `|` of the message splits the row


def test_markdown_of_5000_findings_fits_a_comment_and_says_how_many_rows_it_left_out() -> None:
    report = HealthReport(findings=tuple(finding(i) for i in range(5000)))
    markdown = to_markdown(report)
    assert len(markdown) < 65_000
    assert markdown.startswith(f"{MARKER}\n## ❌ health failed: 5000 fail, 0 warn, 0 ok\n")
    assert "\n_4950 more in the details below._\n" in markdown  # the summary shows 50
    details = markdown[markdown.index("<summary>4950 more fired, 0 passed</summary>") :]
    shown = sum(line.startswith("| ❌ |") for line in details.splitlines())
    left = re.search(
        r"\n_(\d+) more row\(s\) left out to fit a GitHub comment; see the JSON or HTML report._",
        details,
    )
    assert left is not None and 0 < shown < 5000
    assert int(left.group(1)) == 4950 - shown
    assert "message \\| 0 with a newline" in markdown


def test_markdown_stays_under_the_limit_with_huge_cells_and_many_of_everything() -> None:
    big = "x" * 100_000
    report = HealthReport(
        findings=tuple(finding(i, WARN, big) for i in range(300)),
        drift=tuple(ColumnDrift(f"{big}{i}", big, big, 0.5, 0.1, True) for i in range(300)),
        dataset_drift_share=1.0,
        metrics=tuple(MetricComparison(f"{big}{i}", 1.0, 0.5, big) for i in range(300)),
    )
    markdown = to_markdown(report)
    assert len(markdown) < MARKDOWN_LIMIT
    assert "\n_250 more in the details below._\n" in markdown  # the summary shows 50
    # metrics (in the summary), drift per column and the other findings (folded) are cut short
    assert markdown.count("more row(s) left out to fit a GitHub comment") == 3
    assert f"| {'x' * 299}… |" in markdown  # a cell shows at most 300 characters
    assert (
        markdown.count("<details>") == markdown.count("</details>") == 2
    )  # no distributions: no charts


def test_markdown_takes_a_smaller_limit_for_embedding() -> None:
    report = HealthReport(findings=tuple(finding(i) for i in range(500)))
    assert len(to_markdown(report, limit=10_000)) < 10_000
    with pytest.raises(ValueError, match="limit must be at least 2000 characters, not 1999"):
        to_markdown(report, limit=1_999)


def test_markdown_at_the_smallest_limit_with_the_worst_cells() -> None:
    worst = "<|&" * 50_000  # each character escapes to several
    report = HealthReport(
        findings=tuple(
            Finding(worst, worst, s, worst, 1.0, 2.0, worst, worst) for s in [OK, WARN, FAIL] * 9
        ),
        drift=(ColumnDrift(worst, worst, worst, 1.0, 1.0, True),) * 20,
        dataset_drift_share=0.3,
        metrics=(MetricComparison(worst, 1.0, 2.0, worst[:80]),) * 20,  # a shared label
    )
    markdown = to_markdown(report, limit=health.MARKDOWN_MIN_LIMIT)
    assert len(markdown) < health.MARKDOWN_MIN_LIMIT
    assert markdown.startswith(f"{MARKER}\n## ❌ health failed: 9 fail, 9 warn, 9 ok\n")


@settings(max_examples=40, deadline=None)
@given(
    texts=st.lists(st.text(min_size=0, max_size=3000), min_size=1, max_size=60),
    severities=st.lists(st.sampled_from([OK, WARN, FAIL]), min_size=1, max_size=60),
)
def test_markdown_never_exceeds_the_limit(texts: list[str], severities: list[str]) -> None:
    findings = tuple(
        Finding(t, "metric", s, t, None, None, t, t or None)
        for t, s in zip(texts, severities, strict=False)
    )
    drift = tuple(ColumnDrift(t, "numeric", t, 0.2, 0.1, True) for t in texts)
    report = HealthReport(findings=findings, drift=drift, dataset_drift_share=0.5)
    assert len(to_markdown(report, limit=20_000)) < 20_000


# ---- HTML ------------------------------------------------------------------------------------


def test_html_is_self_contained() -> None:
    page = to_html(sample_report())
    assert not re.search(r"<script|<link|@import|url\(|https?://|<img|<iframe", page, re.I)
    assert page.startswith('<!doctype html><html lang="en"><head><meta charset="utf-8">')


def test_html_links_only_what_the_user_wrote() -> None:
    report = HealthReport(findings=(finding(1, OK, "see https://example.com/runbook"),))
    page = to_html(report)
    assert re.findall(r"https?://[^\s<]*", page) == ["https://example.com/runbook"]
    assert "<a " not in page  # shown as text, not turned into a link


def test_html_has_one_chart_per_distribution_plus_the_metrics_chart() -> None:
    page = to_html(sample_report())
    assert page.count("<svg viewBox") == 3 + 1  # drifted columns' large charts, metrics
    assert page.count('<svg class="mini"') == 3  # the sample has distributions of 3 columns
    assert (
        '<svg viewBox="0 0 1000 324" role="img" aria-label="Metrics: this change vs baseline'
        in (page)
    )
    assert 'aria-label="income: share of rows per bin, reference vs current"' in page
    assert 'aria-label="city: share of rows per category, reference vs current"' in page
    assert page.count(">reference</text>") == 3 and page.count(">current</text>") == 3
    assert page.count(">share of rows</text>") == 3
    assert "<title>Zürich: reference 0.0%, current 12.0%</title>" in page


def test_html_without_metrics_or_distributions_has_no_chart() -> None:
    page = to_html(HealthReport(findings=(finding(1, OK),)))
    assert "<svg viewBox" not in page and '<svg class="mini"' not in page and "Metrics" not in page


def test_html_header_has_the_verdict_and_counts() -> None:
    page = to_html(sample_report())
    assert re.search(
        r'<div class="verdict fail" role="status"><svg class="icon"[^>]*aria-label="failed".*?'
        r"</svg><span>health failed: 2 fail, 2 warn, 2 ok",
        page,
    )
    pills = re.findall(r'<span class="pill (\w+)"><svg class="icon".*?</svg> <b>(\d+)</b>', page)
    assert pills == [("fail", "2"), ("warn", "2"), ("ok", "2")]
    assert "<div><dt>reference</dt><dd>data/reference.json</dd></div>" in page


def test_html_findings_are_coloured_by_severity_most_severe_first() -> None:
    page = to_html(sample_report())
    badges = re.findall(
        r'<tr class="(\w+)"><td><span class="badge \1"><svg class="icon".*?</svg> \1</span>', page
    )
    assert badges == [FAIL, FAIL, WARN, WARN, OK, OK]
    fired, _, folded = page.partition('<details class="fold"><summary>Passed (2)</summary>')
    assert 'class="badge ok"' not in fired.split("<h2>Metrics")[0] and "tenure_ok" in folded
    assert (
        '<th scope="col">severity</th>' in page and '<th scope="col" class="n">value</th>' in page
    )


def test_html_escapes_user_text_everywhere() -> None:
    evil = "<script>alert(1)</script>"
    report = HealthReport(
        findings=(Finding(evil, "metric", FAIL, evil, 1.0, 0.5, evil, evil),),
        drift=(ColumnDrift(evil, evil, evil, 0.3, 0.1, True),),
        distributions=(Distribution(evil, (evil, "b"), (0.5, 0.5), (0.2, 0.8)),),
        metrics=(MetricComparison(evil, 1.0, 0.5, evil),),
        inputs={evil: evil},
    )
    page = to_html(report)
    assert "<script" not in page and "&lt;script&gt;" in page
    assert balance(page).mismatched == [] and balance(page).open == []


def test_html_parses_without_unclosed_tags() -> None:
    checker = balance(to_html(sample_report()))
    assert checker.mismatched == [] and checker.open == []


def test_html_survives_odd_numbers_and_mismatched_distributions() -> None:
    nan, inf = float("nan"), float("inf")
    report = HealthReport(
        findings=(Finding("t", "metric", WARN, "m", nan, inf, "m"),),
        distributions=(
            Distribution("short", ("a", "b", "c"), (0.5, nan), (0.2, 0.3, 0.5)),
            Distribution("empty", (), (), ()),
            Distribution("many", tuple(str(i) for i in range(200)), (0.005,) * 200, (0.005,) * 200),
        ),
        metrics=(
            MetricComparison("negative", -0.2, 0.1),
            MetricComparison("nan", nan, None),
            MetricComparison("zero", 0.0, 0.0),
        ),
    )
    page = to_html(report)
    assert page.count("<svg viewBox") == 4
    assert "no bins to show" in page and ">no baseline</text>" in page
    assert not re.search(r'="[^"]*(nan|inf)[^"]*"', page)  # no NaN in any coordinate
    checker = balance(page)
    assert checker.mismatched == [] and checker.open == []


def test_nice_axis_steps() -> None:
    assert [health._nice_step(p) for p in (0.42, 0.36, 0.05, 1.0)] == pytest.approx(
        [0.1, 0.1, 0.01, 0.2]
    )
    assert not math.isnan(health._nice_step(1e-9))


def test_each_drift_value_is_labelled_with_the_way_it_drifts() -> None:
    """p-values drift low, distances high: read off the verdict, names only for a NaN."""
    assert health.value_label(ColumnDrift("a", "numeric", "ks", 0.01, 0.05, True)) == (
        "p-value, drift below 0.05"
    )
    assert health.value_label(ColumnDrift("a", "numeric", "ks", 0.3, 0.05, False)) == (
        "p-value, drift below 0.05"
    )
    assert health.value_label(ColumnDrift("a", "numeric", "wasserstein", 0.3, 0.1, True)) == (
        "distance, drift at or above 0.1"
    )
    assert health.value_label(ColumnDrift("a", "numeric", "psi", 0.01, 0.1, False)) == (
        "index, drift at or above 0.1"
    )
    nan = float("nan")
    assert health.drifts_below(ColumnDrift("a", "numeric", "chisquare", nan, 0.05, False))
    assert not health.drifts_below(ColumnDrift("a", "numeric", "jensenshannon", nan, 0.1, False))


def test_thresholds_are_named_warn_or_fail_levels() -> None:
    assert health.level(finding(1, WARN)) == "warn level 0.5"
    assert health.level(finding(1, FAIL)) == "fail level 0.5"
    assert health.level(finding(1, OK)) == "limit 0.5"
    assert health.level(Finding("t", "c", WARN, "m")) == "—"


def test_sparklines_share_one_scale_and_merge_many_bins() -> None:
    shape = Distribution("x", ("a", "b"), (0.5, 0.5), (0.0, 1.0))
    assert health.spark_pair(shape) == "ref ▅▅ · cur ▁█"
    many = Distribution("x", tuple("0123456789" * 5), (0.02,) * 50, (0.02,) * 50)
    assert health.spark_pair(many, width=10) == "ref ██████████ · cur ██████████"
    assert health.spark_pair(Distribution("x", (), (), ())) == ""


def test_each_column_says_the_kind_its_test_gave_it_and_why_or_that_it_was_not_tested() -> None:
    import dataclasses

    report = sample_report()
    coded = ColumnDrift(
        "children", "numeric", "chisquare", 0.2, 0.05, False, "categorical",
        "integer, 7 values: categorical",
    )  # fmt: skip
    notes = ColumnDrift(
        "notes", "text", "none", math.nan, math.nan, False, "text",
        "text: 812 distinct of 1,000 values; not drift-tested",
    )  # fmt: skip
    report = dataclasses.replace(report, drift=(*report.drift, coded, notes))
    markdown, page = health.to_markdown(report), health.to_html(report)
    text = plain_text(report, width=220)
    for rendered in (markdown, page, text):
        assert "integer, 7 values: categorical" in rendered
        assert "812 distinct of 1,000 values" in rendered
        assert "not tested" in rendered
    row = next(line for line in markdown.splitlines() if line.startswith("| notes |"))
    assert "| — |" in row and "nan" not in row.lower()


def test_drifted_columns_get_a_larger_text_chart_in_the_markdown() -> None:
    """GitHub draws no SVG in a comment: a drifted column's shapes are column charts of text,
    both sides on one scale, folded after the drift table; columns that did not drift get none."""
    markdown = health.to_markdown(sample_report())
    charts = markdown[
        markdown.index("<summary>Drifted columns: reference vs current (3)</summary>") :
    ]
    charts = charts[: charts.index("</details>")]
    assert [line.split("**")[1] for line in charts.splitlines() if line.startswith("**")] == [
        "income",
        "city",
        "tenure",
    ]
    assert charts.count("```text") == 3 and "reference │" in charts and "current │" in charts


def test_a_text_chart_scales_both_sides_alike_and_cannot_end_its_code_block() -> None:
    shape = Distribution("x", ("`a`", "b", "```"), (1.0, 0.0, 0.0), (0.5, 0.0, 0.5))
    chart = health.text_chart(shape, rows=2)
    lines = chart.splitlines()
    assert lines[0] == "```text" and lines[-1] == "```" and chart.count("```") == 2
    assert lines[1:4] == ["reference │█", "          │█", "          └───"]  # the peak: 2 rows
    assert lines[4:7] == ["  current │", "          │█ █", "          └───"]  # half: 1 row
    assert lines[7].strip() == "'a' … '''"
    assert health.text_chart(Distribution("x", (), (), ())) == ""


def test_the_charts_fold_stays_within_its_budget_with_huge_names_and_many_columns() -> None:
    big = "`<x|" * 10_000
    names = [f"{big}{i}" for i in range(300)]
    report = HealthReport(
        findings=(),
        drift=tuple(ColumnDrift(n, "numeric", "wasserstein", 0.5, 0.1, True) for n in names),
        dataset_drift_share=1.0,
        distributions=tuple(Distribution(n, ("a", "b"), (0.9, 0.1), (0.1, 0.9)) for n in names),
    )
    markdown = to_markdown(report)
    assert len(markdown) < MARKDOWN_LIMIT
    charts = markdown[markdown.index("Drifted columns: reference vs current (300)") :]
    assert f"_{300 - health.CHARTED} more drifted column(s): see the HTML report's charts._" in (
        charts
    )
    assert markdown.count("<details>") == markdown.count("</details>") == 2
