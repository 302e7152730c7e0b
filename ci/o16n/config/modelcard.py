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
`o16n.report.modelcard` renders MODEL_CARD.md from the card and those facts, so the card cannot
go stale; this module holds the card, its completeness, and the fact lookups both share.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from o16n.config.yamlfile import Strict, load_model

# ---------------------------------------------------------------------------------------------
# The YAML


class Owner(Strict):
    name: str = ""
    contact: str = Field("", description="e-mail, team page or GitHub handle")


class Version(Strict):
    name: str = Field("", description="empty: o16n shows the registered version or the commit")
    date: datetime.date | None = Field(None, strict=False)  # quoted or not: YYYY-MM-DD
    diff: str = Field("", description="what changed since the previous version")


class License(Strict):
    identifier: str = Field("", description="SPDX identifier, e.g. MIT")
    custom_text: str = Field("", description="the licence's terms, if it has no SPDX identifier")


class ModelDetails(Strict):
    name: str = ""
    overview: str = Field("", description="what the model does, in two or three sentences")
    documentation: str = ""
    owners: list[Owner] = []
    risk_tier: str = Field(
        "",
        description="o16n extension: the model's tier in the organisation's model risk "
        "inventory (SR 11-7), e.g. high, medium, low; shown by `o16n inventory`",
    )
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


def fact(facts: Mapping[str, Any], *keys: str) -> Any:
    """facts[k1][k2]..., or None where a key is absent or a value is not a mapping."""
    value: Any = facts
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def version_fact(facts: Mapping[str, Any]) -> str | None:
    """The registered version, else the commit: what the card shows as the model's version."""
    version = fact(facts, "model", "version") or fact(facts, "commit")
    return str(version) if version else None


# Fields the pipeline fills: complete when the facts have them, whatever the YAML says.
AUTO_FILLED: dict[str, Callable[[Mapping[str, Any]], bool]] = {
    "model_details.version": lambda facts: version_fact(facts) is not None,
    "model_parameters.data.training": lambda facts: bool(fact(facts, "lineage", "data")),
    "model_parameters.data.evaluation": lambda facts: bool(fact(facts, "lineage", "data")),
    "quantitative_analysis.performance_metrics": lambda facts: bool(fact(facts, "metrics")),
}


def filled(value: object) -> bool:
    """Written: text that is not blank, a list with a written item, a model with a written field."""
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list):
        return any(filled(item) for item in value)
    if isinstance(value, BaseModel):
        return any(filled(getattr(value, name)) for name in type(value).model_fields)
    return value is not None


def _field(card: ModelCard, path: str) -> object:
    value: object = card
    for name in path.split("."):
        value = getattr(value, name)
    return value


def _complete(card: ModelCard, section: str, facts: Mapping[str, Any]) -> bool:
    return all(
        filled(_field(card, path)) or (path in AUTO_FILLED and AUTO_FILLED[path](facts))
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
