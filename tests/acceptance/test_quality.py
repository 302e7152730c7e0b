"""The framework's own code is lint clean, type checks (mypy --strict) and keeps its layers
(import-linter's contracts in pyproject.toml)."""

from __future__ import annotations

from tests.conftest import BIN, ROOT, run


def finds_nothing(tool: str, *args: str) -> None:
    done = run(BIN / tool, *args, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stdout


def test_ruff_finds_nothing() -> None:
    finds_nothing("ruff", "check", "--output-format", "concise", "ci", "tests", "hooks", "bench")


def test_mypy_strict_finds_nothing() -> None:
    finds_nothing("mypy", "--cache-dir", "/dev/null")


def test_the_layers_import_one_way() -> None:
    finds_nothing("lint-imports", "--no-cache")


def test_the_benchmarks_type_check_against_the_package() -> None:
    # Not strict (scripts), but a call to something the package no longer has fails here.
    config = ("--config-file", "/dev/null", "--cache-dir", "/dev/null")
    finds_nothing("mypy", *config, "--ignore-missing-imports", "bench")
