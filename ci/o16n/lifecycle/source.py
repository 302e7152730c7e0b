"""Where a generated project installs o16n from: the place the template came from.

o16n is not on a package index, so a bare `o16n` requirement cannot be installed. The template
is a checkout of the o16n repository (a path or a git URL), or the copy bundled in an installed
o16n; either way the place it came from also holds the package. The post-generation hook asks
`derive()` and writes the answer to the project's requirements file, which `make setup` (and so
CI) installs. Nothing here raises: a source that cannot be worked out gives a warning and the
released version (`o16n==VERSION`), so generation never stops on it.
"""

from __future__ import annotations

import json
import re
import tomllib
import urllib.parse
import urllib.request
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from o16n import __version__

# The file in a generated project that says where o16n comes from (a pip requirements file).
REQUIREMENTS_FILE = "requirements-o16n.txt"
# Cookiecutter's abbreviations (cookiecutter/config.py DEFAULT_CONFIG).
ABBREVIATIONS = {
    "gh": "https://github.com/{0}.git",
    "gl": "https://gitlab.com/{0}.git",
    "bb": "https://bitbucket.org/{0}",
}
# What cookiecutter treats as a repository URL (cookiecutter/repository.py REPO_REGEX).
REPO_URL = re.compile(r"^((((git|hg)\+)?(git|ssh|file|https?):(//)?)|(\w+@[\w.]+))")
SCP_LIKE = re.compile(r"^(?P<user>[\w.-]+)@(?P<host>[\w.-]+):(?!//)(?P<path>.+)$")
UNSAFE = re.compile(r"[\x00-\x1f\x7f]")
HOW_TO_FIX_LOCAL = (
    "CI cannot install it. Fix: push the o16n repository to a git host and generate from its "
    f"URL, or write `o16n @ git+https://HOST/ORG/o16n@COMMIT` into {REQUIREMENTS_FILE} and "
    "commit it (the README's 'Where o16n comes from' says more)"
)


@dataclass(frozen=True)
class InstallSpec:
    """A pip requirement for o16n, where it was found, and what the user should know about it."""

    spec: str
    origin: str
    local: bool = False  # a path or file URL that exists only on this machine
    warnings: tuple[str, ...] = ()

    def with_warning(self, warning: str) -> InstallSpec:
        return InstallSpec(self.spec, self.origin, self.local, (*self.warnings, warning))


def released(reason: str | None = None) -> InstallSpec:
    """The fallback: this version from a package index (only works once o16n is published)."""
    spec = InstallSpec(f"o16n=={__version__}", f"the released version {__version__}")
    return spec.with_warning(reason) if reason else spec


def derive(template: str, repo_dir: Path | None, commit: str | None) -> InstallSpec:
    """The template's source if it holds the o16n package, else the o16n running this code."""
    found = from_template(template, repo_dir, commit) or running()
    return checked(found)


def from_template(template: str, repo_dir: Path | None, commit: str | None) -> InstallSpec | None:
    """A git URL → `o16n @ git+URL@COMMIT`; a local path → that checkout's root. None when the
    template's source does not hold the o16n package (a template-only copy)."""
    url = expand(template)
    if is_repo_url(url):
        if repo_dir is not None and package_root(repo_dir) is None:
            return None
        return from_git(pip_url(url), commit)
    given = Path(template).expanduser()
    root = package_root(given) if given.is_absolute() else None
    if root is None and repo_dir is not None:
        root = package_root(repo_dir)
    if root is None:
        return None
    return local_path(root, f"the template's checkout {root}")


def from_git(url: str, commit: str | None) -> InstallSpec:
    clean, had_secret = without_credentials(url.removeprefix("git+"))
    spec = InstallSpec(
        f"o16n @ git+{clean}@{commit}" if commit else f"o16n @ git+{clean}",
        f"the template's git repository {clean}",
        local=clean.startswith("file:"),
    )
    if had_secret:
        spec = spec.with_warning(
            f"the template's URL carries credentials; {REQUIREMENTS_FILE} names it without them "
            "(CI authenticates on its own, e.g. with a token in the checkout step)"
        )
    if commit is None:
        spec = spec.with_warning(
            f"the commit of {clean} is unknown, so o16n is not pinned: every `make setup` installs "
            f"the newest. Fix: append @COMMIT to the requirement in {REQUIREMENTS_FILE}"
        )
    if spec.local:
        spec = spec.with_warning(f"o16n is installed from {clean}, on this machine only: "
                                 + HOW_TO_FIX_LOCAL)  # fmt: skip
    return spec


