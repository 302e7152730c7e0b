"""Governance against the change's author, on a generated project with the git provider.

Governance raises the `roc_auc` floor on main so that the model fails it; the author of a branch
then tries to pass `o16n gate --stage pr --base main` (and, merged, `o16n deploy`) without a
governance approval. Every attempt must fail; the legitimate paths (a signed governance approval,
an approved waiver) must pass. Keys are real ed25519 keys, commits are signed by git with SSH."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import BIN, ROOT, cookiecutter, run
from tests.signing import make_key, sign_commits_with, write_allowed_signers

pytestmark = pytest.mark.slow
GOV = "Gov <gov@example.com>"
FLOOR = "roc_auc: 0.95"
RAISED = "roc_auc: 0.999"  # the generated model's roc_auc is about 0.998


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    """A generated project whose main lists the governance owner's and the author's keys."""
    root = tmp_path_factory.mktemp("governed")
    done = cookiecutter(ROOT, root, governance_owners="gov@example.com")
    assert done.returncode == 0, done.stderr
    project = root / "credit-risk-model"
    keys = {name: make_key(root / "keys", name) for name in ("gov", "dev", "mallory", "o16n-ci")}
    entries = [
        ("gov@example.com", keys["gov"], "git"),
        ("dev@example.com", keys["dev"], "git"),
        ("o16n-ci@example.com", keys["o16n-ci"], "o16n-ledger,o16n-release"),
    ]
    write_allowed_signers(project, entries, commit="Governance: the keys whose signatures count")
    return project, keys


@pytest.fixture
def project(
    generated: tuple[Path, dict[str, Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A copy of the generated project; its author, dev@example.com, signs their commits; CI's
    key signs the ledger and releases."""
    source, keys = generated
    monkeypatch.setenv("O16N_SIGNING_KEY", str(keys["o16n-ci"]))
    copy = tmp_path / source.name
    shutil.copytree(source, copy, symlinks=True)
    git(copy, "config", "user.name", "Dev")
    git(copy, "config", "user.email", "dev@example.com")
    sign_commits_with(copy, keys["dev"])
    return copy


@pytest.fixture
def keys(generated: tuple[Path, dict[str, Path]]) -> dict[str, Path]:
    return generated[1]


def git(project: Path, *args: str, **env: str) -> str:
    return run("git", *args, cwd=project, **env).stdout


def edit(project: Path, path: str, old: str, new: str) -> None:
    file = project / path
    text = file.read_text()
    assert old in text, f"{old!r} is not in {path}"
    file.write_text(text.replace(old, new))


def commit(project: Path, message: str, *args: str) -> None:
    git(project, "add", "-A")
    git(project, "commit", "--quiet", "-m", message, *args)


def as_person(name: str, email: str, key: Path) -> dict[str, str]:
    """git configured as this person, signing with their key (git reads GIT_CONFIG_*)."""
    settings = {"user.name": name, "user.email": email, "gpg.format": "ssh"}
    settings["user.signingkey"] = str(key)
    env = {"GIT_CONFIG_COUNT": str(len(settings))}
    for index, (key_name, value) in enumerate(settings.items()):
        env[f"GIT_CONFIG_KEY_{index}"], env[f"GIT_CONFIG_VALUE_{index}"] = key_name, value
    return env


def approve(project: Path, key: Path, name: str = "Gov", email: str = "gov@example.com") -> str:
    done = run(BIN / "o16n", "approve", cwd=project, check=False, **as_person(name, email, key))
    return done.stdout + done.stderr


def raise_floor(project: Path) -> None:
    """Governance, on main: the model now fails the roc_auc floor."""
    edit(project, "o16n.yaml", FLOOR, RAISED)
    commit(project, "Governance: raise the roc_auc floor")
    git(project, "switch", "--quiet", "-c", "attempt")


def gate(project: Path) -> tuple[int, str]:
    done = run(
        BIN / "o16n", "gate", "--stage", "pr", "--base", "main", "--no-record",
        cwd=project, check=False,
    )  # fmt: skip
    return done.returncode, done.stdout + done.stderr


