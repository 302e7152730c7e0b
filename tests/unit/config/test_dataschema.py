"""config.dataschema: when the data a model learns from changed (params.yaml `data`, or for
older projects the reference profile's schema), in words a reviewer reads."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest
import yaml

from o16n.config import dataschema
from o16n.errors import ConfigError

PENGUINS = {
    "source": "data/source/penguins.csv",
    "target": "sex",
    "positive": "male",
    "numeric": ["bill_length_mm", "body_mass_g"],
    "categorical": ["island"],
    "drop": ["year"],
}


def reader(files: Mapping[str, object]) -> dataschema.Read:
    """A revision holding `files`: params as a mapping (YAML), a profile schema as a mapping."""

    def read(path: str) -> str | None:
        if path not in files:
            return None
        value = files[path]
        if path == dataschema.PROFILE:
            return json.dumps({"schema": value, "columns": {}})
        return yaml.safe_dump(value)

    return read


def params(**data: object) -> dict[str, object]:
    return {"prepare": {"seed": 42}, "data": {**PENGUINS, **data}}


def compare(old: Mapping[str, object], new: Mapping[str, object]) -> dataschema.Comparison:
    return dataschema.compare(reader(old), reader(new))


def test_the_same_data_section_compares() -> None:
    found = compare({"params.yaml": params()}, {"params.yaml": params()})
    assert not found.changed and found.basis == "params.yaml data"


def test_new_rows_at_another_source_or_other_drops_still_compare() -> None:
    moved = params(source="data/source/penguins-2025.csv", drop=["year", "id"])
    assert compare({"params.yaml": params()}, {"params.yaml": moved}).changes == ()


def test_column_order_does_not_matter() -> None:
    shuffled = params(numeric=["body_mass_g", "bill_length_mm"])
    assert not compare({"params.yaml": params()}, {"params.yaml": shuffled}).changed


def test_a_new_target_is_a_change_in_words() -> None:
    found = compare({"params.yaml": params()}, {"params.yaml": params(target="species")})
    assert found.changes == ("target: sex -> species",)


def test_another_positive_class_is_a_change() -> None:
    found = compare({"params.yaml": params()}, {"params.yaml": params(positive="female")})
    assert found.changes == ("positive: male -> female",)


def test_columns_added_removed_and_moved_between_kinds_are_each_said() -> None:
    new = params(numeric=["bill_length_mm", "flipper_mm", "island"], categorical=["species"])
    found = compare({"params.yaml": params()}, {"params.yaml": new})
    assert found.changes == (
        "columns added: flipper_mm, species",
        "columns removed: body_mass_g",
        "categorical -> numeric: island",
    )


def test_a_removed_data_section_is_a_change() -> None:
    found = compare({"params.yaml": params()}, {"params.yaml": {"prepare": {"seed": 42}}})
    assert found.changes == ("data: the section was removed from params.yaml",)


def test_without_a_data_section_at_the_base_nor_profiles_the_data_compare() -> None:
    old = {"params.yaml": {"prepare": {"seed": 42}}}
    found = compare(old, {"params.yaml": params()})
    assert (found.changed, found.basis) == (False, "")
    assert not compare({}, {}).changed


def test_without_a_data_section_at_the_base_the_profiles_decide() -> None:
    sample = {"mean radius": "numeric", "target": "numeric"}
    penguins = {"bill_length_mm": "numeric", "island": "categorical", "target": "numeric"}
    old = {"params.yaml": {"prepare": {}}, dataschema.PROFILE: sample}
    found = compare(old, {"params.yaml": params(), dataschema.PROFILE: penguins})
    assert found.basis == "reference profile"
    assert found.changes == (
        "columns added: bill_length_mm, island",
        "columns removed: mean radius",
    )
    same = compare(old, {"params.yaml": params(), dataschema.PROFILE: sample})
    assert not same.changed


def test_a_column_listed_as_two_kinds_names_the_key() -> None:
    with pytest.raises(
        ConfigError, match=r"head:params.yaml:\d+: data.categorical: column 'island'"
    ):
        compare({"params.yaml": params()}, {"params.yaml": params(categorical=["island"] * 2)})
    with pytest.raises(ConfigError, match=r"base:params.yaml:\d+: data.numeric: must be a list"):
        compare({"params.yaml": params(numeric="bill")}, {"params.yaml": params()})


def test_params_that_are_not_yaml_name_the_revision_and_line() -> None:
    def broken(path: str) -> str | None:
        return "data:\n  target: [sex\n" if path == "params.yaml" else None

    with pytest.raises(ConfigError, match=r"^base:params.yaml:\d+: invalid YAML"):
        dataschema.compare(broken, reader({}))


def test_a_bad_data_section_names_the_line_of_its_key() -> None:
    text = "prepare:\n  seed: 42\ndata:\n  target: sex\n  numeric: [a]\n  categorical:\n    - a\n"
    with pytest.raises(ConfigError) as caught:
        dataschema.compare(reader({}), lambda path: text if path == "params.yaml" else None)
    assert str(caught.value).startswith(
        "head:params.yaml:7: data.categorical: column 'a' is listed as numeric and categorical"
    )
