"""The facts document: everything a policy may judge, assembled once, as plain JSON data.

Every key is always present with the same shape, whether or not the project has the part it
describes (`kpis.configured: false`, `baseline.available: false`), so a rule can be checked
against the facts when the pack loads. Sources: metrics.json (here and at the base), params.yaml
and its diff, health results, KPIs, the model card, dvc.lock (lineage), the change set, review
facts (the `git` provider here), waivers and the pack's vars. `o16n facts` prints it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from o16n import __version__
from o16n.adapters import dvc, git
from o16n.adapters.dvc import lineage
from o16n.adapters.signing import fingerprint
from o16n.config import dataschema, modelcard
from o16n.config.kpis import unset_warning
from o16n.config.params import flatten
from o16n.errors import ConfigError
from o16n.health.findings import HealthReport
from o16n.health.kpi import KPIResult
from o16n.policy import revalidation, review, waivers
from o16n.policy.document import (
    DataFacts,
    Facts,
    GovernanceFacts,
    GovernanceSettings,
    HealthFacts,
    KPIFacts,
    LineageFacts,
    ModelCardFacts,
    ReviewFacts,
)
from o16n.policy.governance import Governance, resolve_base
from o16n.policy.pack import Pack

METRICS_FILE = "metrics.json"
PARAMS_FILE = "params.yaml"
MODEL_CARD_FILE = "model_card.yaml"


@dataclass
class Sources:
    """Results o16n may already have (`o16n check` computed them); None: compute here."""

    health: HealthReport | None = None
    kpis: tuple[KPIResult, KPIResult | None] | None = None
    reproduced: bool | None = None
    review: ReviewFacts | None = None  # from the GitHub provider; None: from git
    validations: revalidation.Validations | None = None  # the ledger's, read by lifecycle
    notes: list[str] = field(default_factory=list)


def assemble(
    project: Path,
    rules: Governance,
    *,
    stage: str,
    env: str | None,
    base: str | None,
    proposed: Governance | None = None,
    head: str | None = None,
    since: str | None = None,
    today: dt.date | None = None,
    sources: Sources | None = None,
    version: str | None = None,
) -> Facts:
    """The facts of the change from `base` to `head` (the working tree when None), judged by
        `rules`; `proposed` is the change's own governance when it differs (stage pr). `since`: the
        previous version's commit, from which a deploy also checks main's history. `version`: the
    registered version being judged (a deploy's candidate), whose revalidation is looked up."""
    project = project.resolve()
    sources = sources or Sources()
    today = today or dt.date.today()
    pack, config = rules.pack, rules.config
    base_commit = resolve_base(project, base)
    head_commit = _commit(project, head or "HEAD") or ""
    changed = _changed_files(project, base_commit, head)
    # what a merge would bring: the commits, not what is lying uncommitted in this checkout
    committed = (
        _changed_files(project, base_commit, "HEAD") if base_commit and head is None else changed
    )
    review_facts = sources.review or review.review_facts(
        project, base_commit, committed, config.teams, rules.owners, rules.signers, head or "HEAD"
    )
    if since is not None and review_facts["provider"] == "git":
        review_facts["unapproved_history"] = review.unapproved_history(
            project, since, head or "HEAD", rules.owners, rules.signers, config.teams
        )
    metrics = _metrics(_read(project / METRICS_FILE), METRICS_FILE)
    baseline_metrics = _baseline_metrics(project, base_commit)
    params = _yaml(_read(project / PARAMS_FILE)) or {}
    baseline_params = (
        _yaml(git.read_at_revision(PARAMS_FILE, base_commit, project)) if base_commit else None
    )
    kpis = _kpis(project, base_commit, sources)
    vouching = waivers.Vouching(
        on_base=None if proposed is None else rules.waivers_specs(),
        approvers=frozenset(review_facts["approvers"]),
        authors=frozenset(review_facts["authors"]),
        governance=frozenset(review_facts["governance_members"]),
    )
    considered = _waivers_considered(rules, proposed)
    facts: Facts = {
        "o16n": {"version": __version__},
        "stage": stage,
        "env": env,
        "today": today.isoformat(),
        "model": {
            "name": config.model,
            "version": version,  # known once the registry (version tags) has this commit
            "environments": list(config.environments),
        },
        "commit": head_commit,
        "metrics": metrics,
        "baseline": {
            "available": baseline_metrics is not None,
            "revision": base or "",
            "commit": base_commit or "",
            "metrics": baseline_metrics or {},
        },
        "params": params,
        "params_diff": _diff(_flatten(baseline_params or {}), _flatten(params))
        if baseline_params is not None
        else {},
        "data": _data(project, base_commit, head),
        "health": _health(project, sources),
        "kpis": kpis,
        "lineage": {**_lineage(project), "reproduced": _reproduced(project, sources)},
        "changes": {"files": changed, "count": len(changed)},
        "review": review_facts,
        "waivers": waivers.facts(considered, today, vouching),
        "pack": {"name": pack.name, "hash": pack.hash},
        "vars": pack.vars,
        "governance": _governance(rules, proposed),
        "revalidation": revalidation.facts(
            config.revalidation, sources.validations, version=version, env=env, today=today
        ),
    }
    facts["model_card"] = _model_card(project, pack, facts)
    return facts


def _waivers_considered(rules: Governance, proposed: Governance | None) -> list[waivers.Waiver]:
    """The waivers in force, then those the change adds (they apply only when approved), each
    for a rule of the pack in force."""
    found = list(rules.waivers)
    if proposed is not None:
        known, in_force = {r.id for r in rules.pack.rules}, rules.waivers_specs()
        found += [w for w in proposed.waivers if w.spec not in in_force and w.rule in known]
    return found


def _governance(rules: Governance, proposed: Governance | None) -> GovernanceFacts:
    in_force = _settings(rules)
    offered = _settings(proposed) if proposed is not None else in_force
    return {
        "rules_from": rules.where,
        "commit": rules.commit or "",
        "in_force": in_force,
        "proposed": offered,
        "changed": sorted(k for k in in_force if in_force[k] != offered[k]),  # type: ignore[literal-required]
    }


def _settings(governance: Governance) -> GovernanceSettings:
    return {
        "pack": governance.pack.name,
        "pack_hash": governance.pack.hash,
        "vars": governance.pack.vars,
        "waivers": [w.record() for w in governance.waivers],
        "teams": {k: list(v) for k, v in sorted(governance.config.teams.items())},
        "codeowners": list(governance.owners.entries),
        "revalidation": governance.config.revalidation.model_dump()
        if governance.config.revalidation
        else None,
        "signers": [
            f"{', '.join(s.principals)} {fingerprint(s.blob)}"
            for s in (governance.signers.signers if governance.signers else ())
        ],
    }


# ---- sources ---------------------------------------------------------------------------------


def _commit(project: Path, revision: str) -> str | None:
    return git.commit_of(revision, project)


def _changed_files(project: Path, base_commit: str | None, head: str | None) -> list[str]:
    """Paths that differ from the merge base with the base revision: up to `head`, or, when
    None, in the working tree, committed or not."""
    if base_commit is None:
        ran = git.run("ls-files", project=project)
        return sorted(p for p in ran.output.split("\n") if p) if ran.ok else []
    merge_base = git.run("merge-base", base_commit, head or "HEAD", project=project)
    start = merge_base.output.strip() if merge_base.ok else base_commit
    if head is not None:
        committed = git.run("diff", "--name-only", start, head, project=project)
        return sorted(p for p in committed.output.split("\n") if p)
    committed = git.run("diff", "--name-only", f"{start}", project=project)
    untracked = git.run("ls-files", "--others", "--exclude-standard", project=project)
    paths = set(committed.output.split("\n")) | set(untracked.output.split("\n"))
    return sorted(p for p in paths if p)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _yaml(text: str | None) -> Any:
    return yaml.safe_load(text) if text else None


def _metrics(text: str | None, where: str) -> dict[str, float]:
    """metrics.json flattened to dotted names, numbers as floats (CEL compares double with
    double: a metric that happens to be 1 must still compare with a floor of 0.9)."""
    if text is None:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"invalid JSON: {exc.msg}", file=where, line=exc.lineno) from None
    return {
        k: float(v)
        for k, v in _flatten(data).items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }


