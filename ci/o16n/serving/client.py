"""A V2 client: rows sent to a served model's infer endpoint over HTTP, as any client would.

`o16n predict` uses it against the router, the local target its smoke request against a new
MLServer. It returns what the server said (status, body, the version that answered) and leaves
judging it to the caller: an HTTP error is a result to show, not an exception.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import pandas as pd

from o16n.serving import v2

VERSION_HEADER = "X-O16n-Version"  # set by the local target's router


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    header_version: str | None  # the router's X-O16n-Version, when a router answered

    @property
    def version(self) -> str:
        """The version that answered: the router's header, else the response's model_version."""
        return self.header_version or str(json.loads(self.body).get("model_version", "?"))


def is_http(url: str) -> bool:
    """Whether `url` is one `infer` can reach: http://HOST[:PORT][/PREFIX]."""
    parts = urlsplit(url)
    return parts.scheme == "http" and bool(parts.hostname)


def infer(
    url: str, model: str, rows: pd.DataFrame, outputs: Sequence[str] = (), timeout: float = 30.0
) -> Answer:
    """POST `rows` to `model`'s infer endpoint under `url` (see `is_http`), asking for `outputs`
    (default: the runtime's own). Raises OSError or http.client.HTTPException when nothing
    answers."""
    parts = urlsplit(url)
    path = f"{parts.path.rstrip('/')}/v2/models/{model}/infer"
    body = v2.encode(rows, outputs)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port or 80, timeout=timeout)
    try:
        connection.request("POST", path, body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        return Answer(response.status, response.read(), response.getheader(VERSION_HEADER))
    finally:
        connection.close()
