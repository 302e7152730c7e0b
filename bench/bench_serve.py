"""Benchmark the local target (figures, not pass/fail): merge to serving, latency, the switch.

On a generated classification project with v1.0.0 deployed to staging and served by
`o16n serve` (MLServer 1.7.1 behind o16n's router):
- single-prediction latency, p50 and p99 of --requests sequential requests over kept-alive
  connections, through the router and, as the peer in the same run, straight to the MLServer
  process behind it, in alternating blocks (the router's cost is the difference);
- merge to serving: a params change merged to main, then `o16n release`, `o16n deploy --env
  staging`, and the time until the server answers with the new version (each part timed);
- requests that fail during that switch, from --threads threads sending predictions all along
  (target: 0).

    python bench/bench_serve.py [--requests 2000] [--threads 4] [-o build/bench/serve.json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from o16n.serving import v2

BIN = Path(sys.executable).parent
MODEL = "bench"


def sh(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - started


def connect(url: str) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    return http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)


def latencies(url: str, body: bytes, requests: int) -> list[float]:
    connection = connect(url)
    times = []
    for _ in range(requests + 20):
        started = time.perf_counter()
        connection.request("POST", f"/v2/models/{MODEL}/infer", body)
        response = connection.getresponse()
        response.read()
        times.append(time.perf_counter() - started)
        assert response.status == 200, response.status
    return times[20:]  # the first requests warm both ends up


def percentile(values: list[float], q: int) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1] if q < 100 else max(values)
    )


def post_prediction(
    connection: http.client.HTTPConnection, url: str, body: bytes
) -> tuple[http.client.HTTPResponse | str, http.client.HTTPConnection]:
    """One prediction: the response (read), or the name of the error and a fresh connection
    for the next request."""
    try:
        connection.request("POST", f"/v2/models/{MODEL}/infer", body)
        response = connection.getresponse()
        response.read()
        return response, connection
    except (OSError, http.client.HTTPException) as exc:
        return type(exc).__name__, connect(url)


class Load(threading.Thread):
    def __init__(self, url: str, body: bytes, counts: Counter[str], stop: threading.Event):
        super().__init__()
        self.url, self.body, self.counts, self.stop = url, body, counts, stop

    def run(self) -> None:
        connection = connect(self.url)
        while not self.stop.is_set():
            answer, connection = post_prediction(connection, self.url, self.body)
            key = (
                answer
                if isinstance(answer, str)
                else f"{answer.status} {answer.getheader('X-O16n-Version')}"
            )
            self.counts[key] += 1


def status(project: Path, env: dict[str, str]) -> dict[str, object]:
    done = subprocess.run(
        [str(BIN / "o16n"), "serve", "--env", "staging", "--status"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def trust_keys(project: Path, keys: Path, env: dict[str, str]) -> Path:
    """Releases and ledger records are signed, and deploys take only those; a governed change
    counts only with a signed approval. Two keys listed on main: one for CI (set as
    O16N_SIGNING_KEY), one for the governance owner; the governance owner's returned."""
    keys.mkdir()
    lines = []
    for name, namespaces in (("ci", "o16n-ledger,o16n-release"), ("gov", "git")):
        key = keys / name
        sh(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)],
            project,
            env,
        )
        public = " ".join(Path(f"{key}.pub").read_text().split()[:2])
        lines.append(f'{name}@example.com namespaces="{namespaces}" {public}\n')
    signers = project / "policies" / "allowed_signers"
    signers.write_text("".join(lines))
    sh(["git", "add", str(signers)], project, env)
    sh(["git", "commit", "-qm", "Trust the CI and governance keys"], project, env)
    env["O16N_SIGNING_KEY"] = str(keys / "ci")
    return keys / "gov"


def approved_merge(project: Path, branch: str, gov_key: Path, env: dict[str, str]) -> float:
    """`branch` approved by the governance owner (a signed commit with the trailer, as
    `o16n approve` makes) and merged into main; the seconds the merge took."""
    as_gov = [
        "-c", "user.name=Gov", "-c", "user.email=gov@example.com",
        "-c", "gpg.format=ssh", "-c", f"user.signingkey={gov_key}",
    ]  # fmt: skip
    sh(["git", "switch", "-q", branch], project, env)
    sh(
        ["git", *as_gov, "commit", "-q", "-S", "--allow-empty", "-m", "Approve",
         "--trailer", "Approved-by: Gov <gov@example.com>"],
        project, env,
    )  # fmt: skip
    sh(["git", "switch", "-q", "main"], project, env)
    return sh(["git", "merge", "-q", "--no-ff", branch, "-m", f"Merge {branch}"], project, env)


