"""The GitHub emulator: its payloads keep every key of the recordings and parse with github3.py,
and its state behaves like GitHub for what o16n uses."""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import github3
import pytest
import requests
from github3.issues.comment import IssueComment
from github3.issues.issue import Issue
from github3.pulls import PullFile, PullRequest, PullReview
from github3.repos.branch import Branch, BranchProtection
from github3.repos.contents import Contents
from github3.repos.deployment import Deployment, DeploymentStatus
from github3.repos.release import Asset, Release
from github3.repos.repo import Repository
from github3.repos.status import CombinedStatus, Status
from github3.users import User

from tests.github_emulator import GitHubEmulator
from tests.github_emulator.state import template

TOKEN = "ghs_test"
REPO = "acme/model"
HEAD = "a" * 40
PROTECTION = {
    "required_status_checks": {"strict": True, "contexts": ["o16n/gate"]},
    "enforce_admins": True,
    "required_pull_request_reviews": {
        "dismissal_restrictions": {"users": ["alice"], "teams": []},
        "dismiss_stale_reviews": True,
        "require_code_owner_reviews": True,
        "required_approving_review_count": 2,
    },
    "restrictions": {"users": ["alice"], "teams": ["ml"]},
}


@pytest.fixture
def emulator() -> Iterator[GitHubEmulator]:
    with GitHubEmulator(token=TOKEN) as emu:
        emu.add_repo("acme", "model")
        emu.add_user("alice", "write")
        emu.add_user("bob", "admin")
        emu.add_pull(
            REPO,
            7,
            "alice",
            HEAD,
            labels=["model-change"],
            files=[{"filename": "src/train.py", "status": "modified", "additions": 5}],
        )
        emu.add_review(REPO, 7, "bob", "APPROVED")
        emu.add_comment(REPO, 7, "alice", "first")
        emu.add_run(
            REPO,
            501,
            HEAD,
            pr_number=7,
            logs={"check/1_Run o16n.txt": "gate passed\n"},
            artifacts={"reports": {"check.md": "# Check\n"}},
        )
        yield emu


@pytest.fixture
def gh(emulator: GitHubEmulator) -> github3.GitHubEnterprise:
    return github3.GitHubEnterprise(emulator.url, token=TOKEN)


def api(gh: github3.GitHubEnterprise, method: str, *parts: str, **kwargs: Any) -> Any:
    """A call github3.py has no method for, through its own authenticated session."""
    response = gh.session.request(method, gh.session.build_url(*parts), **kwargs)
    assert response.status_code < 300, response.text
    return response.json()


def repo_path(*parts: str) -> tuple[str, ...]:
    return ("repos", "acme", "model", *parts)


# -- contract: every key of the recording, parsed by github3.py ------------------------------


def _missing_keys(recorded: Any, served: Any, where: str = "") -> list[str]:
    """Keys of `recorded` absent from `served`, recursively through objects and first items."""
    if isinstance(recorded, dict) and isinstance(served, dict):
        missing = [f"{where}.{key}" for key in recorded if key not in served]
        for key in recorded.keys() & served.keys():
            missing += _missing_keys(recorded[key], served[key], f"{where}.{key}")
        return missing
    if isinstance(recorded, list) and isinstance(served, list) and recorded and served:
        return _missing_keys(recorded[0], served[0], f"{where}[0]")
    return []


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def _status(gh: github3.GitHubEnterprise) -> Any:
    body = {"state": "success", "target_url": "http://ci", "description": "ok", "context": "c"}
    return api(gh, "POST", *repo_path("statuses", HEAD), json=body)


def _combined(gh: github3.GitHubEnterprise) -> Any:
    _status(gh)
    return api(gh, "GET", *repo_path("commits", HEAD, "status"))


def _release(gh: github3.GitHubEnterprise) -> Any:
    return api(gh, "POST", *repo_path("releases"), json={"tag_name": "v1.0.0", "name": "1.0"})


