"""The emulator's in-memory GitHub and the builders that turn it into REST payloads.

Every payload starts as a deep copy of a recorded response in `payloads/` (see NOTICE.md): its
keys are kept, so github3.py finds every key it reads, and its values are replaced: ids, names,
users, timestamps, and every absolute URL, which must point back at the emulator because
github3.py follows `url`, `comments_url`, `upload_url`... instead of building paths itself.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import itertools
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

PAYLOADS = Path(__file__).parent / "payloads"
DOCS = "https://docs.github.com/rest"
PERMISSIONS = ("admin", "maintain", "write", "triage", "read", "none")
STATUS_STATES = ("error", "failure", "pending", "success")
REVIEW_STATES = ("APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING")
# The states of a deployment review (docs: "Get the review history for a workflow run").
APPROVAL_STATES = ("approved", "rejected", "pending")
DEPLOYMENT_STATES = ("error", "failure", "inactive", "in_progress", "queued", "pending", "success")

# Hosts in the recordings and the emulator's stand-in for each (`api`, `uploads` or `web`).
_GITHUB_HOST = re.compile(r"https?://(?:([a-z0-9-]+)\.)?(?:github\.com|githubusercontent\.com)")


class ApiError(Exception):
    """A GitHub error response: `{"message": ..., "documentation_url": ...}` with a status."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"message": message, **extra, "documentation_url": DOCS}


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


@cache
def _template(name: str) -> Any:
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))


def template(name: str) -> Any:
    """A fresh deep copy of the recorded payload `payloads/<name>.json`."""
    return copy.deepcopy(_template(name))


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fake_sha(*parts: object) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()


@dataclass
class Urls:
    """The emulator's addresses: API root, release uploads, and the "web" (html, downloads)."""

    base: str

    @property
    def api(self) -> str:
        return f"{self.base}/api/v3"

    @property
    def uploads(self) -> str:
        return f"{self.base}/api/uploads"

    def repo(self, full: str) -> str:
        return f"{self.api}/repos/{full}"

    def web(self, path: str) -> str:
        return f"{self.base}/{path}"

    def rehost(self, obj: Any, replacements: tuple[tuple[str, str], ...] = ()) -> Any:
        """Point every github.com URL in `obj` at the emulator, then apply `replacements`."""
        if isinstance(obj, dict):
            return {k: self.rehost(v, replacements) for k, v in obj.items()}
        if isinstance(obj, list):
            return [self.rehost(v, replacements) for v in obj]
        if not isinstance(obj, str):
            return obj
        text = _GITHUB_HOST.sub(self._host_for, obj)
        for old, new in replacements:
            text = text.replace(old, new)
        return text

    def _host_for(self, match: re.Match[str]) -> str:
        sub = match.group(1)
        if sub == "api":
            return self.api
        if sub == "uploads":
            return self.uploads
        return self.base


@dataclass
class Pull:
    repo: str
    number: int
    author: str
    head_sha: str
    base: str
    head: str
    title: str
    body: str
    files: list[dict[str, Any]]
    created_at: str = field(default_factory=now)
    merge_commit_sha: str | None = None  # set when merged (see GitHubEmulator.merge_pull)
    merged_at: str | None = None
    merged_by: str | None = None


@dataclass
class Issue:
    """An issue, or the issue side of a pull request (they share numbers, as on GitHub)."""

    repo: str
    number: int
    author: str
    title: str
    body: str
    labels: list[str]
    state: str = "open"
    is_pull: bool = False
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)
    closed_at: str | None = None


@dataclass
class Repo:
    owner: str
    name: str
    default_branch: str
    id: int
    branches: dict[str, str] = field(default_factory=dict)  # name -> head sha

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


