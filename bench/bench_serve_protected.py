"""Benchmark merge to serving with `main` protected (figures, not pass/fail).

As bench_serve, but the generated project's `main` lives in a bare repository standing for
GitHub: its pre-receive hook asks the GitHub emulator, which applies the rulesets that
`o16n github protect` writes (the deploy key their only bypass actor). The server runs in its
own clone of that remote, as a serving host does. Per round: a pull request merged on the
remote (server side), then the deploy job: its checkout pulls, `o16n release`, `o16n deploy
--env staging --push origin` (through the hook, with the deploy key); then the serving host
pulls, and the time until it answers with the new version. Round 2 lands a second merge while
the deploy job runs (after its checkout), so its push is non-fast-forward and the deploy is
replayed onto the merge (the ledger record re-chained and signed again). Requests keep coming
from --threads threads all along; failures are counted (target: 0).

    python bench/bench_serve_protected.py [--threads 4] [-o build/bench/serve_protected.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_serve import BIN, MODEL, Load, connect, sh, status, trust_keys  # noqa: E402

from o16n.adapters import github  # noqa: E402
from o16n.serving import v2  # noqa: E402
from tests.github_emulator import GitHubEmulator, actions_for  # noqa: E402
from tests.github_emulator.pushes import PUSH_AS  # noqa: E402

REPO = f"acme/{MODEL}"
OPEN_PACK = """\
version: 1
name: baseline
description: Lets every deploy through (this benchmark times the write-back, not the gate).
rules:
  - id: always
    description: Always passes.
    stages: [pr, deploy]
    condition: 'true'
    severity: fail
    message: never shown
