"""The Actions environment: what the standard variables say about this run, and its job summary.

Settings come from `GITHUB_TOKEN`, `GITHUB_REPOSITORY`, `GITHUB_EVENT_PATH`, `GITHUB_API_URL`,
..., so the same code runs on github.com and on GitHub Enterprise. Appending to the job summary
needs no token: `o16n check` and `o16n monitor` write theirs outside a GitHub session too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from o16n.adapters.ci import run_url
from o16n.errors import ConfigError

__all__ = ["Actions", "append_summary", "run_url"]

PUBLIC_API = "https://api.github.com"


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


def append_summary(markdown: str, env: Mapping[str, str] | None = None) -> None:
    """Append Markdown to this job's summary (the file GITHUB_STEP_SUMMARY names); outside
    Actions, where it is not set, nothing."""
    env = os.environ if env is None else env
    summary = env.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(markdown)
