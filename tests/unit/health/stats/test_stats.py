"""The health engine's statistics against reference implementations (scipy, textbook formulas),
with property tests for the binned approximations' error bounds and for merging chunk profiles."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial import distance

from o16n.health.stats import drift, kernels, quality
from o16n.health.stats.codec import from_json, to_json
from o16n.health.stats.columns import profile_frame
from o16n.health.stats.files import profile_file
from o16n.health.stats.kinds import KINDS
from o16n.health.stats.merge import merge
from o16n.health.stats.model import SCHEMA_VERSION, Numeric, cdf_points

floats = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
samples = st.lists(floats, min_size=2, max_size=300)


def profiles(ref: pd.DataFrame, cur: pd.DataFrame):  # noqa: ANN201
    reference = profile_frame(ref)
    return reference, profile_frame(cur, like=reference)


def column(values: list[float] | np.ndarray, name: str = "x") -> pd.DataFrame:
    return pd.DataFrame({name: np.asarray(values, dtype=float)})


@settings(max_examples=60, deadline=None)
@given(samples, samples)
def test_ks_equals_scipy_for_small_data(a: list[float], b: list[float]) -> None:
    reference, current = profiles(column(a), column(b))
    ours = drift.ks(reference.columns["x"], current.columns["x"])
    assert ours == pytest.approx(stats.ks_2samp(a, b).pvalue, rel=1e-9, abs=1e-12)


def test_ks_on_large_current_is_close_to_scipy() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.normal(0, 1, 800), rng.normal(0.1, 1, 50_000)
    reference, current = profiles(column(a), column(b))
    ours = drift.ks(reference.columns["x"], current.columns["x"])
    assert ours == pytest.approx(stats.ks_2samp(a, b).pvalue, rel=0.5)


def test_chisquare_equals_scipy() -> None:
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"c": rng.choice(list("abcd"), 700)})
    cur = pd.DataFrame({"c": rng.choice(list("abcd"), 500, p=[0.3, 0.3, 0.2, 0.2])})
    reference, current = profiles(ref, cur)
    observed = cur["c"].value_counts().sort_index()
    expected = ref["c"].value_counts().sort_index() / len(ref) * len(cur)
    theirs = stats.chisquare(observed, expected).pvalue
    assert drift.chisquare(reference.columns["c"], current.columns["c"]) == pytest.approx(theirs)


def test_chisquare_with_an_empty_and_an_unseen_category() -> None:
    reference, current = profiles(
        pd.DataFrame({"c": list("aab") * 50}), pd.DataFrame({"c": list("aa") * 50})
    )
    assert drift.chisquare(reference.columns["c"], current.columns["c"]) < 1e-10  # b vanished
    reference, current = profiles(
        pd.DataFrame({"c": list("ab") * 50}), pd.DataFrame({"c": list("abz") * 50})
    )
    assert drift.chisquare(reference.columns["c"], current.columns["c"]) == 0.0  # z never seen


def test_z_test_equals_the_textbook_two_proportion_test() -> None:
    reference, current = profiles(column([0] * 300 + [1] * 200), column([0] * 200 + [1] * 250))
    p1, p2, pooled = 300 / 500, 200 / 450, 500 / 950
    z = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1 / 500 + 1 / 450))
    assert drift.z(reference.columns["x"], current.columns["x"]) == pytest.approx(
        2 * stats.norm.sf(abs(z))
    )


@settings(max_examples=60, deadline=None)
@given(samples, samples)
def test_wasserstein_within_one_bin_of_scipy(a: list[float], b: list[float]) -> None:
    reference, current = profiles(column(a), column(b))
    r, c = reference.columns["x"].summary, current.columns["x"].summary
    assert isinstance(r, Numeric) and isinstance(c, Numeric)
    grid = np.union1d(cdf_points(r)[0], cdf_points(c)[0])
    widest = float(np.diff(grid).max()) if len(grid) > 1 else 0.0
    norm = max(float(np.std(a)), 0.001)
    exact = stats.wasserstein_distance(a, b) / norm
    # each side's mass moves at most one bin inside its bin: |error| <= 2 * widest bin
    assert drift.wasserstein(reference.columns["x"], current.columns["x"]) == pytest.approx(
        exact, abs=2 * widest / norm + 1e-9
    )


@settings(max_examples=40, deadline=None)
@given(samples, samples)
def test_wasserstein_is_exact_when_the_profiles_hold_every_value(
    a: list[float], b: list[float]
) -> None:
    reference, current = profiles(column(a), column(b))
    norm = max(float(np.std(a)), 0.001)
    exact = stats.wasserstein_distance(a, b) / norm
    assert drift.wasserstein(reference.columns["x"], current.columns["x"]) == pytest.approx(
        exact, rel=1e-9, abs=1e-12
    )


def test_wasserstein_on_a_large_count_column_is_exact_not_spread_between_whole_numbers() -> None:
    """6,000 rows of 0-5 children (statsmodels' fair): the values are kept with their counts,
    so W1 is the step-CDF distance scipy gives, not the linear CDF of a histogram."""
    rng = np.random.default_rng(3)
    a = rng.choice([0.0, 1.0, 2.0, 3.0, 4.0, 5.5], size=6000, p=[0.3, 0.2, 0.2, 0.15, 0.1, 0.05])
    b = rng.choice([0.0, 1.0, 2.0, 3.0, 4.0, 5.5], size=6000, p=[0.1, 0.1, 0.2, 0.2, 0.2, 0.2])
    reference, current = profiles(column(list(a)), column(list(b)))
    exact = stats.wasserstein_distance(a, b) / float(np.std(a))
    assert drift.wasserstein(reference.columns["x"], current.columns["x"]) == pytest.approx(
        exact, rel=1e-12
    )


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.floats(0.01, 10), st.floats(-5, 5) | st.just(0.0)), min_size=2))
def test_the_area_under_a_polyline_s_absolute_value_is_exact(
    steps: list[tuple[float, float]],
) -> None:
    """|y| of a polyline, integrated: against each segment cut at its zero into pieces of one
    sign (where |y| is linear, and a trapezoid is exact)."""
    x = np.cumsum([width for width, _ in steps])
    y = np.array([value for _, value in steps])
    expected = 0.0
    for x0, x1, y0, y1 in zip(x[:-1], x[1:], y[:-1], y[1:], strict=True):
        if y0 * y1 < 0:
            zero = x0 + (x1 - x0) * abs(y0) / (abs(y0) + abs(y1))
            expected += abs(y0) * (zero - x0) / 2 + abs(y1) * (x1 - zero) / 2
        else:
            expected += abs(y0 + y1) * (x1 - x0) / 2
    assert drift._integrate_abs(x, y) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_a_line_through_zero_counts_both_triangles() -> None:
    assert drift._integrate_abs(np.array([0.0, 2.0]), np.array([-1.0, 1.0])) == 1.0
    assert drift._integrate_abs(np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0, 0.0])) == 3.0


def test_a_summary_s_cdf_is_made_once_and_afresh_when_its_histogram_changes() -> None:
    reference, _ = profiles(column(np.linspace(0.0, 10.0, 2000)), column([1.0, 2.0]))
    summary = reference.columns["x"].summary
    assert isinstance(summary, Numeric)
    _, cdf = cdf_points(summary)
    assert cdf_points(summary)[1] is cdf  # kept: the drift test and the plot share it
    with pytest.raises(ValueError, match="read-only"):
        cdf[0] = 0.5  # a kept curve cannot be changed by one of its readers
    summary.counts = [0] * (len(summary.counts) - 1) + [summary.count]  # all in the last bin
    _, again = cdf_points(summary)
    assert again is not cdf and again[-2] == 0.0 and again[-1] == 1.0
    twin = Numeric(**{**vars(summary), "counts": list(summary.counts)})
    assert np.array_equal(cdf_points(twin)[1], again)  # an equal summary: an equal curve


def test_jensenshannon_equals_scipy_in_nats() -> None:
    # Evidently calls scipy's jensenshannon with base=None: the natural log, not bits
    ref = pd.DataFrame({"c": list("aabbbc") * 40})
    cur = pd.DataFrame({"c": list("abccc") * 40})
    reference, current = profiles(ref, cur)
    p = ref["c"].value_counts(normalize=True).sort_index()
    q = cur["c"].value_counts(normalize=True).reindex(p.index, fill_value=0)
    theirs = distance.jensenshannon(p, q)
    assert drift.jensenshannon(reference.columns["c"], current.columns["c"]) == pytest.approx(
        theirs
    )


def textbook_psi(expected: np.ndarray, actual: np.ndarray, eps: float = 1e-4) -> float:
    e, a = np.maximum(expected / expected.sum(), eps), np.maximum(actual / actual.sum(), eps)
    return float(((e - a) * np.log(e / a)).sum())


def test_psi_on_categories_is_the_textbook_formula() -> None:
    ref, cur = pd.DataFrame({"c": list("aaab") * 30}), pd.DataFrame({"c": list("abbc") * 30})
    reference, current = profiles(ref, cur)
    expected = np.array([90, 30, 0.0])
    actual = np.array([30, 60, 30.0])
    assert drift.psi(reference.columns["c"], current.columns["c"]) == pytest.approx(
        textbook_psi(expected, actual)
    )


def test_psi_on_numbers_uses_reference_deciles() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 1, 20_000), rng.normal(0.5, 1, 20_000)
    reference, current = profiles(column(a), column(b))
    cuts = np.quantile(a, np.linspace(0.1, 0.9, 9))
    bins = np.concatenate([[-np.inf], cuts, [np.inf]])
    exact = textbook_psi(
        np.histogram(a, bins)[0].astype(float), np.histogram(b, bins)[0].astype(float)
    )
    assert drift.psi(reference.columns["x"], current.columns["x"]) == pytest.approx(exact, rel=0.03)


@pytest.mark.parametrize(
    ("rows", "values", "kind", "method"),
    [
        (500, [i + 0.5 for i in range(10)], "numeric", "ks"),
        (500, list(range(10)), "numeric", "chisquare"),  # integers, <= 10 values: categorical
        (500, list(range(11)), "numeric", "ks"),
        (500, [1.5, 2.5, 3.5, 4.5, 5.5], "numeric", "chisquare"),
        (500, ["a", "b", "c"], "categorical", "chisquare"),
        (500, [0, 1], "numeric", "z"),
        (500, ["yes", "no"], "categorical", "z"),
        (5000, [i + 0.5 for i in range(10)], "numeric", "wasserstein"),
        (5000, list(range(10)), "numeric", "jensenshannon"),
        (5000, list(range(11)), "numeric", "wasserstein"),
        (5000, [1, 2, 3], "numeric", "jensenshannon"),
        (5000, ["a", "b", "c"], "categorical", "jensenshannon"),
    ],
)
def test_method_selection_follows_evidently(
    rows: int, values: list[object], kind: str, method: str
) -> None:
    data = pd.DataFrame({"v": [values[i % len(values)] for i in range(rows)]})
    reference, current = profiles(data, data)
    result = drift.column_drift(reference, current, "v")
    assert (result.kind, result.method, result.drifted) == (kind, method, False)


def test_drift_flags_shifted_column_and_not_the_same_one() -> None:
    rng = np.random.default_rng(7)
    ref = pd.DataFrame({"same": rng.normal(0, 1, 20_000), "shifted": rng.normal(0, 1, 20_000)})
    cur = pd.DataFrame({"same": rng.normal(0, 1, 20_000), "shifted": rng.normal(0.2, 1, 20_000)})
    reference, current = profiles(ref, cur)
    assert drift.column_drift(reference, current, "shifted").drifted
    assert not drift.column_drift(reference, current, "same").drifted
    assert (
        drift.column_drift(reference, current, "shifted", method="psi", threshold=0.5).drifted
        is False
    )


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.one_of(floats, st.just(math.nan), st.just(math.inf)), min_size=2, max_size=200),
    st.data(),
)
def test_merged_chunk_profiles_equal_the_whole(values: list[float], data: st.DataObject) -> None:
    split = data.draw(st.integers(1, len(values) - 1))
    whole = column(values)
    frame = whole.assign(c=[str(int(v) % 3) if math.isfinite(v) else None for v in values])
    reference = profile_frame(frame)
    merged = merge(
        profile_frame(frame.iloc[:split], like=reference),
        profile_frame(frame.iloc[split:], like=reference),
    )
    again = profile_frame(frame, like=reference)
    m, w = merged.columns["x"].summary, again.columns["x"].summary
    assert isinstance(m, Numeric) and isinstance(w, Numeric)
    assert (m.count, m.missing, m.infinite, m.counts, m.min, m.max) == (
        w.count,
        w.missing,
        w.infinite,
        w.counts,
        w.min,
        w.max,
    )
    assert m.mean == pytest.approx(w.mean, abs=1e-6) and m.m2 == pytest.approx(
        w.m2, rel=1e-6, abs=1e-3
    )
    assert m.kmv == w.kmv and m.values == w.values
    assert merged.columns["c"].summary == again.columns["c"].summary
    assert merged.rows == len(values)


def test_infinities_and_missing_values_are_counted_not_binned() -> None:
    profile = profile_frame(column([1.0, 2.0, math.inf, -math.inf, math.nan, 3.0]))
    s = profile.columns["x"].summary
    assert isinstance(s, Numeric)
    assert (s.count, s.infinite, s.missing, sum(s.counts), s.min, s.max) == (3, 2, 1, 3, 1.0, 3.0)
    assert quality.missing_share(profile, profile, "x", relative=False).value == pytest.approx(
        1 / 6
    )
    assert quality.missing_share(profile, profile, "x").value == 0.0  # as the reference's
    infinite = quality.infinite_share(profile, profile, "x", relative=False)
    assert infinite is not None and infinite.value == pytest.approx(2 / 6)


def test_single_value_and_empty_columns_do_not_break_drift() -> None:
    constant = pd.DataFrame({"x": [5.0] * 50, "e": [math.nan] * 50})
    reference, current = profiles(constant, constant.iloc[:40])
    result = drift.column_drift(reference, current, "x")
    assert (result.method, result.drifted) == ("z", False)
    assert quality.became_constant(reference, current, "x").value == 0.0


def test_a_reference_without_values_is_named_not_printed_as_an_inverted_range() -> None:
    reference, current = profiles(
        pd.DataFrame({"e": [math.nan] * 20}), pd.DataFrame({"e": [1.0, 2.0, math.nan, 3.0]})
    )
    outside = quality.out_of_range_share(reference, current, "e")
    assert outside is not None and outside.value == pytest.approx(1.0)
    assert "the reference has no values (3 values)" in outside.message
    assert "inf" not in outside.message


def test_quality_measures() -> None:
    ref = pd.DataFrame({"n": np.arange(100.0), "c": ["a", "b"] * 50, "k": np.arange(100.0) % 7})
    cur = pd.DataFrame(
        {
            "n": [-5.0, 50.0, 150.0, 150.0],
            "c": ["a", "z", "z", "z"],
            "k": [1.0] * 4,
            "extra": [1] * 4,
        }
    )
    reference, current = profiles(ref, cur)
    assert quality.out_of_range_share(reference, current, "n").value == pytest.approx(0.75)
    unseen = quality.unseen_share(reference, current, "c")
    assert unseen is not None and unseen.value == pytest.approx(0.75) and "'z'" in unseen.message
    repeated = quality.duplicate_share(reference, current)  # the repeated last row
    assert repeated.value == pytest.approx(0.25) and "0.00% in the reference" in repeated.message
    assert quality.became_constant(reference, current, "k").value == 1.0
    assert quality.row_ratio(reference, current).value == pytest.approx(0.04)
    assert [m.message for m in quality.schema(reference, current)] == [
        "column 'extra' (numeric) is not in the reference"
    ]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_file_profile_streams_in_chunks_and_matches_the_frame(tmp_path: Path, suffix: str) -> None:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"x": rng.normal(0, 1, 2500), "c": rng.choice(list("abc"), 2500)})
    frame = pd.concat([frame, frame.iloc[:10]], ignore_index=True)  # 10 duplicate rows
    path = tmp_path / f"data{suffix}"
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(
        path, row_group_size=700
    )
    streamed = profile_file(path, rows=700)
    whole = profile_frame(pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path))
    assert (
        streamed.rows == whole.rows == 2510
        and streamed.duplicate_rows == whole.duplicate_rows == 10
    )
    s, w = streamed.columns["x"].summary, whole.columns["x"].summary
    assert isinstance(s, Numeric) and isinstance(w, Numeric)
    assert (
        s.counts == w.counts and s.mean == pytest.approx(w.mean) and s.std == pytest.approx(w.std)
    )
    assert streamed.columns["c"].summary == whole.columns["c"].summary


def test_profile_json_round_trips_and_is_small() -> None:
    rng = np.random.default_rng(2)
    profile = profile_frame(pd.DataFrame({f"x{i}": rng.normal(0, 1, 50_000) for i in range(20)}))
    text = to_json(profile)
    assert len(text) < 100_000
    assert to_json(from_json(text)) == text


def test_every_kind_round_trips_through_the_profile_file() -> None:
    rows = 60
    frame = pd.DataFrame(
        {
            "n": np.arange(rows, dtype=float),
            "one": [3.0] * rows,  # a single value: one narrow bin
            "none": [math.nan] * rows,  # no finite value: min and max written as null
            "b": [True, False] * (rows // 2),
            "d": pd.date_range("2024-01-01", periods=rows, freq="h"),
            "c": ["red", "green", None] * (rows // 3),
            "t": [f"a long free-text comment, number {i:04d}, of some length" for i in range(rows)],
        }
    )
    profile = profile_frame(frame)
    assert set(profile.schema.values()) == KINDS
    assert from_json(to_json(profile)) == profile


def test_a_profile_with_an_unknown_kind_is_refused() -> None:
    text = to_json(profile_frame(column([1.0, 2.0]))).replace('"kind":"numeric"', '"kind":"number"')
    with pytest.raises(ValueError, match="column 'x' has an unknown kind 'number'"):
        from_json(text)


def test_the_one_pass_histogram_bins_as_numpy_and_counts_the_tails() -> None:
    edges = [0.0, 1.0, 2.0, 3.0, 4.0]
    values = np.array([-1.0, 0.0, 0.5, 1.0, 2.5, 3.999, 4.0, 4.5, 10.0])  # 4.0: the closed top
    counts, below, above = kernels.histogram(values, edges, kernels.Scratch.of(len(values)))
    assert (counts, below, above) == ([2, 1, 1, 2], 1, 2)
    sample = np.random.default_rng(4).normal(0, 1, 10_000)
    fine = kernels.bin_edges(float(sample.min()), float(sample.max()))
    counts, below, above = kernels.histogram(sample, fine, kernels.Scratch.of(len(sample)))
    assert counts == np.histogram(sample, bins=fine)[0].tolist() and below == above == 0


def _always_clipped(values: np.ndarray, edges: list[float]) -> tuple[list[int], int, int]:
    """The histogram's slots clipped and its top compared on every call (what it did before
    it skipped both where the min and max show them to change nothing)."""
    low, high, bins = edges[0], edges[-1], len(edges) - 1
    scale = bins / (high - low)
    slot = np.clip(values * scale + (1.0 - low * scale), 0.0, bins + 2.0).astype(np.int64)
    counts = np.bincount(slot, minlength=bins + 3)
    above = int(np.count_nonzero(values > high))
    inside = counts[1 : bins + 1].copy()
    inside[-1] += int(counts[bins + 1] + counts[bins + 2]) - above
    return inside.tolist(), int(counts[0]), above


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.floats(-1e12, 1e12, allow_nan=False), min_size=1, max_size=300),
    st.floats(-1e12, 1e12, allow_nan=False),
    st.floats(1e-9, 1e12),
    st.integers(1, 600),
)
def test_the_histogram_skips_only_what_cannot_change_its_counts(
    values: list[float], low: float, width: float, bins: int
) -> None:
    data = np.array(values)
    edges = [float(e) for e in np.linspace(low, low + width, bins + 1)]
    if not edges[-1] > edges[0]:
        return
    expected = _always_clipped(data, edges)
    span = (float(data.min()), float(data.max()))
    assert kernels.histogram(data, edges, kernels.Scratch.of(len(data)), span) == expected
    own = [float(e) for e in np.linspace(span[0], span[1], bins + 1)]  # a reference's own edges
    if own[-1] > own[0]:
        assert kernels.histogram(data, own, kernels.Scratch.of(len(data)), span) == (
            _always_clipped(data, own)
        )


def test_profile_of_another_schema_version_is_refused() -> None:
    text = to_json(profile_frame(column([1.0, 2.0]))).replace(
        f'"schema_version":{SCHEMA_VERSION}', '"schema_version":99'
    )
    with pytest.raises(ValueError, match="profile schema_version 99, expected 1"):
        from_json(text)


def test_parquet_with_nulls_profiles_like_the_same_frame(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "f": [1.5, None, 3.0, float("inf"), 2.0] * 40,
            "i": pd.array([1, None, 3, 4, 5] * 40, dtype="Int64"),
            "s": ["a", None, "b", "a", "c"] * 40,
        }
    )
    path = tmp_path / "nulls.parquet"
    frame.to_parquet(path, row_group_size=70)
    streamed, whole = profile_file(path, rows=70), profile_frame(frame)
    for name in ("f", "i"):
        s, w = streamed.columns[name].summary, whole.columns[name].summary
        assert isinstance(s, Numeric) and isinstance(w, Numeric)
        assert (s.count, s.missing, s.infinite, s.min, s.max) == (
            w.count,
            w.missing,
            w.infinite,
            w.min,
            w.max,
        )
        assert s.mean == pytest.approx(w.mean)
    assert streamed.columns["s"].summary == whole.columns["s"].summary
    assert streamed.duplicate_rows == whole.duplicate_rows


def test_a_column_profile_does_not_depend_on_its_neighbours() -> None:
    """Columns of a chunk share work arrays: each summary must be what it is alone."""
    rng = np.random.default_rng(9)
    x = rng.normal(0, 1, 3000)
    x[::7] = math.nan
    frame = pd.DataFrame(
        {
            "a": rng.normal(50, 5, 3000),
            "c": rng.choice(["u", "v", None], 3000),
            "x": x,
            "b": np.arange(3000.0) % 4,
        }
    )
    together = profile_frame(frame)
    for name in frame.columns:
        alone = profile_frame(frame[[name]])
        assert together.columns[name].summary == alone.columns[name].summary, name
    reference = profile_frame(frame.iloc[:1000])
    current_together = profile_frame(frame, like=reference)
    for name in frame.columns:
        current_alone = profile_frame(frame[[name]], like=reference)
        assert current_together.columns[name].summary == current_alone.columns[name].summary


def test_rows_of_structured_values_are_not_taken_for_duplicates() -> None:
    """Equal columns of 0..99, or a column and its mirror: every row differs. A linear row hash
    (row * 31 + value) made such rows collide."""
    ramp = np.arange(100.0)
    for frame in (
        pd.DataFrame({"a": ramp, "b": ramp}),
        pd.DataFrame({"a": ramp, "b": ramp[::-1].copy()}),
        pd.DataFrame({"a": ramp * 32, "b": ramp, "c": ramp * 2}),
    ):
        assert profile_frame(frame).duplicate_rows == 0
    twice = pd.DataFrame({"a": np.tile(ramp, 2), "b": np.tile(ramp, 2)})
    assert profile_frame(twice).duplicate_rows == 100


@pytest.mark.parametrize("group_rows", [300, 64])  # a group read whole; one in batches of 16
def test_a_wide_file_read_in_blocks_of_columns_profiles_as_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, group_rows: int
) -> None:
    """Memory follows the block budget, not the column count: a row group wider than the
    budget is read a run of columns at a time, and the profile (duplicate rows included, whose
    row hashes combine every column) is the one a whole read gives."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from o16n.health.stats import parts
    from o16n.health.stats.codec import to_json

    rng = np.random.default_rng(5)
    rows = 300
    data = {f"n{i}": rng.integers(0, 3, rows).astype(float) for i in range(30)}
    data |= {f"c{i}": rng.choice(["a", "b"], rows) for i in range(10)}
    table = pa.table(data)
    table = pa.concat_tables([table, table.slice(0, 40)])  # 40 repeated rows
    path = tmp_path / "wide.parquet"
    pq.write_table(table, path, row_group_size=group_rows)
    whole = to_json(profile_file(path, rows=32))
    monkeypatch.setattr(parts, "BLOCK_BYTES", 600)  # a few columns per run
    blocks = list(parts.column_blocks(path, 32))
    assert len({tuple(b.table.column_names) for b in blocks}) > 3  # many runs of columns
    in_blocks = profile_file(path, rows=32)
    assert to_json(in_blocks) == whole
    assert in_blocks.duplicate_rows >= 40


