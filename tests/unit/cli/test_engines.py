"""`--engine` on `o16n profile` and `o16n health`: parts profiled on the local pool or dask give
the profile of the whole file, the health report is the same, and wrong flags, a missing extra
or an unreachable scheduler exit 2 with the fix named and no report written."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import pytest

from o16n.cli import main as cli
from o16n.errors import ConfigError
from o16n.health.engines import require
from o16n.health.stats.codec import from_json
from o16n.health.stats.model import Profile
from tests.unit.health.engines.conftest import assert_same, table, write_parts


@pytest.fixture
def parts(tmp_path: Path) -> tuple[Path, list[Path]]:
    whole = table()
    (one,) = write_parts(whole, tmp_path / "whole", [])
    return one, write_parts(whole, tmp_path / "parts", [0, 1, 1500])


def _profile(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    code = cli.main(["profile", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out + err


def _read(path: Path) -> Profile:
    return from_json(path.read_text())


def test_profile_of_parts_on_a_pool_is_the_profile_of_the_file(
    parts: tuple[Path, list[Path]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, pieces = parts
    assert _profile(capsys, one, "-o", tmp_path / "one.json")[0] == 0
    code, out = _profile(capsys, *pieces, "--workers", "2", "-o", tmp_path / "parts.json")
    assert code == 0, out
    assert "profiled 3000 rows" in out
    assert_same(_read(tmp_path / "parts.json"), _read(tmp_path / "one.json"))


def test_health_on_an_engine_reports_what_local_reports(
    parts: tuple[Path, list[Path]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, _ = parts
    reports = []
    for engine in (["--engine", "local"], ["--engine", "local", "--workers", "2"]):
        out = tmp_path / f"report-{len(reports)}.json"
        code = cli.main(
            ["health", "--reference", str(one), "--current", str(one), "-o", str(out), *engine]
        )
        capsys.readouterr()
        assert code == 0
        report = json.loads(out.read_text())
        reports.append((report["severity"], report["counts"], report["findings"], report["drift"]))
    assert reports[0] == reports[1]


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--workers", "0"], "--workers 0"),
        (["--engine", "local", "--scheduler", "tcp://127.0.0.1:1"], "--scheduler is for"),
        (["--engine", "dask", "--master", "spark://127.0.0.1:1"], "--master is for"),
        (["--scheduler", "notanaddress"], "dask scheduler at notanaddress"),  # not the data's
        (["--master", "notaurl"], "--master notaurl: not a Spark master URL"),
        (["--master", "local[x]"], "--master local[x]: not a Spark master URL"),
        (["--master", "spark://"], "--master spark://: not a Spark master URL"),
    ],
)
def test_wrong_engine_flags_exit_2(
    flags: list[str],
    named: str,
    parts: tuple[Path, list[Path]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = _profile(capsys, parts[0], "-o", tmp_path / "p.json", *flags)
    assert code == 2 and named in out
    assert not (tmp_path / "p.json").exists()


def test_a_missing_extra_names_its_install() -> None:
    with pytest.raises(ConfigError) as caught:
        require("o16n_no_such_module", "dask")
    assert caught.value.hint == 'pip install "o16n[dask]"'


def test_dask_missing_exits_2_naming_the_extra(
    parts: tuple[Path, list[Path]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda n, *a: None if n == "distributed" else real(n, *a)
    )
    code, out = _profile(capsys, parts[0], "--engine", "dask", "-o", tmp_path / "p.json")
    assert code == 2 and 'pip install "o16n[dask]"' in out
    assert not (tmp_path / "p.json").exists()


@pytest.mark.slow
def test_an_unreachable_scheduler_in_health_yaml_exits_2_with_no_report(
    parts: tuple[Path, list[Path]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("distributed")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    config = tmp_path / "health.yaml"
    config.write_text(
        f"version: 1\nengine:\n  name: dask\n  scheduler: {address}\n  timeout: 2\n"
        "triggers:\n  - {id: schema, check: schema}\n"
    )
    out = tmp_path / "report.json"
    code = cli.main(
        ["health", "--config", str(config), "--reference", str(parts[0])]
        + ["--current", str(parts[0]), "-o", str(out)]
    )
    text = "".join(capsys.readouterr()).replace("\n", " ")
    assert code == 2 and f"dask scheduler at {address} within 2 s" in text
    assert not out.exists()


def test_an_engine_key_for_the_wrong_engine_is_a_config_error(
    parts: tuple[Path, list[Path]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "health.yaml"
    config.write_text(
        "version: 1\nengine:\n  name: local\n  master: spark://x:7077\n"
        "triggers:\n  - {id: schema, check: schema}\n"
    )
    code = cli.main(["health", "--config", str(config), "--reference", str(parts[0])])
    text = "".join(capsys.readouterr())
    assert code == 2 and "`master` is for name: spark" in text and "health.yaml" in text
