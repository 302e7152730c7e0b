"""The profile file (`o16n profile`, the train stage's reference_profile.json) as a model, so a
hand-edited or truncated profile is an error naming the column and the key (exit 2), not a
TypeError deep in a drift test; and, shipped as profile.schema.json, a schema editors check.

Strict: a number written as a string ("rows": "many", or "5") is wrong, as is an unknown key.
The figures o16n writes for readers only (distinct, std, quantiles, deciles) are accepted and
recomputed on load. The kinds repeat `o16n.health.stats.kinds` (config sits below health); a
test holds the two in step.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, model_validator

NumericKind = Literal["numeric", "datetime"]
CategoricalKind = Literal["categorical", "boolean", "text"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Edges(_Strict):
    """Equal-width histogram edges, written as their span and number of bins."""

    low: float
    high: float
    bins: int = Field(gt=0)


class NumericColumn(_Strict):
    kind: NumericKind
    dtype: str
    count: NonNegativeInt = Field(description="finite values")
    missing: NonNegativeInt
    infinite: NonNegativeInt
    min: float | None = Field(description="null: no finite value")
    max: float | None
    mean: float
    m2: float = Field(ge=0, description="sum of squared deviations from the mean")
    edges: Edges | None
    counts: list[NonNegativeInt]
    below: NonNegativeInt
    above: NonNegativeInt
    values: list[tuple[float, NonNegativeInt]] | None = Field(
        description="exact [value, count] pairs while the column has few distinct values"
    )
    sample: list[float]
    kmv: list[NonNegativeInt] = Field(description="distinct-count sketch: smallest hashes")
    distinct: NonNegativeInt | None = None
    std: float | None = None
    quantiles: dict[str, float | None] | None = None
    deciles: list[float] | None = None

    @model_validator(mode="after")
    def _histogram_fits_its_edges(self) -> NumericColumn:
        bins = self.edges.bins if self.edges else 0
        if len(self.counts) != bins:
            raise ValueError(f"counts has {len(self.counts)} bins, edges {bins}")
        return self


class CategoricalColumn(_Strict):
    kind: CategoricalKind
    dtype: str
    count: NonNegativeInt
    missing: NonNegativeInt
    counts: dict[str, NonNegativeInt] = Field(description="the most frequent categories")
    other: NonNegativeInt = Field(description="values of the categories beyond `counts`")
    kmv: list[NonNegativeInt]
    distinct: NonNegativeInt | None = None


AnyColumn = Annotated[NumericColumn | CategoricalColumn, Field(discriminator="kind")]


class ProfileDocument(_Strict):
    """A profile: per column its kind, counts, histogram or categories, and sketches."""

    model_config = ConfigDict(title="o16n profile")
    schema_version: Literal[1]
    rows: NonNegativeInt
    duplicate_rows: NonNegativeInt
    schema_: dict[str, NumericKind | CategoricalKind] = Field(alias="schema")
    columns: dict[str, AnyColumn]

    @model_validator(mode="after")
    def _schema_is_the_columns(self) -> ProfileDocument:
        kinds = {name: column.kind for name, column in self.columns.items()}
        differ = sorted(set(kinds.items()) ^ set(self.schema_.items()))
        if differ:
            named = ", ".join(dict.fromkeys(repr(name) for name, _ in differ))
            raise ValueError(f"`schema` and `columns` disagree on column(s) {named}")
        return self
