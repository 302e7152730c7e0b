"""A stateful emulator of the GitHub REST API, built from recorded payloads, for tests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .server import GitHubEmulator, Recorded
from .state import State

if TYPE_CHECKING:
    from o16n.adapters.github import Actions

__all__ = ["GitHubEmulator", "Recorded", "State", "actions_for"]


def actions_for(emulator: GitHubEmulator, repository: str, **fields: Any) -> Actions:
    """The o16n.adapters.github.Actions a workflow run against `emulator` would have: its token
    and URLs, no event, unless `fields` says otherwise (event_name, sha, run_id, event)."""
    from o16n.adapters import github

    defaults: dict[str, Any] = {"event_name": "push", "event": {}, "sha": None, "run_id": None}
    return github.Actions(
        token=emulator.token,
        repository=repository,
        api_url=emulator.api_url,
        server_url=emulator.url,
        **{**defaults, **fields},
    )
