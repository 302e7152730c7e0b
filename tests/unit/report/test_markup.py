"""report.markup: text from outside cannot split a table row or close o16n's `<details>` blocks,
checked on the helpers and on the decision and health Markdown rendered as GitHub would."""

from __future__ import annotations

import math
from html.parser import HTMLParser

from markdown_it import MarkdownIt

from o16n.health.findings import FAIL, OK, Finding, HealthReport
from o16n.policy.gate import FAIL as RULE_FAIL
from o16n.policy.gate import PASS, Decision, Outcome
from o16n.report import decision, health
from o16n.report.markup import (
    bullets,
    cell,
    decimals,
    details,
    num,
    number,
    page,
    row,
    signed,
    table,
)

EVIL = "x | y\nz </details> <b>bold</b>"  # a rule's message, written by whoever wrote the pack
SHOWN = "x | y z </details> <b>bold</b>"  # what a reader sees in the cell: the text, on one line
GITHUB = MarkdownIt("commonmark", {"html": True}).enable("table")  # as GitHub renders, near enough


class Rendered(HTMLParser):
    """The table rows (cell texts) and the `<details>` blocks of rendered Markdown."""

    def __init__(self, markdown: str) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.opened = self.closed = 0
        self.folded: list[str] = []  # the text inside each <details>
        self._cell: list[str] | None = None
        self.feed(GITHUB.render(markdown))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "details":
            self.opened += 1
            self.folded.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "details":
            self.closed += 1

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self.opened > self.closed:
            self.folded[-1] += data


# ---- the helpers -----------------------------------------------------------------------------


def test_cell_makes_html_inert_escapes_pipes_and_backslashes_and_folds_newlines() -> None:
    assert cell(EVIL) == "x \\| y z &lt;/details&gt; &lt;b&gt;bold&lt;/b&gt;"
    assert cell("a\\|b") == "a\\\\\\|b"  # the backslash stays text, the pipe splits nothing
    assert cell("  two   spaces\r\n\ttab  ") == "two spaces tab"
    assert cell(None) == "None" and cell("") == "" and cell(0.5) == "0.5"


def test_cell_with_breaks_keeps_lines_as_br_and_limit_cuts_with_an_ellipsis() -> None:
    assert cell("a|b\n\n <c>\n", breaks=True) == "a\\|b<br><br>&lt;c&gt;"
    assert cell("abcdef", 4) == "abc…"
    assert cell("abcd", 4) == "abcd"
    assert cell("<" * 10, 3) == "&lt;&lt;…"  # cut before escaping: an entity is never cut


def test_table_row_and_bullets() -> None:
    assert table(("k", "v|w"), [("a", "1\n2"), ("", None)]) == [
        "| k | v\\|w |",
        "|---|---|",
        "| a | 1<br>2 |",
        "|  | None |",
    ]
    assert row(["`id`", "✅ pass"]) == "| `id` | ✅ pass |"
    assert bullets(["one\n  line", " ", "[a link](https://example.com)"]) == [
        "- one line",
        "- [a link](https://example.com)",
    ]
    assert bullets([]) == []


def test_numbers() -> None:
    assert [num(0.95614), num(1234.5), num(None), num(math.nan), num(3)] == [
        "0.9561", "1,234", "—", "—", "3",
    ]  # fmt: skip
    assert [signed(0.01), signed(-2.0), signed(0.0), signed(None), signed(math.nan)] == [
        "+0.01", "-2", "0", "—", "—",
    ]  # fmt: skip
    assert [decimals(0.95614), decimals(55.3), decimals(2.0), decimals(42), decimals("—")] == [
        "0.9561", "55.3", "2", "42", "—",
    ]  # fmt: skip
    assert decimals(math.inf) == "∞"


def test_one_number_format_the_faults_of_issue_15() -> None:
    """Thousands separators, at most 4 significant digits, no e-notation, units after a space;
    counts (ints) exact."""
    assert number(46503.496503496506) == "46,500"
    assert number(-979021.0, "EUR") == "-979,000 EUR"
    assert number(-9.79e05, "EUR") == "-979,000 EUR"  # the same number prints the same way
    assert number(1.8e-05, sign=True) == "+1.8×10⁻⁵"
    assert number(0.00012345) == "0.0001234"
    assert number(9999.6) == "10,000"  # rounding carries into a new digit
    assert number(1234567) == "1,234,567"  # a count: every digit
    assert number(-0.0, sign=True) == "0"
    assert (number(math.inf, sign=True), number(-math.inf)) == ("+∞", "-∞")
    assert (number(None, "ms"), number(True), number("n/a")) == ("—", "True", "n/a")
    assert number(3e20) == "3×10²⁰"


