"""Workflow runs: the runs of a commit, a run's logs and artifacts downloaded into one folder
(unzipped, nothing written outside it), a run started by workflow dispatch (retraining), and
who approved or rejected a run's deployments to protected environments.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from github3 import exceptions as gh_exceptions

from o16n.adapters.github.actions import Actions
from o16n.adapters.github.client import Client, call, decode, pages, repo_url, retry_wait
from o16n.errors import GitHubError

DISPATCH_HINTS = {
    403: "the workflow's token needs `permissions: actions: write` (monitor.yml)",
    404: "no such workflow in .github/workflows/ (o16n.yaml monitoring.retrain_workflow)",
    422: "the workflow needs `on: workflow_dispatch` with a `batch` input, on that branch",
}


def runs_for(client: Client, actions: Actions, head_sha: str) -> list[Mapping[str, Any]]:
    """The workflow runs of a commit, oldest first."""
    url = repo_url(actions, "actions", "runs")
    what = f"listing the runs of {head_sha[:12]}"
    with call(actions, what):
        data = decode(actions, client.session.get(url, params={"head_sha": head_sha}), what)
    runs = list(data.get("workflow_runs") or [])
    return sorted(runs, key=lambda r: (str(r.get("created_at", "")), int(r.get("id", 0))))


def download_run(client: Client, actions: Actions, run_id: int, folder: Path) -> list[Path]:
    """The run's logs (folder/logs/) and each artifact (folder/artifacts/<name>/), unzipped."""
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
        repo_url(actions, "actions", "runs", str(run_id), "logs"),
        folder / "logs",
        f"logs of run {run_id}",
    )
    what = f"listing the artifacts of run {run_id}"
    with call(actions, what):
        url = repo_url(actions, "actions", "runs", str(run_id), "artifacts")
        artifacts = decode(actions, client.session.get(url), what).get("artifacts") or []
    for artifact in artifacts:
        name = str(artifact["name"])
        url = repo_url(actions, "actions", "artifacts", str(artifact["id"]), "zip")
        unzip(url, folder / "artifacts" / name, f"artifact {name!r} of run {run_id}")
    return written


def dispatch_workflow(
    client: Client, actions: Actions, workflow: str, ref: str, inputs: Mapping[str, str]
) -> None:
    """Run a workflow that has a `workflow_dispatch` trigger, on `ref`, with `inputs`.

    https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event (204)
    """
    what = f"dispatching {workflow} on {ref}"
    with call(actions, what):
        response = client.session.post(
            repo_url(actions, "actions", "workflows", workflow, "dispatches"),
            json={"ref": ref, "inputs": dict(inputs)},
        )
        code = response.status_code
        if code in DISPATCH_HINTS and not retry_wait(response, 1, 0.0):
            message = gh_exceptions.error_for(response).msg
            raise GitHubError(
                actions.redact(f"GitHub: {what} was refused (HTTP {code}: {message})"),
                hint=DISPATCH_HINTS[code],
            )
        if code >= 400:
            raise gh_exceptions.error_for(response)


@dataclass(frozen=True)
class RunApproval:
    """One review of a run's deployment, in GitHub's terms: a required reviewer of the
    environments approved or rejected the jobs waiting for them."""

    login: str  # the reviewer, as GitHub spells it
    state: str  # approved, rejected (GitHub also documents pending)
    environments: tuple[str, ...]  # the names of the environments reviewed
    comment: str


def run_approvals(client: Client, actions: Actions, run_id: int | str) -> list[RunApproval]:
    """The deployment review history of run `run_id`, as GitHub gives it; a run whose jobs
    waited for no environment reviewer has none: [].

    https://docs.github.com/rest/actions/workflow-runs#get-the-review-history-for-a-workflow-run
    """
    what = f"reading the deployment reviews of run {run_id}"
    found = pages(
        client, actions, repo_url(actions, "actions", "runs", str(run_id), "approvals"), what
    )
    try:
        return [
            RunApproval(
                login=str(review["user"]["login"]),
                state=str(review["state"]),
                environments=tuple(str(env["name"]) for env in review.get("environments") or []),
                comment=str(review.get("comment") or ""),
            )
            for review in found
            if review.get("user")  # a review without a person cannot be anyone's approval
        ]
    except (KeyError, TypeError, AttributeError) as exc:
        raise GitHubError(
            actions.redact(f"GitHub: {what}: incomplete response ({exc!r})")
        ) from None
