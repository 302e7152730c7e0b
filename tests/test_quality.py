"""The framework's own code is lint clean and type checks (mypy --strict, see pyproject.toml)."""

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