class State:
    """Everything the emulated GitHub holds; tests read these attributes to assert on effects.

    Records are plain dicts or dataclasses keyed by repo full name ("owner/name") and number.
    """

    def __init__(self, urls: Urls) -> None:
        self.urls = urls
        self._ids = itertools.count(1000)
        self.tokens: dict[str, str] = {}  # token -> login
        self.users: dict[str, dict[str, Any]] = {}  # login -> {"id", "permission"}
        self.repos: dict[str, Repo] = {}
        self.issues: dict[tuple[str, int], Issue] = {}
        self.pulls: dict[tuple[str, int], Pull] = {}
        self.reviews: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self.comments: dict[int, dict[str, Any]] = {}  # id -> {"repo", "number", "body", ...}
        self.statuses: dict[tuple[str, str], list[dict[str, Any]]] = {}  # (repo, sha) -> oldest 1st
        self.protection: dict[tuple[str, str], dict[str, Any]] = {}  # (repo, branch) -> PUT body
        self.rulesets: dict[int, dict[str, Any]] = {}  # id -> {"repo", and the POST body}
        # a push credential (what an SSH deploy key stands for) -> (repo, title, read_only)
        self.deploy_keys: dict[str, tuple[str, str, bool]] = {}
        self.pushes: list[dict[str, Any]] = []  # each pre-receive asked: who, what, refusals
        self.files: dict[tuple[str, str, str], str] = {}  # (repo, ref, path) -> text
        self.runs: dict[int, dict[str, Any]] = {}
        self.artifacts: dict[int, dict[str, Any]] = {}
        self.releases: dict[int, dict[str, Any]] = {}
        self.assets: dict[int, dict[str, Any]] = {}
        self.deployments: dict[int, dict[str, Any]] = {}
        self.deployment_statuses: dict[int, list[dict[str, Any]]] = {}
        # (repo, workflow file) -> {"id", "inputs": {name: required}}; dispatches oldest first
        self.workflows: dict[tuple[str, str], dict[str, Any]] = {}
        self.dispatches: list[dict[str, Any]] = []
        # run id -> deployment reviews of the run, oldest first: {"environments", "state", ...}
        self.run_approvals: dict[int, list[dict[str, Any]]] = {}
        # (repo, name) -> {"wait_timer", "reviewers", "prevent_self_review",
        # "deployment_branch_policy", "branch_policies": [{"id", "name", "type"}]}
        self.environments: dict[tuple[str, str], dict[str, Any]] = {}
        self.repo_secrets: dict[str, set[str]] = {}  # repo -> names of its repository secrets

    def new_id(self) -> int:
        return next(self._ids)

    # -- lookups that raise GitHub's errors --------------------------------------------------

    def repo(self, full: str) -> Repo:
        if full not in self.repos:
            raise not_found()
        return self.repos[full]

    def pull(self, full: str, number: int) -> Pull:
        if (full, number) not in self.pulls:
            raise not_found()
        return self.pulls[(full, number)]

    def issue(self, full: str, number: int) -> Issue:
        if (full, number) not in self.issues:
            raise not_found()
        return self.issues[(full, number)]

    def permission(self, login: str) -> str:
        return self.users.get(login, {}).get("permission", "none")

    def comments_on(self, full: str, number: int) -> list[dict[str, Any]]:
        """The comments of one issue or pull request, oldest first."""
        return [c for c in self.comments.values() if (c["repo"], c["number"]) == (full, number)]

    # -- builders: users and repos -----------------------------------------------------------

    def ensure_user(self, login: str, permission: str = "none") -> dict[str, Any]:
        return self.users.setdefault(login, {"id": self.new_id(), "permission": permission})

    def user_payload(self, login: str) -> dict[str, Any]:
        record = self.ensure_user(login)
        user = template("user_example")
        api = f"{self.urls.api}/users/{login}"
        user.update(
            {
                "login": login,
                "id": record["id"],
                "node_id": base64.b64encode(f"04:User{record['id']}".encode()).decode(),
                "avatar_url": self.urls.web(f"avatars/{login}"),
                "url": api,
                "html_url": self.urls.web(login),
                "followers_url": f"{api}/followers",
                "following_url": f"{api}/following{{/other_user}}",
                "gists_url": f"{api}/gists{{/gist_id}}",
                "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
                "subscriptions_url": f"{api}/subscriptions",
                "organizations_url": f"{api}/orgs",
                "repos_url": f"{api}/repos",
                "events_url": f"{api}/events{{/privacy}}",
                "received_events_url": f"{api}/received_events",
                "type": "Bot" if login.endswith("[bot]") else "User",
                "name": login,
                "company": None,
                "blog": "",
                "location": None,
                "email": None,
                "bio": None,
            }
        )
        return user

    def _patch_repo(self, recorded: dict[str, Any], full: str) -> dict[str, Any]:
        """A recorded repository object (top level or nested) turned into `full`."""
        repo = self.repo(full)
        old = recorded["full_name"]
        patched = self.urls.rehost(recorded, ((old, full),))
        patched.update(
            {
                "id": repo.id,
                "name": repo.name,
                "full_name": full,
                "owner": self.user_payload(repo.owner),
                "html_url": self.urls.web(full),
                "url": self.urls.repo(full),
            }
        )
        if "default_branch" in patched:
            patched["default_branch"] = repo.default_branch
        for key in ("git_url", "ssh_url", "clone_url", "svn_url", "mirror_url"):
            if key in patched:
                patched[key] = self.urls.web(f"{full}.git")
        return patched

    def repo_payload(self, full: str) -> dict[str, Any]:
        payload = self._patch_repo(template("repo_example"), full)
        payload.update({"homepage": None, "description": None, "private": True, "fork": False})
        return payload

    def permission_payload(self, full: str, login: str) -> dict[str, Any]:
        self.repo(full)
        permission = self.permission(login)
        # GitHub folds maintain/triage into the legacy write/read in `permission`.
        legacy = {"maintain": "write", "triage": "read"}.get(permission, permission)
        return {"permission": legacy, "role_name": permission, "user": self.user_payload(login)}

    # -- pull requests, reviews, files, issues, comments -------------------------------------

    def pull_payload(self, full: str, number: int) -> dict[str, Any]:
        return self._pull_payload(full, number, template("pull_request_example"))

    def pulls_of_commit(self, full: str, sha: str) -> list[Pull]:
        """The pull requests a commit belongs to, newest first: those whose head is the commit
        and the merged ones whose merge commit it is (how a commit reaches `main` by a PR)."""
        self.repo(full)
        found = [
            pull
            for (repo, _), pull in self.pulls.items()
            if repo == full and sha in (pull.head_sha, pull.merge_commit_sha)
        ]
        return sorted(found, key=lambda pull: -pull.number)

    def simple_pull_payload(self, full: str, number: int) -> dict[str, Any]:
        """A pull request as lists give it (GitHub's "pull-request-simple"): the keys of the
        recording of "List pull requests associated with a commit", the values of `pull_payload`."""
        recorded = template("commit_pulls_example")[0]
        payload = self._pull_payload(full, number, recorded)
        return {key: value for key, value in payload.items() if key in recorded}

    def _pull_payload(self, full: str, number: int, recorded: dict[str, Any]) -> dict[str, Any]:
        pull, issue = self.pull(full, number), self.issue(full, number)
        old_sha = recorded["head"]["sha"]
        payload = self.urls.rehost(
            recorded,
            (("octocat/Hello-World", full), ("/1347", f"/{number}"), (old_sha, pull.head_sha)),
        )
        repo = self.repo(full)
        sides = {"head": (pull.head, pull.head_sha), "base": (pull.base, repo.branches[pull.base])}
        for side, (ref, sha) in sides.items():
            payload[side].update(
                {
                    "label": f"{repo.owner}:{ref}",
                    "ref": ref,
                    "sha": sha,
                    "user": self.user_payload(repo.owner),
                    "repo": self._patch_repo(recorded[side]["repo"], full),
                }
            )
        payload.update(
            {
                "id": self._stable_id("pull", full, number),
                "node_id": f"PR_{full}_{number}",
                "number": number,
                "state": issue.state,
                "locked": False,
                "active_lock_reason": None,
                "title": pull.title,
                "body": pull.body,
                "body_html": pull.body,
                "body_text": pull.body,
                "user": self.user_payload(pull.author),
                "labels": [self.label_payload(full, name) for name in issue.labels],
                "milestone": None,
                "assignee": None,
                "assignees": [],
                "requested_reviewers": [],
                "requested_teams": [],
                "created_at": pull.created_at,
                "updated_at": issue.updated_at,
                "closed_at": issue.closed_at,
                "merged_at": pull.merged_at,
                "merge_commit_sha": pull.merge_commit_sha,
                "merged": pull.merged_at is not None,
                "merged_by": self.user_payload(pull.merged_by) if pull.merged_by else None,
                "author_association": self._association(pull.author),
                "comments": len(self.comments_on(full, number)),
                "review_comments": 0,
                "commits": 1,
                "additions": sum(f["additions"] for f in pull.files),
                "deletions": sum(f["deletions"] for f in pull.files),
                "changed_files": len(pull.files),
            }
        )
        return payload

    def _stable_id(self, kind: str, *key: object) -> int:
        return int(fake_sha(kind, *key)[:8], 16)

    def _association(self, login: str) -> str:
        return {"admin": "OWNER", "maintain": "MEMBER", "write": "COLLABORATOR"}.get(
            self.permission(login), "CONTRIBUTOR"
        )

    def label_payload(self, full: str, name: str) -> dict[str, Any]:
        label = self.urls.rehost(template("pull_request_example")["labels"][0])
        label.update(
            {
                "id": self._stable_id("label", full, name),
                "node_id": f"LA_{name}",
                "url": f"{self.urls.repo(full)}/labels/{name}",
                "name": name,
                "description": None,
                "color": "ededed",
                "default": False,
            }
        )
        return label

    def file_payload(self, full: str, pull: Pull, entry: dict[str, Any]) -> dict[str, Any]:
        payload = template("pull_file_example")
        name = entry["filename"]
        payload.update(
            {
                "sha": fake_sha(full, pull.head_sha, name),
                "filename": name,
                "status": entry.get("status", "modified"),
                "additions": entry.get("additions", 0),
                "deletions": entry.get("deletions", 0),
                "changes": entry.get("additions", 0) + entry.get("deletions", 0),
                "blob_url": self.urls.web(f"{full}/blob/{pull.head_sha}/{name}"),
                "raw_url": self.urls.web(f"{full}/raw/{pull.head_sha}/{name}"),
                "contents_url": f"{self.urls.repo(full)}/contents/{name}?ref={pull.head_sha}",
                "patch": entry.get("patch", ""),
            }
        )
        return payload

    def review_payload(self, review: dict[str, Any]) -> dict[str, Any]:
        full, number = review["repo"], review["number"]
        html = self.urls.web(f"{full}/pull/{number}#pullrequestreview-{review['id']}")
        pull_url = f"{self.urls.repo(full)}/pulls/{number}"
        payload = template("pull_review_example")
        payload.update(
            {
                "id": review["id"],
                "node_id": f"PRR_{review['id']}",
                "user": self.user_payload(review["user"]),
                "body": review["body"],
                "body_html": review["body"],
                "body_text": review["body"],
                "commit_id": review["commit_id"],
                "state": review["state"],
                "html_url": html,
                "pull_request_url": pull_url,
                "author_association": self._association(review["user"]),
                "submitted_at": review["submitted_at"],
                "_links": {"html": {"href": html}, "pull_request": {"href": pull_url}},
            }
        )
        return payload

    def issue_payload(self, full: str, number: int) -> dict[str, Any]:
        issue = self.issue(full, number)
        payload = self.urls.rehost(
            template("issue_example"), (("octocat/Hello-World", full), ("/1347", f"/{number}"))
        )
        payload.update(
            {
                "id": self._stable_id("issue", full, number),
                "number": number,
                "state": issue.state,
                "title": issue.title,
                "body": issue.body,
                "body_html": issue.body,
                "body_text": issue.body,
                "user": self.user_payload(issue.author),
                "labels": [self.label_payload(full, name) for name in issue.labels],
                "assignee": None,
                "assignees": [],
                "milestone": None,
                "locked": False,
                "comments": len(self.comments_on(full, number)),
                "closed_at": issue.closed_at,
                "closed_by": None,
                "created_at": issue.created_at,
                "updated_at": issue.updated_at,
                "author_association": self._association(issue.author),
            }
        )
        if not issue.is_pull:
            # GitHub sets `pull_request` only on the issue side of a pull request; clients
            # tell issues from pull requests by its presence.
            del payload["pull_request"]
        return payload

    def comment_payload(self, comment_id: int) -> dict[str, Any]:
        comment = self.comments[comment_id]
        full, number = comment["repo"], comment["number"]
        payload = template("comment_example")
        payload.update(
            {
                "id": comment_id,
                "node_id": f"IC_{comment_id}",
                "url": f"{self.urls.repo(full)}/issues/comments/{comment_id}",
                "html_url": self.urls.web(f"{full}/issues/{number}#issuecomment-{comment_id}"),
                "issue_url": f"{self.urls.repo(full)}/issues/{number}",
                "body": comment["body"],
                "body_html": comment["body"],
                "body_text": comment["body"],
                "user": self.user_payload(comment["user"]),
                "author_association": self._association(comment["user"]),
                "created_at": comment["created_at"],
                "updated_at": comment["updated_at"],
                # The recording is a commit comment; an issue comment has no diff position.
                "path": None,
                "position": None,
                "line": None,
                "commit_id": None,
            }
        )
        return payload

    # -- commit statuses ---------------------------------------------------------------------

    def status_payload(self, status: dict[str, Any]) -> dict[str, Any]:
        payload = template("octokit_status")
        payload.update({k: status[k] for k in ("id", "state", "description", "target_url")})
        payload.update(
            {
                "url": f"{self.urls.repo(status['repo'])}/statuses/{status['sha']}",
                "avatar_url": self.urls.web(f"avatars/{status['creator']}"),
                "node_id": f"SC_{status['id']}",
                "context": status["context"],
                "created_at": status["created_at"],
                "updated_at": status["created_at"],
                "creator": self.user_payload(status["creator"]),
            }
        )
        return payload

    def latest_statuses(self, full: str, sha: str) -> list[dict[str, Any]]:
        """The newest status of each context, as GitHub's combined status shows them."""
        latest: dict[str, dict[str, Any]] = {}
        for status in self.statuses.get((full, sha), []):
            latest[status["context"]] = status
        return list(latest.values())

    def combined_status_payload(self, full: str, sha: str) -> dict[str, Any]:
        statuses = self.latest_statuses(full, sha)
        states = {s["state"] for s in statuses}
        if states & {"error", "failure"}:
            state = "failure"
        elif "pending" in states or not states:
            state = "pending"
        else:
            state = "success"
        recorded = template("repos_combined_status_example")
        payload = self.urls.rehost(recorded, ((recorded["sha"], sha),))
        payload.update(
            {
                "state": state,
                "statuses": [self.status_payload(s) for s in statuses],
                "sha": sha,
                "total_count": len(statuses),
                "repository": self._patch_repo(recorded["repository"], full),
                "commit_url": f"{self.urls.repo(full)}/commits/{sha}",
                "url": f"{self.urls.repo(full)}/commits/{sha}/status",
            }
        )
        return payload

    # -- contents, branches, protection ------------------------------------------------------

    def resolve(self, full: str, ref: str) -> str:
        """A branch name to its head sha; anything else is taken as a sha."""
        return self.repo(full).branches.get(ref, ref)

    def contents_payload(self, full: str, ref: str, path: str) -> dict[str, Any]:
        text = self.files.get((full, ref, path))
        if text is None:
            raise not_found()
        data = text.encode()
        sha = fake_sha("blob", data)
        api = f"{self.urls.repo(full)}/contents/{path}?ref={ref}"
        html = self.urls.web(f"{full}/blob/{ref}/{path}")
        git = f"{self.urls.repo(full)}/git/blobs/{sha}"
        payload = template("contents_file")
        payload.update(
            {
                "size": len(data),
                "name": path.rsplit("/", 1)[-1],
                "path": path,
                # GitHub wraps the base64 text at 60 characters.
                "content": base64.encodebytes(data).decode(),
                "sha": sha,
                "url": api,
                "git_url": git,
                "html_url": html,
                "download_url": self.urls.web(f"_downloads/raw/{full}/{ref}/{path}"),
                "_links": {"git": git, "self": api, "html": html},
            }
        )
        return payload

    def branch_payload(self, full: str, name: str) -> dict[str, Any]:
        repo = self.repo(full)
        if name not in repo.branches:
            raise ApiError(404, "Branch not found")
        recorded = template("repos_branch_example")
        old_sha = recorded["commit"]["sha"]
        sha = repo.branches[name]
        payload = self.urls.rehost(recorded, (("octocat/Hello-World", full), (old_sha, sha)))
        protected = (full, name) in self.protection
        contexts = self._required_contexts(full, name)
        payload["commit"]["author"] = payload["commit"]["committer"] = self.user_payload(repo.owner)
        payload["commit"]["parents"] = []
        payload.update(
            {
                "name": name,
                "_links": {
                    "html": self.urls.web(f"{full}/tree/{name}"),
                    "self": f"{self.urls.repo(full)}/branches/{name}",
                },
                "protected": protected,
                "protection": {
                    "enabled": protected,
                    "required_status_checks": {
                        "enforcement_level": "non_admins" if contexts else "off",
                        "contexts": contexts,
                    },
                },
                "protection_url": f"{self.urls.repo(full)}/branches/{name}/protection",
            }
        )
        return payload

    def _required_contexts(self, full: str, branch: str) -> list[str]:
        checks = (self.protection.get((full, branch)) or {}).get("required_status_checks") or {}
        return list(checks.get("contexts") or [])

    def protection_payload(self, full: str, branch: str) -> dict[str, Any]:
        """GitHub's view of the stored PUT body: disabled sections are left out, as GitHub does."""
        body = self.protection.get((full, branch))
        if body is None:
            raise ApiError(404, "Branch not protected")
        url = f"{self.urls.repo(full)}/branches/{branch}/protection"
        recorded = self.urls.rehost(template("branch_protection_example"))
        payload: dict[str, Any] = {"url": url}
        checks = body.get("required_status_checks")
        if checks:
            payload["required_status_checks"] = {
                **recorded["required_status_checks"],
                "url": f"{url}/required_status_checks",
                "strict": bool(checks.get("strict")),
                "contexts": list(checks.get("contexts") or []),
                "contexts_url": f"{url}/required_status_checks/contexts",
                "checks": [{"context": c, "app_id": None} for c in checks.get("contexts") or []],
                "enforcement_level": "everyone" if body.get("enforce_admins") else "non_admins",
            }
        payload["enforce_admins"] = {
            "url": f"{url}/enforce_admins",
            "enabled": bool(body.get("enforce_admins")),
        }
        reviews = body.get("required_pull_request_reviews")
        if reviews:
            dismissal = reviews.get("dismissal_restrictions") or {}
            payload["required_pull_request_reviews"] = {
                **recorded["required_pull_request_reviews"],
                "url": f"{url}/required_pull_request_reviews",
                "dismissal_restrictions": self._restrictions(
                    f"{url}/dismissal_restrictions", dismissal, recorded
                ),
                "dismiss_stale_reviews": bool(reviews.get("dismiss_stale_reviews")),
                "require_code_owner_reviews": bool(reviews.get("require_code_owner_reviews")),
                "required_approving_review_count": reviews.get(
                    "required_approving_review_count", 1
                ),
            }
        if body.get("restrictions"):
            payload["restrictions"] = self._restrictions(
                f"{url}/restrictions", body["restrictions"], recorded
            )
        for flag in (
            "required_linear_history",
            "allow_force_pushes",
            "allow_deletions",
            "required_conversation_resolution",
        ):
            payload[flag] = {"enabled": bool(body.get(flag))}
        return payload

    def _restrictions(
        self, url: str, given: dict[str, Any], recorded: dict[str, Any]
    ) -> dict[str, Any]:
        team = recorded["restrictions"]["teams"][0]
        org = url.split("/repos/", 1)[1].split("/", 1)[0]
        return {
            "url": url,
            "users_url": f"{url}/users",
            "teams_url": f"{url}/teams",
            "apps_url": f"{url}/apps",
            "users": [self.user_payload(login) for login in given.get("users") or []],
            "teams": [self._team(team, org, slug) for slug in given.get("teams") or []],
            "apps": [],
        }

    def _team(self, recorded: dict[str, Any], org: str, slug: str) -> dict[str, Any]:
        team_id = self._stable_id("team", org, slug)
        api = f"{self.urls.api}/teams/{team_id}"
        return {
            **recorded,
            "id": team_id,
            "node_id": f"T_{team_id}",
            "url": api,
            "html_url": self.urls.web(f"orgs/{org}/teams/{slug}"),
            "name": slug,
            "slug": slug,
            "description": None,
            "members_url": f"{api}/members{{/member}}",
            "repositories_url": f"{api}/repos",
        }

    # -- Actions -----------------------------------------------------------------------------

    def run_payload(self, run_id: int) -> dict[str, Any]:
        run = self.runs.get(run_id)
        if run is None:
            raise not_found()
        full = run["repo"]
        api = f"{self.urls.repo(full)}/actions/runs/{run_id}"
        payload = template("workflow_run")
        workflow_url = f"{self.urls.repo(full)}/actions/workflows/{payload['workflow_id']}"
        payload.update({k: run[k] for k in ("head_sha", "head_branch", "event", "status")})
        payload.update(
            {
                "id": run_id,
                "node_id": f"WFR_{run_id}",
                "name": run["name"],
                "display_title": run["name"],
                "run_number": run_id,
                "conclusion": run["conclusion"],
                "url": api,
                "html_url": self.urls.web(f"{full}/actions/runs/{run_id}"),
                "pull_requests": [self._run_pull(full, n) for n in run["pull_requests"]],
                "created_at": run["created_at"],
                "updated_at": run["created_at"],
                "run_started_at": run["created_at"],
                "actor": self.user_payload(run["actor"]),
                "triggering_actor": self.user_payload(run["actor"]),
                "jobs_url": f"{api}/jobs",
                "logs_url": f"{api}/logs",
                "check_suite_url": f"{self.urls.repo(full)}/check-suites/{run_id}",
                "artifacts_url": f"{api}/artifacts",
                "cancel_url": f"{api}/cancel",
                "rerun_url": f"{api}/rerun",
                "workflow_url": workflow_url,
                "repository": self.repo_payload(full),
                "head_repository": self.repo_payload(full),
            }
        )
        return payload

    def _run_pull(self, full: str, number: int) -> dict[str, Any]:
        pull, repo = self.pull(full, number), self.repo(full)
        short_repo = {"id": repo.id, "url": self.urls.repo(full), "name": repo.name}
        return {
            "url": f"{self.urls.repo(full)}/pulls/{number}",
            "id": self._stable_id("pull", full, number),
            "number": number,
            "head": {"ref": pull.head, "sha": pull.head_sha, "repo": short_repo},
            "base": {"ref": pull.base, "sha": repo.branches[pull.base], "repo": short_repo},
        }

    def run_approval_payload(self, approval: dict[str, Any]) -> dict[str, Any]:
        """One deployment review of a run: who approved or rejected which environments."""
        full = self.runs[approval["run_id"]]["repo"]
        payload = template("run_approvals_example")[0]
        recorded_environment = payload["environments"][0]
        environments = []
        for name in approval["environments"]:
            environment_id = self._stable_id("environment", full, name)
            environments.append(
                {
                    **recorded_environment,
                    "id": environment_id,
                    "node_id": base64.b64encode(f"EN_{environment_id}".encode()).decode(),
                    "name": name,
                    "url": f"{self.urls.repo(full)}/environments/{name}",
                    "html_url": self.urls.web(
                        f"{full}/deployments/activity_log?environments_filter={name}"
                    ),
                    "created_at": approval["created_at"],
                    "updated_at": approval["created_at"],
                }
            )
        payload.update(
            {
                "state": approval["state"],
                "comment": approval["comment"],
                "environments": environments,
                "user": self.user_payload(approval["user"]),
            }
        )
        return payload

    def artifact_payload(self, artifact_id: int) -> dict[str, Any]:
        artifact = self.artifacts.get(artifact_id)
        if artifact is None:
            raise not_found()
        run = self.runs[artifact["run_id"]]
        api = f"{self.urls.repo(run['repo'])}/actions/artifacts/{artifact_id}"
        created = datetime.strptime(run["created_at"], "%Y-%m-%dT%H:%M:%SZ")
        payload = template("artifact")
        payload.update(
            {
                "id": artifact_id,
                "node_id": f"A_{artifact_id}",
                "name": artifact["name"],
                "size_in_bytes": len(artifact["zip"]),
                "url": api,
                "archive_download_url": f"{api}/zip",
                "expired": False,
                "created_at": run["created_at"],
                "updated_at": run["created_at"],
                "expires_at": (created + timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "workflow_run": {
                    "id": run["id"],
                    "repository_id": self.repo(run["repo"]).id,
                    "head_repository_id": self.repo(run["repo"]).id,
                    "head_branch": run["head_branch"],
                    "head_sha": run["head_sha"],
                },
            }
        )
        return payload

    # -- releases and deployments ------------------------------------------------------------

    def release_payload(self, release_id: int) -> dict[str, Any]:
        release = self.releases.get(release_id)
        if release is None:
            raise not_found()
        full, tag = release["repo"], release["tag_name"]
        api = f"{self.urls.repo(full)}/releases/{release_id}"
        payload = template("repos_release_example")
        payload.update({k: release[k] for k in ("tag_name", "target_commitish", "draft")})
        payload.update(
            {
                "id": release_id,
                "url": api,
                "assets_url": f"{api}/assets",
                "upload_url": (
                    f"{self.urls.uploads}/repos/{full}/releases/{release_id}/assets{{?name,label}}"
                ),
                "html_url": self.urls.web(f"{full}/releases/tag/{tag}"),
                "name": release["name"],
                "prerelease": release["prerelease"],
                "author": self.user_payload(release["author"]),
                "created_at": release["created_at"],
                "published_at": None if release["draft"] else release["created_at"],
                "assets": [
                    self.asset_payload(a)
                    for a, v in self.assets.items()
                    if v["release"] == release_id
                ],
                "tarball_url": f"{self.urls.repo(full)}/tarball/{tag}",
                "zipball_url": f"{self.urls.repo(full)}/zipball/{tag}",
                "body": release["body"],
                "body_html": release["body"],
                "body_text": release["body"],
            }
        )
        return payload

    def asset_payload(self, asset_id: int) -> dict[str, Any]:
        asset = self.assets[asset_id]
        full = self.releases[asset["release"]]["repo"]
        payload = template("repos_asset_example")
        payload.update({k: asset[k] for k in ("name", "label", "content_type")})
        payload.update(
            {
                "id": asset_id,
                "node_id": f"RA_{asset_id}",
                "url": f"{self.urls.repo(full)}/releases/assets/{asset_id}",
                "uploader": self.user_payload(asset["uploader"]),
                "state": "uploaded",
                "size": len(asset["data"]),
                "download_count": asset["download_count"],
                "created_at": asset["created_at"],
                "updated_at": asset["created_at"],
                "browser_download_url": self.urls.web(f"_downloads/asset/{asset_id}"),
            }
        )
        return payload

    def deployment_payload(self, deployment_id: int) -> dict[str, Any]:
        deployment = self.deployments.get(deployment_id)
        if deployment is None:
            raise not_found()
        full = deployment["repo"]
        api = f"{self.urls.repo(full)}/deployments/{deployment_id}"
        payload = template("repos_deployment_example")
        fields = ("sha", "ref", "task", "payload", "environment", "description")
        payload.update({k: deployment[k] for k in fields})
        payload.update(
            {
                "id": deployment_id,
                "node_id": f"DE_{deployment_id}",
                "url": api,
                "creator": self.user_payload(deployment["creator"]),
                "created_at": deployment["created_at"],
                "updated_at": deployment["created_at"],
                "statuses_url": f"{api}/statuses",
                "repository_url": self.urls.repo(full),
            }
        )
        return payload

    def deployment_status_payload(self, status: dict[str, Any]) -> dict[str, Any]:
        deployment = self.deployments[status["deployment"]]
        full = deployment["repo"]
        deployment_url = f"{self.urls.repo(full)}/deployments/{status['deployment']}"
        payload = template("deployment_status")
        payload.update({k: status[k] for k in ("id", "state", "description", "target_url")})
        payload.update(
            {
                "url": f"{deployment_url}/statuses/{status['id']}",
                "node_id": f"DES_{status['id']}",
                "creator": self.user_payload(status["creator"]),
                "environment": deployment["environment"],
                "log_url": status["target_url"],
                "environment_url": status.get("environment_url", ""),
                "created_at": status["created_at"],
                "updated_at": status["created_at"],
                "deployment_url": deployment_url,
                "repository_url": self.urls.repo(full),
            }
        )
        return payload


def make_zip(files: dict[str, str | bytes]) -> bytes:
    """A real zip archive, like the ones GitHub serves for run logs and artifacts."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()
