"""A pull request: what review facts are made of, read as GitHub gives it (o16n.policy decides
what counts), and where o16n answers: one report comment on it and a status on its head; and
the pull requests a commit came by (a deploy runs on a push, where the event names none).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from github3 import exceptions as gh_exceptions

from o16n.adapters.github.actions import Actions
from o16n.adapters.github.client import Client, call, decode, pages, repo_url, repository
from o16n.errors import GitHubError

STATES = ("success", "failure", "error", "pending")


def pull_request(client: Client, actions: Actions, number: int) -> Any:
    with call(actions, f"reading pull request #{number} of {actions.repository}"):
        pull = client.pull_request(actions.owner, actions.name, number)
    if pull is None:
        raise GitHubError(
            f"GitHub: pull request #{number} of {actions.repository} not found",
            hint="check the number and that the token can read the repository",
        )
    return pull


@dataclass(frozen=True)
class ReviewData:
    """A pull request as review facts need it, in GitHub's own terms."""

    number: int
    author: str  # the login, as GitHub spells it
    head_sha: str
    base: str  # the branch it merges into
    labels: tuple[str, ...]
    reviews: tuple[dict[str, str], ...]  # user, state, commit_id, submitted_at; oldest first
    files: tuple[str, ...]  # the changed paths, sorted


def review_data(client: Client, actions: Actions, number: int) -> ReviewData:
    """The pull request, its reviews and its changed files."""
    pull = pull_request(client, actions, number)
    with call(actions, f"listing the reviews of #{number}"):
        reviews = tuple(
            {
                "user": str(r.user.login),
                "state": str(r.state),
                "commit_id": str(r.commit_id),
                "submitted_at": str(r.submitted_at or ""),
            }
            for r in pull.reviews()
            if r.user is not None
        )
    with call(actions, f"listing the files of #{number}"):
        files = tuple(sorted(str(f.filename) for f in pull.files()))
    return ReviewData(
        number=number,
        author=str(pull.user.login),
        head_sha=str(pull.head.sha),
        base=str(pull.base.ref),
        labels=tuple(sorted(str(label["name"]) for label in (pull.labels or []))),
        reviews=reviews,
        files=files,
    )


@dataclass(frozen=True)
class CommitPull:
    """A pull request a commit belongs to, in GitHub's own terms."""

    number: int
    base: str  # the branch it merges (or merged) into
    merged: bool
    merge_commit_sha: str | None  # GitHub's test merge while open; the merge once merged
    head_sha: str


def pulls_of_commit(client: Client, actions: Actions, sha: str) -> list[CommitPull]:
    """The pull requests associated with commit `sha`, as GitHub lists them: on the default
    branch, the merged one that introduced it; elsewhere, the open and merged ones that
    contain it. A commit pushed without a pull request has none: [].

    https://docs.github.com/rest/commits/commits#list-pull-requests-associated-with-a-commit
    """
    what = f"listing the pull requests of commit {sha[:12]}"
    found = pages(client, actions, repo_url(actions, "commits", sha, "pulls"), what)
    try:
        return [
            CommitPull(
                number=int(pull["number"]),
                base=str(pull["base"]["ref"]),
                merged=pull.get("merged_at") is not None,  # lists carry no `merged` flag
                merge_commit_sha=(
                    str(pull["merge_commit_sha"]) if pull.get("merge_commit_sha") else None
                ),
                head_sha=str(pull["head"]["sha"]),
            )
            for pull in found
        ]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise GitHubError(
            actions.redact(f"GitHub: {what}: incomplete response ({exc!r})")
        ) from None


def permission(client: Client, actions: Actions, login: str) -> str:
    """A collaborator's permission (admin, maintain, write, triage, read, none)."""
    what = f"reading the permission of @{login}"
    with call(actions, what):
        response = client.session.get(repo_url(actions, "collaborators", login, "permission"))
        if response.status_code == 404:
            return "none"
        data = decode(actions, response, what)
    return str(data.get("role_name") or data.get("permission") or "none")


def codeowners_text(
    client: Client, actions: Actions, ref: str, places: Sequence[str]
) -> tuple[str, str] | None:
    """CODEOWNERS at `ref` (GitHub reads it on the base branch), from the first of `places`
    that has it: (place, text), or None."""
    with call(actions, f"reading CODEOWNERS at {ref}"):
        found = repository(client, actions)
        for place in places:
            try:
                contents = found.file_contents(place, ref=ref)
            except gh_exceptions.NotFoundError:
                continue  # not in this place: try the next
            if contents is not None:
                return place, bytes(contents.decoded).decode("utf-8")
    return None


def upsert_comment(
    client: Client, actions: Actions, number: int, body: str, marker: str
) -> tuple[int, bool]:
    """Update o16n's comment on the PR (found by `marker`), or create it. (id, created)."""
    with call(actions, f"reading the comments of #{number}"):
        issue = client.issue(actions.owner, actions.name, number)
        if issue is None:
            raise GitHubError(f"GitHub: pull request #{number} of {actions.repository} not found")
        mine = next((c for c in issue.comments() if marker in (c.body or "")), None)
    if mine is not None:
        with call(actions, f"updating comment {mine.id} on #{number}"):
            mine.edit(body)
        return int(mine.id), False
    with call(actions, f"commenting on #{number}"):
        created = issue.create_comment(body)
    return int(created.id), True


def set_status(
    client: Client,
    actions: Actions,
    sha: str,
    state: str,
    description: str,
    context: str = "o16n/gate",
) -> None:
    if state not in STATES:
        raise ValueError(f"status state must be one of {STATES}")
    with call(actions, f"setting status {context} on {sha[:12]}"):
        repository(client, actions).create_status(
            sha, state, target_url=actions.run_url, description=description[:140], context=context
        )
