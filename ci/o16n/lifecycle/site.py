"""The model's story as data for `o16n site`: versions, environments, monitoring, decisions.

Everything is read from what the repository keeps: the GTO version tags and what git holds at
each version's commit (dvc.lock's params and data, metrics.json), the release bundles under
releases/ (verified with the release code, so a page never says "signed" of a bundle that does
not verify), the decision ledger (verified at build time), and the monitor runs that
`o16n monitor` keeps (reports/monitor/runs/*.json). `o16n.report.site` renders it; this module
decides nothing about how it looks.

The readers of git are the timeline's (o16n.lifecycle.timeline): one place reads tags,
metrics and lineage changes for both.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from o16n.adapters import git
from o16n.adapters.dvc import lineage
from o16n.adapters.manifest import MANIFEST, SIGNATURE, Trust
from o16n.config.params import flatten
from o16n.errors import ConfigError
from o16n.lifecycle import history, ledger, timeline, verify

MONITOR_RUNS = Path("reports") / "monitor" / "runs"  # where `o16n monitor` keeps each run
SIGNED_FILES = (MANIFEST, SIGNATURE)  # what the site copies of each bundle


@dataclass(frozen=True)
class Kpi:
    name: str
    unit: str
    per_1000: float


@dataclass(frozen=True)
class Version:
    """One registered version and what git and its release bundle say about it."""

    tag: timeline.Tag
    metrics: dict[str, float]  # the numeric values of metrics.json at its commit, flattened
    kpi: Kpi | None  # from the bundle's reports/kpi.json
    changes: tuple[str, ...]  # data, model and params changed since the previous version
    bundle: str | None  # the bundle folder relative to the project; None: not on this machine
    signature: str  # "verified", "does not verify", "no bundle"
    problems: tuple[str, ...] = ()
    signed_files: tuple[str, ...] = ()  # of manifest.json and its .sig, those in the bundle


@dataclass(frozen=True)
class Move:
    """A change of an environment's state (or a refused one): a mark on the swimlane."""

    env: str
    time: str
    action: str  # deploy, promote, rollback (o16n.lifecycle.history) or refused
    version: str
    actor: str
    seq: int  # the ledger record that made it


@dataclass(frozen=True)
class Drift:
    value: float | None
    threshold: float | None
    method: str
    drifted: bool


@dataclass(frozen=True)
class MonitorRun:
    """One `o16n monitor` run as kept in the runs folder: its verdict and each column's drift."""

    name: str  # the file's stem: the page links <name>.html beside it
    time: str
    env: str
    version: str
    batch: str
    severity: str
    counts: dict[str, int]
    drift: dict[str, Drift]
    run_url: str | None
    report: Path | None  # the HTML report beside the JSON, when kept


@dataclass(frozen=True)
class Site:
    model: str
    built: str
    versions: list[Version]
    decisions: list[dict[str, Any]]
    ledger: ledger.Verification
    moves: list[Move]
    deployments: list[history.Deployment]  # every state of every environment, verified
    runs: list[MonitorRun]
    github: str | None  # https://github.com/owner/repo when known
    notes: list[str] = field(default_factory=list)

    @property
    def envs(self) -> list[str]:
        found = {m.env for m in self.moves}
        return sorted(found, key=lambda e: (e != "staging", e != "production", e))

    @property
    def running(self) -> dict[str, history.Deployment]:
        """What runs now in each environment: its newest state."""
        return {d.env: d for d in self.deployments if d.until is None}


