"""`o16n schemas`: the shipped schemas, copied where a project's `$schema` comments point."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from o16n.cli.main import main
from o16n.config.schemas import PROJECT_DIR, SCHEMAS, schema_path
from tests.conftest import ROOT

COMMENT = re.compile(r"^# yaml-language-server: \$schema=(\S+)$", re.MULTILINE)


def test_write_copies_every_shipped_schema(tmp_path: Path) -> None:
    assert main(["schemas", "--write", str(tmp_path / "s")]) == 0
    for name in SCHEMAS:
        copied = tmp_path / "s" / f"{name}.schema.json"
        assert copied.read_bytes() == schema_path(name).read_bytes()
        assert json.loads(copied.read_text())["$schema"].startswith("https://json-schema.org/")


def test_write_defaults_to_the_folder_the_template_points_at(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["schemas", "--write"]) == 0
    assert (tmp_path / PROJECT_DIR / "o16n.schema.json").is_file()


def test_write_onto_a_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "f").write_text("")
    assert main(["schemas", "--write", str(tmp_path / "f")]) == 2
    assert "is a file, not a directory" in capsys.readouterr().err


def test_every_schema_comment_in_the_template_names_a_schema_o16n_ships() -> None:
    """The template's comments point into .o16n-schemas/ (the hook fills it from the package);
    the packs' point into this source tree, and the hook rewrites them in a project."""
    template = ROOT / "{{cookiecutter.project_slug}}"
    shipped = {schema_path(name).name for name in SCHEMAS}
    for name in ("o16n", "health", "kpis", "model_card", "waivers"):
        path = template / f"{name}.yaml"
        target = COMMENT.findall(path.read_text())
        assert target, f"{path.name} has no $schema comment"
        assert target[0] == f"{PROJECT_DIR}/{name}.schema.json"
        assert target[0].split("/")[-1] in shipped
    for pack in (ROOT / "policies").glob("*/pack.yaml"):
        (target,) = COMMENT.findall(pack.read_text())
        assert (pack.parent / target).resolve().is_file(), pack
