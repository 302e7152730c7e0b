"""Issues: o16n keeps one open issue per model and environment while monitoring fires, found
again by a hidden marker in its body and its label, and comments on it as runs go by.
"""

from __future__ import annotations

from typing import Any

from o16n.adapters.github.actions import Actions
from o16n.adapters.github.client import Client, call, repository
from o16n.errors import GitHubError


def _open_issue(client: Client, actions: Actions, marker: str, label: str) -> Any:
    """o16n's open issue: labelled `label`, with `marker` in its body (pull requests excluded)."""
    with call(actions, f"listing the open issues labelled {label!r}"):
        for issue in repository(client, actions).issues(state="open", labels=label):
            if marker in (issue.body or "") and not issue.pull_request_urls:
                return issue
    return None


def find_issue(client: Client, actions: Actions, marker: str, label: str) -> int | None:
    """The number of o16n's open issue (see `upsert_issue`), or None."""
    issue = _open_issue(client, actions, marker, label)
    return None if issue is None else int(issue.number)


def upsert_issue(
    client: Client, actions: Actions, title: str, body: str, marker: str, label: str
) -> tuple[int, bool]:
    """Replace the body of o16n's open issue (found by `marker`), or open one. (number, created)"""
    issue = _open_issue(client, actions, marker, label)
    if issue is not None:
        with call(actions, f"updating issue #{issue.number}"):
            issue.edit(body=body)
        return int(issue.number), False
    with call(actions, f"opening an issue in {actions.repository}"):
        created = repository(client, actions).create_issue(title, body=body, labels=[label])
    if created is None:
        raise GitHubError(f"GitHub: opening an issue in {actions.repository} returned nothing")
    return int(created.number), True


def comment_on_issue(client: Client, actions: Actions, number: int, body: str) -> int:
    with call(actions, f"commenting on issue #{number}"):
        issue = client.issue(actions.owner, actions.name, number)
        if issue is None:
            raise GitHubError(f"GitHub: issue #{number} of {actions.repository} not found")
        return int(issue.create_comment(body).id)