def build(
    project: Path,
    monitor: Path | None = None,
    env: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> Site:
    """The site's data for `project`; `monitor` is the folder of monitor runs (default
    reports/monitor/runs), `env` where the GitHub repository is read from (GITHUB_REPOSITORY,
    GITHUB_SERVER_URL)."""
    if not git.in_repository(project):
        raise ConfigError(f"{project} is not a git repository", hint="run it in the model repo")
    tags = timeline.version_tags(project)
    model = _model(project, tags)
    records = ledger.read(project / ledger.LEDGER)
    verification = ledger.verify(project)
    states = history.deployments(project, verification=verification)
    return Site(
        model=model,
        built=(now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        versions=versions(project, model, [t for t in tags if t.model == model]),
        decisions=records,
        ledger=verification,
        moves=moves(states, records),
        deployments=states,
        runs=monitor_runs(monitor if monitor is not None else project / MONITOR_RUNS),
        github=github_url(os.environ if env is None else env),
    )


def _model(project: Path, tags: Sequence[timeline.Tag]) -> str:
    """o16n.yaml's model name; without an o16n.yaml, the model of the tags, else the folder's."""
    if (project / "o16n.yaml").is_file():
        from o16n.config.project import load_project

        return load_project(project).model
    return tags[-1].model if tags else project.resolve().name


# ---- versions --------------------------------------------------------------------------------


def versions(project: Path, model: str, tags: Sequence[timeline.Tag]) -> list[Version]:
    """Each version in version order, with the changes since the one before it."""
    ordered = sorted(tags, key=lambda t: _parts(t.version))
    trusted = None
    found: list[Version] = []
    before = lineage.Lineage()
    for tag in ordered:
        now = lineage.at_revision(project, tag.commit) or lineage.Lineage()
        folder = project / verify.RELEASES / tag.name
        bundle = folder.relative_to(project).as_posix() if folder.is_dir() else None
        signature, problems = "no bundle", tuple[str, ...]()
        if bundle is not None:
            trusted = trusted or _trust(project)
            signature, problems = _verified(project, folder, trusted)
        found.append(
            Version(
                tag=tag,
                metrics=numbers(timeline.metrics_at(project, tag.commit) or {}),
                kpi=_kpi(folder / "reports" / "kpi.json"),
                changes=timeline.changes(before, now) if found else (),
                bundle=bundle,
                signature=signature,
                problems=problems,
                signed_files=tuple(n for n in SIGNED_FILES if (folder / n).is_file()),
            )
        )
        before = now
    return found


def _parts(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.removeprefix("v").split("."))


def _trust(project: Path) -> Trust | str:
    try:
        return verify.trust(project)
    except ConfigError as exc:
        return f"the trusted release keys cannot be read: {exc}"


def _verified(project: Path, folder: Path, trusted: Trust | str) -> tuple[str, tuple[str, ...]]:
    if isinstance(trusted, str):
        return "not checked", (trusted,)
    try:
        verdict = verify.verify_bundle(project, folder, trusted)
    except ConfigError as exc:
        return "does not verify", (str(exc),)
    return ("verified", ()) if verdict.ok else ("does not verify", tuple(verdict.problems))


def numbers(metrics: Mapping[str, Any]) -> dict[str, float]:
    """The numeric values of a metrics file, flattened (`test.accuracy`)."""
    flat = flatten(metrics)
    return {
        key: float(value)
        for key, value in flat.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }


def _kpi(path: Path) -> Kpi | None:
    try:
        current = json.loads(path.read_text(encoding="utf-8"))["current"]
        return Kpi(str(current["name"]), str(current["unit"]), float(current["per_1000"]))
    except (OSError, ValueError, KeyError, TypeError):  # no report, or not o16n's
        return None


# ---- environments ----------------------------------------------------------------------------


def moves(states: Sequence[history.Deployment], records: Sequence[Mapping[str, Any]]) -> list[Move]:
    """The swimlane's marks, in ledger order: every state `o16n.lifecycle.history` found (a
    deploy, a promotion, a rollback), and every deploy the gate refused (which changed nothing,
    but belongs on the lane)."""
    found = [
        Move(d.env, timeline.utc(d.since), d.action, d.version or "", d.actor, d.seq)
        for d in states
    ]
    found += [
        Move(
            env=str(r.get("env") or ""),
            time=timeline.utc(str(r.get("time") or "")),
            action="refused",
            version=str((r.get("model") or {}).get("version") or ""),
            actor=str(r.get("actor") or ""),
            seq=int(r.get("seq") or 0),
        )
        for r in records
        if r.get("stage") == "deploy" and r.get("action") == "refused" and r.get("env")
    ]
    return sorted(found, key=lambda m: m.seq)


# ---- monitoring ------------------------------------------------------------------------------


def monitor_runs(folder: Path) -> list[MonitorRun]:
    """The runs kept in `folder`, oldest first; a file that is not a monitor run is skipped
    (the page says how many were)."""
    runs = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        run = _monitor_run(path)
        if run is not None:
            runs.append(run)
    return sorted(runs, key=lambda r: (r.time, r.name))


def _monitor_run(path: Path) -> MonitorRun | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        inputs, kept = data["inputs"], data.get("run") or {}
        drift = {
            str(c["column"]): Drift(c.get("value"), c.get("threshold"), c["method"], c["drifted"])
            for c in data["drift"]["columns"]
        }
        report = path.with_suffix(".html")
        return MonitorRun(
            name=path.stem,
            time=str(kept.get("time") or ""),
            env=str(inputs["env"]),
            version=str(inputs["version"]),
            batch=str(inputs["batch"]),
            severity=str(data["severity"]),
            counts={str(k): int(v) for k, v in data["counts"].items()},
            drift=drift,
            run_url=kept.get("url") or None,
            report=report if report.is_file() else None,
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


# ---- GitHub ----------------------------------------------------------------------------------


def github_url(env: Mapping[str, str]) -> str | None:
    """The repository's web address from the Actions variables, when they are set."""
    repository = env.get("GITHUB_REPOSITORY")
    if not repository:
        return None
    return f"{env.get('GITHUB_SERVER_URL', 'https://github.com').rstrip('/')}/{repository}"
