"""The V2 client against a stand-in server: the request it sends, the answer it returns as is
(an HTTP error too), and the version that answered."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pandas as pd
import pytest

from o16n.serving import client

ROWS = pd.DataFrame({"x": [1.0, 2.0], "kind": ["a", "b"]})


class _Stand(BaseHTTPRequestHandler):
    seen: list[tuple[str, dict[str, Any]]] = []
    reply: tuple[int, dict[str, Any], dict[str, str]] = (200, {}, {})

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        assert self.headers["Content-Type"] == "application/json"
        self.seen.append((self.path, json.loads(body)))
        status, answer, headers = self.reply
        payload = json.dumps(answer).encode()
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def stand() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stand)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    _Stand.seen.clear()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_rows_go_to_the_models_infer_endpoint_under_the_url(stand: str) -> None:
    answer_body = {"model_version": "v1.0.0", "outputs": []}
    _Stand.reply = (200, answer_body, {})
    answer = client.infer(f"{stand}/prefix/", "churn", ROWS, ["predict_proba"], timeout=5.0)
    path, sent = _Stand.seen[-1]
    assert path == "/prefix/v2/models/churn/infer"
    assert [i["name"] for i in sent["inputs"]] == ["x", "kind"]
    assert sent["outputs"] == [{"name": "predict_proba"}]
    assert (answer.status, json.loads(answer.body)) == (200, answer_body)
    assert answer.version == "v1.0.0"  # no router header: the response's own


def test_the_routers_header_names_the_version_and_errors_come_back_as_answers(stand: str) -> None:
    _Stand.reply = (503, {"error": "no model version is serving"}, {client.VERSION_HEADER: "v2"})
    answer = client.infer(stand, "churn", ROWS)
    assert (answer.status, answer.version) == (503, "v2")
    assert "outputs" not in _Stand.seen[-1][1]


@pytest.mark.parametrize(
    ("url", "reachable"),
    [("http://127.0.0.1:8080", True), ("http://host/prefix", True), ("ftp://x", False)],
)
def test_only_http_urls_are_reachable(url: str, reachable: bool) -> None:
    assert client.is_http(url) is reachable