@pytest.mark.filterwarnings("ignore:overflow")
def test_a_sum_that_overflows_still_counts_every_value_as_finite() -> None:
    # the finite sum is the fast test for "no missing values"; an overflowing one takes the mask
    def swept(values: list[float]) -> kernels.Sweep:
        data = np.array(values)
        rows = np.zeros(len(data), dtype=np.uint64)
        return kernels.sweep(data, rows, kernels.Scratch.of(len(data)), None)

    huge = swept([1e308, 1e308, 5.0])
    assert (huge.count, huge.missing, huge.infinite) == (3, 0, 0)
    mixed = swept([1e308, math.nan, -math.inf, 2.0])
    assert (mixed.count, mixed.missing, mixed.infinite) == (2, 1, 1)
    assert (mixed.least, mixed.most) == (2.0, 1e308)
    # their variance has no 64-bit value: the profile refuses the column by name
    with pytest.raises(ValueError, match="column 'x': its values .* are too large"):
        profile_frame(column([1e308, 1e308, 5.0]))


def _column_figures(values: np.ndarray, edges: list[float]) -> dict[str, object]:
    """A float column's figures, each from its own whole-array numpy call (what the sweep
    computes in one pass, a block at a time)."""
    from o16n.health.stats import sketch

    finite = values[np.isfinite(values)]
    hashes = sketch.hash_floats(values)
    rows = np.zeros(len(values), dtype=np.uint64)
    kernels.into_rows(rows, hashes, np.empty(len(values), dtype=np.uint64))
    return {
        "count": len(finite),
        "missing": int(np.isnan(values).sum()),
        "infinite": int(np.isinf(values).sum()),
        "min": float(finite.min()),
        "max": float(finite.max()),
        "mean": float(finite.mean()),
        "m2": float(((finite - finite.mean()) ** 2).sum()),
        "kmv": sketch.kmv(sketch.hash_floats(finite)).tolist(),
        "bins": _always_clipped(finite, edges),
        "rows": rows.tolist(),
    }


