"""The evidence bundle for an auditor: `o16n evidence --version vX` collects, for one version, what
documents it and how it reached each environment, each file checked as it is collected.

What goes in, and from where (all read from git, the ledger and releases/, nothing fetched):
- the release bundle `o16n release` left in releases/<model>@vX (MODEL_CARD.md, the manifest and
  its signature, metrics, params, the reports), with the verdict `o16n verify` gives on it now;
- the project's own files at the version's tag commit (model_card.yaml, params.yaml, dvc.lock,
  health.yaml, kpis.yaml, o16n.yaml, the policy pack), so the bundle says what the model was
  configured with, not what the checkout says today;
- the ledger records of that version (gates, deploys, refusals, rollbacks) and the gate records
  at its commit, each with the status `o16n ledger verify` gives it now: a record that does not
  verify is shown as failing, never as evidence;
- the monitor reports of that version (reports/, or --monitor DIR);
- with `since`, the substantial modifications from an older version (`modifications`).

The index maps the files to the sections of Annex IV of the EU AI Act (Regulation (EU)
2024/1689, "Technical documentation referred to in Article 11(1)", points 1 to 9, as in the
official text quoted at https://www.aiactblog.nl/en/ai-act/bijlage/4) and to SR 11-7's model
development, validation and ongoing monitoring (Board of Governors of the Federal Reserve
System, SR 11-7 "Guidance on Model Risk Management", 2011). What o16n cannot hold (the
declaration of conformity, the list of harmonised standards) is said to be missing, plainly.

The zip is written to a temporary file beside the target and renamed: an error leaves no zip.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from o16n.adapters import git, gto
from o16n.adapters.dvc import lineage
from o16n.adapters.files import replaced
from o16n.adapters.manifest import MANIFEST
from o16n.config import dataschema
from o16n.config.health import HealthConfig, RegressionTrigger
from o16n.config.params import flatten
from o16n.config.project import PROJECT_FILE, load_project
from o16n.errors import ConfigError, UsageError
from o16n.lifecycle import history, ledger, release, verify
from o16n.lifecycle.timeline import METRICS

DEFAULT_TOLERANCE = 0.01  # absolute, for metrics and KPI without a health.yaml tolerance
SOURCE_FILES = (
    "model_card.yaml",
    "params.yaml",
    "dvc.yaml",
    "dvc.lock",
    "metrics.json",
    "health.yaml",
    "kpis.yaml",
    PROJECT_FILE,
    "waivers.yaml",
)
HEALTH_FILE = "health.yaml"
PREDICTIONS = "data/predictions/"  # the evaluate stage's outputs, not data the model learns from


@dataclass(frozen=True)
class Entry:
    """A file of the bundle: its path there, its bytes, and where it was taken from."""

    path: str
    data: bytes
    source: str


@dataclass(frozen=True)
class ReleaseCheck:
    """The verdict on the version's release bundle at build time (None `verdict`: no bundle)."""

    bundle: str
    verified: bool
    signer: str | None
    problems: tuple[str, ...]


@dataclass(frozen=True)
class Record:
    """A ledger record of the version and whether it verifies now."""

    seq: int | None
    line: int
    what: str  # gate | deploy | promote | refused | rollback
    stage: str | None
    env: str | None
    time: str
    actor: str
    verdict: str | None
    approvals: tuple[str, ...]
    waivers: tuple[str, ...]
    hash: str
    verified: bool
    problems: tuple[str, ...]


@dataclass(frozen=True)
class Category:
    """One kind of modification between two versions: what changed (empty: nothing), and
    what was compared (the files, the tolerance and where it comes from)."""

    name: str
    basis: str
    changes: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.changes)


@dataclass(frozen=True)
class Modifications:
    old: str  # the older version
    new: str
    old_commit: str
    new_commit: str
    categories: tuple[Category, ...]

    @property
    def substantial(self) -> bool:
        return any(c.changed for c in self.categories)

    def category(self, name: str) -> Category:
        return next(c for c in self.categories if c.name == name)


