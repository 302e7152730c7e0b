"""The GitHub provider: the only module that imports github3.py.

Settings come from the standard Actions variables (`GITHUB_TOKEN`, `GITHUB_REPOSITORY`,
`GITHUB_EVENT_PATH`, `GITHUB_API_URL`, ...), so the same code runs on github.com and on GitHub
Enterprise. Transient failures (5xx, timeouts, rate limits with `Retry-After` or a reset) are
retried with backoff; what still fails raises a `GitHubError` whose message never contains the
token. Review facts have the same shape as the `git` provider's (o16n.policy.review).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import github3
import requests
from github3 import exceptions as gh_exceptions
from requests.adapters import HTTPAdapter

from o16n.errors import ConfigError, ToolError
from o16n.policy import review

PUBLIC_API = "https://api.github.com"
RETRYABLE = frozenset({500, 502, 503, 504})
WRITE = frozenset({"admin", "maintain", "write"})
SLEEP: Callable[[float], None] = time.sleep  # tests replace it
MAX_WAIT = 60.0  # longest rate-limit wait honoured before failing (seconds)


class GitHubError(ToolError):
    """A GitHub request that failed after retries: names the request, never the token."""


@dataclass(frozen=True)
class Actions:
    """What the Actions environment says about this run."""

    token: str = field(repr=False)
    repository: str  # owner/name
    api_url: str
    server_url: str
    event_name: str
    event: Mapping[str, Any]
    sha: str | None
    run_id: str | None
    step_summary: Path | None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Actions:
        env = os.environ if env is None else env
        token = env.get("GITHUB_TOKEN", "")
        if not token:
            raise ConfigError(
                "GITHUB_TOKEN is not set",
                hint="pass `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}` to the step",
            )
        repository = env.get("GITHUB_REPOSITORY", "")
        if repository.count("/") != 1 or not all(repository.split("/")):
            raise ConfigError(
                f"GITHUB_REPOSITORY must be owner/name, not {repository!r}",
                hint="Actions sets it; outside Actions export it",
            )
        return cls(
            token=token,
            repository=repository,
            api_url=env.get("GITHUB_API_URL", PUBLIC_API).rstrip("/"),
            server_url=env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/"),
            event_name=env.get("GITHUB_EVENT_NAME", ""),
            event=_event(env.get("GITHUB_EVENT_PATH")),
            sha=env.get("GITHUB_SHA") or None,
            run_id=env.get("GITHUB_RUN_ID") or None,
            step_summary=Path(env["GITHUB_STEP_SUMMARY"])
            if env.get("GITHUB_STEP_SUMMARY")
            else None,
        )

    @property
    def owner(self) -> str:
        return self.repository.split("/")[0]

    @property
    def name(self) -> str:
        return self.repository.split("/")[1]

    @property
    def pr_number(self) -> int | None:
        """The pull request of a pull_request or pull_request_review event, or the `pr` input
        of a workflow_dispatch."""
        pull = self.event.get("pull_request")
        if isinstance(pull, Mapping) and isinstance(pull.get("number"), int):
            return int(pull["number"])
        inputs = self.event.get("inputs")
        if isinstance(inputs, Mapping) and str(inputs.get("pr", "")).isdigit():
            return int(inputs["pr"])
        return None

    @property
    def run_url(self) -> str | None:
        if self.run_id is None:
            return None
        return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"

    def redact(self, text: str) -> str:
        return text.replace(self.token, "***") if self.token else text


def _event(path: str | None) -> Mapping[str, Any]:
    if not path:
        return {}
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            "the event file does not exist", file=path, key="GITHUB_EVENT_PATH"
        ) from None
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"the event file is not JSON: {exc}", file=path, key="GITHUB_EVENT_PATH"
        ) from None
    if not isinstance(event, Mapping):
        raise ConfigError("the event file is not a JSON object", file=path, key="GITHUB_EVENT_PATH")
    return event


# ---- transport: retries with backoff, a timeout on every request ---------------------------


class RetryingAdapter(HTTPAdapter):
    """Retries 5xx, timeouts and rate limits (403/429 with Retry-After or no requests left)."""

    def __init__(self, attempts: int = 4, backoff: float = 0.5) -> None:
        super().__init__()
        self.attempts = attempts
        self.backoff = backoff

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        for attempt in range(1, self.attempts + 1):
            try:
                response = super().send(request, **kwargs)
            except (requests.ConnectionError, requests.Timeout):
                if attempt == self.attempts:
                    raise
                SLEEP(self.backoff * 2 ** (attempt - 1))
                continue
            wait = _retry_wait(response, attempt, self.backoff)
            if wait is None or attempt == self.attempts:
                return response
            response.close()
            SLEEP(wait)
        raise AssertionError("unreachable")  # pragma: no cover


def _retry_wait(response: requests.Response, attempt: int, backoff: float) -> float | None:
    status = response.status_code
    if status in RETRYABLE:
        return float(backoff * 2 ** (attempt - 1))
    if status not in (403, 429):
        return None
    headers = response.headers
    if headers.get("Retry-After", "").isdigit():  # secondary rate limit
        wait = float(headers["Retry-After"])
    elif (
        headers.get("X-RateLimit-Remaining") == "0"
        and headers.get("X-RateLimit-Reset", "").isdigit()
    ):
        wait = max(0.0, float(headers["X-RateLimit-Reset"]) - time.time()) + 1
    else:
        return None  # a permission error: retrying will not help
    return wait if wait <= MAX_WAIT else None


def connect(actions: Actions, timeout: float = 30.0) -> github3.GitHub:
    """A github3.py client for github.com or, from GITHUB_API_URL, GitHub Enterprise."""
    if actions.api_url == PUBLIC_API:
        client: github3.GitHub = github3.GitHub(token=actions.token)
    else:
        base = actions.api_url.removesuffix("/api/v3")
        client = github3.GitHubEnterprise(base, token=actions.token)
    adapter = RetryingAdapter()
    client.session.mount("https://", adapter)
    client.session.mount("http://", adapter)
    client.session.default_connect_timeout = 5.0
    client.session.default_read_timeout = timeout
    return client


@contextmanager
def call(actions: Actions, what: str) -> Iterator[None]:
    """Turn any failure of a GitHub request into a GitHubError naming `what`, token redacted."""
    try:
        yield
    except gh_exceptions.GitHubError as exc:
        detail = f"HTTP {exc.code}: {exc.msg}"
        hint = _hint(exc.code)
        raise GitHubError(actions.redact(f"GitHub: {what} failed ({detail})"), hint=hint) from None
    except gh_exceptions.IncompleteResponse as exc:
        raise GitHubError(actions.redact(f"GitHub: {what}: incomplete response ({exc})")) from None
    except (requests.RequestException, gh_exceptions.TransportError) as exc:
        raise GitHubError(
            actions.redact(f"GitHub: {what} failed: {type(exc).__name__}: {exc}"),
            hint=f"is {actions.api_url} reachable? (GITHUB_API_URL)",
        ) from None
    except ValueError as exc:  # a body that is not JSON
        raise GitHubError(actions.redact(f"GitHub: {what}: malformed response ({exc})")) from None


def _hint(code: int) -> str | None:
    return {
        401: "the token is invalid or expired (GITHUB_TOKEN)",
        403: "the token lacks a permission this needs, or the rate limit is exhausted",
        404: "check GITHUB_REPOSITORY and the number; a token without access also gets 404",
    }.get(code)


def _json(actions: Actions, response: requests.Response, what: str) -> Any:
    if response.status_code >= 400:
        raise gh_exceptions.error_for(response)
    try:
        return response.json()
    except ValueError as exc:
        raise GitHubError(actions.redact(f"GitHub: {what}: malformed response ({exc})")) from None


# ---- review facts ---------------------------------------------------------------------------


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


def pull_request(client: github3.GitHub, actions: Actions, number: int) -> Any:
    with call(actions, f"reading pull request #{number} of {actions.repository}"):
        pull = client.pull_request(actions.owner, actions.name, number)
    if pull is None:
        raise GitHubError(
            f"GitHub: pull request #{number} of {actions.repository} not found",
            hint="check the number and that the token can read the repository",
        )
    return pull


def permission(client: github3.GitHub, actions: Actions, login: str) -> str:
    """A collaborator's permission (admin, maintain, write, triage, read, none)."""
    url = client._build_url(
        "repos", actions.owner, actions.name, "collaborators", login, "permission"
    )
    with call(actions, f"reading the permission of @{login}"):
        response = client.session.get(url)
        if response.status_code == 404:
            return "none"
        data = _json(actions, response, f"reading the permission of @{login}")
    return str(data.get("role_name") or data.get("permission") or "none")


