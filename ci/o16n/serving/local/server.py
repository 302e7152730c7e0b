"""The local target: MLServer reconciled to the desired state in git, switched without a failed
request.

`o16n serve --env ENV` listens on one address (o16n.yaml `serving.ports`) and forwards the V2
protocol to an MLServer process that runs the version `deploy/ENV/desired.yaml` names on the
deploy branch. It polls that file's blob in git. When it changes, the new version's model is
fetched by its DVC md5 (cache, else remote), a second MLServer starts on a private port, and
the new version must report ready and answer a smoke request built from its reference profile.
Only then does the router send new requests to it; requests in flight on the old one finish
there, and the old process stops once it has none. If anything on the way fails, the old
version keeps serving and the failure is logged and written to the status file. That is a
blue-green switch, the same idea as KServe's rollout, done with two processes and a pointer.

Files (gitignored) live in `.o16n/serve/ENV/`: `status.json` (what serves, what failed),
`serve.pid`, `serve.log` (when detached) and one folder per version with its MLServer settings,
model and log.
"""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from o16n.adapters import git
from o16n.adapters.dvc import artifacts
from o16n.adapters.files import write_text_atomic
from o16n.config.project import ProjectConfig
from o16n.errors import ConfigError, O16nError, ToolError
from o16n.health.stats import codec
from o16n.lifecycle import deploy
from o16n.serving import v2

STATE_DIR = Path(".o16n") / "serve"
READY_TIMEOUT = 120.0  # seconds for a new MLServer to load its model
DRAIN_TIMEOUT = 30.0  # seconds the old version gets to finish what it is answering
POLL = 0.5  # seconds between looks at the desired state in git
MLSERVER_MAIN = "import sys; from mlserver.cli.main import main; sys.exit(main())"
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
}


class ServeError(O16nError):
    """A version could not be brought up; the one serving (if any) keeps serving."""


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def state_dir(project: Path, env: str) -> Path:
    return project / STATE_DIR / env


def free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGTERM it when o16n serve goes away."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


# -- one MLServer process for one version -----------------------------------------------------


@dataclass(eq=False)
class Backend:
    desired: deploy.Desired
    folder: Path
    host: str
    port: int
    process: subprocess.Popen[bytes]
    inflight: int = 0  # guarded by the router's lock

    @property
    def version(self) -> str:
        return self.desired.version

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

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        (self.folder / "model.joblib").unlink(missing_ok=True)


def version_folder(project: Path, env: str, desired: deploy.Desired, model_md5: str) -> Path:
    return state_dir(project, env) / f"{desired.version}-{model_md5[:8]}"


def start_backend(
    project: Path, config: ProjectConfig, env: str, desired: deploy.Desired, host: str
) -> Backend:
    """Fetch the version's model and start an MLServer for it (not yet known to answer)."""
    try:
        import mlserver  # noqa: F401
        import mlserver_sklearn  # noqa: F401
    except ImportError:
        raise ToolError(
            "`o16n serve` needs MLServer and its scikit-learn runtime",
            hint="install the extra: pip install 'o16n[serve]'",
        ) from None
    serving = config.serving
    md5 = deploy.artifact_md5(desired, env, serving.model_file, "serving.model_file")
    folder = version_folder(project, env, desired, md5)
    artifacts.fetch(project, serving.model_file, md5, desired.commit, folder / "model.joblib")
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


def smoke_test(backend: Backend, example: Any) -> None:
    """One prediction for a typical row; the answer must have one value per output."""
    path = f"/v2/models/{backend.desired.model}/infer"
    try:
        status, body = backend.request("POST", path, v2.encode(example), timeout=30.0)
    except (OSError, http.client.HTTPException) as exc:
        raise ServeError(f"{backend.version} did not answer the smoke request: {exc}") from None
    if status != 200:
        raise ServeError(
            f"{backend.version} answered the smoke request with HTTP {status}: "
            f"{body[:500].decode('utf-8', 'replace')}",
            hint=f"its log: {backend.log}",
        )
    try:
        v2.outputs(body, len(example))
    except ConfigError as exc:
        raise ServeError(f"{backend.version}'s smoke answer is wrong: {exc.message}") from None


# -- the router: one public address, the active backend behind it ------------------------------


