"""A repository's deployments as the GitHub adapter lists them, against the emulator: every
page, newest first, the payload as its creator sent it (an object, or a string GitHub keeps)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from o16n.adapters import github
from o16n.errors import GitHubError
from tests.github_emulator import GitHubEmulator, actions_for

TOKEN = "ghs_o16nDeployToken123"
REPO = "acme/churn"
SHA = "d" * 40

pytestmark = pytest.mark.usefixtures("github_no_sleep")


@pytest.fixture
def emulator() -> Iterator[GitHubEmulator]:
    with GitHubEmulator(token=TOKEN, login="github-actions") as emu:
        emu.add_repo("acme", "churn")
        yield emu


@pytest.fixture
def actions(emulator: GitHubEmulator) -> github.Actions:
    return actions_for(emulator, REPO, sha=SHA, run_id="9")


@pytest.fixture
def client(actions: github.Actions) -> github.Client:
    return github.connect(actions, timeout=5.0)


def start(client: github.Client, actions: github.Actions, env: str, **payload: object) -> int:
    made = github.Deployment.start(
        client, actions, commit=SHA, env=env, payload=payload, description="o16n deploy"
    )
    return made.id


def test_every_deployment_is_listed_across_pages_newest_first(
    client: github.Client, actions: github.Actions
) -> None:
    ids = [start(client, actions, "staging", ledger_seq=n) for n in range(1, 106)]

    listed = github.deployments(client, actions)

    assert [d.id for d in listed] == ids[::-1]  # 105: two pages of 100
    newest = listed[0]
    assert (newest.environment, newest.sha, newest.payload) == ("staging", SHA, {"ledger_seq": 105})
    assert newest.created_at


def test_a_payload_sent_as_a_string_is_read_as_the_json_it_holds(
    client: github.Client, actions: github.Actions
) -> None:
    url = f"{actions.api_url}/repos/{REPO}/deployments"
    for payload in ('{"ledger_hash": "abc"}', "not json", ""):
        response = client.session.post(
            url, json={"ref": SHA, "environment": "production", "payload": payload}
        )
        assert response.status_code == 201

    assert [d.payload for d in github.deployments(client, actions)] == [
        {},
        {},
        {"ledger_hash": "abc"},
    ]


def test_no_deployments_is_an_empty_list(client: github.Client, actions: github.Actions) -> None:
    assert github.deployments(client, actions) == []


def test_an_item_without_its_keys_is_an_incomplete_response(
    emulator: GitHubEmulator, client: github.Client, actions: github.Actions
) -> None:
    start(client, actions, "staging")
    original = emulator.state.deployment_payload

    def without_environment(deployment_id: int) -> dict[str, object]:
        payload = original(deployment_id)
        del payload["environment"]
        return payload

    emulator.state.deployment_payload = without_environment  # type: ignore[method-assign]
    with pytest.raises(GitHubError, match="listing the deployments of acme/churn: incomplete"):
        github.deployments(client, actions)


def test_a_wrong_token_is_a_github_error_without_the_token(
    actions: github.Actions,
) -> None:
    wrong = github.Actions(**{**actions.__dict__, "token": "ghs_wrongToken456"})
    with pytest.raises(GitHubError) as raised:
        github.deployments(github.connect(wrong, timeout=5.0), wrong)
    assert "listing the deployments of acme/churn failed (HTTP 401" in str(raised.value)
    assert "ghs_wrongToken456" not in str(raised.value)