def facts(project: Path) -> dict[str, object]:
    out = run(BIN / "o16n", "facts", "--stage", "pr", "--base", "main", cwd=project).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def refused(project: Path) -> list[dict[str, str]]:
    return facts(project)["review"]["not_counted"]  # type: ignore[index,no-any-return]


# ---- the attacks ------------------------------------------------------------------------------


def test_main_itself_fails_the_raised_floor(project: Path) -> None:
    raise_floor(project)
    code, out = gate(project)
    assert code == 1 and "fail metric-floors" in out


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (RAISED, "roc_auc: 0.5"),
        ("metric_floors: {roc_auc: 0.999, balanced_accuracy: 0.90}", "metric_floors: {}"),
    ],
    ids=["lower the floor", "no floors"],
)
def test_policy_vars_on_the_branch_are_proposed_not_in_force(
    project: Path, old: str, new: str
) -> None:
    raise_floor(project)
    edit(project, "o16n.yaml", old, new)
    commit(project, "Relax the floors")
    code, out = gate(project)
    assert code == 1
    assert "fail metric-floors" in out and "fail governed-change-approved" in out
    governance = facts(project)["governance"]
    assert governance["changed"] == ["vars"]  # type: ignore[index]
    assert governance["in_force"]["vars"]["metric_floors"]["roc_auc"] == 0.999  # type: ignore[index]


@pytest.mark.parametrize("email", ["gov@example.com", "GOV@EXAMPLE.COM"])
def test_a_trailer_the_author_wrote_does_not_approve_an_edited_rule(
    project: Path, email: str
) -> None:
    raise_floor(project)
    pack = project / "policies" / "baseline" / "pack.yaml"
    text = pack.read_text()
    start = text.index("vars.metric_floors.all(")
    pack.write_text(text[:start] + "true\n" + text[text.index("    explain:", start) :])
    commit(
        project, "Floors are advisory", "--no-gpg-sign", "--trailer", f"Approved-by: Gov <{email}>"
    )
    code, out = gate(project)
    assert code == 1 and "fail metric-floors" in out
    (refusal,) = refused(project)
    assert refusal["who"] == "gov@example.com" and refusal["reason"].startswith("unsigned")


def test_a_trailer_signed_with_the_authors_own_key_names_whose_key_it_is(project: Path) -> None:
    raise_floor(project)
    edit(project, "o16n.yaml", RAISED, "roc_auc: 0.5")
    commit(project, "Relax", "--trailer", f"Approved-by: {GOV}")  # signed by dev's listed key
    assert gate(project)[0] == 1
    (refusal,) = refused(project)
    assert "signed by dev@example.com's key, not by gov@example.com's" in refusal["reason"]


def test_deleting_the_rules_changes_nothing_in_force(project: Path) -> None:
    raise_floor(project)
    pack = project / "policies" / "baseline" / "pack.yaml"
    text = pack.read_text()
    pack.write_text(text[: text.index("  - id: metric-floors")] + "  []\n")
    edit(project, "policies/baseline/pack.yaml", "rules:\n  []", "rules: []")
    commit(project, "Fewer rules")
    code, out = gate(project)
    assert code == 1 and "fail metric-floors" in out and "fail governed-change-approved" in out


def test_a_new_lax_pack_chosen_on_the_branch_is_only_proposed(project: Path) -> None:
    raise_floor(project)
    (project / "policies" / "lax").mkdir()
    (project / "policies" / "lax" / "pack.yaml").write_text("version: 1\nname: lax\nrules: []\n")
    edit(project, "o16n.yaml", "policy_pack: baseline", "policy_pack: lax")
    commit(project, "A lighter pack")
    code, out = gate(project)
    assert code == 1 and "fail metric-floors" in out
    governance = facts(project)["governance"]
    assert governance["proposed"]["pack"] == "lax" and governance["in_force"]["pack"] == "baseline"  # type: ignore[index]


