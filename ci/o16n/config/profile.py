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

from pydantic import BaseModel, ConfigDict, Field, model_validator

# What o16n's arrays hold: a count of rows or values is an int64, a sketch's hash a uint64. A
# larger number is no profile o16n wrote (and would not fit the arrays it is read into).
Count = Annotated[int, Field(ge=0, lt=2**63)]
Hash = Annotated[int, Field(ge=0, lt=2**64)]

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
    count: Count = Field(description="finite values")
    missing: Count
    infinite: Count
    min: float | None = Field(description="null: no finite value")
    max: float | None
    mean: float
    m2: float = Field(ge=0, description="sum of squared deviations from the mean")
    edges: Edges | None
    counts: list[Count]
    below: Count
    above: Count
    values: list[tuple[float, Count]] | None = Field(
        description="exact [value, count] pairs while the column has few distinct values"
    )
    sample: list[float]
    kmv: list[Hash] = Field(description="distinct-count sketch: smallest hashes")
    distinct: Count | None = None
    std: float | None = None
    quantiles: dict[str, float | None] | None = None
    deciles: list[float] | None = None

    @model_validator(mode="after")
    def _histogram_fits_its_edges(self) -> NumericColumn:
        bins = self.edges.bins if self.edges else 0
        if len(self.counts) != bins:
            raise ValueError(f"counts has {len(self.counts)} bins, edges {bins}")
        binned = sum(self.counts) + self.below + self.above  # every finite value has a bin
        if binned != self.count:
            raise ValueError(
                f"count is {self.count}, its histogram holds {binned} (counts, below, above)"
            )
        return self


class CategoricalColumn(_Strict):
    kind: CategoricalKind
    dtype: str
    count: Count
    missing: Count
    counts: dict[str, Count] = Field(description="the most frequent categories")
    other: Count = Field(description="values of the categories beyond `counts`")
    kmv: list[Hash]
    distinct: Count | None = None

    @model_validator(mode="after")
    def _counts_add_up(self) -> CategoricalColumn:
        held = sum(self.counts.values()) + self.other
        if self.kind != "text" and held != self.count:  # text keeps no counts
            raise ValueError(f"count is {self.count}, its categories hold {held} (counts, other)")
        return self


AnyColumn = Annotated[NumericColumn | CategoricalColumn, Field(discriminator="kind")]


class ProfileDocument(_Strict):
    """A profile: per column its kind, counts, histogram or categories, and sketches."""

    model_config = ConfigDict(title="o16n profile")
    schema_version: Literal[1]
    rows: Count
    duplicate_rows: Count
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
