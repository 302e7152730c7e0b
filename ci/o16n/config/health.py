"""health.yaml: the health triggers of a model repository.

Each trigger has an id, a check kind, its parameters, `warn` and/or `fail` thresholds and an
optional column selection. The kinds are the keys of `o16n.health.checks.CHECKS`; each has its own
model here, so the JSON Schema (shipped in o16n/schemas/) tells an editor what each kind takes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import ConfigDict, Field, PrivateAttr, field_validator, model_validator

from o16n.config.engine import EngineConfig
from o16n.config.yamlfile import Strict, line_of, load_model_and_node, node_at
from o16n.errors import ConfigError, UsageError

DriftMethod = Literal["auto", "ks", "chisquare", "z", "wasserstein", "jensenshannon", "psi"]
Severity = Literal["warn", "fail"]
TRIGGER_ID = r"^[a-z0-9][a-z0-9_.-]*$"


class Trigger(Strict):
    check: str  # each kind below narrows it to its own name
    id: str = Field(pattern=TRIGGER_ID, description="unique name, used in reports and policies")
    description: str = ""
    warn: float | None = Field(None, description="threshold that raises a warning")
    fail: float | None = Field(None, description="threshold that fails the check")


class ColumnTrigger(Trigger):
    columns: list[str] | Literal["all"] = Field("all", description="columns to check, or all")
    exclude: list[str] = Field(default_factory=list, description="columns left out of `all`")


class SchemaTrigger(Trigger):
    """Missing or extra columns and type changes against the reference; value: their count."""

    check: Literal["schema"]
    fail: float | None = 0


class ShareParams(Strict):
    compare: Literal["reference", "absolute"] = Field(
        "reference",
        description="reference: warn/fail on the current share minus the reference's (a "
        "tolerance); absolute: on the current share itself",
    )


class MissingShareTrigger(ColumnTrigger):
    """Share of missing values per column, by default above the reference's share."""

    check: Literal["missing_share"]
    params: ShareParams = ShareParams()


class InfiniteValuesTrigger(ColumnTrigger):
    """Share of +inf/-inf per numeric column; by default fails when it exceeds the reference's."""

    check: Literal["infinite_values"]
    params: ShareParams = ShareParams()
    fail: float | None = 0


class OutOfRangeTrigger(ColumnTrigger):
    """Share of numeric values outside the reference [min, max], per column."""

    check: Literal["out_of_range"]


class UnseenCategoriesTrigger(ColumnTrigger):
    """Share of rows whose category never occurs in the reference, per column."""

    check: Literal["unseen_categories"]


class DuplicateRowsTrigger(Trigger):
    """Share of rows that repeat an earlier row, by default above the reference's share."""

    check: Literal["duplicate_rows"]
    params: ShareParams = ShareParams()


class ConstantColumnsTrigger(ColumnTrigger):
    """Columns with a single value in the current data but not in the reference; value: count."""

    check: Literal["constant_columns"]
    fail: float | None = 0


class RowCountTrigger(Trigger):
    """Rows in the current data divided by rows in the reference; fires below a threshold."""

    check: Literal["row_count"]


class MethodOverride(Strict):
    method: DriftMethod = "auto"
    threshold: float | None = None


class DriftParams(Strict):
    method: DriftMethod = Field("auto", description="auto: chosen per column as Evidently does")
    threshold: float | None = Field(None, description="the method's drift threshold")
    overrides: dict[str, MethodOverride] = Field(
        default_factory=dict, description="per column: another method and/or threshold"
    )


class ColumnDriftTrigger(ColumnTrigger):
    """Drift of each column's distribution against the reference profile."""

    check: Literal["column_drift"]
    params: DriftParams = DriftParams()
    severity: Severity = Field("warn", description="what a drifted column raises")

    @model_validator(mode="after")
    def _numeric_thresholds_need_one_method(self) -> ColumnDriftTrigger:
        if (self.warn is not None or self.fail is not None) and self.params.method == "auto":
            raise ValueError(
                "warn/fail on a drift score need one method for every column: set params.method "
                "(e.g. psi), or use params.threshold and severity"
            )
        return self


class DatasetDriftParams(DriftParams):
    share: float = Field(0.5, gt=0, le=1, description="share of drifted columns = dataset drift")


class DatasetDriftTrigger(ColumnTrigger):
    """Dataset drift: the share of drifted columns reaches params.share (Evidently: 0.5)."""

    check: Literal["dataset_drift"]
    params: DatasetDriftParams = DatasetDriftParams()
    severity: Severity = "fail"


class MetricParams(Strict):
    metric: str = Field(description="a key of the metrics file, e.g. accuracy")
    file: str = Field("metrics.json", description="the metrics file the evaluate stage writes")
    higher_is_better: bool | None = Field(None, description="default: by name (mae, rmse: no)")