@pytest.mark.parametrize("expires", ["2099-12-31", "tomorrow"])
def test_a_waiver_the_author_wrote_in_governances_name_does_not_apply(
    project: Path, expires: str
) -> None:
    import datetime as dt

    raise_floor(project)
    day = (dt.date.today() + dt.timedelta(days=1)).isoformat() if expires == "tomorrow" else expires
    (project / "waivers.yaml").write_text(
        "version: 1\nwaivers:\n  - rule: metric-floors\n"
        f"    reason: governance said it is fine\n    approved_by: {GOV}\n    expires: {day}\n"
    )
    commit(project, "Waive the floor")
    code, out = gate(project)
    assert code == 1 and "fail metric-floors" in out
    (waiver,) = facts(project)["waivers"]  # type: ignore[misc]
    assert waiver["applies"] is False
    assert "without an authenticated approval from Gov" in waiver["why_not"]


def test_a_key_added_to_the_trust_file_on_the_branch_does_not_count(
    project: Path, keys: dict[str, Path]
) -> None:
    raise_floor(project)
    edit(project, "o16n.yaml", RAISED, "roc_auc: 0.5")
    trust = project / "policies" / "allowed_signers"
    mallory = Path(f"{keys['mallory']}.pub").read_text()
    trust.write_text(trust.read_text() + f"gov@example.com {mallory}")
    commit(project, "Relax, and trust my other key")
    approve(project, keys["mallory"])  # signed by a key main does not list for gov
    assert gate(project)[0] == 1
    reasons = [r["reason"] for r in refused(project)]
    assert any("does not list" in reason for reason in reasons), reasons


def test_a_self_approval_is_listed_as_not_counted(project: Path, keys: dict[str, Path]) -> None:
    raise_floor(project)
    edit(project, "o16n.yaml", RAISED, "roc_auc: 0.5")
    commit(project, "Relax")
    out = approve(project, keys["dev"], "Dev", "dev@example.com")
    assert "will not count it: self-approval" in out
    assert gate(project)[0] == 1
    assert refused(project)[0]["reason"].startswith("self-approval")


