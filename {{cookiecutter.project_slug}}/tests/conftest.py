"""Shared fixtures: the sample data in memory, so the tests need no `dvc repro` first."""

from __future__ import annotations

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.config import params
from {{ cookiecutter.package_name }}.ingest import load
from {{ cookiecutter.package_name }}.prepare import split


@pytest.fixture(scope="session")
def raw() -> pd.DataFrame:
    return load()


@pytest.fixture(scope="session")
def train_test(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    settings = params("prepare")
    return split(raw, settings["test_size"], settings["seed"])
