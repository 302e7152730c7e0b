"""`o16n serve` and `o16n predict` refuse what they cannot do, naming the flag or the setting."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from o16n.cli.main import main
from o16n.errors import EXIT_OK, EXIT_USAGE


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "o16n.yaml").write_text("version: 1\nmodel: churn\n")
    (tmp_path / "rows.csv").write_text("x,target\n1.0,0\n")
    return tmp_path


def o16n(project: Path, *args: str) -> int:
    return main(["--no-color", *args, "--project", str(project)])


def test_an_unknown_environment_is_named(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert o16n(project, "serve", "--env", "qa", "--status") == EXIT_USAGE
    err = capsys.readouterr().err
    assert "--env qa: not an environment of o16n.yaml" in err
    assert "one of: staging, production" in err


def test_the_kserve_target_is_not_served_here(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "o16n.yaml").write_text("version: 1\nmodel: churn\nserving: {target: kserve}\n")
    assert o16n(project, "serve", "--env", "staging") == EXIT_USAGE
    err = capsys.readouterr().err
    assert "o16n.yaml serving.target is 'kserve'" in err
    assert "set serving.target: local" in err


def test_sync_and_stop_without_a_server(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert o16n(project, "serve", "--env", "staging", "--sync") == EXIT_USAGE
    assert "no o16n serve runs for staging" in capsys.readouterr().err
    assert o16n(project, "serve", "--env", "staging", "--stop") == EXIT_OK
    assert "o16n serve is not running for staging" in capsys.readouterr().out


def test_predict_names_the_server_that_does_not_answer(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    code = o16n(
        project, "predict", "--env", "staging", "--data", str(project / "rows.csv"), "--url", url
    )
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"no server answers at {url}" in err
    assert "o16n serve --env staging --detach" in err


@pytest.mark.parametrize(
    ("flags", "message"),
    [(["--rows", "0"], "--rows 0: give at least 1"), (["--url", "ftp://x"], "--url ftp://x")],
)
def test_predict_flags_are_checked(
    project: Path, capsys: pytest.CaptureFixture[str], flags: list[str], message: str
) -> None:
    args = ["predict", "--env", "staging", "--data", str(project / "rows.csv"), *flags]
    assert o16n(project, *args) == EXIT_USAGE
    assert message in capsys.readouterr().err
