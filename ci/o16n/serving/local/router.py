"""The router: one public address with the active backend behind it.

Clients keep one URL while versions come and go. Each request is counted against the backend
that takes it, so a switch can send new requests to the new version at once and still let the
old one finish what it answers (`drain`) before it stops. The router adds the answering
version as a header; `GET /o16n/status` answers itself with the reconciler's status.

Every answer it gives itself is V2 error JSON (`{"error": ...}`): 503 with Retry-After while no
version serves (a backend died and is restarting), 4xx for a malformed inference request
(checked here, because MLServer answers some with a plain-text 500 and scores others wrongly).
Each connection has its own thread and a read timeout, so a client that stalls halfway
through its headers or body holds only its own thread, and only for READ_TIMEOUT seconds; one
that trickles a byte at a time is cut off REQUEST_DEADLINE seconds into its request.
"""

from __future__ import annotations

import contextlib
import http
import http.client
import json
import socket
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from o16n.serving import v2
from o16n.serving.client import VERSION_HEADER
from o16n.serving.local.backend import Backend

DRAIN_TIMEOUT = 30.0  # seconds the old version gets to finish what it is answering
READ_TIMEOUT = 10.0  # seconds a client may stall while sending a request (or idle, kept alive)
REQUEST_DEADLINE = 30.0  # seconds to send one whole request, however it trickles in
BACKEND_TIMEOUT = 60.0  # seconds MLServer may take to answer one request
MAX_BODY = 64 * 1024 * 1024  # bytes: a larger Content-Length is refused before reading
RETRY_AFTER = "1"  # seconds, for a 503: a dead backend is restarted within seconds
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


