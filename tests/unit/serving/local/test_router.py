"""The router on its own, in front of a real HTTP server standing for MLServer: what a client
gets while nothing serves or the backend is gone (503 V2 error JSON with Retry-After, at once),
malformed requests (400 JSON, never forwarded), MLServer's plain-text 500 (422 JSON), and
clients that stall or vanish (their own thread times out; one log line, no traceback)."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from o16n.serving import desired
from o16n.serving.local import router as router_module
from o16n.serving.local.backend import Backend
from o16n.serving.local.router import Router

INFER = "/v2/models/m/infer"
GOOD = {
    "inputs": [
        {"name": "x", "shape": [1, 1], "datatype": "FP64", "data": [0.5]},
        {"name": "city", "shape": [1, 1], "datatype": "BYTES", "data": ["a"]},
    ],
    "parameters": {"content_type": "pd"},
}


class _Model(BaseHTTPRequestHandler):
    """Answers infer with a prediction, `/broken/infer` as MLServer does when the model raises
    (plain-text 500)."""

    protocol_version = "HTTP/1.1"
    seen: list[str] = []

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append(self.path)
        if self.path.startswith("/broken"):
            body, kind, status = b"Internal Server Error", "text/plain; charset=utf-8", 500
        else:
            body, kind, status = b'{"outputs": []}', "application/json", 200
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[Backend]:
    model = ThreadingHTTPServer(("127.0.0.1", 0), _Model)
    threading.Thread(target=model.serve_forever, args=(0.05,), daemon=True).start()
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    state = desired.Desired("m", "v1.0.0", "0" * 40, {"models/model.joblib": "0" * 32})
    found = Backend(state, tmp_path, "127.0.0.1", int(model.server_address[1]), process)
    found.inputs = {"x": "FP64", "city": "BYTES"}
    _Model.seen = []
    try:
        yield found
    finally:
        model.shutdown()
        model.server_close()
        process.kill()
        process.wait()


@pytest.fixture
def said() -> list[str]:
    return []


@pytest.fixture
def router(said: list[str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Router]:
    monkeypatch.setattr(router_module._Handler, "timeout", 0.5)
    server = Router(("127.0.0.1", 0), lambda: {"state": "test"}, said.append)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def post(router: Router, body: bytes, path: str = INFER) -> tuple[int, dict[str, str], Any]:
    connection = http.client.HTTPConnection("127.0.0.1", router.server_address[1], timeout=5)
    try:
        connection.request("POST", path, body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read())
    finally:
        connection.close()


def test_nothing_serving_is_a_quick_503_with_retry_after(router: Router) -> None:
    router.unavailable = "MLServer for v1.0.0 (pid 7) killed by SIGKILL at T; restarting it"
    started = time.monotonic()
    status, headers, body = post(router, json.dumps(GOOD).encode())
    assert time.monotonic() - started < 1.0
    assert (status, headers["Retry-After"], headers["Content-Type"]) == (
        503,
        "1",
        "application/json",
    )
    assert body == {
        "error": "no model version is serving: MLServer for v1.0.0 (pid 7) killed by SIGKILL "
        "at T; restarting it"
    }


def test_a_backend_that_is_gone_is_a_503_not_a_502(router: Router, backend: Backend) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        backend.port = int(closed.getsockname()[1])  # nothing listens there
    router.switch(backend)
    status, headers, body = post(router, json.dumps(GOOD).encode())
    assert (status, headers["Retry-After"]) == (503, "1")
    assert body["error"].startswith("v1.0.0 did not answer (")
    assert body["error"].endswith("; it is being restarted")


def test_a_good_request_is_forwarded(router: Router, backend: Backend) -> None:
    router.switch(backend)
    status, headers, body = post(router, json.dumps(GOOD).encode())
    assert (status, headers["X-O16n-Version"], body) == (200, "v1.0.0", {"outputs": []})


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"not json", "the body is not JSON (Expecting value: line 1 column 1 (char 0))"),
        (b"[]", "the body is a JSON list, not an object with `inputs`"),
        (b"{}", "`inputs` must be a non-empty list of {name, shape, datatype, data}"),
        (
            json.dumps({"inputs": [{**GOOD["inputs"][0], "shape": [2, 1]}, GOOD["inputs"][1]]}),
            "input 'x': shape [2, 1] needs 2 values, data has 1",
        ),
        (
            json.dumps({"inputs": [{**GOOD["inputs"][0], "data": ["abc"]}, GOOD["inputs"][1]]}),
            "input 'x': 'abc' is not a FP64 value",
        ),
        (
            json.dumps({"inputs": [{**GOOD["inputs"][0], "datatype": "FP128"}]}),
            "input 'x': datatype 'FP128' is not one of BOOL, BYTES, FP16, FP32, FP64, INT16, "
            "INT32, INT64, INT8, UINT16, UINT32, UINT64, UINT8",
        ),
        (
            json.dumps({"inputs": [GOOD["inputs"][0]]}),
            "the model needs the inputs city; the request lacks them",
        ),
        (
            json.dumps({"inputs": [{**GOOD["inputs"][0], "shape": [-1]}]}),
            "input 'x': shape must be a list of non-negative integers, not [-1]",
        ),
        (
            json.dumps(
                {
                    "inputs": [
                        GOOD["inputs"][0],
                        {"name": "city", "shape": [2, 1], "datatype": "BYTES", "data": ["a", "b"]},
                    ]
                }
            ),
            "the inputs have different row counts (shape[0]): [1, 2]",
        ),
        (
            json.dumps(
                {
                    "inputs": [
                        {**GOOD["inputs"][0], "datatype": "BYTES", "data": ["1"]},
                        GOOD["inputs"][1],
                    ]
                }
            ),
            "input 'x': the model was trained on FP64 values, the request sends BYTES",
        ),
    ],
)
def test_a_malformed_request_is_a_400_json_and_never_forwarded(
    router: Router, backend: Backend, body: str | bytes, error: str
) -> None:
    router.switch(backend)
    raw = body.encode() if isinstance(body, str) else body
    status, headers, answer = post(router, raw)
    assert (status, answer) == (400, {"error": f"malformed inference request: {error}"})
    assert _Model.seen == []


def test_mlservers_plain_text_500_becomes_a_422_json(router: Router, backend: Backend) -> None:
    router.switch(backend)
    status, headers, body = post(router, json.dumps(GOOD).encode(), "/broken/infer")
    assert (status, headers["Content-Type"]) == (422, "application/json")
    assert body["error"].startswith(
        "v1.0.0 could not score these inputs (MLServer: Internal Server Error); check their names"
    )


def raw(router: Router, request: bytes) -> str:
    """What the router sends back to `request` before it hangs up."""
    with socket.create_connection(router.server_address[:2], timeout=5) as client:
        client.sendall(request)
        chunks = []
        while chunk := client.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode()


def test_a_bad_content_length_and_a_bad_request_line_are_json(router: Router) -> None:
    answer = raw(router, b"POST /x HTTP/1.1\r\nContent-Length: -3\r\n\r\n")
    assert answer.startswith("HTTP/1.1 400 ")
    assert answer.endswith('{"error": "Content-Length \'-3\': a number of bytes up to 67108864"}')
    headers = b"".join(b"X-%d: 1\r\n" % n for n in range(101))
    answer = raw(router, b'GET /"x" HTTP/1.1\r\n' + headers + b"\r\n")
    assert answer.startswith("HTTP/1.1 431 ")
    assert json.loads(answer.split("\r\n\r\n", 1)[1]) == {
        "error": "Too many headers; got more than 100 headers"
    }


def test_a_stalled_client_times_out_without_blocking_a_normal_one(
    router: Router, backend: Backend, said: list[str]
) -> None:
    router.switch(backend)
    body = json.dumps(GOOD).encode()
    half_headers = socket.create_connection(router.server_address[:2], timeout=5)
    half_headers.sendall(b"POST /v2/models/m/infer HTTP/1.1\r\nContent-Le")
    half_body = socket.create_connection(router.server_address[:2], timeout=5)
    half_body.sendall(b"POST /v2/models/m/infer HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")
    try:
        started = time.monotonic()
        for _ in range(5):
            assert post(router, body)[0] == 200
        assert time.monotonic() - started < 0.4  # less than the stalled ones' read timeout
        for stalled in (half_headers, half_body):  # the router hangs up on each
            assert stalled.recv(65536) == b""
    finally:
        half_headers.close()
        half_body.close()
    assert time.monotonic() - started < 3.0
    assert _Model.seen == [INFER] * 5


def test_a_client_that_vanishes_is_one_log_line_not_a_traceback(
    router: Router, backend: Backend, said: list[str], capfd: pytest.CaptureFixture[str]
) -> None:
    router.switch(backend)
    for _ in range(3):
        with socket.create_connection(router.server_address[:2], timeout=5) as client:
            client.sendall(b"POST /v2/models/m/infer HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")
    deadline = time.monotonic() + 3
    while len(said) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert said == ["router: client 127.0.0.1: ConnectionResetError"] * 3, said
    assert "Traceback" not in capfd.readouterr().err
    assert _Model.seen == []


def test_a_client_that_trickles_its_request_is_cut_off_at_the_deadline(
    router: Router, backend: Backend, said: list[str]
) -> None:
    router.switch(backend)
    router.deadline = 1.0  # the read timeout is 0.5 s: each byte comes sooner than that
    started = time.monotonic()
    request = b"POST /v2/models/m/infer HTTP/1.1\r\n" + b"X-Slow: " + b"x" * 200
    with (
        socket.create_connection(router.server_address[:2], timeout=5) as client,
        pytest.raises(OSError),  # reset or broken pipe, once cut off
    ):
        for byte in request:
            client.send(bytes([byte]))
            time.sleep(0.1)
            assert time.monotonic() - started < 5, "never cut off"
    assert 1.0 < time.monotonic() - started < 4
    assert post(router, json.dumps(GOOD).encode())[0] == 200  # others go on
    assert "router: a request took over 1 s to arrive: cut off" in said
