"""adapters.proc: every subprocess o16n starts, in the project, in the pipeline's environment."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from o16n.adapters import proc
from o16n.errors import EXIT_USAGE, ToolError

PRINT_ENV = "import os, sys; print(os.getcwd()); print(os.environ['DVC_NO_ANALYTICS'])"


def test_path_starts_with_this_pythons_bin(tmp_path: Path) -> None:
    env = proc.project_env(tmp_path)
    first = env["PATH"].split(os.pathsep)[0]
    assert first == str(Path(sys.executable).parent)
    assert env["PATH"].endswith(os.environ["PATH"])


def test_the_projects_src_comes_first_on_pythonpath(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", "/opt/elsewhere")
    env = proc.project_env(tmp_path)
    assert env["PYTHONPATH"].split(os.pathsep) == [str(tmp_path / "src"), "/opt/elsewhere"]


def test_no_empty_entry_on_pythonpath_when_none_was_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTHONPATH", raising=False)
    assert proc.project_env(tmp_path)["PYTHONPATH"] == str(tmp_path / "src")


def test_dvc_analytics_are_off_and_the_rest_of_the_environment_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DVC_NO_ANALYTICS", "0")
    monkeypatch.setenv("O16N_TEST_MARK", "kept")
    env = proc.project_env(tmp_path)
    assert env["DVC_NO_ANALYTICS"] == "1"
    assert env["O16N_TEST_MARK"] == "kept"


def test_project_env_does_not_change_this_process(tmp_path: Path) -> None:
    before = dict(os.environ)
    proc.project_env(tmp_path)
    assert dict(os.environ) == before


def test_run_works_in_the_project_with_its_environment(tmp_path: Path) -> None:
    ran = proc.run([sys.executable, "-c", PRINT_ENV], tmp_path)
    assert ran.ok and ran.returncode == 0
    assert ran.output.splitlines() == [str(tmp_path), "1"]
    assert ran.command == (sys.executable, "-c", PRINT_ENV)


def test_run_interleaves_stderr_with_stdout(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "print('out 1', flush=True)\n"
        "print('err 2', file=sys.stderr, flush=True)\n"
        "print('out 3', flush=True)\n"
    )
    ran = proc.run([sys.executable, "-c", script], tmp_path)
    assert ran.output.splitlines() == ["out 1", "err 2", "out 3"]


def test_a_failing_command_is_a_result_not_an_exception(tmp_path: Path) -> None:
    ran = proc.run([sys.executable, "-c", "import sys; print('boom'); sys.exit(4)"], tmp_path)
    assert not ran.ok
    assert ran.returncode == 4
    assert ran.output == "boom\n"


def test_a_missing_program_is_a_tool_error_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(ToolError) as caught:
        proc.run(["o16n-no-such-program", "--version"], tmp_path)
    assert caught.value.message == "`o16n-no-such-program` is not installed"
    assert caught.value.hint == "install it and run again"
    assert caught.value.exit_code == EXIT_USAGE


def test_tail_keeps_the_last_lines_without_surrounding_blank_lines() -> None:
    ran = proc.Ran(("x",), 1, "\n".join(f"line {i}" for i in range(1, 51)) + "\n\n")
    assert ran.tail(3) == "line 48\nline 49\nline 50"
    assert ran.tail().splitlines()[0] == "line 21"  # 30 lines by default
    assert proc.Ran(("x",), 1, "only\n").tail() == "only"


def test_python_module_runs_with_this_python(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "o16n_probe.py").write_text(
        "import sys\nprint(sys.executable)\nprint(sys.argv[1:])\n"
    )
    ran = proc.python_module("o16n_probe", "a", "b", project=tmp_path)
    assert ran.ok, ran.output
    assert ran.output.splitlines() == [sys.executable, "['a', 'b']"]


def test_has_module_finds_installed_modules_only() -> None:
    assert proc.has_module("yaml")
    assert not proc.has_module("o16n_no_such_module")


def test_feed_gives_stdin_and_keeps_stdout_binary_and_stderr_apart(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "data = sys.stdin.buffer.read()\n"
        "sys.stdout.buffer.write(data[::-1] + b'\\x00\\xff')\n"
        "print('said on stderr', file=sys.stderr)\n"
    )
    fed = proc.feed([sys.executable, "-c", script], b"abc\n", tmp_path)
    assert fed.ok and fed.output == b"\ncba\x00\xff"
    assert fed.errors == "said on stderr\n"
    failed = proc.feed([sys.executable, "-c", "import sys; sys.exit(3)"], b"", tmp_path)
    assert not failed.ok and failed.returncode == 3


def test_feed_of_a_missing_program_is_a_tool_error(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="`o16n-no-such-program` is not installed"):
        proc.feed(["o16n-no-such-program"], b"", tmp_path)
