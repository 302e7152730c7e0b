"""kpis.yaml: the model's value in the business's own units.

Classification: a value matrix over the confusion matrix (value of a TP, FP, FN, TN), optional
base-rate reweighting to production and a capacity limit on positive actions. Regression: the
cost of an error per unit, asymmetric for under- and over-prediction.

Zeros are valid: a project starts with every value at 0 until a person says what each outcome is
worth. Until then `unset_keys` names them, and the KPI is reported as not set (a warning), never
judged: a value of 0 against a baseline of 0 means nothing.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from o16n.config.yamlfile import Strict


class ValueMatrix(Strict):
    true_positive: float = Field(description="value of a correctly flagged positive")
    false_positive: float = Field(description="value (usually a cost: negative) of a false alarm")
    false_negative: float = Field(description="value (usually a cost: negative) of a miss")
    true_negative: float = Field(0.0, description="value of a correctly passed negative")


class Capacity(Strict):
    max_positive_per_1000: float = Field(gt=0, le=1000, description="positive actions possible")


class ClassificationKPI(Strict):
    kind: Literal["classification"]
    name: str = Field("expected value", description="what the value is called in reports")
    unit: str = Field(description="money or any unit, e.g. EUR")
    value: ValueMatrix
    base_rate: float | None = Field(
        None, gt=0, lt=1, description="share of positives in production, if not the test split's"
    )
    capacity: Capacity | None = None
    threshold: float | None = Field(
        None, ge=0, le=1, description="the model's decision threshold (default: params.yaml)"
    )


class RegressionKPI(Strict):
    kind: Literal["regression"]
    name: str = "cost of error"
    unit: str
    cost_per_unit_under: float = Field(ge=0, description="cost per unit predicted too low")
    cost_per_unit_over: float = Field(ge=0, description="cost per unit predicted too high")


class KPIConfig(Strict):
    """kpis.yaml"""

    model_config = ConfigDict(title="o16n kpis.yaml")
    version: Literal[1] = 1
    predictions: str = Field(
        "data/predictions/test.csv",
        description="test-split predictions: actual and prediction (and probability)",
    )
    kpi: Annotated[ClassificationKPI | RegressionKPI, Field(discriminator="kind")]


FILE = "kpis.yaml"
_OUTCOMES = ("true_positive", "false_positive", "false_negative", "true_negative")
_COSTS = ("cost_per_unit_under", "cost_per_unit_over")


def unset_keys(config: KPIConfig) -> tuple[str, ...]:
    """The keys that hold the KPI's values when a person has not set them yet (every outcome
    worth 0, or both costs 0), as dotted paths in kpis.yaml; () when they are set."""
    kpi = config.kpi
    if isinstance(kpi, ClassificationKPI):
        values = {f"kpi.value.{k}": getattr(kpi.value, k) for k in _OUTCOMES}
    else:
        values = {f"kpi.{k}": getattr(kpi, k) for k in _COSTS}
    return tuple(values) if not any(values.values()) else ()


def unset_warning(keys: tuple[str, ...], file: str = FILE) -> str:
    """What to tell when the values are not set, naming the file and the keys."""
    return (
        f"the KPI values in {file} are not set ({', '.join(keys)} are all 0): a person must set "
        "what each outcome is worth to the business; until then the KPI is not judged"
    )
