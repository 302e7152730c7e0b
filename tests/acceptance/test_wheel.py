"""The wheel carries the template, so `o16n new` works from an installed package alone."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from o16n import __version__
from tests.conftest import BIN, ROOT, cruft_state, run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    run(BIN / "python", "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
        "--wheel-dir", out, ROOT, cwd=ROOT)  # fmt: skip
    return next(out.glob("o16n-*.whl"))


def test_wheel_bundles_every_template_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    template = {
        str(path.relative_to(ROOT))
        for pattern in ("cookiecutter.json", "hooks/*.py", "{{cookiecutter.project_slug}}/**/*")
        for path in ROOT.glob(pattern)
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert template, "no template files found"
    assert {f"o16n/template/{name}" for name in template} <= names


def test_o16n_new_generates_from_the_bundled_template(wheel: Path, tmp_path: Path) -> None:
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    out = tmp_path / "out"
    new = ["-m", "o16n", "new", "--no-input", "-o", out, "project_slug=from-wheel"]
    done = run(BIN / "python", *new, cwd=tmp_path, PYTHONPATH=str(unpacked))
    assert "generated" in done.stdout
    project = out / "from-wheel"
    assert run("git", "status", "--porcelain", cwd=project).stdout == ""
    assert cruft_state(project)["template"] == str(unpacked / "o16n" / "template")
    # pip recorded no source for this o16n (unpacked, not installed): the released version
    spec = (project / "requirements-o16n.txt").read_text().splitlines()[-1]
    assert spec == f"o16n=={__version__}"
