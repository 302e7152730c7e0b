"""The GitHub provider: the only package that imports github3.py.

Other layers import the names below from here; the modules hold one job each: `actions` (the
Actions environment and the job summary), `client` (connecting, retries, errors, URLs, pages),
`pulls` (review data, the pull requests of a commit, the report comment, the commit status),
`protection`, `runs` (logs, artifacts, workflow dispatch, deployment reviews), `releases`
(Releases, Deployments and the list of them), `issues`. What the review data means is decided by
o16n.policy.pull_review, not here.
"""

from __future__ import annotations

from o16n.adapters.github.actions import Actions, append_summary, run_url
from o16n.adapters.github.client import Client, connect
from o16n.adapters.github.issues import comment_on_issue, find_issue, upsert_issue
from o16n.adapters.github.protection import Ruleset, apply_rulesets, drop_classic, rulesets
from o16n.adapters.github.pulls import (
    CommitPull,
    ReviewData,
    codeowners_text,
    permission,
    pull_request,
    pulls_of_commit,
    review_data,
    set_status,
    upsert_comment,
)
from o16n.adapters.github.releases import (
    Deployment,
    ListedDeployment,
    deployments,
    publish_release,
    release_commit,
)
from o16n.adapters.github.runs import (
    RunApproval,
    dispatch_workflow,
    download_run,
    run_approvals,
    runs_for,
)
from o16n.errors import GitHubError

__all__ = [
    "Actions",
    "Client",
    "CommitPull",
    "Deployment",
    "GitHubError",
    "ListedDeployment",
    "ReviewData",
    "RunApproval",
    "Ruleset",
    "append_summary",
    "apply_rulesets",
    "codeowners_text",
    "comment_on_issue",
    "connect",
    "deployments",
    "dispatch_workflow",
    "drop_classic",
    "download_run",
    "find_issue",
    "permission",
    "publish_release",
    "pull_request",
    "pulls_of_commit",
    "release_commit",
    "review_data",
    "run_approvals",
    "rulesets",
    "run_url",
    "runs_for",
    "set_status",
    "upsert_comment",
    "upsert_issue",
]
