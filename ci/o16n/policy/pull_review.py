"""Review facts from a GitHub pull request, in the shape of the git provider's (review.py).

GitHub's own rules decide what an approval is worth: each reviewer's latest verdict counts
(a comment does not change it; a dismissal does), an approval of another commit than the head
is stale, approvals without write access and the author's own do not count. People are
@logins; o16n.yaml's `teams` says which logins a CODEOWNERS team stands for. The GitHub adapter
reads the pull request, the permissions and CODEOWNERS; what they mean is decided here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from o16n.adapters import github
from o16n.policy import review
from o16n.policy.document import NotCounted, PullRequestReviewFacts

WRITE = frozenset({"admin", "maintain", "write"})


@dataclass(frozen=True)
class Review:
    user: str  # login
    state: str  # APPROVED | CHANGES_REQUESTED | DISMISSED | COMMENTED | PENDING
    commit_id: str
    submitted_at: str = ""


def latest_reviews(reviews: Iterable[Review]) -> dict[str, Review]:
    """Each reviewer's latest review that changes their verdict (COMMENTED and PENDING do not),
    in the order GitHub returns them (oldest first)."""
    latest: dict[str, Review] = {}
    for item in reviews:
        if item.state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[item.user.lower()] = item
    return latest


@dataclass(frozen=True)
class Approvals:
    counted: tuple[str, ...]  # "@login", approvers whose approval counts
    stale: tuple[str, ...]  # approved another commit than the head
    read_only: tuple[str, ...]  # approved without write access
    self_approved: bool
    changes_requested: tuple[str, ...]


def approvals(
    latest: Mapping[str, Review], head_sha: str, author: str, permissions: Mapping[str, str]
) -> Approvals:
    counted, stale, read_only, requested = [], [], [], []
    self_approved = False
    for login, item in sorted(latest.items()):
        if item.state == "CHANGES_REQUESTED":
            requested.append(f"@{login}")
        if item.state != "APPROVED":
            continue
        if login == author.lower():
            self_approved = True
        elif item.commit_id != head_sha:
            stale.append(f"@{login}")
        elif permissions.get(login, "none") not in WRITE:
            read_only.append(f"@{login}")
        else:
            counted.append(f"@{login}")
    return Approvals(
        tuple(counted), tuple(stale), tuple(read_only), self_approved, tuple(requested)
    )


def github_members(owner: str, teams: Mapping[str, Sequence[str]]) -> set[str]:
    """The @logins an owner stands for: itself when a user, else its `teams` entry in o16n.yaml."""
    if owner.startswith("@") and "/" not in owner:
        return {owner.lower()}
    return {m.lower() for m in teams.get(owner, ()) if m.startswith("@")}


def codeowners(client: github.Client, actions: github.Actions, ref: str) -> review.CodeOwners:
    """CODEOWNERS as on `ref` on GitHub, first of the usual places; none when there is none."""
    found = github.codeowners_text(client, actions, ref, review.CODEOWNERS_PLACES)
    if found is None:
        return review.CodeOwners((), None)
    place, text = found
    return review.parse_codeowners(text, f"{ref}:{place}")


def review_facts(
    client: github.Client,
    actions: github.Actions,
    number: int,
    teams: Mapping[str, Sequence[str]],
) -> PullRequestReviewFacts:
    """The same facts as the git provider, from the pull request, its reviews and CODEOWNERS
    on its base branch (where GitHub reads it). Permissions are read for approvers only."""
    pull = github.review_data(client, actions, number)
    latest = latest_reviews(Review(**raw) for raw in pull.reviews)
    approving = [login for login, r in latest.items() if r.state == "APPROVED"]
    permissions = {login: github.permission(client, actions, login) for login in approving}
    result = approvals(latest, pull.head_sha, pull.author, permissions)
    return pull_facts(pull, result, codeowners(client, actions, pull.base), teams)


def pull_facts(
    pull: github.ReviewData,
    result: Approvals,
    owners: review.CodeOwners,
    teams: Mapping[str, Sequence[str]],
) -> PullRequestReviewFacts:
    """The review facts of `pull`, whose approvals are `result`."""
    author = f"@{pull.author.lower()}"
    approvers = set(result.counted)
    stale = "stale: it approved an earlier commit than the head"
    not_counted = [NotCounted(who=w, commit="", reason=stale) for w in result.stale]
    not_counted += [
        NotCounted(who=w, commit="", reason="no write access to the repository")
        for w in result.read_only
    ]
    if result.self_approved:
        not_counted.append(NotCounted(who=author, commit="", reason="self-approval"))
    return {
        "provider": "github",
        "number": pull.number,
        "author": author,
        "authors": [author],
        "approvers": sorted(approvers),
        "approvals": len(approvers),
        "self_approved": result.self_approved,
        "not_counted": not_counted,
        "trust": "",
        "unapproved_history": [],
        "stale_approvals": list(result.stale),
        "read_only_approvals": list(result.read_only),
        "changes_requested": list(result.changes_requested),
        "environment_approvers": [],
        "labels": list(pull.labels),
        "head_sha": pull.head_sha,
        "base": pull.base,
        **review.ownership(pull.files, owners, approvers, lambda o: github_members(o, teams)),
    }


def deploy_review_facts(
    client: github.Client,
    actions: github.Actions,
    commit: str,
    env: str | None,
    teams: Mapping[str, Sequence[str]],
    files: Sequence[str] = (),
) -> PullRequestReviewFacts:
    """A deploy runs on a push to main, where the event names no pull request: the review facts
    are those of the pull request that merged `commit`, plus the people who approved this run's
    deployment to `env` (environment reviewers). A commit that reached main without a pull
    request has no approvals, and its changed `files` are judged with main's CODEOWNERS."""
    pulls = [p for p in github.pulls_of_commit(client, actions, commit) if p.merged]
    merged = [p for p in pulls if p.merge_commit_sha == commit] or pulls
    environment = sorted(
        {
            f"@{a.login.lower()}"
            for a in (
                github.run_approvals(client, actions, actions.run_id) if actions.run_id else []
            )
            if a.state == "approved" and env is not None and env in a.environments
        }
    )
    if not merged:
        facts = pull_facts(
            github.ReviewData(0, "", commit, "main", (), (), tuple(sorted(files))),
            Approvals((), (), (), False, ()),
            codeowners(client, actions, "main"),
            teams,
        )
        facts["author"], facts["authors"] = "", []
        facts["not_counted"] = [
            NotCounted(who=w, commit=commit, reason="no pull request merged this commit")
            for w in environment
        ]
        return facts
    facts = review_facts(client, actions, merged[0].number, teams)
    extra = [w for w in environment if w not in facts["authors"]]
    facts["not_counted"] += [
        NotCounted(who=w, commit=commit, reason="self-approval of the deployment")
        for w in environment
        if w in facts["authors"]
    ]
    facts["approvers"] = sorted(set(facts["approvers"]) | set(extra))
    facts["approvals"] = len(facts["approvers"])
    facts["environment_approvers"] = extra
    return facts
