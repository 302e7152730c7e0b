"""The project's files that describe the data, rewritten for a new table: params.yaml's `data`
section, the data contract, and the settings that were the sample's (metric floors, the metric
triggers, the KPI values, the model card's data and intended use).

YAML is edited round-trip (ruamel.yaml, which DVC uses too), so the comments a person wrote
stay. Each function returns what it changed, in words, for the command to print.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from io import StringIO
from pathlib import Path
from typing import Any

import pandas as pd
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, FoldedScalarString

from o16n.lifecycle.data.table import TARGET, Columns, Target

# A floor is the new model's score less SCORE_MARGIN, a ceiling its error plus ERROR_MARGIN of
# it: met today, with room for the noise of a retrain, and tight enough to catch a real loss.
SCORE_MARGIN = 0.05
WARN_MARGIN = 0.02
ERROR_MARGIN = 0.10
ERRORS = frozenset({"mae", "rmse", "mse"})
# The floors a new table gets: for classification one metric that ranks (roc_auc) and one that
# stays at 0.5 when the model predicts the majority class only, however rare the other is.
CLASSIFICATION_FLOORS = ("roc_auc", "balanced_accuracy")
REGRESSION_FLOORS = ("r2",)
REGRESSION_CEILINGS = ("rmse",)
CHANCE = {"roc_auc": 0.5, "balanced_accuracy": 0.5, "r2": 0.0}
# The largest share of missing values the contract allows: the table's own share plus this.
MISSING_MARGIN = 0.05


def _yaml() -> YAML:
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.preserve_quotes = True
    yaml.width = 92  # ruamel counts from the indentation: lines stay within 100
    yaml.representer.add_representer(
        type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    return yaml


def load(path: Path) -> Any:
    return _yaml().load(path.read_text())


def dump(path: Path, document: Any) -> None:
    out = StringIO()
    _yaml().dump(document, out)
    path.write_text(out.getvalue())


def _flow(items: list[Any]) -> CommentedSeq:
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def write_params(path: Path, source: str, target: Target, columns: Columns) -> list[str]:
    params = load(path)
    data = params.get("data")
    if not isinstance(data, CommentedMap):
        data = params["data"] = CommentedMap()
    data["source"] = source
    data.yaml_add_eol_comment(f"tracked by DVC: {source}.dvc", "source", column=35)
    data["target"] = target.column
    if target.classification:
        data["positive"] = DoubleQuotedScalarString(target.positive or "")
    elif "positive" in data:
        del data["positive"]
    data["numeric"] = _flow(list(columns.numeric))
    data["categorical"] = _flow(list(columns.categorical))
    dropped = CommentedSeq([d.column for d in columns.dropped])
    width = max((len(d.column) for d in columns.dropped), default=0) + 8
    for index, item in enumerate(columns.dropped):
        dropped.yaml_add_eol_comment(item.reason, index, column=width)
    data["drop"] = dropped if columns.dropped else _flow([])
    changed = ["params.yaml: data (source, target, column kinds)"]
    train = params.get("train")
    if target.classification and isinstance(train, CommentedMap):
        weight = "balanced" if target.rare else None
        if train.get("class_weight") != weight:
            changed.append(f"params.yaml: train.class_weight: {weight or 'null'}")
        train["class_weight"] = weight
    dump(path, params)
    return changed


def contract_text(raw: pd.DataFrame, target: Target, columns: Columns, source: str) -> str:
    """tests/data_contract.yaml for the table the ingest stage wrote (data/raw/dataset.csv,
    read back as the tests read it)."""
    lines = [
        "# The data contract: what data/raw/dataset.csv (the ingest stage's output) must",
        "# look like; tests/test_data.py checks it. Written by `o16n data use` from",
        f"# {source} ({len(raw)} rows). Ranges and categories are the table's; the share of",
        f"# missing values allowed is the table's plus {MISSING_MARGIN}. When new data breaks it,",
        "# either the data is wrong or a person widens the contract.",
        "version: 1",
        "columns:",
    ]
    for name in raw.columns:
        spec = _spec(raw[name], name in columns.categorical, name == TARGET, target)
        lines.append(f"  {_scalar(name)}: {_flow_text(spec)}")
    return "\n".join(lines) + "\n"


def _spec(values: pd.Series, categorical: bool, is_target: bool, target: Target) -> dict[str, Any]:
    present = values.dropna()
    spec: dict[str, Any]
    if is_target and target.classification:
        return {"kind": "binary"}
    if categorical:
        spec = {"kind": "categorical", "values": sorted(str(v) for v in present.unique())}
    else:
        spec = {"kind": "numeric", "min": _number(present.min()), "max": _number(present.max())}
    share = float(values.isna().mean())
    if share > 0:
        spec["missing"] = _up(share + MISSING_MARGIN)
    return spec


def _number(value: object) -> float | int:
    number = float(value)  # type: ignore[arg-type]
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _flow_text(value: object) -> str:
    """YAML flow style, quoting a string only where YAML would read it as something else."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_flow_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow_text(v) for v in value) + "]"
    if isinstance(value, str):
        return _scalar(value)
    return json.dumps(value)


