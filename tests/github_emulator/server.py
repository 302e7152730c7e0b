"""The emulator's HTTP layer: a threaded server on 127.0.0.1, one routing table, the handlers.

The API is served under `/api/v3/` (what `github3.GitHubEnterprise(url)` calls) and under `/`
(for clients given a `GITHUB_API_URL`); release uploads under `/api/uploads/`; the files that
GitHub hands out through a 302 (run logs, artifact zips, release assets) under `/_downloads/`,
which, like GitHub's signed storage URLs, need no token.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from . import pushes
from .state import (
    APPROVAL_STATES,
    DEPLOYMENT_STATES,
    DOCS,
    PERMISSIONS,
    REVIEW_STATES,
    STATUS_STATES,
    ApiError,
    Issue,
    Pull,
    Repo,
    State,
    Urls,
    fake_sha,
    make_zip,
    not_found,
    now,
    template,
)

RATE_LIMIT = 5000
_RANKS = {name: rank for rank, name in enumerate(reversed(PERMISSIONS))}


class _QuietServer(ThreadingHTTPServer):
    """A client that gave up (a timeout test) closes its socket mid-response: not an error."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


class Recorded(NamedTuple):
    """One request as the emulator received it (path without the query, body as text)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: str


@dataclass
class Call:
    """A request routed to a handler: `path` is relative to the API root."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    login: str | None
    api_root: str  # the root this request came through, for Link headers

    def json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body or b"{}")
        except ValueError as error:
            raise ApiError(400, "Problems parsing JSON") from error
        if not isinstance(data, dict):
            raise ApiError(400, "Problems parsing JSON")
        return data


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-able, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int | None
    times: int
    body: Any
    headers: dict[str, str]
    delay: float


