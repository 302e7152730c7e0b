"""The data contract (tests/data_contract.yaml): the columns the pipeline expects, their kinds,
ranges, categories and how many values may be missing. `o16n data use` writes the contract from
your table; when new data breaks it, either the data is wrong or the contract needs a person's
update."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from {{ cookiecutter.package_name }}.config import TARGET, params

CONTRACT = yaml.safe_load(Path("tests/data_contract.yaml").read_text())["columns"]


def test_columns_are_the_contracts(raw: pd.DataFrame) -> None:
    assert list(raw.columns) == list(CONTRACT)


def test_the_contract_and_params_agree_on_the_kinds() -> None:
    data = params("data")
    kinds = {"numeric": data["numeric"], "categorical": data["categorical"]}
    for kind, columns in kinds.items():
        listed = [c for c, spec in CONTRACT.items() if spec["kind"] == kind and c != TARGET]
        assert listed == columns, f"the contract's {kind} columns differ from params.yaml's"


@pytest.mark.parametrize("column", list(CONTRACT))
def test_column_meets_its_contract(raw: pd.DataFrame, column: str) -> None:
    spec, values = CONTRACT[column], raw[column]
    assert values.isna().mean() <= spec.get("missing", 0.0), f"{column}: too many missing values"
    present = values.dropna()
    if spec["kind"] == "binary":
        assert set(present.unique()) == {0, 1}, f"{column}: not both classes 0 and 1"
    elif spec["kind"] == "numeric":
        assert pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        outside = present[~present.between(spec["min"], spec["max"])]
        bounds = f"[{spec['min']}, {spec['max']}]"
        assert outside.empty, f"{column}: {len(outside)} value(s) outside {bounds}"
    else:
        unknown = set(present.astype(str)) - {str(v) for v in spec["values"]}
        assert not unknown, f"{column}: values the contract does not list: {sorted(unknown)[:10]}"


def test_split_is_deterministic_and_disjoint(train_test: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    train, test = train_test
    assert set(train.index).isdisjoint(test.index)
    assert len(train) > len(test) > 0
