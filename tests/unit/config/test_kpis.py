"""kpis.yaml: zeros are valid (a project starts with its values unset), and then the keys a
person must set are named, by the config and by the shipped JSON Schema alike."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from o16n.config.kpis import KPIConfig, unset_keys, unset_warning
from o16n.config.schemas import schema_path

ZERO_CLASSIFICATION: dict[str, Any] = {
    "kpi": {
        "kind": "classification",
        "unit": "EUR",
        "value": {"true_positive": 0, "false_positive": 0, "false_negative": 0, "true_negative": 0},
    }
}
ZERO_REGRESSION: dict[str, Any] = {
    "kpi": {"kind": "regression", "unit": "EUR", "cost_per_unit_under": 0, "cost_per_unit_over": 0}
}


@pytest.mark.parametrize("document", [ZERO_CLASSIFICATION, ZERO_REGRESSION])
def test_zeros_validate(document: dict[str, Any]) -> None:
    KPIConfig.model_validate(document)
    jsonschema.validate(document, json.loads(schema_path("kpis").read_text()))


def test_all_zero_outcomes_are_unset_and_named() -> None:
    keys = unset_keys(KPIConfig.model_validate(ZERO_CLASSIFICATION))
    assert keys == (
        "kpi.value.true_positive",
        "kpi.value.false_positive",
        "kpi.value.false_negative",
        "kpi.value.true_negative",
    )
    assert unset_warning(keys).startswith(
        "the KPI values in kpis.yaml are not set (kpi.value.true_positive, "
    )


def test_both_costs_zero_are_unset() -> None:
    keys = unset_keys(KPIConfig.model_validate(ZERO_REGRESSION))
    assert keys == ("kpi.cost_per_unit_under", "kpi.cost_per_unit_over")


def test_one_value_set_is_enough() -> None:
    document = json.loads(json.dumps(ZERO_CLASSIFICATION))
    document["kpi"]["value"]["false_negative"] = -50
    assert unset_keys(KPIConfig.model_validate(document)) == ()
    regression = {"kpi": {**ZERO_REGRESSION["kpi"], "cost_per_unit_over": 1.0}}
    assert unset_keys(KPIConfig.model_validate(regression)) == ()


def test_a_negative_cost_is_still_refused() -> None:
    bad = {"kpi": {**ZERO_REGRESSION["kpi"], "cost_per_unit_under": -1}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, json.loads(schema_path("kpis").read_text()))
