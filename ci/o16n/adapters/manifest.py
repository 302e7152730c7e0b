"""Release manifests: the sha256 of every file a release shipped, signed, and checked wherever a
version is about to be trusted (`o16n verify`, `o16n deploy`, `o16n serve`).

`o16n release` writes `manifest.json` (model, version, commit, and per file its sha256 and,
for a model file, the md5 dvc.lock records) and signs those exact bytes with the release key
(`manifest.json.sig`, an SSH signature for the namespace `o16n-release`, which
`ssh-keygen -Y verify -n o16n-release` checks as well). The signature covers the model through
its hash, so one signature check and one hash per file verify the whole release.

Who may sign is `policies/allowed_signers` as committed on the protected branch (`trust_at`),
never the copy in the checkout being verified: a branch that adds its own key to that file
does not make its releases trusted.

The signed bytes travel two ways: in the bundle folder (`releases/<model>@<version>/`) and,
once deployed, inside the desired state (o16n.serving.desired), so what serves can check the
version it loads without the bundle. This module is the part both share: it sits below the
lifecycle (deploy) and the runtime (serve), and only knows bytes, files and allowed signers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from o16n.adapters import git, signing
from o16n.adapters.files import file_digest
from o16n.errors import UsageError

MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
BRANCH_SETTING = "o16n.yaml github.branch"  # where deploy and serve take the trusted branch
UNSIGNED_HINT = (
    f"release it again with {signing.KEY_VARIABLE} set to the release key ({signing.KEY_HELP})"
)


@dataclass(frozen=True)
class Entry:
    sha256: str
    dvc_md5: str | None = None  # model files: the md5 dvc.lock records (what DVC fetches by)


@dataclass(frozen=True)
class Manifest:
    model: str
    version: str
    commit: str
    files: dict[str, Entry]

    @property
    def tag(self) -> str:
        return f"{self.model}@{self.version}"


@dataclass(frozen=True)
class Signed:
    """A manifest's exact bytes and its armored signature (None: the release is unsigned)."""

    data: bytes
    signature: str | None


@dataclass(frozen=True)
class Trust:
    """Who may sign releases: the allowed_signers committed at `ref` (None: there is none)."""

    ref: str
    signers: signing.AllowedSigners | None

    @property
    def source(self) -> str:
        return f"{self.ref}:{signing.ALLOWED_SIGNERS}"


@dataclass(frozen=True)
class Verdict:
    """What checking a release found: ok when `problems` is empty; then `checked` names the
    signer. `manifest` is None when the bytes are not a manifest at all."""

    manifest: Manifest | None
    checked: signing.Checked | None
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems and self.checked is not None and self.checked.ok

    @property
    def signer(self) -> str:
        """`ann@example.com (key SHA256:...)`: who signed a verified release."""
        assert self.checked is not None
        principals = ", ".join(self.checked.principals)
        return f"{principals} (key {self.checked.fingerprint})"

    def also(self, problems: list[str]) -> Verdict:
        return Verdict(self.manifest, self.checked, (*self.problems, *problems))


def trust_at(project: Path, ref: str, setting: str = "--trust-ref") -> Trust:
    """The release signers `ref` (a branch, tag or commit; given as `setting`) trusts. A ref that
    names no commit is a UsageError; an allowed_signers that does not parse, a ConfigError
    naming file and line."""
    if not git.revision_exists(ref, project):
        raise UsageError(
            f"{setting} {ref}: no such branch, tag or commit in {project}, so who may sign "
            "releases is unknown",
            hint="name the protected branch the trusted keys are committed on (main); in a "
            "clone, create it: git branch main origin/main",
        )
    return Trust(ref, signing.allowed_signers_at(project, ref))


def parse(data: bytes) -> Manifest:
    """The manifest in `data`; ValueError saying what is wrong when it is not one."""
    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not JSON ({exc})") from None
    if not isinstance(body, dict):
        raise ValueError("not a JSON object")
    fields = {key: body.get(key) for key in ("model", "version", "commit")}
    missing = [key for key, value in fields.items() if not isinstance(value, str) or not value]
    if missing:
        raise ValueError(f"no {', '.join(missing)}")
    listed = body.get("files")
    if not isinstance(listed, dict):
        raise ValueError("no `files` object")
    files = {str(rel): _entry(str(rel), value) for rel, value in listed.items()}
    return Manifest(str(fields["model"]), str(fields["version"]), str(fields["commit"]), files)


