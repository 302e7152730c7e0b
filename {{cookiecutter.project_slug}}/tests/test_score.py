"""Scoring a batch: the rows come back with their predictions; bad batches are named."""

from __future__ import annotations

from pathlib import Path

import joblib
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from {{ cookiecutter.package_name }}.batch import sample
from {{ cookiecutter.package_name }}.config import TARGET, params
from {{ cookiecutter.package_name }}.score import BatchError, main, score
from {{ cookiecutter.package_name }}.train import fit


@pytest.fixture(scope="module")
def model(train_test: tuple[pd.DataFrame, pd.DataFrame]) -> Pipeline:
    return fit(train_test[0], params("train"))


@pytest.fixture
def saved(model: Pipeline, tmp_path: Path) -> Path:
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    return path


def test_a_batch_keeps_its_columns_and_gains_the_predictions(
    model: Pipeline, train_test: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    batch = sample(train_test[1]).assign(id=range(len(train_test[1])))
    scored = score(model, batch)
    assert list(scored.columns[: batch.shape[1]]) == list(batch.columns)
    assert len(scored) == len(batch) and scored["prediction"].notna().all()


def test_a_missing_input_column_is_named(
    model: Pipeline, train_test: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    first = train_test[1].columns.drop(TARGET)[0]
    with pytest.raises(BatchError, match=f"input column\\(s\\) the model needs: {first}$"):
        score(model, train_test[1].drop(columns=first))


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_the_command_writes_the_scored_batch(
    saved: Path, train_test: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path, suffix: str
) -> None:
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    batch, out = tmp_path / f"batch{suffix}", tmp_path / f"scored{suffix}"
    frame = sample(train_test[1])
    if suffix == ".csv":
        frame.to_csv(batch, index=False)
    else:
        frame.to_parquet(batch)
    assert main([str(saved), str(batch), "-o", str(out)]) == 0
    scored = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    assert len(scored) == len(frame) and "prediction" in scored


def test_an_empty_batch_is_refused(
    saved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = tmp_path / "empty.csv"
    batch.write_text("")
    assert main([str(saved), str(batch), "-o", str(tmp_path / "out.csv")]) == 2
    assert "cannot read the batch" in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()


def test_a_shifted_sample_moves_every_column(
    train_test: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    plain, shifted = sample(train_test[1]), sample(train_test[1], shift=True)
    assert TARGET not in plain
    for column in plain.columns:
        if pd.api.types.is_numeric_dtype(plain[column]) and not pd.api.types.is_bool_dtype(
            plain[column]
        ):
            assert shifted[column].mean() > plain[column].mean(), column
        elif plain[column].nunique() > 1:
            before = plain[column].value_counts(normalize=True)
            after = shifted[column].value_counts(normalize=True)
            assert (after.reindex(before.index, fill_value=0) - before).abs().sum() > 0.2, column
