"""Reporters for the model inventory (`o16n.lifecycle.inventory.Inventory`): the terminal table,
JSON, and one HTML page in the reports' look (report.health's stylesheet, markup.page)."""

from __future__ import annotations

import dataclasses
import html
import json
from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from o16n.lifecycle.inventory import Environment, Inventory, Row
from o16n.report.health import CSS
from o16n.report.markup import page

TITLE = "o16n model inventory"
HEADER = ("model", "owner", "risk tier", "environments", "last validated", "due", "monitor issues")


def _env(e: Environment) -> str:
    return f"{e.name} {e.version or '—'}"


def _validated(e: Environment) -> str:
    return e.validated[:10] if e.validated else "—"


def _due(e: Environment) -> str:
    if not e.due:
        return "—"
    if e.expired:
        return f"{e.due} (overdue)"
    return f"{e.due} ({e.days_left} d)" if e.days_left is not None else e.due


def _issues(row: Row) -> str:
    if row.monitor_issues is None:
        return row.monitor_note
    return ", ".join(row.monitor_issues) or "none open"


def cells(row: Row) -> tuple[str, ...]:
    """A row as text, one environment a line; an error row names its source and the error."""
    if not row.ok:
        return (row.source, "", "", "", "", "", f"error: {row.error}")
    envs = row.environments
    return (
        row.model,
        ", ".join(row.owners) or "—",
        row.risk_tier or "—",
        "\n".join(_env(e) for e in envs),
        "\n".join(_validated(e) for e in envs),
        "\n".join(_due(e) if row.revalidate_every else "does not expire" for e in envs),
        _issues(row),
    )


def to_text(inventory: Inventory, console: Console) -> None:
    table = Table(title=f"{TITLE} ({inventory.today})", title_justify="left")
    for name in HEADER:
        table.add_column(name)
    for row in inventory.rows:
        style = "fail" if not row.ok or any(e.expired for e in row.environments) else None
        table.add_row(*cells(row), style=style)
    console.print(table)


def to_json(inventory: Inventory) -> str:
    data = dataclasses.asdict(inventory)
    data["ok"] = inventory.ok
    return json.dumps(data, indent=2) + "\n"


def to_html(inventory: Inventory) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in HEADER)
    rows = "\n".join(_html_row(r) for r in inventory.rows) or (
        f'<tr><td colspan="{len(HEADER)}">no repositories</td></tr>'
    )
    body = (
        f"<h1>{html.escape(TITLE)}</h1>"
        f'<p class="muted">{len(inventory.rows)} repositories, as on their main branch, '
        f"{html.escape(inventory.today)}</p>"
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>\n{rows}\n</tbody></table></div>"
    )
    return page(TITLE, CSS, body)


def _html_row(row: Row) -> str:
    overdue = not row.ok or any(e.expired for e in row.environments)
    kind = ' class="fail"' if overdue else ""
    parts = []
    for text in cells(row):
        lines = "<br>".join(html.escape(line) for line in text.split("\n"))
        parts.append(f"<td>{lines}</td>")
    return f"<tr{kind}>" + "".join(parts) + "</tr>"


RENDERERS: dict[str, Callable[[Inventory], str]] = {"json": to_json, "html": to_html}
