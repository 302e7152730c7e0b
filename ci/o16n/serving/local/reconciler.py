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
                "mlserver_url": active.url,
            },
            "error": self.error,
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
            return  # acted on already (served, or failed and not retried until it changes)
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

    def switch(self, blob: str, desired: Desired) -> None:
        assert self.router is not None
        old = self.router.active
        self.state = "switching"
        self._publish()
        started = time.monotonic()
        self.say(f"{desired.version}: loading ({desired.commit[:12]})")
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

    def _failed(self, blob: str, version: str, exc: O16nError) -> None:
        self.desired_blob = blob  # not retried until the desired state changes again
        self.state = "failed"
        self.error = {"time": timestamp(), "version": version, "message": str(exc)}
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
        """Serve until stopped (stop(), which `daemon.serve` calls on SIGTERM and SIGINT)."""
        self.folder.mkdir(parents=True, exist_ok=True)
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
