"""The model's history as one list of events: pipeline changes, versions and gate decisions.

Three sources, all read from git: commits that changed `dvc.lock` (what data, model and params
changed, and the metrics then), annotated version tags in GTO's `<model>@vX.Y.Z` form
(https://mlem.ai/doc/gto/user-guide), and the decision ledger. Events sort by their own time,
then by kind and ledger seq, so the same repository always renders the same timeline
(`o16n.report.timeline` renders it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from o16n.adapters import git
from o16n.adapters.dvc import lineage
from o16n.config.params import flatten
from o16n.errors import ConfigError
from o16n.lifecycle import ledger
from o16n.numbers import number

METRICS = "metrics.json"
VERSION_TAG = re.compile(r"^(?P<model>[^@#!\s]+)@(?P<version>v\d+\.\d+\.\d+)$")
KINDS = ("pipeline", "version", "decision")  # the order of events at the same time
SEP = "\x1f"


@dataclass(frozen=True)
class Event:
    kind: str  # one of KINDS
    time: str  # ISO 8601, UTC ("2026-11-20T10:00:00Z")
    commit: str
    actor: str
    summary: str
    details: tuple[str, ...] = ()
    seq: int = 0  # the ledger seq of a decision


def build(project: Path) -> list[Event]:
    if not git.in_repository(project):
        raise ConfigError(f"{project} is not a git repository", hint="run it in the model repo")
    events = [*_pipeline_events(project), *_version_events(project), *_decision_events(project)]
    return sorted(events, key=lambda e: (_instant(e.time), KINDS.index(e.kind), e.seq, e.commit))


def _instant(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def utc(text: str) -> str:
    """git's strict ISO dates carry the committer's offset; the timeline is in UTC."""
    try:
        return datetime.fromisoformat(text).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return text


def _lines(project: Path, *args: str) -> list[list[str]]:
    ran = git.run(*args, project=project)
    return [line.split(SEP) for line in ran.output.splitlines() if SEP in line] if ran.ok else []


def _pipeline_events(project: Path) -> list[Event]:
    log = ("log", "--reverse", "--format=%H%x1f%cI%x1f%an <%ae>%x1f%s", "--", lineage.LOCK)
    events = []
    for commit, date, author, subject in _lines(project, *log):
        now = lineage.at_revision(project, commit) or lineage.Lineage()
        before = lineage.at_revision(project, f"{commit}^") or lineage.Lineage()
        details = changes(before, now) + _metrics_line(project, commit)
        changed = [name for name in ("data", "model", "params") if _changed(name, before, now)]
        summary = f"{', '.join(changed)} changed" if changed else "pipeline ran, outputs unchanged"
        events.append(Event("pipeline", utc(date), commit, author, summary, (subject, *details)))
    return events


def _changed(name: str, before: lineage.Lineage, now: lineage.Lineage) -> bool:
    return bool(getattr(before, name) != getattr(now, name))


def changes(before: lineage.Lineage, now: lineage.Lineage) -> tuple[str, ...]:
    details = []
    data = differing(before.data, now.data)
    if data:
        details.append(f"data: {', '.join(data)}")
    model = differing(before.model, now.model)
    if model:
        details.append(f"model: {', '.join(model)}")
    old, new = flatten(before.params), flatten(now.params)
    params = [f"{k} {old.get(k, '-')} → {new.get(k, '-')}" for k in differing(old, new)]
    if params:
        details.append(f"params: {', '.join(params)}")
    return tuple(details)


def differing(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    return [key for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]


def _metrics_line(project: Path, commit: str) -> tuple[str, ...]:
    metrics = metrics_at(project, commit)
    return (f"metrics: {_metrics(metrics)}",) if metrics else ()


def metrics_at(project: Path, commit: str) -> dict[str, Any] | None:
    """metrics.json as committed at `commit`; None when it is missing or not a JSON object."""
    shown = git.run("show", f"{commit}:{METRICS}", project=project)
    try:
        metrics = json.loads(shown.output) if shown.ok else None
    except json.JSONDecodeError:
        return None
    return dict(metrics) if isinstance(metrics, Mapping) else None


def _metrics(metrics: Mapping[str, Any]) -> str:
    flat = flatten(metrics)
    return ", ".join(
        f"{k} {number(flat[k])}" if _is_number(flat[k]) else f"{k} {flat[k]}" for k in flat
    )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class Tag:
    """A version GTO registered: an annotated `<model>@vX.Y.Z` tag (lightweight ones are not
    registrations) and the commit it points at."""

    name: str  # model@vX.Y.Z
    model: str
    version: str
    commit: str
    tagger: str
    time: str  # ISO 8601, UTC
    subject: str


def version_tags(project: Path) -> list[Tag]:
    """Every registered version, in the order git lists tags (by name); one `git` call."""
    fields = "%(refname:short)%1f%(objecttype)%1f%(*objectname)%1f%(taggername) %(taggeremail)"
    fields += "%1f%(taggerdate:iso-strict)%1f%(contents:subject)"
    tags = []
    for name, kind, commit, tagger, date, subject in _lines(
        project, "for-each-ref", "refs/tags", f"--format={fields}"
    ):
        match = VERSION_TAG.match(name)
        if kind != "tag" or match is None:  # GTO registers versions with annotated tags only
            continue
        model, version = match["model"], match["version"]
        tags.append(Tag(name, model, version, commit, tagger, utc(date), subject))
    return tags


def _version_events(project: Path) -> list[Event]:
    return [
        Event("version", t.time, t.commit, t.tagger, t.name, (t.subject,) if t.subject else ())
        for t in version_tags(project)
    ]


def _decision_events(project: Path) -> list[Event]:
    return [_decision(record) for record in ledger.read(project / ledger.LEDGER)]


def _decision(record: Mapping[str, Any]) -> Event:
    inputs, model = record.get("inputs") or {}, record.get("model") or {}
    where = " → ".join(str(s) for s in (record.get("stage"), record.get("env")) if s)
    version = f" {model['version']}" if model.get("version") else ""
    summary = f"gate {where}{version}: {record.get('verdict')}"
    if record.get("kind") == "rollback":  # recorded at the deploy stage, but not a deploy
        was = f" (was {record['from_version']})" if record.get("from_version") else ""
        summary = f"rollback {record.get('env') or ''} to{version or ' the previous state'}{was}"
    return Event(
        "decision",
        utc(str(record.get("time") or "")),
        str(inputs.get("commit") or ""),
        str(record.get("actor") or ""),
        summary,
        _decision_details(record),
        int(record.get("seq") or 0),
    )


def _decision_details(record: Mapping[str, Any]) -> tuple[str, ...]:
    rules = record.get("rules") or []
    details = [
        f"{outcome}: {', '.join(str(r.get('id')) for r in rules if r.get('outcome') == outcome)}"
        for outcome in ("fail", "error", "warn", "waived")
        if any(r.get("outcome") == outcome for r in rules)
    ]
    details += [
        f"waiver: {w.get('rule')} ({w.get('reason')}; approved by {w.get('approved_by')}; "
        f"expires {w.get('expires')})"
        for w in record.get("waivers") or []
    ]
    if record.get("approvals"):
        details.append(f"approved by: {', '.join(str(a) for a in record['approvals'])}")
    if record.get("metrics"):
        details.append(f"metrics: {_metrics(record['metrics'])}")
    details.append(f"ledger seq {record.get('seq')}, hash {str(record.get('hash'))[:12]}")
    return tuple(details)
