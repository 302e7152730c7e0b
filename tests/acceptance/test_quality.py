"""The framework's own code is lint clean, type checks (mypy --strict) and keeps its layers
(import-linter's contracts in pyproject.toml)."""

from __future__ import annotations

from tests.conftest import BIN, ROOT, run


def test_ruff_finds_nothing() -> None:
    done = run(
        BIN / "ruff",
        "check",
        "--output-format",
        "concise",
        "ci",
        "tests",
        "hooks",
        "bench",
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stdout


def test_mypy_strict_finds_nothing() -> None:
    done = run(BIN / "mypy", "--cache-dir", "/dev/null", cwd=ROOT, check=False)
    assert done.returncode == 0, done.stdout


def test_the_layers_import_one_way() -> None:
    done = run(BIN / "lint-imports", "--no-cache", cwd=ROOT, check=False)
    assert done.returncode == 0, done.stdout


def test_the_benchmarks_type_check_against_the_package() -> None:
    # Not strict (scripts), but a call to something the package no longer has fails here.
    done = run(
        BIN / "mypy",
        "--config-file",
        "/dev/null",
        "--ignore-missing-imports",
        "--cache-dir",
        "/dev/null",
        "bench",
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stdout
