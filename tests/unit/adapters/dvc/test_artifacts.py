"""adapters.dvc.artifacts: the exact bytes of an output, from the DVC cache or remote, checked."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from dvc.repo import Repo

from o16n.adapters.dvc import artifacts
from o16n.adapters.dvc.artifacts import ArtifactError
from o16n.errors import EXIT_USAGE, ConfigError
from tests.pipeline_repo import make_repo

REL = "models/model.joblib"
COMMIT = "0123456789abcdef" * 2 + "01234567"
MODEL_BYTES = b"a trained model, pickled\n" * 100


def md5(content: bytes) -> str:
    return hashlib.md5(content).hexdigest()


def cached(root: Path, content: bytes) -> Path:
    """`content` stored as DVC 3 stores an object: files/md5/<first 2 hex>/<other 30>."""
    digest = md5(content)
    path = root / "files" / "md5" / digest[:2] / digest[2:]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with `dvc init` done, and no DVC config but its own."""
    monkeypatch.setenv("DVC_GLOBAL_CONFIG_DIR", str(tmp_path / "dvc-global"))
    monkeypatch.setenv("DVC_SYSTEM_CONFIG_DIR", str(tmp_path / "dvc-system"))
    path = make_repo(tmp_path / "project")
    Repo.init(str(path)).close()
    return path


def add_remote(project: Path, url: Path) -> None:
    with Repo(str(project)) as repo, repo.config.edit() as conf:
        conf["remote"]["store"] = {"url": str(url)}
        conf["core"]["remote"] = "store"


def test_fetch_copies_the_object_from_the_projects_dvc_cache(project: Path, tmp_path: Path) -> None:
    cached(project / ".dvc" / "cache", MODEL_BYTES)
    destination = tmp_path / "serving" / "staging" / "model.joblib"
    got = artifacts.fetch(project, REL, md5(MODEL_BYTES), COMMIT, destination)
    assert got == destination
    assert destination.read_bytes() == MODEL_BYTES
    assert [p.name for p in destination.parent.iterdir()] == ["model.joblib"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # inside DVC
def test_fetch_finds_what_dvc_add_put_in_the_cache(project: Path, tmp_path: Path) -> None:
    (project / "model.bin").write_bytes(MODEL_BYTES)
    with Repo(str(project)) as repo:
        repo.add(str(project / "model.bin"))
    (project / "model.bin").unlink()
    destination = tmp_path / "out" / "model.bin"
    artifacts.fetch(project, "model.bin", md5(MODEL_BYTES), COMMIT, destination)
    assert destination.read_bytes() == MODEL_BYTES


def test_bytes_that_do_not_match_the_md5_are_refused_and_nothing_is_written(
    project: Path, tmp_path: Path
) -> None:
    wanted = md5(MODEL_BYTES)
    corrupt = project / ".dvc" / "cache" / "files" / "md5" / wanted[:2] / wanted[2:]
    corrupt.parent.mkdir(parents=True)
    corrupt.write_bytes(b"bit rot")
    destination = tmp_path / "out" / "model.joblib"
    with pytest.raises(ArtifactError) as caught:
        artifacts.fetch(project, REL, wanted, COMMIT, destination)
    assert caught.value.message == (
        f"{REL} of {COMMIT[:12]} has md5 {md5(b'bit rot')}, not the {wanted} "
        "the desired state names"
    )
    assert "dvc push" in (caught.value.hint or "")
    assert list(destination.parent.iterdir()) == []  # no destination, no temp file


def test_a_refused_fetch_keeps_the_previous_destination(project: Path, tmp_path: Path) -> None:
    wanted = md5(MODEL_BYTES)
    corrupt = project / ".dvc" / "cache" / "files" / "md5" / wanted[:2] / wanted[2:]
    corrupt.parent.mkdir(parents=True)
    corrupt.write_bytes(b"bit rot")
    destination = tmp_path / "serving" / "model.joblib"
    destination.parent.mkdir()
    destination.write_bytes(b"the model served until now")
    with pytest.raises(ArtifactError):
        artifacts.fetch(project, REL, wanted, COMMIT, destination)
    assert destination.read_bytes() == b"the model served until now"
    assert [p.name for p in destination.parent.iterdir()] == ["model.joblib"]


def test_a_destination_that_already_has_the_bytes_is_kept(tmp_path: Path) -> None:
    not_a_project = tmp_path / "nothing-here"  # not even opened: the bytes are already right
    destination = tmp_path / "model.joblib"
    destination.write_bytes(MODEL_BYTES)
    before = destination.stat()
    got = artifacts.fetch(not_a_project, REL, md5(MODEL_BYTES), COMMIT, destination)
    assert got == destination
    after = destination.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_destination_with_other_bytes_is_replaced(project: Path, tmp_path: Path) -> None:
    cached(project / ".dvc" / "cache", MODEL_BYTES)
    destination = tmp_path / "model.joblib"
    destination.write_bytes(b"an older model")
    artifacts.fetch(project, REL, md5(MODEL_BYTES), COMMIT, destination)
    assert destination.read_bytes() == MODEL_BYTES


def test_an_object_missing_from_the_cache_comes_from_the_default_remote(
    project: Path, tmp_path: Path
) -> None:
    remote = tmp_path / "remote"
    cached(remote, MODEL_BYTES)
    add_remote(project, remote)
    destination = tmp_path / "out" / "model.joblib"
    artifacts.fetch(project, REL, md5(MODEL_BYTES), COMMIT, destination)
    assert destination.read_bytes() == MODEL_BYTES


def test_an_object_in_neither_cache_nor_remote_is_an_artifact_error(
    project: Path, tmp_path: Path
) -> None:
    remote = tmp_path / "remote"
    cached(remote, b"some other artifact")
    add_remote(project, remote)
    destination = tmp_path / "out" / "model.joblib"
    wanted = md5(MODEL_BYTES)
    with pytest.raises(ArtifactError, match="is in neither the DVC cache nor the remote") as caught:
        artifacts.fetch(project, REL, wanted, COMMIT, destination)
    assert caught.value.message.startswith(f"{REL} ({wanted}) of {COMMIT[:12]} ")
    assert list(destination.parent.iterdir()) == []


def test_without_a_remote_a_missing_object_says_to_configure_one(
    project: Path, tmp_path: Path
) -> None:
    destination = tmp_path / "out" / "model.joblib"
    with pytest.raises(ArtifactError, match="no DVC remote is configured") as caught:
        artifacts.fetch(project, REL, md5(MODEL_BYTES), COMMIT, destination)
    assert "dvc remote add -d" in (caught.value.hint or "")
    assert list(destination.parent.iterdir()) == []


def test_a_folder_that_is_not_a_dvc_repository_is_an_artifact_error(tmp_path: Path) -> None:
    plain = make_repo(tmp_path / "plain")
    destination = tmp_path / "out" / "model.joblib"
    with pytest.raises(ArtifactError, match="is not a DVC repository") as caught:
        artifacts.fetch(plain, REL, md5(MODEL_BYTES), COMMIT, destination)
    assert caught.value.hint == "run o16n in the model repository (--project)"
    assert not destination.exists() and list(destination.parent.glob("*")) == []


def test_an_artifact_error_is_a_config_error() -> None:
    error = ArtifactError("missing")
    assert isinstance(error, ConfigError)
    assert error.exit_code == EXIT_USAGE


def test_md5_of_is_hashlibs_md5(tmp_path: Path) -> None:
    path = tmp_path / "blob"
    path.write_bytes(MODEL_BYTES)
    assert artifacts.md5_of(path) == hashlib.md5(MODEL_BYTES).hexdigest()