def _asset(gh: github3.GitHubEnterprise) -> Any:
    upload = _release(gh)["upload_url"].split("{")[0]
    headers = {"Content-Type": "application/zip"}
    response = gh.session.post(upload, params={"name": "model.zip"}, data=b"PK", headers=headers)
    assert response.status_code == 201
    return response.json()


def _deployment(gh: github3.GitHubEnterprise) -> Any:
    return api(gh, "POST", *repo_path("deployments"), json={"ref": "main"})


def _deployment_status(gh: github3.GitHubEnterprise) -> Any:
    statuses_url = _deployment(gh)["statuses_url"]
    body = {"state": "success", "target_url": "http://deploy", "description": "done"}
    response = gh.session.post(statuses_url, json=body)
    assert response.status_code == 201
    return response.json()


def _protection(gh: github3.GitHubEnterprise, emulator: GitHubEmulator) -> Any:
    emulator.add_user(emulator.login, "admin")
    return api(gh, "PUT", *repo_path("branches", "main", "protection"), json=PROTECTION)


def _issue(gh: github3.GitHubEnterprise) -> Any:
    return api(gh, "POST", *repo_path("issues"), json={"title": "Drift", "labels": ["drift"]})


def _contents(gh: github3.GitHubEnterprise, emulator: GitHubEmulator) -> Any:
    emulator.set_file(REPO, "main", ".github/CODEOWNERS", "* @bob\n")
    return api(gh, "GET", *repo_path("contents", ".github", "CODEOWNERS"), params={"ref": "main"})


MERGE = "e" * 40


def _commit_pulls(gh: github3.GitHubEnterprise, emulator: GitHubEmulator) -> Any:
    emulator.merge_pull(REPO, 7, MERGE, merged_by="bob")
    return api(gh, "GET", *repo_path("commits", MERGE, "pulls"))


def _run_approvals(gh: github3.GitHubEnterprise, emulator: GitHubEmulator) -> Any:
    emulator.add_run_approval(REPO, 501, ["production"], "bob", comment="Ship it")
    return api(gh, "GET", *repo_path("actions", "runs", "501", "approvals"))


Fetch = Callable[[github3.GitHubEnterprise, GitHubEmulator], Any]
CONTRACT: dict[str, tuple[str, Fetch, type | None]] = {
    "pull request": (
        "pull_request_example",
        lambda gh, e: api(gh, "GET", *repo_path("pulls", "7")),
        PullRequest,
    ),
    "review": (
        "pull_review_example",
        lambda gh, e: api(gh, "GET", *repo_path("pulls", "7", "reviews"))[0],
        PullReview,
    ),
    "pull file": (
        "pull_file_example",
        lambda gh, e: api(gh, "GET", *repo_path("pulls", "7", "files"))[0],
        PullFile,
    ),
    "issue comment": (
        "comment_example",
        lambda gh, e: api(gh, "GET", *repo_path("issues", "7", "comments"))[0],
        IssueComment,
    ),
    "status": ("octokit_status", lambda gh, e: _status(gh), Status),
    "combined status": (
        "repos_combined_status_example",
        lambda gh, e: _combined(gh),
        CombinedStatus,
    ),
    "branch": (
        "repos_branch_example",
        lambda gh, e: api(gh, "GET", *repo_path("branches", "main")),
        Branch,
    ),
    "branch protection": ("branch_protection_example", _protection, BranchProtection),
    "release": ("repos_release_example", lambda gh, e: _release(gh), Release),
    "asset": ("repos_asset_example", lambda gh, e: _asset(gh), Asset),
    "deployment": ("repos_deployment_example", lambda gh, e: _deployment(gh), Deployment),
    "deployment status": (
        "deployment_status",
        lambda gh, e: _deployment_status(gh),
        DeploymentStatus,
    ),
    "issue": ("issue_example", lambda gh, e: _issue(gh), Issue),
    "pull request as issue": (
        "issue_example",
        lambda gh, e: api(gh, "GET", *repo_path("issues", "7")),
        Issue,
    ),
    "repo": ("repo_example", lambda gh, e: api(gh, "GET", *repo_path()), Repository),
    "user": ("user_example", lambda gh, e: api(gh, "GET", "users", "alice"), User),
    "me": ("user_example", lambda gh, e: api(gh, "GET", "user"), User),
    "contents": ("contents_file", _contents, Contents),
    "workflow run": (
        "workflow_run",
        lambda gh, e: api(gh, "GET", *repo_path("actions", "runs", "501")),
        None,
    ),
    # Lists, compared item by item with the recorded list; github3.py has no class for them
    # (its ShortPullRequest wants `body_html`, which GitHub's own recording lacks).
    "commit pulls": ("commit_pulls_example", _commit_pulls, None),
    "run approvals": ("run_approvals_example", _run_approvals, None),
    "artifact": (
        "artifact",
        lambda gh, e: api(gh, "GET", *repo_path("actions", "runs", "501", "artifacts"))[
            "artifacts"
        ][0],
        None,
    ),
}
# Recorded keys that are not part of the schema where they are: GitHub sends `pull_request`
# only on the issue side of a pull request (checked above), and a deployment's `payload` is
# whatever the client sent.
NOT_IN_SCHEMA = {"issue": [".pull_request"], "deployment": [".payload.task"]}


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_payload_keeps_recorded_keys_and_parses_with_github3(
    name: str, gh: github3.GitHubEnterprise, emulator: GitHubEmulator
) -> None:
    recorded_name, fetch, github3_class = CONTRACT[name]
    served = fetch(gh, emulator)

    missing = _missing_keys(template(recorded_name), served)
    assert missing == NOT_IN_SCHEMA.get(name, [])
    if github3_class is not None:
        github3_class(served, gh)  # raises IncompleteResponse on a missing key
    urls = [s for s in _strings(served) if re.match(r"https?://", s)]
    assert [u for u in urls if re.match(r"https?://[^/]*github", u)] == []