_PLAIN = re.compile(r"[A-Za-z_][\w .-]*[\w.]|[A-Za-z_]")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def _scalar(text: str) -> str:
    plain = _PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS
    return text if plain else json.dumps(text)


def floors(metrics: Mapping[str, float], classification: bool) -> dict[str, dict[str, float]]:
    """The policy's floors and ceilings for the new model: met by SCORE_MARGIN / ERROR_MARGIN."""
    names = CLASSIFICATION_FLOORS if classification else REGRESSION_FLOORS
    result = {"metric_floors": {m: floor_of(metrics[m]) for m in names if m in metrics}}
    if not classification:
        result["metric_ceilings"] = {
            m: ceiling_of(metrics[m]) for m in REGRESSION_CEILINGS if m in metrics
        }
    return result


def floor_of(value: float, margin: float = SCORE_MARGIN) -> float:
    """value - margin, rounded down to 0.01 (rounded first: 0.7 - 0.05 is 0.6499999...)."""
    return math.floor(round((value - margin) * 100, 9)) / 100


def ceiling_of(value: float, margin: float = ERROR_MARGIN) -> float:
    """value + margin of it, rounded up to three significant digits."""
    raised = value * (1 + margin)
    if raised <= 0:
        return 0.0
    scale = 10.0 ** (math.floor(math.log10(raised)) - 2)
    return float(round(math.ceil(round(raised / scale, 9)) * scale, 12))


def write_o16n(path: Path, limits: dict[str, dict[str, float]]) -> list[str]:
    config = load(path)
    policy_vars = config.get("policy_vars")
    if not isinstance(policy_vars, CommentedMap):
        policy_vars = config["policy_vars"] = CommentedMap()
    for key in ("metric_floors", "metric_ceilings"):
        if key in limits:
            flow = CommentedMap(limits[key])
            flow.fa.set_flow_style()
            policy_vars[key] = flow
        elif key in policy_vars:
            del policy_vars[key]
    dump(path, config)
    return [
        f"o16n.yaml: policy_vars.{key}: "
        + (", ".join(f"{m} {v}" for m, v in values.items()) or "none")
        for key, values in limits.items()
    ]


def write_health(path: Path, metrics: Mapping[str, float], missing: float = 0.0) -> list[str]:
    """Every `metric` trigger gets thresholds from the new model's value; when the table has
    missing values (`missing`: the largest share of a column), a `missing_share` trigger on
    absolute shares warns and fails above that share, not at the sample's (which had none).
    One compared with the reference (the default) is left as it is: the training data's share
    is the reference's, and its warn/fail are the tolerance above it."""
    health = load(path)
    changed = []
    for trigger in health.get("triggers") or []:
        if not isinstance(trigger, CommentedMap):
            continue
        absolute = (trigger.get("params") or {}).get("compare") == "absolute"
        if trigger.get("check") == "missing_share" and absolute and missing > 0:
            levels = {
                "warn": _up(missing + MISSING_MARGIN),
                "fail": _up(missing + 2 * MISSING_MARGIN),
            }
        elif trigger.get("check") == "metric":
            metric = (trigger.get("params") or {}).get("metric")
            if not isinstance(metric, str) or metric not in metrics:
                continue
            levels = _metric_levels(metric, metrics[metric])
        else:
            continue
        for level in ("warn", "fail"):
            if level in trigger:
                trigger[level] = levels[level]
        shown = ", ".join(f"{lv} {trigger[lv]}" for lv in ("warn", "fail") if lv in trigger)
        what = (trigger.get("params") or {}).get("metric") or "the share of missing values"
        changed.append(f"health.yaml: {trigger.get('id')} ({what}): {shown}")
    dump(path, health)
    return changed


def _metric_levels(metric: str, value: float) -> dict[str, float]:
    if metric in ERRORS:
        return {"warn": ceiling_of(value, ERROR_MARGIN / 2), "fail": ceiling_of(value)}
    return {"warn": floor_of(value, WARN_MARGIN), "fail": floor_of(value)}


def _up(share: float) -> float:
    return min(1.0, math.ceil(round(share * 100, 9)) / 100)


