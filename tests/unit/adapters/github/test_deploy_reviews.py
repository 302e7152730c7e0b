"""The review facts a deploy can have on GitHub, read against the emulator: the pull request that
brought a commit to `main` (none for a direct push) and who approved or rejected a run's
deployments to protected environments. Failures are GitHubErrors that name the request and
never the token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from o16n.adapters import github
from tests.github_emulator import GitHubEmulator, actions_for

TOKEN = "ghs_o16nSecretToken123"
REPO = "acme/churn"
HEAD, MERGE, PUSHED = "c" * 40, "e" * 40, "f" * 40
RUN = 4242

pytestmark = pytest.mark.usefixtures("github_no_sleep")


@pytest.fixture
def emulator() -> Iterator[GitHubEmulator]:
    with GitHubEmulator(token=TOKEN, login="github-actions") as emu:
        emu.add_repo("acme", "churn")
        for login in ("dev", "ann", "gov"):
            emu.add_user(login, "write")
        emu.add_pull(REPO, 7, "dev", HEAD, head="feature")
        emu.add_run(REPO, RUN, MERGE, event="push", head_branch="main")
        yield emu


@pytest.fixture
def actions(emulator: GitHubEmulator) -> github.Actions:
    return actions_for(emulator, REPO, sha=MERGE, run_id=str(RUN))


@pytest.fixture
def client(actions: github.Actions) -> github.Client:
    return github.connect(actions, timeout=5.0)


def test_the_merge_commit_leads_to_the_merged_pull_request_and_its_base(
    emulator: GitHubEmulator, actions: github.Actions, client: github.Client
) -> None:
    emulator.merge_pull(REPO, 7, MERGE, merged_by="gov")

    assert github.pulls_of_commit(client, actions, MERGE) == [
        github.CommitPull(number=7, base="main", merged=True, merge_commit_sha=MERGE, head_sha=HEAD)
    ]


def test_an_open_pull_request_is_found_from_its_head_commit_and_is_not_merged(
    actions: github.Actions, client: github.Client
) -> None:
    (pull,) = github.pulls_of_commit(client, actions, HEAD)

    assert pull.number == 7 and pull.base == "main" and pull.head_sha == HEAD
    assert pull.merged is False and pull.merge_commit_sha is None


def test_a_commit_pushed_to_main_without_a_pull_request_has_none(
    emulator: GitHubEmulator, actions: github.Actions, client: github.Client
) -> None:
    emulator.merge_pull(REPO, 7, MERGE)

    assert github.pulls_of_commit(client, actions, PUSHED) == []


def test_the_pull_requests_of_a_commit_are_read_across_every_page(
    emulator: GitHubEmulator, actions: github.Actions, client: github.Client
) -> None:
    for number in range(8, 128):  # 121 pull requests on one head commit: two pages of 100
        emulator.add_pull(REPO, number, "dev", HEAD, head=f"topic-{number}")

    found = github.pulls_of_commit(client, actions, HEAD)

    assert [pull.number for pull in found] == list(range(127, 6, -1))
    asked = [r for r in emulator.requests if r.path.endswith(f"/commits/{HEAD}/pulls")]
    assert ["page=2" in r.query for r in asked] == [False, True]
    assert all("per_page=100" in r.query for r in asked)


@pytest.mark.parametrize(
    ("status", "hint"),
    [(403, "lacks a permission"), (404, "check GITHUB_REPOSITORY"), (422, None)],
)
def test_a_refused_commit_lookup_is_a_github_error_naming_it_without_the_token(
    emulator: GitHubEmulator,
    actions: github.Actions,
    client: github.Client,
    status: int,
    hint: str | None,
) -> None:
    emulator.fail("GET", r"/commits/[^/]+/pulls$", status, body={"message": f"refused {TOKEN}"})

    with pytest.raises(github.GitHubError) as raised:
        github.pulls_of_commit(client, actions, MERGE)

    message = str(raised.value)
    assert f"GitHub: listing the pull requests of commit {MERGE[:12]} failed" in message
    assert f"HTTP {status}: refused ***" in message and TOKEN not in message
    if hint is None:
        assert raised.value.hint is None
    else:
        assert hint in (raised.value.hint or "")


def test_a_pull_request_list_that_is_not_a_list_is_a_github_error(
    emulator: GitHubEmulator, actions: github.Actions, client: github.Client
) -> None:
    emulator.fail("GET", r"/commits/[^/]+/pulls$", 200, body={"message": "a mapping"})

    with pytest.raises(github.GitHubError, match="malformed response \\(not a list\\)"):
        github.pulls_of_commit(client, actions, MERGE)


def test_a_pull_request_list_of_strings_is_an_incomplete_response(
    emulator: GitHubEmulator, actions: github.Actions, client: github.Client
) -> None:
    emulator.fail("GET", r"/commits/[^/]+/pulls$", 200, body=["7"])

    with pytest.raises(github.GitHubError, match="incomplete response"):
        github.pulls_of_commit(client, actions, MERGE)


def test_the_deployment_reviews_of_a_run_say_who_approved_which_environments(
    emulator: GitHubEmulator, actions: github.Actions, client: github.Client
) -> None:
    emulator.add_run_approval(REPO, RUN, ["production"], "gov", comment="Ship it")
    emulator.add_run_approval(REPO, RUN, ["staging", "production"], "ann")

    assert github.run_approvals(client, actions, RUN) == [
        github.RunApproval(
            login="gov", state="approved", environments=("production",), comment="Ship it"
        ),
        github.RunApproval(
            login="ann", state="approved", environments=("staging", "production"), comment=""
        ),
    ]


def test_a_rejected_deployment_review_is_read_as_rejected(
    emulator: GitHubEmulator, actions: github.Actions, client: github.Client
) -> None:
    emulator.add_run_approval(REPO, RUN, ["production"], "gov", "rejected", "metrics regressed")

    (review,) = github.run_approvals(client, actions, str(RUN))

    assert (review.login, review.state, review.comment) == ("gov", "rejected", "metrics regressed")
    assert review.environments == ("production",)


def test_a_run_that_waited_for_no_reviewer_has_no_deployment_reviews(
    actions: github.Actions, client: github.Client
) -> None:
    assert github.run_approvals(client, actions, RUN) == []


def test_the_reviews_of_an_unknown_run_are_a_github_error_naming_the_run(
    actions: github.Actions, client: github.Client
) -> None:
    with pytest.raises(github.GitHubError) as raised:
        github.run_approvals(client, actions, 999)

    message = str(raised.value)
    assert "GitHub: reading the deployment reviews of run 999 failed (HTTP 404" in message
    assert TOKEN not in message


def test_a_server_that_keeps_failing_the_reviews_is_a_github_error_after_the_retries(
    emulator: GitHubEmulator, actions: github.Actions, client: github.Client
) -> None:
    emulator.fail("GET", rf"/runs/{RUN}/approvals$", 502, times=10)

    with pytest.raises(github.GitHubError, match=f"deployment reviews of run {RUN} failed"):
        github.run_approvals(client, actions, RUN)

    asked = [r for r in emulator.requests if r.path.endswith(f"/runs/{RUN}/approvals")]
    assert len(asked) == 4  # the client's attempts, then it gives up


def test_a_review_missing_its_state_is_a_github_error_not_an_approval(
    emulator: GitHubEmulator, actions: github.Actions, client: github.Client
) -> None:
    body = [{"environments": [{"name": "production"}], "user": {"login": "gov"}, "comment": ""}]
    emulator.fail("GET", rf"/runs/{RUN}/approvals$", 200, body=body)

    with pytest.raises(github.GitHubError, match="incomplete response"):
        github.run_approvals(client, actions, RUN)


# ---- what the gate makes of them (o16n.policy.pull_review) ----------------------------------


def test_deploy_review_facts_are_the_merged_pull_requests_and_the_environment_approvals(
    emulator: GitHubEmulator, actions: github.Actions, client: github.Client
) -> None:
    from o16n.policy.pull_review import deploy_review_facts

    emulator.add_review(REPO, 7, "ann", "APPROVED")
    emulator.add_review(REPO, 7, "dev", "APPROVED")  # the author's own: not counted
    emulator.merge_pull(REPO, 7, MERGE, merged_by="gov")
    emulator.add_run_approval(REPO, RUN, ["production"], "gov")
    emulator.add_run_approval(REPO, RUN, ["staging"], "ann")

    production = deploy_review_facts(client, actions, MERGE, "production", {})
    assert production["number"] == 7 and production["author"] == "@dev"
    assert production["approvers"] == ["@ann", "@gov"] and production["approvals"] == 2
    assert production["self_approved"] is True
    staging = deploy_review_facts(client, actions, MERGE, "staging", {})
    assert staging["approvers"] == ["@ann"]


def test_a_direct_push_has_no_approvals_and_its_environment_approval_is_not_counted(
    emulator: GitHubEmulator, actions: github.Actions, client: github.Client
) -> None:
    from o16n.policy.pull_review import deploy_review_facts

    emulator.add_run_approval(REPO, RUN, ["production"], "gov")
    facts = deploy_review_facts(client, actions, PUSHED, "production", {})
    assert facts["approvals"] == 0 and facts["approvers"] == []
    assert facts["not_counted"] == [
        {"who": "@gov", "commit": PUSHED, "reason": "no pull request merged this commit"}
    ]


def test_regulated_production_needs_two_approvals_one_environment_approval_is_not_enough(
    emulator: GitHubEmulator, actions: github.Actions, client: github.Client
) -> None:
    import json
    from pathlib import Path

    from o16n.policy import gate, pack
    from o16n.policy.pull_review import deploy_review_facts

    regulated = pack.load(pack.builtin_packs() / "regulated")
    examples = Path(__file__).resolve().parents[3] / "examples" / "policies" / "facts.json"
    emulator.merge_pull(REPO, 7, MERGE, merged_by="gov")
    emulator.add_run_approval(REPO, RUN, ["production"], "gov")

    def verdict() -> str:
        facts = json.loads(examples.read_text())
        facts.update(stage="deploy", env="production", vars=regulated.vars)
        facts["review"] = deploy_review_facts(client, actions, MERGE, "production", {})
        decision = gate.evaluate(regulated, facts)
        return next(o.outcome for o in decision.outcomes if o.id == "two-independent-approvals")

    assert verdict() == "fail"
    emulator.add_run_approval(REPO, RUN, ["production"], "ann")
    assert verdict() == "pass"