class Router(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], status: Callable[[], dict[str, Any]]) -> None:
        super().__init__(address, _Handler)
        self.status = status
        self.active: Backend | None = None
        self.unavailable = "starting"
        self._lock = threading.Condition()
        self._local = threading.local()

    def acquire(self) -> Backend | None:
        with self._lock:
            backend = self.active
            if backend is not None:
                backend.inflight += 1
            return backend

    def release(self, backend: Backend) -> None:
        with self._lock:
            backend.inflight -= 1
            self._lock.notify_all()

    def switch(self, backend: Backend | None) -> Backend | None:
        with self._lock:
            old, self.active = self.active, backend
            return old

    def drain(self, backend: Backend, timeout: float = DRAIN_TIMEOUT) -> bool:
        """Wait until `backend` answers nothing; False when it still does after `timeout`."""
        with self._lock:
            return self._lock.wait_for(lambda: backend.inflight == 0, timeout)

    def connection(self, backend: Backend, fresh: bool = False) -> http.client.HTTPConnection:
        """This thread's kept-alive connection to `backend`."""
        pool: dict[int, http.client.HTTPConnection] = self._local.__dict__.setdefault("pool", {})
        connection = pool.get(backend.port)
        if connection is None or fresh:
            if connection is not None:
                connection.close()
            connection = http.client.HTTPConnection(backend.host, backend.port, timeout=60)
            pool[backend.port] = connection
        return connection


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes; with Nagle's algorithm on, the body then waits for
    # the client's delayed ACK (~40 ms on Linux) on every kept-alive request.
    disable_nagle_algorithm = True
    server: Router

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path.rstrip("/") == "/o16n/status":
            self._reply(200, json.dumps(self.server.status(), indent=2).encode(), {})
        else:
            self._forward()

    def do_POST(self) -> None:  # noqa: N802
        self._forward()

    def do_HEAD(self) -> None:  # noqa: N802
        self._forward()

    def _forward(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            message = {"error": "send the request body with a Content-Length, not chunked"}
            self.close_connection = True
            self._reply(411, json.dumps(message).encode(), {})
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        backend = self.server.acquire()
        if backend is None:
            message = {"error": f"no model version is serving: {self.server.unavailable}"}
            self._reply(503, json.dumps(message).encode(), {})
            return
        try:
            status, headers, answer = self._exchange(backend, body)
        except (OSError, http.client.HTTPException) as exc:
            message = {"error": f"{backend.version} did not answer: {exc}"}
            self._reply(502, json.dumps(message).encode(), {})
            return
        finally:
            self.server.release(backend)
        headers["X-O16n-Version"] = backend.version
        self._reply(status, answer, headers)

    def _exchange(self, backend: Backend, body: bytes | None) -> tuple[int, dict[str, str], bytes]:
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        for attempt in (0, 1):  # a kept-alive connection the backend closed: once more, fresh
            connection = self.server.connection(backend, fresh=attempt == 1)
            try:
                connection.request(self.command, self.path, body=body, headers=headers)
                response = connection.getresponse()
                answer = response.read()
            except (ConnectionError, http.client.RemoteDisconnected, http.client.CannotSendRequest):
                connection.close()
                if attempt:
                    raise
                continue
            kept = {k: v for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP}
            return response.status, kept, answer
        raise AssertionError("unreachable")

    def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        headers.setdefault("Content-Type", "application/json")
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # one line per request would drown what matters: switches and failures


# -- the reconciler ---------------------------------------------------------------------------


@dataclass
class Server:
    project: Path
    config: ProjectConfig
    env: str
    ref: str
    host: str
    port: int
    say: Callable[[str], None] = print
    router: Router | None = None
    desired_blob: str | None = None  # the blob of desired.yaml last acted on
    state: str = "starting"  # starting | idle | switching | serving | failed
    error: dict[str, str] | None = None
    history: list[dict[str, str]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def folder(self) -> Path:
        return state_dir(self.project, self.env)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def status(self) -> dict[str, Any]:
        active = self.router.active if self.router else None
        return {
            "env": self.env,
            "model": self.config.model,
            "url": self.url,
            "pid": os.getpid(),
            "ref": self.ref,
            "state": self.state,
            "desired_blob": self.desired_blob,
            "serving": None
            if active is None
            else {
                "version": active.version,
                "commit": active.desired.commit,
                "mlserver_pid": active.process.pid,
                "mlserver_url": f"http://{active.host}:{active.port}",
            },
            "error": self.error,
            "history": self.history[-20:],
        }

    def _publish(self) -> None:
        write_text_atomic(self.folder / "status.json", json.dumps(self.status(), indent=2) + "\n")

    def _event(self, what: str, version: str, detail: str = "") -> None:
        self.history.append({"time": now(), "event": what, "version": version, "detail": detail})

    def desired_spec(self) -> str:
        return f"{self.ref}:{deploy.desired_rel(self.env)}"

    def reconcile(self) -> None:
        """One look at git; a switch when the desired version is not the one serving."""
        assert self.router is not None
        blob = desired_blob(self.project, self.ref, self.env)
        if blob is None:
            if self.state == "starting":
                self.state = "idle"
                self.router.unavailable = (
                    f"nothing is deployed to {self.env} on {self.ref} yet (`o16n deploy`)"
                )
                self.say(f"nothing is deployed to {self.env} on {self.ref} yet; waiting")
                self._publish()
            return
        if blob == self.desired_blob:
            return  # acted on already (served, or failed and not retried until it changes)
        text = git.run("cat-file", "blob", blob, project=self.project).output
        try:
            desired = deploy.read_desired(text, self.desired_spec())
        except ConfigError as exc:  # a corrupt desired state: keep what serves
            self._failed(blob, "the desired state", exc)
            return
        active = self.router.active
        if active is not None and (active.desired.version, active.desired.artifact) == (
            desired.version,
            desired.artifact,
        ):
            self.desired_blob, self.state, self.error = blob, "serving", None
            self._publish()
            return
        self.switch(blob, desired)

    def switch(self, blob: str, desired: deploy.Desired) -> None:
        assert self.router is not None
        old = self.router.active
        self.state = "switching"
        self._publish()
        started = time.monotonic()
        self.say(f"{desired.version}: loading ({desired.commit[:12]})")
        backend = None
        try:
            backend = start_backend(self.project, self.config, self.env, desired, self.host)
            wait_ready(backend)
            smoke_test(backend, self._example(desired))
        except Exception as exc:  # whatever it is, the version serving now keeps serving
            if backend is not None:
                backend.stop()
            if not isinstance(exc, O16nError):
                exc = ServeError(f"{type(exc).__name__}: {exc}")
            self._failed(blob, desired.version, exc)
            return
        self.router.switch(backend)
        took = time.monotonic() - started
        self.desired_blob, self.state, self.error = blob, "serving", None
        self._event("serving", desired.version, f"switched in {took:.1f} s")
        self.say(
            f"{desired.version}: serving on {self.url}/v2/models/{desired.model} "
            f"(loaded, smoke-tested and switched in {took:.1f} s)"
        )
        self._publish()
        if old is not None:
            if not self.router.drain(old):
                self.say(f"{old.version}: still answering after {DRAIN_TIMEOUT:.0f} s; stopping it")
            old.stop()
            self._event("stopped", old.version)
            self._publish()

    def _example(self, desired: deploy.Desired) -> Any:
        """A typical input row from the version's own reference profile."""
        serving = self.config.serving
        md5 = deploy.artifact_md5(desired, self.env, serving.profile, "serving.profile")
        model_md5 = deploy.artifact_md5(desired, self.env, serving.model_file, "serving.model_file")
        path = version_folder(self.project, self.env, desired, model_md5) / "profile.json"
        artifacts.fetch(self.project, serving.profile, md5, desired.commit, path)
        return v2.typical_row(codec.from_json(path.read_text()), self.config.serving.label)

    def _failed(self, blob: str, version: str, exc: O16nError) -> None:
        self.desired_blob = blob  # not retried until the desired state changes again
        self.state = "failed"
        self.error = {"time": now(), "version": version, "message": str(exc)}
        self._event("failed", version, exc.message.splitlines()[0])
        active = self.router.active if self.router else None
        keeps = f"{active.version} keeps serving" if active else "nothing is serving"
        if self.router is not None and active is None:
            self.router.unavailable = f"{version} failed: {exc.message.splitlines()[0]}"
        self.say(f"{version}: FAILED, {keeps}.\n{exc}")
        self._publish()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        """Serve until stopped (SIGTERM, SIGINT or stop())."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with _pid_file(self.folder / "serve.pid"):
            try:
                self.router = Router((self.host, self.port), self.status)
            except OSError as exc:
                raise ServeError(
                    f"cannot listen on {self.url}: {exc.strerror}",
                    hint="choose another port (--port, or o16n.yaml `serving.ports`)",
                ) from None
            self.port = int(self.router.server_address[1])  # the one chosen, for --port 0
            thread = threading.Thread(target=self.router.serve_forever, daemon=True)
            thread.start()
            self.say(f"o16n serve: {self.env} on {self.url}, following {self.desired_spec()}")
            try:
                while not self._stop.is_set():
                    self.reconcile()
                    self._stop.wait(POLL)
            finally:
                self.router.shutdown()
                self.router.server_close()
                last = self.router.switch(None)
                if last is not None:
                    last.stop()
                self.state = "stopped"
                self._publish()
                self.say("o16n serve: stopped")


def desired_blob(project: Path, ref: str, env: str) -> str | None:
    """The blob of the environment's desired state on `ref`; None while nothing is deployed."""
    found = git.run(
        "rev-parse", "--verify", "--quiet", f"{ref}:{deploy.desired_rel(env)}", project=project
    )
    return found.output.strip() if found.ok else None


@contextlib.contextmanager
def _pid_file(path: Path) -> Iterator[None]:
    running = running_pid(path.parent)
    if running is not None:
        raise ServeError(
            f"o16n serve already runs for this environment (pid {running})",
            hint="stop it first: o16n serve --env ENV --stop",
        )
    write_text_atomic(path, f"{os.getpid()}\n")
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def running_pid(folder: Path) -> int | None:
    """The pid of the `o16n serve` that owns `folder`, if it is alive."""
    try:
        pid = int((folder / "serve.pid").read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def running_status(folder: Path) -> dict[str, Any] | None:
    """The status of the `o16n serve` that owns `folder`, if one runs."""
    return read_status(folder) if running_pid(folder) is not None else None


def read_status(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / "status.json").read_text())  # type: ignore[no-any-return]
    except (OSError, ValueError):
        return None
