"""Every way to generate a project leaves one whose own `make setup` installs o16n from where the
template came from, and whose `make check` passes: cookiecutter from a relative path, an absolute
path and a `file://` git URL, `cruft create`, `o16n new` from a checkout and from a wheel.

`make setup` runs where o16n is not importable and no index has it (pip runs with --no-index): it
can only come from the spec the hook wrote. The other dependencies come from this test venv's
site-packages, without o16n, on PYTHONPATH (pip counts them as installed), so no test downloads.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.conftest import BIN, ROOT, run

pytestmark = pytest.mark.slow
BASE_PYTHON = Path(getattr(sys, "_base_executable", sys.executable))
REQUIREMENTS = "requirements-o16n.txt"
LOCAL_WARNING = "on this machine only: CI cannot install it. Fix: "
SLUG = "credit-risk-model"
SCHEMA_COMMENT = "# yaml-language-server: $schema="


class Offline:
    """The environment `make setup` runs in: no index, the dependencies but not o16n."""

    def __init__(self, root: Path) -> None:
        self.deps = root / "deps"
        self.wheels = ROOT / ".tools" / "wheels"  # editables, pip, ruff: `make setup` fetched them
        self.deps.mkdir()
        assert self.wheels.is_dir(), f"{self.wheels} is missing: run `make setup` (it fetches them)"
        site = Path(next(p for p in sys.path if p.endswith("site-packages")))
        for entry in site.iterdir():
            if not self.skipped(entry.name):
                (self.deps / entry.name).symlink_to(entry)
        # hatchling builds editable wheels with `editables`; ruff's entry point needs its binary
        # in the project's .venv/bin, so pip installs it there from a local wheel. `make setup`
        # upgrades pip first (here from the wheels): the pip that comes with a venv may be too
        # old to read `o16n @ git+file:///...`.
        run(BIN / "python", "-m", "pip", "install", "--quiet", "--no-index", "--find-links",
            self.wheels, "--target", self.deps / "_build", "editables", cwd=root)  # fmt: skip

    @staticmethod
    def skipped(name: str) -> bool:
        lowered = name.lower()
        return (
            lowered.startswith(("o16n", "_editable_impl_o16n", "pip", "ruff", "__editable__"))
            or lowered.endswith(".pth")
            or lowered == "__pycache__"
        )

    def env(self) -> dict[str, str]:
        return {
            "PYTHONPATH": f"{self.deps}:{self.deps / '_build'}",
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": str(self.wheels),
            "PIP_NO_BUILD_ISOLATION": "0",  # pip's spelling of --no-build-isolation
            "O16N_SPEC": "",
        }


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Offline:
    found = Offline(tmp_path_factory.mktemp("offline"))
    env = found.env()
    imported = run(BASE_PYTHON, "-c", "import o16n", cwd=found.deps, check=False, **env)
    assert imported.returncode != 0, "o16n is importable before `make setup`"
    indexed = run(BASE_PYTHON, "-m", "pip", "download", "--no-deps", "--dest", found.deps / "x",
                  "o16n", cwd=found.deps, check=False, **env)  # fmt: skip
    assert indexed.returncode != 0, "o16n is on the index `make setup` sees"
    return found


@pytest.fixture(scope="module")
def git_clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository as a user clones it: its tracked files, committed."""
    repo = tmp_path_factory.mktemp("clone") / "o16n.git"  # cookiecutter knows git URLs by "git"
    tracked = run("git", "ls-files", "-z", cwd=ROOT).stdout.split("\0")
    for name in filter(None, tracked):
        source = ROOT / name
        if source.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    run("git", "init", "--quiet", "--initial-branch=main", cwd=repo)
    run("git", "add", "--all", cwd=repo)
    run("git", "commit", "--quiet", "-m", "o16n", cwd=repo)
    return repo


def generate(*command: str | Path, cwd: Path, **env: str) -> tuple[Path, str]:
    done = run(*command, cwd=cwd, check=False, **{"PYTHONPATH": str(ROOT / "ci"), **env})
    assert done.returncode == 0, done.stdout + done.stderr
    return cwd / "out" / SLUG, done.stderr


def spec_of(project: Path) -> str:
    return (project / REQUIREMENTS).read_text().splitlines()[-1]


def setup_installs_o16n(project: Path, offline: Offline) -> None:
    """`make setup` puts o16n into the project's .venv, from the spec alone."""
    env = offline.env()
    run("make", "setup", f"PYTHON={BASE_PYTHON}", cwd=project, **env)
    where = run(project / ".venv/bin/python", "-c", "import o16n; print(o16n.__file__)",
                cwd=project, **env).stdout  # fmt: skip
    assert where.startswith(str(project / ".venv")), where
    version = run(project / ".venv/bin/o16n", "--version", cwd=project, **env).stdout
    assert version.startswith("o16n ")


def check_passes(project: Path, offline: Offline) -> None:
    done = run("make", "check", cwd=project, check=False, **offline.env())
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def head(repo: Path) -> str:
    return run("git", "rev-parse", "HEAD", cwd=repo).stdout.strip()


