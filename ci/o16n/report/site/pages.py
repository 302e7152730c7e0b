"""The site's pages: one function per page, each returning the page's HTML from the `Site`."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from o16n.lifecycle.history import Deployment
from o16n.lifecycle.site import MonitorRun, Move, Site, Version
from o16n.numbers import number
from o16n.report.health import CSS
from o16n.report.markup import page
from o16n.report.site import charts

SITE_CSS = """
nav.site{display:flex;flex-wrap:wrap;gap:4px 14px;margin:0 0 18px;padding:10px 14px;
background:#fff;border:1px solid var(--line);border-radius:10px}
nav.site a{color:var(--ink);text-decoration:none;font-weight:600}
nav.site a[aria-current]{color:#175cd3;text-decoration:underline}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(320px,100%),1fr));gap:16px}
.card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:14px 16px}
.card h2{margin:0 0 8px}
ul.plain{margin:0;padding-left:1.1rem}
figure.wide svg.actual{width:auto;min-width:0;max-width:none}
.scroll table{min-width:720px}
"""
PAGES = (
    ("index.html", "Overview"),
    ("versions.html", "Versions"),
    ("environments.html", "Environments"),
    ("monitoring.html", "Monitoring"),
    ("decisions.html", "Decisions"),
    ("logs.html", "Logs"),
)
NO_RUN_URL = "unknown (the run was not in GitHub Actions, or it kept no address)"


def _e(value: object) -> str:
    return html.escape(str(value))


def _a(href: str, text: str) -> str:
    """A link to a page of the site or to an http(s) address; any other scheme (javascript:,
    data:, ... from a record or a kept monitor run) is shown as text, not linked."""
    if not _linkable(href):
        return _e(text)
    return f'<a href="{_e(href)}">{_e(text)}</a>'


def _linkable(href: str) -> bool:
    scheme = href.split(":", 1)[0].lower() if ":" in href.split("/", 1)[0] else ""
    return scheme in ("", "http", "https") and not href.strip().startswith("//")


def _when(time: str) -> str:
    return time.replace("T", " ").removesuffix("Z") + (" UTC" if time else "")


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], caption: str = "") -> str:
    """Cells are HTML already (escaped by the caller); header names are o16n's own."""
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    body = body or f'<tr><td colspan="{len(header)}">none yet</td></tr>'
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    return f'<div class="scroll"><table>{cap}<thead><tr>{head}</tr></thead>{body}</table></div>'


def _layout(site: Site, name: str, title: str, body: str) -> str:
    links = [(f, t) for f, t in PAGES] + [
        (_history_file(env), f"{env} history") for env in site.envs
    ]
    nav = "".join(
        f'<a href="{_e(f)}"{" aria-current=page" if f == name else ""}>{_e(t)}</a>'
        for f, t in links
    )
    header = (
        f'<nav class="site" aria-label="site">{nav}</nav><h1>{_e(title)}</h1>'
        f'<p class="muted">{_e(site.model)} · built {_e(_when(site.built))}</p>'
    )
    return page(f"{title} · {site.model} · o16n", CSS + SITE_CSS, header + body)


def _history_file(env: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in env)
    return f"history-{safe}.html"


def _decision_link(seq: int | None) -> str:
    return _a(f"decisions.html#seq-{seq}", f"gate decision, ledger seq {seq}") if seq else "—"


def _badge(severity: str) -> str:
    kind = {"pass": "ok", "ok": "ok", "warn": "warn"}.get(severity, "fail")
    return f'<span class="badge {kind}">{_e(severity)}</span>'


# ---- Overview --------------------------------------------------------------------------------


def overview(site: Site) -> str:
    cards = "".join(
        _running_card(site, site.running[env]) for env in site.envs if env in site.running
    )
    cards = cards or "<p>Nothing is deployed yet: no deploy in the ledger.</p>"
    latest = site.versions[-1].tag.version if site.versions else "none yet"
    status = _ledger_line(site)
    last_run = site.runs[-1] if site.runs else None
    monitored = (
        f"{_badge(last_run.severity)} {_e(_when(last_run.time))} on {_e(last_run.batch)} "
        f"({_a('monitoring.html', 'monitoring')})"
        if last_run
        else "no monitor run kept yet"
    )
    body = (
        f'<h2>What runs now</h2><div class="cards">{cards}</div>'
        f'<h2>At a glance</h2><ul class="plain"><li>latest version: {_e(latest)} '
        f"({len(site.versions)} in all, {_a('versions.html', 'versions')})</li>"
        f"<li>ledger: {status}</li><li>last monitor run: {monitored}</li></ul>"
    )
    return _layout(site, "index.html", "Overview", body)


def _approved(d: Deployment) -> str:
    return ", ".join(f"{a.who} ({a.how})" for a in d.approvals) or "no approval recorded"


def _verified(d: Deployment) -> str:
    if d.verified:
        return _badge("ok") + " verified"
    return f"{_badge('fail')} does not verify: {_folded(d.problems, 'why')}"


def _folded(problems: Sequence[str], label: str) -> str:
    """How many problems, and each of them in a fold (a record can have many)."""
    items = "".join(f"<li>{_e(p)}</li>" for p in problems)
    return (
        f'{len(problems)} problem(s)<details class="fold"><summary>{_e(label)}</summary>'
        f'<ul class="plain">{items}</ul></details>'
    )


def _running_card(site: Site, now: Deployment) -> str:
    decided = now.decision.get("seq") if now.decision else None
    rows = [
        ("version", f"{_e(now.version or '—')} (<code>{_e(now.commit[:12])}</code>)"),
        ("since", f"{_e(_when(now.since))}, by {_e(now.action)} ({_e(now.actor)})"),
        ("approved by", _e(_approved(now))),
        ("policy pack", _e(now.pack or "—")),
        ("gate", _decision_link(decided if isinstance(decided, int) else None)),
        ("record", _verified(now)),
        ("history", _a(_history_file(now.env), f"{now.env} over time")),
    ]
    items = "".join(f"<div><dt>{_e(k)}</dt><dd>{v}</dd></div>" for k, v in rows)
    return f'<section class="card"><h2>{_e(now.env)}</h2><dl class="inputs">{items}</dl></section>'


def _ledger_line(site: Site) -> str:
    verified = site.ledger
    if verified.ok:
        return f"{_badge('ok')} {verified.records} records verified at build time"
    return (
        f"{_badge('fail')} {len(verified.problems)} problem(s) in {verified.records} records "
        f"({_a('decisions.html#ledger', 'see the ledger')})"
    )


# ---- Versions --------------------------------------------------------------------------------


def versions(site: Site) -> str:
    names = sorted({k for v in site.versions for k in v.metrics})
    figures = [
        _figure(
            name, charts.trend(name, [(v.tag.version, v.metrics.get(name)) for v in site.versions])
        )
        for name in names
    ]
    kpis = [(v.tag.version, v.kpi.per_1000 if v.kpi else None) for v in site.versions]
    if any(value is not None for _, value in kpis):
        kpi = next(v.kpi for v in reversed(site.versions) if v.kpi)
        label = f"KPI: {kpi.name} per 1,000 predictions ({kpi.unit})"
        figures.insert(0, _figure(label, charts.trend(label, kpis)))
    charts_html = (
        f'<div class="charts">{"".join(figures)}</div>' if figures else "<p>No metrics.</p>"
    )
    rows = [_version_row(v) for v in reversed(site.versions)]
    header = ("version", "registered", "metrics", "KPI", "changes since the one before", "release")
    body = f"<h2>Trends across versions</h2>{charts_html}<h2>Every version</h2>"
    return _layout(site, "versions.html", "Versions", body + _table(header, rows))


def _figure(caption: str, svg: str, wide: bool = False) -> str:
    """A chart with its caption; a wide one scrolls sideways on a phone instead of shrinking."""
    kind = ' class="wide"' if wide else ""
    return f"<figure{kind}><figcaption>{_e(caption)}</figcaption>{svg}</figure>"


def _version_row(v: Version) -> list[str]:
    metrics = ", ".join(f"{k} {number(x)}" for k, x in v.metrics.items())
    kpi = f"{number(v.kpi.per_1000)} {v.kpi.unit}" if v.kpi else "—"
    changes = "".join(f"<li>{_e(c)}</li>" for c in v.changes)
    return [
        f'<span id="{_e(v.tag.version)}"><b>{_e(v.tag.version)}</b></span> '
        f"<code>{_e(v.tag.commit[:12])}</code>",
        f"{_e(_when(v.tag.time))}<br>{_e(v.tag.tagger)}",
        _e(metrics or "—"),
        _e(kpi),
        f'<ul class="plain">{changes}</ul>' if changes else "—",
        _release_cell(v),
    ]


def release_file(v: Version, name: str) -> str:
    """Where the site keeps a copy of the bundle's manifest or signature."""
    return f"releases/{v.tag.name}/{name}"


def _release_cell(v: Version) -> str:
    if v.bundle is None:
        return "no bundle on the machine that built the site"
    links = " · ".join(_a(release_file(v, n), n) for n in v.signed_files) or "no manifest"
    state = _badge("ok" if v.signature == "verified" else "fail") + f" {_e(v.signature)}"
    problems = "".join(f"<li>{_e(p)}</li>" for p in v.problems)
    return f"{links}<br>{state}" + (f'<ul class="plain">{problems}</ul>' if problems else "")


# ---- Environments ----------------------------------------------------------------------------


def environments(site: Site) -> str:
    chart = _figure(
        "deploys, promotions and rollbacks", charts.swimlane(site.envs, site.moves), wide=True
    )
    rows = [_move_row(m) for m in reversed(site.moves)]
    header = ("when", "environment", "action", "version", "by", "decision")
    body = f"{chart}<h2>Every change</h2>"
    return _layout(site, "environments.html", "Environments over time", body + _table(header, rows))


def _move_row(m: Move) -> list[str]:
    return [
        _e(_when(m.time)),
        _a(_history_file(m.env), m.env),
        _e(m.action),
        _e(m.version),
        _e(m.actor),
        _decision_link(m.seq),
    ]


def history(site: Site, env: str) -> str:
    """The environment's states, newest first (o16n.lifecycle.history): from when to when each
    version ran, its hashes, who approved it and how, the waivers in force, and whether its
    record verifies."""
    rows = [_state_row(d) for d in reversed(site.deployments) if d.env == env]
    header = ("from → until", "what", "by", "approved by", "data and model", "waivers", "record")
    body = (
        f"<p>Reconstructed from the ledger and git; `o16n history --env {_e(env)} --at "
        "DATETIME` says what ran at any moment.</p>" + _table(header, rows)
    )
    return _layout(site, _history_file(env), f"{env}: what ran when", body)


def _state_row(d: Deployment) -> list[str]:
    what = f"{d.action} {d.version or '—'}"
    what += f" from {d.from_env}" if d.from_env else ""
    what += f" (was {d.from_version})" if d.from_version else ""
    hashes = "".join(
        f"<li>{_e(p)} <code>{_e(h[:12])}</code></li>" for p, h in {**d.data, **d.model}.items()
    )
    waivers = "".join(
        f"<li>{_e(w.get('rule'))}: {_e(w.get('reason'))} (by {_e(w.get('approved_by'))}, "
        f"expires {_e(w.get('expires'))})</li>"
        for w in d.waivers
    )
    seq = d.decision.get("seq") if d.decision else None
    return [
        f"{_e(_when(d.since))}<br>→ {_e(_when(d.until) if d.until else 'now')}",
        f"{_e(what)}<br><code>{_e(d.commit[:12])}</code>",
        _e(d.actor),
        _e(_approved(d)),
        f'<ul class="plain">{hashes}</ul>' if hashes else "—",
        f'<ul class="plain">{waivers}</ul>' if waivers else "none",
        f"{_verified(d)}<br>{_decision_link(seq if isinstance(seq, int) else None)}",
    ]


# ---- Monitoring ------------------------------------------------------------------------------


def monitor_file(run: MonitorRun) -> str:
    return f"monitor/{run.name}.html"


HEATMAP_RUNS = 90  # the heatmap's rows: about a quarter of daily runs; the table has them all


def monitoring(site: Site) -> str:
    shown = site.runs[-HEATMAP_RUNS:]
    columns = sorted({c for r in shown for c in r.drift})
    if shown:
        label = "drift per column, one row per run"
        if len(shown) < len(site.runs):
            label += f" (the last {len(shown)} of {len(site.runs)} runs)"
        top = _figure(label, charts.heatmap(shown, columns), wide=True)
    else:
        top = "<p>No monitor run kept yet: `o16n monitor` keeps each in reports/monitor/runs/.</p>"
    rows = [_run_row(r) for r in reversed(site.runs)]
    header = ("when", "environment", "version", "batch", "verdict", "drifted", "report", "CI run")
    body = top + "<h2>Every run</h2>" + _table(header, rows)
    return _layout(site, "monitoring.html", "Monitoring", body)


def _run_row(r: MonitorRun) -> list[str]:
    drifted = [c for c, d in r.drift.items() if d.drifted]
    counts = ", ".join(f"{n} {k}" for k, n in r.counts.items())
    return [
        _e(_when(r.time)),
        _e(r.env),
        _e(r.version),
        _e(r.batch),
        f"{_badge(r.severity)} {_e(counts)}",
        _e(f"{len(drifted)} of {len(r.drift)}: {', '.join(drifted[:8])}" if drifted else "none"),
        _a(monitor_file(r), "report") if r.report else "not kept",
        _a(r.run_url, "run") if r.run_url else _e(NO_RUN_URL),
    ]


# ---- Decisions -------------------------------------------------------------------------------


def decisions(site: Site) -> str:
    verified = site.ledger
    trusted = f" Signatures checked against {_e(verified.trusted)}." if verified.trusted else ""
    status = f'<p id="ledger">{_ledger_line(site)}.{trusted}</p>'
    if verified.problems:
        status += _folded([str(p) for p in verified.problems], "every problem")
    cards = "".join(_decision(r) for r in reversed(site.decisions))
    body = f"<h2>The ledger at build time</h2>{status}<h2>Every decision, newest first</h2>{cards}"
    return _layout(site, "decisions.html", "Decisions and ledger", body or "<p>none yet</p>")


def _decision(record: dict[str, Any]) -> str:
    seq = record.get("seq")
    model = record.get("model") or {}
    where = " → ".join(str(s) for s in (record.get("stage"), record.get("env")) if s)
    what = record.get("action") or ("rollback" if record.get("kind") == "rollback" else "gate")
    title = " ".join(str(p) for p in (f"#{seq}", where, model.get("version")) if p) + f": {what}"
    rules = [
        [
            _e(r.get("id")),
            _e(r.get("severity")),
            _badge(str(r.get("outcome"))),
            _e(r.get("message")),
        ]
        for r in record.get("rules") or []
    ]
    waivers = [
        [_e(w.get("rule")), _e(w.get("reason")), _e(w.get("approved_by")), _e(w.get("expires"))]
        for w in record.get("waivers") or []
    ]
    approvals = ", ".join(str(a) for a in record.get("approvals") or ()) or "none"
    pack = (record.get("inputs") or {}).get("pack") or "—"
    facts = (
        f"<p>{_badge(str(record.get('verdict')))} {_e(_when(str(record.get('time') or '')))} · "
        f"by {_e(record.get('actor'))} · pack {_e(pack)} · approvals: {_e(approvals)} · "
        f"hash <code>{_e(str(record.get('hash'))[:16])}</code></p>"
    )
    parts = [facts]
    if record.get("run_url"):
        url = str(record["run_url"])
        parts.append(f"<p>CI run: {_a(url, url)} (<code>{_e(_logs_command(url))}</code>)</p>")
    if rules:
        parts.append(_table(("rule", "severity", "outcome", "message"), rules))
    if waivers:
        parts.append(
            _table(("waived rule", "reason", "approved by", "expires"), waivers, "waivers")
        )
    return (
        f'<section class="card" id="seq-{_e(seq)}"><h2>{_e(title)}</h2>{"".join(parts)}</section>'
    )


# ---- Logs ------------------------------------------------------------------------------------


def logs(site: Site) -> str:
    where = (
        f"<p>CI runs of {_a(site.github, site.github)}.</p>"
        if site.github
        else "<p>The GitHub repository is not known where the site was built (no "
        "GITHUB_REPOSITORY): CI run addresses are unknown; `o16n logs` downloads them.</p>"
    )
    rows = [_version_logs(site, v) for v in reversed(site.versions)]
    runs = [
        [
            _e(_when(r.time)),
            _e(r.env),
            _a(r.run_url, r.run_url) if r.run_url else _e(NO_RUN_URL),
            _e(f"o16n logs --run {r.run_url.rsplit('/', 1)[-1]}") if r.run_url else "—",
        ]  # fmt: skip
        for r in reversed(site.runs)
    ]
    body = (
        where
        + "<h2>Per version</h2>"
        + _table(("version", "CI runs on its commit", "download"), rows)
        + "<h2>Per monitor run</h2>"
        + _table(("when", "environment", "CI run", "download"), runs)
    )
    return _layout(site, "logs.html", "Logs", body)


def _logs_command(run_url: str) -> str:
    return f"o16n logs --run {run_url.rstrip('/').rsplit('/', 1)[-1]}"


def _version_logs(site: Site, v: Version) -> list[str]:
    checks = (
        _a(f"{site.github}/commit/{v.tag.commit}/checks", f"checks of {v.tag.commit[:12]}")
        if site.github
        else _e(f"unknown (commit {v.tag.commit[:12]})")
    )
    return [_e(v.tag.version), checks, f"<code>{_e(f'o16n logs --release {v.tag.name}')}</code>"]


# ---- the site --------------------------------------------------------------------------------


def render(site: Site, project: Path) -> dict[str, str | Path]:
    """Every file of the site by its path under DIR: text to write, or a file to copy."""
    pages: list[tuple[str, Callable[[Site], str]]] = [
        ("index.html", overview),
        ("versions.html", versions),
        ("environments.html", environments),
        ("monitoring.html", monitoring),
        ("decisions.html", decisions),
        ("logs.html", logs),
    ]
    files: dict[str, str | Path] = {name: make(site) for name, make in pages}
    for env in site.envs:
        files[_history_file(env)] = history(site, env)
    for run in site.runs:
        if run.report is not None:
            files[monitor_file(run)] = run.report
    for v in site.versions:
        for name in v.signed_files if v.bundle is not None else ():
            files[release_file(v, name)] = project / str(v.bundle) / name
    return files
