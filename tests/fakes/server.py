"""A small real HTTP server on 127.0.0.1 (a free port) for connector tests, with injectable faults.

The connector under test talks real HTTP to it through httpx, so timeouts, dropped connections
and headers behave as they do against the real API. A fake API is a function from
:class:`FakeRequest` to :class:`FakeResponse`; faults queued with :meth:`FakeServer.fail`,
:meth:`FakeServer.drop` and :meth:`FakeServer.slow` hit the next matching requests first::

    with FakeServer(app) as server:
        server.fail(429, headers={"Retry-After": "7"})
        ...  # the next request gets the 429, the one after it the app's answer
"""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit


@dataclass
class FakeRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    @property
    def basic_auth(self) -> tuple[str, str] | None:
        value = self.headers.get("authorization", "")
        if not value.lower().startswith("basic "):
            return None
        user, _, password = base64.b64decode(value[6:]).decode("utf-8").partition(":")
        return user, password


@dataclass
class FakeResponse:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(
        cls, data: Any, status: int = 200, headers: dict[str, str] | None = None
    ) -> FakeResponse:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        return cls(
            status, body, {"Content-Type": "application/json; charset=UTF-8", **(headers or {})}
        )


@dataclass
class Fault:
    kind: str  # "status" | "drop" | "slow"
    times: int
    path: str | None = None  # only requests whose path contains this
    response: FakeResponse | None = None
    seconds: float = 0.0
    skip: int = 0  # let this many matching requests through first

    def matches(self, request: FakeRequest) -> bool:
        return self.times > 0 and (self.path is None or self.path in request.path)


class FakeServer:
    """A threaded HTTP/1.1 server around ``app``; every request is recorded in ``requests``."""

    def __init__(self, app: Callable[[FakeRequest], FakeResponse]):
        self.app = app
        self.requests: list[FakeRequest] = []
        self.faults: list[Fault] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- faults --

    def fail(
        self,
        status: int,
        *,
        times: int = 1,
        path: str | None = None,
        headers: dict[str, str] | None = None,
        body: Any = None,
        skip: int = 0,
    ) -> None:
        """The next ``times`` matching requests get ``status`` (JSON ``body`` if given)."""
        response = FakeResponse.json(body, status, headers) if body is not None else None
        response = response or FakeResponse(status, b"", dict(headers or {}))
        self.faults.append(Fault("status", times, path, response, skip=skip))

    def drop(self, *, times: int = 1, path: str | None = None, skip: int = 0) -> None:
        """Close the connection without any answer (a crashed PHP worker, a proxy reset)."""
        self.faults.append(Fault("drop", times, path, skip=skip))

    def slow(
        self, seconds: float, *, times: int = 1, path: str | None = None, skip: int = 0
    ) -> None:
        """Wait ``seconds`` before answering normally (for client timeouts)."""
        self.faults.append(Fault("slow", times, path, seconds=seconds, skip=skip))

    def _fault(self, request: FakeRequest) -> Fault | None:
        with self._lock:
            self.requests.append(request)
            for fault in self.faults:
                if fault.matches(request):
                    if fault.skip:
                        fault.skip -= 1
                        continue
                    fault.times -= 1
                    return fault
        return None

    # -- lifecycle --

    def start(self) -> FakeServer:
        server = self
        self._stopping.clear()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body leave at once: no 40 ms stalls

            def log_message(self, *_args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = FakeRequest(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                fault = server._fault(request)
                if fault is not None and fault.kind == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if fault is not None and fault.kind == "slow":
                    server._stopping.wait(fault.seconds)  # a stopping server stops waiting
                if fault is not None and fault.response is not None:
                    response = fault.response
                else:
                    response = server.app(request)
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                self.wfile.write(response.body)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that gave up (timeout) is expected, not an error

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


class FakeApi:
    """Base of the per-tool fakes: ``with Fake…() as api`` serves ``api.handle`` on ``api.url``.

    A subclass sets ``self.server = FakeServer(self.handle)`` in its ``__init__``.
    """

    server: FakeServer

    def __enter__(self) -> Self:
        self.server.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.stop()

    @property
    def url(self) -> str:
        return self.server.url
