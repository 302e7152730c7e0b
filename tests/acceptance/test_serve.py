"""The local target end to end: a real MLServer behind `o16n serve`, following the desired state
in git — a prediction before and after a switch, a load of requests during the switch with no
failed response, rollback, and the faults that must leave the last good version serving."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from o16n.adapters import signing
from o16n.adapters.manifest import Signed
from o16n.serving import desired, v2
from tests.acceptance.test_release import release_twice
from tests.conftest import BIN, ROOT, cookiecutter, copy_tree, free_port, run
from tests.release_repo import load_key
from tests.signing import make_key

pytestmark = pytest.mark.slow
MODEL = "credit-risk-model"


def o16n(project: Path, *args: str, check: bool = True) -> tuple[int, str]:
    done = run(BIN / "o16n", "--no-color", *args, cwd=project, check=check)
    return done.returncode, done.stdout + done.stderr


@pytest.fixture(scope="module")
def released_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with v1.0.0 deployed to staging and v1.1.0 released, its records and releases
    signed with the CI key beside it (`keys/o16n-ci`), which main trusts: made once, copied
    into each test (`released`), which may break it."""
    root = tmp_path_factory.mktemp("released")
    assert cookiecutter(ROOT, root, governance_owners="gov@example.com").returncode == 0
    project = root / MODEL
    with pytest.MonkeyPatch.context() as monkeypatch:
        release_twice(project, root / "keys", monkeypatch)
    return root