def write_kpis(path: Path, target: Target) -> list[str]:
    """The sample's values meant something for the sample only: every one becomes 0, which o16n
    reports as not set, and the comments say what each outcome now is."""
    kpis = load(path)
    kpi = kpis.get("kpi") or {}
    head = [
        "# Business KPIs: `o16n kpi` computes the model's value per 1,000 predictions on the test",
        "# split, the decision threshold that maximizes it, and the same for the model on main.",
        "# NOT SET: `o16n data use` reset the sample's values to 0. A person who knows what each",
        "# outcome is worth to the business sets them (until then the KPI is reported as not set).",
        f"version: {kpis.get('version', 1)}",
        f"predictions: {kpis.get('predictions', 'data/predictions/test.csv')}",
        "kpi:",
    ]
    name, unit = _scalar(str(kpi.get("name", ""))), _scalar(str(kpi.get("unit", "EUR")))
    if target.classification:
        yes, no = repr(target.positive), repr(target.values[1])
        body = [
            "  kind: classification",
            f"  name: {name if kpi.get('name') else 'expected value'}",
            f"  unit: {unit}",
            f"  # class 1: {target.column} is {yes}; class 0: it is {no}",
            "  value:",
            f"    true_positive: 0    # predicted {yes}, and it is",
            f"    false_positive: 0   # predicted {yes}, but it is {no}",
            f"    false_negative: 0   # predicted {no}, but it is {yes}",
            f"    true_negative: 0    # predicted {no}, and it is",
            "  # base_rate: 0.1      # share of class 1 in production, if not the test split's",
        ]
        keys = "kpi.value"
    else:
        body = [
            "  kind: regression",
            f"  name: {name if kpi.get('name') else 'cost of error'}",
            f"  unit: {unit}",
            f"  cost_per_unit_under: 0   # cost of predicting {target.column} one unit too low",
            "  cost_per_unit_over: 0    # cost of predicting it one unit too high",
        ]
        keys = "kpi.cost_per_unit_under and kpi.cost_per_unit_over"
    path.write_text("\n".join(head + body) + "\n")
    return [f"kpis.yaml: {keys}: 0 (not set)"]


def write_model_card(
    path: Path,
    source: str,
    link: str,
    raw_rows: int,
    target: Target,
    columns: Columns,
    test_size: float,
) -> list[str]:
    card = load(path)
    params = card.setdefault("model_parameters", CommentedMap())
    if target.classification:
        predicts = (
            f"the probability that {target.column} is {target.positive!r} (class 1); rows at or "
            "above the threshold in params.yaml are predicted class 1"
        )
        model = "LogisticRegression (L2 regularized; C, max_iter and class_weight in params.yaml)"
    else:
        predicts = f"{target.column}"
        model = "Ridge regression (L2 regularized; alpha in params.yaml)"
    params["model_architecture"] = FoldedScalarString(
        f"scikit-learn Pipeline: {len(columns.numeric)} numeric columns imputed with the median "
        f"and scaled, {len(columns.categorical)} categorical columns imputed with the most "
        f"frequent value and one-hot encoded (params.yaml `data`), then {model}. "
        f"Predicts {predicts}."
    )
    name = Path(source).name
    described = _described(raw_rows, target, columns, source)
    params["data"] = CommentedMap(
        training=CommentedMap(
            name=f"{name}, training split",
            description=FoldedScalarString(
                f"{described} The prepare stage keeps {1 - test_size:.0%} for training."
            ),
            link=link,
            sensitive=_flow([]),
        ),
        evaluation=CommentedMap(
            name=f"{name}, test split",
            description=f"The {test_size:.0%} of the rows the prepare stage holds out.",
            link=link,
            sensitive=_flow([]),
        ),
    )
    considerations = card.setdefault("considerations", CommentedMap())
    considerations["use_cases"] = _flow([])
    analysis = card.setdefault("quantitative_analysis", CommentedMap())
    analysis["performance_metrics"] = _flow([])
    dump(path, card)
    return [
        "model_card.yaml: model_parameters (architecture, data) from the new table; "
        "considerations.use_cases and quantitative_analysis.performance_metrics emptied"
    ]


def _described(rows: int, target: Target, columns: Columns, source: str) -> str:
    text = (
        f"{rows} rows from {source}: {len(columns.numeric)} numeric and "
        f"{len(columns.categorical)} categorical columns"
    )
    if columns.dropped:
        text += (
            f" ({len(columns.dropped)} left out: {', '.join(d.column for d in columns.dropped)})"
        )
    if target.classification and target.positive_share is not None:
        text += (
            f"; target {target.column}: 1 = {target.positive!r} "
            f"({target.positive_share:.1%} of the rows), 0 = {target.values[1]!r}."
        )
    else:
        text += f"; target {target.column}, from {target.low:g} to {target.high:g}."
    return text