def _baseline_metrics(project: Path, base_commit: str | None) -> dict[str, float] | None:
    if base_commit is None:
        return None
    text = git.read_at_revision(METRICS_FILE, base_commit, project)
    return _metrics(text, f"{base_commit[:12]}:{METRICS_FILE}") if text else None


def _flatten(value: Any) -> dict[str, Any]:
    """Nested mappings as dotted names ({"train": {"C": 1.0}} -> {"train.C": 1.0})."""
    return flatten(value) if isinstance(value, Mapping) else {}


def _diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        key: {"old": old.get(key), "new": new.get(key)}
        for key in sorted(set(old) | set(new))
        if old.get(key) != new.get(key)
    }


def _data(project: Path, base_commit: str | None, head: str | None) -> DataFacts:
    """How the data the model learns from changed since the base commit (the one whose metrics
    and KPI it is compared with): dataschema's one definition, which the registry shares."""
    if base_commit is None:
        return {"changed": False, "changes": [], "basis": ""}

    def at_head(path: str) -> str | None:
        if head is None:
            return _read(project / path)
        return git.read_at_revision(path, head, project)

    found = dataschema.compare(
        lambda path: git.read_at_revision(path, base_commit, project),
        at_head,
        base_commit[:7],
        head[:7] if head else "checkout",
    )
    return {"changed": found.changed, "changes": list(found.changes), "basis": found.basis}