def _repository(client: github3.GitHub, actions: Actions) -> Any:
    """The repository (inside a `call`, which turns a 404 into a GitHubError)."""
    repository = client.repository(actions.owner, actions.name)
    if repository is None:
        raise GitHubError(f"GitHub: repository {actions.repository} not found")
    return repository


def codeowners(client: github3.GitHub, actions: Actions, ref: str) -> review.CodeOwners:
    """CODEOWNERS as on the base branch (GitHub reads it there), first of the usual places."""
    with call(actions, f"reading CODEOWNERS at {ref}"):
        repository = _repository(client, actions)
        for place in review.CODEOWNERS_PLACES:
            try:
                contents = repository.file_contents(place, ref=ref)
            except gh_exceptions.NotFoundError:
                continue  # not in this place: try the next
            if contents is not None:
                text = bytes(contents.decoded).decode("utf-8")
                return review.parse_codeowners(text, f"{ref}:{place}")
    return review.CodeOwners((), None)


def review_facts(
    client: github3.GitHub,
    actions: Actions,
    number: int,
    teams: Mapping[str, Sequence[str]],
) -> dict[str, Any]:
    """The same facts as the git provider, from the pull request, its reviews and CODEOWNERS."""
    pull = pull_request(client, actions, number)
    author = str(pull.user.login)
    head_sha = str(pull.head.sha)
    base_ref = str(pull.base.ref)
    with call(actions, f"listing the reviews of #{number}"):
        reviews = [
            Review(str(r.user.login), str(r.state), str(r.commit_id), str(r.submitted_at or ""))
            for r in pull.reviews()
            if r.user is not None
        ]
    with call(actions, f"listing the files of #{number}"):
        changed = sorted(str(f.filename) for f in pull.files())
    latest = latest_reviews(reviews)
    approving = [login for login, r in latest.items() if r.state == "APPROVED"]
    permissions = {login: permission(client, actions, login) for login in approving}
    result = approvals(latest, head_sha, author, permissions)
    owners = codeowners(client, actions, base_ref)
    approvers = set(result.counted)
    return {
        "provider": "github",
        "number": number,
        "author": f"@{author.lower()}",
        "authors": [f"@{author.lower()}"],
        "approvers": sorted(approvers),
        "approvals": len(approvers),
        "self_approved": result.self_approved,
        "stale_approvals": list(result.stale),
        "read_only_approvals": list(result.read_only),
        "changes_requested": list(result.changes_requested),
        "labels": sorted(str(label["name"]) for label in (pull.labels or [])),
        "head_sha": head_sha,
        "base": base_ref,
        **review.ownership(changed, owners, approvers, lambda o: github_members(o, teams)),
    }