@pytest.fixture
def released(released_once: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's copy of `released_once`, with the CI key in O16N_SIGNING_KEY."""
    copy_tree(released_once, tmp_path)
    monkeypatch.setenv(signing.KEY_VARIABLE, str(tmp_path / "keys" / "o16n-ci"))
    return tmp_path / MODEL


@pytest.fixture
def served(released: Path) -> Iterator[tuple[Path, int]]:
    port = free_port()
    code, out = o16n(released, "serve", "--env", "staging", "--port", str(port), "--detach")
    assert f"staging: {MODEL} v1.0.0 at http://127.0.0.1:{port}/v2/models/{MODEL}" in out
    try:
        yield released, port
    finally:
        status = json.loads(o16n(released, "serve", "--env", "staging", "--status", check=False)[1])
        o16n(released, "serve", "--env", "staging", "--stop")
        if status.get("serving"):  # the MLServer it ran is gone with it
            with pytest.raises(ProcessLookupError):
                os.kill(status["serving"]["mlserver_pid"], 0)


def rows(project: Path, n: int = 3) -> pd.DataFrame:
    return pd.read_csv(project / "data" / "prepared" / "test.csv").drop(columns="target").head(n)


def infer(port: int, body: bytes) -> tuple[int, str | None, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", f"/v2/models/{MODEL}/infer", body)
        response = connection.getresponse()
        return response.status, response.getheader("X-O16n-Version"), response.read()
    finally:
        connection.close()


class Load:
    """Threads sending predictions over kept-alive connections; counts (status, version) and
    keeps when each answer came. A 503 is retried after a pause, as its Retry-After asks
    (shortened), so the load stays bounded while nothing serves."""

    def __init__(self, port: int, body: bytes, threads: int = 4) -> None:
        self.port, self.body = port, body
        self.counts: Counter[tuple[object, str | None]] = Counter()
        self.answers: list[tuple[float, object, bytes]] = []  # (monotonic, status, body)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._send) for _ in range(threads)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _send(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while not self._stop.is_set():
            answer = b""
            try:
                connection.request("POST", f"/v2/models/{MODEL}/infer", self.body)
                response = connection.getresponse()
                answer = response.read()
                key: tuple[object, str | None] = (
                    response.status,
                    response.getheader("X-O16n-Version"),
                )
            except (OSError, http.client.HTTPException) as exc:
                key = (type(exc).__name__, None)
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            with self._lock:
                self.counts[key] += 1
                self.answers.append((time.monotonic(), key[0], answer))
            if key[0] == 503:
                time.sleep(0.1)


def router_status(port: int) -> dict[str, object]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/o16n/status")
        return json.loads(connection.getresponse().read())  # type: ignore[no-any-return]
    finally:
        connection.close()


def commit_desired(project: Path, text: str, message: str) -> None:
    path = desired.desired_path(project, "staging")
    path.write_text(text)
    run("git", "commit", "--quiet", "-m", message, "--", str(path), cwd=project)


def test_a_switch_under_load_fails_no_request_and_rollback_switches_back(
    served: tuple[Path, int],
) -> None:
    project, port = served
    body = v2.encode(rows(project))
    status, version, answer = infer(port, body)
    assert (status, version) == (200, "v1.0.0")
    assert len(v2.outputs(answer, 3)["predict"]) == 3
    code, out = o16n(
        project,
        "predict",
        "--env",
        "staging",
        "--data",
        "data/prepared/test.csv",
        "--url",
        f"http://127.0.0.1:{port}",
    )
    assert f"{MODEL} v1.0.0 at http://127.0.0.1:{port} (staging)" in out

    with Load(port, v2.encode(rows(project, 1))) as load:
        time.sleep(1.0)
        o16n(project, "deploy", "--env", "staging")
        code, out = o16n(project, "serve", "--env", "staging", "--sync")
        assert f"staging: {MODEL} v1.1.0 at" in out
        time.sleep(1.0)
    answered = {version for (status, version) in load.counts if status == 200}
    failed = {key: n for key, n in load.counts.items() if key[0] != 200}
    assert failed == {}, failed
    assert answered == {"v1.0.0", "v1.1.0"}
    assert sum(load.counts.values()) > 20

    assert infer(port, body)[:2] == (200, "v1.1.0")
    o16n(project, "rollback", "--env", "staging")
    o16n(project, "serve", "--env", "staging", "--sync")
    assert infer(port, body)[:2] == (200, "v1.0.0")


def _fake_version(
    project: Path,
    payload: bytes,
    version: str,
    *,
    key: str | None = "o16n-ci",
    sha256: str | None = None,
) -> str:
    """A desired state for `version` whose model file is `payload`, put in the DVC cache, with
    a release manifest listing `sha256` (default: the payload's) signed with `keys/<key>`
    (the trusted one by default; None: unsigned)."""
    current = next(s for s in desired.history(project, "staging") if s.release is not None)
    assert current.release is not None
    md5 = hashlib.md5(payload).hexdigest()
    cached = project / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:]
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(payload)
    artifact = {**current.artifact, "models/model.joblib": md5}
    manifest = json.loads(current.release.data)
    manifest["version"] = version
    sha256 = sha256 or hashlib.sha256(payload).hexdigest()
    manifest["files"]["models/model.joblib"] = {"sha256": sha256, "dvc_md5": md5}
    data = (json.dumps(manifest, indent=2) + "\n").encode()
    release = None
    if key is not None:
        signer = load_key(make_key(project.parent / "keys", key))
        release = Signed(data, signer.sign(data, signing.RELEASE_NAMESPACE))
    state = desired.Desired(current.model, version, current.commit, artifact, release=release)
    return state.as_yaml()


def test_faults_leave_the_last_good_version_serving(served: tuple[Path, int]) -> None:
    project, port = served
    body = v2.encode(rows(project))
    good = desired.desired_path(project, "staging").read_text()

    def fails_and_keeps_serving(expected: str) -> None:
        code, out = o16n(project, "serve", "--env", "staging", "--sync", check=False)
        assert code == 1, out
        assert f"staging: {MODEL} v1.0.0 at" in out
        assert expected in out
        assert infer(port, body)[:2] == (200, "v1.0.0")

    # a model file that is not a model (signed, as a broken training run's would be): its
    # MLServer exits; retried after 1, 2, 4, 8 s, then failed
    commit_desired(project, _fake_version(project, os.urandom(4096), "v9.0.0"), "Bad model")
    fails_and_keeps_serving("v9.0.0: MLServer for v9.0.0 exited")
    status = json.loads(o16n(project, "serve", "--env", "staging", "--status")[1])
    assert (status["state"], status["error"]["version"]) == ("retrying", "v9.0.0")
    assert " of 5 in " in status["error"]["message"]
    deadline = time.monotonic() + 90
    while status["state"] != "failed":
        assert time.monotonic() < deadline, status
        assert infer(port, body)[:2] == (200, "v1.0.0")
        time.sleep(0.5)
        status = json.loads(o16n(project, "serve", "--env", "staging", "--status")[1])
    assert status["error"]["message"].endswith("(gave up after 5 attempts)")
    tries = [e for e in status["history"] if e["version"] == "v9.0.0"]
    assert [e["detail"].rsplit("(", 1)[1] for e in tries] == [
        "attempt 2 of 5 in 1 s)",
        "attempt 3 of 5 in 2 s)",
        "attempt 4 of 5 in 4 s)",
        "attempt 5 of 5 in 8 s)",
        "gave up after 5 attempts)",
    ]
    times = [dt.datetime.fromisoformat(e["time"]) for e in tries]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert all(gap >= wait for gap, wait in zip(gaps, (1, 2, 4, 8), strict=True)), gaps

    # unsigned, signed by a key main does not trust, bytes other than the signed ones
    weights = os.urandom(4096)
    commit_desired(project, _fake_version(project, weights, "v9.0.1", key=None), "Unsigned")
    fails_and_keeps_serving("v9.0.1: refused to load, its release does not verify: unsigned")
    text = _fake_version(project, weights, "v9.0.2", key="intruder")
    commit_desired(project, text, "Signed by someone")
    fails_and_keeps_serving("which main:policies/allowed_signers does not list for o16n-release")
    text = _fake_version(project, weights, "v9.0.3", sha256="0" * 64)
    commit_desired(project, text, "Other bytes than signed")
    fails_and_keeps_serving("v9.0.3: refused to load models/model.joblib: sha256 ")

    # an artifact in neither the cache nor a remote
    text = _fake_version(project, b"never pushed", "v9.1.0")
    shutil.rmtree(
        project / ".dvc" / "cache" / "files" / "md5" / hashlib.md5(b"never pushed").hexdigest()[:2]
    )
    commit_desired(project, text, "Missing artifact")
    fails_and_keeps_serving("is in neither the DVC cache nor the remote")

    # a corrupt desired-state file
    commit_desired(project, "model: [unclosed\n", "Corrupt desired state")
    fails_and_keeps_serving("main:deploy/staging/desired.yaml: not a desired-state file")

    # the previous good state back: the failure clears without a restart, v1.0.0 still serving
    commit_desired(project, good, "Restore")
    assert o16n(project, "serve", "--env", "staging", "--sync")[0] == 0
    status = json.loads(o16n(project, "serve", "--env", "staging", "--status")[1])
    assert (status["state"], status["error"]) == ("serving", None)
    assert [e["event"] for e in status["history"]] == ["serving"] + ["failed"] * 10
    assert infer(port, body)[:2] == (200, "v1.0.0")


def test_a_killed_deploy_leaves_the_committed_state_and_the_next_one_recovers(
    released: Path,
) -> None:
    project = released
    for delay in (0.5, 1.5, 3.0):
        process = subprocess.Popen([BIN / "o16n", "deploy", "--env", "staging"], cwd=project)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        committed = run("git", "show", "HEAD:deploy/staging/desired.yaml", cwd=project).stdout
        state = desired.read_desired(committed, "HEAD")  # whole, never half-written
        assert state.version in ("v1.0.0", "v1.1.0")
    code, out = o16n(project, "deploy", "--env", "staging")
    assert f"deploy {MODEL} v1.1.0 to staging: desired state committed" in out
    # what the killed runs wrote and did not commit is gone: no temp file, no stray record
    assert (
        run("git", "status", "--porcelain", "-uall", "deploy", "ledger", cwd=project).stdout == ""
    )
    assert "v1.1.0" in desired.current(project, "staging").version  # type: ignore[union-attr]
    assert o16n(project, "ledger", "verify")[0] == 0

    # two deploys at once: one waits for the other; both land, one after the other
    before = int(run("git", "rev-list", "--count", "HEAD", cwd=project).stdout)
    both = [
        subprocess.Popen(
            [BIN / "o16n", "deploy", "--env", env],
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for env in ("staging", "production")
    ]
    outputs = [process.communicate()[0] for process in both]
    assert [process.returncode for process in both] == [0, 0], outputs
    log = run("git", "log", "--format=%s", f"-{2}", cwd=project).stdout.splitlines()
    assert sorted(log) == [
        f"[skip ci] deploy {MODEL} v1.1.0 to production",
        f"[skip ci] deploy {MODEL} v1.1.0 to staging",
    ]
    assert int(run("git", "rev-list", "--count", "HEAD", cwd=project).stdout) == before + 2
    assert o16n(project, "ledger", "verify")[0] == 0


def test_a_killed_mlserver_is_reported_reaped_and_restarted_under_load(
    served: tuple[Path, int],
) -> None:
    project, port = served
    body = v2.encode(rows(project, 1))
    before = json.loads(o16n(project, "serve", "--env", "staging", "--status")[1])
    pid = before["serving"]["mlserver_pid"]
    with Load(port, body) as load:
        time.sleep(1.0)
        killed = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        outage = router_status(port)
        while outage["state"] == "serving" and time.monotonic() - killed < 5:
            time.sleep(0.05)
            outage = router_status(port)
        code, out = o16n(project, "serve", "--env", "staging", "--sync", check=False)
        while not [t for t, status, _ in load.answers if t > killed + 0.2 and status == 200]:
            assert time.monotonic() - killed < 30, router_status(port)
            time.sleep(0.1)
        time.sleep(1.0)
    back = min(t for t, status, _ in load.answers if t > killed + 0.2 and status == 200)
    assert back - killed < 30
    assert outage["state"] == "restarting", outage
    error = outage["error"]
    assert isinstance(error, dict)
    assert error["version"] == "v1.0.0"
    assert f"MLServer for v1.0.0 (pid {pid}) killed by SIGKILL at " in error["message"]
    assert code == 1, out  # --sync: not serving the desired version
    assert "nothing is serving" in out and "killed by SIGKILL" in out, out
    with pytest.raises(ProcessLookupError):  # reaped, not a zombie
        os.kill(pid, 0)
    failed = [(status, answer) for t, status, answer in load.answers if status != 200]
    assert {status for status, _ in failed} <= {503}, Counter(s for s, _ in failed)
    assert all(json.loads(answer)["error"] for _, answer in failed)
    after = router_status(port)
    assert (after["state"], after["error"]) == ("serving", None)
    assert after["serving"]["mlserver_pid"] != pid  # type: ignore[index]
    events = [(e["event"], e["detail"]) for e in after["history"]]  # type: ignore[attr-defined]
    assert events[-2][0] == "died" and events[-1][0] == "serving", events
    assert events[-1][1].startswith("restarted (attempt 1 of 5) in ")
    assert o16n(project, "serve", "--env", "staging", "--sync")[0] == 0
    print(
        f"killed -> answering: {back - killed:.2f} s; failed meanwhile: {len(failed)} "
        f"of {len(load.answers)}"
    )


def test_malformed_requests_get_a_4xx_json_and_stalled_clients_block_no_one(
    served: tuple[Path, int],
) -> None:
    project, port = served
    stalled = []
    for partial in (b"POST /v2/models/m/infer HTTP/1.1\r\nContent-Le", b"POST / HTTP/1.1\r\n"):
        client = socket.create_connection(("127.0.0.1", port), timeout=30)
        client.sendall(partial)
        stalled.append(client)
    started = time.monotonic()
    for _ in range(10):
        assert infer(port, v2.encode(rows(project, 1)))[:2] == (200, "v1.0.0")
    assert time.monotonic() - started < 5.0
    for client in stalled:  # dropped after the router's read timeout (10 s)
        assert client.recv(65536) == b""
        client.close()
    assert time.monotonic() - started < 15.0

    good = v2.request(rows(project, 2))
    first = good["inputs"][0]
    numeric = next(i for i in good["inputs"] if i["datatype"] in ("FP64", "INT64"))
    cases = {
        b"{not json": "the body is not JSON",
        json.dumps(
            {**good, "inputs": [{**first, "shape": [3, 1]}, *good["inputs"][1:]]}
        ).encode(): (f"input {first['name']!r}: shape [3, 1] needs 3 values, data has 2"),
        json.dumps(
            {
                **good,
                "inputs": [
                    {**i, "data": ["abc", "def"]} if i is numeric else i for i in good["inputs"]
                ],
            }
        ).encode(): f"input {numeric['name']!r}: 'abc' is not a {numeric['datatype']} value",
        json.dumps({**good, "inputs": good["inputs"][1:]}).encode(): (
            f"the model needs the inputs {first['name']}; the request lacks them"
        ),
    }
    for request, expected in cases.items():
        status, version, answer = infer(port, request)
        assert (status, version) == (400, "v1.0.0"), answer
        assert expected in json.loads(answer)["error"], answer
    assert infer(port, json.dumps(good).encode())[0] == 200
