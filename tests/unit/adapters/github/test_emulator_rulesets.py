"""The emulator's rulesets as GitHub's REST API documents them ("Create a repository ruleset":
a DeployKey bypass actor has a null actor_id; the list leaves rules out; only admins write)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.github_emulator import GitHubEmulator

REPO = "acme/churn"
BODY = {
    "name": "o16n: main",
    "enforcement": "active",
    "conditions": {"ref_name": {"include": ["refs/heads/main"], "exclude": []}},
    "bypass_actors": [{"actor_id": None, "actor_type": "DeployKey", "bypass_mode": "always"}],
    "rules": [{"type": "non_fast_forward"}],
}


@pytest.fixture
def emu() -> Iterator[GitHubEmulator]:
    with GitHubEmulator(token="ghs_admin", login="gale", permission="admin") as emulator:
        emulator.add_repo("acme", "churn")
        emulator.add_user("ann", "write")
        emulator.add_token("ghs_ann", "ann")
        yield emulator


def _call(
    emu: GitHubEmulator, method: str, path: str, token: str = "ghs_admin", **kw: Any
) -> requests.Response:
    url = f"{emu.api_url}/repos/{REPO}/rulesets{path}"
    headers = {"Authorization": f"token {token}"}
    return requests.request(method, url, headers=headers, timeout=10, **kw)


def test_create_list_get_update_delete(emu: GitHubEmulator) -> None:
    created = _call(emu, "POST", "", json=BODY)
    assert created.status_code == 201
    ident = created.json()["id"]
    listed = _call(emu, "GET", "").json()
    assert [r["name"] for r in listed] == ["o16n: main"] and "rules" not in listed[0]
    got = _call(emu, "GET", f"/{ident}").json()
    assert got["rules"] == BODY["rules"] and got["bypass_actors"] == BODY["bypass_actors"]
    assert _call(emu, "POST", "", json=BODY).status_code == 422  # the name is taken
    changed = _call(emu, "PUT", f"/{ident}", json={"rules": [{"type": "deletion"}]})
    assert changed.json()["rules"] == [{"type": "deletion"}]
    assert _call(emu, "DELETE", f"/{ident}").status_code == 204
    assert _call(emu, "GET", f"/{ident}").status_code == 404


def test_what_github_refuses(emu: GitHubEmulator) -> None:
    assert _call(emu, "POST", "", token="ghs_ann", json=BODY).status_code == 403
    with_id = {
        **BODY,
        "bypass_actors": [{"actor_id": 7, "actor_type": "DeployKey", "bypass_mode": "always"}],
    }
    assert _call(emu, "POST", "", json=with_id).status_code == 422
    unknown = {**BODY, "rules": [{"type": "be_nice"}]}
    assert _call(emu, "POST", "", json=unknown).status_code == 422
