"""The router: one public address with the active backend behind it.

Clients keep one URL while versions come and go. Each request is counted against the backend
that takes it, so a switch can send new requests to the new version at once and still let the
old one finish what it answers (`drain`) before it stops. The router adds the answering
version as a header; `GET /o16n/status` answers itself with the reconciler's status.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from o16n.serving.client import VERSION_HEADER
from o16n.serving.local.backend import Backend

DRAIN_TIMEOUT = 30.0  # seconds the old version gets to finish what it is answering
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
        headers[VERSION_HEADER] = backend.version
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
