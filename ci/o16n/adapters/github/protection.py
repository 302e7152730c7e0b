"""Branch protection: written only when it differs from what o16n.yaml asks for, so running
`o16n github protect` again changes nothing; only a repository admin's token may do it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import requests

from o16n.adapters.github.actions import Actions
from o16n.adapters.github.client import Client, call, decode, repo_url, retry_wait
from o16n.errors import GitHubError


def protection_payload(
    checks: Sequence[str], approvals: int, code_owners: bool, dismiss_stale: bool, admins: bool
) -> dict[str, Any]:
    """The body of PUT /repos/{owner}/{repo}/branches/{branch}/protection."""
    return {
        "required_status_checks": {"strict": True, "contexts": sorted(checks)},
        "enforce_admins": admins,
        "required_pull_request_reviews": {
            "dismiss_stale_reviews": dismiss_stale,
            "require_code_owner_reviews": code_owners,
            "required_approving_review_count": approvals,
        },
        "restrictions": None,
    }


def _as_configured(current: Mapping[str, Any]) -> dict[str, Any]:
    """GitHub's GET payload reduced to the fields of `protection_payload`."""
    checks = current.get("required_status_checks") or {}
    reviews = current.get("required_pull_request_reviews") or {}
    admins = current.get("enforce_admins") or {}
    return {
        "required_status_checks": {
            "strict": bool(checks.get("strict")),
            "contexts": sorted(checks.get("contexts") or []),
        },
        "enforce_admins": bool(admins.get("enabled")),
        "required_pull_request_reviews": {
            "dismiss_stale_reviews": bool(reviews.get("dismiss_stale_reviews")),
            "require_code_owner_reviews": bool(reviews.get("require_code_owner_reviews")),
            "required_approving_review_count": int(
                reviews.get("required_approving_review_count") or 0
            ),
        },
        "restrictions": None,
    }


def protect(client: Client, actions: Actions, branch: str, wanted: Mapping[str, Any]) -> bool:
    """Make `branch`'s protection what `wanted` says. False when it already was (no change)."""
    url = repo_url(actions, "branches", branch, "protection")
    what = f"reading the protection of {branch}"
    with call(actions, what):
        response = client.session.get(url)
        _refuse_without_admin(response, what)
        current = None if response.status_code == 404 else decode(actions, response, what)
    if current is not None and _as_configured(current) == dict(wanted):
        return False
    what = f"protecting {branch}"
    with call(actions, what):
        response = client.session.put(url, json=dict(wanted))
        _refuse_without_admin(response, what)
        decode(actions, response, what)
    return True


def _refuse_without_admin(response: requests.Response, what: str) -> None:
    if response.status_code == 403 and not retry_wait(response, 1, 0.0):
        raise GitHubError(
            f"GitHub: {what} was refused (HTTP 403): branch protection needs an admin token",
            hint="use a token of a repository admin (the Actions GITHUB_TOKEN cannot do this)",
        )