# -- behaviour ---------------------------------------------------------------------------------


def test_comment_create_then_edit_keeps_one_comment(
    gh: github3.GitHubEnterprise, emulator: GitHubEmulator
) -> None:
    pull = gh.repository("acme", "model").pull_request(7)
    comment = pull.create_comment("<!-- o16n --> pending")
    assert comment.edit("<!-- o16n --> passed")

    bodies = [c["body"] for c in emulator.state.comments_on(REPO, 7)]
    assert bodies == ["first", "<!-- o16n --> passed"]
    again = api(gh, "GET", *repo_path("issues", "comments", str(comment.id)))
    assert again["body"] == "<!-- o16n --> passed"
    assert again["user"]["login"] == emulator.login


def test_combined_status_is_latest_per_context(gh: github3.GitHubEnterprise) -> None:
    repo = gh.repository("acme", "model")
    repo.create_status(HEAD, "pending", context="o16n/gate")
    repo.create_status(HEAD, "success", context="o16n/tests")
    repo.create_status(HEAD, "failure", context="o16n/gate")
    repo.create_status(HEAD, "success", context="o16n/gate")

    combined = CombinedStatus(api(gh, "GET", *repo_path("commits", "feature", "status")), gh)
    assert combined.state == "success"
    assert sorted((s.context, s.state) for s in combined.statuses) == [
        ("o16n/gate", "success"),
        ("o16n/tests", "success"),
    ]
    assert len(list(repo.statuses(HEAD))) == 4


def test_invalid_status_state_is_422(gh: github3.GitHubEnterprise) -> None:
    body = {"state": "green", "context": "o16n/gate"}
    response = gh.session.post(gh.session.build_url(*repo_path("statuses", HEAD)), json=body)
    assert response.status_code == 422
    assert response.json()["message"] == "Validation Failed"
    assert response.json()["errors"][0]["field"] == "state"


def test_protection_round_trips_for_an_admin(
    gh: github3.GitHubEnterprise, emulator: GitHubEmulator
) -> None:
    emulator.add_user(emulator.login, "admin")
    branch = gh.repository("acme", "model").branch("main")
    assert gh.session.get(branch.protection_url).json()["message"] == "Branch not protected"

    branch.protect(**{k: PROTECTION[k] for k in PROTECTION})
    protection = branch.protection()

    assert protection.required_status_checks.original_contexts == ["o16n/gate"]
    assert protection.required_pull_request_reviews.required_approving_review_count == 2
    assert protection.enforce_admins.enabled is True
    assert emulator.state.protection[(REPO, "main")] == PROTECTION
    assert gh.repository("acme", "model").branch("main").protected is True
    assert gh.session.delete(branch.protection_url).status_code == 204
    assert (REPO, "main") not in emulator.state.protection


