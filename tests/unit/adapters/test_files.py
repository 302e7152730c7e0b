"""adapters.files: a file written whole or not at all, and hashed by content."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from o16n.adapters import files
from o16n.adapters.files import file_digest, write_text_atomic
from o16n.errors import ConfigError


@pytest.fixture
def umask() -> Iterator[None]:
    """Restores the process umask a test changes."""
    saved = os.umask(0o022)
    os.umask(saved)
    yield
    os.umask(saved)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_text_is_written_as_utf8(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    write_text_atomic(target, "Zürich → Oslo\n")
    assert target.read_bytes() == "Zürich → Oslo\n".encode()


def test_missing_parent_folders_are_created(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "nested" / "deeper" / "check.json"
    write_text_atomic(target, "{}\n")
    assert target.read_text(encoding="utf-8") == "{}\n"


def test_an_existing_file_is_replaced_not_rewritten_in_place(tmp_path: Path) -> None:
    target = tmp_path / "check.md"
    target.write_text("old report\n", encoding="utf-8")
    with target.open(encoding="utf-8") as reader:  # a reader that opened the old file
        write_text_atomic(target, "new report\n")
        assert reader.read() == "old report\n"
    assert target.read_text(encoding="utf-8") == "new report\n"


def test_no_temporary_file_is_left_after_a_write(tmp_path: Path) -> None:
    write_text_atomic(tmp_path / "a.json", "1\n")
    write_text_atomic(tmp_path / "a.json", "2\n")
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_a_failed_write_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.md"
    text = "x" * 100_000 + "\udc80"  # a lone surrogate: UTF-8 cannot encode it, mid-write
    with pytest.raises(UnicodeEncodeError):
        write_text_atomic(target, text)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_a_failed_write_keeps_the_previous_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    target.write_text("the previous report\n", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_text_atomic(target, "the new one, broken: \udc80")
    assert target.read_text(encoding="utf-8") == "the previous report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_a_failed_rename_removes_the_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(source: str, target: str | Path) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(files.os, "replace", refuse)
    with pytest.raises(ConfigError, match="report.md: cannot write the file: disk gone"):
        write_text_atomic(tmp_path / "report.md", "text\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_the_file_mode_follows_the_umask(tmp_path: Path, umask: None, mask: int, mode: int) -> None:
    os.umask(mask)
    target = tmp_path / "report.md"
    write_text_atomic(target, "text\n")
    assert _mode(target) == mode


def test_a_replaced_file_gets_the_umask_mode_not_the_temporary_files(
    tmp_path: Path, umask: None
) -> None:
    os.umask(0o002)
    target = tmp_path / "report.md"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o600)
    write_text_atomic(target, "new\n")
    assert _mode(target) == 0o664


@pytest.mark.parametrize("algorithm", ["sha256", "md5"])
def test_file_digest_is_hashlibs_hex_digest(tmp_path: Path, algorithm: str) -> None:
    content = bytes(range(256)) * 5000  # over a megabyte, read in more than one chunk
    path = tmp_path / "model.joblib"
    path.write_bytes(content)
    assert file_digest(path, algorithm) == hashlib.new(algorithm, content).hexdigest()


def test_file_digest_is_sha256_by_default(tmp_path: Path) -> None:
    path = tmp_path / "empty"
    path.write_bytes(b"")
    assert file_digest(path) == hashlib.sha256(b"").hexdigest()
    assert file_digest(path) != file_digest(path, "md5")


def test_file_digest_of_a_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        file_digest(tmp_path / "absent")


def test_a_file_that_cannot_be_written_is_named_with_why(tmp_path: Path) -> None:
    in_the_way = tmp_path / "reports"
    in_the_way.write_text("a file where a folder should be")
    with pytest.raises(ConfigError, match=r"x.json: cannot write the file: .*reports is a file"):
        write_text_atomic(in_the_way / "x.json", "{}")
    folder = tmp_path / "out.json"
    folder.mkdir()
    with pytest.raises(ConfigError, match="out.json: cannot write the file: it is a folder"):
        write_text_atomic(folder, "{}")
    assert sorted(tmp_path.iterdir()) == sorted([folder, in_the_way])  # no temp file left
    assert not any(folder.iterdir())


def test_an_output_path_that_cannot_be_written_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from o16n.cli.main import main

    data = tmp_path / "data.csv"
    data.write_text("x\n1\n2\n")
    (tmp_path / "m1").write_text("")
    assert main(["profile", str(data), "-o", str(tmp_path / "m1" / "ref.json")]) == 2
    assert "m1 is a file, not a folder" in capsys.readouterr().err
