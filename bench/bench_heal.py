"""Benchmark the local target healing (figures, not pass/fail): a dead or hung MLServer.

On a generated classification project with v1.0.0 deployed to staging and served by
`o16n serve` (MLServer 1.7.1 behind o16n's router), --threads threads send single predictions
over kept-alive connections all along (a thread pauses 0.1 s after an answer that is not 200,
as a client honouring Retry-After would, shortened). Then, --rounds times each:
- kill: SIGKILL to the MLServer process;
- hang: SIGSTOP to it (found by the readiness probe, killed and restarted);
and per round: seconds from the signal to the status saying so (`/o16n/status` state not
"serving"), seconds to the first good answer after it, and the requests that failed meanwhile,
by status (target: all of them 503 with V2 error JSON, none hanging).

    python bench/bench_heal.py [--threads 4] [--rounds 3] [-o build/bench/heal.json]

Run it with PYTHONPATH=ci to measure the checked-out code rather than the installed one.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
from bench_serve import BIN, connect, post_prediction, sh, staged_project, status

from o16n.serving import v2


class Load(threading.Thread):
    """Predictions until stopped; each answer's time and status in `answers`."""

    def __init__(self, url: str, body: bytes, answers: list[tuple[float, str]]) -> None:
        super().__init__()
        self.url, self.body, self.answers = url, body, answers
        self.stop = threading.Event()

    def run(self) -> None:
        connection = connect(self.url)
        while not self.stop.is_set():
            answer, connection = post_prediction(connection, self.url, self.body)
            key = answer if isinstance(answer, str) else str(answer.status)
            self.answers.append((time.monotonic(), key))  # list.append is atomic
            if key != "200":
                time.sleep(0.1)


def router_status(url: str) -> dict[str, Any]:
    connection = connect(url)
    try:
        connection.request("GET", "/o16n/status")
        return json.loads(connection.getresponse().read())  # type: ignore[no-any-return]
    finally:
        connection.close()


def one_round(url: str, how: signal.Signals, answers: list[tuple[float, str]]) -> dict[str, Any]:
    """Signal the serving MLServer; time the status noticing and the answers coming back."""
    pid = router_status(url)["serving"]["mlserver_pid"]
    time.sleep(1.0)  # steady load first
    sent = time.monotonic()
    os.kill(pid, how)
    noticed = None
    while True:
        now = time.monotonic()
        if noticed is None and router_status(url)["state"] != "serving":
            noticed = now - sent
        # an answer already under way when the signal went is not a sign of recovery
        good = [t for t, key in answers if noticed and t > sent + noticed and key == "200"]
        if noticed is not None and good and router_status(url)["state"] == "serving":
            back = min(good) - sent
            break
        if now - sent > 120:
            raise SystemExit(f"not answering 120 s after {how.name}: {router_status(url)}")
        time.sleep(0.05)
    if how == signal.SIGSTOP:  # killed by o16n serve already, normally
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)
    failed = Counter(key for t, key in answers if sent < t <= sent + back and key != "200")
    return {
        "signal": how.name,
        "status_noticed_s": noticed,
        "first_good_answer_s": back,
        "failed": sum(failed.values()),
        "failed_by_status": dict(failed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("-o", "--output", type=Path, default=Path("build/bench/heal.json"))
    args = parser.parse_args()
    o16n = str(BIN / "o16n")
    rounds: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as workdir:
        project, env, _ = staged_project(workdir)
        sh([o16n, "serve", "--env", "staging", "--port", "0", "--detach"], project, env)
        try:
            url = str(status(project, env)["url"])
            rows = pd.read_csv(project / "data/prepared/test.csv").drop(columns="target")
            body = v2.encode(rows.head(1))
            answers: list[tuple[float, str]] = []
            load = [Load(url, body, answers) for _ in range(args.threads)]
            for thread in load:
                thread.start()
            try:
                for how in (signal.SIGKILL, signal.SIGSTOP):
                    for _ in range(args.rounds):
                        rounds.append(one_round(url, how, answers))
                        print(f"  {rounds[-1]}")
            finally:
                for thread in load:
                    thread.stop.set()
                for thread in load:
                    thread.join()
        finally:
            sh([o16n, "serve", "--env", "staging", "--stop"], project, env)
    figures: dict[str, Any] = {"threads": args.threads, "rounds": rounds, "summary": {}}
    print(f"local target healing, MLServer 1.7.1, {os.cpu_count()} cores, {args.threads} threads")
    for name in ("SIGKILL", "SIGSTOP"):
        mine = [r for r in rounds if r["signal"] == name]
        summary = {
            key: statistics.median(r[key] for r in mine)
            for key in ("status_noticed_s", "first_good_answer_s", "failed")
        }
        summary["max_first_good_answer_s"] = max(r["first_good_answer_s"] for r in mine)
        figures["summary"][name] = summary
        print(
            f"  {name}: status noticed {summary['status_noticed_s']:.2f} s, first good answer "
            f"{summary['first_good_answer_s']:.2f} s (max {summary['max_first_good_answer_s']:.2f}"
            f" s), {summary['failed']:.0f} failed requests meanwhile (medians of {len(mine)})"
        )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
