"""A realistic health report for the reporter tests (and a quick look at the HTML page)."""

from __future__ import annotations

from o16n.health.findings import (
    FAIL,
    OK,
    WARN,
    Distribution,
    Finding,
    HealthReport,
    MetricComparison,
)
from o16n.health.stats.outcome import ColumnDrift

BINS = ("[-3, -2)", "[-2, -1)", "[-1, 0)", "[0, 1)", "[1, 2)", "[2, 3)", "[3, 4)")


def sample_report() -> HealthReport:
    findings = (
        Finding(
            "tenure_ok",
            "missing_share",
            OK,
            "tenure: 0.2% missing (limit 5%)",
            0.002,
            0.05,
            "missing share",
            "tenure",
        ),
        Finding(
            "dataset_drift",
            "dataset_drift",
            FAIL,
            "3 of 6 columns drifted (50%), limit 50%",
            0.5,
            0.5,
            "drifted share",
        ),
        Finding(
            "column_drift",
            "column_drift",
            WARN,
            "income drifted: wasserstein 0.31 > 0.1",
            0.31,
            0.1,
            "wasserstein",
            "income",
        ),
        Finding(
            "no_regression",
            "regression",
            FAIL,
            "roc_auc fell 0.034 below main (limit 0.01)",
            -0.034,
            -0.01,
            "diff vs baseline",
        ),
        Finding(
            "latency", "latency", OK, "p95 latency 12.4 ms (limit 50 ms)", 12.4, 50.0, "p95 ms"
        ),
        Finding(
            "city_new",
            "new_categories",
            WARN,
            "city has 2 categories unseen in the reference: 'Zürich', 'Oslo'",
            2,
            0,
            "unseen categories",
            "city",
        ),
    )
    drift = (
        ColumnDrift("income", "numeric", "wasserstein", 0.31, 0.1, True),
        ColumnDrift("age", "numeric", "wasserstein", 0.04, 0.1, False),
        ColumnDrift("tenure", "numeric", "wasserstein", 0.18, 0.1, True),
        ColumnDrift("city", "categorical", "jensenshannon", 0.21, 0.1, True),
        ColumnDrift("plan", "categorical", "jensenshannon", 0.02, 0.1, False),
        ColumnDrift("is_active", "boolean", "jensenshannon", 0.01, 0.1, False),
    )
    distributions = (
        Distribution(
            "income",
            BINS,
            (0.02, 0.14, 0.34, 0.34, 0.13, 0.03, 0.0),
            (0.01, 0.05, 0.2, 0.36, 0.26, 0.1, 0.02),
        ),
        Distribution(
            "tenure",
            tuple(f"{i}–{i + 6} months" for i in range(0, 72, 6)),
            (0.16, 0.14, 0.12, 0.1, 0.09, 0.08, 0.07, 0.07, 0.06, 0.05, 0.04, 0.02),
            (0.25, 0.17, 0.13, 0.1, 0.08, 0.07, 0.06, 0.05, 0.04, 0.03, 0.01, 0.01),
        ),
        Distribution(
            "city",
            ("Berlin", "Paris", "Madrid", "Zürich", "Oslo"),
            (0.42, 0.33, 0.25, 0.0, 0.0),
            (0.3, 0.3, 0.2, 0.12, 0.08),
        ),
    )
    metrics = (
        MetricComparison("roc_auc", 0.871, 0.905, "main (3f2c1a0)"),
        MetricComparison("accuracy", 0.842, 0.851, "main (3f2c1a0)"),
        MetricComparison("log_loss", 0.391, 0.352, "main (3f2c1a0)"),
        MetricComparison("r2_holdout", -0.05, 0.12, "main (3f2c1a0)"),
        MetricComparison("p95_latency_ms", 12.4, None),
    )
    return HealthReport(
        findings=findings,
        drift=drift,
        dataset_drift_share=0.5,
        distributions=distributions,
        metrics=metrics,
        inputs={"reference": "data/reference.json", "current": "data/prepared/current.parquet"},
    )
