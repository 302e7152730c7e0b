"""Tables in a bucket: parts under s3://bucket/prefix/ on a real S3-compatible server on
127.0.0.1 (moto in server mode, as DVC's tests use it) profile to the local profile of the same
rows; a missing bucket, refused credentials and an endpoint that does not answer are exit 2,
named, with no report written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from o16n.cli import main as cli
from o16n.errors import ConfigError
from o16n.health.stats import locations
from o16n.health.stats.files import profile_data
from tests.conftest import free_port
from tests.unit.health.stats.test_sources import as_json, close, table, write_parts

pytest.importorskip("s3fs")
pytest.importorskip("moto.server")


def moto_server(**env: str) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("moto server did not start")
        yield url
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    yield from moto_server()


@pytest.fixture(scope="session")
def s3_with_auth() -> Iterator[str]:
    """A server that checks credentials against its (empty) IAM: every key is refused."""
    yield from moto_server(INITIAL_NO_AUTH_ACTION_COUNT="0")


@pytest.fixture
def s3(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return s3_endpoint


def bucket_with(tmp_path: Path, name: str, local: Path) -> str:
    import s3fs

    fs = s3fs.S3FileSystem(endpoint_url=os.environ["AWS_ENDPOINT_URL"], skip_instance_cache=True)
    if not fs.exists(name):
        fs.mkdir(name)
    fs.put(str(local), f"{name}/{local.name}", recursive=True)
    return f"s3://{name}/{local.name}"


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_parts_in_a_bucket_profile_as_the_local_file(s3: str, tmp_path: Path, fmt: str) -> None:
    frame = table()
    whole = tmp_path / f"whole.{fmt}"
    frame.to_parquet(whole, index=False) if fmt == "parquet" else frame.to_csv(whole, index=False)
    folder = write_parts(frame, tmp_path / f"batch-{fmt}", [0, 1, 150, 249], fmt)
    url = bucket_with(tmp_path, "data", folder)
    reference = profile_data(whole)
    close(as_json(reference), as_json(profile_data(f"{url}/")))
    close(as_json(reference), as_json(profile_data(f"{url}/part-*.{fmt}")))
    close(
        as_json(profile_data(whole, like=reference)),
        as_json(profile_data(url, like=reference)),
    )
    parts = locations.expand(url)
    assert [p.url for p in parts.parts] == [f"{url}/part-{i:03d}.{fmt}" for i in range(4)]
    assert not parts.local and parts.storage_options["endpoint_url"] == s3


def test_cli_profile_and_health_from_a_bucket(
    s3: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_parts(table(), tmp_path / "reference", [200, 200], "parquet")
    current = write_parts(table(seed=3), tmp_path / "current", [10, 390], "parquet")
    ref_url, cur_url = (bucket_with(tmp_path, "cli", f) for f in (folder, current))
    out = tmp_path / "ref.json"
    assert cli.main(["profile", ref_url, "-o", str(out)]) == 0
    assert json.loads(out.read_text())["rows"] == 400
    bucket_with(tmp_path, "cli", out)  # a reference profile in the bucket, too
    report = tmp_path / "report.json"
    argv = ["health", "--reference", f"{ref_url.rsplit('/', 1)[0]}/ref.json"]
    assert cli.main([*argv, "--current", cur_url, "-o", str(report)]) in (0, 1)
    assert report.is_file()


def test_a_missing_bucket_is_named(s3: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="the bucket 'no-such-bucket' does not exist"):
        profile_data("s3://no-such-bucket/batches/")
    bucket_with(tmp_path, "there", write_parts(table(), tmp_path / "x", [400], "csv"))
    with pytest.raises(ConfigError, match="data not found"):
        profile_data("s3://there/nothing-here/")
    report = tmp_path / "report.json"
    ref = tmp_path / "ref.csv"
    table().to_csv(ref, index=False)
    argv = ["health", "--reference", str(ref), "--current", "s3://no-such-bucket/b/"]
    assert cli.main([*argv, "-o", str(report)]) == 2
    assert not report.exists()


def test_refused_credentials_are_named(
    s3_with_auth: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_with_auth)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAWRONGWRONGWRONG1")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with pytest.raises(ConfigError, match="refused access") as caught:
        profile_data("s3://private/batches/")
    assert "s3://private/batches/" in str(caught.value)
    assert "AWS_ACCESS_KEY_ID" in str(caught.value)
    out = tmp_path / "ref.json"
    assert cli.main(["profile", "s3://private/batches/", "-o", str(out)]) == 2
    assert not out.exists()


def test_an_unreachable_endpoint_is_named_with_its_address(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    address = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    monkeypatch.setenv("AWS_ENDPOINT_URL", address)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    started = time.monotonic()
    with pytest.raises(ConfigError, match="cannot reach the storage") as caught:
        profile_data("s3://data/batches/")
    assert address in str(caught.value)
    assert time.monotonic() - started < 30
    out = tmp_path / "ref.json"
    assert cli.main(["profile", "s3://data/batches/", "-o", str(out)]) == 2
    assert not out.exists()


def test_a_scheme_without_its_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gcsfs", None)  # as if gcsfs were not installed
    with pytest.raises(ConfigError, match="needs gcsfs") as caught:
        profile_data("gs://bucket/batches/")
    assert 'pip install "o16n[gcs]"' in str(caught.value)


@pytest.mark.parametrize(
    "url", ["ftp://host/x.parquet", "hdfs://nn/x.parquet", "http://127.0.0.1:1/x.parquet"]
)
def test_a_storage_o16n_does_not_read_is_named(url: str, tmp_path: Path) -> None:
    scheme = url.split("://")[0]
    with pytest.raises(ConfigError, match=f"{scheme}:// is not a storage o16n reads") as caught:
        profile_data(url)
    assert caught.value.hint is not None and "s3://" in caught.value.hint
    assert cli.main(["profile", url, "-o", str(tmp_path / "p.json")]) == 2


def test_the_newest_batch_under_a_bucket_prefix_is_scored_from_one_file(
    s3: str, tmp_path: Path
) -> None:
    from o16n.lifecycle import monitor

    batches = tmp_path / "batches"
    write_parts(table(), batches / "2026-11-01", [400], "parquet")
    write_parts(table(seed=2), batches / "2026-11-02", [100, 300], "parquet")
    (batches / "_tmp").mkdir()
    url = bucket_with(tmp_path, "prod", batches)
    newest = monitor.newest_batch(tmp_path, f"{url}/")
    assert newest == f"{url}/2026-11-02"
    one = monitor.local_batch(tmp_path, newest)
    assert one.name == "2026-11-02.parquet"
    close(as_json(profile_data(one)), as_json(profile_data(newest)))
    with pytest.raises(ConfigError, match="does not exist"):
        monitor.newest_batch(tmp_path, "s3://no-such-bucket/batches/")


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["local", "dask", "spark"])
def test_engines_read_the_bucket_themselves(s3: str, tmp_path: Path, engine: str) -> None:
    """Each worker opens its part at the URL with credentials from its own environment (here
    the CLI's, which its pool, cluster or Spark session inherits); the profile is the default
    engine's."""
    pytest.importorskip({"local": "os", "dask": "distributed", "spark": "pyspark"}[engine])
    folder = write_parts(table(), tmp_path / f"batch-{engine}", [0, 1, 150, 249], "parquet")
    url = bucket_with(tmp_path, f"engine-{engine}", folder)
    out = tmp_path / "profile.json"
    argv = [sys.executable, "-m", "o16n", "profile", f"{url}/", "-o", str(out)]
    ran = subprocess.run(
        [*argv, "--engine", engine, "--workers", "2"], capture_output=True, text=True, timeout=300
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    close(as_json(profile_data(url)), json.loads(out.read_text()))


def test_no_credentials_at_all_is_named(
    s3: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = bucket_with(tmp_path, "nocreds", write_parts(table(), tmp_path / "n", [400], "csv"))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()  # fsspec keeps filesystems made with the old keys
    with pytest.raises(ConfigError, match="no credentials to read it") as caught:
        profile_data(url)
    assert "AWS_ACCESS_KEY_ID" in (caught.value.hint or "")
