"""Protecting the branch the desired state lives on with repository rulesets, not classic
branch protection: a ruleset can name a deploy key as a bypass actor (classic protection
cannot exempt one), so the deploy workflow pushes the desired state, the ledger and the
tags with that key while every person, admins included when `enforce_admins`, goes through
a reviewed pull request with the required checks. (GitHub REST API: "Create a repository
ruleset", POST /repos/{owner}/{repo}/rulesets, `bypass_actors` with `actor_type: DeployKey`
and a null `actor_id`; "Update a repository ruleset", PUT .../rulesets/{id}; the GITHUB_TOKEN
of Actions cannot be a bypass actor.)

Two rulesets, found by name: the branch (pull request, status checks, no force-push, no
deletion) and the version and stage tags (no moving, no deleting). Each is written only when
it differs from what o16n.yaml asks for, so running `o16n github protect` again changes
nothing; classic protection on the branch is removed once the ruleset is in place (both
apply, and the classic one would refuse the deploy key). Only a repository admin's token may
do it.

The deploy key and the signing key are secrets of the deploy environments, not of the
repository: a repository secret is given to the workflow of any pull request from a branch of
the repository, which its author writes, so they could push past review with the key or sign
a ledger record. An environment whose deployment branch policy admits only the desired
state's branch gives its secrets to no job running elsewhere (GitHub docs, "Deployment
environments": deployment branches; REST: "Create or update an environment", PUT
/repos/{owner}/{repo}/environments/{name}; "Create a deployment branch policy", POST
.../environments/{name}/deployment-branch-policies; "Get a repository secret", GET
/repos/{owner}/{repo}/actions/secrets/{name}). So `protect` refuses while either key is a
repository secret, and restricts every environment o16n.yaml lists to the branch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests

from o16n.adapters.github.actions import Actions
from o16n.adapters.github.client import Client, call, decode, repo_url, retry_wait
from o16n.errors import GitHubError

ADMIN_ROLE = 5  # the RepositoryRole actor_id of the admin role
DEPLOY_KEYS: dict[str, Any] = {"actor_id": None, "actor_type": "DeployKey", "bypass_mode": "always"}
TAG_PATTERNS = ("refs/tags/*@v*", "refs/tags/*#*#*")  # GTO's version and stage tags


@dataclass(frozen=True)
class Ruleset:
    """A ruleset as o16n writes it: the fields of a POST body it compares."""

    body: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.body["name"])


def rulesets(
    branch: str,
    checks: Sequence[str],
    approvals: int,
    code_owners: bool,
    dismiss_stale: bool,
    admins: bool,
) -> list[Ruleset]:
    """The branch's ruleset and the tags' ruleset, as o16n.yaml's `github` settings say."""
    bypass: list[dict[str, Any]] = [DEPLOY_KEYS]
    if not admins:
        bypass.append(
            {"actor_id": ADMIN_ROLE, "actor_type": "RepositoryRole", "bypass_mode": "always"}
        )
    review: dict[str, Any] = {
        "required_approving_review_count": approvals,
        "dismiss_stale_reviews_on_push": dismiss_stale,
        "require_code_owner_review": code_owners,
        "require_last_push_approval": False,
        "required_review_thread_resolution": False,
    }
    status: dict[str, Any] = {
        "strict_required_status_checks_policy": True,
        "required_status_checks": [{"context": c} for c in sorted(checks)],
    }
    branch_rules: list[dict[str, Any]] = [
        {"type": "deletion"},
        {"type": "non_fast_forward"},
        {"type": "pull_request", "parameters": review},
        {"type": "required_status_checks", "parameters": status},
    ]
    return [
        Ruleset(
            _ruleset(f"o16n: {branch}", "branch", [f"refs/heads/{branch}"], branch_rules, bypass)
        ),
        Ruleset(
            _ruleset(
                "o16n: version and stage tags",
                "tag",
                list(TAG_PATTERNS),
                [{"type": "update"}, {"type": "deletion"}],
                bypass,
            )
        ),
    ]


def _ruleset(
    name: str,
    target: str,
    refs: list[str],
    rules: list[dict[str, Any]],
    bypass: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "name": name,
        "target": target,
        "enforcement": "active",
        "conditions": {"ref_name": {"include": refs, "exclude": []}},
        "bypass_actors": [dict(b) for b in bypass],
        "rules": rules,
    }


def _comparable(body: Mapping[str, Any]) -> dict[str, Any]:
    """A ruleset reduced to what o16n sets (GitHub adds ids, links, parameters' defaults)."""
    rules = []
    for rule in body.get("rules") or []:
        kept = {"type": rule.get("type")}
        if rule.get("parameters") is not None:
            kept["parameters"] = rule["parameters"]
        rules.append(kept)
    return {
        "name": body.get("name"),
        "target": body.get("target", "branch"),
        "enforcement": body.get("enforcement"),
        "conditions": body.get("conditions"),
        "bypass_actors": sorted(
            (dict(b) for b in body.get("bypass_actors") or []),
            key=lambda b: (str(b.get("actor_type")), str(b.get("actor_id"))),
        ),
        "rules": sorted(rules, key=lambda r: str(r["type"])),
    }


def apply_rulesets(client: Client, actions: Actions, wanted: Sequence[Ruleset]) -> list[str]:
    """Make the repository's rulesets named as in `wanted` what it says; the names of those
    created or changed ([] when all already were)."""
    url = repo_url(actions, "rulesets")
    listed = _get(client, actions, f"{url}?per_page=100", "listing the rulesets")
    existing = {item["name"]: item["id"] for item in listed}
    changed = []
    for ruleset in wanted:
        ident = existing.get(ruleset.name)
        what = f"writing the ruleset {ruleset.name!r}"
        if ident is None:
            _send(client, actions, "post", url, ruleset.body, what)
        else:
            current = _get(
                client, actions, f"{url}/{ident}", f"reading the ruleset {ruleset.name!r}"
            )
            if _comparable(current) == _comparable(ruleset.body):
                continue
            _send(client, actions, "put", f"{url}/{ident}", ruleset.body, what)
        changed.append(ruleset.name)
    return changed