def local_path(root: Path, origin: str) -> InstallSpec:
    return InstallSpec(
        str(root),
        origin,
        local=True,
        warnings=(f"o16n is installed from {root}, on this machine only: " + HOW_TO_FIX_LOCAL,),
    )


def running() -> InstallSpec:
    """The o16n running this code: its checkout, or what pip recorded when it installed it."""
    import o16n

    root = package_root(Path(o16n.__file__).resolve().parents[2])
    if root is not None:
        return local_path(root, f"the o16n checkout {root} that generated the project")
    return from_distribution()


def from_distribution() -> InstallSpec:
    """PEP 610's direct_url.json: a VCS checkout, a directory or an archive; none: an index."""
    try:
        dist = metadata.distribution("o16n")
    except metadata.PackageNotFoundError:
        return released("o16n's installation is not recorded, so its source is unknown")
    text = dist.read_text("direct_url.json")
    if text is None:  # installed from an index
        return InstallSpec(f"o16n=={dist.version}", f"the released version {dist.version}")
    try:
        return from_direct_url(json.loads(text))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return released(f"pip's record of the o16n installation (direct_url.json) is unreadable: "
                        f"{exc}")  # fmt: skip


def from_direct_url(record: dict[str, object]) -> InstallSpec:
    url = str(record["url"])
    vcs = record.get("vcs_info")
    if isinstance(vcs, dict):
        if vcs.get("vcs") != "git":
            return released(f"o16n was installed from a {vcs.get('vcs')} repository; only git is "
                            "supported")  # fmt: skip
        return from_git(url, vcs.get("commit_id"))
    if "dir_info" in record:
        return local_path(file_path(url), f"the directory o16n was installed from ({url})")
    if "archive_info" in record:
        clean, _ = without_credentials(url)
        spec = InstallSpec(f"o16n @ {clean}", f"the archive o16n was installed from ({clean})",
                           local=clean.startswith("file:"))  # fmt: skip
        if spec.local:
            spec = spec.with_warning(f"o16n is installed from {clean}, on this machine only: "
                                     + HOW_TO_FIX_LOCAL)  # fmt: skip
        return spec
    raise ValueError(f"it names none of vcs_info, dir_info, archive_info for {url}")


def checked(found: InstallSpec) -> InstallSpec:
    """A requirement is one line that pip reads as a requirement, never as an option."""
    if UNSAFE.search(found.spec) or found.spec.startswith("-"):
        return released(f"the source of o16n ({found.spec!r}) is not a single-line requirement")
    return found


def expand(template: str) -> str:
    prefix, sep, rest = template.partition(":")
    if sep and prefix in ABBREVIATIONS:
        return ABBREVIATIONS[prefix].format(rest)
    return template


def is_repo_url(value: str) -> bool:
    return bool(REPO_URL.match(value))


def pip_url(url: str) -> str:
    """git's scp-like `git@host:org/repo.git` as the URL pip takes: `ssh://git@host/org/repo.git`."""
    url = url.removeprefix("git+")
    scp = SCP_LIKE.match(url)
    return f"ssh://{scp['user']}@{scp['host']}/{scp['path']}" if scp else url


def without_credentials(url: str) -> tuple[str, bool]:
    """`https://user:token@host/...` → `https://host/...`: a requirements file is committed.
    An ssh login name (`ssh://git@host/...`) is no secret and stays."""
    parts = urllib.parse.urlsplit(url)
    userinfo, at, host = parts.netloc.rpartition("@")
    if not at or (parts.scheme == "ssh" and ":" not in userinfo):
        return url, False
    return urllib.parse.urlunsplit(parts._replace(netloc=host)), True


def file_path(url: str) -> Path:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "file":
        raise ValueError(f"a directory install with a non-file URL {url!r}")
    return Path(urllib.request.url2pathname(parts.path))


def package_root(where: Path) -> Path | None:
    """`where` itself if its pyproject.toml builds the o16n distribution, else None."""
    try:
        project = tomllib.loads((where / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    name = project.get("project", {}).get("name") if isinstance(project, dict) else None
    return where.resolve() if name == "o16n" else None
