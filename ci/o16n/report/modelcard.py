"""MODEL_CARD.md: model_card.yaml's text with what the pipeline knows (metrics, data hashes,
params, KPIs, health), in the sections of Google's Model Card Toolkit and the EU AI Act's
Annex IV. The facts come as the plain dict the policy gate reads, so the card shows what the
gate judged; the same card and facts give the same text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, TypeGuard

from o16n.config.modelcard import ModelCard, fact, filled, sections_status, version_fact
from o16n.config.params import flatten
from o16n.report.markup import bullets, decimals, signed, table

NOT_AVAILABLE = "Not available."
NOT_WRITTEN = "_Not written yet: see model_card.yaml._"


def _bullets(items: Sequence[str]) -> list[str]:
    return bullets(items) or [NOT_WRITTEN]


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _param(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _text(value: str) -> str:
    return value.strip() or NOT_WRITTEN


def _details(card: ModelCard, facts: Mapping[str, Any]) -> list[str]:
    details = card.model_details
    version = details.version.name or version_fact(facts) or "not available"
    owners = [f"{o.name} ({o.contact})" if o.contact else o.name for o in details.owners if o.name]
    licenses = [lic.identifier or lic.custom_text for lic in details.licenses if filled(lic)]
    rows = [
        ("Version", version),
        ("Commit", fact(facts, "commit") or "not available"),
        ("Owners", ", ".join(owners) or "not written yet"),
        ("Licences", ", ".join(licenses) or "not written yet"),
        ("Architecture", card.model_parameters.model_architecture or "not written yet"),
    ]
    if details.version.date:
        rows.append(("Date", details.version.date.isoformat()))
    if details.version.diff:
        rows.append(("Changes", details.version.diff))
    if details.documentation:
        rows.append(("Documentation", details.documentation))
    lines = ["## Model details", "", *table(("", ""), rows)]
    if details.references:
        lines += ["", "References:", "", *_bullets(details.references)]
    return lines


def _sections(*sections: tuple[str, list[str]]) -> list[str]:
    """Each heading, a blank line, its lines; a blank line between sections."""
    lines: list[str] = []
    for heading, body in sections:
        lines += [*([""] if lines else []), heading, "", *body]
    return lines


def _intended_use(card: ModelCard) -> list[str]:
    considerations = card.considerations
    return [
        "## Intended use",
        "",
        *_sections(
            ("### Use cases", _bullets(considerations.use_cases)),
            ("### Users", _bullets(considerations.users)),
        ),
    ]


def _datasets(card: ModelCard) -> list[str]:
    data = card.model_parameters.data
    rows = [
        (role, ds.name, ds.description, ds.link, ", ".join(ds.sensitive) or "none listed")
        for role, ds in (("training", data.training), ("evaluation", data.evaluation))
        if filled(ds)
    ]
    if not rows:
        return [NOT_WRITTEN]
    return table(("Role", "Name", "Description", "Link", "Sensitive attributes"), rows)


def _data(card: ModelCard, facts: Mapping[str, Any]) -> list[str]:
    roles = (("data", "data"), ("model", "model"), ("outs", "other output"))
    rows: list[tuple[str, str, str]] = []
    for key, role in roles:  # `outs` holds every output: list each path once, by its role
        for path, md5 in _mapping(fact(facts, "lineage", key)).items():
            if path not in {row[1] for row in rows}:
                rows.append((role, path, md5))
    lines = ["## Data", "", *_datasets(card), "", "### Lineage (DVC)", ""]
    lines += table(("Role", "Path", "MD5"), rows) if rows else [NOT_AVAILABLE]
    return lines


def _metrics(facts: Mapping[str, Any]) -> list[str]:
    metrics = _mapping(fact(facts, "metrics"))
    baseline = fact(facts, "baseline", "metrics")
    if not metrics:
        return [NOT_AVAILABLE]
    if not isinstance(baseline, Mapping):
        return table(("Metric", "Value"), [(n, decimals(v)) for n, v in metrics.items()])
    rows = [
        (
            name,
            decimals(metrics.get(name, "—")),
            decimals(baseline.get(name, "—")),
            _change(metrics.get(name), baseline.get(name)),
        )
        for name in dict.fromkeys([*metrics, *baseline])
    ]
    return table(("Metric", "This model", "Main", "Change"), rows)


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _change(new: object, old: object) -> str:
    if not (_is_number(new) and _is_number(old)):
        return "—"
    return signed(float(new) - float(old))


def _performance(card: ModelCard, facts: Mapping[str, Any]) -> list[str]:
    lines = ["## Performance", "", "Metrics from the pipeline (test split):", "", *_metrics(facts)]
    written = card.quantitative_analysis.performance_metrics
    if written:
        rows = [(m.type, decimals(m.value), m.slice or "all") for m in written]
        lines += ["", "Further measurements:", "", *table(("Metric", "Value", "Slice"), rows)]
    return lines


def _params(facts: Mapping[str, Any]) -> list[str]:
    params = fact(facts, "params")
    if not isinstance(params, Mapping) or not params:
        return ["## Parameters", "", NOT_AVAILABLE]
    rows = [(name, _param(value)) for name, value in flatten(params).items()]
    return ["## Parameters", "", *table(("Parameter", "Value"), rows)]


def _kpis(facts: Mapping[str, Any]) -> list[str]:
    kpis = fact(facts, "kpis")
    if not isinstance(kpis, Mapping) or kpis.get("value_per_1000") is None:
        return ["## Business value", "", NOT_AVAILABLE]
    unit = kpis.get("unit", "")
    rows = [("Value per 1,000 predictions", f"{decimals(kpis['value_per_1000'])} {unit}".strip())]
    if kpis.get("threshold") is not None:
        rows.append(("Decision threshold", decimals(kpis["threshold"])))
    if kpis.get("baseline_value_per_1000") is not None:
        baseline = kpis["baseline_value_per_1000"]
        rows.append(("Model on main, per 1,000", f"{decimals(baseline)} {unit}".strip()))
        rows.append(("Change", f"{_change(kpis['value_per_1000'], baseline)} {unit}".strip()))
    return ["## Business value", "", *table(("", ""), rows)]


def _health(facts: Mapping[str, Any]) -> list[str]:
    health = fact(facts, "health")
    if not isinstance(health, Mapping) or not health.get("verdict"):
        return ["## Data health", "", NOT_AVAILABLE]
    counts = health.get("counts") or {}
    summary = ", ".join(f"{counts.get(level, 0)} {level}" for level in ("ok", "warn", "fail"))
    drifted = ", ".join(health.get("drifted_columns") or []) or "none"
    rows = [("Verdict", health["verdict"]), ("Checks", summary), ("Drifted columns", drifted)]
    return ["## Data health", "", *table(("", ""), rows)]


def _risks(card: ModelCard) -> list[str]:
    risks = card.considerations.ethical_considerations
    if not risks:
        return [NOT_WRITTEN]
    return table(("Risk", "Mitigation"), [(r.name, r.mitigation_strategy or "none") for r in risks])


def _considerations(card: ModelCard) -> list[str]:
    considerations = card.considerations
    return _sections(
        ("## Limitations", _bullets(considerations.limitations)),
        ("## Trade-offs", _bullets(considerations.tradeoffs)),
        ("## Ethical considerations", _risks(card)),
        ("## Human oversight", _bullets(considerations.human_oversight)),
        ("## Monitoring plan", _bullets(considerations.monitoring_plan)),
    )


def _completeness(card: ModelCard, facts: Mapping[str, Any]) -> list[str]:
    status = sections_status(card, facts)
    rows = [(name, "yes" if done else "**no**") for name, done in status.items()]
    return ["## Completeness", "", *table(("Section", "Complete"), rows)]


def render_markdown(card: ModelCard, facts: Mapping[str, Any]) -> str:
    """MODEL_CARD.md: the card's text with the pipeline's facts; the same input, the same text."""
    name = card.model_details.name or fact(facts, "model", "name") or "Unnamed model"
    parts = [
        [f"# Model card: {' '.join(str(name).split())}", "", _text(card.model_details.overview)],
        _details(card, facts),
        _intended_use(card),
        _data(card, facts),
        _performance(card, facts),
        _params(facts),
        _kpis(facts),
        _health(facts),
        _considerations(card),
        _completeness(card, facts),
    ]
    return "\n\n".join("\n".join(lines) for lines in parts) + "\n"
