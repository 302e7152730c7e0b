"""model_card.yaml: what a person knows about the model, rendered with what the pipeline knows.

The fields follow Google's Model Card Toolkit schema
(https://github.com/tensorflow/model-card-toolkit, `model_card.schema.json` v0.0.2) with two
simplifications and two extensions:

- where MCT wraps one string in an object (`users: [{description: ...}]`,
  `references: [{reference: ...}]`), the card holds the string itself;
- `model_parameters.data` has a `training` and an `evaluation` dataset (as MCT v0.0.1 did);
- `considerations.human_oversight` and `considerations.monitoring_plan` are o16n extensions for
  the EU AI Act's technical documentation (Annex IV: human oversight, Art. 14; post-market
  monitoring plan, Art. 72).

Empty text and empty lists mean "not written yet": `missing()` reports such sections. The
pipeline's facts (metrics, data hashes, params, KPIs, health) are never written into the YAML;
`render_markdown()` takes them as a plain dict, so the card cannot go stale.
"""

from __future__ import annotations

import datetime
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, TypeGuard

from pydantic import BaseModel, ConfigDict, Field

from o16n.config.yamlfile import Strict, load_model

# ---------------------------------------------------------------------------------------------
# The YAML


class Owner(Strict):
    name: str = ""
    contact: str = Field("", description="e-mail, team page or GitHub handle")


class Version(Strict):
    name: str = Field("", description="empty: o16n shows the registered version or the commit")
    date: datetime.date | None = None
    diff: str = Field("", description="what changed since the previous version")


class License(Strict):
    identifier: str = Field("", description="SPDX identifier, e.g. MIT")
    custom_text: str = Field("", description="the licence's terms, if it has no SPDX identifier")


class ModelDetails(Strict):
    name: str = ""
    overview: str = Field("", description="what the model does, in two or three sentences")
    documentation: str = ""
    owners: list[Owner] = []
    version: Version = Version()
    licenses: list[License] = []
    references: list[str] = Field([], description="links to papers, designs, runbooks")


class Dataset(Strict):
    name: str = ""
    description: str = Field("", description="source, period, population, how it was labelled")
    link: str = ""
    sensitive: list[str] = Field([], description="sensitive or personal attributes it contains")


class Data(Strict):
    training: Dataset = Dataset()
    evaluation: Dataset = Dataset()


class ModelParameters(Strict):
    model_architecture: str = ""
    data: Data = Data()
    input_format: str = ""
    output_format: str = ""


class PerformanceMetric(Strict):
    type: str = Field(description="the metric's name, e.g. roc_auc")
    value: float | str
    slice: str = Field("", description="the subgroup it was measured on; empty: all data")


class QuantitativeAnalysis(Strict):
    performance_metrics: list[PerformanceMetric] = Field(
        [], description="written by a person; o16n adds the pipeline's metrics when it renders"
    )


class Risk(Strict):
    name: str
    mitigation_strategy: str = ""


class Considerations(Strict):
    users: list[str] = Field([], description="who uses the model's output")
    use_cases: list[str] = Field([], description="what the model is for (and not for)")
    limitations: list[str] = Field([], description="where the model is known to fail")
    tradeoffs: list[str] = []
    ethical_considerations: list[Risk] = []
    # o16n extensions (not in MCT), for EU AI Act Annex IV.
    human_oversight: list[str] = Field(
        [], description="o16n extension: how people oversee, override or stop the model"
    )
    monitoring_plan: list[str] = Field(
        [], description="o16n extension: what is monitored in production, how often, who acts"
    )


class ModelCard(Strict):
    """model_card.yaml"""

    model_config = ConfigDict(title="o16n model_card.yaml")
    version: Literal[1] = Field(1, description="format of this file")
    model_details: ModelDetails = ModelDetails()
    model_parameters: ModelParameters = ModelParameters()
    quantitative_analysis: QuantitativeAnalysis = QuantitativeAnalysis()
    considerations: Considerations = Considerations()


def load(path: Path) -> ModelCard:
    return load_model(path, ModelCard)


# ---------------------------------------------------------------------------------------------
# Completeness

SECTIONS: dict[str, tuple[str, ...]] = {
    "details": (
        "model_details.name",
        "model_details.overview",
        "model_details.owners",
        "model_details.version",
    ),
    "licenses": ("model_details.licenses",),
    "architecture": ("model_parameters.model_architecture",),
    "intended_purpose": ("considerations.use_cases", "considerations.users"),
    "data": ("model_parameters.data.training", "model_parameters.data.evaluation"),
    "performance": ("quantitative_analysis.performance_metrics",),
    "limitations": ("considerations.limitations",),
    "tradeoffs": ("considerations.tradeoffs",),
    "ethical_considerations": ("considerations.ethical_considerations",),
    "human_oversight": ("considerations.human_oversight",),
    "monitoring_plan": ("considerations.monitoring_plan",),
}