class MetricTrigger(Trigger):
    """A model metric against floors (or ceilings for errors)."""

    check: Literal["metric"]
    params: MetricParams


class Tolerance(Strict):
    absolute: float | None = Field(None, ge=0)
    relative: float | None = Field(None, ge=0, description="fraction of the baseline value")

    @model_validator(mode="after")
    def _one_kind(self) -> Tolerance:
        if (self.absolute is None) == (self.relative is None):
            raise ValueError("give exactly one of absolute or relative")
        return self


class RegressionParams(Strict):
    metrics: list[str] = Field(min_length=1, description="metrics compared with the baseline")
    file: str = "metrics.json"
    baseline: str = Field("merge-base", description="a git revision, or merge-base with main")
    base_branch: str = "main"
    tolerance: Tolerance = Tolerance(absolute=0.0)


class RegressionTrigger(Trigger):
    """The same metrics at a baseline revision: no regression beyond the tolerance."""

    check: Literal["regression"]
    params: RegressionParams
    severity: Severity = "fail"


class LatencyParams(Strict):
    model: str = "models/model.joblib"
    data: str = "data/prepared/test.csv"
    target: str = "target"
    batch: int = Field(1000, gt=0, description="rows per measured prediction call")
    repeats: int = Field(20, gt=0, description="calls measured (after one warm-up)")
    quantile: Literal["p50", "p95", "p99"] = "p95"


class LatencyTrigger(Trigger):
    """Prediction latency of one batch, in milliseconds, measured here."""

    check: Literal["latency"]
    params: LatencyParams = LatencyParams()


class ModelSizeParams(Strict):
    model: str = "models/model.joblib"


class ModelSizeTrigger(Trigger):
    """Size of the model file, in megabytes."""

    check: Literal["model_size"]
    params: ModelSizeParams = ModelSizeParams()


class FairnessParams(Strict):
    sensitive: str = Field(description="the column that defines the groups")
    metric: Literal[
        "demographic_parity_difference", "demographic_parity_ratio", "equalized_odds_difference"
    ] = "demographic_parity_difference"
    predictions: str = Field("data/predictions/test.csv", description="columns actual, prediction")
    data: str = Field(
        "data/prepared/test.csv", description="rows in the same order, with the column"
    )


class FairnessTrigger(Trigger):
    """Fairness across groups of a sensitive column (fairlearn's definitions)."""

    check: Literal["fairness"]
    params: FairnessParams


class KPIParams(Strict):
    config: str = Field("kpis.yaml", description="the KPI definition")
    measure: Literal["value", "change"] = Field(
        "value",
        description="value: per 1,000 predictions; change: against the baseline model",
    )
    baseline: str = Field("merge-base", description="a git revision, or merge-base with main")
    base_branch: str = "main"


class KPITrigger(Trigger):
    """The business KPI (kpis.yaml), per 1,000 predictions: floors on its value or its change."""

    check: Literal["kpi"]
    params: KPIParams = KPIParams()
    severity: Severity = Field("fail", description="when the baseline cannot be had")


class ClassBalanceParams(Strict):
    target: str = Field("target", description="the 0/1 target column of the reference profile")
    predictions: str = Field(
        "data/predictions/test.csv", description="the evaluate stage's predictions: `prediction`"
    )


class ClassBalanceTrigger(Trigger):
    """Classification: the positive class's share of the reference (training) rows, graded
    below `warn`/`fail`; and predictions of one class only, which raise `severity`.

    The default warns below 0.1: at that share a model that always predicts the negative class
    is 90% accurate, so accuracy and its floors say little, and a 25% test split holds few
    positives to measure recall and precision on. Google's ML course calls 1-20% "moderate"
    imbalance and <1% "extreme" (developers.google.com/machine-learning, Imbalanced datasets).
    """

    check: Literal["class_balance"]
    params: ClassBalanceParams = ClassBalanceParams()
    warn: float | None = Field(0.1, description="positive share of the reference rows that warns")
    severity: Severity = Field("warn", description="what predictions of one class only raise")


AnyTrigger = Annotated[
    SchemaTrigger
    | MissingShareTrigger
    | InfiniteValuesTrigger
    | OutOfRangeTrigger
    | UnseenCategoriesTrigger
    | DuplicateRowsTrigger
    | ConstantColumnsTrigger
    | RowCountTrigger
    | ColumnDriftTrigger
    | DatasetDriftTrigger
    | MetricTrigger
    | RegressionTrigger
    | LatencyTrigger
    | ModelSizeTrigger
    | FairnessTrigger
    | KPITrigger
    | ClassBalanceTrigger,
    Field(discriminator="check"),
]


