"""Releases and Deployments: a GitHub Release carrying a release bundle, the commit a release's
tag stands for, a Deployment whose statuses follow `o16n deploy` as it goes, and the list of a
repository's deployments (what `o16n ledger verify --github` compares the ledger with).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from o16n.adapters.github.actions import Actions
from o16n.adapters.github.client import Client, call, pages, repo_url, repository
from o16n.errors import GitHubError

DEPLOYMENT_PAGES = 100  # 10,000 deployments; more is an error, not a silently shorter list


def release_commit(client: Client, actions: Actions, tag: str) -> str:
    """The commit a release's tag points at."""
    with call(actions, f"reading release {tag}"):
        found = repository(client, actions)
        release = found.release_from_tag(tag)
    if release is None:
        raise GitHubError(f"GitHub: no release tagged {tag!r} in {actions.repository}")
    target = str(release.target_commitish)
    if len(target) == 40 and all(c in "0123456789abcdef" for c in target):
        return target
    with call(actions, f"resolving {target!r}, the target of release {tag}"):
        branch = found.branch(target)
    if branch is None:
        raise GitHubError(f"GitHub: release {tag!r} targets {target!r}, which is not found")
    return str(branch.commit.sha)


def publish_release(client: Client, actions: Actions, tag: str, commit: str, bundle: Path) -> str:
    """A GitHub Release for `tag` with every file of the bundle as an asset; its URL."""
    with call(actions, f"creating release {tag}"):
        found = repository(client, actions)
        notes = (
            (bundle / "MODEL_CARD.md").read_text() if (bundle / "MODEL_CARD.md").is_file() else ""
        )
        created = found.create_release(tag, target_commitish=commit, name=tag, body=notes[:100_000])
    for path in sorted(p for p in bundle.rglob("*") if p.is_file()):
        name = str(path.relative_to(bundle)).replace("/", "--")
        with call(actions, f"uploading {name} to release {tag}"):
            created.upload_asset("application/octet-stream", name, path.read_bytes())
    return str(created.html_url)


class Deployment:
    """A GitHub Deployment of one version to one environment, and its statuses as it goes:
    pending while the deploy gate decides, in_progress while the desired state is written and
    committed, then success; failure when the gate refuses, error when something breaks."""

    def __init__(self, actions: Actions, created: Any) -> None:
        self.actions = actions
        self._created = created
        self.id = int(created.id)

    @classmethod
    def start(
        cls,
        client: Client,
        actions: Actions,
        *,
        commit: str,
        env: str,
        payload: Mapping[str, Any],
        description: str,
    ) -> Deployment:
        with call(actions, f"creating a deployment of {commit[:12]} to {env}"):
            created = repository(
                client, actions
            ).create_deployment(
                commit,
                required_contexts=[],  # the gate judged it; GitHub need not wait for checks
                payload=dict(payload),
                auto_merge=False,
                description=description[:140],
                environment=env,
            )
        if created is None:
            raise GitHubError(f"GitHub: the deployment of {commit[:12]} to {env} was not created")
        deployment = cls(actions, created)
        deployment.status("pending", description)
        return deployment

    def status(self, state: str, description: str) -> None:
        with call(self.actions, f"setting deployment {self.id} to {state}"):
            made = self._created.create_status(
                state, target_url=self.actions.run_url, description=description[:140]
            )
        if made is None:
            raise GitHubError(f"GitHub: deployment {self.id} did not take the state {state!r}")


@dataclass(frozen=True)
class ListedDeployment:
    """A deployment as GitHub lists it: which commit went to which environment, when, and the
    payload its creator sent (o16n's names the ledger record that decided it)."""

    id: int
    environment: str
    sha: str
    payload: Mapping[str, Any]
    created_at: str


def deployments(client: Client, actions: Actions) -> list[ListedDeployment]:
    """Every deployment of the repository, newest first, every page of them.

    https://docs.github.com/rest/deployments/deployments#list-deployments
    """
    what = f"listing the deployments of {actions.repository}"
    found = pages(client, actions, repo_url(actions, "deployments"), what, limit=DEPLOYMENT_PAGES)
    try:
        return [
            ListedDeployment(
                id=int(item["id"]),
                environment=str(item["environment"]),
                sha=str(item["sha"]),
                payload=_payload(item.get("payload")),
                created_at=str(item.get("created_at") or ""),
            )
            for item in found
        ]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise GitHubError(
            actions.redact(f"GitHub: {what}: incomplete response ({exc!r})")
        ) from None


def _payload(value: object) -> Mapping[str, Any]:
    """The payload as a mapping: GitHub gives back an object, or the string it was sent as
    (its schema allows both); anything else is no payload o16n wrote."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, Mapping) else {}
