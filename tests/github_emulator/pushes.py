"""Pushes to the emulated GitHub: a local bare repository whose pre-receive hook asks the
emulator (over HTTP) whether the pusher may update each ref, under the branch protection and
the rulesets the emulator holds, as GitHub decides it.

Who pushes is the credential the transport carries: on GitHub an SSH key (a user's or a
repository's deploy key) or a token. A local push has no transport, so the pusher's
environment carries it instead, `O16N_EMULATOR_PUSH_AS` (git runs the hook under
receive-pack, which inherits it): a token of a user (that user, with their permission), a
deploy key's credential (that key), or nothing (refused, as an anonymous push to GitHub is).

Rules applied (GitHub docs, "Available rules for rulesets" and "About protected branches"):
classic protection refuses, for everyone but admins when `enforce_admins` is off, a direct
push to a branch that requires pull request reviews or status checks, and a non-fast-forward
push; a deploy key cannot bypass it. An active ruleset whose conditions match the ref refuses
what its rules forbid (pull_request, required_status_checks: any direct update;
non_fast_forward, deletion, creation, update) unless the pusher is one of its bypass actors
(DeployKey: a deploy key; RepositoryRole 5: an admin).
"""

from __future__ import annotations

import fnmatch
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

from .state import State

PUSH_AS = "O16N_EMULATOR_PUSH_AS"
ZERO = "0" * 40
ADMIN_ROLE = 5  # the RepositoryRole actor_id of the admin role

_HOOK = """#!{python}
# The emulated GitHub's pre-receive hook: asks the emulator whether this push may land.
import json, os, subprocess, sys, urllib.request
updates = []
for line in sys.stdin.read().splitlines():
    old, new, ref = line.split(" ", 2)
    zero = set(old) == {{"0"}} or set(new) == {{"0"}}
    forward = zero or subprocess.run(
        ["git", "merge-base", "--is-ancestor", old, new], capture_output=True
    ).returncode == 0
    updates.append({{"ref": ref, "old": old, "new": new, "fast_forward": forward}})
body = json.dumps({{"credential": os.environ.get("{push_as}", ""), "updates": updates}})
request = urllib.request.Request(
    "{url}/_git/pre-receive/{repo}", data=body.encode(), method="POST",
    headers={{"Content-Type": "application/json"}},
)
with urllib.request.urlopen(request, timeout=30) as answer:
    refusals = json.load(answer)["refusals"]
for message in refusals:
    print("error: " + message, file=sys.stderr)
sys.exit(1 if refusals else 0)
"""


def make_bare(path: Path, url: str, repo: str) -> Path:
    """A bare repository at `path` whose pushes the emulator at `url` judges as `repo`'s."""
    subprocess.run(
        ["git", "init", "--quiet", "--bare", "-b", "main", str(path)], check=True, env=_plain()
    )
    hook = path / "hooks" / "pre-receive"
    hook.write_text(_HOOK.format(python=sys.executable, push_as=PUSH_AS, url=url, repo=repo))
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def _plain() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


def judge_push(
    state: State, repo: str, credential: str, updates: list[dict[str, Any]]
) -> list[str]:
    """Why the push of `updates` (ref, old, new, fast_forward) by whoever `credential` stands
    for is refused: GitHub's messages, one per broken rule; [] when it may land."""
    actor = _actor(state, repo, credential)
    if isinstance(actor, str):
        return [actor]
    refusals = []
    for update in updates:
        refusals += _classic(state, repo, actor, update)
        refusals += _rulesets(state, repo, actor, update)
    return refusals


def _actor(state: State, repo: str, credential: str) -> dict[str, Any] | str:
    """{"deploy_key": title} or {"login", "permission"}, or why the push is not allowed."""
    if credential in state.deploy_keys:
        key_repo, title, read_only = state.deploy_keys[credential]
        if key_repo != repo or read_only:
            return f"Permission to {repo}.git denied to deploy key {title!r}"
        return {"deploy_key": title}
    login = state.tokens.get(credential)
    if login is None:
        return f"Permission to {repo}.git denied: no credential"
    permission = state.permission(login)
    if permission not in ("admin", "maintain", "write"):
        return f"Permission to {repo}.git denied to {login}"
    return {"login": login, "permission": permission}