def github_members(owner: str, teams: Mapping[str, Sequence[str]]) -> set[str]:
    """The @logins an owner stands for: itself when a user, else its `teams` entry in o16n.yaml."""
    if owner.startswith("@") and "/" not in owner:
        return {owner.lower()}
    return {m.lower() for m in teams.get(owner, ()) if m.startswith("@")}


# ---- the report comment and the commit status ------------------------------------------------


def upsert_comment(
    client: github3.GitHub, actions: Actions, number: int, body: str, marker: str
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


STATES = ("success", "failure", "error", "pending")


def set_status(
    client: github3.GitHub,
    actions: Actions,
    sha: str,
    state: str,
    description: str,
    context: str = "o16n/gate",
) -> None:
    if state not in STATES:
        raise ValueError(f"status state must be one of {STATES}")
    with call(actions, f"setting status {context} on {sha[:12]}"):
        repository = _repository(client, actions)
        repository.create_status(
            sha, state, target_url=actions.run_url, description=description[:140], context=context
        )


# ---- branch protection -------------------------------------------------------------------------


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


def protect(
    client: github3.GitHub, actions: Actions, branch: str, wanted: Mapping[str, Any]
) -> bool:
    """Make `branch`'s protection what `wanted` says. False when it already was (no change)."""
    url = client._build_url("repos", actions.owner, actions.name, "branches", branch, "protection")
    what = f"reading the protection of {branch}"
    with call(actions, what):
        response = client.session.get(url)
        _refuse_without_admin(response, what)
        current = None if response.status_code == 404 else _json(actions, response, what)
    if current is not None and _as_configured(current) == dict(wanted):
        return False
    what = f"protecting {branch}"
    with call(actions, what):
        response = client.session.put(url, json=dict(wanted))
        _refuse_without_admin(response, what)
        _json(actions, response, what)
    return True


def _refuse_without_admin(response: requests.Response, what: str) -> None:
    if response.status_code == 403 and not _retry_wait(response, 1, 0.0):
        raise GitHubError(
            f"GitHub: {what} was refused (HTTP 403): branch protection needs an admin token",
            hint="use a token of a repository admin (the Actions GITHUB_TOKEN cannot do this)",
        )


# ---- logs and artifacts of a run -----------------------------------------------------------------


def runs_for(client: github3.GitHub, actions: Actions, head_sha: str) -> list[Mapping[str, Any]]:
    url = client._build_url("repos", actions.owner, actions.name, "actions", "runs")
    what = f"listing the runs of {head_sha[:12]}"
    with call(actions, what):
        data = _json(actions, client.session.get(url, params={"head_sha": head_sha}), what)
    runs = list(data.get("workflow_runs") or [])
    return sorted(runs, key=lambda r: (str(r.get("created_at", "")), int(r.get("id", 0))))


def download_run(client: github3.GitHub, actions: Actions, run_id: int, folder: Path) -> list[Path]:
    """The run's logs (folder/logs/) and each artifact (folder/artifacts/<name>/), unzipped."""
    import io
    import zipfile

    base = ("repos", actions.owner, actions.name, "actions")
    written: list[Path] = []

    def unzip(url: str, into: Path, what: str) -> None:
        with call(actions, what):
            response = client.session.get(url, allow_redirects=True)
            if response.status_code >= 400:
                raise gh_exceptions.error_for(response)
        try:
            archive = zipfile.ZipFile(io.BytesIO(response.content))
        except zipfile.BadZipFile:
            raise GitHubError(f"GitHub: {what}: the download is not a zip file") from None
        for member in archive.infolist():
            target = (into / member.filename).resolve()
            if into.resolve() not in target.parents or member.is_dir():
                continue  # no absolute paths or `..` escapes out of the folder
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(member))
            written.append(target)

    unzip(
        client._build_url(*base, "runs", str(run_id), "logs"),
        folder / "logs",
        f"logs of run {run_id}",
    )
    what = f"listing the artifacts of run {run_id}"
    with call(actions, what):
        url = client._build_url(*base, "runs", str(run_id), "artifacts")
        artifacts = _json(actions, client.session.get(url), what).get("artifacts") or []
    for artifact in artifacts:
        name = str(artifact["name"])
        url = client._build_url(*base, "artifacts", str(artifact["id"]), "zip")
        unzip(url, folder / "artifacts" / name, f"artifact {name!r} of run {run_id}")
    return written


