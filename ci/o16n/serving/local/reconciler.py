"""The local target's loop: MLServer reconciled to the desired state in git, switched without a
failed request.

`o16n serve --env ENV` listens on one address (o16n.yaml `serving.ports`) and forwards the V2
protocol to an MLServer process that runs the version `deploy/ENV/desired.yaml` names on the
deploy branch. It polls that file's blob in git. When it changes, the new version's release must
verify first: the signed manifest the desired state carries, signed by a key that
policies/allowed_signers on the protected branch (o16n.yaml github.branch) lists for releases,
of this very version and its files. Then its model is fetched by its DVC md5 (cache, else
remote) and checked against the manifest's sha256, a second MLServer starts on a private port,
and the new version must report ready and answer a smoke request built from its reference
profile (fetched and checked the same way).
Only then does the router send new requests to it; requests in flight on the old one finish
there, and the old process stops once it has none. If anything on the way fails, the old
version keeps serving and the failure is logged and written to the status file. That is a
blue-green switch, the same idea as KServe's rollout, done with two processes and a pointer.

What serves, what failed and the last events are in `.o16n/serve/ENV/status.json`, rewritten
on every change (and answered at `GET /o16n/status`).

It also heals. Every loop it reaps the serving MLServer if it exited (poll) and asks it every
PROBE_EVERY seconds whether it is ready (/v2/health/ready); after PROBE_FAILS failed probes in
a row it is killed. A dead backend is taken out of the router at once (requests get 503 with
Retry-After, not a hang), the state says "restarting" with what happened and when, and the
version is started again, with up to `retries` attempts `backoff`, 2x`backoff`, 4x... seconds
apart; after the last one the state is "failed". A new version whose MLServer did not come up
(exited, not ready, a wrong smoke answer) is retried the same way. A release that does not
verify, bytes that are not the signed ones or a corrupt desired state fail at once: retrying
cannot change them.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from o16n.adapters import git
from o16n.adapters.clock import timestamp
from o16n.adapters.files import write_text_atomic
from o16n.adapters.manifest import BRANCH_SETTING, Manifest, trust_at
from o16n.config.project import ProjectConfig
from o16n.errors import ConfigError, O16nError, ServeError
from o16n.health.stats import codec
from o16n.serving import v2
from o16n.serving.desired import (
    Desired,
    artifact_md5,
    desired_blob,
    desired_rel,
    read_desired,
    verify_release,
)
from o16n.serving.local.backend import (
    Backend,
    fetch_signed,
    smoke_test,
    start_backend,
    state_dir,
    version_folder,
    wait_ready,
)
from o16n.serving.local.router import DRAIN_TIMEOUT, Router

POLL = 0.5  # seconds between looks at the desired state in git
STATUS = "status.json"
RETRIES = 5  # attempts to bring a version up (the first included) before it is "failed"
BACKOFF = 1.0  # seconds before the second attempt, doubled before each one after
PROBE_EVERY = 2.0  # seconds between readiness probes of the serving MLServer
PROBE_FAILS = 3  # failed probes in a row that make it unhealthy: killed and restarted
PROBE_TIMEOUT = 3.0  # seconds a probe waits for MLServer


@dataclass(frozen=True)
class Retry:
    """The next attempt to bring `desired` up, due at `due` (time.monotonic())."""

    blob: str
    desired: Desired
    attempt: int
    due: float
    restart: bool  # it served and died (or hung), rather than never came up


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
    # starting | idle | switching | serving | degraded | restarting | retrying | failed
    state: str = "starting"
    error: dict[str, str] | None = None
    history: list[dict[str, str]] = field(default_factory=list)
    retries: int = RETRIES
    backoff: float = BACKOFF
    pending: Retry | None = None
    # the desired version's failure, kept while the one that served before it is restarted
    _behind: dict[str, str] | None = None
    _probe_at: float = 0.0
    _probe_fails: int = 0
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
                "mlserver_url": active.url,
            },
            "error": self.error,
            "retry": None
            if self.pending is None
            else {
                "version": self.pending.desired.version,
                "attempt": self.pending.attempt,
                "of": self.retries,
                "in_s": round(max(0.0, self.pending.due - time.monotonic()), 1),
            },
            "history": self.history[-20:],
        }

    def _publish(self) -> None:
        write_text_atomic(self.folder / STATUS, json.dumps(self.status(), indent=2) + "\n")

    def _event(self, what: str, version: str, detail: str = "") -> None:
        self.history.append(
            {"time": timestamp(), "event": what, "version": version, "detail": detail}
        )

    def desired_spec(self) -> str:
        return f"{self.ref}:{desired_rel(self.env)}"

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
            return  # acted on already (served, failed, or retried by `retry_due`)
        self.pending, self._behind = None, None  # retries of what git no longer asks for
        text = git.run("cat-file", "blob", blob, project=self.project).output
        try:
            desired = read_desired(text, self.desired_spec())
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

    def switch(self, blob: str, desired: Desired, attempt: int = 1, restart: bool = False) -> None:
        """Bring `desired` up and send requests to it; the old version keeps serving until then
        and stops once it has answered what it took."""
        assert self.router is not None
        old = self.router.active
        self.state = "restarting" if restart else "retrying" if attempt > 1 else "switching"
        self._publish()
        started = time.monotonic()
        tried = f" (attempt {attempt} of {self.retries})" if attempt > 1 or restart else ""
        self.say(
            f"{desired.version}: {'restarting' if restart else 'loading'}{tried} "
            f"({desired.commit[:12]})"
        )
        backend = None
        try:
            manifest = self.verified(desired)
            backend = start_backend(
                self.project, self.config, self.env, desired, self.host, manifest
            )
            wait_ready(backend)
            smoke_test(backend, self._example(desired, manifest))
        except Exception as exc:  # whatever it is, the version serving now keeps serving
            if backend is not None:
                backend.stop()
            if not isinstance(exc, O16nError):
                exc = ServeError(f"{type(exc).__name__}: {exc}")
            came_up = backend is not None  # its MLServer started: a retry may go better
            retry = None
            if came_up and attempt < self.retries:
                due = time.monotonic() + self.backoff * 2 ** (attempt - 1)
                retry = Retry(blob, desired, attempt + 1, due, restart)
            self._failed(blob, desired.version, exc, retry, attempt if came_up else 0)
            return
        self.router.switch(backend)
        self._probe_at, self._probe_fails = time.monotonic() + PROBE_EVERY, 0
        took = time.monotonic() - started
        self.desired_blob, self.state, self.error = blob, "serving", None
        if restart and self._behind is not None:  # back, but still not the desired version
            self.state, self.error = "failed", self._behind
        self._behind = None
        done = f"restarted{tried}" if restart else f"switched{tried}"
        self._event("serving", desired.version, f"{done} in {took:.1f} s")
        self.say(
            f"{desired.version}: serving on {self.url}/v2/models/{desired.model} "
            f"(loaded, smoke-tested and {done} in {took:.1f} s)"
        )
        self._publish()
        if old is not None:
            if not self.router.drain(old):
                self.say(f"{old.version}: still answering after {DRAIN_TIMEOUT:.0f} s; stopping it")
            old.stop()
            self._event("stopped", old.version)
            self._publish()

    def watch(self) -> None:
        """Notice a serving MLServer that died (reaped by poll) or stopped being ready."""
        assert self.router is not None
        active = self.router.active
        if active is None:
            return
        why = active.exited()
        if why is None and time.monotonic() >= self._probe_at:
            self._probe_at = time.monotonic() + PROBE_EVERY
            problem = active.ready(PROBE_TIMEOUT)
            if problem is None:
                self._probe_fails = 0
                if self.state == "degraded":
                    self.state, self.error = "serving", None
                    self._event("ready", active.version, "ready again")
                    self._publish()
                return
            self._probe_fails += 1
            if self._probe_fails < PROBE_FAILS:
                self.state = "degraded"
                message = (
                    f"MLServer for {active.version} (pid {active.process.pid}) is not ready "
                    f"({problem}); {self._probe_fails} of {PROBE_FAILS} probes failed"
                )
                self.error = {"time": timestamp(), "version": active.version, "message": message}
                self.say(f"{active.version}: {message}")
                self._publish()
                return
            why = f"was not ready {PROBE_FAILS} probes in a row ({problem}): killed"
        if why is not None:
            self._lost(active, why)

    def _lost(self, backend: Backend, why: str) -> None:
        """Take a dead or hung backend out of the router and start it again."""
        assert self.router is not None
        now = timestamp()
        what = f"MLServer for {backend.version} (pid {backend.process.pid}) {why} at {now}"
        self.router.unavailable = f"{what}; restarting it"
        if self.state in ("failed", "retrying") and self.error is not None:
            self._behind = self.error  # the desired version failed; this one served before it
        self.router.switch(None)
        backend.stop(timeout=5.0, kill=True)  # reaped: no zombie
        self._probe_fails = 0
        self.state = "restarting"
        message = f"{what}; restarting it (attempt 1 of {self.retries})"
        self.error = {"time": now, "version": backend.version, "message": message}
        self._event("died", backend.version, why)
        self.say(f"{backend.version}: {message}")
        self._publish()
        blob = self.desired_blob or ""
        self.pending = Retry(blob, backend.desired, 1, time.monotonic(), restart=True)

    def retry_due(self) -> None:
        """The pending attempt, once its backoff has passed."""
        pending = self.pending
        if pending is None or time.monotonic() < pending.due:
            return
        self.pending = None
        self.switch(pending.blob, pending.desired, pending.attempt, pending.restart)

    def verified(self, desired: Desired) -> Manifest:
        """The version's signed manifest, once its release verifies against the keys the
        protected branch trusts now; a ServeError listing every problem otherwise."""
        trusted = trust_at(self.project, self.config.github.branch, BRANCH_SETTING)
        verdict = verify_release(desired, trusted)
        if not verdict.ok or verdict.manifest is None:
            raise ServeError(
                f"{desired.version}: refused to load, its release does not verify: "
                + "; ".join(verdict.problems),
                hint="deploy a version released with the release key (`o16n release` with "
                f"O16N_SIGNING_KEY, a key {trusted.source} lists), or roll back",
            )
        self.say(f"{desired.version}: release signed by {verdict.signer}")
        return verdict.manifest

    def _example(self, desired: Desired, manifest: Manifest) -> pd.DataFrame:
        """A typical input row from the version's own reference profile."""
        serving = self.config.serving
        md5 = artifact_md5(desired, self.env, serving.profile, "serving.profile")
        model_md5 = artifact_md5(desired, self.env, serving.model_file, "serving.model_file")
        path = version_folder(self.project, self.env, desired, model_md5) / "profile.json"
        fetch_signed(self.project, serving.profile, md5, desired, manifest, path)
        return v2.typical_row(codec.from_json(path.read_text()), self.config.serving.label)

    def _failed(
        self,
        blob: str,
        version: str,
        exc: O16nError,
        retry: Retry | None = None,
        attempts: int = 0,
    ) -> None:
        """Record a version that did not come up; `retry`: the next attempt (else it stays
        failed until the desired state changes); `attempts`: how many were made."""
        self.desired_blob = blob
        self.pending = retry
        restart = retry.restart if retry else self.state == "restarting"
        first = exc.message.splitlines()[0]
        if retry is not None:
            self.state = "restarting" if restart else "retrying"
            wait = retry.due - time.monotonic()
            then = f"attempt {retry.attempt} of {self.retries} in {wait:.0f} s"
        else:
            self.state = "failed"
            then = f"gave up after {attempts} attempts" if attempts > 1 else ""
        message = f"{exc}\n({then})" if then else str(exc)
        self.error = {"time": timestamp(), "version": version, "message": message}
        self._event("failed", version, f"{first} ({then})" if then else first)
        active = self.router.active if self.router else None
        keeps = f"{active.version} keeps serving" if active else "nothing is serving"
        if self.router is not None and active is None:
            self.router.unavailable = f"{version} failed: {first}" + (f" ({then})" if then else "")
        self.say(f"{version}: FAILED, {keeps}" + (f"; {then}" if then else "") + f".\n{exc}")
        self._publish()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        """Serve until stopped (stop(), which `daemon.serve` calls on SIGTERM and SIGINT)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            self.router = Router((self.host, self.port), self.status, self.say)
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
                self.watch()
                self.retry_due()
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
