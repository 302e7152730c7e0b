"""The Markdown and HTML pieces every reporter builds with, so text from outside (a rule's
message, a column name, a commit author, a model card's prose) is made safe in one place.

A Markdown table cell must stay one line, and a `|` or `\\` in it must not split the row. The
pull-request comment wraps sections in `<details>` blocks, so HTML in any text must be inert: a
`</details>` in a message would close o16n's block. GitHub renders `&lt;` as `<`, so readers see
the text as written. Code spans are the exception (entities show literally there): callers put
only o16n's own identifiers in backticks.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from o16n.numbers import DASH, DIGITS, number

__all__ = ["DASH", "DIGITS", "number"]  # the one number format, re-exported for the reporters


def _inert(line: str) -> str:
    """`\\` first, so the backslash escaping `|` is not itself doubled."""
    return html.escape(line.replace("\\", "\\\\").replace("|", "\\|"), quote=False)


def cell(value: object, limit: int | None = None, *, breaks: bool = False) -> str:
    """One Markdown table cell: HTML inert, `|` and `\\` escaped, on one line.

    Runs of whitespace, newlines included, become one space; with `breaks`, the lines are kept
    as `<br>` (a model card's multi-line text). `limit` cuts the text to that many characters,
    the last one an ellipsis (the JSON report has it in full).
    """
    text = str(value).strip()
    folded = "\n".join(" ".join(line.split()) for line in (text.splitlines() if breaks else [text]))
    if limit is not None and len(folded) > limit:
        folded = folded[: limit - 1] + "…"
    return "<br>".join(_inert(line) for line in folded.split("\n"))


def row(cells: Iterable[str]) -> str:
    """A table row of cells already made safe (with `cell`, or o16n's own markup)."""
    return "| " + " | ".join(cells) + " |"


def table(header: Sequence[object], rows: Iterable[Sequence[object]]) -> list[str]:
    """A table's lines, every cell (header included) through `cell`, all columns left-aligned."""
    lines = [row(cell(name) for name in header), "|" + "---|" * len(header)]
    return lines + [row(cell(value, breaks=True) for value in values) for values in rows]


def bullets(items: Iterable[str]) -> list[str]:
    """A list item per item that is not blank, each on one line; none for no items. The items
    are Markdown (a person's prose, links and emphasis kept): pass foreign text through `cell`."""
    return [f"- {' '.join(item.split())}" for item in items if item.strip()]


def details(summary: str, body: str) -> str:
    """A folded block. `summary` is o16n's own text; the blank lines around `body` let Markdown
    render inside the HTML block (and the caller leaves a blank line after it, to end it)."""
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>"


def num(value: float | None) -> str:
    """A measured value: `number` without a unit."""
    return number(value)


def signed(value: float | None) -> str:
    """A difference: +0.01, -2, 0 (no sign); None and NaN -> —."""
    return number(value, sign=True)


def decimals(value: object) -> str:
    """A model card's value: `number` (the name is older than the one formatting function)."""
    return number(value)


def page(title: str, css: str, body: str) -> str:
    """One self-contained HTML page: inline CSS, no scripts, nothing to fetch (it opens from a CI
    artifact offline). `body` is HTML; `title` is text."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        f"<style>{css}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )
