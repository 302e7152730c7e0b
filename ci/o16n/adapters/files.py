"""Files: written whole or not at all (a temp file beside the target, then an atomic rename),
and hashed by content. A file that cannot be written (its folder is a file, it is a folder, no
permission, a full disk) is a ConfigError naming it (exit 2), not a traceback."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from o16n.errors import ConfigError


@contextlib.contextmanager
def replaced(path: Path) -> Iterator[tuple[BinaryIO, Path]]:
    """A temp file beside `path` to write (binary) and its name; renamed onto `path` when the
    block ends, removed when it raises. Readers see the old file or the new one, never part of
    one. The block may check the temp file (a hash) and raise to keep the old one."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise unwritable(path, exc) from None
    temp = Path(name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temp, 0o666 & ~umask)  # mkstemp makes 0600; these are ordinary files
    try:
        with os.fdopen(handle, "wb") as out:
            yield out, temp
        try:
            os.replace(temp, path)
        except OSError as exc:
            raise unwritable(path, exc) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    with replaced(path) as (out, _):
        try:
            out.write(text.encode("utf-8"))
            out.flush()
        except OSError as exc:  # a full disk, a quota
            raise unwritable(path, exc) from None


def unwritable(path: Path, exc: OSError) -> ConfigError:
    """Why `path` cannot be written, said of the path the user gave."""
    blocking = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        reason = f"{blocking} is a file, not a folder"
    elif path.is_dir():
        reason = "it is a folder"
    else:
        reason = exc.strerror or str(exc)
    return ConfigError(
        f"cannot write the file: {reason}", file=path, hint="give a path in a writable folder"
    )


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    """The file's hash, hex: sha256 for release manifests, md5 as DVC addresses content."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, algorithm).hexdigest()