def test_details_leaves_markdown_room_inside() -> None:
    block = details("3 rule(s) passed", "- a\n- b")
    assert block == "<details><summary>3 rule(s) passed</summary>\n\n- a\n- b\n\n</details>"
    rendered = Rendered(block + "\n")
    assert (rendered.opened, rendered.closed) == (1, 1)


def test_page_is_one_self_contained_document() -> None:
    html = page("a <title> & more", "body{margin:0}", "<p>hi</p>")
    assert html.startswith('<!doctype html><html lang="en"><head><meta charset="utf-8">')
    assert "<title>a &lt;title&gt; &amp; more</title>" in html
    assert "<style>body{margin:0}</style>" in html
    assert html.endswith("<body><main><p>hi</p></main></body></html>\n")


# ---- a hostile message through the reporters ------------------------------------------------


def test_a_rule_message_cannot_break_the_decision_table_or_its_details_block() -> None:
    outcomes = (
        Outcome("bad-rule", "checks things", "error", RULE_FAIL, EVIL),
        Outcome("good-rule", f"describes {EVIL}", "error", PASS, ""),
    )
    markdown = decision.to_markdown(Decision("pr", None, outcomes, (), (EVIL,)), "default")
    assert (
        "| `bad-rule` | ❌ fail | x \\| y z &lt;/details&gt; &lt;b&gt;bold&lt;/b&gt; |" in markdown
    )
    rendered = Rendered(markdown)
    assert rendered.rows == [["rule", "outcome", "what to do"], ["bad-rule", "❌ fail", SHOWN]]
    assert (rendered.opened, rendered.closed) == (1, 1)  # o16n's block, closed by o16n
    assert f"good-rule: describes {SHOWN}" in rendered.folded[0]
    assert "<b>" not in GITHUB.render(markdown)


def test_a_finding_message_cannot_break_the_health_tables_or_their_details_blocks() -> None:
    findings = (
        Finding("drift|check", "column_drift", FAIL, EVIL, 0.5, 0.1, "psi", "col\nname"),
        Finding("fine", "schema", OK, "all columns there"),
    )
    rendered = Rendered(health.to_markdown(HealthReport(findings)))
    evil_row = ["❌", "drift|check", "col name", "0.5", "fail level 0.1", "psi", SHOWN]
    assert rendered.rows.count(evil_row) == 1  # "What fired"
    assert all(len(r) == 7 for r in rendered.rows)
    assert (rendered.opened, rendered.closed) == (1, 1)
    assert "all columns there" in rendered.folded[0]  # "Passed", folded


def test_an_ok_finding_with_details_in_its_message_stays_inside_the_passed_fold() -> None:
    findings = (Finding("fine|ok", "schema", OK, EVIL * 3, 1.0, 2.0, "m", "c|d"),)
    rendered = Rendered(health.to_markdown(HealthReport(findings)))
    assert (rendered.opened, rendered.closed) == (1, 1)
    assert rendered.rows[-1] == ["✅", "fine|ok", "c|d", "1", "limit 2", "m", SHOWN * 3]
    assert SHOWN in rendered.folded[0]


def test_messages_below_the_reporters_print_numbers_the_same_way() -> None:
    """A KPI line, a timeline entry and a CEL value in a gate line use `o16n.numbers` too, so a
    report never shows one figure in two formats."""
    from o16n.health.kpi import KPIResult, describe
    from o16n.lifecycle.timeline import _metrics
    from o16n.policy.gate import _plain

    kpi = KPIResult("expected value", "EUR", -979021.0, 0.5, 46503.496503496506, 0.25, 123.456)
    assert describe(kpi) == (
        "-979,000 at threshold 0.5; best 46,500 at threshold 0.25; 123.5 positives per 1,000"
    )
    assert _metrics({"roc_auc": 0.997694, "rows": 46503.496503496506}) == (
        "roc_auc 0.9977, rows 46,500"
    )
    assert _plain(1.8e-05) == "1.8×10⁻⁵"
