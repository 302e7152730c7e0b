"""kpis.yaml: the model's value in the business's own units.

Classification: a value matrix over the confusion matrix (value of a TP, FP, FN, TN), optional
base-rate reweighting to production and a capacity limit on positive actions. Regression: the
cost of an error per unit, asymmetric for under- and over-prediction.
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
