"""The CLI contract: exit codes, --version, --help everywhere, plain output without a terminal."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from o16n import __version__
from o16n.cli import main as cli
from o16n.cli.errorhandler import crash_log_path
from o16n.errors import EXIT_UNEXPECTED, EXIT_USAGE
from tests.conftest import BIN, run

ANSI = re.compile(r"\x1b\[")


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"o16n {__version__}"


@pytest.mark.parametrize("command", sorted(cli.COMMANDS))
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main([command, "--help"])
    assert exit_.value.code == 0
    assert cli.COMMANDS[command] in capsys.readouterr().out


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == EXIT_USAGE
    assert "COMMAND" in capsys.readouterr().out


def test_unknown_flag_is_a_usage_error_naming_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["check", "--bogus"])
    assert exit_.value.code == EXIT_USAGE
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_unknown_skip_step_names_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["check", "--skip", "nothing"])
    assert exit_.value.code == EXIT_USAGE
    assert "argument --skip: invalid choice: 'nothing'" in capsys.readouterr().err


def test_new_rejects_an_answer_without_equals(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["new", "--no-input", "model_kind"]) == EXIT_USAGE
    assert "answer 'model_kind' is not KEY=VALUE" in capsys.readouterr().err


def test_new_rejects_an_unknown_answer_and_lists_the_known_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["new", "--no-input", "colour=blue"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "unknown answer 'colour'" in err
    assert "model_kind" in err


def test_check_outside_a_project_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["check", "--project", str(tmp_path)]) == EXIT_USAGE
    assert "not an o16n project: no .git or dvc.yaml here" in capsys.readouterr().err


def test_unexpected_error_exits_3_with_a_log_that_has_versions(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from o16n.cli.commands import check

    def explode(*_: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(check, "run", explode)
    assert cli.main(["check"]) == EXIT_UNEXPECTED
    err = capsys.readouterr().err
    assert "unexpected error: RuntimeError: boom" in err
    log = crash_log_path().read_text()
    assert f"- o16n: {__version__}" in log
    assert "- dvc: " in log and "- python: " in log
    assert "RuntimeError: boom" in log


def test_output_is_plain_when_not_a_terminal(tmp_path: Path) -> None:
    done = run(BIN / "o16n", "check", "--project", tmp_path, cwd=tmp_path, check=False)
    assert done.returncode == EXIT_USAGE
    assert "error:" in done.stderr
    assert not ANSI.search(done.stderr + done.stdout)


def test_no_color_turns_colour_off_even_on_a_forced_terminal(tmp_path: Path) -> None:
    coloured = run(
        BIN / "o16n", "check", "--project", tmp_path, cwd=tmp_path, check=False, FORCE_COLOR="1"
    )
    plain = run(
        BIN / "o16n",
        "check",
        "--project",
        tmp_path,
        cwd=tmp_path,
        check=False,
        FORCE_COLOR="1",
        NO_COLOR="1",
    )
    assert ANSI.search(coloured.stderr)
    assert not ANSI.search(plain.stderr)
    assert "error:" in plain.stderr


def test_only_the_named_commands_flags_are_built() -> None:
    from o16n.cli.main import build_parser, chosen

    assert chosen(["--no-color", "health", "--reference", "profile"]) == "health"
    assert chosen(["--version"]) is None and chosen(["bogus"]) is None
    parser = build_parser("history")
    args = parser.parse_args(["history", "--env", "staging"])
    assert args.env == ["staging"]
    with pytest.raises(SystemExit):  # another command is listed, its flags not loaded
        parser.parse_args(["profile", "data.csv", "-o", "p.json"])


@pytest.mark.parametrize(
    ("objects", "options"),
    [
        (("profiled 3 rows, 2 columns (1 numeric, 1 categorical) -> out/ref.json",), {}),
        (("report: reports/health.json",), {"highlight": False}),
        (("a plain (x) line, long " + "word " * 40,), {}),  # soft wrap: never cut
        (("[bold]error:[/] markup",), {}),  # rich's from here on
        (("emoji :smile: code",), {}),
        (("tab\there",), {}),
        (("two\nlines",), {}),
        (("a", "b"), {}),
        (("highlighted 123",), {"highlight": True}),
        (("styled",), {"style": "bold"}),
    ],
)
def test_the_console_prints_what_rich_prints(
    objects: tuple[str, ...], options: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    """A plain line goes out without loading rich; anything else through rich, which a console
    made at once prints the same way."""
    from rich.console import Console

    from o16n.cli.console import _rich_console, make_console

    for no_color in (True, False):
        make_console(no_color=no_color).print(*objects, **options)
        ours = capsys.readouterr().out
        theirs: Console = _rich_console(stderr=False, plain=no_color)
        theirs.print(*objects, **options)
        assert ours == capsys.readouterr().out


def test_a_batch_command_prints_without_loading_rich(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_text("x,c\n1,a\n2,b\n")
    code = f"""
import sys
from o16n.cli.main import main
assert main(["profile", {str(data)!r}, "-o", {str(tmp_path / "p.json")!r}]) == 0
assert main(["health", "--reference", {str(tmp_path / "p.json")!r}, "--current",
             {str(data)!r}, "--format", "json", "-o", {str(tmp_path / "h.json")!r}]) in (0, 1)
print("rich loaded:", "rich" in sys.modules)
"""
    done = run(sys.executable, "-c", code, cwd=tmp_path)
    assert "profiled 2 rows" in done.stdout and "report: " in done.stdout
    assert done.stdout.strip().endswith("rich loaded: False")
