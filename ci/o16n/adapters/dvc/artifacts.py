"""Content-addressed artifacts: a pipeline output of some commit, by the md5 dvc.lock records.

The runtime never serves "whatever is in models/": it asks for the exact bytes a desired state
names. They come from the project's DVC cache when they are there (no copy of the repository,
no network), else from the DVC remote at that commit, and are checked against the md5 before
anything uses them. A file written here is complete or absent (temp file, rename).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from o16n.adapters.files import file_digest, replaced
from o16n.errors import ArtifactError

if TYPE_CHECKING:
    from dvc.repo import Repo

CHUNK = 1 << 20


def md5_of(path: Path) -> str:
    return file_digest(path, "md5")


def fetch(project: Path, rel: str, md5: str, commit: str, destination: Path) -> Path:
    """`rel` of `commit` (content `md5`) copied to `destination`; returns `destination`.

    A destination that already holds those bytes is kept as it is.
    """
    if destination.is_file() and md5_of(destination) == md5:
        return destination
    from dvc.exceptions import DvcException
    from dvc.repo import Repo

    what = f"{rel} ({md5}) of {commit[:12]}"
    try:
        repo = Repo(str(project))
    except DvcException as exc:
        raise ArtifactError(
            f"{what}: {project} is not a DVC repository ({exc})",
            hint="run o16n in the model repository (--project)",
        ) from None
    with repo, replaced(destination) as (out, temp):
        cached = Path(repo.cache.local.oid_to_path(md5))  # DVC 3: files/md5/ab/cdef...
        if cached.is_file():
            with cached.open("rb") as source:
                shutil.copyfileobj(source, out, CHUNK)
        else:
            _from_remote(repo, what, md5, out)
        out.flush()
        got = md5_of(temp)
        if got != md5:
            raise ArtifactError(
                f"{rel} of {commit[:12]} has md5 {got}, not the {md5} the desired state names",
                hint="the DVC cache or remote is corrupt: `dvc cache` / re-push the artifact "
                "from the machine that trained it (`dvc push`)",
            )
    return destination


def _from_remote(repo: Repo, what: str, md5: str, out: BinaryIO) -> None:
    """The object `md5` from the project's default DVC remote (content-addressed, as pushed)."""
    from dvc.config import NoRemoteError
    from dvc.exceptions import DvcException

    try:
        odb = repo.cloud.get_remote_odb(None, "o16n")
        path = odb.oid_to_path(md5)
        if not odb.fs.exists(path):
            raise ArtifactError(
                f"{what} is in neither the DVC cache nor the remote ({odb.path})",
                hint="push it from where it was trained (`dvc push`), then deploy again",
            )
        with odb.fs.open(path, "rb") as source:
            shutil.copyfileobj(source, out, CHUNK)
    except NoRemoteError:
        raise ArtifactError(
            f"{what} is not in the DVC cache and no DVC remote is configured",
            hint="configure the shared remote it was pushed to (`dvc remote add -d NAME URL`)",
        ) from None
    except (DvcException, OSError) as exc:
        raise ArtifactError(
            f"{what} is not in the DVC cache and the remote failed ({type(exc).__name__}: {exc})",
            hint="check the remote's URL and credentials (`dvc remote list`, `dvc pull`)",
        ) from None
