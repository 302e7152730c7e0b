"""The connection to GitHub: a github3.py client whose every request has a timeout and is
retried when the failure is transient, and one way to turn what still fails into a GitHubError.

Transient means 5xx, timeouts and rate limits that say when to come back (`Retry-After`, or no
requests left and a reset within a minute); a 403 without them is a missing permission, which
retrying will not fix. Messages name the request and never contain the token. Requests that
github3.py has no method for go through its session to `repo_url`, built from GITHUB_API_URL.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeAlias

import github3
import requests
from github3 import exceptions as gh_exceptions
from requests.adapters import HTTPAdapter

from o16n.adapters.github.actions import PUBLIC_API, Actions
from o16n.errors import GitHubError

RETRYABLE = frozenset({500, 502, 503, 504})
SLEEP: Callable[[float], None] = time.sleep  # tests replace it
MAX_WAIT = 60.0  # longest rate-limit wait honoured before failing (seconds)

Client: TypeAlias = github3.GitHub  # also a GitHubEnterprise, which derives from it


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
            wait = retry_wait(response, attempt, self.backoff)
            if wait is None or attempt == self.attempts:
                return response
            response.close()
            SLEEP(wait)
        raise AssertionError("unreachable")  # pragma: no cover


def retry_wait(response: requests.Response, attempt: int, backoff: float) -> float | None:
    """Seconds to wait before trying again, or None when retrying will not help."""
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


def _enterprise_server(actions: Actions) -> str:
    """The server github3.py's GitHubEnterprise wants: GITHUB_API_URL without its /api/v3."""
    return actions.api_url.removesuffix("/api/v3").rstrip("/")


def connect(actions: Actions, timeout: float = 30.0) -> Client:
    """A github3.py client for github.com or, from GITHUB_API_URL, GitHub Enterprise."""
    if actions.api_url == PUBLIC_API:
        client: Client = github3.GitHub(token=actions.token)
    else:
        client = github3.GitHubEnterprise(_enterprise_server(actions), token=actions.token)
    adapter = RetryingAdapter()
    client.session.mount("https://", adapter)
    client.session.mount("http://", adapter)
    client.session.default_connect_timeout = 5.0
    client.session.default_read_timeout = timeout
    return client


def repo_url(actions: Actions, *parts: str) -> str:
    """The API URL of this repository's `parts` (repos/owner/name/parts...), on the same root
    as the client's own requests: GITHUB_API_URL, or <server>/api/v3 on GitHub Enterprise."""
    root = PUBLIC_API if actions.api_url == PUBLIC_API else f"{_enterprise_server(actions)}/api/v3"
    return "/".join([root, "repos", actions.owner, actions.name, *parts])


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


def decode(actions: Actions, response: requests.Response, what: str) -> Any:
    """The JSON body of a successful response; a github3 error (for `call`) on 4xx and 5xx."""
    if response.status_code >= 400:
        raise gh_exceptions.error_for(response)
    try:
        return response.json()
    except ValueError as exc:
        raise GitHubError(actions.redact(f"GitHub: {what}: malformed response ({exc})")) from None


def pages(
    client: Client,
    actions: Actions,
    url: str,
    what: str,
    params: dict[str, str] | None = None,
    limit: int = 30,
) -> list[Any]:
    """Every item of a list endpoint, 100 a page, following GitHub's `Link: rel="next"` for
    at most `limit` pages; inside its own `call`, so a failing page is a GitHubError."""
    items: list[Any] = []
    next_url: str | None = url
    query: dict[str, str] | None = {**(params or {}), "per_page": "100"}
    with call(actions, what):
        for _ in range(limit):
            if next_url is None:
                break
            response = client.session.get(next_url, params=query)
            page = decode(actions, response, what)
            if not isinstance(page, list):
                raise GitHubError(
                    actions.redact(f"GitHub: {what}: malformed response (not a list)")
                )
            items.extend(page)
            next_url = response.links.get("next", {}).get("url")
            query = None  # the next link carries the query
        else:
            if next_url is not None:
                raise GitHubError(actions.redact(f"GitHub: {what}: more than {limit} pages"))
    return items


def repository(client: Client, actions: Actions) -> Any:
    """The repository (inside a `call`, which turns a 404 into a GitHubError)."""
    found = client.repository(actions.owner, actions.name)
    if found is None:
        raise GitHubError(f"GitHub: repository {actions.repository} not found")
    return found