special = st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 0.0, 1.0])


@settings(max_examples=120, deadline=None)
@given(
    st.lists(st.one_of(st.floats(-1e9, 1e9, allow_nan=False), special), min_size=1, max_size=900),
    st.integers(0, 4),
    st.sampled_from([1, 7, 64, 1 << 15]),
    st.floats(-10, 10),
)
def test_the_one_pass_sweep_finds_what_whole_array_numpy_calls_find(
    values: list[float], repeat: int, block: int, low: float
) -> None:
    """However the column is cut in blocks, with NaN, infinities, -0.0 and repeats: counts,
    range, sketch, bins and row hashes identical; mean and m2 to rounding."""
    data = np.array(values * (repeat + 1))  # repeats: exact values, few distinct hashes
    if not np.isfinite(data).any():
        return
    edges = [float(e) for e in np.linspace(low, low + 20, 41)]
    expected = _column_figures(data, edges)
    rows = np.zeros(len(data), dtype=np.uint64)
    bins = kernels.Bins(edges)
    saved, kernels.BLOCK = kernels.BLOCK, block
    try:
        found = kernels.sweep(data, rows, kernels.Scratch.of(len(data)), bins)
    finally:
        kernels.BLOCK = saved
    assert found.kmv is not None  # at most 16 k values: every hash is a candidate
    assert (found.count, found.missing, found.infinite) == (
        expected["count"],
        expected["missing"],
        expected["infinite"],
    )
    assert (found.least, found.most) == (expected["min"], expected["max"])
    assert found.kmv.tolist() == expected["kmv"]
    assert bins.counts() == expected["bins"]
    assert rows.tolist() == expected["rows"]
    scale = float(np.abs(data[np.isfinite(data)]).max()) or 1.0
    assert found.mean == pytest.approx(expected["mean"], rel=1e-12, abs=1e-12 * scale)
    assert found.m2 == pytest.approx(expected["m2"], rel=1e-9, abs=1e-12 * scale * scale)


