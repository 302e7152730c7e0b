"""Reporters for the model's timeline (`o16n.lifecycle.timeline` builds the events): a Markdown
table for a README, a wiki or a job summary, and one self-contained HTML page. `RENDERERS`
maps each format name to its `(events) -> str` function."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from o16n.report.markup import cell, page, row

if TYPE_CHECKING:
    from o16n.lifecycle.timeline import Event

TITLE = "Model timeline"
HEADER = ("when (UTC)", "event", "commit", "who", "details")


def _when(time: str) -> str:
    return time.replace("T", " ").removesuffix("Z")


def to_markdown(events: Sequence[Event], title: str = TITLE) -> str:
    rows = [f"# {cell(title)}", "", row(HEADER), "|---|---|---|---|---|"]
    for e in events:
        details = "<br>".join(cell(d) for d in e.details)
        summary = f"{e.kind}: {cell(e.summary)}"
        rows.append(row([_when(e.time), summary, f"`{e.commit[:7]}`", cell(e.actor), details]))
    if not events:
        rows.append("| | no history yet | | | |")
    return "\n".join(rows) + "\n"


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1f2328; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #d0d7de; padding: .4rem .6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td ul { margin: 0; padding-left: 1.2rem; }
code { font-family: ui-monospace, monospace; }
tr.decision td:nth-child(2) { font-weight: 600; }
"""


def to_html(events: Sequence[Event], title: str = TITLE) -> str:
    """One self-contained page: inline CSS, no scripts, no links out."""
    rows = "\n".join(_html_row(e) for e in events) or (
        '<tr><td colspan="5">no history yet</td></tr>'
    )
    head = "".join(f"<th>{name}</th>" for name in HEADER)
    return page(
        title,
        STYLE,
        f"\n<h1>{html.escape(title)}</h1>\n<table>\n<thead><tr>{head}</tr></thead>\n"
        f"<tbody>\n{rows}\n</tbody>\n</table>\n",
    )


def _html_row(e: Event) -> str:
    details = "".join(f"<li>{html.escape(d)}</li>" for d in e.details)
    cells = [
        html.escape(_when(e.time)),
        f"{html.escape(e.kind)}: {html.escape(e.summary)}",
        f"<code>{html.escape(e.commit[:7])}</code>",
        html.escape(e.actor),
        f"<ul>{details}</ul>" if details else "",
    ]
    return f'<tr class="{html.escape(e.kind)}">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


RENDERERS: dict[str, Callable[[Sequence[Event]], str]] = {"md": to_markdown, "html": to_html}
