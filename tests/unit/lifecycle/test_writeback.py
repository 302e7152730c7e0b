"""Deploying to a protected `main`: the remote is a bare repository whose pre-receive hook asks
the GitHub emulator, which applies the rulesets `o16n github protect` writes. The deploy key
(the rulesets' bypass actor) lands a deploy; a person's direct push and a moved version tag are
refused; a merge that lands while a deploy runs (before its first push, or during a push) is
survived: o16n's commit is replayed onto the new tip, its ledger record re-chained and signed
again, the chain valid (`o16n ledger verify`, here and in a fresh clone), the tags intact.
Real git, GTO, ssh-keygen keys and HTTP."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from o16n.adapters import github, signing
from o16n.errors import LedgerError, ToolError
from o16n.lifecycle import deploy, ledger, writeback
from tests.github_emulator import GitHubEmulator, actions_for
from tests.github_emulator.pushes import PUSH_AS
from tests.pipeline_repo import git as sh
from tests.release_repo import TRUSTED, Released, o16n, open_the_gate, release_model, released
from tests.signing import write_allowed_signers

REPO = "acme/credit-risk-model"
ADMIN, PERSON, DEPLOY_KEY = "ghs_admin", "ghs_ann", "ssh-deploy-key-credential"

pytestmark = pytest.mark.usefixtures("github_no_sleep")


@dataclass(frozen=True)
class World:
    rel: Released
    emulator: GitHubEmulator
    remote: Path

    @property
    def project(self) -> Path:
        return self.rel.project

    def remote_head(self) -> str:
        return sh(self.remote, "rev-parse", "refs/heads/main")

    def clone(self, name: str) -> Path:
        path = self.project.parent / name
        sh(self.project.parent, "clone", "-q", str(self.remote), str(path))
        sh(path, "config", "user.name", "Ann Merger")
        sh(path, "config", "user.email", "ann@example.com")
        return path

    def merge(self, clone: Path, name: str, *, record: bool = True) -> str:
        """A reviewed pull request merged on GitHub: a commit on the remote's main (GitHub
        writes it itself: no pre-receive), here a code change and, with `record`, a ledger
        record its branch committed (signed: a person ran the gate with the key)."""
        sh(clone, "pull", "-q", "--ff-only", "origin", "main")
        (clone / f"{name}.py").write_text(f"# {name}\n")
        paths = [f"{name}.py"]
        if record:
            ledger.append(clone, {"kind": "note", "stage": "pr", "actor": "ann", "about": name})
            paths.append(ledger.LEDGER.as_posix())
        sh(clone, "add", *paths)
        sh(clone, "commit", "-q", "-m", f"Merge pull request: {name}")
        sh(self.remote, "fetch", "-q", str(clone), "+HEAD:refs/heads/main")
        return self.remote_head()


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    rel = released(tmp_path)
    open_the_gate(rel.project)
    write_allowed_signers(rel.project, [(TRUSTED, rel.key, None)], commit="Trust for all")
    monkeypatch.setenv(signing.KEY_VARIABLE, str(rel.key))
    with GitHubEmulator(token=ADMIN, login="gale", permission="admin") as emu:
        emu.add_repo("acme", "credit-risk-model")
        emu.add_user("ann", "write")
        emu.add_token(PERSON, "ann")
        emu.add_deploy_key(REPO, DEPLOY_KEY)
        remote = emu.bare_repository(REPO, tmp_path / "remote.git")
        sh(rel.project, "remote", "add", "origin", str(remote))
        monkeypatch.setenv(PUSH_AS, ADMIN)  # the repository's creator fills it, unprotected
        sh(rel.project, "push", "-q", "origin", "main", "--tags")
        actions = actions_for(emu, REPO)
        wanted = github.rulesets("main", ["check", "o16n/gate"], 1, True, True, admins=True)
        github.apply_rulesets(github.connect(actions), actions, wanted)
        monkeypatch.setenv(PUSH_AS, DEPLOY_KEY)  # what the deploy job's checkout carries
        yield World(rel, emu, remote)


def _verified(path: Path) -> None:
    code, out = o16n(path, "ledger", "verify", "--project", path)
    assert code == 0, out


def _records(path: Path, rev: str = "HEAD") -> list[dict[str, object]]:
    text = sh(path, "show", f"{rev}:{ledger.LEDGER.as_posix()}")
    return [json.loads(line) for line in text.splitlines()]


def test_a_deploy_lands_with_protection_on(world: World) -> None:
    sh(world.remote, "tag", "-d", world.rel.tag)  # a release that no GitHub Release pushed
    done = deploy.deploy(world.project, "staging", push="origin")
    assert isinstance(done, deploy.Deployed) and done.passed and done.tag
    assert world.remote_head() == done.commit == sh(world.project, "rev-parse", "HEAD")
    assert sh(world.remote, "tag", "-l", done.tag) == done.tag
    assert sh(world.remote, "tag", "-l", world.rel.tag) == world.rel.tag  # with it, atomically
    pushed = world.emulator.state.pushes[-1]
    assert pushed["by"] == {"deploy_key": "o16n deploy"} and pushed["refusals"] == []
    _verified(world.clone("fresh"))


def test_a_persons_direct_push_and_a_moved_version_tag_are_refused(world: World) -> None:
    clone = world.clone("person")
    (clone / "hack.py").write_text("print('straight to main')\n")
    sh(clone, "add", "hack.py")
    sh(clone, "commit", "-q", "-m", "No review")
    before = world.remote_head()
    env = {PUSH_AS: PERSON}
    pushed = _git(clone, env, "push", "origin", "HEAD:main")
    assert pushed.returncode != 0
    assert "Changes must be made through a pull request." in pushed.stderr
    assert "Required status checks are expected." in pushed.stderr
    moved = _git(clone, env, "tag", "-f", world.rel.tag, "HEAD")
    assert moved.returncode == 0
    forced = _git(clone, env, "push", "--force", "origin", f"refs/tags/{world.rel.tag}")
    assert forced.returncode != 0 and "Cannot update this ref." in forced.stderr
    assert world.remote_head() == before  # nothing landed

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PUSH_AS, PERSON)
        with pytest.raises(ToolError, match="was refused") as refused:
            deploy.deploy(world.project, "staging", push="origin")
    assert "bypass actor" in str(refused.value.hint)
    assert world.remote_head() == before


def _git(path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        ["git", *args], cwd=path, capture_output=True, text=True, env={**os.environ, **env}
    )


def test_classic_protection_refuses_even_the_deploy_key(world: World) -> None:
    """Why `o16n github protect` removes it: classic protection cannot exempt a deploy key."""
    world.emulator.state.protection[(REPO, "main")] = {
        "required_pull_request_reviews": {"required_approving_review_count": 1},
        "required_status_checks": {"strict": True, "contexts": ["check"]},
        "enforce_admins": False,
    }
    before = world.remote_head()
    with pytest.raises(ToolError, match="GH006: Protected branch update failed"):
        deploy.deploy(world.project, "staging", push="origin")
    assert world.remote_head() == before


def test_a_merge_before_the_push_is_survived_with_the_chain_valid(world: World) -> None:
    merged = world.merge(world.clone("merger"), "feature_a")  # lands after the job's checkout
    merged_record = _records(world.remote, merged)[-1]
    said: list[str] = []
    done = deploy.deploy(world.project, "staging", push="origin", say=said.append)
    assert isinstance(done, deploy.Deployed) and done.passed
    assert said == [f"main moved on to {merged[:12]}: 1 deploy commit(s) replayed onto it"]
    assert world.remote_head() == done.commit
    assert sh(world.project, "rev-parse", "HEAD^") == merged  # on the merge, not beside it
    records = _records(world.remote)
    assert records[-2] == merged_record  # the merged record first: it landed first
    assert records[-1]["seq"] == merged_record["seq"] + 1  # type: ignore[operator]
    assert records[-1]["prev"] == merged_record["hash"]
    assert records[-1]["action"] == "deploy" and "sig" in records[-1]
    assert done.recorded.record == records[-1]  # what a GitHub Deployment would name
    assert len({r["hash"] for r in records}) == len(records)  # none duplicated
    assert sh(world.remote, "tag", "-l", done.tag or "-") == done.tag
    assert (world.project / "feature_a.py").is_file()
    _verified(world.project)
    _verified(world.clone("fresh"))


def test_a_merge_during_the_push_is_survived(world: World) -> None:
    merger = world.clone("merger")
    landed: list[str] = []

    def merge_once() -> None:  # between the deploy's fetch and its push
        if len(landed) < 2:
            landed.append(world.merge(merger, f"feature_{len(landed)}"))

    world.emulator.on_push = merge_once
    done = deploy.deploy(world.project, "staging", push="origin")
    assert isinstance(done, deploy.Deployed)
    assert sh(world.project, "rev-parse", "HEAD^") == landed[-1]
    records = _records(world.remote)
    assert [r.get("about") for r in records[-3:-1]] == ["feature_0", "feature_1"]
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    _verified(world.clone("fresh"))


def test_the_cli_deploys_and_rolls_back_with_push_across_merges(world: World) -> None:
    code, out = o16n(world.project, "deploy", "--env", "staging", "--push", "origin")
    assert code == 0, out
    release_model(world.project, b"model v2", world.rel.key)  # a retrain, merged on GitHub:
    sh(world.remote, "fetch", "-q", str(world.project), "+HEAD:refs/heads/main")
    merger = world.clone("merger")
    world.merge(merger, "feature_a")
    code, out = o16n(world.project, "deploy", "--env", "staging", "--push", "origin")
    assert code == 0, out
    assert "main moved on to" in out and "1 deploy commit(s) replayed onto it" in out
    world.merge(merger, "feature_b")
    code, out = o16n(world.project, "rollback", "--env", "staging", "--push", "origin")
    assert code == 0, out
    assert world.remote_head() == sh(world.project, "rev-parse", "HEAD")
    kinds = [(r.get("action") or r.get("kind"), r.get("about")) for r in _records(world.remote)]
    assert kinds[-5:] == [
        ("deploy", None),
        ("note", "feature_a"),
        ("deploy", None),
        ("note", "feature_b"),
        ("rollback", None),
    ]
    stage_tags = sh(world.remote, "tag", "-l", "*#staging#*").split()
    assert len(stage_tags) == 3  # deploy, deploy, rollback: none lost
    _verified(world.clone("fresh"))


def test_a_refusal_is_pushed_across_a_merge_too(world: World) -> None:
    pack = world.project / "policies" / "baseline" / "pack.yaml"
    pack.write_text(pack.read_text().replace("condition: 'true'", "condition: 'false'"))
    sh(world.project, "commit", "-qam", "A closed gate")  # reviewed and merged, in this story
    sh(world.remote, "fetch", "-q", str(world.project), "+HEAD:refs/heads/main")
    world.merge(world.clone("merger"), "feature_a")
    done = deploy.deploy(world.project, "staging", push="origin")
    assert isinstance(done, deploy.Deployed) and not done.passed and done.tag is None
    records = _records(world.remote)
    assert [r.get("about") or r.get("action") for r in records[-2:]] == ["feature_a", "refused"]
    assert not (world.project / "deploy").exists()  # the refusal wrote no desired state
    _verified(world.clone("fresh"))


def test_retries_are_bounded_with_backoff_and_the_remote_stays_whole(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    merger = world.clone("merger")
    world.emulator.on_push = lambda: world.merge(
        merger, f"busy_{sh(merger, 'rev-list', '--count', 'HEAD')}"
    )
    waits: list[float] = []
    # writeback's own pause, not time.sleep: a patched time.sleep made every sleeping thread of
    # the test process append in a busy loop until the kernel's OOM killer stopped it
    monkeypatch.setattr(writeback, "pause", waits.append)
    with pytest.raises(ToolError, match="moved on during each of 5 pushes"):
        deploy.deploy(world.project, "staging", push="origin")
    assert waits == [0.5, 1.0, 2.0, 4.0]
    assert all(r.get("action") != "deploy" for r in _records(world.remote))
    world.emulator.on_push = None
    _verified(world.clone("fresh"))


def test_a_concurrent_change_to_the_desired_state_is_not_overwritten(world: World) -> None:
    merger = world.clone("merger")
    (merger / "deploy" / "staging").mkdir(parents=True)
    (merger / "deploy" / "staging" / "desired.yaml").write_text("someone: else\n")
    sh(merger, "add", "deploy")
    sh(merger, "commit", "-q", "-m", "Another deploy landed")
    sh(world.remote, "fetch", "-q", str(merger), "+HEAD:refs/heads/main")
    theirs = world.remote_head()
    with pytest.raises(ToolError, match="changed on the remote too while deploying"):
        deploy.deploy(world.project, "staging", push="origin")
    assert world.remote_head() == theirs


def test_a_signed_record_is_not_replayed_unsigned(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy.deploy(world.project, "staging")  # committed here, not pushed
    tip = world.merge(world.clone("merger"), "feature_a")
    sh(world.project, "fetch", "-q", "origin", "main")
    monkeypatch.delenv(signing.KEY_VARIABLE)
    with pytest.raises(LedgerError, match="would land unsigned"):
        writeback.replay(world.project, tip)
    assert world.remote_head() == tip


def test_the_template_deploys_push_with_the_deploy_key_through_o16n() -> None:
    from tests.conftest import ROOT

    text = (
        ROOT / "{{cookiecutter.project_slug}}" / ".github" / "workflows" / "deploy.yml"
    ).read_text()
    assert "git push" not in text  # the Actions token cannot push past the ruleset
    assert text.count("ssh-key: {% raw %}${{ secrets.O16N_DEPLOY_KEY }}{% endraw %}") == 2
    assert text.count("--github --push origin\n") == 2
