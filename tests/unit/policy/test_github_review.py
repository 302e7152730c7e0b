"""Review-gate semantics of GitHub pull requests (o16n.policy.pull_review), table-driven, and
the GitHub adapter's settings from Actions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from o16n.adapters import github
from o16n.errors import ConfigError
from o16n.policy.pull_review import Review, approvals, github_members, latest_reviews

HEAD, OLD = "h" * 40, "o" * 40
WRITERS = {"ann": "write", "bob": "admin", "cat": "maintain", "dan": "read", "eve": "triage"}


def r(user: str, state: str, commit: str = HEAD) -> Review:
    return Review(user, state, commit)


CASES = [
    ("one approval on the head", [r("ann", "APPROVED")], ["@ann"], [], [], False),
    (
        "a later comment does not undo an approval",
        [r("ann", "APPROVED"), r("ann", "COMMENTED")],
        ["@ann"], [], [], False,
    ),
    (
        "changes requested after an approval replaces it",
        [r("ann", "APPROVED"), r("ann", "CHANGES_REQUESTED")],
        [], [], [], False,
    ),
    (
        "an approval after changes requested counts",
        [r("bob", "CHANGES_REQUESTED"), r("bob", "APPROVED")],
        ["@bob"], [], [], False,
    ),
    ("a dismissed approval does not count", [r("ann", "APPROVED"), r("ann", "DISMISSED")],
     [], [], [], False),
    ("an approval of an older commit is stale", [r("ann", "APPROVED", OLD)], [], ["@ann"], [],
     False),
    ("the author approving their own change is not counted", [r("Zed", "APPROVED")], [], [], [],
     True),
    ("read-only reviewers do not count", [r("dan", "APPROVED"), r("eve", "APPROVED")], [], [],
     ["@dan", "@eve"], False),
    ("an unknown account has no access", [r("mallory", "APPROVED")], [], [], ["@mallory"], False),
    (
        "logins compare case-insensitively; maintainers count",
        [r("ANN", "APPROVED"), r("cat", "APPROVED"), r("bob", "PENDING")],
        ["@ann", "@cat"], [], [], False,
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("reviews", "counted", "stale", "read_only", "self_approved"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_review_gate(
    reviews: list[Review],
    counted: list[str],
    stale: list[str],
    read_only: list[str],
    self_approved: bool,
) -> None:
    result = approvals(latest_reviews(reviews), HEAD, "zed", WRITERS)
    assert list(result.counted) == counted
    assert list(result.stale) == stale
    assert list(result.read_only) == read_only
    assert result.self_approved is self_approved


def test_changes_requested_are_listed() -> None:
    latest = latest_reviews([r("ann", "CHANGES_REQUESTED"), r("bob", "APPROVED")])
    assert approvals(latest, HEAD, "zed", WRITERS).changes_requested == ("@ann",)


def test_github_members_of_users_and_teams() -> None:
    teams = {"@acme/governance": ["@Gale", "gale@example.com"]}
    assert github_members("@Ann", teams) == {"@ann"}
    assert github_members("@acme/governance", teams) == {"@gale"}
    assert github_members("@acme/unknown", teams) == set()
    assert github_members("ann@example.com", teams) == set()


def actions_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7, "head": {"sha": HEAD}}}))
    return {
        "GITHUB_TOKEN": "ghs_secret",
        "GITHUB_REPOSITORY": "acme/churn",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_RUN_ID": "42",
        **extra,
    }


def test_settings_from_the_actions_variables(tmp_path: Path) -> None:
    actions = github.Actions.from_env(
        actions_env(
            tmp_path,
            GITHUB_API_URL="https://ghe.example.com/api/v3",
            GITHUB_SERVER_URL="https://ghe.example.com",
        )  # fmt: skip
    )
    assert (actions.owner, actions.name, actions.pr_number) == ("acme", "churn", 7)
    assert actions.run_url == "https://ghe.example.com/acme/churn/actions/runs/42"
    assert "ghs_secret" not in repr(actions)
    assert actions.redact("token ghs_secret failed") == "token *** failed"
    dispatch = tmp_path / "dispatch.json"
    dispatch.write_text(json.dumps({"inputs": {"pr": "12"}}))
    again = github.Actions.from_env(actions_env(tmp_path, GITHUB_EVENT_PATH=str(dispatch)))
    assert again.pr_number == 12


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"GITHUB_TOKEN": ""}, "GITHUB_TOKEN is not set"),
        ({"GITHUB_REPOSITORY": "churn"}, "GITHUB_REPOSITORY must be owner/name, not 'churn'"),
        ({"GITHUB_EVENT_PATH": "/nonexistent/event.json"}, "the event file does not exist"),
    ],
)
def test_bad_settings_say_which_variable(
    tmp_path: Path, change: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        github.Actions.from_env(actions_env(tmp_path, **change))


def test_malformed_event_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ConfigError) as caught:
        github.Actions.from_env(actions_env(tmp_path, GITHUB_EVENT_PATH=str(bad)))
    assert str(caught.value).startswith(f"{bad}: GITHUB_EVENT_PATH: the event file is not JSON")
    assert "ghs_secret" not in str(caught.value)


def test_the_job_summary_is_appended_to_and_skipped_outside_actions(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    github.append_summary("nowhere\n", {})
    github.append_summary("", {"GITHUB_STEP_SUMMARY": ""})
    github.append_summary("one\n", {"GITHUB_STEP_SUMMARY": str(summary)})
    github.append_summary("two\n", {"GITHUB_STEP_SUMMARY": str(summary)})
    assert summary.read_text(encoding="utf-8") == "one\ntwo\n"
    assert list(tmp_path.iterdir()) == [summary]
