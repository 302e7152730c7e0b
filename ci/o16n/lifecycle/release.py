"""A release: the next version registered (a GTO tag) and a bundle of what shipped with it —
the model files (checked against dvc.lock), the reference profile, MODEL_CARD.md, metrics, the
reports and the decision record — with a manifest of sha256 hashes, signed. Built in a
temporary folder and renamed into place, so a failed release leaves nothing half-written.

The manifest is signed with the release key (O16N_SIGNING_KEY) as an SSH signature for the
namespace `o16n-release`, `manifest.json.sig`: `ssh-keygen -Y verify -f allowed_signers -I
<principal> -n o16n-release -s manifest.json.sig < manifest.json` checks it, and `o16n verify`,
`o16n deploy` and `o16n serve` do (o16n.adapters.manifest). Without a key the bundle is built
unsigned, and nothing downstream accepts it: a release is worth deploying only when signed.

Why an SSH signature and not OpenSSF's model-signing (PyPI `model-signing` 1.1.1, checked
against this environment): it would install beside DVC without changing a package, but it
pulls in sigstore and TUF (13 new distributions), its 1.1.1 fails to import without pyOpenSSL,
which it does not declare, and its offline key mode signs with NIST P-256/384/521 keys only
(an ed25519 key is refused: "object has no attribute 'curve'"). Its signature is a Sigstore
bundle that `ssh-keygen` cannot check and that knows nothing of an allowed_signers file. The
SSH signature reuses the ed25519 key and the allowed_signers the ledger and approvals use, runs
offline, and is checked by a stock OpenSSH. The manifest plays model-signing's role: it lists
every file's sha256, the model's included, so its one signature covers them all.

The version bump follows the change since the latest version: the data the model learns from
changed (params.yaml's `data`: target, positive class, input columns and kinds; for projects
without it, the reference profile's columns or kinds; o16n.config.dataschema, which the policy
gate asks too) -> major; retrained on other data or params -> minor; anything else that changed
the model -> patch.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from o16n import __version__
from o16n.adapters import git, gto, signing
from o16n.adapters.dvc import lineage
from o16n.adapters.files import file_digest
from o16n.adapters.manifest import MANIFEST, SIGNATURE
from o16n.config import dataschema
from o16n.errors import ConfigError, UsageError
from o16n.lifecycle import ledger

PROFILE = dataschema.PROFILE
BUMPS = ("major", "minor", "patch")
REPORTS = ("check.md", "check.html", "health.html", "health.json", "kpi.json", "decision.json")


@dataclass(frozen=True)
class Plan:
    """What `o16n release` would do at HEAD: nothing (`version` None, or `already` released
    here), or register `version`; `bump` is what the change calls for (or --bump), None when the
    model did not change and --version set the version anyway."""

    model: str
    head: str
    latest: gto.Version | None
    already: gto.Version | None = None
    bump: str | None = None
    version: str | None = None


def plan(project: Path, model: str, *, version: str | None = None, bump: str | None = None) -> Plan:
    """The next version: `version` as given, else the latest's bumped by `bump` or by what
    changed since it (`bump_for`); the first version is v1.0.0."""
    head = git.head(project)
    if version is not None:
        gto.check_new(project, model, version)
    found = gto.versions(project, model)
    latest = found[-1] if found else None
    already = next((v for v in reversed(found) if v.commit == head), None)
    if already is not None:
        return Plan(model, head, latest, already)
    bump = bump or (bump_for(project, latest.commit) if latest else "major")
    if version is None and bump is None:
        return Plan(model, head, latest)
    return Plan(model, head, latest, None, bump, version or next_version(latest, bump or "patch"))


def release(
    project: Path,
    plan: Plan,
    destination: Path,
    model_card: str | None,
    reports: Path,
    key: signing.SigningKey | None,
) -> Path:
    """Build the bundle under `destination` (its manifest signed with `key`; None: unsigned),
    then register the version; returns the bundle."""
    assert plan.version is not None, "a plan with a version to release"
    gto.check_new(project, plan.model, plan.version)  # before anything is written for it
    bundle = build(
        project, plan.model, plan.version, plan.head, destination, model_card, reports, key
    )
    message = f"o16n release {plan.model} {plan.version} ({plan.bump or 'set'})"
    try:
        gto.register(project, plan.model, plan.version, message)
    except BaseException:
        shutil.rmtree(bundle, ignore_errors=True)  # no bundle for a version that is not there
        raise
    return bundle


def publish(tag: str, commit: str, bundle: Path) -> str:
    """The bundle as a GitHub Release of `tag` at `commit` (in Actions); returns its URL."""
    from o16n.adapters import github

    actions = github.Actions.from_env()
    return github.publish_release(github.connect(actions), actions, tag, commit, bundle)


def data_changes(project: Path, since: str, head: str = "HEAD") -> dataschema.Comparison:
    """How the data the model learns from changed from `since` to `head` (one definition,
    o16n.config.dataschema, shared with the policy gate)."""
    return dataschema.compare(
        lambda path: git.read_at_revision(path, since, project),
        lambda path: git.read_at_revision(path, head, project),
        since[:7],
        head if head == "HEAD" else head[:7],
    )


def bump_for(project: Path, since: str, head: str = "HEAD") -> str | None:
    """major / minor / patch for the change from `since` to `head`; None: the same model."""
    old, new = lineage.at_revision(project, since), lineage.at_revision(project, head)
    if old is None or new is None:
        return "major" if new is not None else None
    if old.model == new.model:
        return None
    if data_changes(project, since, head).changed:
        return "major"
    inputs_changed = {p: h for p, h in old.data.items() if not p.startswith("data/predictions/")}
    new_inputs = {p: h for p, h in new.data.items() if not p.startswith("data/predictions/")}
    if inputs_changed != new_inputs or old.params_hash != new.params_hash:
        return "minor"
    return "patch"


def next_version(current: gto.Version | None, bump: str) -> str:
    if bump not in BUMPS:
        raise UsageError(f"--bump must be one of {', '.join(BUMPS)}, not {bump!r}")
    if current is None:
        return "v1.0.0"
    major, minor, patch = current.parts
    if bump == "major":
        return f"v{major + 1}.0.0"
    if bump == "minor":
        return f"v{major}.{minor + 1}.0"
    return f"v{major}.{minor}.{patch + 1}"


def build(
    project: Path,
    model: str,
    version: str,
    commit: str,
    destination: Path,
    model_card: str | None,
    reports: Path,
    key: signing.SigningKey | None = None,
) -> Path:
    """The bundle folder `destination/<model>@<version>/`, its manifest signed with `key` when
    there is one; returns its path."""
    at = lineage.at_revision(project, commit)
    if at is None or not at.model:
        raise ConfigError(f"no model outputs in dvc.lock at {commit[:12]}", hint="run `dvc repro`")
    final = destination / f"{model}@{version}"
    if final.exists():
        raise ConfigError(f"{final} exists already", hint="remove it or release another version")
    destination.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{model}@{version}-", dir=destination))
    try:
        files: dict[str, dict[str, Any]] = {}
        for rel, md5 in at.model.items():
            source = project / rel
            if not source.is_file() or file_digest(source, "md5") != md5:
                raise ConfigError(
                    f"{rel} in the workspace is not the one dvc.lock records ({md5})",
                    file=source,
                    hint="run `dvc checkout` (or `dvc pull` from the remote) and release again",
                )
            _copy(source, staging / rel, files, rel, md5)
        for rel in ("metrics.json", "params.yaml"):
            if (project / rel).is_file():
                _copy(project / rel, staging / rel, files, rel, None)
        if model_card is not None:
            (staging / "MODEL_CARD.md").write_text(model_card, encoding="utf-8")
            files["MODEL_CARD.md"] = {"sha256": file_digest(staging / "MODEL_CARD.md", "sha256")}
        for name in REPORTS:
            if (reports / name).is_file():
                _copy(reports / name, staging / "reports" / name, files, f"reports/{name}", None)
        decisions = [r for r in ledger.read(project / ledger.LEDGER) if _commit_of(r) == commit]
        if decisions:
            (staging / "decisions.json").write_text(json.dumps(decisions, indent=2) + "\n")
            files["decisions.json"] = {"sha256": file_digest(staging / "decisions.json", "sha256")}
        manifest = {
            "model": model,
            "version": version,
            "commit": commit,
            "o16n_version": __version__,
            "params_hash": at.params_hash,
            "files": dict(sorted(files.items())),
        }
        data = (json.dumps(manifest, indent=2) + "\n").encode("utf-8")
        (staging / MANIFEST).write_bytes(data)
        if key is not None:
            signature = key.sign(data, signing.RELEASE_NAMESPACE)
            (staging / SIGNATURE).write_text(signature, encoding="ascii")
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


def _commit_of(record: dict[str, Any]) -> str | None:
    inputs = record.get("inputs")
    return inputs.get("commit") if isinstance(inputs, dict) else None


def _copy(
    source: Path, target: Path, files: dict[str, dict[str, Any]], rel: str, md5: str | None
) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
    entry: dict[str, Any] = {"sha256": file_digest(target, "sha256")}
    if md5 is not None:
        entry["dvc_md5"] = md5
    files[rel] = entry