def drop_classic(client: Client, actions: Actions, branch: str) -> bool:
    """Remove classic protection from `branch` (its ruleset now holds the same rules): with
    both, the classic one refuses the deploy key. False when there was none."""
    url = repo_url(actions, "branches", branch, "protection")
    what = f"reading the classic protection of {branch}"
    with call(actions, what):
        response = client.session.get(url)
        _refuse_without_admin(response, what)
        if response.status_code == 404:
            return False
        decode(actions, response, what)
    what = f"removing the classic protection of {branch} (its ruleset replaces it)"
    with call(actions, what):
        response = client.session.delete(url)
        _refuse_without_admin(response, what)
        if response.status_code != 204:
            decode(actions, response, what)
    return True


def _get(client: Client, actions: Actions, url: str, what: str) -> Any:
    with call(actions, what):
        response = client.session.get(url)
        _refuse_without_admin(response, what)
        return decode(actions, response, what)


def _send(
    client: Client, actions: Actions, method: str, url: str, body: Mapping[str, Any], what: str
) -> None:
    with call(actions, what):
        response = client.session.request(method.upper(), url, json=dict(body))
        _refuse_without_admin(response, what)
        decode(actions, response, what)


def _refuse_without_admin(response: requests.Response, what: str) -> None:
    if response.status_code == 403 and not retry_wait(response, 1, 0.0):
        raise GitHubError(
            f"GitHub: {what} was refused (HTTP 403): rulesets need an admin token",
            hint="use a token of a repository admin (the Actions GITHUB_TOKEN cannot do this)",
        )


# Secrets that must live in the deploy environments only (see the module's docstring).
ENVIRONMENT_SECRETS = ("O16N_DEPLOY_KEY", "O16N_SIGNING_KEY")
MAIN_ONLY: dict[str, Any] = {"protected_branches": False, "custom_branch_policies": True}


def refuse_repository_secrets(
    client: Client, actions: Actions, environments: Sequence[str]
) -> None:
    """Raise when a key that can push past review, or sign, is a repository secret."""
    for name in ENVIRONMENT_SECRETS:
        what = f"looking for a repository secret {name}"
        with call(actions, what):
            response = client.session.get(repo_url(actions, "actions", "secrets", name))
            _refuse_without_admin(response, what)
            if response.status_code == 404:
                continue
            decode(actions, response, what)
        raise GitHubError(
            f"{name} is a repository secret: the workflow of any pull request from a branch of "
            f"{actions.repository} can read it, so its author could "
            + ("push past review with it" if name == "O16N_DEPLOY_KEY" else "sign with it"),
            hint=f"delete the repository secret {name} and add it as a secret of the "
            f"environments {', '.join(environments)} (Settings > Environments), then run "
            "`o16n github protect` again",
        )


@dataclass(frozen=True)
class Restricted:
    changed: list[str]  # environments whose deployment branches o16n set
    others: dict[str, list[str]]  # environment -> other branches or tags it also admits


def restrict_environments(
    client: Client, actions: Actions, environments: Sequence[str], branch: str
) -> Restricted:
    """Each environment takes deployments from `branch` only (a custom deployment branch
    policy naming it), keeping its reviewers and wait timer; policies for other refs are
    reported, not removed (a person added them)."""
    changed, others = [], {}
    for env in environments:
        url = repo_url(actions, "environments", env)
        current = _get_or_none(client, actions, url, f"reading the environment {env}")
        if current is None or current.get("deployment_branch_policy") != MAIN_ONLY:
            body = {**_kept_protection(current), "deployment_branch_policy": MAIN_ONLY}
            what = f"restricting the environment {env} to deployments from {branch}"
            _send(client, actions, "put", url, body, what)
            changed.append(env)
        policies_url = f"{url}/deployment-branch-policies"
        listed = _get(client, actions, f"{policies_url}?per_page=100", f"listing {env}'s branches")
        names = {(p.get("type", "branch"), p["name"]) for p in listed.get("branch_policies", [])}
        if ("branch", branch) not in names:
            what = f"letting {branch} deploy to {env}"
            _send(client, actions, "post", policies_url, {"name": branch, "type": "branch"}, what)
            if env not in changed:
                changed.append(env)
        extra = sorted(
            f"{kind} {name}" for kind, name in names if (kind, name) != ("branch", branch)
        )
        if extra:
            others[env] = extra
    return Restricted(changed, others)


def _kept_protection(current: Mapping[str, Any] | None) -> dict[str, Any]:
    """The environment's reviewers and wait timer, sent again so an update keeps them."""
    kept: dict[str, Any] = {}
    for rule in (current or {}).get("protection_rules") or []:
        if rule.get("type") == "required_reviewers":
            kept["prevent_self_review"] = bool(rule.get("prevent_self_review"))
            kept["reviewers"] = [
                {"type": r.get("type"), "id": (r.get("reviewer") or {}).get("id")}
                for r in rule.get("reviewers") or []
            ]
        elif rule.get("type") == "wait_timer":
            kept["wait_timer"] = int(rule.get("wait_timer") or 0)
    return kept


def _get_or_none(client: Client, actions: Actions, url: str, what: str) -> Any:
    with call(actions, what):
        response = client.session.get(url)
        _refuse_without_admin(response, what)
        if response.status_code == 404:
            return None
        return decode(actions, response, what)