def release_commit(client: github3.GitHub, actions: Actions, tag: str) -> str:
    """The commit a release's tag points at."""
    with call(actions, f"reading release {tag}"):
        repository = _repository(client, actions)
        release = repository.release_from_tag(tag)
    if release is None:
        raise GitHubError(f"GitHub: no release tagged {tag!r} in {actions.repository}")
    target = str(release.target_commitish)
    if len(target) == 40 and all(c in "0123456789abcdef" for c in target):
        return target
    with call(actions, f"resolving {target!r}, the target of release {tag}"):
        branch = repository.branch(target)
    if branch is None:
        raise GitHubError(f"GitHub: release {tag!r} targets {target!r}, which is not found")
    return str(branch.commit.sha)


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
        client: github3.GitHub,
        actions: Actions,
        *,
        commit: str,
        env: str,
        payload: Mapping[str, Any],
        description: str,
    ) -> Deployment:
        with call(actions, f"creating a deployment of {commit[:12]} to {env}"):
            created = _repository(
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


def publish_release(
    client: github3.GitHub, actions: Actions, tag: str, commit: str, bundle: Path
) -> str:
    """A GitHub Release for `tag` with every file of the bundle as an asset; its URL."""
    with call(actions, f"creating release {tag}"):
        repository = _repository(client, actions)
        notes = (
            (bundle / "MODEL_CARD.md").read_text() if (bundle / "MODEL_CARD.md").is_file() else ""
        )
        created = repository.create_release(
            tag, target_commitish=commit, name=tag, body=notes[:100_000]
        )
    for path in sorted(p for p in bundle.rglob("*") if p.is_file()):
        name = str(path.relative_to(bundle)).replace("/", "--")
        with call(actions, f"uploading {name} to release {tag}"):
            created.upload_asset("application/octet-stream", name, path.read_bytes())
    return str(created.html_url)


# ---- monitoring: one issue per model and environment, and retraining by workflow dispatch ------


def _open_issue(client: github3.GitHub, actions: Actions, marker: str, label: str) -> Any:
    """o16n's open issue: labelled `label`, with `marker` in its body (pull requests excluded)."""
    with call(actions, f"listing the open issues labelled {label!r}"):
        repository = _repository(client, actions)
        for issue in repository.issues(state="open", labels=label):
            if marker in (issue.body or "") and not issue.pull_request_urls:
                return issue
    return None


def find_issue(client: github3.GitHub, actions: Actions, marker: str, label: str) -> int | None:
    """The number of o16n's open issue (see `upsert_issue`), or None."""
    issue = _open_issue(client, actions, marker, label)
    return None if issue is None else int(issue.number)


def upsert_issue(
    client: github3.GitHub, actions: Actions, title: str, body: str, marker: str, label: str
) -> tuple[int, bool]:
    """Replace the body of o16n's open issue (found by `marker`), or open one. (number, created)"""
    issue = _open_issue(client, actions, marker, label)
    if issue is not None:
        with call(actions, f"updating issue #{issue.number}"):
            issue.edit(body=body)
        return int(issue.number), False
    with call(actions, f"opening an issue in {actions.repository}"):
        created = _repository(client, actions).create_issue(title, body=body, labels=[label])
    if created is None:
        raise GitHubError(f"GitHub: opening an issue in {actions.repository} returned nothing")
    return int(created.number), True


def comment_on_issue(client: github3.GitHub, actions: Actions, number: int, body: str) -> int:
    with call(actions, f"commenting on issue #{number}"):
        issue = client.issue(actions.owner, actions.name, number)
        if issue is None:
            raise GitHubError(f"GitHub: issue #{number} of {actions.repository} not found")
        return int(issue.create_comment(body).id)


DISPATCH_HINTS = {
    403: "the workflow's token needs `permissions: actions: write` (monitor.yml)",
    404: "no such workflow in .github/workflows/ (o16n.yaml monitoring.retrain_workflow)",
    422: "the workflow needs `on: workflow_dispatch` with a `batch` input, on that branch",
}


def dispatch_workflow(
    client: github3.GitHub, actions: Actions, workflow: str, ref: str, inputs: Mapping[str, str]
) -> None:
    """Run a workflow that has a `workflow_dispatch` trigger, on `ref`, with `inputs`.

    https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event (204)
    """
    path = ("repos", actions.owner, actions.name, "actions", "workflows", workflow, "dispatches")
    what = f"dispatching {workflow} on {ref}"
    with call(actions, what):
        response = client.session.post(
            client._build_url(*path), json={"ref": ref, "inputs": dict(inputs)}
        )
        code = response.status_code
        if code in DISPATCH_HINTS and not _retry_wait(response, 1, 0.0):
            message = gh_exceptions.error_for(response).msg
            raise GitHubError(
                actions.redact(f"GitHub: {what} was refused (HTTP {code}: {message})"),
                hint=DISPATCH_HINTS[code],
            )
        if code >= 400:
            raise gh_exceptions.error_for(response)