def staged_project(workdir: str) -> tuple[Path, dict[str, str], Path]:
    """A generated project in `workdir` with v1.0.0 released (signed) and deployed to staging,
    the environment its commands run in and the governance owner's key."""
    o16n = str(BIN / "o16n")
    env = {**os.environ, "O16N_REMOTE_HOME": f"{workdir}/remotes", "DVC_NO_ANALYTICS": "1"}
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    sh(
        [
            o16n,
            "new",
            "--no-input",
            "-o",
            workdir,
            f"project_slug={MODEL}",
            "governance_owners=gov@example.com",
        ],
        Path(workdir),
        env,
    )
    project = Path(workdir) / MODEL
    env["PYTHONPATH"] = os.pathsep.join(
        [str(project / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    gov_key = trust_keys(project, Path(workdir) / "keys", env)
    sh(["git", "switch", "-qc", "card"], project, env)
    card = project / "model_card.yaml"
    card.write_text(
        card.read_text()
        .replace("use_cases: []", "use_cases: [Benchmark]")
        .replace("users: []", "users: [o16n developers]")
    )
    sh(["git", "commit", "-qam", "Card"], project, env)
    approved_merge(project, "card", gov_key, env)
    sh([o16n, "release"], project, env)
    sh([o16n, "deploy", "--env", "staging"], project, env)
    return project, env, gov_key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("-o", "--output", type=Path, default=Path("build/bench/serve.json"))
    args = parser.parse_args()
    o16n = str(BIN / "o16n")
    with tempfile.TemporaryDirectory() as workdir:
        project, env, gov_key = staged_project(workdir)
        first_start = sh(
            [o16n, "serve", "--env", "staging", "--port", "0", "--detach"], project, env
        )
        try:
            serving = status(project, env)
            router = str(serving["url"])
            direct = str(serving["serving"]["mlserver_url"])  # type: ignore[index]
            rows = pd.read_csv(project / "data/prepared/test.csv").drop(columns="target")
            body = v2.encode(rows.head(1))
            through: list[float] = []
            straight: list[float] = []
            for _ in range(10):  # alternating blocks, so both see the same machine
                through += latencies(router, body, args.requests // 10)
                straight += latencies(direct, body, args.requests // 10)

            sh(["git", "switch", "-qc", "retrain"], project, env)
            params = project / "params.yaml"
            params.write_text(params.read_text().replace("C: 1.0", "C: 0.5"))
            sh([str(BIN / "dvc"), "repro", "--quiet"], project, env)
            sh(["git", "commit", "-qam", "Retrain"], project, env)
            sh(["git", "switch", "-q", "main"], project, env)

            counts: Counter[str] = Counter()
            stop = threading.Event()
            load = [Load(router, body, counts, stop) for _ in range(args.threads)]
            for thread in load:
                thread.start()
            time.sleep(1.0)
            merged = time.perf_counter()
            merge = sh(
                [
                    "git",
                    "merge",
                    "-q",
                    "--no-ff",
                    "retrain",
                    "-m",
                    "Merge retrain",
                    "-m",
                    "Approved-by: Gov <gov@example.com>",
                ],
                project,
                env,
            )
            release = sh([o16n, "release"], project, env)
            deploy = sh([o16n, "deploy", "--env", "staging"], project, env)
            committed = time.perf_counter()
            answering = None
            probe = connect(router)
            while answering is None:
                probe.request("POST", f"/v2/models/{MODEL}/infer", body)
                response = probe.getresponse()
                response.read()
                if response.getheader("X-O16n-Version") == "v1.1.0":
                    answering = time.perf_counter()
                else:
                    time.sleep(0.02)
            time.sleep(1.0)
            stop.set()
            for thread in load:
                thread.join()
        finally:
            sh([o16n, "serve", "--env", "staging", "--stop"], project, env)
    failed = sum(n for key, n in counts.items() if not key.startswith("200 "))
    figures: dict[str, Any] = {
        "latency_ms": {
            "router_p50": 1000 * percentile(through, 50),
            "router_p99": 1000 * percentile(through, 99),
            "mlserver_direct_p50": 1000 * percentile(straight, 50),
            "mlserver_direct_p99": 1000 * percentile(straight, 99),
        },
        "merge_to_serving_s": {
            "git merge": merge,
            "o16n release": release,
            "o16n deploy --env staging": deploy,
            "desired state committed -> new version answering": answering - committed,
            "total": answering - merged,
        },
        "first start (serve --detach until v1.0.0 answers)_s": first_start,
        "switch_load": {"requests": sum(counts.values()), "failed": failed, **counts},
    }
    print(f"local target, MLServer 1.7.1, {os.cpu_count()} cores, {args.requests} requests")
    lat = figures["latency_ms"]
    print(
        f"  latency p50/p99: router {lat['router_p50']:.2f}/{lat['router_p99']:.2f} ms, "
        f"MLServer direct {lat['mlserver_direct_p50']:.2f}/{lat['mlserver_direct_p99']:.2f} ms "
        f"(router/direct p50 {lat['router_p50'] / lat['mlserver_direct_p50']:.2f}x)"
    )
    for name, seconds in figures["merge_to_serving_s"].items():
        print(f"  {name:<50} {seconds:6.2f} s")
    print(f"  first start: {first_start:.2f} s")
    print(f"  during the switch: {sum(counts.values())} requests, {failed} failed ({dict(counts)})")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