def test_merged_without_approval_the_deploy_gate_refuses_and_writes_no_desired_state(
    project: Path,
) -> None:
    raise_floor(project)
    edit(project, "o16n.yaml", RAISED, "roc_auc: 0.5")
    commit(project, "Relax")
    git(project, "switch", "--quiet", "main")
    git(project, "merge", "--quiet", "--no-ff", "attempt", "-m", "Merge attempt")
    run(BIN / "o16n", "release", cwd=project)
    done = run(BIN / "o16n", "deploy", "--env", "staging", cwd=project, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "fail governed-change-approved" in done.stdout
    assert not (project / "deploy" / "staging" / "desired.yaml").exists()


def test_a_direct_commit_on_main_is_refused_at_deploy_too(project: Path) -> None:
    edit(project, "o16n.yaml", FLOOR, "roc_auc: 0.5")
    commit(project, "Relax, straight on main")  # as if main were force-pushed
    run(BIN / "o16n", "release", cwd=project)
    done = run(BIN / "o16n", "deploy", "--env", "staging", cwd=project, check=False)
    assert done.returncode == 1 and "fail governed-change-approved" in done.stdout


# ---- the legitimate paths -----------------------------------------------------------------------


def test_a_signed_governance_approval_passes_and_the_new_floor_is_in_force_once_merged(
    project: Path, keys: dict[str, Path]
) -> None:
    git(project, "switch", "--quiet", "-c", "stricter")
    edit(project, "o16n.yaml", FLOOR, "roc_auc: 0.99")
    commit(project, "Raise the floor")
    assert gate(project)[0] == 1  # not approved yet
    assert "the gate counts it" in approve(project, keys["gov"])
    code, out = gate(project)
    assert code == 0, out
    git(project, "switch", "--quiet", "main")
    git(project, "merge", "--quiet", "--no-ff", "stricter", "-m", "Merge stricter")
    git(project, "switch", "--quiet", "-c", "next")
    assert facts(project)["vars"]["metric_floors"]["roc_auc"] == 0.99  # type: ignore[index]


def test_a_waiver_approved_by_the_governance_owner_it_names_turns_the_failure_into_a_warning(
    project: Path, keys: dict[str, Path]
) -> None:
    raise_floor(project)
    (project / "waivers.yaml").write_text(
        "version: 1\nwaivers:\n  - rule: metric-floors\n"
        f"    reason: the new floor applies from the next quarter\n    approved_by: {GOV}\n"
        "    expires: 2099-12-31\n"
    )
    commit(project, "Waive the floor until the retrained model")
    approve(project, keys["gov"])
    code, out = gate(project)
    assert code == 0, out
    assert "waived" in out and "approved by Gov <gov@example.com>" in out


def test_a_fast_forward_of_an_unapproved_change_and_an_empty_commit_is_refused_at_deploy(
    project: Path, keys: dict[str, Path]
) -> None:
    git(project, "switch", "--quiet", "-c", "stricter")
    edit(project, "o16n.yaml", FLOOR, "roc_auc: 0.96")
    edit(project, "model_card.yaml", "use_cases: []", "use_cases: [Triage]")
    edit(project, "model_card.yaml", "users: []", "users: [Pathologists]")
    commit(project, "Raise the floor a little; the intended use")
    approve(project, keys["gov"])
    git(project, "switch", "--quiet", "main")
    git(project, "merge", "--quiet", "--no-ff", "stricter", "-m", "Merge stricter")
    run(BIN / "o16n", "release", cwd=project)
    run(BIN / "o16n", "deploy", "--env", "staging", cwd=project)  # approved: deploys

    edit(project, "o16n.yaml", "roc_auc: 0.96", "roc_auc: 0.5")
    commit(project, "Relax, straight on main")
    git(project, "commit", "--quiet", "--allow-empty", "-m", "Nothing to see")
    run(BIN / "o16n", "release", "--version", "v1.0.1", cwd=project)
    done = run(BIN / "o16n", "deploy", "--env", "staging", cwd=project, check=False)
    assert done.returncode == 1, done.stdout
    assert "unapproved on main since the last version" in done.stdout
    assert "(o16n.yaml)" in done.stdout


def test_a_pull_request_that_brings_new_data_is_a_new_baseline_governance_approves(
    project: Path, keys: dict[str, Path], tmp_path: Path
) -> None:
    """`o16n data use` on a branch: the model on main learned other data, so no-regression and
    the KPI comparison say "not comparable" instead of failing, and the new baseline (and the
    floors data use reset) pass only once governance approves."""
    import palmerpenguins

    source = tmp_path / "penguins.csv"
    palmerpenguins.load_penguins().to_csv(source, index=False)
    git(project, "switch", "--quiet", "-c", "penguins")
    use = ["data", "use", str(source), "--target", "sex", "--positive", "male"]
    run(BIN / "o16n", *use, cwd=project)
    git(project, "commit", "--quiet", "-m", "Train on the Palmer penguins")

    changed = facts(project)["data"]
    assert changed["changed"] is True  # type: ignore[index]
    assert "target: target -> sex" in changed["changes"]  # type: ignore[index]
    code, out = gate(project)
    assert code == 1
    assert "fail new-baseline-approved" in out and "fail governed-change-approved" in out
    assert "fail no-regression" not in out and "fail kpi-not-below-baseline" not in out
    assert "not comparable: the data changed" in out

    assert "the gate counts it" in approve(project, keys["gov"])
    code, out = gate(project)
    assert code == 0, out
    check = run(BIN / "o16n", "check", "--base", "main", cwd=project, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    health = json.loads((project / "reports" / "health.json").read_text())
    regression = [f for f in health["findings"] if f["trigger"] == "no-regression"]
    assert regression and all("not comparable" in f["message"] for f in regression)
