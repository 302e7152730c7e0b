"""How an error names its place: one way for every file."""

from __future__ import annotations

from pathlib import Path

import pytest

from o16n.errors import ConfigError, shown_path


def test_a_file_inside_the_working_directory_is_named_relative_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    (project / "policies").mkdir(parents=True)
    monkeypatch.chdir(project)
    inside = ConfigError("bad", file=project / "policies" / "pack.yaml", line=4, key="rules[0].id")
    assert str(inside) == "policies/pack.yaml:4: rules[0].id: bad"
    assert shown_path(project / "o16n.yaml") == "o16n.yaml"
    assert shown_path("health.yaml") == "health.yaml"  # given relative: kept as given


def test_a_file_outside_the_working_directory_is_named_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    elsewhere = tmp_path / "elsewhere" / "o16n.yaml"
    assert str(ConfigError("bad", file=elsewhere)) == f"{elsewhere}: bad"
    assert shown_path(tmp_path / "herein.yaml") == str(tmp_path / "herein.yaml")  # not ../
