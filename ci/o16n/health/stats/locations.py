"""Where a table is read from: one file, a folder or glob of Parquet or CSV parts (hive-style
`key=value/` folders included), or an fsspec URL (s3://, gs://, az://, file://).

`expand(source)` turns any of them into `Parts`: the ordered list of part files, their format,
the hive partition values each part's folders carry, and the fsspec filesystem to open them
with. The profiler reads the parts one after another (files.profile_parts); other engines
(Dask, Spark) can take the same list and open each part with `parts.open(part)` or hand
`part.url` and `parts.storage_options` to their own readers.

Credentials come from the environment, as DVC takes them: s3fs reads AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE and the endpoint from AWS_ENDPOINT_URL_S3
or AWS_ENDPOINT_URL; gcsfs GOOGLE_APPLICATION_CREDENTIALS; adlfs AZURE_STORAGE_ACCOUNT_NAME,
AZURE_STORAGE_ACCOUNT_KEY, AZURE_STORAGE_CONNECTION_STRING, ... Every failure to list a source
(no such folder, an empty one, a missing bucket, refused credentials, an endpoint that does not
answer) is a ConfigError naming the source (exit 2).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from o16n.errors import ConfigError

Format = Literal["parquet", "csv"]
SUFFIXES: dict[str, Format] = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}
# The fsspec package each scheme needs, and the extra that installs it.
EXTRAS: dict[str, tuple[str, str]] = {
    "s3": ("s3fs", "s3"),
    "s3a": ("s3fs", "s3"),
    "gs": ("gcsfs", "gcs"),
    "gcs": ("gcsfs", "gcs"),
    "az": ("adlfs", "azure"),
    "abfs": ("adlfs", "azure"),
    "abfss": ("adlfs", "azure"),
}
AZURE = ("az", "abfs", "abfss")
# Where each scheme's endpoint is set, for messages.
ENDPOINT_VARIABLES = {
    "s3": "AWS_ENDPOINT_URL",
    "s3a": "AWS_ENDPOINT_URL",
    **dict.fromkeys(AZURE, "AZURE_STORAGE_CONNECTION_STRING's BlobEndpoint"),
    "gs": "STORAGE_EMULATOR_HOST",
    "gcs": "STORAGE_EMULATOR_HOST",
}
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"  # Hive's and Spark's folder name for a null key
CONNECT_TIMEOUT = 10  # seconds: an endpoint that does not answer is named, not waited on
_GLOB = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class Part:
    """One part file: `path` as its filesystem opens it, `url` as messages and engines name it,
    and the hive partition values (`key=value` folders between the source's root and it)."""

    path: str
    url: str
    partition: tuple[tuple[str, str | None], ...] = ()
    groups: tuple[int, int] | None = None  # Parquet row groups [start, stop) only; None: all


@dataclass(frozen=True)
class Parts:
    """A source expanded: its parts in order (sorted by path, so folders of hive partitions
    and date-named files read in the order they are named), all of one format."""

    source: str
    format: Format
    parts: tuple[Part, ...]
    filesystem: Any = field(repr=False)  # an fsspec AbstractFileSystem
    storage_options: dict[str, Any] = field(default_factory=dict, repr=False)
    partition_types: dict[str, Literal["int64", "string"]] = field(default_factory=dict)

    @property
    def local(self) -> bool:
        return _is_local(self.filesystem)

    @property
    def single_file(self) -> Path | None:
        """The one local file this source is, without partitions: the fast path reads it
        memory-mapped by name."""
        if self.local and len(self.parts) == 1 and not self.parts[0].partition:
            return Path(self.parts[0].path)
        return None

    def open(self, part: Part) -> IO[bytes]:
        with remote_errors(part.url):
            handle: IO[bytes] = self.filesystem.open(part.path, "rb")
        return handle


def has_glob(source: str | os.PathLike[str]) -> bool:
    return bool(_GLOB.search(os.fspath(source)))


def is_url(source: str | os.PathLike[str]) -> bool:
    return "://" in os.fspath(source)


def resolve(source: str | os.PathLike[str], base: Path) -> str:
    """A source as given, with a relative local path taken relative to `base`."""
    text = os.fspath(source)
    return text if is_url(text) or os.path.isabs(text) else str(base / text)


def expand(source: str | os.PathLike[str]) -> Parts:
    """The parts of `source`: a file, a folder (every Parquet or CSV file below it, hidden and
    `_`-prefixed names such as _SUCCESS left out), a glob, or any of those as a URL."""
    text = os.fspath(source)
    filesystem, root, options = _filesystem(text)
    with remote_errors(text):
        files, base = _list(filesystem, root, text)
    return _parts(text, filesystem, options, files, base)


def listed(files: Sequence[str | os.PathLike[str]]) -> Parts:
    """The part files of one table named one by one (`o16n profile a.parquet b.parquet`), in
    the order given: one format, each file there."""
    if not files:
        raise ConfigError("no data parts to profile", hint="name at least one file")
    named = [os.fspath(f) for f in files]
    for name in named:
        if is_url(name):
            raise ConfigError(
                "name a URL alone (a file, a folder or a glob), not among other parts",
                file=name,
            )
        if not os.path.isfile(name):
            raise ConfigError("data file not found", file=name, hint="check the path")
        if Path(name).suffix.lower() not in SUFFIXES:
            raise ConfigError(
                "not a table file (.csv, .parquet or .pq)", file=name, hint="check the path"
            )
    from fsspec.implementations.local import LocalFileSystem

    absolute = [Path(n).absolute().as_posix() for n in named]
    formats = [SUFFIXES[Path(n).suffix.lower()] for n in named]
    other = next((n for n, f in zip(named, formats, strict=True) if f != formats[0]), None)
    if other is not None:
        raise ConfigError(
            f"the parts mix Parquet and CSV files: {named[0]} is {formats[0]}, this one is not",
            file=other,
            hint="keep one format per table",
        )
    parts = tuple(Part(path, name) for path, name in zip(absolute, named, strict=True))
    return Parts(named[0], formats[0], parts, LocalFileSystem())


# ---- parts as tasks: what an engine sends a worker -------------------------------------------


def task(parts: Parts, part: Part) -> str:
    """One part as JSON text, for a worker in another process or machine: where it is, its
    format and partition values, never credentials (a worker takes its own from its
    environment, as the driver did) nor a live filesystem object."""
    return json.dumps(
        {
            "source": parts.source,
            "format": parts.format,
            "path": part.path,
            "url": part.url,
            "partition": [list(pair) for pair in part.partition],
            "groups": None if part.groups is None else list(part.groups),
            "partition_types": parts.partition_types,
        }
    )


def from_task(text: str) -> Parts:
    """The one-part `Parts` a task names, with a filesystem made here (on the worker)."""
    found = json.loads(text)
    groups = found.get("groups")
    part = Part(
        found["path"],
        found["url"],
        tuple((k, v) for k, v in found["partition"]),
        None if groups is None else (int(groups[0]), int(groups[1])),
    )
    filesystem, _, options = _filesystem(found["source"])
    return Parts(
        found["source"],
        found["format"],
        (part,),
        filesystem,
        options,
        dict(found["partition_types"]),
    )


def read_bytes(url: str) -> bytes:
    """One file at a URL (a reference profile in a bucket); FileNotFoundError when absent."""
    filesystem, path, _ = _filesystem(url)
    with remote_errors(url):
        if not filesystem.isfile(path):
            _missing(filesystem, path, url)
        data: bytes = filesystem.cat_file(path)
    return data


def newest(url: str) -> str:
    """The newest entry directly under a URL prefix, by name (batches named by date): a table
    file or a folder of parts; hidden and `_` names left out."""
    filesystem, root, _ = _filesystem(url)
    with remote_errors(url):
        if not filesystem.isdir(root):
            _missing(filesystem, root, url)
        entries = filesystem.ls(root, detail=True)
    found = [
        e["name"]
        for e in entries
        if not e["name"].rstrip("/").rsplit("/", 1)[-1].startswith((".", "_"))
        and (e["type"] == "directory" or Path(e["name"]).suffix.lower() in SUFFIXES)
    ]
    if not found:
        raise ConfigError(
            "no batch under this prefix (no .csv, .parquet or .pq file or folder)",
            file=url,
            key="monitoring.batches",
        )
    return _url(filesystem, max(found), url)


def _list(filesystem: Any, root: str, source: str) -> tuple[list[str], str]:
    if _GLOB.search(root):
        found = sorted(filesystem.glob(root))
        files = [f for f in found if filesystem.isfile(f)]
        for folder in (f for f in found if f not in files):
            files.extend(filesystem.find(folder))
        if not files:
            raise ConfigError("no file matches the pattern", file=source)
        return sorted(set(files)), _GLOB.split(root, maxsplit=1)[0].rsplit("/", 1)[0]
    if filesystem.isfile(root):
        return [root], root.rsplit("/", 1)[0]
    if filesystem.isdir(root):
        return sorted(filesystem.find(root)), root.rstrip("/")
    _missing(filesystem, root, source)
    raise AssertionError("unreachable")  # _missing always raises


def _missing(filesystem: Any, root: str, source: str) -> None:
    """Not found: say whether the bucket itself is missing (a typo, another account)."""
    if is_url(source) and not _is_local(filesystem):
        bucket = root.split("/", 1)[0]
        if not filesystem.exists(bucket):
            scheme = source.split("://", 1)[0].lower()
            what = "container" if scheme in AZURE else "bucket"
            raise ConfigError(
                f"the {what} {bucket!r} does not exist (or these credentials cannot see it)",
                file=source,
                hint=f"check the {what}'s name, the account and the endpoint "
                f"({ENDPOINT_VARIABLES.get(scheme, 'the default endpoint')})",
            )
    raise ConfigError("data not found (no such file or folder)", file=source, hint="check the path")


def _parts(
    source: str, filesystem: Any, options: dict[str, Any], files: list[str], base: str
) -> Parts:
    tables = [f for f in files if _table_name(f, base)]
    if not tables:
        raise ConfigError(
            "no table here: no .parquet, .pq or .csv file",
            file=source,
            hint="point at a CSV or Parquet file, or a folder of them",
        )
    formats = {SUFFIXES[Path(f).suffix.lower()] for f in tables}
    if len(formats) > 1:
        first = SUFFIXES[Path(tables[0]).suffix.lower()]
        other = next(f for f in tables if SUFFIXES[Path(f).suffix.lower()] != first)
        raise ConfigError(
            "the parts mix Parquet and CSV files",
            file=_url(filesystem, other, source),
            hint="keep one format per source",
        )
    parts = tuple(Part(f, _url(filesystem, f, source), _hive(f[len(base) :])) for f in tables)
    keys = [k for k, _ in parts[0].partition]
    for part in parts:
        if [k for k, _ in part.partition] != keys:
            raise ConfigError(
                f"the partition folders differ: {_names(part.partition)} where the first part "
                f"has {_names(parts[0].partition)}",
                file=part.url,
            )
    return Parts(source, formats.pop(), parts, filesystem, options, _key_types(parts, keys))


def _table_name(path: str, base: str) -> bool:
    """A part file: a table suffix, and no hidden or `_` name on the way (as pyarrow.dataset)."""
    below = path[len(base) :].strip("/").split("/")
    if any(name.startswith((".", "_")) for name in below):
        return False
    return Path(path).suffix.lower() in SUFFIXES


def _hive(relative: str) -> tuple[tuple[str, str | None], ...]:
    folders = relative.strip("/").split("/")[:-1]
    pairs = []
    for folder in folders:
        if "=" in folder:
            key, value = folder.split("=", 1)
            pairs.append((key, None if value == HIVE_NULL else _unquote(value)))
    return tuple(pairs)


def _unquote(value: str) -> str:
    from urllib.parse import unquote

    return unquote(value)


def _names(pairs: tuple[tuple[str, str | None], ...]) -> str:
    return "/".join(k for k, _ in pairs) or "none"


def _key_types(parts: tuple[Part, ...], keys: list[str]) -> dict[str, Literal["int64", "string"]]:
    """Integers when every value of a key is one, else strings (pyarrow.dataset's inference)."""
    types: dict[str, Literal["int64", "string"]] = {}
    for index, key in enumerate(keys):
        values = [p.partition[index][1] for p in parts]
        integral = all(v is None or re.fullmatch(r"-?\d+", v) for v in values)
        types[key] = "int64" if integral else "string"
    return types


def _url(filesystem: Any, path: str, source: str) -> str:
    if not is_url(source):
        return path
    return str(filesystem.unstrip_protocol(path))


# ---- filesystems ---------------------------------------------------------------------------------


def _is_local(filesystem: Any) -> bool:
    return bool(getattr(filesystem, "protocol", None) in ("file", ("file", "local")))


def _filesystem(source: str) -> tuple[Any, str, dict[str, Any]]:
    """The fsspec filesystem for `source`, the path inside it, and the options it was made
    with (engines pass them on)."""
    from fsspec.implementations.local import LocalFileSystem

    if not is_url(source):
        return LocalFileSystem(), Path(source).absolute().as_posix(), {}
    scheme, rest = source.split("://", 1)
    scheme = scheme.lower()
    if scheme in ("file", "local"):
        return LocalFileSystem(), Path(rest).absolute().as_posix(), {}
    if scheme not in EXTRAS:  # http(s), ftp, hdfs, zip...: paths of their own, or a JVM
        raise ConfigError(
            f"{scheme}:// is not a storage o16n reads",
            file=source,
            hint="s3://, gs://, az:// (abfs://) or a local path: download the file first",
        )
    options = storage_options(scheme)
    import fsspec

    try:
        filesystem = fsspec.filesystem(scheme, **options)
    except ImportError:
        package, extra = EXTRAS.get(scheme, (f"the fsspec package for {scheme}://", "cloud"))
        raise ConfigError(
            f"reading {scheme}:// needs {package}, which is not installed",
            file=source,
            hint=f'pip install "o16n[{extra}]"',
        ) from None
    return filesystem, rest.rstrip("/") if not _GLOB.search(rest) else rest, options


def storage_options(scheme: str) -> dict[str, Any]:
    """Options for the scheme's filesystem: for S3, the endpoint from the environment (so
    errors can name it) and bounded timeouts and retries; credentials are left to the
    library, which reads them from the environment. Azure: bounded timeouts (the SDK's own
    retries, about a minute, still come first when an endpoint refuses)."""
    if scheme in AZURE:
        return {"connection_timeout": CONNECT_TIMEOUT, "read_timeout": 60}
    if scheme not in ("s3", "s3a"):
        return {}
    options: dict[str, Any] = {
        "config_kwargs": {
            "connect_timeout": CONNECT_TIMEOUT,
            "read_timeout": 60,
            "retries": {"max_attempts": 2, "mode": "standard"},
        }
    }
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        options["endpoint_url"] = endpoint
    return options


def endpoint_of(source: str) -> str:
    """Where a URL's requests go, for messages."""
    scheme = source.split("://", 1)[0].lower()
    if scheme in ("s3", "s3a"):
        return str(storage_options(scheme).get("endpoint_url", "AWS S3 (the default endpoint)"))
    if scheme in AZURE:
        for field in os.environ.get("AZURE_STORAGE_CONNECTION_STRING", "").split(";"):
            if field.lower().startswith("blobendpoint="):
                return field.split("=", 1)[1]
    return f"{scheme}:// (the default endpoint)"


@contextmanager
def remote_errors(source: str) -> Iterator[None]:
    """Refused or missing credentials and endpoints that do not answer, as ConfigErrors naming
    the source and the address."""
    try:
        yield
    except (ConfigError, FileNotFoundError):
        raise
    except PermissionError as exc:
        raise _refused(source, exc) from None
    except Exception as exc:
        if not is_url(source):
            raise
        if getattr(exc, "status_code", None) in (401, 403):  # Azure's SDK: HttpResponseError
            raise _refused(source, exc) from None
        if "NoCredentialsError" in _names_of(exc):
            raise ConfigError(
                f"no credentials to read it: {exc}",
                file=source,
                hint="set them in the environment of every process that reads (an engine's "
                f"workers take them from their own): {CREDENTIALS}",
            ) from None
        if not _is_connection_error(exc):
            raise
        variable = ENDPOINT_VARIABLES.get(source.split("://", 1)[0].lower(), "")
        raise ConfigError(
            f"cannot reach the storage at {endpoint_of(source)}: {type(exc).__name__}: {exc}",
            file=source,
            hint=f"is the endpoint up and reachable? (connect timeout {CONNECT_TIMEOUT} s"
            + (f"; {variable} sets it)" if variable else ")"),
        ) from None


CREDENTIALS = (
    "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or AWS_PROFILE, GOOGLE_APPLICATION_CREDENTIALS, "
    "AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT_NAME / AZURE_STORAGE_ACCOUNT_KEY"
)


def _refused(source: str, exc: BaseException) -> ConfigError:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return ConfigError(
        f"the storage refused access: {first}",
        file=source,
        hint=f"check the credentials in the environment ({CREDENTIALS})",
    )


def _names_of(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def _is_connection_error(exc: BaseException) -> bool:
    return bool(
        _names_of(exc)
        & {
            "EndpointConnectionError",
            "ConnectTimeoutError",
            "ReadTimeoutError",
            "ConnectionError",
            "ClientConnectorError",
            "ServerTimeoutError",
            "ServiceRequestError",  # Azure's SDK
            "ServiceRequestTimeoutError",
            "TimeoutError",
        }
    )
