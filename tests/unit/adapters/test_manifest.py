"""Release manifests read strictly: what is not a manifest, or names a file a bundle may not
hold, is said so (and so fails verification) rather than half-read."""

from __future__ import annotations

import json

import pytest

from o16n.adapters import manifest

SHA = "a" * 64


def body(**changes: object) -> bytes:
    value: dict[str, object] = {
        "model": "churn",
        "version": "v1.0.0",
        "commit": "c" * 40,
        "files": {"models/model.joblib": {"sha256": SHA, "dvc_md5": "1" * 32}},
    }
    value.update(changes)
    return json.dumps(value).encode()


def test_a_manifest_reads_back_with_its_model_files_md5() -> None:
    read = manifest.parse(body())
    assert read.tag == "churn@v1.0.0"
    assert read.files == {"models/model.joblib": manifest.Entry(SHA, "1" * 32)}


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xff\xfe", "not JSON"),
        (b"[]", "not a JSON object"),
        (body(version=None, commit=""), "no version, commit"),
        (body(files=[]), "no `files` object"),
        (body(files={"../../etc/passwd": {"sha256": SHA}}), "'../../etc/passwd' is not a file"),
        (body(files={"/etc/passwd": {"sha256": SHA}}), "'/etc/passwd' is not a file"),
        (body(files={"manifest.json.sig": {"sha256": SHA}}), "is not a file a bundle may hold"),
        (body(files={"a": {"sha256": "short"}}), "a: no sha256"),
        (body(files={"a": "not an object"}), "a: no sha256"),
    ],
    ids=[
        "binary",
        "list",
        "fields",
        "files",
        "dotdot",
        "absolute",
        "own-signature",
        "sha",
        "entry",
    ],
)
def test_what_is_not_a_manifest_says_why(data: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        manifest.parse(data)