def test_protection_needs_admin(gh: github3.GitHubEnterprise, emulator: GitHubEmulator) -> None:
    url = gh.session.build_url(*repo_path("branches", "main", "protection"))
    response = gh.session.put(url, json=PROTECTION)
    assert response.status_code == 403
    assert response.json()["message"] == "Resource not accessible by integration"
    assert emulator.state.protection == {}


def test_reviews_paginate_with_link_header(
    gh: github3.GitHubEnterprise, emulator: GitHubEmulator
) -> None:
    for user in ("alice", "carol", "dave", "erin"):
        emulator.add_review(REPO, 7, user, "COMMENTED")
    url = gh.session.build_url(*repo_path("pulls", "7", "reviews"))

    first = gh.session.get(url, params={"per_page": 2})
    last = gh.session.get(first.links["last"]["url"])

    assert len(first.json()) == 2
    assert first.links["next"]["url"].startswith(f"{emulator.url}/api/v3/")
    assert "page=3" in first.links["last"]["url"]
    assert [r["user"]["login"] for r in last.json()] == ["erin"]
    assert "next" not in last.links
    reviews = gh.repository("acme", "model").pull_request(7).reviews()
    assert len(list(reviews)) == 5


def test_missing_pull_is_404(gh: github3.GitHubEnterprise) -> None:
    response = gh.session.get(gh.session.build_url(*repo_path("pulls", "99")))
    assert response.status_code == 404
    assert response.json()["message"] == "Not Found"
    assert "documentation_url" in response.json()
    with pytest.raises(github3.exceptions.NotFoundError):
        gh.repository("acme", "model").pull_request(99)


def test_fault_500_once_then_success(
    gh: github3.GitHubEnterprise, emulator: GitHubEmulator
) -> None:
    emulator.fail("GET", r"/pulls/7$", 500)
    url = gh.session.build_url(*repo_path("pulls", "7"))
    assert gh.session.get(url).status_code == 500
    assert gh.session.get(url).json()["number"] == 7


def test_faults_set_rate_limit_headers_and_malformed_bodies(
    gh: github3.GitHubEnterprise, emulator: GitHubEmulator
) -> None:
    emulator.fail("GET", r"/pulls/7$", 403, headers={"X-RateLimit-Remaining": "0"})
    emulator.fail("GET", r"/pulls/7$", 200, body="{not json")
    url = gh.session.build_url(*repo_path("pulls", "7"))

    limited = gh.session.get(url)
    malformed = gh.session.get(url)

    assert limited.status_code == 403
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert int(limited.headers["X-RateLimit-Reset"]) > 0
    assert malformed.status_code == 200
    with pytest.raises(ValueError):
        malformed.json()


def test_delay_fault_makes_a_client_time_out(
    gh: github3.GitHubEnterprise, emulator: GitHubEmulator
) -> None:
    emulator.fail("GET", r"/pulls/7$", None, delay=0.5)
    with pytest.raises(requests.Timeout):
        gh.session.get(gh.session.build_url(*repo_path("pulls", "7")), timeout=0.1)


def test_run_logs_and_artifact_zip_download_through_302(gh: github3.GitHubEnterprise) -> None:
    runs = api(gh, "GET", *repo_path("actions", "runs"), params={"head_sha": HEAD})
    run = runs["workflow_runs"][0]
    logs = gh.session.get(run["logs_url"])
    artifact = api(gh, "GET", *repo_path("actions", "runs", "501", "artifacts"))["artifacts"][0]
    archive = gh.session.get(artifact["archive_download_url"])

    assert runs["total_count"] == 1 and run["pull_requests"][0]["number"] == 7
    assert logs.history[0].status_code == 302
    assert zipfile.ZipFile(io.BytesIO(logs.content)).read("check/1_Run o16n.txt") == (
        b"gate passed\n"
    )
    assert archive.history[0].status_code == 302
    assert zipfile.ZipFile(io.BytesIO(archive.content)).read("check.md") == b"# Check\n"