class HealthConfig(Strict):
    """health.yaml"""

    model_config = ConfigDict(title="o16n health.yaml")
    version: Literal[1] = 1
    reference: str | None = Field(None, description="reference profile (JSON) or data file")
    current: str | None = Field(None, description="the data to check (CSV or Parquet)")
    engine: EngineConfig = Field(
        default_factory=EngineConfig, description="where profiles are made (local, dask, spark)"
    )
    triggers: list[AnyTrigger] = Field(min_length=1)
    # Where it was read from, for errors found when a trigger runs (`located`); none: defaults.
    _file: Path | None = PrivateAttr(None)
    _node: yaml.Node | None = PrivateAttr(None)

    @property
    def source(self) -> Path | None:
        """The health.yaml this was read from; None for the defaults."""
        return self._file

    @field_validator("triggers")
    @classmethod
    def _unique_ids(cls, triggers: list[Trigger]) -> list[Trigger]:
        seen: set[str] = set()
        for trigger in triggers:
            if trigger.id in seen:
                raise ValueError(f"trigger id {trigger.id!r} is used twice; ids must be unique")
            seen.add(trigger.id)
        return triggers


# Without a config: data quality and drift on every column (Evidently's defaults for drift).
DEFAULT_TRIGGERS = [
    {"id": "schema", "check": "schema"},
    {"id": "missing-values", "check": "missing_share", "warn": 0.05},
    {"id": "infinite-values", "check": "infinite_values"},
    {"id": "out-of-range", "check": "out_of_range", "warn": 0.05},
    {"id": "unseen-categories", "check": "unseen_categories", "warn": 0.01},
    {"id": "duplicate-rows", "check": "duplicate_rows", "warn": 0.05},
    {"id": "constant-columns", "check": "constant_columns"},
    {"id": "row-count", "check": "row_count", "warn": 0.1},
    {"id": "column-drift", "check": "column_drift"},
    {"id": "dataset-drift", "check": "dataset_drift"},
]


def default_config() -> HealthConfig:
    return HealthConfig.model_validate({"triggers": DEFAULT_TRIGGERS})


def load_health(path: Path) -> HealthConfig:
    """health.yaml, remembering its path and YAML nodes so that a trigger's error found later
    (a column the reference does not have) can name the file and the trigger's line."""
    config, node = load_model_and_node(path, HealthConfig)
    config._file, config._node = path, node
    return config


def located(config: HealthConfig, trigger: Trigger, error: ConfigError) -> ConfigError:
    """A check's ConfigError that names no file, placed in health.yaml: at the key it names
    (`<id>.columns` -> that trigger's `columns:` line), else at the trigger. An error naming a
    file already (a data or model file) is returned as it is."""
    if error.file is not None or config._file is None:
        return error
    index = _trigger_index(config._node, trigger.id)
    if index is None:
        return error
    inside = (error.key or "").removeprefix(f"{trigger.id}.")
    steps = inside.split(".") if error.key and inside != error.key else []
    return ConfigError(
        error.reason,
        file=config._file,
        line=_key_line(config._node, ["triggers", index, *steps]),
        key=error.key or trigger.id,
        hint=error.hint,
    )


def _key_line(node: yaml.Node | None, location: list[str | int]) -> int | None:
    """The line of the last key on `location` (`columns:`, not the first item of a block list
    under it), or of the deepest node there."""
    parent = location[:-1]
    holder = node_at(node, parent)
    if isinstance(holder, yaml.MappingNode) and location:
        for key, _ in holder.value:
            if key.value == location[-1]:
                return int(key.start_mark.line) + 1
    return line_of(node, location)


def _trigger_index(node: yaml.Node | None, trigger_id: str) -> int | None:
    """The position of the trigger with this id in the file's `triggers:` list (the config a
    caller runs may be a filtered copy, so its own index can differ)."""
    if not isinstance(node, yaml.MappingNode):
        return None
    triggers = next((v for k, v in node.value if k.value == "triggers"), None)
    if not isinstance(triggers, yaml.SequenceNode):
        return None
    for index, item in enumerate(triggers.value):
        if isinstance(item, yaml.MappingNode) and any(
            k.value == "id" and getattr(v, "value", None) == trigger_id for k, v in item.value
        ):
            return index
    return None


def resolve_config(
    project: Path, config: Path | None, reference: str | None, current: str | None
) -> tuple[HealthConfig, str | None, str | None]:
    """The config and the reference/current paths; flags win over what health.yaml names."""
    path = config if config is not None else project / "health.yaml"
    if config is None and not path.is_file():
        if reference is None or current is None:
            raise UsageError(
                f"no {path} and no --reference/--current",
                hint="pass --config health.yaml, or --reference REF --current CUR for the defaults",
            )
        return default_config(), _absolute(reference), _absolute(current)
    loaded = load_health(path)
    return loaded, _absolute(reference) or loaded.reference, _absolute(current) or loaded.current


def _absolute(path: str | None) -> str | None:
    # Paths given on the command line are relative to where o16n runs, not to --project;
    # URLs (s3://...) are kept as they are.
    if path is None or "://" in path:
        return path
    return str(Path(path).resolve())