def _health(project: Path, sources: Sources) -> HealthFacts:
    report = sources.health
    if report is None and (project / "health.yaml").is_file():
        from o16n.config.health import resolve_config
        from o16n.health.checks import Inputs, evaluate

        config, reference, current = resolve_config(project, None, None, None)
        report = evaluate(config, Inputs(project, reference=reference, current=current))
    if report is None:
        return {
            "ran": False,
            "verdict": "none",
            "counts": {"ok": 0, "warn": 0, "fail": 0},
            "fail": [],
            "warn": [],
            "checks": [],
            "drifted_columns": [],
            "dataset_drift_share": None,
        }
    severities = [f.severity for f in report.findings]
    return {
        "ran": True,
        "verdict": report.severity,
        "counts": {level: severities.count(level) for level in ("ok", "warn", "fail")},
        "fail": sorted({f.trigger for f in report.findings if f.severity == "fail"}),
        "warn": sorted({f.trigger for f in report.findings if f.severity == "warn"}),
        "checks": sorted({f.check for f in report.findings}),
        "drifted_columns": sorted(d.column for d in report.drift if d.drifted),
        "dataset_drift_share": report.dataset_drift_share,
    }


def _kpis(project: Path, base_commit: str | None, sources: Sources) -> KPIFacts:
    results = sources.kpis
    if results is None and (project / "kpis.yaml").is_file():
        from o16n.config.kpis import KPIConfig
        from o16n.config.yamlfile import load_model
        from o16n.health import kpi

        config = load_model(project / "kpis.yaml", KPIConfig)
        if base_commit is None:
            results = (kpi.current_and_baseline(project, config, "HEAD")[0], None)
        else:
            results = kpi.current_and_baseline(project, config, base_commit)
    empty: KPIFacts = {
        "configured": False,
        "name": "",
        "unit": "",
        "value_per_1000": None,
        "threshold": None,
        "best_value_per_1000": None,
        "best_threshold": None,
        "baseline_available": False,
        "baseline_value_per_1000": None,
        "values_set": False,
        "warning": "",
    }
    if results is None:
        return empty
    current, baseline = results
    return {
        "configured": True,
        "values_set": not current.unset,
        "warning": unset_warning(current.unset) if current.unset else "",
        "name": current.name,
        "unit": current.unit,
        "value_per_1000": current.per_1000,
        "threshold": current.threshold,
        "best_value_per_1000": current.best_per_1000,
        "best_threshold": current.best_threshold,
        "baseline_available": baseline is not None,
        "baseline_value_per_1000": baseline.per_1000 if baseline else None,
    }


def _lineage(project: Path) -> LineageFacts:
    try:
        found = lineage.of_project(project)
    except ConfigError:
        found = lineage.Lineage()
    return {
        "outs": dict(found.outs),
        "data": found.data,
        "model": found.model,
        "params_hash": found.params_hash,
    }


def _reproduced(project: Path, sources: Sources) -> bool:
    """dvc.lock committed as the pipeline last wrote it, and `dvc status` clean."""
    if sources.reproduced is not None:
        return sources.reproduced
    if git.run("status", "--porcelain", "--", "dvc.lock", project=project).output.strip():
        return False
    try:
        return not dvc.run_json("status", project=project)
    except Exception as exc:  # noqa: BLE001 - a status that cannot be had is not a pass
        sources.notes.append(f"`dvc status` failed: {exc}")
        return False


def _model_card(project: Path, pack: Pack, facts: Facts) -> ModelCardFacts:
    path = project / MODEL_CARD_FILE
    required = list(pack.required_sections)
    if not path.is_file():
        return {
            "present": False,
            "complete": not required,
            "required": required,
            "missing": required,
            "sections": {},
        }
    card = modelcard.load(path)
    missing = modelcard.missing(card, required, facts)
    return {
        "present": True,
        "complete": not missing,
        "required": required,
        "missing": missing,
        "sections": modelcard.sections_status(card, facts),
    }
