"""Reporters for `o16n history`: what ran in an environment at a moment, as text, JSON and one
self-contained HTML page (`o16n.lifecycle.history` reconstructs and verifies the states)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

from o16n.report.health import CSS
from o16n.report.markup import page

if TYPE_CHECKING:
    from o16n.lifecycle.history import Deployment

VERBS = {"rollback": "rolled back", "promote": "promoted", "deploy": "deployed"}


@dataclass(frozen=True)
class Moment:
    """The answer to "what ran in `env` at `when`": the state then (None: nothing yet), and
    the first state ever (to say when the environment began)."""

    env: str
    when: datetime
    state: Deployment | None
    first: Deployment | None


def when_text(text: str | datetime | None) -> str:
    if text is None:
        return "now"
    if isinstance(text, datetime):
        return text.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return text.replace("T", " ").replace("Z", " UTC")


def to_json(moments: Sequence[Moment]) -> dict[str, Any]:
    return {
        "environments": [
            {
                "env": m.env,
                "at": m.when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "running": _state_json(m.state) if m.state else None,
                "verified": m.state.verified if m.state else None,
            }
            for m in moments
        ]
    }


def _state_json(state: Deployment) -> dict[str, Any]:
    body = asdict(state)
    body["verified"] = state.verified
    body["approvals"] = [asdict(a) for a in state.approvals]
    return body


# ---- text ------------------------------------------------------------------------------------


def to_text(moments: Sequence[Moment], console: Console) -> None:
    for index, moment in enumerate(moments):
        if index:
            console.print()
        for line in _lines(moment):
            console.print(line, highlight=False)


def to_plain(moments: Sequence[Moment]) -> str:
    """The text report without colour, for a file."""
    capture = Console(record=True, width=120, color_system=None)
    with capture.capture() as captured:
        to_text(moments, capture)
    return captured.get()


def _lines(moment: Moment) -> list[str]:
    head = f"[step]{escape(moment.env)}[/step] at {when_text(moment.when)}"
    state = moment.state
    if state is None:
        began = (
            f"; its first deploy was at {when_text(moment.first.since)}"
            if moment.first
            else ": it has never had a deploy"
        )
        return [f"{head}: nothing ran{began}"]
    mark = "[ok]verified[/ok]" if state.verified else "[fail]does not verify[/fail]"
    lines = [f"{head}: [bold]{escape(state.version or '?')}[/bold] — {mark}"]
    lines += [f"  {name:<9}{escape(value)}" for name, value in _facts(state)]
    if state.problems:
        lines.append("  [fail]problems[/fail]")
        lines += [f"    - {escape(problem)}" for problem in state.problems]
    return lines


def _facts(state: Deployment) -> list[tuple[str, str]]:
    """(label, text) pairs, in the order a reader asks: since when, who, what, why allowed."""
    verb = VERBS.get(state.action, state.action)
    origin = f" from {state.from_env}" if state.from_env else ""
    replaced = f", replacing {state.from_version}" if state.from_version else ""
    until = f" until {when_text(state.until)}" if state.until else " (runs now)"
    facts = [
        ("since", f"{when_text(state.since)}{until}"),
        ("how", f"{verb}{origin}{replaced} by {state.actor or 'unknown'}"),
        ("commit", state.commit or "unknown"),
        ("data", _hashes(state.data)),
        ("model", _hashes(state.model)),
        ("approved", _approvals(state)),
    ]
    if state.decision is not None:
        decided = state.decision
        gate = f"{state.verdict} under pack {state.pack or '?'}, ledger seq {decided.get('seq')}"
        facts.append(("gate", f"{gate} (hash {str(decided.get('hash'))[:12]})"))
        outcomes = _outcomes(decided)
        if outcomes:
            facts.append(("rules", outcomes))
    else:
        facts.append(("gate", "no recorded decision stands behind this state"))
    facts += [("waiver", _waiver(w)) for w in state.waivers]
    if state.action == "rollback":
        facts.append(("record", f"ledger seq {state.seq} (hash {state.hash[:12]})"))
    return facts


def _hashes(found: dict[str, str]) -> str:
    return ", ".join(f"{path} {digest[:12]}" for path, digest in sorted(found.items())) or "none"


def _approvals(state: Deployment) -> str:
    return ", ".join(f"{a.who} ({a.how})" for a in state.approvals) or "none counted"


def _outcomes(decision: dict[str, Any]) -> str:
    rules = [r for r in decision.get("rules") or () if isinstance(r, dict)]
    parts = []
    for outcome in ("fail", "error", "warn", "waived"):
        named = [str(r.get("id")) for r in rules if r.get("outcome") == outcome]
        if named:
            parts.append(f"{outcome}: {', '.join(named)}")
    passed = sum(1 for r in rules if r.get("outcome") == "pass")
    return "; ".join([*parts, f"{passed} passed"]) if rules else ""


def _waiver(waiver: dict[str, Any]) -> str:
    return (
        f"{waiver.get('rule')} ({waiver.get('reason')}; approved by "
        f"{waiver.get('approved_by')}; expires {waiver.get('expires')})"
    )


# ---- HTML ------------------------------------------------------------------------------------

STYLE = (
    CSS
    + """
.state{background:#fff;border:1px solid var(--line);border-radius:10px;padding:16px 20px;
margin:16px 0}
.state h2{margin:0 0 8px;display:flex;flex-wrap:wrap;gap:10px;align-items:center}
.state dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
.state dt{font-weight:600;color:#475467}.state dd{margin:0;overflow-wrap:anywhere}
.state ul.problems{color:var(--fail);margin:8px 0 0}
"""
)


def to_html(moments: Sequence[Moment], title: str = "What ran where") -> str:
    sections = "\n".join(_html_moment(m) for m in moments)
    return page(title, STYLE, f"<h1>{html.escape(title)}</h1>\n{sections}\n")


def _html_moment(moment: Moment) -> str:
    env, when, state = html.escape(moment.env), html.escape(when_text(moment.when)), moment.state
    if state is None:
        began = (
            f"its first deploy was at {html.escape(when_text(moment.first.since))}"
            if moment.first
            else "it has never had a deploy"
        )
        return (
            f'<section class="state"><h2>{env} <span class="muted">at {when}</span></h2>'
            f"<p>Nothing ran: {began}.</p></section>"
        )
    badge = (
        '<span class="badge ok">verified</span>'
        if state.verified
        else '<span class="badge fail">does not verify</span>'
    )
    rows = "".join(
        f"<dt>{html.escape(name)}</dt><dd>{html.escape(value)}</dd>"
        for name, value in _facts(state)
    )
    problems = "".join(f"<li>{html.escape(p)}</li>" for p in state.problems)
    listed = f'<ul class="problems">{problems}</ul>' if problems else ""
    return (
        f'<section class="state"><h2>{env} <span class="muted">at {when}</span> '
        f"{html.escape(state.version or '?')} {badge}</h2><dl>{rows}</dl>{listed}</section>"
    )