def test_cookiecutter_from_a_relative_path(tmp_path: Path, offline: Offline) -> None:
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "o16n").symlink_to(ROOT)
    project, stderr = generate(BIN / "cookiecutter", "--no-input", "-o", tmp_path / "out",
                               "o16n", cwd=tmp_path / "work")  # fmt: skip
    project = tmp_path / "out" / SLUG
    assert spec_of(project) == str(ROOT)
    assert LOCAL_WARNING in stderr
    setup_installs_o16n(project, offline)


def test_cookiecutter_from_an_absolute_path_then_make_check(
    tmp_path: Path, offline: Offline
) -> None:
    project, _ = generate(BIN / "cookiecutter", "--no-input", "-o", "out", ROOT, cwd=tmp_path)
    assert spec_of(project) == str(ROOT)
    for path in project.glob("**/*.yaml"):  # editors find the schema each file names
        first = path.read_text().partition("\n")[0]
        if first.startswith(SCHEMA_COMMENT):
            assert (path.parent / first.removeprefix(SCHEMA_COMMENT)).is_file(), path
    setup_installs_o16n(project, offline)
    check_passes(project, offline)


def test_cookiecutter_from_a_file_git_url(
    tmp_path: Path, offline: Offline, git_clone: Path
) -> None:
    url = f"file://{git_clone}"
    project, stderr = generate(BIN / "cookiecutter", "--no-input", "-o", "out", url, cwd=tmp_path)
    assert spec_of(project) == f"o16n @ git+{url}@{head(git_clone)}"
    assert LOCAL_WARNING in stderr  # a file:// URL does not reach CI either
    setup_installs_o16n(project, offline)


def test_cruft_create_from_a_file_git_url_then_make_check(
    tmp_path: Path, offline: Offline, git_clone: Path
) -> None:
    url = f"file://{git_clone}"
    project, _ = generate(BIN / "cruft", "create", "--no-input", "--output-dir", "out", url,
                          cwd=tmp_path)  # fmt: skip
    assert spec_of(project) == f"o16n @ git+{url}@{head(git_clone)}"
    assert run("git", "status", "--porcelain", cwd=project).stdout == ""
    setup_installs_o16n(project, offline)
    check_passes(project, offline)


def test_o16n_new_from_a_checkout(tmp_path: Path, offline: Offline) -> None:
    project, stderr = generate(BIN / "python", "-m", "o16n", "new", "--no-input", "-o", "out",
                               cwd=tmp_path)  # fmt: skip
    assert spec_of(project) == str(ROOT)
    assert LOCAL_WARNING in stderr
    setup_installs_o16n(project, offline)


def test_o16n_new_from_a_wheel_installed_from_a_file(tmp_path: Path, offline: Offline) -> None:
    run(BIN / "python", "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
        "--wheel-dir", tmp_path / "dist", ROOT, cwd=ROOT)  # fmt: skip
    wheel = next((tmp_path / "dist").glob("o16n-*.whl"))
    venv = tmp_path / "user-venv"
    run(BASE_PYTHON, "-m", "venv", venv, cwd=tmp_path)
    env = offline.env()
    run(venv / "bin/python", "-m", "pip", "install", "--quiet", "--no-deps", wheel, cwd=tmp_path,
        **env)  # fmt: skip
    project, stderr = generate(venv / "bin/o16n", "new", "--no-input", "-o", "out", cwd=tmp_path,
                               **env)  # fmt: skip
    assert spec_of(project) == f"o16n @ {wheel.as_uri()}"
    assert LOCAL_WARNING in stderr
    setup_installs_o16n(project, offline)


def test_an_explicit_spec_wins_and_o16n_spec_overrides_the_file(
    tmp_path: Path, offline: Offline
) -> None:
    answer = "_o16n_spec=o16n @ git+https://example.com/o16n@abc"
    project, _ = generate(BIN / "cookiecutter", "--no-input", "-o", "out", ROOT, answer,
                          cwd=tmp_path)  # fmt: skip
    assert spec_of(project) == "o16n @ git+https://example.com/o16n@abc"
    # the spec in the file cannot be installed here; the make variable takes another
    run("make", "setup", f"PYTHON={BASE_PYTHON}", cwd=project, **{**offline.env(),
        "O16N_SPEC": str(ROOT)})  # fmt: skip
    assert (project / ".venv/bin/o16n").is_file()


def test_an_answer_that_is_not_one_requirement_is_ignored_with_a_warning(tmp_path: Path) -> None:
    answer = "_o16n_spec=--index-url=https://attacker.example/simple"
    project, stderr = generate(BIN / "cookiecutter", "--no-input", "-o", "out", ROOT, answer,
                               cwd=tmp_path)  # fmt: skip
    assert "is not one requirement line; it is ignored. Fix: " in stderr
    assert "attacker" not in (project / REQUIREMENTS).read_text()
    assert spec_of(project) == str(ROOT)
