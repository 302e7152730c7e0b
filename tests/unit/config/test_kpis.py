"""kpis.yaml: zeros are valid (a project starts with its values unset), and then the keys a
person must set are named, by the config and by the shipped JSON Schema alike."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from o16n.config.kpis import KPIConfig, RegressionKPI, unset_keys, unset_warning
from o16n.config.schemas import schema_path
from o16n.config.yamlfile import load_model
from o16n.errors import ConfigError

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


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("    true_positive: '10'",
         ":7: kpi.value.true_positive: must be a number, not the text '10'"),
        ("    true_positive: yes",
         ":7: kpi.value.true_positive: must be a number, not the boolean true"),
        ("    true_positive: 10\n  base_rate: \"0.2\"",
         ":8: kpi.base_rate: must be a number, not the text '0.2'"),
    ],
)  # fmt: skip
def test_a_quoted_number_or_a_boolean_in_kpis_yaml_names_the_line_and_key(
    tmp_path: Path, line: str, expected: str
) -> None:
    path = tmp_path / "kpis.yaml"
    path.write_text(
        "kpi:\n  kind: classification\n  unit: EUR\n  value:\n    false_positive: -1\n"
        f"    false_negative: -5\n{line}\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_model(path, KPIConfig)
    assert str(caught.value).startswith(f"{path}{expected}")


def test_numbers_keep_their_meaning_in_every_spelling(tmp_path: Path) -> None:
    """An integer for a float, and YAML 1.2's exponents (PyYAML alone reads `1e3` as text)."""
    path = tmp_path / "kpis.yaml"
    path.write_text(
        "kpi:\n  kind: regression\n  unit: EUR\n  cost_per_unit_under: 1e3\n"
        "  cost_per_unit_over: 2\n"
    )
    kpi = load_model(path, KPIConfig).kpi
    assert isinstance(kpi, RegressionKPI)
    assert (kpi.cost_per_unit_under, kpi.cost_per_unit_over) == (1000.0, 2.0)
