"""Evidently's column kinds (integers with few values are categorical, mostly distinct strings
are text, datetimes untested) with the reason recorded per column, and the distinct-count
sketch's bound: never more distinct values than values, on small and large columns."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o16n.health.stats import drift, sketch
from o16n.health.stats.columns import profile_frame
from o16n.health.stats.kinds import drift_kind
from o16n.health.stats.merge import merge
from o16n.health.stats.model import Profile


def profiles(ref: pd.DataFrame, cur: pd.DataFrame) -> tuple[Profile, Profile]:
    reference = profile_frame(ref)
    return reference, profile_frame(cur, like=reference)


@pytest.mark.parametrize(
    ("values", "tested_as", "why"),
    [
        (list(range(7)), "categorical", "integer, 7 values: categorical"),
        (list(range(10)), "categorical", "integer, 10 values: categorical"),
        (list(range(11)), "numerical", "integer, 11 values: numerical"),
        ([0.5, 1.5, 2.5], "numerical", "numerical"),
        ([True, False], "categorical", "boolean: categorical"),
        (["a", "b", "c"], "categorical", "categorical, 3 values"),
    ],
)
def test_each_column_records_the_kind_it_was_tested_as_and_why(
    values: list[object], tested_as: str, why: str
) -> None:
    data = pd.DataFrame({"v": [values[i % len(values)] for i in range(600)]})
    result = drift.column_drift(*profiles(data, data), "v")
    assert (result.tested_as, result.why) == (tested_as, why)


def test_an_integer_column_with_gaps_is_numerical_as_pandas_makes_it_float() -> None:
    assert drift_kind("numeric", "int64", 3, 90, missing=10)[0] == "numerical"
    assert drift_kind("numeric", "uint8", 3, 100, missing=0)[0] == "categorical"


def test_mostly_distinct_strings_are_text_and_not_tested_as_categories() -> None:
    ref = pd.DataFrame({"name": [f"person {i}" for i in range(400)], "n": range(400)})
    cur = pd.DataFrame({"name": [f"someone {i}" for i in range(400)], "n": range(400)})
    result = drift.column_drift(*profiles(ref, cur), "name")
    assert (result.tested_as, result.method, result.drifted) == ("text", "none", False)
    assert math.isnan(result.value) and not result.tested
    assert "400 distinct of 400 values" in result.why and "not drift-tested" in result.why


def test_datetime_columns_are_not_tested_as_in_evidentlys_preset() -> None:
    when = pd.DataFrame({"t": pd.date_range("2024-01-01", periods=300, freq="h")})
    result = drift.column_drift(*profiles(when, when), "t")
    assert (result.tested_as, result.method) == ("datetime", "none")


def test_an_override_still_picks_the_method_for_an_integer_category() -> None:
    data = pd.DataFrame({"dependents": [i % 4 for i in range(3000)]})
    reference, current = profiles(data, data)
    assert drift.column_drift(reference, current, "dependents").method == "jensenshannon"
    forced = drift.column_drift(reference, current, "dependents", "wasserstein", 0.2)
    assert (forced.method, forced.threshold, forced.drifted) == ("wasserstein", 0.2, False)


def test_the_small_reference_rule_counts_values_left_after_dropping_missing() -> None:
    # 1,500 rows but 900 values: Evidently drops NaN first, so the reference is "small" (KS)
    values = np.r_[np.linspace(0, 1, 900), [np.nan] * 600]
    data = pd.DataFrame({"x": values})
    assert drift.column_drift(*profiles(data, data), "x").method == "ks"


def test_two_level_jensenshannon_is_in_nats_as_in_the_issue() -> None:
    # 0.0868 in nats is 0.1042 in bits (x 1/sqrt(ln 2)): below Evidently's 0.1, no drift
    ref = pd.DataFrame({"c": ["a"] * 5000 + ["b"] * 5000})
    p = np.array([0.5, 0.5])
    share = 0.5
    for share in np.linspace(0.5, 1, 50_001):
        q = np.array([share, 1 - share])
        m = (p + q) / 2
        js = math.sqrt((np.sum(p * np.log(p / m)) + np.sum(q * np.log(q / m))) / 2)
        if js >= 0.0868:
            break
    n = 10_000
    cur = pd.DataFrame({"c": ["a"] * round(share * n) + ["b"] * (n - round(share * n))})
    result = drift.column_drift(*profiles(ref, cur), "c")
    assert result.method == "jensenshannon"
    assert result.value == pytest.approx(0.0868, abs=2e-4)
    assert result.value / math.sqrt(math.log(2)) == pytest.approx(0.1042, abs=3e-4)
    assert not result.drifted


# ---- the distinct-count bound ---------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(-50, 50) | st.none(), min_size=1, max_size=300))
def test_distinct_is_exact_on_small_columns_and_never_above_the_count(
    values: list[int | None],
) -> None:
    series = pd.Series([np.nan if v is None else float(v) for v in values])
    summary = profile_frame(pd.DataFrame({"x": series})).columns["x"].summary
    present = series.dropna()
    assert summary.distinct == present.nunique() <= summary.count == len(present)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(65, 60_000),  # rows, above the sketch's exact range
    st.floats(0.5, 1.0),  # share of rows that are distinct
    st.integers(0, 2**32 - 1),
    st.sampled_from(["numbers", "strings"]),
)
def test_distinct_never_exceeds_the_count_on_large_columns(
    rows: int, share: float, seed: int, kind: str
) -> None:
    rng = np.random.default_rng(seed)
    distinct = max(int(rows * share), 1)
    values = rng.permutation(np.arange(rows) % distinct).astype(float) * 1.37
    column = values if kind == "numbers" else np.array([f"v{v}" for v in values], dtype=object)
    frame = pd.DataFrame({"x": column})
    whole = profile_frame(frame)
    summary = whole.columns["x"].summary
    assert summary.distinct <= summary.count == rows
    assert summary.distinct >= min(distinct, sketch.KMV_SIZE)
    assert abs(summary.distinct - distinct) <= 0.5 * distinct  # KMV: ~12% typical error
    # merged chunks keep the bound too
    half = rows // 2
    merged = merge(
        profile_frame(frame.iloc[:half], like=whole), profile_frame(frame.iloc[half:], like=whole)
    )
    merged_summary = merged.columns["x"].summary
    assert merged_summary.distinct <= merged_summary.count == rows


def test_all_distinct_column_is_capped_at_its_row_count() -> None:
    # the issue's case: an all-distinct column of 7,500 rows was estimated at 7,515
    for seed in range(40):
        rows = 7_500
        values = np.random.default_rng(seed).normal(size=rows)
        estimate = sketch.kmv_estimate(sketch.kmv(sketch.hash_floats(values)))
        capped = profile_frame(pd.DataFrame({"x": values})).columns["x"].summary.distinct
        assert capped == min(estimate, rows) <= rows


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), max_size=400), st.integers(1, 4))
def test_distinct_is_the_sorted_distinct_values_and_unique_counts_them(
    values: list[int], repeat: int
) -> None:
    hashes = np.array(values * repeat, dtype=np.uint64)
    expected, counts = np.unique(hashes, return_counts=True)
    found, found_counts = sketch.unique(hashes)
    assert np.array_equal(found, expected) and np.array_equal(found_counts, counts)
    assert np.array_equal(sketch.distinct(hashes.copy()), expected)


def test_negative_zero_is_counted_as_zero_wherever_it_comes_first() -> None:
    # the default sort may put either zero first: the kept value is written as 0.0
    for values in ([-0.0, 0.0, 1.0, -0.0], [0.0, -0.0, 1.0, 0.0]):
        summary = profile_frame(pd.DataFrame({"x": values})).columns["x"].summary
        assert list(summary.values.items()) == [(0.0, 3), (1.0, 1)]
        assert all(math.copysign(1.0, v) == 1.0 for v in summary.values)