# The sections of EU AI Act Annex IV (technical documentation) the `regulated` pack requires.
ANNEX_IV = (
    "intended_purpose",
    "data",
    "performance",
    "limitations",
    "human_oversight",
    "monitoring_plan",
)


def _get(facts: Mapping[str, Any], *keys: str) -> Any:
    """facts[k1][k2]..., or None where a key is absent or a value is not a mapping."""
    value: Any = facts
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _version_fact(facts: Mapping[str, Any]) -> str | None:
    version = _get(facts, "model", "version") or _get(facts, "commit")
    return str(version) if version else None


# Fields the pipeline fills: complete when the facts have them, whatever the YAML says.
AUTO_FILLED: dict[str, Callable[[Mapping[str, Any]], bool]] = {
    "model_details.version": lambda facts: _version_fact(facts) is not None,
    "model_parameters.data.training": lambda facts: bool(_get(facts, "lineage", "data")),
    "model_parameters.data.evaluation": lambda facts: bool(_get(facts, "lineage", "data")),
    "quantitative_analysis.performance_metrics": lambda facts: bool(_get(facts, "metrics")),
}


def _filled(value: object) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list):
        return any(_filled(item) for item in value)
    if isinstance(value, BaseModel):
        return any(_filled(getattr(value, name)) for name in type(value).model_fields)
    return value is not None


def _field(card: ModelCard, path: str) -> object:
    value: object = card
    for name in path.split("."):
        value = getattr(value, name)
    return value


def _complete(card: ModelCard, section: str, facts: Mapping[str, Any]) -> bool:
    return all(
        _filled(_field(card, path)) or (path in AUTO_FILLED and AUTO_FILLED[path](facts))
        for path in SECTIONS[section]
    )


def sections_status(card: ModelCard, facts: Mapping[str, Any]) -> dict[str, bool]:
    """Every section -> complete?"""
    return {section: _complete(card, section, facts) for section in SECTIONS}


def missing(card: ModelCard, required: Sequence[str], facts: Mapping[str, Any]) -> list[str]:
    """The required sections that are not complete, in the order given."""
    unknown = [name for name in required if name not in SECTIONS]
    if unknown:
        raise ValueError(
            f"unknown model card section(s): {', '.join(unknown)}; known: {', '.join(SECTIONS)}"
        )
    return [name for name in dict.fromkeys(required) if not _complete(card, name, facts)]


# ---------------------------------------------------------------------------------------------
# MODEL_CARD.md

NOT_AVAILABLE = "Not available."
NOT_WRITTEN = "_Not written yet: see model_card.yaml._"


def cell(value: object) -> str:
    """A Markdown table cell: `|` escaped, line breaks as <br>."""
    text = str(value).strip().replace("\\", "\\\\").replace("|", "\\|")
    return "<br>".join(text.splitlines())


def number(value: object) -> str:
    """Up to four decimals, no trailing zeros: 0.95614 -> 0.9561, 55.3 -> 55.3."""
    if not isinstance(value, float) or not math.isfinite(value):
        return str(value)
    return f"{value:.4f}".rstrip("0").rstrip(".")


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(cell(name) for name in header) + " |"]
    lines.append("|" + "---|" * len(header))
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return lines


def bullets(items: Sequence[str]) -> list[str]:
    written = [" ".join(item.split()) for item in items if item.strip()]
    return [f"- {item}" for item in written] if written else [NOT_WRITTEN]