def _classic(state: State, repo: str, actor: dict[str, Any], update: dict[str, Any]) -> list[str]:
    ref = update["ref"]
    if not ref.startswith("refs/heads/"):
        return []
    body = state.protection.get((repo, ref.removeprefix("refs/heads/")))
    if body is None:
        return []
    if actor.get("permission") == "admin" and not body.get("enforce_admins"):
        return []
    found = []
    if body.get("required_pull_request_reviews"):
        found.append("Changes must be made through a pull request.")
    contexts = (body.get("required_status_checks") or {}).get("contexts") or []
    if contexts:
        found.append(f"{len(contexts)} of {len(contexts)} required status checks are expected.")
    if not update["fast_forward"]:
        found.append("Cannot force-push to this branch")
    return [f"GH006: Protected branch update failed for {ref}. {m}" for m in found]


def _rulesets(state: State, repo: str, actor: dict[str, Any], update: dict[str, Any]) -> list[str]:
    ref = update["ref"]
    target = "tag" if ref.startswith("refs/tags/") else "branch"
    found = []
    for ruleset in state.rulesets.values():
        if ruleset["repo"] != repo or ruleset.get("enforcement") != "active":
            continue
        if ruleset.get("target", "branch") != target or not _matches(state, repo, ruleset, ref):
            continue
        if _bypasses(ruleset, actor):
            continue
        for rule in ruleset.get("rules", []):
            broken = _broken(rule["type"], update)
            if broken:
                found.append(
                    f"GH013: Repository rule violations found for {ref}. "
                    f"{ruleset['name']}: {broken}"
                )
    return found


def _matches(state: State, repo: str, ruleset: dict[str, Any], ref: str) -> bool:
    names = (ruleset.get("conditions") or {}).get("ref_name") or {}
    default = f"refs/heads/{state.repo(repo).default_branch}"

    def hit(pattern: str) -> bool:
        if pattern == "~ALL":
            return True
        if pattern == "~DEFAULT_BRANCH":
            return ref == default
        return fnmatch.fnmatchcase(ref, pattern)

    included = any(hit(p) for p in names.get("include", []))
    return included and not any(hit(p) for p in names.get("exclude", []))


def _bypasses(ruleset: dict[str, Any], actor: dict[str, Any]) -> bool:
    for bypass in ruleset.get("bypass_actors", []):
        if bypass.get("actor_type") == "DeployKey" and "deploy_key" in actor:
            return True
        if (
            bypass.get("actor_type") == "RepositoryRole"
            and bypass.get("actor_id") == ADMIN_ROLE
            and actor.get("permission") == "admin"
        ):
            return True
    return False


def _broken(kind: str, update: dict[str, Any]) -> str | None:
    created, deleted = update["old"] == ZERO, update["new"] == ZERO
    if kind == "deletion" and deleted:
        return "Cannot delete this ref."
    if kind == "creation" and created:
        return "Cannot create this ref."
    if kind == "update" and not created and not deleted:
        return "Cannot update this ref."
    if kind == "non_fast_forward" and not update["fast_forward"]:
        return "Cannot force-push to this ref."
    if kind == "pull_request" and not deleted:
        return "Changes must be made through a pull request."
    if kind == "required_status_checks" and not deleted:
        return "Required status checks are expected."
    return None


def record(state: State, repo: str, credential: str, updates: list[dict[str, Any]]) -> list[str]:
    refusals = judge_push(state, repo, credential, updates)
    who = _actor(state, repo, credential)
    state.pushes.append({"repo": repo, "by": who, "updates": updates, "refusals": refusals})
    return refusals
