"""Shared fixtures: the table the ingest stage makes, and its deterministic train/test split."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.config import params
from {{ cookiecutter.package_name }}.ingest import load
from {{ cookiecutter.package_name }}.prepare import split


@pytest.fixture(scope="session")
def raw() -> pd.DataFrame:
    source = Path(params("data")["source"])
    if not source.is_file():
        pytest.fail(f"{source} not found: run `dvc pull` (or `dvc repro`) first", pytrace=False)
    return load()


@pytest.fixture(scope="session")
def train_test(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    settings = params("prepare")
    return split(raw, settings["test_size"], settings["seed"])