def test_a_long_column_with_few_values_gets_its_sketch_from_every_hash() -> None:
    """Past 16 k values the sweep keeps only hashes under a cut; with fewer than k distinct
    values under it, the profile's sketch is read from all of them, not cut short."""
    from o16n.health.stats import sketch

    data = np.tile(np.arange(40.0), 1_000)  # 40,000 values, 40 distinct: few under the cut
    profile = profile_frame(column(data))
    kmv = profile.columns["x"].summary.kmv
    assert kmv == sketch.kmv(sketch.hash_floats(data)).tolist() and len(kmv) == 40
    wide = np.random.default_rng(9).normal(size=50_000)
    assert profile_frame(column(wide)).columns["x"].summary.kmv == (
        sketch.kmv(sketch.hash_floats(wide)).tolist()
    )


def test_a_float16_column_is_profiled_from_its_values(tmp_path: Path) -> None:
    """Parquet keeps a half float's statistics as raw bytes: its range comes from a scan."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    values = np.array([1.5, -2.0, 3.25, 0.0], dtype=np.float16)
    pq.write_table(pa.table({"h": pa.array(values)}), tmp_path / "half.parquet")
    summary = profile_file(tmp_path / "half.parquet").columns["h"].summary
    assert isinstance(summary, Numeric)
    assert (summary.count, summary.min, summary.max, summary.mean) == (4, -2.0, 3.25, 0.6875)
