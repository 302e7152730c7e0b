"""The files `o16n data use` rewrites for a new table: comments kept, the sample's values reset."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from o16n.lifecycle.data import settings
from o16n.lifecycle.data.table import Columns, Dropped, Target

SEX = Target("sex", True, positive="male", positive_share=0.05, values=("male", "female"))
COLUMNS = Columns(
    ("bill_length_mm",), ("island",), (Dropped("year", "--drop"), Dropped("id", "an identifier"))
)

PARAMS = """\
# Hyper-parameters.
data:
  source: data/source/sample.csv   # written by the sample stage
  target: target
  positive: "1"
  numeric:
    - a
    - b
  categorical: []
  drop: []
prepare:
  test_size: 0.25   # the share held out
train:
  C: 1.0            # inverse regularization
  class_weight: null
"""


def test_params_get_the_data_section_and_keep_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "params.yaml"
    path.write_text(PARAMS)
    changed = settings.write_params(path, "data/source/penguins.csv", SEX, COLUMNS)
    text = path.read_text()
    data = yaml.safe_load(text)["data"]
    assert data == {
        "source": "data/source/penguins.csv",
        "target": "sex",
        "positive": "male",
        "numeric": ["bill_length_mm"],
        "categorical": ["island"],
        "drop": ["year", "id"],
    }
    assert "# the share held out" in text and "# inverse regularization" in text
    drops = [line.split() for line in text.splitlines() if line.strip().startswith("- ")]
    assert drops == [["-", "year", "#", "--drop"], ["-", "id", "#", "an", "identifier"]]
    assert yaml.safe_load(text)["train"]["class_weight"] == "balanced"  # 5% positives
    assert "params.yaml: train.class_weight: balanced" in changed


def test_a_positive_that_yaml_would_read_as_a_boolean_stays_a_string(tmp_path: Path) -> None:
    path = tmp_path / "params.yaml"
    path.write_text(PARAMS)
    target = Target("churn", True, positive="Yes", positive_share=0.4, values=("Yes", "No"))
    settings.write_params(path, "data/source/t.csv", target, COLUMNS)
    assert yaml.safe_load(path.read_text())["data"]["positive"] == "Yes"
    assert yaml.safe_load(path.read_text())["train"]["class_weight"] is None


def test_a_regression_has_no_positive(tmp_path: Path) -> None:
    path = tmp_path / "params.yaml"
    path.write_text(PARAMS)
    settings.write_params(path, "data/source/t.csv", Target("price", False, low=1, high=2), COLUMNS)
    assert "positive" not in yaml.safe_load(path.read_text())["data"]


@pytest.mark.parametrize(
    ("value", "floor"), [(0.9660, 0.91), (0.9977, 0.94), (0.5, 0.45), (0.05, 0.0)]
)
def test_a_floor_is_the_score_less_the_margin_rounded_down(value: float, floor: float) -> None:
    assert settings.floor_of(value) == pytest.approx(floor)
    assert settings.floor_of(value) < value


@pytest.mark.parametrize(("value", "ceiling"), [(50.98, 56.1), (0.123, 0.136), (4321.0, 4760.0)])
def test_a_ceiling_is_the_error_plus_ten_percent_rounded_up(value: float, ceiling: float) -> None:
    assert settings.ceiling_of(value) == pytest.approx(ceiling)


def test_floors_for_classification_include_one_that_imbalance_cannot_fool() -> None:
    metrics = {"roc_auc": 0.9, "balanced_accuracy": 0.7, "accuracy": 0.98}
    assert settings.floors(metrics, True) == {
        "metric_floors": {"roc_auc": 0.85, "balanced_accuracy": 0.65}
    }
    regression = settings.floors({"r2": 0.8, "rmse": 10.0, "mae": 7.0}, False)
    assert regression == {"metric_floors": {"r2": 0.75}, "metric_ceilings": {"rmse": 11.0}}


def test_the_contract_lists_kinds_ranges_categories_and_missing_shares() -> None:
    raw = pd.DataFrame(
        {
            "bill_length_mm": [32.1, None, 59.6, 40.0],
            "island": ["Dream", "Biscoe", "Dream", "yes"],
            "target": [1, 0, 1, 0],
        }
    )
    text = settings.contract_text(raw, SEX, COLUMNS, "data/source/penguins.csv")
    columns = yaml.safe_load(text)["columns"]
    assert list(columns) == ["bill_length_mm", "island", "target"]
    assert columns["bill_length_mm"] == {
        "kind": "numeric",
        "min": 32.1,
        "max": 59.6,
        "missing": 0.3,
    }
    assert columns["island"] == {"kind": "categorical", "values": ["Biscoe", "Dream", "yes"]}
    assert columns["target"] == {"kind": "binary"}
    assert '"yes"' in text  # quoted: YAML would read a bare yes as true


def test_metric_triggers_get_thresholds_from_the_new_model(tmp_path: Path) -> None:
    path = tmp_path / "health.yaml"
    path.write_text(
        "version: 1\ntriggers:\n"
        "  - id: auc-floor   # the floor\n    check: metric\n    params: {metric: roc_auc}\n"
        "    warn: 0.97\n    fail: 0.95\n"
        "  - id: mae-ceiling\n    check: metric\n    params: {metric: mae}\n    fail: 50\n"
        "  - id: drift\n    check: dataset_drift\n"
    )
    changed = settings.write_health(path, {"roc_auc": 0.8, "mae": 10.0})
    triggers = yaml.safe_load(path.read_text())["triggers"]
    assert (triggers[0]["warn"], triggers[0]["fail"]) == (0.78, 0.75)
    assert triggers[1]["fail"] == 11.0 and "warn" not in triggers[1]
    assert "# the floor" in path.read_text()
    assert changed == [
        "health.yaml: auc-floor (roc_auc): warn 0.78, fail 0.75",
        "health.yaml: mae-ceiling (mae): fail 11.0",
    ]


def test_only_absolute_missing_share_triggers_take_the_tables_share(tmp_path: Path) -> None:
    """A missing_share trigger compared with the reference already allows the table's own
    share (the training data's is the reference's): its tolerances stay as they are."""
    path = tmp_path / "health.yaml"
    path.write_text(
        "version: 1\ntriggers:\n"
        "  - id: missing-values\n    check: missing_share\n    warn: 0.01\n    fail: 0.05\n"
        "  - id: missing-absolute\n    check: missing_share\n    params: {compare: absolute}\n"
        "    warn: 0.01\n    fail: 0.05\n"
    )
    changed = settings.write_health(path, {}, missing=0.2)
    relative, absolute = yaml.safe_load(path.read_text())["triggers"]
    assert (relative["warn"], relative["fail"]) == (0.01, 0.05)
    assert (absolute["warn"], absolute["fail"]) == (0.25, 0.3)
    assert changed == [
        "health.yaml: missing-absolute (the share of missing values): warn 0.25, fail 0.3"
    ]


def test_kpi_values_are_reset_to_not_set_with_the_new_classes_named(tmp_path: Path) -> None:
    path = tmp_path / "kpis.yaml"
    path.write_text(
        "version: 1\npredictions: data/predictions/test.csv\nkpi:\n  kind: classification\n"
        "  name: expected value\n  unit: EUR\n  # benign, cleared\n  value:\n"
        "    true_positive: 300\n    false_positive: -20000\n    false_negative: -50\n"
        "    true_negative: 0\n"
    )
    settings.write_kpis(path, SEX)
    text = path.read_text()
    kpi = yaml.safe_load(text)["kpi"]
    assert set(kpi["value"].values()) == {0} and kpi["unit"] == "EUR"
    assert "benign" not in text and "predicted 'male', but it is 'female'" in text
