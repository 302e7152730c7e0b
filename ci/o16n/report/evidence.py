"""The evidence bundle's index (`o16n.lifecycle.evidence` collects it): Markdown, one
self-contained HTML page in the reports' look (the health report's stylesheet), and JSON; and
the modifications between two versions as Markdown and terminal text.

The index leads with what does not verify (the release, ledger records), so a failing check is
never read as evidence; then each Annex IV and SR 11-7 section with its files and what is
missing; then the ledger records one by one.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

from o16n.report.health import CSS
from o16n.report.markup import bullets, cell, page, table

if TYPE_CHECKING:
    from o16n.lifecycle.evidence import Evidence, Modifications, Record, Section
    from o16n.lifecycle.history import Deployment

SOURCES = {
    "EU AI Act Annex IV": "Regulation (EU) 2024/1689, Annex IV, technical documentation referred "
    "to in Article 11(1)",
    "SR 11-7": 'Board of Governors of the Federal Reserve System, SR 11-7 "Guidance on Model Risk '
    'Management" (2011)',
}


def _status(record: Record) -> str:
    return "verified" if record.verified else "DOES NOT VERIFY"


def _record_row(r: Record) -> list[object]:
    problems = "; ".join(r.problems) or ("ledger-wide problems" if not r.verified else "")
    return [
        r.seq if r.seq is not None else "?",
        r.what,
        r.env or "",
        r.time,
        r.actor,
        r.verdict or "",
        ", ".join(r.approvals) or "none",
        "; ".join(r.waivers) or "none",
        f"{_status(r)}{f': {problems}' if problems else ''}",
    ]


DEPLOYMENT_HEADER = (
    "env", "action", "since", "until", "by", "approvals", "verdict", "pack", "ledger seq", "status",
)  # fmt: skip


def _deployment_row(d: Deployment) -> list[object]:
    origin = (
        f" from {d.from_env}" if d.from_env else f" from {d.from_version}" if d.from_version else ""
    )
    status = "verified" if d.verified else f"DOES NOT VERIFY: {'; '.join(d.problems)}"
    return [
        d.env,
        f"{d.action}{origin}",
        d.since,
        d.until or "runs now",
        d.actor,
        ", ".join(f"{a.who} ({a.how})" for a in d.approvals) or "none",
        d.verdict,
        d.pack,
        d.seq,
        status,
    ]


RECORD_HEADER = ("seq", "what", "env", "time", "actor", "verdict", "approvals", "waivers", "status")


def _framework_groups(sections: Sequence[Section]) -> list[tuple[str, list[Section]]]:
    groups: dict[str, list[Section]] = {}
    for section in sections:
        groups.setdefault(section.framework, []).append(section)
    return list(groups.items())


# ---- Markdown --------------------------------------------------------------------------------


def to_markdown(e: Evidence) -> str:
    lines = [f"# Evidence: {cell(e.tag)}", ""]
    lines += [f"Commit `{e.commit[:12]}`; built {e.built}. Files are paths in this bundle.", ""]
    lines += _checks_markdown(e)
    for framework, group in _framework_groups(e.sections):
        lines += [f"## {cell(framework)}", "", f"Source: {cell(SOURCES.get(framework, ''))}.", ""]
        for s in group:
            lines += [f"### {cell(s.number)}. {cell(s.title)}", ""]
            lines += bullets(f"`{path}`" for path in s.files) or ["- no file in this bundle"]
            lines += [f"- **missing:** {cell(note)}" for note in s.missing]
            lines.append("")
    lines += ["## Deployments of this version", ""]
    lines += (
        table(DEPLOYMENT_HEADER, [_deployment_row(d) for d in e.deployments])
        if e.deployments
        else ["never deployed"]
    )
    lines += ["", "## Ledger records of this version", ""]
    lines += table(RECORD_HEADER, [_record_row(r) for r in e.records]) if e.records else []
    lines += ["no ledger record names this version"] if not e.records else []
    lines.append("")
    if e.modifications is not None:
        lines += [modifications_to_markdown(e.modifications)]
    return "\n".join(lines).rstrip() + "\n"


def _checks_markdown(e: Evidence) -> list[str]:
    lines = ["## Checked at build time", ""]
    release = e.release
    if release.verified:
        lines.append(
            f"- release `{release.bundle}`: **verified**, signed by {cell(release.signer)}"
        )
    else:
        lines.append(f"- release `{release.bundle}`: **DOES NOT VERIFY**")
        lines += [f"  - {cell(p)}" for p in release.problems]
    failing = [r for r in e.records if not r.verified]
    lines.append(
        f"- ledger: {len(e.records) - len(failing)} of {len(e.records)} records of this version "
        "verify" + (f"; **{len(failing)} DO NOT VERIFY**" if failing else "")
    )
    lines += [f"  - ledger: {cell(p)}" for p in e.ledger_problems]
    wrong = [d for d in e.deployments if not d.verified]
    lines.append(
        f"- deployments: {len(e.deployments) - len(wrong)} of {len(e.deployments)} verify"
        + (f"; **{len(wrong)} DO NOT VERIFY**" if wrong else "")
    )
    lines.append(f"- monitoring: {len(e.monitoring)} monitor report(s) of this version")
    return [*lines, ""]


def modifications_to_markdown(m: Modifications) -> str:
    verdict = "substantial modifications" if m.substantial else "no substantial modification"
    lines = [f"## Modifications from {m.old} to {m.new}: {verdict}", ""]
    lines += [f"From `{m.old_commit[:12]}` to `{m.new_commit[:12]}`.", ""]
    for c in m.categories:
        state = "changed" if c.changed else "unchanged"
        lines += [f"### {cell(c.name)}: {state}", "", f"Compared: {cell(c.basis)}.", ""]
        lines += [f"- {cell(change)}" for change in c.changes]
        lines += [""] if c.changes else []
    return "\n".join(lines).rstrip() + "\n"


# ---- JSON ------------------------------------------------------------------------------------


def to_dict(e: Evidence) -> dict[str, Any]:
    return {
        "model": e.model,
        "version": e.version,
        "commit": e.commit,
        "built": e.built,
        "release": asdict(e.release),
        "ledger_problems": list(e.ledger_problems),
        "records": [asdict(r) for r in e.records],
        "deployments": [asdict(d) | {"verified": d.verified} for d in e.deployments],
        "monitoring": list(e.monitoring),
        "sources": SOURCES,
        "sections": [asdict(s) for s in e.sections],
        "files": [{"path": x.path, "source": x.source} for x in e.entries],
        "modifications": e.modifications is not None,
    }


def to_json(e: Evidence) -> str:
    return json.dumps(to_dict(e), indent=2) + "\n"


# ---- HTML ------------------------------------------------------------------------------------


# the only additions to the reports' stylesheet: short cells and file names do not break
EXTRA_CSS = "td.k{white-space:nowrap;overflow-wrap:normal}td code{white-space:nowrap}"
SHORT = {0, 1, 2, 3, 5}  # the record table's columns that stay on one line


def _e(value: object) -> str:
    return html.escape(str(value))


def to_html(e: Evidence) -> str:
    body = [f"<h1>Evidence: {_e(e.tag)}</h1>"]
    body.append(
        f'<p class="muted">commit <code>{_e(e.commit[:12])}</code> · built {_e(e.built)}</p>'
    )
    body += _checks_html(e)
    for framework, group in _framework_groups(e.sections):
        body.append(
            f'<h2>{_e(framework)}</h2><p class="muted">{_e(SOURCES.get(framework, ""))}</p>'
        )
        rows = "".join(_section_row(s) for s in group)
        body.append(
            '<div class="scroll"><table><thead><tr><th>section</th><th>files in this bundle</th>'
            f"<th>missing</th></tr></thead><tbody>{rows}</tbody></table></div>"
        )
    body.append("<h2>Deployments of this version</h2>")
    body.append(
        _table_html(
            DEPLOYMENT_HEADER,
            [(d.verified, _deployment_row(d)) for d in e.deployments],
            "never deployed",
        )
    )
    body.append("<h2>Ledger records of this version</h2>")
    body.append(_records_html(e.records))
    if e.modifications is not None:
        body.append(_modifications_html(e.modifications))
    return page(f"evidence {e.tag} · o16n", CSS + EXTRA_CSS, "\n".join(body))


def _checks_html(e: Evidence) -> list[str]:
    failing = [r for r in e.records if not r.verified]
    bad = not e.verified or e.ledger_problems
    klass = "fail" if bad else "ok"
    if e.release.verified:
        release = f"release verified, signed by {_e(e.release.signer)}"
    else:
        release = "release DOES NOT VERIFY: " + _e("; ".join(e.release.problems))
    ledger = f"{len(e.records) - len(failing)} of {len(e.records)} ledger records verify"
    if failing:
        ledger += f"; {len(failing)} DO NOT VERIFY"
    items = [release, ledger, *(_e(p) for p in e.ledger_problems)]
    return [
        f'<div class="verdict {klass}">{"checks failed" if bad else "all checks pass"}</div>',
        "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>",
    ]


def _section_row(s: Section) -> str:
    files = "<br>".join(f"<code>{_e(p)}</code>" for p in s.files) or "no file in this bundle"
    missing = "<br>".join(_e(m) for m in s.missing)
    klass = ' class="warn"' if s.missing and not s.files else ""
    return (
        f"<tr{klass}><td>{_e(s.number)}. {_e(s.title)}</td><td>{files}</td><td>{missing}</td></tr>"
    )


def _records_html(records: Sequence[Record]) -> str:
    rows = [(r.verified, _record_row(r)) for r in records]
    return _table_html(RECORD_HEADER, rows, "no ledger record names this version")


def _table_html(
    header: Sequence[str], rows: Sequence[tuple[bool, Sequence[object]]], empty: str
) -> str:
    """A table whose rows are marked ok or fail (verified or not); `empty` when none."""
    if not rows:
        return f"<p>{_e(empty)}</p>"
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        f'<tr class="{"ok" if verified else "fail"}">'
        + "".join(
            f'<td class="k">{_e(v)}</td>' if i in SHORT else f"<td>{_e(v)}</td>"
            for i, v in enumerate(values)
        )
        + "</tr>"
        for verified, values in rows
    )
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _modifications_html(m: Modifications) -> str:
    verdict = "substantial modifications" if m.substantial else "no substantial modification"
    rows = "".join(
        f'<tr class="{"warn" if c.changed else "ok"}"><td>{_e(c.name)}</td>'
        f"<td>{'changed' if c.changed else 'unchanged'}</td>"
        f"<td>{'<br>'.join(_e(x) for x in c.changes)}</td><td>{_e(c.basis)}</td></tr>"
        for c in m.categories
    )
    return (
        f"<h2>Modifications from {_e(m.old)} to {_e(m.new)}: {verdict}</h2>"
        '<div class="scroll"><table><thead><tr><th>category</th><th>state</th><th>changes</th>'
        f"<th>compared</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )


# ---- the terminal ----------------------------------------------------------------------------


def modifications_to_text(m: Modifications, console: Console) -> None:
    verdict = (
        "[warn]substantial modifications[/]"
        if m.substantial
        else "[ok]no substantial modification[/]"
    )
    console.print(f"{escape(m.old)} → {escape(m.new)}: {verdict}", highlight=False)
    for c in m.categories:
        state = "[warn]changed[/]" if c.changed else "unchanged"
        console.print(f"  {escape(c.name)}: {state} (compared: {escape(c.basis)})", highlight=False)
        for change in c.changes:
            console.print(f"    - {escape(change)}", highlight=False)


def summary_to_text(e: Evidence, output: str, files: int, console: Console) -> None:
    failing = [r for r in e.records if not r.verified]
    release = "[ok]verified[/]" if e.release.verified else "[fail]DOES NOT VERIFY[/]"
    console.print(f"evidence {escape(e.tag)}: {escape(output)} ({files} files)", highlight=False)
    console.print(f"  release: {release}", highlight=False)
    for problem in e.release.problems:
        console.print(f"    - {escape(problem)}", highlight=False)
    ledger = f"{len(e.records) - len(failing)} of {len(e.records)} records verify"
    console.print(
        f"  ledger: {ledger}" + (f" [fail]({len(failing)} do not)[/]" if failing else ""),
        highlight=False,
    )
    console.print(f"  monitoring: {len(e.monitoring)} report(s)", highlight=False)