def test_runs_filter_by_event_and_branch(
    gh: github3.GitHubEnterprise, emulator: GitHubEmulator
) -> None:
    emulator.add_run(REPO, 502, "b" * 40, event="push", head_branch="main")
    url = repo_path("actions", "runs")

    pushes = api(gh, "GET", *url, params={"event": "push"})["workflow_runs"]
    feature = api(gh, "GET", *url, params={"branch": "feature"})["workflow_runs"]

    assert [r["id"] for r in pushes] == [502]
    assert [r["id"] for r in feature] == [501]


def test_without_a_valid_token_is_401(emulator: GitHubEmulator) -> None:
    url = f"{emulator.api_url}/repos/{REPO}"
    missing = requests.get(url, timeout=5)
    wrong = requests.get(url, headers={"Authorization": "token nope"}, timeout=5)
    bearer = requests.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)

    assert missing.status_code == wrong.status_code == 401
    assert missing.json()["message"] == "Bad credentials"
    assert bearer.status_code == 200


def test_root_paths_serve_the_api_too(emulator: GitHubEmulator) -> None:
    response = requests.get(
        f"{emulator.url}/repos/{REPO}/pulls/7", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.json()["number"] == 7
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert int(response.headers["X-RateLimit-Remaining"]) < int(
        response.headers["X-RateLimit-Limit"]
    )


def test_token_appears_only_in_authorization_headers(
    gh: github3.GitHubEnterprise, emulator: GitHubEmulator
) -> None:
    gh.repository("acme", "model").pull_request(7).create_comment("hello")
    for request in emulator.requests:
        leaked = {k for k, v in request.headers.items() if TOKEN in v} - {"authorization"}
        assert not leaked
        assert TOKEN not in request.path + request.query + request.body


def test_collaborator_permission(gh: github3.GitHubEnterprise) -> None:
    bob = api(gh, "GET", *repo_path("collaborators", "bob", "permission"))
    alice = api(gh, "GET", *repo_path("collaborators", "alice", "permission"))
    assert (bob["permission"], bob["user"]["login"]) == ("admin", "bob")
    assert alice["permission"] == "write"


def test_contents_are_base64_at_the_ref(
    gh: github3.GitHubEnterprise, emulator: GitHubEmulator
) -> None:
    emulator.set_file(REPO, "main", ".github/CODEOWNERS", "* @bob\n")
    contents = gh.repository("acme", "model").file_contents(".github/CODEOWNERS", ref="main")
    assert contents.decoded == b"* @bob\n"
    assert base64.b64decode(contents.content) == b"* @bob\n"
    missing = gh.session.get(gh.session.build_url(*repo_path("contents", "CODEOWNERS")))
    assert missing.status_code == 404


def test_issues_filter_by_label_and_state(gh: github3.GitHubEnterprise) -> None:
    repo = gh.repository("acme", "model")
    drift = repo.create_issue("Drift on age", labels=["drift"])
    repo.create_issue("Docs")
    drift.edit(state="closed")

    open_drift = [i.number for i in repo.issues(labels="drift")]
    all_drift = [i.number for i in repo.issues(labels="drift", state="all")]

    assert open_drift == []
    assert all_drift == [drift.number]
    assert [i.number for i in repo.issues(labels="model-change")] == [7]


def test_release_asset_upload_stores_the_bytes(
    gh: github3.GitHubEnterprise, emulator: GitHubEmulator
) -> None:
    release = gh.repository("acme", "model").create_release("v1.0.0")
    asset = release.upload_asset("application/zip", "model.zip", b"PK\x03\x04")

    assert release.upload_urlt.expand(name="x").startswith(f"{emulator.url}/api/uploads/")
    assert [a.name for a in gh.repository("acme", "model").release(release.id).assets()] == [
        "model.zip"
    ]
    assert requests.get(asset.browser_download_url, timeout=5).content == b"PK\x03\x04"


def test_deployment_statuses_are_listed_newest_first(gh: github3.GitHubEnterprise) -> None:
    deployment = gh.repository("acme", "model").create_deployment("main", environment="staging")
    deployment.create_status("in_progress")
    deployment.create_status("success", target_url="http://model")

    assert [s.state for s in deployment.statuses()] == ["success", "in_progress"]
    assert json.loads(json.dumps(deployment.as_dict()))["environment"] == "staging"


def test_a_merged_pull_request_is_listed_for_its_merge_commit_and_its_head(
    gh: github3.GitHubEnterprise, emulator: GitHubEmulator
) -> None:
    emulator.merge_pull(REPO, 7, MERGE, merged_by="bob")

    by_merge = api(gh, "GET", *repo_path("commits", MERGE, "pulls"))
    by_head = api(gh, "GET", *repo_path("commits", HEAD, "pulls"))
    by_branch = api(gh, "GET", *repo_path("commits", "main", "pulls"))
    pull = gh.repository("acme", "model").pull_request(7)

    assert [p["number"] for p in by_merge] == [p["number"] for p in by_head] == [7]
    assert by_branch == by_merge  # main's head is now the merge commit
    assert by_merge[0]["merge_commit_sha"] == MERGE and by_merge[0]["merged_at"] is not None
    assert by_merge[0]["state"] == "closed" and by_merge[0]["base"]["ref"] == "main"
    assert pull.merged and pull.merged_by.login == "bob" and pull.state == "closed"


def test_a_commit_without_a_pull_request_lists_none_and_an_unknown_repo_is_404(
    gh: github3.GitHubEnterprise,
) -> None:
    assert api(gh, "GET", *repo_path("commits", "f" * 40, "pulls")) == []
    url = gh.session.build_url("repos", "acme", "nope", "commits", "f" * 40, "pulls")
    assert gh.session.get(url).status_code == 404


def test_commit_pulls_paginate_with_link_header(
    gh: github3.GitHubEnterprise, emulator: GitHubEmulator
) -> None:
    for number in range(8, 11):
        emulator.add_pull(REPO, number, "alice", HEAD, head=f"topic-{number}")
    url = gh.session.build_url(*repo_path("commits", HEAD, "pulls"))

    first = gh.session.get(url, params={"per_page": 3})
    last = gh.session.get(first.links["next"]["url"])

    assert [p["number"] for p in first.json()] == [10, 9, 8]
    assert [p["number"] for p in last.json()] == [7] and "next" not in last.links


def test_run_approvals_are_the_whole_history_oldest_first_without_pages(
    gh: github3.GitHubEnterprise, emulator: GitHubEmulator
) -> None:
    emulator.add_run_approval(REPO, 501, ["staging"], "alice", "rejected", "not yet")
    emulator.add_run_approval(REPO, 501, ["staging", "production"], "bob")
    response = gh.session.get(
        gh.session.build_url(*repo_path("actions", "runs", "501", "approvals"))
    )
    reviews = response.json()

    assert [(r["user"]["login"], r["state"], r["comment"]) for r in reviews] == [
        ("alice", "rejected", "not yet"),
        ("bob", "approved", ""),
    ]
    assert [e["name"] for e in reviews[1]["environments"]] == ["staging", "production"]
    assert reviews[1]["environments"][1]["url"].endswith(
        "/repos/acme/model/environments/production"
    )
    assert "Link" not in response.headers


def test_run_approvals_of_an_unknown_run_are_404_and_a_bad_state_is_refused(
    gh: github3.GitHubEnterprise, emulator: GitHubEmulator
) -> None:
    url = gh.session.build_url(*repo_path("actions", "runs", "999", "approvals"))
    assert gh.session.get(url).status_code == 404
    assert api(gh, "GET", *repo_path("actions", "runs", "501", "approvals")) == []
    with pytest.raises(ValueError, match="state must be one of"):
        emulator.add_run_approval(REPO, 501, ["production"], "bob", state="APPROVED")
