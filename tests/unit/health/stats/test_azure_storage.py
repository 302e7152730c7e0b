"""Tables in Azure Blob Storage: parts under az://container/prefix/ on Azurite, Microsoft's
Azure Storage emulator (npm, installed by `make tools`), on 127.0.0.1. The same profile as the
local file; a missing container, and a wrong account key are exit 2, named.
(An endpoint that does not answer is named too, after the Azure SDK's own retries, about a
minute: too long for a unit test; the S3 tests cover the message.)"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from o16n.errors import ConfigError
from o16n.health.engines import Engine, profile_source
from o16n.health.stats.files import profile_data
from tests.conftest import free_port
from tests.unit.health.stats.test_sources import as_json, close, table, write_parts

pytest.importorskip("adlfs")
AZURITE = Path(__file__).resolve().parents[4] / ".tools" / "node_modules" / ".bin" / "azurite-blob"
if not AZURITE.exists():
    pytest.skip("Azurite is not installed: run `make tools`", allow_module_level=True)

# Azurite's well-known development account and key, published by Microsoft:
# https://learn.microsoft.com/azure/storage/common/storage-use-azurite#well-known-storage-account-and-key
ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def connection(endpoint: str, key: str = KEY) -> str:
    return (
        f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={key};"
        f"BlobEndpoint={endpoint}/{ACCOUNT};"
    )


@pytest.fixture(scope="module")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    folder = tmp_path_factory.mktemp("azurite")  # its debug log and lock files, not blobs
    process = subprocess.Popen(
        [str(AZURITE), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--inMemoryPersistence"]
        + ["--skipApiVersionCheck", "--silent"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            if process.poll() is not None:
                raise RuntimeError(f"Azurite exited with {process.returncode}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        else:
            raise RuntimeError("Azurite did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.kill()  # Azurite keeps running on SIGTERM while it has open connections
        process.wait(10)


@pytest.fixture
def az(azurite: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", connection(azurite))
    return azurite


def container_with(name: str, local: Path) -> str:
    import adlfs

    fs = adlfs.AzureBlobFileSystem(
        connection_string=os.environ["AZURE_STORAGE_CONNECTION_STRING"], skip_instance_cache=True
    )
    if not fs.exists(name):
        fs.mkdir(name)
    fs.put(str(local), f"{name}/{local.name}", recursive=True)
    return f"az://{name}/{local.name}"


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_parts_in_a_container_profile_as_the_local_file(az: str, tmp_path: Path, fmt: str) -> None:
    frame = table()
    whole = tmp_path / f"whole.{fmt}"
    frame.to_parquet(whole, index=False) if fmt == "parquet" else frame.to_csv(whole, index=False)
    url = container_with(
        f"data-{fmt}", write_parts(frame, tmp_path / "batch", [0, 1, 150, 249], fmt)
    )
    reference = profile_data(whole)
    close(as_json(reference), as_json(profile_data(f"{url}/")))
    close(as_json(reference), as_json(profile_source(f"{url}/", Engine("local", 2))))


def test_a_missing_container_is_named_with_the_endpoint(az: str) -> None:
    with pytest.raises(ConfigError, match="the container 'no-such' does not exist") as caught:
        profile_data("az://no-such/batches/")
    assert "AZURE_STORAGE_CONNECTION_STRING" in (caught.value.hint or "")


def test_a_wrong_account_key_is_refused_and_named(
    az: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = container_with("keyed", write_parts(table(), tmp_path / "k", [400], "csv"))
    wrong = "A" * 86 + "=="
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", connection(az, wrong))
    import adlfs

    adlfs.AzureBlobFileSystem.clear_instance_cache()  # made with the right key before
    with pytest.raises(ConfigError, match="the storage refused access") as caught:
        profile_data(url)
    assert caught.value.file == url and "AZURE_STORAGE" in (caught.value.hint or "")