"""
ADMIN, DEPLOY_KEY = "ghs_admin", "bench-deploy-key"


def generate(workdir: Path, env: dict[str, str]) -> Path:
    o16n = str(BIN / "o16n")
    sh([o16n, "new", "--no-input", "-o", str(workdir), f"project_slug={MODEL}",
        "governance_owners=gov@example.com"], workdir, env)  # fmt: skip
    project = workdir / MODEL
    card = project / "model_card.yaml"
    card.write_text(
        card.read_text()
        .replace("use_cases: []", "use_cases: [Benchmark]")
        .replace("users: []", "users: [o16n developers]")
    )
    (project / "policies" / "baseline" / "pack.yaml").write_text(OPEN_PACK)
    trust_keys(project, workdir / "keys", env)  # CI signs (O16N_SIGNING_KEY); governance unused
    # the card, the trusted key and an open gate belong to the project's first commit: what is
    # measured is the write-back, not governance (whose approvals are signed `o16n approve`
    # commits, and bench_gate's subject)
    sh(["git", "reset", "-q", "--soft", "HEAD~1"], project, env)
    sh(["git", "commit", "-q", "--amend", "-a", "--no-edit"], project, env)
    return project


def merge_a_retrain(author: Path, c: str, remote: Path, env: dict[str, str]) -> None:
    """A pull request that retrains (params C), merged on the remote: GitHub writes the merge
    commit itself, so no pre-receive applies; the model goes to the DVC remote."""
    sh(["git", "pull", "-q", "--ff-only", "origin", "main"], author, env)
    params = author / "params.yaml"
    text = params.read_text()
    start = text.index("  C: ") + len("  C: ")
    params.write_text(text[:start] + c + text[text.index(" ", start) :])
    sh([str(BIN / "dvc"), "repro", "--quiet"], author, env)
    sh([str(BIN / "dvc"), "push", "--quiet"], author, env)
    sh(["git", "commit", "-qam", f"Retrain with C={c}", "-m", "Approved-by: Gov <gov@example.com>"],
       author, env)  # fmt: skip
    sh(["git", "fetch", "-q", str(author), "+HEAD:refs/heads/main"], remote, env)


def code_change(author: Path, name: str, remote: Path, env: dict[str, str]) -> None:
    """A merged pull request that changes no model: lands while a deploy runs."""
    sh(["git", "pull", "-q", "--ff-only", "origin", "main"], author, env)
    (author / "src" / f"{name}.py").write_text(f'"""{name}"""\n')
    sh(["git", "add", "src"], author, env)
    sh(["git", "commit", "-qm", f"Add {name}", "-m", "Approved-by: Gov <gov@example.com>"],
       author, env)  # fmt: skip
    sh(["git", "fetch", "-q", str(author), "+HEAD:refs/heads/main"], remote, env)


def answering(router: str, body: bytes, version: str) -> float:
    probe = connect(router)
    while True:
        probe.request("POST", f"/v2/models/{MODEL}/infer", body)
        response = probe.getresponse()
        response.read()
        if response.getheader("X-O16n-Version") == version:
            return time.perf_counter()
        time.sleep(0.02)


def round_of(
    n: int, ci: Path, author: Path, served: Path, remote: Path, env: dict[str, str],
    router: str, body: bytes, concurrent: bool,
) -> dict[str, float]:  # fmt: skip
    o16n = str(BIN / "o16n")
    merge_a_retrain(author, f"0.{9 - n}", remote, env)  # the pull request's own work
    merged = time.perf_counter()
    checkout = sh(["git", "pull", "-q", "--ff-only", "origin", "main"], ci, env)
    checkout += sh([str(BIN / "dvc"), "pull", "--quiet"], ci, env)
    other = 0.0
    if concurrent:  # lands after the checkout: the push loses the race; not the job's time
        started = time.perf_counter()
        code_change(author, f"feature_{n}", remote, env)
        other = time.perf_counter() - started
    release = sh([o16n, "release"], ci, env)
    deploy = sh([o16n, "deploy", "--env", "staging", "--push", "origin"], ci, env)
    pushed = time.perf_counter()
    parent = subprocess.run(["git", "log", "-1", "--format=%s", "HEAD^"], cwd=ci, env=env,
                            capture_output=True, text=True).stdout  # fmt: skip
    if concurrent and f"feature_{n}" not in parent:
        raise SystemExit("the deploy was not replayed onto the merge that landed during it")
    host = sh(["git", "pull", "-q", "--ff-only", "origin", "main"], served, env)
    version = f"v1.{n}.0"
    answered = answering(router, body, version)
    return {
        "deploy job checkout (git pull, dvc pull)": checkout,
        "o16n release": release,
        "o16n deploy --env staging --push origin": deploy,
        "serving host pulls main": host,
        "pushed -> new version answering": answered - pushed,
        "total (merge landed -> new version answering)": answered - merged - other,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "-o", "--output", type=Path, default=Path("build/bench/serve_protected.json")
    )
    args = parser.parse_args()
    o16n = str(BIN / "o16n")
    with tempfile.TemporaryDirectory() as tmp, GitHubEmulator(ADMIN, "gale", "admin") as emu:
        workdir = Path(tmp)
        env = {**os.environ, "O16N_REMOTE_HOME": f"{workdir}/remotes", "DVC_NO_ANALYTICS": "1"}
        env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
        ci = generate(workdir, env)
        env["PYTHONPATH"] = os.pathsep.join([str(ci / "src"), env.get("PYTHONPATH", "")])
        sh([str(BIN / "dvc"), "push", "--quiet"], ci, env)
        emu.add_repo("acme", MODEL)
        emu.add_deploy_key(REPO, DEPLOY_KEY)
        remote = emu.bare_repository(REPO, workdir / "remote.git")
        sh(["git", "remote", "add", "origin", str(remote)], ci, env)
        sh(["git", "push", "-q", "origin", "main"], ci, {**env, PUSH_AS: ADMIN})
        actions = actions_for(emu, REPO)
        wanted = github.rulesets("main", ["check", "o16n/gate"], 1, True, True, admins=True)
        github.apply_rulesets(github.connect(actions), actions, wanted)
        env[PUSH_AS] = DEPLOY_KEY  # the deploy job's checkout carries the deploy key
        sh([o16n, "release"], ci, env)
        sh([o16n, "deploy", "--env", "staging", "--push", "origin"], ci, env)
        for name in ("author", "served"):
            sh(["git", "clone", "-q", str(remote), name], workdir, env)
            sh(["git", "config", "user.email", f"{name}@example.com"], workdir / name, env)
            local = ".dvc/config.local"  # this machine's DVC remote: not in git
            (workdir / name / local).write_text((ci / local).read_text())
        author, served = workdir / "author", workdir / "served"
        sh([str(BIN / "dvc"), "pull", "--quiet"], author, env)
        first_start = sh([o16n, "serve", "--env", "staging", "--port", "0", "--detach"],
                         served, env)  # fmt: skip
        try:
            router = str(status(served, env)["url"])
            rows = pd.read_csv(ci / "data/prepared/test.csv").drop(columns="target")
            body = v2.encode(rows.head(1))
            counts: Counter[str] = Counter()
            stop = threading.Event()
            load = [Load(router, body, counts, stop) for _ in range(args.threads)]
            for thread in load:
                thread.start()
            time.sleep(1.0)
            rounds = {
                "merge, deploy": round_of(1, ci, author, served, remote, env, router, body, False),
                "merge, deploy, a merge landing during it": round_of(
                    2, ci, author, served, remote, env, router, body, True
                ),
            }
            time.sleep(1.0)
            stop.set()
            for thread in load:
                thread.join()
        finally:
            sh([o16n, "serve", "--env", "staging", "--stop"], served, env)
        refused = [p for p in emu.state.pushes if p["refusals"]]
        asked = len(emu.state.pushes)
    failed = sum(n for key, n in counts.items() if not key.startswith("200 "))
    figures: dict[str, Any] = {
        "merge_to_serving_s": rounds,
        "first start_s": first_start,
        "pushes judged by the pre-receive hook": asked,
        "pushes refused by the rulesets": len(refused),
        "switch_load": {"requests": sum(counts.values()), "failed": failed, **counts},
    }
    print(f"protected main (rulesets, deploy key), local target, {os.cpu_count()} cores")
    for title, parts in rounds.items():
        print(f"  {title}:")
        for name, seconds in parts.items():
            print(f"    {name:<48} {seconds:6.2f} s")
    print(f"  pushes judged by the hook: {asked}, refused: {len(refused)}")
    print(f"  during both switches: {sum(counts.values())} requests, {failed} failed")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
