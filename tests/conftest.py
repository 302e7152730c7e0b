"""Shared fixtures: an isolated environment (git identity, DVC remotes, cookiecutter config) and
`bake`, which generates a project from this repository's template with real cookiecutter."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.fixture
def github_no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """The GitHub client retries at once instead of backing off."""
    from o16n.adapters.github import client

    monkeypatch.setattr(client, "SLEEP", lambda seconds: None)


@pytest.fixture(scope="session", autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test reads or writes the user's git identity, DVC remotes or cookiecutter config."""
    home = tmp_path_factory.mktemp("home")
    config = home / "cookiecutterrc.yaml"
    config.write_text(
        f"cookiecutters_dir: {home / 'cookiecutters'}\nreplay_dir: {home / 'replay'}\n"
    )
    os.environ.update(
        {
            "COOKIECUTTER_CONFIG": str(config),
            "O16N_REMOTE_HOME": str(home / "remotes"),
            "XDG_CACHE_HOME": str(home / "cache"),
            "GIT_AUTHOR_NAME": "Test Author",
            "GIT_AUTHOR_EMAIL": "author@example.com",
            "GIT_COMMITTER_NAME": "Test Author",
            "GIT_COMMITTER_EMAIL": "author@example.com",
            "GIT_CONFIG_GLOBAL": str(home / "gitconfig"),
            "DVC_NO_ANALYTICS": "1",
            "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")]),
        }
    )
    os.environ.pop("GITHUB_STEP_SUMMARY", None)
    os.environ.pop("O16N_SIGNING_KEY", None)


def run(
    *command: str | Path, cwd: Path, check: bool = True, **env: str
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"{command} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def cookiecutter(
    template: str | Path, out: Path, cwd: Path = ROOT, **answers: str
) -> subprocess.CompletedProcess[str]:
    pairs = [f"{key}={value}" for key, value in answers.items()]
    return run(
        BIN / "cookiecutter", "--no-input", "-o", out, template, *pairs, cwd=cwd, check=False
    )


Bake = Callable[..., Path]


def copy_tree(source: Path, target: Path) -> Path:
    """A copy of a generated project, or of a folder holding projects and their keys, as it was
    left: git, DVC's cache, keys with their modes. DVC's scratch (`.dvc/tmp`: locks, its state
    by inode) is left out; DVC makes it again. The DVC remote is outside, in O16N_REMOTE_HOME,
    which every project with the same slug shares in a session anyway."""

    def scratch(folder: str, names: list[str]) -> set[str]:
        return {"tmp"} & set(names) if os.path.basename(folder) == ".dvc" else set()

    shutil.copytree(source, target, symlinks=True, ignore=scratch, dirs_exist_ok=True)
    return target


@pytest.fixture(scope="session")
def generated_once(tmp_path_factory: pytest.TempPathFactory) -> Bake:
    """A project generated (real cookiecutter, real hooks: git, `dvc repro`, `dvc push`, the
    first commit) once per set of answers in this session's worker: the original that `bake`
    copies."""
    made: dict[tuple[tuple[str, str], ...], Path] = {}

    def generate(**answers: str) -> Path:
        key = tuple(sorted(answers.items()))
        if key not in made:
            out = tmp_path_factory.mktemp("generated")
            done = cookiecutter(ROOT, out, **answers)
            assert done.returncode == 0, done.stderr
            made[key] = out / (answers.get("project_slug") or "credit-risk-model")
        return made[key]

    return generate


@pytest.fixture
def bake(tmp_path: Path, generated_once: Bake) -> Bake:
    """A freshly generated project in this test's folder, returned as its directory. It is a
    copy of one generated with the same answers earlier in the session (the tests of generation
    itself run cookiecutter each time): generation's nine seconds, `dvc repro` most of them,
    are paid once."""

    def _bake(**answers: str) -> Path:
        original = generated_once(**answers)
        return copy_tree(original, tmp_path / original.name)

    return _bake


def cruft_state(project: Path) -> dict[str, object]:
    return json.loads((project / ".cruft.json").read_text())


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (for a server a test starts)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