def _entry(rel: str, value: Any) -> Entry:
    path = PurePosixPath(rel)
    if not rel or path.is_absolute() or ".." in path.parts or rel in (MANIFEST, SIGNATURE):
        raise ValueError(f"{rel!r} is not a file a bundle may hold")
    sha = value.get("sha256") if isinstance(value, dict) else None
    if not isinstance(sha, str) or len(sha) != 64:
        raise ValueError(f"{rel}: no sha256")
    md5 = value.get("dvc_md5")
    return Entry(sha, str(md5) if md5 is not None else None)


def verify_signed(signed: Signed, trust: Trust) -> Verdict:
    """The signature over the manifest's bytes, by a key `trust` lists for releases; and that the
    bytes are a manifest. Every problem is listed, not only the first."""
    problems: list[str] = []
    checked: signing.Checked | None = None
    if signed.signature is None:
        problems.append(f"unsigned: the release has no {SIGNATURE}, so nobody vouches for it")
    elif trust.signers is None:
        problems.append(
            f"{trust.source} does not exist: no key is trusted to sign releases "
            f"(commit the release key's public line there: {signing.KEY_HELP})"
        )
    else:
        checked = signing.check(
            signed.data, signed.signature, signing.RELEASE_NAMESPACE, trust.signers
        )
        if not checked.ok:
            problems.append(f"{SIGNATURE}: {checked.reason}")
    manifest = None
    try:
        manifest = parse(signed.data)
    except ValueError as exc:
        problems.append(f"{MANIFEST} is not a release manifest: {exc}")
    return Verdict(manifest, checked, tuple(problems))


def check_file(path: Path, rel: str, entry: Entry) -> str | None:
    """What is wrong with `path` as the manifest's `rel` (a regular file, the sha256 it lists),
    or None."""
    if not path.exists() and not path.is_symlink():
        return f"{rel}: missing (the signed manifest lists it)"
    if path.is_symlink() or not path.is_file():
        return f"{rel}: not a regular file"
    got = file_digest(path, "sha256")
    if got != entry.sha256:
        return f"{rel}: sha256 {got}, but the signed manifest says {entry.sha256}"
    return None


def check_folder(folder: Path, manifest: Manifest) -> list[str]:
    """A bundle folder against its manifest: each listed file with its hash, and nothing more
    (a file the manifest does not list was added after signing)."""
    root = folder.resolve()
    problems = []
    for rel, entry in sorted(manifest.files.items()):
        path = folder / rel
        if not path.resolve().is_relative_to(root):
            problems.append(f"{rel}: outside the bundle (through a symbolic link)")
        elif (problem := check_file(path, rel, entry)) is not None:
            problems.append(problem)
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if rel in (MANIFEST, SIGNATURE) or rel in manifest.files:
            continue
        if path.is_symlink() or not path.is_dir():
            problems.append(f"{rel}: in the bundle, not in the signed manifest")
    return problems


def bind(
    manifest: Manifest, model: str, version: str, commit: str, artifact: dict[str, str]
) -> list[str]:
    """Whether the signed manifest is the release of this version: same model, version and
    commit, and each of `artifact`'s files (path -> DVC md5) listed with that md5. A good
    signature over another version's manifest proves nothing about this one."""
    problems = [
        f"the signed manifest is of {name} {signed!r}, not {wanted!r}"
        for name, signed, wanted in (
            ("model", manifest.model, model),
            ("version", manifest.version, version),
            ("commit", manifest.commit, commit),
        )
        if signed != wanted
    ]
    for rel, md5 in sorted(artifact.items()):
        entry = manifest.files.get(rel)
        if entry is None:
            problems.append(f"{rel}: not in the signed manifest")
        elif entry.dvc_md5 != md5:
            problems.append(f"{rel}: DVC md5 {md5}, but the signed manifest says {entry.dvc_md5}")
    return problems
