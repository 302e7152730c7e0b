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
from o16n.adapters.github.protection import (
    Restricted,
    Ruleset,
    apply_rulesets,
    drop_classic,
    refuse_repository_secrets,
    restrict_environments,
    rulesets,
)
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
    "append_summary",
    "apply_rulesets",
    "Client",
    "codeowners_text",
    "comment_on_issue",
    "CommitPull",
    "connect",
    "Deployment",
    "deployments",
    "dispatch_workflow",
    "download_run",
    "drop_classic",
    "find_issue",
    "GitHubError",
    "ListedDeployment",
    "permission",
    "publish_release",
    "pull_request",
    "pulls_of_commit",
    "refuse_repository_secrets",
    "release_commit",
    "restrict_environments",
    "Restricted",
    "review_data",
    "ReviewData",
    "Ruleset",
    "rulesets",
    "run_approvals",
    "run_url",
    "RunApproval",
    "runs_for",
    "set_status",
    "upsert_comment",
    "upsert_issue",
]