class Router(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        status: Callable[[], dict[str, Any]],
        say: Callable[[str], None] = lambda _: None,
    ) -> None:
        super().__init__(address, _Handler)
        self.status = status
        self.say = say
        self.active: Backend | None = None
        self.unavailable = "starting"
        self._lock = threading.Condition()
        self._local = threading.local()
        self._reading: dict[socket.socket, float] = {}  # connection -> when its request began
        self.deadline = REQUEST_DEADLINE
        threading.Thread(target=self._cut_off_slow_requests, daemon=True).start()

    def reading(self, connection: socket.socket, started: bool) -> None:
        """Whether `connection` is sending a request now (since when: for the deadline)."""
        with self._lock:
            if started:
                self._reading[connection] = time.monotonic()
            else:
                self._reading.pop(connection, None)

    def _cut_off_slow_requests(self) -> None:
        """Shut the connections whose request has taken longer than the deadline to arrive:
        their thread's next read returns nothing and it ends."""
        while True:
            time.sleep(min(1.0, self.deadline / 4))
            now = time.monotonic()
            with self._lock:
                late = [c for c, t in self._reading.items() if now - t > self.deadline]
            for connection in late:
                self.reading(connection, False)
                self.say(f"router: a request took over {self.deadline:.0f} s to arrive: cut off")
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)

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
            connection = http.client.HTTPConnection(
                backend.host, backend.port, timeout=BACKEND_TIMEOUT
            )
            pool[backend.port] = connection
        return connection

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One line, not socketserver's traceback: a client that went away is not a bug here."""
        exc = sys.exc_info()[1]
        self.say(f"router: connection from {client_address[0]}:{client_address[1]}: {exc!r}")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes; with Nagle's algorithm on, the body then waits for
    # the client's delayed ACK (~40 ms on Linux) on every kept-alive request.
    disable_nagle_algorithm = True
    timeout = READ_TIMEOUT  # set on the socket per connection (StreamRequestHandler.setup)
    server: Router

    def handle_one_request(self) -> None:
        try:
            # the deadline starts with the request's first byte, not while a kept-alive one idles
            self.rfile.peek(1)  # type: ignore[attr-defined]  # a BufferedReader's
            self.server.reading(self.connection, True)
            super().handle_one_request()
        except (ConnectionError, TimeoutError) as exc:  # the client went away or stalled
            self.close_connection = True
            self.server.say(f"router: client {self.client_address[0]}: {type(exc).__name__}")
        finally:
            self.server.reading(self.connection, False)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.server.reading(self.connection, False)
        if self.path.rstrip("/") == "/o16n/status":
            self._reply(200, json.dumps(self.server.status(), indent=2).encode(), {})
        else:
            self._forward()

    def do_POST(self) -> None:  # noqa: N802
        self._forward()

    def do_HEAD(self) -> None:  # noqa: N802
        self._forward()

    def _forward(self) -> None:
        ok, body = self._body()
        self.server.reading(self.connection, False)  # it arrived: answering may take long
        if not ok:
            return
        backend = self.server.acquire()
        if backend is None:
            message = f"no model version is serving: {self.server.unavailable}"
            self._error(503, message, {"Retry-After": RETRY_AFTER})
            return
        try:
            infer = self.command == "POST" and self.path.rstrip("/").endswith("/infer")
            if infer and (problem := v2.check_request(body or b"", backend.inputs)):
                message = f"malformed inference request: {problem}"
                self._error(400, message, {VERSION_HEADER: backend.version})
                return
            try:
                status, headers, answer = self._exchange(backend, body)
            except TimeoutError:
                self._error(504, f"{backend.version} did not answer in {BACKEND_TIMEOUT:.0f} s")
                return
            except (OSError, http.client.HTTPException) as exc:  # it died: restarting
                message = f"{backend.version} did not answer ({exc}); it is being restarted"
                self._error(503, message, {"Retry-After": RETRY_AFTER})
                return
        finally:
            self.server.release(backend)
        headers[VERSION_HEADER] = backend.version
        if status >= 400:
            status, answer, headers = _as_v2_error(status, answer, headers, backend)
        self._reply(status, answer, headers)

    def _body(self) -> tuple[bool, bytes | None]:
        """The request body; (False, None) when it was refused (answered already)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            self._error(411, "send the request body with a Content-Length, not chunked")
            return False, None
        text = self.headers.get("Content-Length") or "0"
        if not text.isdigit() or int(text) > MAX_BODY:
            self.close_connection = True
            self._error(400, f"Content-Length {text!r}: a number of bytes up to {MAX_BODY}")
            return False, None
        length = int(text)
        body = self.rfile.read(length) if length else None
        if body is not None and len(body) < length:  # the client closed halfway
            raise ConnectionResetError(f"body ended after {len(body)} of {length} bytes")
        return True, body

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

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self._reply(status, v2.error(message), dict(headers or {}))

    def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        headers.setdefault("Content-Type", "application/json")
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a bad request line, headers too long) as V2 error JSON."""
        self.log_error("code %d, message %s", code, message)
        self.close_connection = True
        what = "; ".join(p for p in (message, explain) if p) or http.HTTPStatus(code).phrase
        self._error(code, what)

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002
        """One line per refused or timed-out connection (request lines are not logged)."""
        self.server.say(f"router: client {self.client_address[0]}: {format % args}")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # one line per request would drown what matters: switches and failures


def _as_v2_error(
    status: int, answer: bytes, headers: dict[str, str], backend: Backend
) -> tuple[int, bytes, dict[str, str]]:
    """MLServer's error answers as V2 error JSON: its 422 `{"detail": [...]}` (a request its
    schema refuses) as a 400 naming the field, its plain-text 500 (the model raised on these
    inputs) as a 422 pointing at its log."""
    try:
        parsed = json.loads(answer)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), str):
        return status, answer, headers
    headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    if isinstance(parsed, dict) and isinstance(parsed.get("detail"), list):
        details = [
            f"{'.'.join(str(p) for p in d.get('loc', []))}: {d.get('msg', '')}"
            for d in parsed["detail"]
            if isinstance(d, dict)
        ]
        return 400, v2.error("malformed inference request: " + "; ".join(details)), headers
    text = answer[:200].decode("utf-8", "replace").strip()
    if status == 500:
        message = (
            f"{backend.version} could not score these inputs (MLServer: {text}); check their "
            f"names, datatypes and values against the training data; its log: {backend.log}"
        )
        return 422, v2.error(message), headers
    return status, v2.error(f"{backend.version}: HTTP {status}: {text}"), headers