@dataclass(frozen=True)
class Section:
    """A section of a framework, the bundle's files that answer it, and what is missing."""

    framework: str
    number: str
    title: str
    files: tuple[str, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Evidence:
    model: str
    version: str
    commit: str
    built: str  # ISO UTC
    entries: tuple[Entry, ...]
    release: ReleaseCheck
    records: tuple[Record, ...]
    ledger_problems: tuple[str, ...]  # the ledger's problems that belong to no one record
    deployments: tuple[history.Deployment, ...]  # the states this version ran as
    monitoring: tuple[str, ...]  # bundle paths of monitor reports
    modifications: Modifications | None = None
    sections: tuple[Section, ...] = field(default=())

    @property
    def tag(self) -> str:
        return gto.version_tag(self.model, self.version)

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(e.path for e in self.entries)

    @property
    def verified(self) -> bool:
        """The release, every record and every deployment of the version verify."""
        return (
            self.release.verified
            and all(r.verified for r in self.records)
            and all(d.verified for d in self.deployments)
        )


# ---- bad input -------------------------------------------------------------------------------


def default_output(model: str, version: str) -> Path:
    return Path(f"evidence-{model}@{version}.zip")


def check_output(path: Path) -> None:
    """-o names a zip to create or replace in a folder that exists; anything else is refused
    before anything is collected."""
    if not path.parent.is_dir():
        raise UsageError(
            f"-o {path}: the folder {path.parent} does not exist",
            hint=f"create it first (mkdir -p {path.parent}) or name a file in an existing folder",
        )
    if path.is_dir():
        raise UsageError(
            f"-o {path}: is a folder", hint=f"name a file, e.g. -o {path}/evidence.zip"
        )
    if path.exists() and not zipfile.is_zipfile(path):
        raise UsageError(
            f"-o {path}: exists and is not a zip, so it is not replaced",
            hint="remove it, or name another file (the bundle is a .zip)",
        )


def pick(project: Path, model: str, version: str, flag: str = "--version") -> gto.Version:
    """A registered version of `model`, or a UsageError listing the known ones."""
    known = gto.versions(project, model)
    found = next((v for v in known if v.name == version), None)
    if found is None:
        names = ", ".join(v.name for v in known) or "none: release one with `o16n release`"
        raise UsageError(
            f"{flag} {version}: not a registered version of {model}",
            hint=f"the known versions: {names}",
        )
    return found


def older(old: gto.Version, new: gto.Version) -> None:
    if old.parts >= new.parts:
        raise UsageError(
            f"--since {old.name} is not older than --version {new.name}",
            hint="--since names the earlier version the modifications are counted from",
        )


# ---- collecting ------------------------------------------------------------------------------


def collect(
    project: Path,
    version: str,
    *,
    since: str | None = None,
    monitor: Path | None = None,
    reports: Path = Path("reports"),
    tolerance: float | None = None,
    rendered: Sequence[str] = (),
) -> Evidence:
    """Everything the bundle holds for `version` (checks done now), its index sections and,
    with `since`, the modifications from that older version. `rendered` names the files the
    caller renders into the bundle besides (modifications.md): the index lists them too."""
    model = load_project(project).model
    picked = pick(project, model, version)
    old = pick(project, model, since, "--since") if since is not None else None
    if old is not None:
        older(old, picked)
    tag = gto.version_tag(model, picked.name)
    bundle = project / verify.RELEASES / tag
    entries = _release_entries(bundle) + _source_entries(project, picked.commit)
    checked, carried = _check_release(project, model, picked)
    entries += carried
    entries.append(_json_entry("release/verification.json", asdict(checked), "o16n verify"))
    records, wide, ran = _records(project, model, picked)
    entries += _record_entries(project, records, wide)
    entries.append(
        _json_entry(
            "decisions/deployments.json",
            [asdict(s) | {"verified": s.verified} for s in ran],
            "o16n history",
        )
    )
    watched = _monitor_entries(project, model, picked.name, [project / reports, monitor])
    entries += watched
    modifications = None
    if old is not None:
        modifications = modifications_between(project, model, old, picked, tolerance)
        entries.append(
            _json_entry("modifications.json", modifications_dict(modifications), "o16n evidence")
        )
    evidence = Evidence(
        model,
        picked.name,
        picked.commit,
        datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        tuple(entries),
        checked,
        tuple(records),
        tuple(wide),
        tuple(ran),
        tuple(e.path for e in watched if e.path.endswith(".json")),
        modifications,
    )
    return dataclasses.replace(evidence, sections=sections(evidence, rendered))


def _json_entry(path: str, value: object, source: str) -> Entry:
    return Entry(path, (json.dumps(value, indent=2, sort_keys=True) + "\n").encode(), source)


def _release_entries(bundle: Path) -> list[Entry]:
    """The bundle's files, but the model's own weights (the manifest lists their hashes): the
    card at the top, everything else under release/."""
    if not bundle.is_dir():
        return []
    weights = _weights(bundle)
    entries = []
    # a link is not followed: its target may be any file of the machine (verify reports it)
    for path in sorted(p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink()):
        rel = path.relative_to(bundle).as_posix()
        if rel in weights:
            continue
        where = "MODEL_CARD.md" if rel == "MODEL_CARD.md" else f"release/{rel}"
        entries.append(Entry(where, path.read_bytes(), f"{bundle.name}/{rel}"))
    return entries


def _weights(bundle: Path) -> set[str]:
    """The model files the manifest lists with a DVC md5, JSON ones (the profile) excepted."""
    try:
        files = json.loads((bundle / MANIFEST).read_text(encoding="utf-8")).get("files") or {}
    except (OSError, ValueError, AttributeError):
        return set()
    return {
        rel
        for rel, entry in files.items()
        if isinstance(entry, dict) and entry.get("dvc_md5") and not rel.endswith(".json")
    }


def _source_entries(project: Path, commit: str) -> list[Entry]:
    """The project's configuration and committed reports at the version's commit."""
    wanted = [*SOURCE_FILES, *_pack_files(project, commit), *_committed_reports(project, commit)]
    entries = []
    for rel in wanted:
        shown = git.run("show", f"{commit}:{rel}", project=project)
        if shown.ok:
            entries.append(Entry(f"source/{rel}", shown.output.encode(), f"{commit[:12]}:{rel}"))
    return entries


def _tree(project: Path, commit: str, folder: str) -> dict[str, str]:
    """path -> blob id of every file under `folder` at `commit`."""
    listed = git.run("ls-tree", "-r", commit, "--", folder, project=project)
    found = {}
    for line in listed.output.splitlines() if listed.ok else []:
        meta, _, path = line.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "blob":
            found[path] = parts[2]
    return found


def _pack_name(project: Path, commit: str) -> tuple[str, dict[str, Any]]:
    """o16n.yaml's policy_pack and policy_vars at `commit` (the defaults without the file)."""
    shown = git.run("show", f"{commit}:{PROJECT_FILE}", project=project)
    try:
        config = yaml.safe_load(shown.output) if shown.ok else None
    except yaml.YAMLError:
        config = None
    config = config if isinstance(config, dict) else {}
    variables = config.get("policy_vars")
    return str(config.get("policy_pack") or "baseline"), (
        variables if isinstance(variables, dict) else {}
    )


def _pack_files(project: Path, commit: str) -> list[str]:
    return sorted(_tree(project, commit, f"policies/{_pack_name(project, commit)[0]}"))


def _committed_reports(project: Path, commit: str) -> list[str]:
    return sorted(_tree(project, commit, "reports"))


def _check_release(
    project: Path, model: str, version: gto.Version
) -> tuple[ReleaseCheck, list[Entry]]:
    """The verdict `o16n deploy` would give the version's release now (its bundle, else the
    signed manifest a committed desired state carries, bound to the version's commit and model
    files), and, when it came from a desired state, that manifest and signature as entries."""
    artifact = (lineage.at_revision(project, version.commit) or lineage.Lineage()).model
    tag = gto.version_tag(model, version.name)
    try:
        found = verify.release_of(project, model, version, artifact, verify.trust(project))
    except (ConfigError, UsageError) as exc:
        problem = f"could not be verified: {exc.message}"
        return ReleaseCheck(f"{verify.RELEASES.as_posix()}/{tag}", False, None, (problem,)), []
    signer = found.verdict.signer if found.ok else None
    checked = ReleaseCheck(found.source, found.ok, signer, found.verdict.problems)
    carried: list[Entry] = []
    if found.signed is not None and not (project / verify.RELEASES / tag).is_dir():
        carried.append(Entry(f"release/{MANIFEST}", found.signed.data, found.source))
        if found.signed.signature is not None:
            signature = found.signed.signature.encode()
            carried.append(Entry(f"release/{MANIFEST}.sig", signature, found.source))
    return checked, carried


# ---- the ledger ------------------------------------------------------------------------------


def _records(
    project: Path, model: str, version: gto.Version
) -> tuple[list[Record], list[str], list[history.Deployment]]:
    """The version's records (its model.version, or a gate at its commit) with their status,
    the problems of the ledger as a whole, and the states the version ran as
    (`o16n.lifecycle.history`: deploys, promotions, rollbacks to it, each verified)."""
    # a line that is no JSON or no UTF-8: a ConfigError naming it
    numbered = ledger.numbered(project / ledger.LEDGER)
    try:
        checked: ledger.Verification | None = ledger.verify(project)
    except (ConfigError, UsageError) as exc:
        checked, wide = None, [f"the ledger could not be verified: {exc.message}"]
    by_line: dict[int, tuple[ledger.Problem, ...]] = {}
    if checked is not None:
        wide = [str(p) for p in ledger.whole_problems(checked)]
        by_line = ledger.record_problems(checked, [line for line, _ in numbered])
    records = []
    for line, record in numbered:
        if not _of_version(record, model, version):
            continue
        own = tuple(
            p.message if p.line == line else f"line {p.line}: {p.message}"
            for p in by_line.get(line, ())
        )
        records.append(_record(record, line, own, verified=not own and not wide))
    states = history.deployments(project, verification=checked) if checked is not None else []
    ran = [replace_problems(s, wide) for s in states if s.version == version.name]
    return records, wide, ran


def replace_problems(state: history.Deployment, wide: Sequence[str]) -> history.Deployment:
    """A deployment whose ledger has problems of its own is not verified either."""
    return dataclasses.replace(state, problems=(*state.problems, *wide)) if wide else state


def _of_version(record: Mapping[str, Any], model: str, version: gto.Version) -> bool:
    named, inputs = _mapping(record.get("model")), _mapping(record.get("inputs"))
    if named.get("name") not in (None, model):
        return False
    return named.get("version") == version.name or (
        not named.get("version") and inputs.get("commit") == version.commit
    )


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _record(
    record: Mapping[str, Any], line: int, problems: tuple[str, ...], *, verified: bool
) -> Record:
    what = "gate"
    if record.get("kind") == "rollback":
        what = "rollback"
    elif record.get("stage") == "deploy" and record.get("action") == "refused":
        what = "refused"
    elif record.get("stage") == "deploy" and record.get("action") == "deploy":
        what = history.PROMOTE if record.get("from_env") else history.DEPLOY
    waivers = tuple(
        f"{w.get('rule')} ({w.get('reason')}; approved by {w.get('approved_by')}; "
        f"expires {w.get('expires')})"
        for w in record.get("waivers") or []
        if isinstance(w, dict)
    )
    seq = record.get("seq")
    return Record(
        seq if isinstance(seq, int) else None,
        line,
        what,
        _text(record.get("stage")),
        _text(record.get("env")),
        str(record.get("time") or ""),
        str(record.get("actor") or ""),
        _text(record.get("verdict")),
        tuple(f"{a.who} ({a.how})" for a in history.approvals(record)),
        waivers,
        str(record.get("hash") or ""),
        verified,
        problems,
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _record_entries(project: Path, records: list[Record], wide: list[str]) -> list[Entry]:
    """The records' lines exactly as the ledger holds them, and their verification."""
    text = (project / ledger.LEDGER).read_text(encoding="utf-8") if records else ""
    lines = text.split("\n")
    kept = "".join(lines[r.line - 1] + "\n" for r in records)
    status = {
        "ledger": ledger.LEDGER.as_posix(),
        "ledger_problems": wide,
        "records": [asdict(r) for r in records],
    }
    return [
        Entry("decisions/records.jsonl", kept.encode(), ledger.LEDGER.as_posix()),
        _json_entry("decisions/verification.json", status, "o16n ledger verify"),
    ]


# ---- monitoring ------------------------------------------------------------------------------


def _monitor_entries(
    project: Path, model: str, version: str, folders: Sequence[Path | None]
) -> list[Entry]:
    """Monitor reports (JSON whose inputs name this model and version) and their .md/.html."""
    entries: dict[str, Entry] = {}
    for folder in folders:
        if folder is None or not folder.is_dir():
            continue
        for report in sorted(folder.rglob("*.json")):
            if report.is_symlink() or not _monitors(report, model, version):
                continue
            for sibling in (report, report.with_suffix(".md"), report.with_suffix(".html")):
                if sibling.is_file() and not sibling.is_symlink():
                    rel = f"monitoring/{sibling.relative_to(folder).as_posix()}"
                    entries.setdefault(
                        rel, Entry(rel, sibling.read_bytes(), _shown(project, sibling))
                    )
    return list(entries.values())


def _monitors(report: Path, model: str, version: str) -> bool:
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    inputs = data.get("inputs") if isinstance(data, dict) else None
    return (
        isinstance(inputs, dict)
        and inputs.get("version") == version
        and inputs.get("model") in (None, model)
        and "env" in inputs
        and "batch" in inputs
    )


def _shown(project: Path, path: Path) -> str:
    return path.relative_to(project).as_posix() if path.is_relative_to(project) else str(path)


# ---- modifications ---------------------------------------------------------------------------


def modifications_between(
    project: Path,
    model: str,
    old: gto.Version,
    new: gto.Version,
    tolerance: float | None = None,
) -> Modifications:
    """What changed from `old` to `new`, by category; each category says what it compared."""
    before = lineage.at_revision(project, old.commit) or lineage.Lineage()
    after = lineage.at_revision(project, new.commit) or lineage.Lineage()
    categories = (
        _schema(project, old, new),
        _data(before, after),
        _params(before, after),
        _metrics(project, old, new, tolerance),
        _kpi(project, model, old, new, tolerance),
        _pack(project, old, new),
    )
    return Modifications(old.name, new.name, old.commit, new.commit, categories)


def _schema(project: Path, old: gto.Version, new: gto.Version) -> Category:
    compared = release.data_changes(project, old.commit, new.commit)
    basis = (
        compared.basis or f"nothing to compare: no params.yaml `data` and no {dataschema.PROFILE}"
    )
    return Category("input schema", basis, compared.changes)


def _differing(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    return [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]


def _data(before: lineage.Lineage, after: lineage.Lineage) -> Category:
    """The data the model learns from; its predictions are outputs, as `o16n release` counts."""
    old, new = _inputs(before), _inputs(after)
    changes = tuple(
        f"{path}: {_short(old.get(path))} → {_short(new.get(path))}"
        for path in _differing(old, new)
    )
    basis = f"{lineage.LOCK} outs under data/ but {PREDICTIONS} (DVC md5)"
    return Category("data", basis, changes)


def _inputs(at: lineage.Lineage) -> dict[str, str]:
    return {p: h for p, h in at.data.items() if not p.startswith(PREDICTIONS)}


def _short(digest: str | None) -> str:
    return digest[:12] if digest else "absent"


def _params(before: lineage.Lineage, after: lineage.Lineage) -> Category:
    old, new = flatten(before.params), flatten(after.params)
    changes = tuple(f"{k}: {old.get(k, '-')} → {new.get(k, '-')}" for k in _differing(old, new))
    return Category("params", f"params.yaml values the stages use ({lineage.LOCK})", changes)


@dataclass(frozen=True)
class Tolerance:
    absolute: float | None
    relative: float | None
    source: str

    def exceeded(self, old: float, new: float) -> bool:
        allowed = self.absolute if self.absolute is not None else (self.relative or 0) * abs(old)
        return abs(new - old) > allowed

    def __str__(self) -> str:
        amount = (
            f"absolute {self.absolute:g}"
            if self.absolute is not None
            else f"relative {self.relative:g}"
        )
        return f"{amount} ({self.source})"


def _tolerances(
    project: Path, version: gto.Version, tolerance: float | None
) -> tuple[dict[str, Tolerance], Tolerance]:
    """Per metric, the tolerance health.yaml's regression triggers set at `version`, and the
    one for every other metric: --tolerance when given (then for all), else the default."""
    if tolerance is not None:
        return {}, Tolerance(tolerance, None, "--tolerance")
    default = Tolerance(DEFAULT_TOLERANCE, None, "o16n's default; set another with --tolerance")
    shown = git.run("show", f"{version.commit}:{HEALTH_FILE}", project=project)
    try:
        config = HealthConfig.model_validate(yaml.safe_load(shown.output)) if shown.ok else None
    except (yaml.YAMLError, ValueError):
        config = None
    found: dict[str, Tolerance] = {}
    for trigger in config.triggers if config is not None else []:
        if not isinstance(trigger, RegressionTrigger):
            continue
        params = trigger.params
        where = f"{HEALTH_FILE} trigger {trigger.id} at {version.name}"
        for metric in params.metrics:
            found.setdefault(
                metric, Tolerance(params.tolerance.absolute, params.tolerance.relative, where)
            )
    return found, default


def _numbers(values: Mapping[str, Any]) -> dict[str, float]:
    return {
        k: float(v)
        for k, v in flatten(values).items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }


def _json_at(project: Path, commit: str, path: str) -> dict[str, Any]:
    shown = git.run("show", f"{commit}:{path}", project=project)
    try:
        value = json.loads(shown.output) if shown.ok else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _metrics(
    project: Path, old: gto.Version, new: gto.Version, tolerance: float | None
) -> Category:
    before = _numbers(_json_at(project, old.commit, METRICS))
    after = _numbers(_json_at(project, new.commit, METRICS))
    per_metric, default = _tolerances(project, new, tolerance)
    changes = []
    for name in sorted(set(before) | set(after)):
        if name not in before or name not in after:
            changes.append(f"{name}: {_num(before.get(name))} → {_num(after.get(name))}")
            continue
        allowed = per_metric.get(name, default)
        if allowed.exceeded(before[name], after[name]):
            changes.append(
                f"{name}: {_num(before[name])} → {_num(after[name])} "
                f"({after[name] - before[name]:+.4g}; beyond {allowed})"
            )
    basis = ", ".join(f"{m}: {t}" for m, t in sorted(per_metric.items()))
    basis = f"metrics.json; tolerance {basis + '; others: ' if basis else ''}{default}"
    return Category("metrics", basis, tuple(changes))


def _num(value: float | None) -> str:
    return "absent" if value is None else f"{value:.4g}"


def _kpi(
    project: Path, model: str, old: gto.Version, new: gto.Version, tolerance: float | None
) -> Category:
    """The KPI per 1,000 predictions each release bundle's reports/kpi.json recorded."""
    values = [
        _kpi_value(project / verify.RELEASES / gto.version_tag(model, v.name)) for v in (old, new)
    ]
    allowed = Tolerance(
        tolerance if tolerance is not None else DEFAULT_TOLERANCE,
        None,
        "--tolerance" if tolerance is not None else "o16n's default; set another with --tolerance",
    )
    basis = f"reports/kpi.json of each release bundle (per 1,000 predictions); tolerance {allowed}"
    (before, unit), (after, _) = values
    if before is None or after is None:
        lacking = [
            v.name for v, (value, _) in zip((old, new), values, strict=True) if value is None
        ]
        return Category("KPI", f"not compared: no reports/kpi.json for {', '.join(lacking)}")
    if not allowed.exceeded(before, after):
        return Category("KPI", basis)
    change = (
        f"KPI{f' ({unit})' if unit else ''}: {before:.4g} → {after:.4g} ({after - before:+.4g})"
    )
    return Category("KPI", basis, (change,))


def _kpi_value(bundle: Path) -> tuple[float | None, str]:
    try:
        data = json.loads((bundle / "reports" / "kpi.json").read_text(encoding="utf-8"))
        current = data["current"]
        return float(current["per_1000"]), str(current.get("unit") or "")
    except (OSError, ValueError, KeyError, TypeError):
        return None, ""


def _pack(project: Path, old: gto.Version, new: gto.Version) -> Category:
    """The pack o16n.yaml names, its files (by git blob id) and this model's policy_vars at
    each commit, and the pack hash the gate recorded for each version."""
    (old_name, old_vars), (new_name, new_vars) = (
        _pack_name(project, old.commit),
        _pack_name(project, new.commit),
    )
    changes = [f"policy_pack: {old_name} → {new_name}"] if old_name != new_name else []
    before = _tree(project, old.commit, f"policies/{old_name}")
    after = _tree(project, new.commit, f"policies/{new_name}")
    rename = {f"policies/{old_name}/": f"policies/{new_name}/"}
    before = {_renamed(p, rename): oid for p, oid in before.items()}
    for path in _differing(before, after):
        state = "added" if path not in before else "removed" if path not in after else "changed"
        changes.append(f"{path}: {state}")
    old_flat, new_flat = flatten(old_vars), flatten(new_vars)
    changes += [
        f"{PROJECT_FILE} policy_vars.{k}: {old_flat.get(k, '-')} → {new_flat.get(k, '-')}"
        for k in _differing(old_flat, new_flat)
    ]
    hashes = [_recorded_pack_hash(project, v) for v in (old, new)]
    if all(hashes) and hashes[0] != hashes[1]:
        changes.append(f"pack hash the gate recorded: {hashes[0][:12]} → {hashes[1][:12]}")
    basis = (
        f"policies/<pack>/ files and {PROJECT_FILE} policy_pack/policy_vars at each tag commit, "
        "and the pack hash in each version's gate records"
    )
    return Category("policy pack", basis, tuple(changes))


def _renamed(path: str, rename: Mapping[str, str]) -> str:
    for old, new in rename.items():
        if path.startswith(old):
            return new + path[len(old) :]
    return path


def _recorded_pack_hash(project: Path, version: gto.Version) -> str:
    """The policy_hash of the last gate record at the version's commit ("" when none)."""
    hashes = [
        str(inputs.get("policy_hash"))
        for r in ledger.read(project / ledger.LEDGER)
        if isinstance(inputs := r.get("inputs"), dict)
        and inputs.get("commit") == version.commit
        and inputs.get("policy_hash")
    ]
    return hashes[-1] if hashes else ""


def modifications_dict(m: Modifications) -> dict[str, Any]:
    return {
        "from": {"version": m.old, "commit": m.old_commit},
        "to": {"version": m.new, "commit": m.new_commit},
        "substantial": m.substantial,
        "categories": [
            {"name": c.name, "changed": c.changed, "basis": c.basis, "changes": list(c.changes)}
            for c in m.categories
        ],
    }


# ---- the index's sections --------------------------------------------------------------------

ANNEX_IV = "EU AI Act Annex IV"
SR_11_7 = "SR 11-7"
PROVIDER = "that is the provider's document, not the model repository's"


@dataclass(frozen=True)
class _Spec:
    """A section: the bundle paths (fnmatch patterns) that answer it, what is always missing,
    and the note when none of `needs` (default: the answering paths) is in the bundle."""

    framework: str
    number: str
    title: str
    answers: tuple[str, ...]
    always: tuple[str, ...]
    lacking: str
    needs: tuple[str, ...] = ()


_SECTIONS: tuple[_Spec, ...] = (
    _Spec(
        ANNEX_IV,
        "1",
        "A general description of the AI system (intended purpose, provider, version)",
        (
            "MODEL_CARD.md",
            "source/model_card.yaml",
            "release/manifest.json",
            f"source/{PROJECT_FILE}",
        ),
        (
            "the forms it is placed on the market in, the hardware it runs on and the instructions "
            "for use: only as far as the model card states them",
        ),
        "no model card: MODEL_CARD.md is built by `o16n release` from model_card.yaml",
    ),
    _Spec(
        ANNEX_IV,
        "2",
        "A detailed description of the elements of the AI system and of the process for its "
        "development (methods, design, data, validation and testing)",
        (
            "source/params.yaml",
            "source/dvc.yaml",
            "source/dvc.lock",
            "release/params.yaml",
            "release/metrics.json",
            "release/models/*",
            "release/reports/check.*",
            "release/reports/health.*",
            "release/reports/kpi.json",
        ),
        ("computational resources and cybersecurity measures are not recorded by o16n",),
        "no pipeline definition or lock at the version's commit",
    ),
    _Spec(
        ANNEX_IV,
        "3",
        "Detailed information about the monitoring, functioning and control of the AI system",
        (
            "release/reports/health.*",
            "source/health.yaml",
            "monitoring/*",
            "decisions/records.jsonl",
            "decisions/verification.json",
            "decisions/deployments.json",
        ),
        (),
        "no health report and no monitoring for this version",
    ),
    _Spec(
        ANNEX_IV,
        "4",
        "A description of the appropriateness of the performance metrics",
        (
            "release/metrics.json",
            "source/metrics.json",
            "release/reports/health.*",
            "release/reports/kpi.json",
            "source/kpis.yaml",
            "source/health.yaml",
        ),
        (),
        "no metrics or KPI for this version",
    ),
    _Spec(
        ANNEX_IV,
        "5",
        "A detailed description of the risk management system in accordance with Article 9",
        (
            "source/policies/*",
            "source/waivers.yaml",
            "decisions/records.jsonl",
            "decisions/verification.json",
            "decisions/deployments.json",
            "release/reports/decision.json",
        ),
        (
            "the risk management system itself (Article 9) is the provider's process; these files "
            "are the controls o16n enforces within it",
        ),
        "no policy pack in the repository at the version's commit",
    ),
    _Spec(
        ANNEX_IV,
        "6",
        "A description of relevant changes made by the provider to the system through its "
        "lifecycle",
        ("modifications.md", "modifications.json", "decisions/deployments.json"),
        (),
        "no comparison with an earlier version: run with --since vW",
        ("modifications.*",),
    ),
    _Spec(
        ANNEX_IV,
        "7",
        "A list of the harmonised standards applied",
        (),
        (f"no list of harmonised standards in the repository: {PROVIDER}",),
        "",
    ),
    _Spec(
        ANNEX_IV,
        "8",
        "A copy of the EU declaration of conformity (Article 47)",
        (),
        (f"no declaration of conformity in the repository: {PROVIDER}",),
        "",
    ),
    _Spec(
        ANNEX_IV,
        "9",
        "A detailed description of the system in place to evaluate the AI system's performance "
        "in the post-market phase (Article 72), including the post-market monitoring plan",
        (f"source/{PROJECT_FILE}", "source/health.yaml", "monitoring/*"),
        (
            f"the post-market monitoring plan (Article 72(3)): {PROVIDER}; these files are the "
            "monitoring o16n runs",
        ),
        "no monitor report for this version in reports/ or --monitor",
        ("monitoring/*",),
    ),
    _Spec(
        SR_11_7,
        "development",
        "Model development, implementation and use",
        (
            "MODEL_CARD.md",
            "source/model_card.yaml",
            "source/params.yaml",
            "source/dvc.yaml",
            "source/dvc.lock",
            "release/metrics.json",
            "release/models/*",
            "release/manifest.json",
            "release/manifest.json.sig",
            "release/verification.json",
        ),
        (),
        "no model card or pipeline at the version's commit",
    ),
    _Spec(
        SR_11_7,
        "validation",
        "Model validation (conceptual soundness, outcomes analysis)",
        (
            "release/reports/*",
            "source/health.yaml",
            "source/kpis.yaml",
            "source/policies/*",
            "decisions/records.jsonl",
            "decisions/verification.json",
            "decisions/deployments.json",
            "modifications.*",
        ),
        (
            "an independent validator's report is not in the repository: the gate records are "
            "o16n's automated checks and the approvals given",
        ),
        "no health, KPI or gate record for this version",
    ),
    _Spec(
        SR_11_7,
        "monitoring",
        "Ongoing monitoring",
        ("monitoring/*", f"source/{PROJECT_FILE}", "source/health.yaml"),
        (),
        "no monitor report for this version in reports/ or --monitor",
        ("monitoring/*",),
    ),
)


def sections(evidence: Evidence, rendered: Sequence[str] = ()) -> tuple[Section, ...]:
    """Each section with the bundle's files that answer it, and plainly what is missing."""
    found = []
    paths = (*evidence.paths, *rendered)
    for spec in _SECTIONS:
        files = _matching(paths, spec.answers)
        missing = list(spec.always)
        if spec.lacking and not _matching(paths, spec.needs or spec.answers):
            missing.append(spec.lacking)
        framework, number, title = spec.framework, spec.number, spec.title
        found.append(
            Section(framework, number, title, files, tuple(missing) + _warnings(evidence, number))
        )
    return tuple(found)


def _fairness(evidence: Evidence) -> list[str]:
    """Fairness is a health trigger: say when the version's health report has none."""
    report = next((e for e in evidence.entries if e.path == "release/reports/health.json"), None)
    if report is None:
        return ["no health report (health.json: data quality, drift, fairness) in the release"]
    try:
        findings = json.loads(report.data).get("findings") or []
    except (ValueError, AttributeError):
        return ["the release's health.json cannot be read"]
    if not any(isinstance(f, dict) and f.get("check") == "fairness" for f in findings):
        return ["no fairness check in the health report: add a `fairness` trigger to health.yaml"]
    return []


def _matching(paths: Sequence[str], patterns: Sequence[str]) -> tuple[str, ...]:
    return tuple(p for p in paths if any(fnmatch.fnmatchcase(p, pat) for pat in patterns))


def _warnings(evidence: Evidence, number: str) -> tuple[str, ...]:
    """What fails verification is said where it is evidence: the release (1, development) and
    the records (3, 5, validation)."""
    notes: list[str] = []
    if number in ("1", "development") and not evidence.release.verified:
        notes.append(f"the release bundle does NOT verify: {'; '.join(evidence.release.problems)}")
    if number == "4":
        notes += _fairness(evidence)
    failing = [r for r in evidence.records if not r.verified]
    if number in ("3", "5", "validation") and failing:
        seqs = ", ".join(str(r.seq) for r in failing)
        notes.append(
            f"ledger records that do NOT verify (not evidence until explained): seq {seqs}"
        )
    unverified = [d for d in evidence.deployments if not d.verified]
    if number in ("3", "6") and unverified:
        seqs = ", ".join(str(d.seq) for d in unverified)
        notes.append(f"deployments that do NOT verify (ledger seq {seqs}): see their problems")
    return tuple(notes)


# ---- the zip ---------------------------------------------------------------------------------


def write_zip(path: Path, files: Mapping[str, bytes]) -> None:
    """The bundle, written to a temp file beside `path` and renamed: all of it or nothing."""
    with replaced(path) as (out, _), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
