"""Files: written whole or not at all (a temp file beside the target, then an atomic rename),
and hashed by content."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def replaced(path: Path) -> Iterator[tuple[BinaryIO, Path]]:
    """A temp file beside `path` to write (binary) and its name; renamed onto `path` when the
    block ends, removed when it raises. Readers see the old file or the new one, never part of
    one. The block may check the temp file (a hash) and raise to keep the old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temp = Path(name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temp, 0o666 & ~umask)  # mkstemp makes 0600; these are ordinary files
    try:
        with os.fdopen(handle, "wb") as out:
            yield out, temp
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    with replaced(path) as (out, _):
        out.write(text.encode("utf-8"))


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    """The file's hash, hex: sha256 for release manifests, md5 as DVC addresses content."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, algorithm).hexdigest()
