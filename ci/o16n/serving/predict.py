"""Rows of a table sent to a served environment, as `o16n predict` does: the server found (the
running `o16n serve`, else o16n.yaml's address), the label column left out, the answer decoded
per output and row. A server that answers with an error is a result; one that does not answer
is a usage error that says how to start it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from o16n.config.project import load_project
from o16n.errors import ConfigError, UsageError
from o16n.health.checks.inputs import read_table
from o16n.serving import client, v2
from o16n.serving.local import daemon


@dataclass(frozen=True)
class Prediction:
    model: str
    env: str
    url: str
    rows: int
    version: str = ""  # the version that answered
    outputs: dict[str, list[Any]] = field(default_factory=dict)  # output -> one value per row
    error: str = ""  # what the server said instead, when it refused

    @property
    def ok(self) -> bool:
        return not self.error


def predict(
    project: Path,
    env: str,
    data: Path,
    rows: int,
    outputs: Sequence[str] = (),
    url: str | None = None,
) -> Prediction:
    config = load_project(project)
    url = url or daemon.server_url(project, config, env)
    if not client.is_http(url):
        raise UsageError(f"--url {url}: give http://HOST:PORT")
    table = read_table(data).head(rows).drop(columns=[config.serving.label], errors="ignore")
    try:
        answer = client.infer(url, config.model, table, outputs, timeout=30.0)
    except OSError as exc:
        raise UsageError(
            f"no server answers at {url} ({exc})",
            hint=f"start one: o16n serve --env {env} --detach",
        ) from None
    sent = Prediction(config.model, env, url, len(table))
    if answer.status != 200:
        body = answer.body[:1000].decode(errors="replace")
        return replace(sent, error=f"HTTP {answer.status}: {body}")
    try:
        decoded = v2.outputs(answer.body, len(table))
    except ConfigError as exc:
        return replace(sent, error=exc.message)
    return replace(sent, version=answer.version, outputs=decoded)
