"""Files: written whole or not at all (a temp file beside the target, then an atomic rename),
and hashed by content."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def write_text_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temp, 0o666 & ~umask)  # mkstemp makes 0600; a report is an ordinary file
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    """The file's hash, hex: sha256 for release manifests, md5 as DVC addresses content."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, algorithm).hexdigest()
