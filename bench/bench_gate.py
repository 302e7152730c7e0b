"""Benchmark the policy gate on the generated classification project (figures, not pass/fail).

Measures, as the median of --runs runs, in one process: loading a pack of 50 rules (the
baseline's rules and variants of them, compiled from CEL), assembling the facts document and
evaluating every rule, given what `o16n check`'s earlier steps computed (health report, KPIs,
`dvc status`) — the gate's own cost. Also, as separate processes: interpreter start, the
standalone `o16n gate --no-record` (which computes health and KPIs itself), and `make check`.
Aim (issue 4): facts + 50 rules < 1 s beyond interpreter start; `o16n check` < 30 s.
And the governance work a pull request adds (issue 13): the base's governance files read at the
merge base, the checkout's loaded as proposed, and the change's commits' SSH signatures checked
against the base's allowed_signers, on a branch that changes o16n.yaml and carries a signed
governance approval. Aim: < 0.5 s.

    python bench/bench_gate.py [--runs 5] [-o build/bench/gate.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

BIN = Path(sys.executable).parent
RULES = 50


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=False, capture_output=True)
    return time.perf_counter() - started


def fifty_rule_pack(project: Path) -> None:
    """policies/bench50: the baseline's rules, then renamed variants until there are 50."""
    baseline = yaml.safe_load((project / "policies" / "baseline" / "pack.yaml").read_text())
    rules = list(baseline["rules"])
    copies = 0
    while len(rules) < RULES:
        source = dict(baseline["rules"][copies % len(baseline["rules"])])
        source["id"] = f"{source['id']}-{copies // len(baseline['rules']) + 2}"
        rules.append(source)
        copies += 1
    rules = [{**rule, "stages": ["pr", "deploy"]} for rule in rules]  # all 50 apply to a PR
    pack = {**baseline, "name": "bench50", "rules": rules}
    (project / "policies" / "bench50").mkdir()
    (project / "policies" / "bench50" / "pack.yaml").write_text(yaml.safe_dump(pack))
    config = project / "o16n.yaml"
    config.write_text(config.read_text().replace("policy_pack: baseline", "policy_pack: bench50"))


def in_process(project: Path, runs: int) -> list[float]:
    from o16n.lifecycle import check
    from o16n.policy import gate
    from o16n.policy.facts import Sources
    from o16n.policy.run import prepare

    ctx = check.Context(project, "main")
    for step in (check.lock, check.health, check.kpi):
        step(ctx)
    times = []
    for _ in range(runs):
        sources = Sources(health=ctx.health, kpis=ctx.kpis, reproduced=ctx.reproduced)
        started = time.perf_counter()
        pack, facts = prepare(project, stage="pr", env=None, base="main", sources=sources)
        decision = gate.evaluate(pack, facts)
        times.append(time.perf_counter() - started)
        assert len(decision.outcomes) == RULES, len(decision.outcomes)
    return times


def governed_branch(project: Path, env: dict[str, str], keys: Path) -> None:
    """main trusts gov's key; branch `stricter` raises a floor and gov approves it, signed."""
    key = keys / "gov"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True, env=env
    )
    public = " ".join(Path(f"{key}.pub").read_text().split()[:2])
    (project / "policies" / "allowed_signers").write_text(
        f'gov@example.com namespaces="git" {public}\n'
    )
    git = ["git", "-C", str(project)]
    subprocess.run([*git, "add", "-A"], env=env, check=True)
    subprocess.run([*git, "commit", "-qm", "Trust gov"], env=env, check=True)
    subprocess.run([*git, "switch", "-qc", "stricter"], env=env, check=True)
    config = project / "o16n.yaml"
    config.write_text(config.read_text().replace("roc_auc: 0.95", "roc_auc: 0.96"))
    subprocess.run([*git, "commit", "-qam", "Raise the floor"], env=env, check=True)
    as_gov = [
        "-c", "user.name=Gov", "-c", "user.email=gov@example.com",
        "-c", "gpg.format=ssh", "-c", f"user.signingkey={key}",
    ]  # fmt: skip
    subprocess.run(
        [*git, *as_gov, "commit", "-q", "-S", "--allow-empty", "-m", "ok",
         "--trailer", "Approved-by: Gov <gov@example.com>"],
        env=env, check=True,
    )  # fmt: skip


def governance_work(project: Path, runs: int) -> list[float]:
    from o16n.adapters import git
    from o16n.policy import governance, review

    times = []
    for _ in range(runs):
        started = time.perf_counter()
        base = governance.merge_base(project, git.commit_of("main", project) or "")
        rules = governance.at_commit(project, base)
        governance.of_checkout(project)
        facts = review.review_facts(
            project, base, ["o16n.yaml"], rules.config.teams, rules.owners, rules.signers
        )
        times.append(time.perf_counter() - started)
        assert facts["governance_approved"], facts["not_counted"]
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("-o", "--output", type=Path, default=Path("build/bench/gate.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        env = {**os.environ, "O16N_REMOTE_HOME": f"{workdir}/remotes", "DVC_NO_ANALYTICS": "1"}
        env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
        subprocess.run(
            [
                str(BIN / "o16n"),
                "new",
                "--no-input",
                "-o",
                workdir,
                "project_slug=bench",
                "governance_owners=gov@example.com",
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        project = Path(workdir) / "bench"
        fifty_rule_pack(project)
        subprocess.run(["git", "commit", "-qam", "bench50"], cwd=project, env=env, check=True)
        subprocess.run(["git", "add", "-A"], cwd=project, env=env, check=True)
        subprocess.run(["git", "commit", "-qm", "bench50 pack"], cwd=project, env=env, check=True)
        os.environ.update(PYTHONPATH=str(project / "src"), DVC_NO_ANALYTICS="1")
        gate_times = in_process(project, args.runs)
        env["PYTHONPATH"] = str(project / "src")
        python = [sys.executable, "-c", "pass"]
        figures = {
            "facts + 50 rules (in process, after check's steps)": statistics.median(gate_times),
            "interpreter start": statistics.median(
                timed(python, project, env) for _ in range(args.runs)
            ),
            "o16n gate --no-record (standalone: computes health, KPIs, dvc status)": (
                statistics.median(
                    timed([str(BIN / "o16n"), "gate", "--no-record"], project, env)
                    for _ in range(args.runs)
                )
            ),
            "make check": timed(["make", "check", f"BIN={BIN}"], project, env),
        }
        governed_branch(project, env, Path(workdir))
        figures["governance work of a PR (base files, proposed, signatures)"] = statistics.median(
            governance_work(project, args.runs)
        )
    width = max(map(len, figures))
    print(f"generated classification project, median of {args.runs} runs, {os.cpu_count()} cores")
    for name, seconds in figures.items():
        print(f"  {name:<{width}}  {seconds:6.2f} s")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    rounded = {name: round(seconds, 3) for name, seconds in figures.items()}
    args.output.write_text(json.dumps({"median_seconds": rounded}, indent=2) + "\n")


if __name__ == "__main__":
    main()