class GitHubEmulator:
    """A stateful GitHub REST API on 127.0.0.1, for tests; use it as a context manager.

    `url` is the "GitHub Enterprise" address (`GitHubEnterprise(emulator.url)`), `api_url` the
    API root. Set the world up with `add_*`/`set_file`, inject failures with `fail`, and assert
    on `requests` (every request received) and `state` (see `state.State`).
    """

    def __init__(
        self, token: str = "ghs_test", login: str = "o16n-bot", permission: str = "write"
    ) -> None:
        self.token, self.login = token, login
        self._server = _QuietServer(("127.0.0.1", 0), _handler_class(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False  # keep-alive clients must not hold up the exit
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.state = State(Urls(self.url))
        self.requests: list[Recorded] = []
        self._faults: list[Fault] = []
        self._lock = threading.RLock()
        self._thread: threading.Thread | None = None
        self.on_push: Callable[[], None] | None = None
        self.add_user(login, permission)
        self.add_token(token, login)

    @property
    def api_url(self) -> str:
        return self.state.urls.api

    def __enter__(self) -> GitHubEmulator:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- setting the world up ----------------------------------------------------------------

    def add_token(self, token: str, login: str) -> None:
        self.state.ensure_user(login)
        self.state.tokens[token] = login

    def add_user(self, login: str, permission: str = "write") -> None:
        """A user with `permission` on every repository (admin, maintain, write, triage, read)."""
        if permission not in PERMISSIONS:
            raise ValueError(f"permission must be one of {PERMISSIONS}, not {permission!r}")
        self.state.ensure_user(login)["permission"] = permission

    def add_repo(self, owner: str, name: str, default_branch: str = "main") -> str:
        """Create `owner/name` with its default branch; returns the full name used elsewhere."""
        self.state.ensure_user(owner)
        repo = Repo(owner, name, default_branch, self.state.new_id())
        repo.branches[default_branch] = fake_sha(owner, name, default_branch)
        self.state.repos[repo.full_name] = repo
        return repo.full_name

    def add_deploy_key(
        self, repo: str, credential: str, title: str = "o16n deploy", read_only: bool = False
    ) -> None:
        """A deploy key of `repo`; `credential` stands for its SSH key in pushes (PUSH_AS)."""
        self.state.repo(repo)
        self.state.deploy_keys[credential] = (repo, title, read_only)

    def bare_repository(self, repo: str, path: Path) -> Path:
        """A bare repository at `path` standing for `repo` on GitHub: its pre-receive hook asks
        this emulator, which applies `repo`'s protection and rulesets (tests.github_emulator.
        pushes). `on_push`, when set, is called first on each push (a merge landing then)."""
        self.state.repo(repo)
        return pushes.make_bare(path, self.url, repo)

    def add_branch(self, repo: str, name: str, sha: str | None = None) -> str:
        sha = sha or fake_sha(repo, name)
        self.state.repo(repo).branches[name] = sha
        return sha

    def add_pull(
        self,
        repo: str,
        number: int,
        author: str,
        head_sha: str,
        base: str = "main",
        head: str = "feature",
        labels: list[str] | tuple[str, ...] = (),
        files: list[dict[str, Any]] | tuple[dict[str, Any], ...] = (),
        title: str | None = None,
        body: str = "",
    ) -> None:
        branches = self.state.repo(repo).branches
        branches.setdefault(base, fake_sha(repo, base))
        branches[head] = head_sha
        self.state.ensure_user(author)
        title = title or f"Pull request {number}"
        self.state.pulls[(repo, number)] = Pull(
            repo, number, author, head_sha, base, head, title, body, [_file(f) for f in files]
        )
        self.state.issues[(repo, number)] = Issue(
            repo, number, author, title, body, list(labels), is_pull=True
        )

    def add_review(
        self,
        repo: str,
        number: int,
        user: str,
        state: str,
        commit_id: str | None = None,
        body: str = "",
    ) -> int:
        if state not in REVIEW_STATES:
            raise ValueError(f"state must be one of {REVIEW_STATES}, not {state!r}")
        pull = self.state.pull(repo, number)
        self.state.ensure_user(user)
        review: dict[str, Any] = {
            "id": self.state.new_id(),
            "repo": repo,
            "number": number,
            "user": user,
            "state": state,
            "commit_id": commit_id or pull.head_sha,
            "body": body,
            "submitted_at": now(),
        }
        self.state.reviews.setdefault((repo, number), []).append(review)
        return int(review["id"])

    def merge_pull(
        self, repo: str, number: int, merge_commit_sha: str, merged_by: str | None = None
    ) -> None:
        """Merge pull request `number`: it is closed and merged (by `merged_by`, default its
        author), its merge commit `merge_commit_sha` is the new head of its base branch, and
        the commit's pull requests (`GET .../commits/{sha}/pulls`) list it."""
        pull = self.state.pull(repo, number)
        merger = merged_by or pull.author
        self.state.ensure_user(merger)
        stamp = now()
        pull.merge_commit_sha, pull.merged_at, pull.merged_by = merge_commit_sha, stamp, merger
        self.state.repo(repo).branches[pull.base] = merge_commit_sha
        issue = self.state.issue(repo, number)
        issue.state, issue.closed_at, issue.updated_at = "closed", stamp, stamp

    def add_run_approval(
        self,
        repo: str,
        run_id: int,
        environments: list[str] | tuple[str, ...],
        login: str,
        state: str = "approved",
        comment: str = "",
    ) -> None:
        """A deployment review of run `run_id` by `login` for the named environments, as a
        required reviewer gives it when a job waits for an environment's protection rules."""
        if state not in APPROVAL_STATES:
            raise ValueError(f"state must be one of {APPROVAL_STATES}, not {state!r}")
        run = self.state.runs.get(run_id)
        if run is None or run["repo"] != repo:
            raise not_found()
        self.state.ensure_user(login)
        self.state.run_approvals.setdefault(run_id, []).append(
            {
                "run_id": run_id,
                "environments": list(environments),
                "state": state,
                "comment": comment,
                "user": login,
                "created_at": now(),
            }
        )

    def add_comment(self, repo: str, number: int, user: str, body: str) -> int:
        """An existing comment on an issue or pull request (o16n edits its own in place)."""
        self.state.issue(repo, number)
        self.state.ensure_user(user)
        return _store_comment(self.state, repo, number, user, body)

    def set_file(self, repo: str, ref: str, path: str, text: str) -> None:
        self.state.repo(repo)
        self.state.files[(repo, ref, path)] = text

    def add_workflow(
        self, repo: str, file: str, inputs: dict[str, bool] | None = None, dispatch: bool = True
    ) -> int:
        """A workflow `.github/workflows/<file>`; `inputs` maps its workflow_dispatch inputs to
        whether they are required; `dispatch=False`: it has no workflow_dispatch trigger."""
        self.state.repo(repo)
        workflow_id = self.state.new_id()
        self.state.workflows[(repo, file)] = {
            "id": workflow_id,
            "inputs": dict(inputs or {}),
            "dispatch": dispatch,
        }
        return workflow_id

    def add_run(
        self,
        repo: str,
        run_id: int,
        head_sha: str,
        event: str = "pull_request",
        pr_number: int | None = None,
        logs: dict[str, str] | None = None,
        artifacts: dict[str, dict[str, str]] | None = None,
        *,
        name: str = "o16n",
        status: str = "completed",
        conclusion: str | None = "success",
        head_branch: str | None = None,
    ) -> None:
        """A workflow run; `logs` maps "job/1_step.txt" to text, `artifacts` name -> files."""
        repo_record = self.state.repo(repo)
        if head_branch is None:
            pulled = self.state.pulls.get((repo, pr_number or -1))
            head_branch = pulled.head if pulled else repo_record.default_branch
        self.state.runs[run_id] = {
            "id": run_id,
            "repo": repo,
            "name": name,
            "head_sha": head_sha,
            "head_branch": head_branch,
            "event": event,
            "status": status,
            "conclusion": conclusion,
            "pull_requests": [pr_number] if pr_number is not None else [],
            "actor": self.login,
            "created_at": now(),
            "logs": make_zip(dict(logs or {"job/1_step.txt": ""})),
        }
        for artifact_name, files in (artifacts or {}).items():
            artifact_id = self.state.new_id()
            self.state.artifacts[artifact_id] = {
                "run_id": run_id,
                "name": artifact_name,
                "zip": make_zip(dict(files)),
            }

    # -- faults and the request log ----------------------------------------------------------

    def fail(
        self,
        method: str,
        path_regex: str,
        status: int | None,
        *,
        times: int = 1,
        body: Any = None,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> None:
        """Answer the next `times` requests whose API path matches `path_regex` (re.search)
        with `status`, `body` (JSON-able, or a str sent as it is) and `headers`, after `delay`
        seconds. A `status` of None only delays the request, which is then served normally."""
        fault = Fault(
            method.upper(), re.compile(path_regex), status, times, body, headers or {}, delay
        )
        with self._lock:
            self._faults.append(fault)

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and fault.method == method and fault.pattern.search(path):
                    fault.times -= 1
                    return fault
        return None

    # -- serving -----------------------------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[Reply, int]:
        """Route one request; returns the reply and how many requests came before it."""
        split = urlsplit(target)
        with self._lock:
            self.requests.append(
                Recorded(method, split.path, split.query, headers, body.decode(errors="replace"))
            )
            count = len(self.requests)
        root, path = self._api_path(split.path)
        fault = self._take_fault(method, path)
        if fault is not None:
            time.sleep(fault.delay)
            if fault.status is not None:
                return _fault_reply(fault), count
        call = Call(
            method, path, dict(parse_qsl(split.query)), headers, body, None, self.url + root
        )
        try:
            if not path.startswith(("/_downloads/", "/_git/")):
                call.login = self._authenticate(headers)
            with self._lock:
                return _route(self, call), count
        except ApiError as error:
            return Reply(error.status, error.body), count
        except Exception as error:  # a bug in the emulator: say so instead of hanging up
            traceback.print_exc()
            return Reply(500, {"message": f"emulator error: {error!r}"}), count

    @staticmethod
    def _api_path(path: str) -> tuple[str, str]:
        """(API root prefix, path relative to it); uploads are routed as `/_uploads/...`."""
        if path.startswith("/api/v3/") or path == "/api/v3":
            return "/api/v3", path[len("/api/v3") :] or "/"
        if path.startswith("/api/uploads/"):
            return "/api/uploads", "/_uploads" + path[len("/api/uploads") :]
        return "", path

    def _authenticate(self, headers: dict[str, str]) -> str:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        login = self.state.tokens.get(token.strip())
        if scheme.lower() not in ("token", "bearer") or login is None:
            raise ApiError(401, "Bad credentials")
        return login


def _file(entry: dict[str, Any]) -> dict[str, Any]:
    return {"status": "modified", "additions": 0, "deletions": 0, **entry}


def _fault_reply(fault: Fault) -> Reply:
    assert fault.status is not None
    body = fault.body
    if body is None:
        body = {"message": HTTPStatus(fault.status).phrase, "documentation_url": DOCS}
    if isinstance(body, str):
        body = body.encode()
    return Reply(fault.status, body, dict(fault.headers))


def _handler_class(emulator: GitHubEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply, count = emulator.handle(self.command, self.path, headers, body)
            self._send(reply, count)

        def _send(self, reply: Reply, count: int) -> None:
            data = reply.body
            if data is None:
                data = b""
            elif not isinstance(data, bytes):
                data = json.dumps(data).encode()
            self.send_response(reply.status)
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "X-RateLimit-Limit": str(RATE_LIMIT),
                "X-RateLimit-Remaining": str(max(RATE_LIMIT - count, 0)),
                "X-RateLimit-Reset": str(int(time.time()) + 3600),
                "X-RateLimit-Used": str(count),
                "X-RateLimit-Resource": "core",
                "X-GitHub-Media-Type": "github.v3; format=json",
                **reply.headers,
                "Content-Length": str(len(data)),
            }
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # tests assert on `emulator.requests`, not on stderr

    return Handler


# -- handlers: each takes (emulator, call, *groups of its route) and returns a Reply ----------

Handler = Callable[..., Reply]


def _require(emu: GitHubEmulator, call: Call, permission: str) -> None:
    granted = emu.state.permission(call.login or "")
    if _RANKS[granted] < _RANKS[permission]:
        raise ApiError(403, "Resource not accessible by integration")


def _paginate(call: Call, items: list[Any], wrap: str | None = None) -> Reply:
    """One page of `items` with GitHub's `Link` header (`per_page` default 30, at most 100)."""
    per_page = min(int(call.query.get("per_page", 30)), 100)
    page = max(int(call.query.get("page", 1)), 1)
    last = max((len(items) + per_page - 1) // per_page, 1)
    chunk = items[(page - 1) * per_page : page * per_page]
    links = []
    for rel, number in (("prev", page - 1), ("next", page + 1), ("first", 1), ("last", last)):
        if 1 <= number <= last and (rel in ("prev", "first")) == (page > 1):
            query = urlencode({**call.query, "per_page": per_page, "page": number})
            links.append(f'<{call.api_root}{call.path}?{query}>; rel="{rel}"')
    headers = {"Link": ", ".join(links)} if links else {}
    body: Any = chunk if wrap is None else {"total_count": len(items), wrap: chunk}
    return Reply(200, body, headers)


def _validation_failed(resource: str, field_name: str, code: str = "invalid") -> ApiError:
    recorded = template("octokit_errors")["validation_failed"]
    errors = [{"resource": resource, "code": code, "field": field_name}]
    return ApiError(422, recorded["message"], errors=errors)


def get_user(emu: GitHubEmulator, call: Call) -> Reply:
    return Reply(200, emu.state.user_payload(call.login or ""))


def get_user_by_login(emu: GitHubEmulator, call: Call, login: str) -> Reply:
    if login not in emu.state.users:
        raise not_found()
    return Reply(200, emu.state.user_payload(login))


def get_repo(emu: GitHubEmulator, call: Call, repo: str) -> Reply:
    return Reply(200, emu.state.repo_payload(repo))


def get_permission(emu: GitHubEmulator, call: Call, repo: str, login: str) -> Reply:
    if login not in emu.state.users:
        raise ApiError(404, f"{login} is not a user")
    return Reply(200, emu.state.permission_payload(repo, login))


def get_pull(emu: GitHubEmulator, call: Call, repo: str, number: str) -> Reply:
    return Reply(200, emu.state.pull_payload(repo, int(number)))


def list_pull_files(emu: GitHubEmulator, call: Call, repo: str, number: str) -> Reply:
    pull = emu.state.pull(repo, int(number))
    return _paginate(call, [emu.state.file_payload(repo, pull, f) for f in pull.files])


def list_reviews(emu: GitHubEmulator, call: Call, repo: str, number: str) -> Reply:
    emu.state.pull(repo, int(number))
    reviews = emu.state.reviews.get((repo, int(number)), [])
    return _paginate(call, [emu.state.review_payload(r) for r in reviews])


def list_comments(emu: GitHubEmulator, call: Call, repo: str, number: str) -> Reply:
    emu.state.issue(repo, int(number))
    comments = emu.state.comments_on(repo, int(number))
    return _paginate(call, [emu.state.comment_payload(c["id"]) for c in comments])


def _store_comment(state: State, repo: str, number: int, user: str, body: str) -> int:
    comment_id = state.new_id()
    stamp = now()
    state.comments[comment_id] = {
        "id": comment_id,
        "repo": repo,
        "number": number,
        "user": user,
        "body": body,
        "created_at": stamp,
        "updated_at": stamp,
    }
    return comment_id


def create_comment(emu: GitHubEmulator, call: Call, repo: str, number: str) -> Reply:
    emu.state.issue(repo, int(number))
    _require(emu, call, "read")
    body = call.json().get("body")
    if not isinstance(body, str):
        raise _validation_failed("IssueComment", "body", "missing_field")
    comment_id = _store_comment(emu.state, repo, int(number), call.login or "", body)
    return Reply(201, emu.state.comment_payload(comment_id))


def _in_repo(
    table: dict[int, dict[str, Any]],
    repo: str,
    ident: str,
    repo_of: Callable[[dict[str, Any]], str] = lambda record: str(record["repo"]),
) -> dict[str, Any]:
    """The record `ident` of `table` if it belongs to `repo` (GitHub answers 404 otherwise)."""
    record = table.get(int(ident))
    if record is None or repo_of(record) != repo:
        raise not_found()
    return record


def _comment(emu: GitHubEmulator, repo: str, comment_id: str) -> dict[str, Any]:
    return _in_repo(emu.state.comments, repo, comment_id)


def get_comment(emu: GitHubEmulator, call: Call, repo: str, comment_id: str) -> Reply:
    return Reply(200, emu.state.comment_payload(_comment(emu, repo, comment_id)["id"]))


def edit_comment(emu: GitHubEmulator, call: Call, repo: str, comment_id: str) -> Reply:
    comment = _comment(emu, repo, comment_id)
    if comment["user"] != call.login:
        _require(emu, call, "write")
    body = call.json().get("body")
    if not isinstance(body, str):
        raise _validation_failed("IssueComment", "body", "missing_field")
    comment.update(body=body, updated_at=now())
    return Reply(200, emu.state.comment_payload(comment["id"]))


def create_status(emu: GitHubEmulator, call: Call, repo: str, sha: str) -> Reply:
    emu.state.repo(repo)
    _require(emu, call, "write")
    data = call.json()
    if data.get("state") not in STATUS_STATES:
        raise _validation_failed("Status", "state")
    status = {
        "id": emu.state.new_id(),
        "repo": repo,
        "sha": sha,
        "state": data["state"],
        "target_url": data.get("target_url"),
        "description": data.get("description"),
        "context": data.get("context") or "default",
        "creator": call.login,
        "created_at": now(),
    }
    emu.state.statuses.setdefault((repo, sha), []).append(status)
    return Reply(201, emu.state.status_payload(status))


def get_combined_status(emu: GitHubEmulator, call: Call, repo: str, ref: str) -> Reply:
    sha = emu.state.resolve(repo, ref)
    return Reply(200, emu.state.combined_status_payload(repo, sha))


def list_statuses(emu: GitHubEmulator, call: Call, repo: str, ref: str) -> Reply:
    sha = emu.state.resolve(repo, ref)
    statuses = reversed(emu.state.statuses.get((repo, sha), []))  # newest first, as GitHub
    return _paginate(call, [emu.state.status_payload(s) for s in statuses])


def list_commit_pulls(emu: GitHubEmulator, call: Call, repo: str, ref: str) -> Reply:
    """GET .../commits/{sha}/pulls: the pull requests whose head is the commit and the merged
    ones whose merge commit it is, newest first; a commit no pull request has gives [] (the
    emulator keeps no commits, so it cannot answer GitHub's 422 for an unknown sha)."""
    sha = emu.state.resolve(repo, ref)
    pulls = emu.state.pulls_of_commit(repo, sha)
    return _paginate(call, [emu.state.simple_pull_payload(repo, p.number) for p in pulls])


def get_contents(emu: GitHubEmulator, call: Call, repo: str, path: str) -> Reply:
    ref = call.query.get("ref") or emu.state.repo(repo).default_branch
    return Reply(200, emu.state.contents_payload(repo, ref, path))


def get_branch(emu: GitHubEmulator, call: Call, repo: str, branch: str) -> Reply:
    return Reply(200, emu.state.branch_payload(repo, branch))


def _protected_branch(emu: GitHubEmulator, call: Call, repo: str, branch: str) -> None:
    emu.state.branch_payload(repo, branch)  # 404 for a missing repo or branch
    _require(emu, call, "admin")


def get_protection(emu: GitHubEmulator, call: Call, repo: str, branch: str) -> Reply:
    _protected_branch(emu, call, repo, branch)
    return Reply(200, emu.state.protection_payload(repo, branch))


def put_protection(emu: GitHubEmulator, call: Call, repo: str, branch: str) -> Reply:
    _protected_branch(emu, call, repo, branch)
    data = call.json()
    required = ("required_status_checks", "enforce_admins", "required_pull_request_reviews")
    for key in (*required, "restrictions"):
        if key not in data:
            raise _validation_failed("BranchProtection", key, "missing_field")
    emu.state.protection[(repo, branch)] = data
    return Reply(200, emu.state.protection_payload(repo, branch))


def delete_protection(emu: GitHubEmulator, call: Call, repo: str, branch: str) -> Reply:
    _protected_branch(emu, call, repo, branch)
    if emu.state.protection.pop((repo, branch), None) is None:
        raise ApiError(404, "Branch not protected")
    return Reply(204)


RULESET_RULES = (
    "creation",
    "update",
    "deletion",
    "required_linear_history",
    "required_signatures",
    "pull_request",
    "required_status_checks",
    "non_fast_forward",
)


def _ruleset_payload(emu: GitHubEmulator, ruleset: dict[str, Any], full: bool) -> dict[str, Any]:
    """A ruleset as GitHub answers it (docs: "Get a repository ruleset"); the list endpoint
    leaves out conditions, rules and bypass actors."""
    url = f"{emu.state.urls.repo(ruleset['repo'])}/rulesets/{ruleset['id']}"
    brief = {
        "id": ruleset["id"],
        "name": ruleset["name"],
        "target": ruleset.get("target", "branch"),
        "source_type": "Repository",
        "source": ruleset["repo"],
        "enforcement": ruleset["enforcement"],
        "node_id": f"RRS_{ruleset['id']}",
        "_links": {"self": {"href": url}},
        "created_at": ruleset["created_at"],
        "updated_at": ruleset["updated_at"],
    }
    if not full:
        return brief
    extra = {k: copy.deepcopy(ruleset.get(k)) for k in ("bypass_actors", "conditions", "rules")}
    return {**brief, **extra, "current_user_can_bypass": "never"}


def _ruleset_body(data: dict[str, Any]) -> dict[str, Any]:
    """A POST or PUT body checked as GitHub does (name, enforcement, known rule types)."""
    if not data.get("name"):
        raise _validation_failed("Ruleset", "name", "missing_field")
    if data.get("enforcement") not in ("disabled", "active", "evaluate"):
        raise _validation_failed("Ruleset", "enforcement")
    if data.get("target", "branch") not in ("branch", "tag", "push"):
        raise _validation_failed("Ruleset", "target")
    for rule in data.get("rules", []):
        if not isinstance(rule, dict) or rule.get("type") not in RULESET_RULES:
            raise _validation_failed("Ruleset", "rules")
    for actor in data.get("bypass_actors", []):
        if actor.get("actor_type") == "DeployKey" and actor.get("actor_id") is not None:
            raise _validation_failed("Ruleset", "bypass_actors")
    keys = ("name", "target", "enforcement", "bypass_actors", "conditions", "rules")
    return {k: copy.deepcopy(data[k]) for k in keys if k in data}


def _ruleset(emu: GitHubEmulator, repo: str, ruleset_id: str) -> dict[str, Any]:
    found = emu.state.rulesets.get(int(ruleset_id))
    if found is None or found["repo"] != repo:
        raise not_found()
    return found


def list_rulesets(emu: GitHubEmulator, call: Call, repo: str) -> Reply:
    emu.state.repo(repo)
    _require(emu, call, "write")
    found = [r for r in emu.state.rulesets.values() if r["repo"] == repo]
    return _paginate(call, [_ruleset_payload(emu, r, full=False) for r in found])


def get_ruleset(emu: GitHubEmulator, call: Call, repo: str, ruleset_id: str) -> Reply:
    _require(emu, call, "write")
    return Reply(200, _ruleset_payload(emu, _ruleset(emu, repo, ruleset_id), full=True))


def create_ruleset(emu: GitHubEmulator, call: Call, repo: str) -> Reply:
    emu.state.repo(repo)
    _require(emu, call, "admin")
    body = _ruleset_body(call.json())
    if any(r["repo"] == repo and r["name"] == body["name"] for r in emu.state.rulesets.values()):
        raise _validation_failed("Ruleset", "name", "already_exists")
    stamp = now()
    ruleset: dict[str, Any] = {"id": emu.state.new_id(), "repo": repo}
    ruleset.update(created_at=stamp, updated_at=stamp)
    ruleset.update(body)
    emu.state.rulesets[ruleset["id"]] = ruleset
    return Reply(201, _ruleset_payload(emu, ruleset, full=True))


def update_ruleset(emu: GitHubEmulator, call: Call, repo: str, ruleset_id: str) -> Reply:
    ruleset = _ruleset(emu, repo, ruleset_id)
    _require(emu, call, "admin")
    ruleset.update(_ruleset_body({**ruleset, **call.json()}), updated_at=now())
    return Reply(200, _ruleset_payload(emu, ruleset, full=True))


def delete_ruleset(emu: GitHubEmulator, call: Call, repo: str, ruleset_id: str) -> Reply:
    ruleset = _ruleset(emu, repo, ruleset_id)
    _require(emu, call, "admin")
    del emu.state.rulesets[ruleset["id"]]
    return Reply(204)


# ---- environments and secrets (docs: "Deployment environments", "Deployment branch policies",
# "GitHub Actions Secrets": Get a repository secret) ------------------------------------------


def _environment_payload(emu: GitHubEmulator, repo: str, name: str) -> dict[str, Any]:
    env = emu.state.environments[(repo, name)]
    rules: list[dict[str, Any]] = []
    if env["reviewers"]:
        rules.append(
            {
                "type": "required_reviewers",
                "prevent_self_review": env["prevent_self_review"],
                "reviewers": [  # GitHub answers each reviewer as the account it names
                    {"type": r.get("type"), "reviewer": {"id": r.get("id")}}
                    for r in env["reviewers"]
                ],
            }
        )
    if env["wait_timer"]:
        rules.append({"type": "wait_timer", "wait_timer": env["wait_timer"]})
    if env["deployment_branch_policy"]:
        rules.append({"type": "branch_policy"})
    return {
        "id": emu.state._stable_id("environment", repo, name),
        "name": name,
        "url": f"{emu.state.urls.repo(repo)}/environments/{name}",
        "protection_rules": rules,
        "deployment_branch_policy": copy.deepcopy(env["deployment_branch_policy"]),
    }


def _environment(emu: GitHubEmulator, repo: str, name: str) -> dict[str, Any]:
    emu.state.repo(repo)
    if (repo, name) not in emu.state.environments:
        raise not_found()
    return emu.state.environments[(repo, name)]


def get_environment(emu: GitHubEmulator, call: Call, repo: str, name: str) -> Reply:
    _environment(emu, repo, name)
    return Reply(200, _environment_payload(emu, repo, name))


def put_environment(emu: GitHubEmulator, call: Call, repo: str, name: str) -> Reply:
    """Create or update: the fields sent replace those stored; the others stay."""
    emu.state.repo(repo)
    _require(emu, call, "admin")
    body = call.json()
    policy = body.get("deployment_branch_policy")
    if policy is not None and (
        not isinstance(policy, dict)
        or policy.get("protected_branches") == policy.get("custom_branch_policies")
    ):  # GitHub: exactly one of the two is true
        raise _validation_failed("Environment", "deployment_branch_policy")
    env = emu.state.environments.setdefault(
        (repo, name),
        {
            "wait_timer": 0,
            "reviewers": [],
            "prevent_self_review": False,
            "deployment_branch_policy": None,
            "branch_policies": [],
        },
    )
    for key in ("wait_timer", "reviewers", "prevent_self_review", "deployment_branch_policy"):
        if key in body:
            env[key] = copy.deepcopy(body[key]) if body[key] is not None else body[key]
    if env["deployment_branch_policy"] is None:
        env["branch_policies"] = []  # any branch may deploy: the policies go
    return Reply(200, _environment_payload(emu, repo, name))


def list_branch_policies(emu: GitHubEmulator, call: Call, repo: str, name: str) -> Reply:
    env = _environment(emu, repo, name)
    return _paginate(call, copy.deepcopy(env["branch_policies"]), wrap="branch_policies")


def create_branch_policy(emu: GitHubEmulator, call: Call, repo: str, name: str) -> Reply:
    env = _environment(emu, repo, name)
    _require(emu, call, "admin")
    policy = env["deployment_branch_policy"] or {}
    if not policy.get("custom_branch_policies"):
        raise not_found()  # GitHub: only for an environment with custom branch policies
    body = call.json()
    if not body.get("name") or body.get("type", "branch") not in ("branch", "tag"):
        raise _validation_failed("DeploymentBranchPolicy", "name")
    if any(p["name"] == body["name"] for p in env["branch_policies"]):
        raise _validation_failed("DeploymentBranchPolicy", "name", "already_exists")
    ident = emu.state.new_id()
    made = {"id": ident, "node_id": f"DBP_{ident}", "name": body["name"]}
    made["type"] = body.get("type", "branch")
    env["branch_policies"].append(made)
    return Reply(200, copy.deepcopy(made))


def get_repo_secret(emu: GitHubEmulator, call: Call, repo: str, name: str) -> Reply:
    emu.state.repo(repo)
    _require(emu, call, "admin")
    if name not in emu.state.repo_secrets.get(repo, set()):
        raise not_found()
    stamp = "2026-01-01T00:00:00Z"
    return Reply(200, {"name": name, "created_at": stamp, "updated_at": stamp})


def pre_receive(emu: GitHubEmulator, call: Call, repo: str) -> Reply:
    """What a bare repository's pre-receive hook asks (tests.github_emulator.pushes)."""
    emu.state.repo(repo)
    if emu.on_push is not None:
        emu.on_push()
    data = call.json()
    refusals = pushes.record(emu.state, repo, str(data.get("credential", "")), data["updates"])
    return Reply(200, {"refusals": refusals})


def list_runs(emu: GitHubEmulator, call: Call, repo: str) -> Reply:
    emu.state.repo(repo)
    filters = {"head_sha": "head_sha", "event": "event", "branch": "head_branch"}
    filters.update(status="status")
    runs = [
        run
        for run in sorted(emu.state.runs.values(), key=lambda r: -r["id"])
        if run["repo"] == repo
        and all(run[key] == call.query[q] for q, key in filters.items() if q in call.query)
    ]
    return _paginate(call, [emu.state.run_payload(r["id"]) for r in runs], wrap="workflow_runs")


def _run(emu: GitHubEmulator, repo: str, run_id: str) -> dict[str, Any]:
    return _in_repo(emu.state.runs, repo, run_id)


def get_run(emu: GitHubEmulator, call: Call, repo: str, run_id: str) -> Reply:
    return Reply(200, emu.state.run_payload(_run(emu, repo, run_id)["id"]))


def _redirect(emu: GitHubEmulator, kind: str, ident: int) -> Reply:
    return Reply(302, b"", {"Location": f"{emu.url}/_downloads/{kind}/{ident}"})


def get_run_logs(emu: GitHubEmulator, call: Call, repo: str, run_id: str) -> Reply:
    return _redirect(emu, "logs", _run(emu, repo, run_id)["id"])


def list_run_approvals(emu: GitHubEmulator, call: Call, repo: str, run_id: str) -> Reply:
    """GET .../actions/runs/{id}/approvals: the run's deployment reviews, oldest first. GitHub
    documents no pagination for it (docs: "Get the review history for a workflow run"): the
    whole list, no Link header."""
    run = _run(emu, repo, run_id)
    approvals = emu.state.run_approvals.get(run["id"], [])
    return Reply(200, [emu.state.run_approval_payload(a) for a in approvals])


def list_run_artifacts(emu: GitHubEmulator, call: Call, repo: str, run_id: str) -> Reply:
    run = _run(emu, repo, run_id)
    ids = [i for i, a in emu.state.artifacts.items() if a["run_id"] == run["id"]]
    return _paginate(call, [emu.state.artifact_payload(i) for i in ids], wrap="artifacts")


def _artifact(emu: GitHubEmulator, repo: str, artifact_id: str) -> int:
    runs = emu.state.runs
    _in_repo(emu.state.artifacts, repo, artifact_id, lambda a: str(runs[a["run_id"]]["repo"]))
    return int(artifact_id)


def get_artifact(emu: GitHubEmulator, call: Call, repo: str, artifact_id: str) -> Reply:
    return Reply(200, emu.state.artifact_payload(_artifact(emu, repo, artifact_id)))


def download_artifact(emu: GitHubEmulator, call: Call, repo: str, artifact_id: str) -> Reply:
    return _redirect(emu, "artifact", _artifact(emu, repo, artifact_id))


def download(emu: GitHubEmulator, call: Call, kind: str, ident: str) -> Reply:
    state = emu.state
    sources: dict[str, Callable[[int], tuple[bytes, str] | None]] = {
        "logs": lambda i: (state.runs[i]["logs"], "application/zip") if i in state.runs else None,
        "artifact": lambda i: (
            (state.artifacts[i]["zip"], "application/zip") if i in state.artifacts else None
        ),
        "asset": lambda i: (
            (state.assets[i]["data"], state.assets[i]["content_type"])
            if i in state.assets
            else None
        ),
    }
    found = sources[kind](int(ident)) if kind in sources else None
    if found is None:
        raise not_found()
    if kind == "asset":
        state.assets[int(ident)]["download_count"] += 1
    data, content_type = found
    return Reply(200, data, {"Content-Type": content_type})


def download_raw(emu: GitHubEmulator, call: Call, repo: str, ref: str, path: str) -> Reply:
    text = emu.state.files.get((repo, ref, path))
    if text is None:
        raise not_found()
    return Reply(200, text.encode(), {"Content-Type": "text/plain; charset=utf-8"})


def _repo_releases(emu: GitHubEmulator, repo: str) -> list[int]:
    emu.state.repo(repo)
    ids = [i for i, r in emu.state.releases.items() if r["repo"] == repo]
    return sorted(ids, reverse=True)


def list_releases(emu: GitHubEmulator, call: Call, repo: str) -> Reply:
    ids = _repo_releases(emu, repo)
    return _paginate(call, [emu.state.release_payload(i) for i in ids])


def create_release(emu: GitHubEmulator, call: Call, repo: str) -> Reply:
    _require(emu, call, "write")
    data = call.json()
    tag = data.get("tag_name")
    if not tag:
        raise _validation_failed("Release", "tag_name", "missing_field")
    if any(emu.state.releases[i]["tag_name"] == tag for i in _repo_releases(emu, repo)):
        raise _validation_failed("Release", "tag_name", "already_exists")
    release_id = emu.state.new_id()
    emu.state.releases[release_id] = {
        "repo": repo,
        "tag_name": tag,
        "target_commitish": data.get("target_commitish") or emu.state.repo(repo).default_branch,
        "name": data.get("name") or tag,
        "body": data.get("body") or "",
        "draft": bool(data.get("draft")),
        "prerelease": bool(data.get("prerelease")),
        "author": call.login,
        "created_at": now(),
    }
    return Reply(201, emu.state.release_payload(release_id))


def _release(emu: GitHubEmulator, repo: str, release_id: str) -> int:
    if int(release_id) not in _repo_releases(emu, repo):
        raise not_found()
    return int(release_id)


def get_release(emu: GitHubEmulator, call: Call, repo: str, release_id: str) -> Reply:
    return Reply(200, emu.state.release_payload(_release(emu, repo, release_id)))


def get_release_by_tag(emu: GitHubEmulator, call: Call, repo: str, tag: str) -> Reply:
    for release_id in _repo_releases(emu, repo):
        if emu.state.releases[release_id]["tag_name"] == tag:
            return Reply(200, emu.state.release_payload(release_id))
    raise not_found()


def list_assets(emu: GitHubEmulator, call: Call, repo: str, release_id: str) -> Reply:
    rid = _release(emu, repo, release_id)
    ids = [i for i, a in emu.state.assets.items() if a["release"] == rid]
    return _paginate(call, [emu.state.asset_payload(i) for i in ids])


def get_asset(emu: GitHubEmulator, call: Call, repo: str, asset_id: str) -> Reply:
    releases = emu.state.releases
    _in_repo(emu.state.assets, repo, asset_id, lambda a: str(releases[a["release"]]["repo"]))
    return Reply(200, emu.state.asset_payload(int(asset_id)))


def upload_asset(emu: GitHubEmulator, call: Call, repo: str, release_id: str) -> Reply:
    rid = _release(emu, repo, release_id)
    _require(emu, call, "write")
    name = call.query.get("name")
    if not name:
        raise _validation_failed("ReleaseAsset", "name", "missing_field")
    if any(a["release"] == rid and a["name"] == name for a in emu.state.assets.values()):
        raise _validation_failed("ReleaseAsset", "name", "already_exists")
    asset_id = emu.state.new_id()
    emu.state.assets[asset_id] = {
        "release": rid,
        "name": name,
        "label": call.query.get("label", ""),
        "content_type": call.headers.get("content-type", "application/octet-stream"),
        "data": call.body,
        "uploader": call.login,
        "download_count": 0,
        "created_at": now(),
    }
    return Reply(201, emu.state.asset_payload(asset_id))


def list_deployments(emu: GitHubEmulator, call: Call, repo: str) -> Reply:
    emu.state.repo(repo)
    ids = sorted((i for i, d in emu.state.deployments.items() if d["repo"] == repo), reverse=True)
    filters = ("sha", "ref", "task", "environment")
    ids = [
        i
        for i in ids
        if all(emu.state.deployments[i][f] == call.query[f] for f in filters if f in call.query)
    ]
    return _paginate(call, [emu.state.deployment_payload(i) for i in ids])


def create_deployment(emu: GitHubEmulator, call: Call, repo: str) -> Reply:
    emu.state.repo(repo)
    _require(emu, call, "write")
    data = call.json()
    ref = data.get("ref")
    if not ref:
        raise _validation_failed("Deployment", "ref", "missing_field")
    deployment_id = emu.state.new_id()
    emu.state.deployments[deployment_id] = {
        "repo": repo,
        "ref": ref,
        "sha": emu.state.resolve(repo, ref),
        "task": data.get("task") or "deploy",
        "payload": data.get("payload") or {},
        "environment": data.get("environment") or "production",
        "description": data.get("description"),
        "creator": call.login,
        "created_at": now(),
    }
    emu.state.deployment_statuses[deployment_id] = []
    return Reply(201, emu.state.deployment_payload(deployment_id))


def _deployment(emu: GitHubEmulator, repo: str, deployment_id: str) -> int:
    _in_repo(emu.state.deployments, repo, deployment_id)
    return int(deployment_id)


def get_deployment(emu: GitHubEmulator, call: Call, repo: str, deployment_id: str) -> Reply:
    return Reply(200, emu.state.deployment_payload(_deployment(emu, repo, deployment_id)))


def list_deployment_statuses(
    emu: GitHubEmulator, call: Call, repo: str, deployment_id: str
) -> Reply:
    statuses = emu.state.deployment_statuses[_deployment(emu, repo, deployment_id)]
    return _paginate(call, [emu.state.deployment_status_payload(s) for s in reversed(statuses)])


def create_deployment_status(
    emu: GitHubEmulator, call: Call, repo: str, deployment_id: str
) -> Reply:
    did = _deployment(emu, repo, deployment_id)
    _require(emu, call, "write")
    data = call.json()
    if data.get("state") not in DEPLOYMENT_STATES:
        raise _validation_failed("DeploymentStatus", "state")
    status = {
        "id": emu.state.new_id(),
        "deployment": did,
        "state": data["state"],
        "target_url": data.get("target_url") or data.get("log_url") or "",
        "description": data.get("description") or "",
        "environment_url": data.get("environment_url") or "",
        "creator": call.login,
        "created_at": now(),
    }
    emu.state.deployment_statuses[did].append(status)
    return Reply(201, emu.state.deployment_status_payload(status))


def dispatch_workflow(emu: GitHubEmulator, call: Call, repo: str, workflow: str) -> Reply:
    """POST .../actions/workflows/{file or id}/dispatches: recorded in `state.dispatches`; the
    errors are GitHub's (docs: "Create a workflow dispatch event"), the success a bare 204."""
    found = [
        (file, w)
        for (full, file), w in emu.state.workflows.items()
        if full == repo and workflow in (file, str(w["id"]))
    ]
    if not found:
        raise not_found()
    _require(emu, call, "write")
    (file, record), data = found[0], call.json()
    ref = str(data.get("ref") or "").removeprefix("refs/heads/")
    if not record["dispatch"]:
        raise ApiError(422, "Workflow does not have 'workflow_dispatch' trigger")
    if ref not in emu.state.repo(repo).branches:
        raise ApiError(422, f"No ref found for: {data.get('ref')}")
    inputs = data.get("inputs") or {}
    unexpected = sorted(set(inputs) - set(record["inputs"]))
    if unexpected:
        raise ApiError(422, f"Unexpected inputs provided: {json.dumps(unexpected)}")
    for name, required in record["inputs"].items():
        if required and name not in inputs:
            raise ApiError(422, f"Required input '{name}' not provided")
    emu.state.dispatches.append(
        {"repo": repo, "workflow": file, "ref": ref, "inputs": inputs, "actor": call.login}
    )
    return Reply(204)


def list_issues(emu: GitHubEmulator, call: Call, repo: str) -> Reply:
    emu.state.repo(repo)
    state = call.query.get("state", "open")
    wanted = {name for name in call.query.get("labels", "").split(",") if name}
    issues = [
        issue
        for (full, _), issue in sorted(emu.state.issues.items(), key=lambda kv: -kv[0][1])
        if full == repo and state in ("all", issue.state) and wanted <= set(issue.labels)
    ]
    return _paginate(call, [emu.state.issue_payload(repo, i.number) for i in issues])


def create_issue(emu: GitHubEmulator, call: Call, repo: str) -> Reply:
    emu.state.repo(repo)
    _require(emu, call, "read")
    data = call.json()
    if not data.get("title"):
        raise _validation_failed("Issue", "title", "missing_field")
    numbers = [number for (full, number) in emu.state.issues if full == repo]
    number = max(numbers, default=0) + 1
    emu.state.issues[(repo, number)] = Issue(
        repo,
        number,
        call.login or "",
        data["title"],
        data.get("body") or "",
        data.get("labels") or [],
    )
    return Reply(201, emu.state.issue_payload(repo, number))


def get_issue(emu: GitHubEmulator, call: Call, repo: str, number: str) -> Reply:
    return Reply(200, emu.state.issue_payload(repo, int(number)))


def edit_issue(emu: GitHubEmulator, call: Call, repo: str, number: str) -> Reply:
    issue = emu.state.issue(repo, int(number))
    if issue.author != call.login:
        _require(emu, call, "triage")
    data = call.json()
    if "state" in data and data["state"] not in ("open", "closed"):
        raise _validation_failed("Issue", "state")
    for key in ("title", "body", "labels"):
        if key in data:
            setattr(issue, key, data[key] or ([] if key == "labels" else ""))
    if data.get("state") and data["state"] != issue.state:
        issue.state = data["state"]
        issue.closed_at = now() if issue.state == "closed" else None
    issue.updated_at = now()
    return Reply(200, emu.state.issue_payload(repo, int(number)))


# -- the routing table: (method, path regex relative to the API root, handler) ----------------

_R = r"(?P<repo>[^/]+/[^/]+)"  # owner/name
_N = r"(\d+)"
_S = r"([^/]+)"  # one path segment (a branch with "/" must be URL-encoded, as on GitHub)

ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", r"/user", get_user),
    ("GET", rf"/users/{_S}", get_user_by_login),
    ("GET", rf"/repos/{_R}", get_repo),
    ("GET", rf"/repos/{_R}/collaborators/{_S}/permission", get_permission),
    ("GET", rf"/repos/{_R}/pulls/{_N}", get_pull),
    ("GET", rf"/repos/{_R}/pulls/{_N}/files", list_pull_files),
    ("GET", rf"/repos/{_R}/pulls/{_N}/reviews", list_reviews),
    ("GET", rf"/repos/{_R}/issues", list_issues),
    ("POST", rf"/repos/{_R}/issues", create_issue),
    ("GET", rf"/repos/{_R}/issues/{_N}", get_issue),
    ("PATCH", rf"/repos/{_R}/issues/{_N}", edit_issue),
    ("GET", rf"/repos/{_R}/issues/{_N}/comments", list_comments),
    ("POST", rf"/repos/{_R}/issues/{_N}/comments", create_comment),
    ("GET", rf"/repos/{_R}/issues/comments/{_N}", get_comment),
    ("PATCH", rf"/repos/{_R}/issues/comments/{_N}", edit_comment),
    ("POST", rf"/repos/{_R}/statuses/{_S}", create_status),
    ("GET", rf"/repos/{_R}/statuses/{_S}", list_statuses),  # the legacy path github3.py uses
    ("GET", rf"/repos/{_R}/commits/{_S}/status", get_combined_status),
    ("GET", rf"/repos/{_R}/commits/{_S}/statuses", list_statuses),
    ("GET", rf"/repos/{_R}/commits/{_S}/pulls", list_commit_pulls),
    ("GET", rf"/repos/{_R}/contents/(.+)", get_contents),
    ("GET", rf"/repos/{_R}/branches/{_S}", get_branch),
    ("GET", rf"/repos/{_R}/branches/{_S}/protection", get_protection),
    ("PUT", rf"/repos/{_R}/branches/{_S}/protection", put_protection),
    ("DELETE", rf"/repos/{_R}/branches/{_S}/protection", delete_protection),
    ("GET", rf"/repos/{_R}/rulesets", list_rulesets),
    ("POST", rf"/repos/{_R}/rulesets", create_ruleset),
    ("GET", rf"/repos/{_R}/rulesets/{_N}", get_ruleset),
    ("PUT", rf"/repos/{_R}/rulesets/{_N}", update_ruleset),
    ("DELETE", rf"/repos/{_R}/rulesets/{_N}", delete_ruleset),
    ("GET", rf"/repos/{_R}/environments/{_S}", get_environment),
    ("PUT", rf"/repos/{_R}/environments/{_S}", put_environment),
    ("GET", rf"/repos/{_R}/environments/{_S}/deployment-branch-policies", list_branch_policies),
    ("POST", rf"/repos/{_R}/environments/{_S}/deployment-branch-policies", create_branch_policy),
    ("GET", rf"/repos/{_R}/actions/secrets/{_S}", get_repo_secret),
    ("POST", rf"/_git/pre-receive/{_R}", pre_receive),
    ("GET", rf"/repos/{_R}/actions/runs", list_runs),
    ("GET", rf"/repos/{_R}/actions/runs/{_N}", get_run),
    ("GET", rf"/repos/{_R}/actions/runs/{_N}/logs", get_run_logs),
    ("GET", rf"/repos/{_R}/actions/runs/{_N}/artifacts", list_run_artifacts),
    ("GET", rf"/repos/{_R}/actions/runs/{_N}/approvals", list_run_approvals),
    ("GET", rf"/repos/{_R}/actions/artifacts/{_N}", get_artifact),
    ("GET", rf"/repos/{_R}/actions/artifacts/{_N}/zip", download_artifact),
    ("GET", rf"/repos/{_R}/releases", list_releases),
    ("POST", rf"/repos/{_R}/releases", create_release),
    ("GET", rf"/repos/{_R}/releases/{_N}", get_release),
    ("GET", rf"/repos/{_R}/releases/tags/{_S}", get_release_by_tag),
    ("GET", rf"/repos/{_R}/releases/{_N}/assets", list_assets),
    ("GET", rf"/repos/{_R}/releases/assets/{_N}", get_asset),
    ("POST", rf"/_uploads/repos/{_R}/releases/{_N}/assets", upload_asset),
    ("GET", rf"/repos/{_R}/deployments", list_deployments),
    ("POST", rf"/repos/{_R}/deployments", create_deployment),
    ("GET", rf"/repos/{_R}/deployments/{_N}", get_deployment),
    ("GET", rf"/repos/{_R}/deployments/{_N}/statuses", list_deployment_statuses),
    ("POST", rf"/repos/{_R}/deployments/{_N}/statuses", create_deployment_status),
    ("POST", rf"/repos/{_R}/actions/workflows/{_S}/dispatches", dispatch_workflow),
    ("GET", r"/_downloads/(logs|artifact|asset)/(\d+)", download),
    ("GET", rf"/_downloads/raw/{_R}/{_S}/(.+)", download_raw),
]
_COMPILED = [(method, re.compile(pattern + "/?"), handler) for method, pattern, handler in ROUTES]


def _route(emu: GitHubEmulator, call: Call) -> Reply:
    for method, pattern, handler in _COMPILED:
        match = pattern.fullmatch(call.path)
        if match and method == call.method:
            return handler(emu, call, *(unquote(g) for g in match.groups()))
    raise not_found()