def flatten(params: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"train": {"C": 1.0}} -> {"train.C": 1.0}"""
    flat: dict[str, Any] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _param(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _text(value: str) -> str:
    return value.strip() or NOT_WRITTEN


def _details(card: ModelCard, facts: Mapping[str, Any]) -> list[str]:
    details = card.model_details
    version = details.version.name or _version_fact(facts) or "not available"
    owners = [f"{o.name} ({o.contact})" if o.contact else o.name for o in details.owners if o.name]
    licenses = [lic.identifier or lic.custom_text for lic in details.licenses if _filled(lic)]
    rows = [
        ("Version", version),
        ("Commit", _get(facts, "commit") or "not available"),
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
        lines += ["", "References:", "", *bullets(details.references)]
    return lines


def _intended_use(card: ModelCard) -> list[str]:
    considerations = card.considerations
    return [
        "## Intended use",
        "",
        "### Use cases",
        "",
        *bullets(considerations.use_cases),
        "",
        "### Users",
        "",
        *bullets(considerations.users),
    ]


def _datasets(card: ModelCard) -> list[str]:
    data = card.model_parameters.data
    rows = [
        (role, ds.name, ds.description, ds.link, ", ".join(ds.sensitive) or "none listed")
        for role, ds in (("training", data.training), ("evaluation", data.evaluation))
        if _filled(ds)
    ]
    if not rows:
        return [NOT_WRITTEN]
    return table(("Role", "Name", "Description", "Link", "Sensitive attributes"), rows)


def _data(card: ModelCard, facts: Mapping[str, Any]) -> list[str]:
    roles = (("data", "data"), ("model", "model"), ("outs", "other output"))
    rows: list[tuple[str, str, str]] = []
    for key, role in roles:  # `outs` holds every output: list each path once, by its role
        for path, md5 in _mapping(_get(facts, "lineage", key)).items():
            if path not in {row[1] for row in rows}:
                rows.append((role, path, md5))
    lines = ["## Data", "", *_datasets(card), "", "### Lineage (DVC)", ""]
    lines += table(("Role", "Path", "MD5"), rows) if rows else [NOT_AVAILABLE]
    return lines


def _metrics(facts: Mapping[str, Any]) -> list[str]:
    metrics = _mapping(_get(facts, "metrics"))
    baseline = _get(facts, "baseline", "metrics")
    if not metrics:
        return [NOT_AVAILABLE]
    if not isinstance(baseline, Mapping):
        return table(("Metric", "Value"), [(n, number(v)) for n, v in metrics.items()])
    rows = [
        (
            name,
            number(metrics.get(name, "—")),
            number(baseline.get(name, "—")),
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
    delta = float(new) - float(old)
    return ("+" if delta >= 0 else "") + number(delta)


def _performance(card: ModelCard, facts: Mapping[str, Any]) -> list[str]:
    lines = ["## Performance", "", "Metrics from the pipeline (test split):", "", *_metrics(facts)]
    written = card.quantitative_analysis.performance_metrics
    if written:
        rows = [(m.type, number(m.value), m.slice or "all") for m in written]
        lines += ["", "Further measurements:", "", *table(("Metric", "Value", "Slice"), rows)]
    return lines


def _params(facts: Mapping[str, Any]) -> list[str]:
    params = _get(facts, "params")
    if not isinstance(params, Mapping) or not params:
        return ["## Parameters", "", NOT_AVAILABLE]
    rows = [(name, _param(value)) for name, value in flatten(params).items()]
    return ["## Parameters", "", *table(("Parameter", "Value"), rows)]


def _kpis(facts: Mapping[str, Any]) -> list[str]:
    kpis = _get(facts, "kpis")
    if not isinstance(kpis, Mapping) or kpis.get("value_per_1000") is None:
        return ["## Business value", "", NOT_AVAILABLE]
    unit = kpis.get("unit", "")
    rows = [("Value per 1,000 predictions", f"{number(kpis['value_per_1000'])} {unit}".strip())]
    if kpis.get("threshold") is not None:
        rows.append(("Decision threshold", number(kpis["threshold"])))
    if kpis.get("baseline_value_per_1000") is not None:
        baseline = kpis["baseline_value_per_1000"]
        rows.append(("Model on main, per 1,000", f"{number(baseline)} {unit}".strip()))
        rows.append(("Change", f"{_change(kpis['value_per_1000'], baseline)} {unit}".strip()))
    return ["## Business value", "", *table(("", ""), rows)]


def _health(facts: Mapping[str, Any]) -> list[str]:
    health = _get(facts, "health")
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
    return [
        "## Limitations",
        "",
        *bullets(considerations.limitations),
        "",
        "## Trade-offs",
        "",
        *bullets(considerations.tradeoffs),
        "",
        "## Ethical considerations",
        "",
        *_risks(card),
        "",
        "## Human oversight",
        "",
        *bullets(considerations.human_oversight),
        "",
        "## Monitoring plan",
        "",
        *bullets(considerations.monitoring_plan),
    ]


def _completeness(card: ModelCard, facts: Mapping[str, Any]) -> list[str]:
    status = sections_status(card, facts)
    rows = [(name, "yes" if done else "**no**") for name, done in status.items()]
    return ["## Completeness", "", *table(("Section", "Complete"), rows)]


def render_markdown(card: ModelCard, facts: Mapping[str, Any]) -> str:
    """MODEL_CARD.md: the card's text with the pipeline's facts; the same input, the same text."""
    name = card.model_details.name or _get(facts, "model", "name") or "Unnamed model"
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
