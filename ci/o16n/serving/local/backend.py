"""One MLServer process serving one version: its folder, its start, and the two checks it must
pass (ready, a smoke prediction) before the router may send it requests.

Each version gets a folder in `.o16n/serve/ENV/` with its MLServer settings, model and log. The
model is fetched by the DVC md5 the desired state names and then checked against the sha256 the
version's signed release manifest lists; bytes that are not the signed ones are never loaded.
The process runs in its own session (a Ctrl-C reaches `o16n serve`, which stops it after the
requests it answers) and is asked by Linux to terminate when `o16n serve` goes away, so a
killed server leaves no MLServer behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import json
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from o16n.adapters.dvc import artifacts
from o16n.adapters.files import write_text_atomic
from o16n.adapters.manifest import Manifest, check_file
from o16n.config.project import ProjectConfig
from o16n.errors import ConfigError, ServeError, ToolError
from o16n.serving import client, v2
from o16n.serving.desired import Desired, artifact_md5

STATE_DIR = Path(".o16n") / "serve"
READY_TIMEOUT = 120.0  # seconds for a new MLServer to load its model
MLSERVER_MAIN = "import sys; from mlserver.cli.main import main; sys.exit(main())"


def state_dir(project: Path, env: str) -> Path:
    """`.o16n/serve/ENV/`: status, pid file, log, and one folder per version."""
    return project / STATE_DIR / env


def free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGTERM it when o16n serve goes away."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass(eq=False)
class Backend:
    desired: Desired
    folder: Path
    host: str
    port: int
    process: subprocess.Popen[bytes]
    inflight: int = 0  # guarded by the router's lock
    inputs: dict[str, str] | None = None  # input name -> V2 datatype, once smoke-tested

    def exited(self) -> str | None:
        """How the process ended ("exited with 1", "killed by SIGKILL"), None while it runs.
        poll() reaps it: a dead MLServer does not stay a zombie."""
        code = self.process.poll()
        if code is None:
            return None
        if code < 0:
            with contextlib.suppress(ValueError):
                return f"killed by {signal.Signals(-code).name}"
        return f"exited with {code}"

    def ready(self, timeout: float = 2.0) -> str | None:
        """None when MLServer says it is ready (/v2/health/ready), else what it said."""
        try:
            status = self.request("GET", "/v2/health/ready", timeout=timeout)[0]
        except (OSError, http.client.HTTPException) as exc:
            return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return None if status == 200 else f"HTTP {status}"

    @property
    def version(self) -> str:
        return self.desired.version

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def log(self) -> Path:
        return self.folder / "mlserver.log"

    def request(
        self, method: str, path: str, body: bytes | None = None, timeout: float = 10.0
    ) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            headers = {"Content-Type": "application/json"} if body is not None else {}
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])

    def stop(self, timeout: float = 10.0, kill: bool = False) -> None:
        """SIGTERM (SIGKILL for one that hangs: `kill`), wait, and remove its model copy."""
        if self.process.poll() is None:
            self.process.kill() if kill else self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        (self.folder / "model.joblib").unlink(missing_ok=True)


def version_folder(project: Path, env: str, desired: Desired, model_md5: str) -> Path:
    return state_dir(project, env) / f"{desired.version}-{model_md5[:8]}"


def fetch_signed(
    project: Path, rel: str, md5: str, desired: Desired, manifest: Manifest, destination: Path
) -> Path:
    """`rel` of the desired version, by its DVC md5, checked against the sha256 of the signed
    `manifest`; a file that does not match is removed and is a ServeError."""
    artifacts.fetch(project, rel, md5, desired.commit, destination)
    entry = manifest.files.get(rel)
    problem = (
        f"{rel}: not in the signed manifest"
        if entry is None
        else check_file(destination, rel, entry)
    )
    if problem is not None:
        destination.unlink(missing_ok=True)
        raise ServeError(
            f"{desired.version}: refused to load {problem}",
            hint="the DVC cache or remote holds other bytes than were released and signed: "
            "re-push the artifact from where it was trained (`dvc push`), or deploy another "
            "version",
        )
    return destination


def start_backend(
    project: Path,
    config: ProjectConfig,
    env: str,
    desired: Desired,
    host: str,
    manifest: Manifest,
) -> Backend:
    """Fetch the version's model (checked against its signed `manifest`) and start an MLServer
    for it (not yet known to answer)."""
    try:
        import mlserver  # noqa: F401
        import mlserver_sklearn  # noqa: F401
    except ImportError:
        raise ToolError(
            "`o16n serve` needs MLServer and its scikit-learn runtime",
            hint="install the extra: pip install 'o16n[serve]'",
        ) from None
    serving = config.serving
    md5 = artifact_md5(desired, env, serving.model_file, "serving.model_file")
    folder = version_folder(project, env, desired, md5)
    fetch_signed(project, serving.model_file, md5, desired, manifest, folder / "model.joblib")
    port = free_port(host)
    settings = {
        "debug": False,
        "host": host,
        "http_port": port,
        "grpc_port": free_port(host),
        "metrics_endpoint": None,
        "parallel_workers": 0,  # MLServer 1.7.1's worker pool fails here ("no current event loop")
    }
    model_settings = {
        "name": desired.model,
        "implementation": "mlserver_sklearn.SKLearnModel",
        "parameters": {"uri": "./model.joblib", "version": desired.version},
    }
    write_text_atomic(folder / "settings.json", json.dumps(settings, indent=2) + "\n")
    write_text_atomic(folder / "model-settings.json", json.dumps(model_settings, indent=2) + "\n")
    with (folder / "mlserver.log").open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", MLSERVER_MAIN, "start", str(folder)],
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
    return Backend(desired, folder, host, port, process)


def wait_ready(backend: Backend, timeout: float = READY_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    path = f"/v2/models/{backend.desired.model}/ready"
    while time.monotonic() < deadline:
        if backend.process.poll() is not None:
            raise ServeError(
                f"MLServer for {backend.version} exited ({backend.process.returncode}) before "
                f"its model was ready:\n{backend.log_tail()}",
                hint=f"its log: {backend.log}",
            )
        with contextlib.suppress(OSError, http.client.HTTPException):
            if backend.request("GET", path, timeout=2.0)[0] == 200:
                return
        time.sleep(0.1)
    raise ServeError(
        f"{backend.version} was not ready after {timeout:.0f} s:\n{backend.log_tail()}",
        hint=f"its log: {backend.log}",
    )


def smoke_test(backend: Backend, example: pd.DataFrame) -> None:
    """One prediction for a typical row; the answer must have one value per output. The row's
    inputs are then the ones the router asks of requests to this backend."""
    try:
        answer = client.infer(backend.url, backend.desired.model, example, timeout=30.0)
    except (OSError, http.client.HTTPException) as exc:
        raise ServeError(f"{backend.version} did not answer the smoke request: {exc}") from None
    if answer.status != 200:
        raise ServeError(
            f"{backend.version} answered the smoke request with HTTP {answer.status}: "
            f"{answer.body[:500].decode('utf-8', 'replace')}",
            hint=f"its log: {backend.log}",
        )
    try:
        v2.outputs(answer.body, len(example))
    except ConfigError as exc:
        raise ServeError(f"{backend.version}'s smoke answer is wrong: {exc.message}") from None
    backend.inputs = {str(name): v2.datatype(example[name]) for name in example.columns}
