"""o16n's GitHub provider against the emulator: review facts, one report comment, the gate
status, rulesets, run logs, and faults (never a pass, never the token in output)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from o16n.adapters import github
from o16n.cli.main import main
from o16n.policy import pull_review, run
from tests.github_emulator import GitHubEmulator

TOKEN = "ghs_o16nSecretToken123"
REPO = "acme/churn"
HEAD, OLD = "c" * 40, "d" * 40
CODEOWNERS = "*  @acme/ml\n/policies/  @gale @acme/governance\n/src/  @ann\n"
TEAMS = {"@acme/governance": ["@gov"], "@acme/ml": ["@ann", "@bob"]}


pytestmark = pytest.mark.usefixtures("github_no_sleep")


@pytest.fixture
def emulator() -> Iterator[GitHubEmulator]:
    with GitHubEmulator(token=TOKEN, login="github-actions") as emu:
        emu.add_repo("acme", "churn")
        people = {"ann": "write", "bob": "write", "gov": "maintain", "gale": "admin"}
        for login, permission in {**people, "dan": "read", "dev": "write"}.items():
            emu.add_user(login, permission)
        emu.set_file(REPO, "main", ".github/CODEOWNERS", CODEOWNERS)
        files = ["policies/baseline/pack.yaml", "src/churn/train.py", "params.yaml"]
        emu.add_pull(
            REPO,
            7,
            "dev",
            HEAD,
            labels=["model-change"],
            files=[{"filename": f, "status": "modified", "additions": 1} for f in files],
        )
        yield emu


@pytest.fixture
def env(emulator: GitHubEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7, "head": {"sha": HEAD}}}))
    summary = tmp_path / "summary.md"
    variables = {
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": emulator.api_url,
        "GITHUB_SERVER_URL": emulator.url,
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_RUN_ID": "4242",
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    for key, value in variables.items():
        monkeypatch.setenv(key, value)
    return tmp_path


def facts(emulator: GitHubEmulator) -> dict[str, object]:
    actions = github.Actions.from_env()
    return pull_review.review_facts(github.connect(actions), actions, 7, TEAMS)


def test_review_facts_from_the_pull_request(emulator: GitHubEmulator, env: Path) -> None:
    emulator.add_review(REPO, 7, "ann", "APPROVED", HEAD)
    emulator.add_review(REPO, 7, "bob", "APPROVED", OLD)  # stale: another commit
    emulator.add_review(REPO, 7, "dan", "APPROVED", HEAD)  # read-only
    emulator.add_review(REPO, 7, "dev", "APPROVED", HEAD)  # the author
    emulator.add_review(REPO, 7, "gov", "APPROVED", HEAD)
    emulator.add_review(REPO, 7, "gov", "COMMENTED", HEAD)  # does not undo the approval
    found = facts(emulator)
    assert found["provider"] == "github" and found["author"] == "@dev"
    assert found["approvers"] == ["@ann", "@gov"] and found["approvals"] == 2
    assert found["stale_approvals"] == ["@bob"]
    assert found["read_only_approvals"] == ["@dan"]
    assert found["self_approved"] is True
    assert found["labels"] == ["model-change"]
    assert found["codeowners"] == "main:.github/CODEOWNERS"
    assert found["governance_approved"] is True  # @gov, through o16n.yaml's teams
    assert found["files"] == [
        {"path": "params.yaml", "owners": ["@acme/ml"], "approved": True},
        {"path": "policies/baseline/pack.yaml", "owners": ["@gale", "@acme/governance"],
         "approved": True},
        {"path": "src/churn/train.py", "owners": ["@ann"], "approved": True},
    ]  # fmt: skip


def test_a_dismissed_governance_approval_no_longer_counts(
    emulator: GitHubEmulator, env: Path
) -> None:
    emulator.add_review(REPO, 7, "gov", "APPROVED", HEAD)
    emulator.add_review(REPO, 7, "gov", "DISMISSED", HEAD)
    found = facts(emulator)
    assert found["approvals"] == 0 and found["governance_approved"] is False
    assert found["unapproved_files"] == [
        "params.yaml",
        "policies/baseline/pack.yaml",
        "src/churn/train.py",
    ]


def test_the_policy_layer_reads_the_pull_request_of_the_event(
    emulator: GitHubEmulator, env: Path
) -> None:
    emulator.add_review(REPO, 7, "ann", "APPROVED", HEAD)
    found = run.github_review("github", TEAMS)
    assert found is not None and found["approvers"] == ["@ann"] and found["number"] == 7


def write_reports(folder: Path, verdict: str) -> None:
    reports = folder / "reports"
    reports.mkdir(exist_ok=True)
    (reports / "check.md").write_text(f"<!-- o16n-report -->\n## o16n check: {verdict}\n")
    rules = [{"id": "metric-floors", "outcome": "fail" if verdict == "fail" else "pass"}]
    (reports / "decision.json").write_text(json.dumps({"verdict": verdict, "rules": rules}))


def test_report_posts_one_comment_updates_it_and_sets_the_status(
    emulator: GitHubEmulator, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_reports(env, "fail")
    assert main(["github", "report", "--project", str(env)]) == 0
    write_reports(env, "pass")
    assert main(["github", "report", "--project", str(env)]) == 0
    comments = emulator.state.comments_on(REPO, 7)
    assert len(comments) == 1
    assert comments[0]["body"] == "<!-- o16n-report -->\n## o16n check: pass\n"
    statuses = emulator.state.statuses[(REPO, HEAD)]
    assert [(s["state"], s["context"]) for s in statuses] == [
        ("failure", "o16n/gate"),
        ("success", "o16n/gate"),
    ]
    assert statuses[0]["description"] == "gate failed: metric-floors"
    assert statuses[1]["target_url"] == f"{emulator.url}/{REPO}/actions/runs/4242"
    out = capsys.readouterr().out
    assert "report posted on #7" in out and "report updated on #7" in out
    assert "o16n/gate: success" in (env / "summary.md").read_text()


def test_no_decision_sets_an_error_status(emulator: GitHubEmulator, env: Path) -> None:
    write_reports(env, "pass")
    (env / "reports" / "decision.json").unlink()
    assert main(["github", "report", "--project", str(env)]) == 0
    (status,) = emulator.state.statuses[(REPO, HEAD)]
    assert status["state"] == "error"
    assert status["description"] == "no gate decision: `o16n check` did not reach the gate"


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ({"status": 500, "times": 10}, "HTTP 500"),
        ({"status": 404, "times": 1, "body": {"message": "Not Found"}}, "HTTP 404: Not Found"),
        ({"status": 200, "times": 1, "body": "{not json"}, "reading pull request #7"),
        (
            {"status": 403, "times": 10, "body": {"message": "API rate limit exceeded"},
             "headers": {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "99999999999"}},
            "HTTP 403: API rate limit exceeded",
        ),
    ],
    ids=["server-errors", "missing-pr", "malformed-json", "rate-limit-far-reset"],
)  # fmt: skip
def test_faults_fail_closed_with_the_request_named_and_no_token(
    emulator: GitHubEmulator,
    env: Path,
    capsys: pytest.CaptureFixture[str],
    fault: dict[str, object],
    expected: str,
) -> None:
    write_reports(env, "pass")
    emulator.fail("GET", r"pulls/7$", **fault)  # type: ignore[arg-type]
    assert main(["github", "report", "--project", str(env)]) == 2
    err = capsys.readouterr().err
    assert "GitHub: reading pull request #7 of acme/churn" in err and expected in err
    assert TOKEN not in err
    assert (REPO, HEAD) not in emulator.state.statuses  # nothing claimed on GitHub


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 502, "times": 2},
        {"status": 403, "times": 1, "headers": {"Retry-After": "1"},
         "body": {"message": "You have exceeded a secondary rate limit."}},
        {"status": None, "times": 1, "delay": 2.5},
    ],
    ids=["transient-5xx", "secondary-rate-limit", "timeout"],
)  # fmt: skip
def test_transient_faults_are_retried(
    emulator: GitHubEmulator,
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    fault: dict[str, object],
) -> None:
    real_connect = github.connect
    monkeypatch.setattr(github, "connect", lambda actions: real_connect(actions, timeout=1.0))
    write_reports(env, "pass")
    emulator.fail("GET", r"pulls/7$", **fault)  # type: ignore[arg-type]
    assert main(["github", "report", "--project", str(env)]) == 0
    assert emulator.state.statuses[(REPO, HEAD)][0]["state"] == "success"
    pulls = [r for r in emulator.requests if r.method == "GET" and r.path.endswith("pulls/7")]
    assert len(pulls) >= 2


def test_the_token_never_appears_outside_the_authorization_header(
    emulator: GitHubEmulator, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_reports(env, "fail")
    main(["github", "report", "--project", str(env)])
    emulator.fail("GET", r"pulls/7$", 500, times=10)
    main(["github", "report", "--project", str(env)])
    captured = capsys.readouterr()
    assert TOKEN not in captured.out + captured.err
    for path in env.rglob("*"):
        if path.is_file():
            assert TOKEN not in path.read_text(errors="replace"), path
    for recorded in emulator.requests:
        visible = {k: v for k, v in recorded.headers.items() if k.lower() != "authorization"}
        assert TOKEN not in json.dumps([recorded.path, recorded.query, visible, recorded.body])


def test_protect_is_idempotent_and_needs_an_admin_token(
    emulator: GitHubEmulator, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (env / "o16n.yaml").write_text("version: 1\nmodel: churn\ngithub:\n  required_approvals: 2\n")
    assert main(["github", "protect", "--project", str(env)]) == 2
    err = capsys.readouterr().err
    assert "rulesets need an admin token" in err

    emulator.add_token("ghs_admin", "gale")
    emulator.state.protection[(REPO, "main")] = {"required_pull_request_reviews": {}}
    before = len(emulator.requests)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GITHUB_TOKEN", "ghs_admin")
        assert main(["github", "protect", "--project", str(env)]) == 0
        assert main(["github", "protect", "--project", str(env)]) == 0
    out = capsys.readouterr().out
    assert "acme/churn@main: protected: ruleset 'o16n: main' written" in out
    assert "classic branch protection removed (the ruleset replaces it)" in out
    assert "acme/churn@main: already protected as configured" in out
    assert (REPO, "main") not in emulator.state.protection  # it would refuse the deploy key
    stored = {r["name"]: r for r in emulator.state.rulesets.values()}
    main_rules = {r["type"]: r.get("parameters") for r in stored["o16n: main"]["rules"]}
    assert main_rules["pull_request"]["required_approving_review_count"] == 2
    assert main_rules["pull_request"]["require_code_owner_review"] is True
    checks = main_rules["required_status_checks"]["required_status_checks"]
    assert [c["context"] for c in checks] == ["check", "o16n/gate"]
    assert {"deletion", "non_fast_forward"} <= set(main_rules)
    assert stored["o16n: main"]["conditions"]["ref_name"]["include"] == ["refs/heads/main"]
    bypass = stored["o16n: main"]["bypass_actors"]
    assert {"actor_id": None, "actor_type": "DeployKey", "bypass_mode": "always"} in bypass
    tags = stored["o16n: version and stage tags"]
    assert tags["target"] == "tag"
    assert {r["type"] for r in tags["rules"]} == {"update", "deletion"}
    admin_calls = emulator.requests[before:]
    writes = [r for r in admin_calls if r.method in ("POST", "PUT") and "rulesets" in r.path]
    assert len(writes) == 2  # the first admin run wrote both; the second changed nothing


def test_protect_puts_back_a_ruleset_someone_loosened(
    emulator: GitHubEmulator, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (env / "o16n.yaml").write_text("version: 1\nmodel: churn\ngithub:\n  enforce_admins: true\n")
    emulator.add_token("ghs_admin", "gale")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GITHUB_TOKEN", "ghs_admin")
        assert main(["github", "protect", "--project", str(env)]) == 0
        ruleset = next(r for r in emulator.state.rulesets.values() if r["name"] == "o16n: main")
        ruleset["rules"] = [r for r in ruleset["rules"] if r["type"] != "pull_request"]
        ruleset["bypass_actors"].append(
            {"actor_id": 4, "actor_type": "RepositoryRole", "bypass_mode": "always"}
        )
        capsys.readouterr()
        assert main(["github", "protect", "--project", str(env)]) == 0
    assert "ruleset 'o16n: main' written" in capsys.readouterr().out
    assert "pull_request" in {r["type"] for r in ruleset["rules"]}
    # enforce_admins: only the deploy key bypasses, not the admin role, not a loosened write role
    assert ruleset["bypass_actors"] == [
        {"actor_id": None, "actor_type": "DeployKey", "bypass_mode": "always"}
    ]


def test_protect_refuses_while_a_key_is_a_repository_secret_and_writes_nothing(
    emulator: GitHubEmulator, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A repository secret reaches the workflow of any pull request from a branch of the
    repository: its author could add a step that pushes past review with the deploy key."""
    (env / "o16n.yaml").write_text("version: 1\nmodel: churn\n")
    emulator.add_token("ghs_admin", "gale")
    emulator.state.repo_secrets[REPO] = {"O16N_DEPLOY_KEY"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GITHUB_TOKEN", "ghs_admin")
        assert main(["github", "protect", "--project", str(env)]) == 2
    err = capsys.readouterr().err
    assert "O16N_DEPLOY_KEY is a repository secret: the workflow of any pull request" in err
    assert "push past review with it" in err
    assert "add it as a secret of the environments staging, production" in err
    assert not emulator.state.rulesets and not emulator.state.environments  # nothing written


def test_protect_lets_only_the_branch_deploy_to_each_environment_keeping_its_reviewers(
    emulator: GitHubEmulator, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (env / "o16n.yaml").write_text("version: 1\nmodel: churn\n")
    emulator.add_token("ghs_admin", "gale")
    emulator.state.environments[(REPO, "production")] = {
        "wait_timer": 30,
        "reviewers": [{"type": "User", "id": 42}],
        "prevent_self_review": True,
        "deployment_branch_policy": None,
        "branch_policies": [],
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GITHUB_TOKEN", "ghs_admin")
        assert main(["github", "protect", "--project", str(env)]) == 0
        first = capsys.readouterr().out
        production = emulator.state.environments[(REPO, "production")]
        production["branch_policies"].append({"id": 1, "name": "hotfix/*", "type": "branch"})
        assert main(["github", "protect", "--project", str(env)]) == 0
    again = capsys.readouterr().out
    assert "environments take deployments from main only (staging, production)" in first
    assert "environments take deployments from main only (none changed)" in again
    assert "warning: environment production also admits branch hotfix/*" in again
    for name in ("staging", "production"):
        stored = emulator.state.environments[(REPO, name)]
        assert stored["deployment_branch_policy"] == {
            "protected_branches": False,
            "custom_branch_policies": True,
        }
        assert ("main", "branch") in {(p["name"], p["type"]) for p in stored["branch_policies"]}
    assert (production["reviewers"], production["wait_timer"]) == ([{"type": "User", "id": 42}], 30)
    assert production["prevent_self_review"] is True


def test_logs_downloads_the_run_logs_and_artifacts(
    emulator: GitHubEmulator, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.add_run(
        REPO,
        99,
        HEAD,
        pr_number=7,
        logs={"check/3_Check.txt": "check passed\n"},
        artifacts={"o16n-reports": {"check.md": "## o16n check: passed\n"}},
    )
    out_dir = env / "downloaded"
    assert main(["logs", "--pr", "7", "-o", str(out_dir)]) == 0
    assert (out_dir / "logs" / "check" / "3_Check.txt").read_text() == "check passed\n"
    report = out_dir / "artifacts" / "o16n-reports" / "check.md"
    assert report.read_text() == "## o16n check: passed\n"
    assert "run 99: 2 file(s)" in capsys.readouterr().out
    assert main(["logs", "--pr", "8"]) == 2  # no such pull request


def test_logs_for_a_release_tag(emulator: GitHubEmulator, env: Path) -> None:
    import requests

    created = requests.post(
        f"{emulator.api_url}/repos/{REPO}/releases",
        json={"tag_name": "churn@v1.0.0", "target_commitish": HEAD, "name": "churn v1.0.0"},
        headers={"Authorization": f"token {TOKEN}"},
        timeout=5,
    )
    assert created.status_code == 201
    emulator.add_run(REPO, 100, HEAD, event="push", logs={"deploy/1_Gate.txt": "gate passed\n"})
    assert main(["logs", "--release", "churn@v1.0.0", "-o", str(env / "rel")]) == 0
    assert (env / "rel" / "logs" / "deploy" / "1_Gate.txt").read_text() == "gate passed\n"
    assert main(["logs", "--release", "churn@v9.9.9"]) == 2


def test_an_unexpected_error_hides_the_token_in_the_message_and_the_crash_log(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(env / "cache"))

    def explode(actions: github.Actions, timeout: float = 30.0) -> None:
        raise RuntimeError(f"client built with {actions.token}")

    monkeypatch.setattr(github, "connect", explode)
    write_reports(env, "pass")
    assert main(["github", "report", "--project", str(env)]) == 3
    err = capsys.readouterr().err
    assert "client built with ***" in err and TOKEN not in err
    log = (env / "cache" / "o16n" / "o16n.log").read_text()
    assert "client built with ***" in log and TOKEN not in log


def test_publish_release_uploads_the_bundle(emulator: GitHubEmulator, env: Path) -> None:
    bundle = env / "churn@v1.0.0"
    (bundle / "models").mkdir(parents=True)
    (bundle / "models" / "model.joblib").write_bytes(b"\x80\x04model")
    (bundle / "MODEL_CARD.md").write_text("# Model card: churn\n")
    actions = github.Actions.from_env()
    url = github.publish_release(github.connect(actions), actions, "churn@v1.0.0", HEAD, bundle)
    assert url.endswith("/releases/tag/churn@v1.0.0")
    (release,) = emulator.state.releases.values()
    assert release["tag_name"] == "churn@v1.0.0" and release["target_commitish"] == HEAD
    assert release["body"] == "# Model card: churn\n"
    uploaded = {a["name"]: a for a in emulator.state.assets.values()}
    assert sorted(uploaded) == ["MODEL_CARD.md", "models--model.joblib"]


def test_codeowners_in_docs_is_found_after_the_other_places_answer_404(
    emulator: GitHubEmulator, env: Path
) -> None:
    emulator.state.files.pop((REPO, "main", ".github/CODEOWNERS"))
    emulator.set_file(REPO, "main", "docs/CODEOWNERS", "*  @gale\n")
    actions = github.Actions.from_env()
    owners = pull_review.codeowners(github.connect(actions), actions, "main")
    assert owners.source == "main:docs/CODEOWNERS"
    assert owners.owners_of("src/churn/train.py") == ("@gale",)
    emulator.state.files.pop((REPO, "main", "docs/CODEOWNERS"))
    none = pull_review.codeowners(github.connect(actions), actions, "main")
    assert none.source is None and none.owners_of("params.yaml") == ()
