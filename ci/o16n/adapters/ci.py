"""This CI run's page, from the Actions variables alone: no token and no GitHub client (so the
gate's records can name the run that made them without loading github3)."""

from __future__ import annotations

import os
from collections.abc import Mapping


def run_url(env: Mapping[str, str] | None = None) -> str | None:
    """This Actions run's page (no token needed: the job summary links it); None outside."""
    env = os.environ if env is None else env
    server, repository, run_id = (
        env.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    if not (server and repository and run_id):
        return None
    return f"{server.rstrip('/')}/{repository}/actions/runs/{run_id}"
