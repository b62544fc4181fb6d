"""The simulator's HTTP server: moto's WSGI app behind a keep-alive HTTP/1.1 front.

moto's own server (werkzeug's development server) closes the connection after every
response. AWS's endpoints keep connections open, and at thousands of calls the TCP
set-up and tear-down on both sides cost more CPU than the calls themselves, so a refresh
against moto's server measured the socket churn rather than the client. This front is
the standard library's threading HTTP server (one thread per connection) speaking
HTTP/1.1 with Content-Length on every response.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

SOCKET_KEY = "wstui.socket"  # environ key: the connection's socket (faults close it)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # a refresh opens dozens of connections at once

    def __init__(self, address: tuple[str, int], app: WsgiApp) -> None:
        self.app = app
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else headers and body wait on the client's delayed ACK
    timeout = 120  # an idle keep-alive connection's thread ends after this many seconds
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # no per-request lines

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status_headers: list[Any] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            status_headers[:] = [status, headers]
            return lambda _data: None

        try:
            status, headers, payload = self._run_app(body, start_response, status_headers)
        except Exception as e:  # answer 500; an escaped one drops the connection
            code, fields, text = internal_failure(f"{type(e).__name__}: {e}")
            status, headers, payload = (
                f"{code} Internal Server Error",
                list(fields.items()),
                text.encode(),
            )
        code_text, _, reason = status.partition(" ")
        try:
            self.send_response(int(code_text), reason)
            for key, value in headers:
                if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
            self.wfile.flush()
        except OSError:  # the client went away, or a fault closed the socket on purpose
            self.close_connection = True

    def _run_app(
        self, body: bytes, start_response: Callable[..., Any], status_headers: list[Any]
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        chunks = self.server.app(self._environ(body), start_response)
        try:
            payload = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        status, headers = status_headers
        return status, headers, payload

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle

    def _environ(self, body: bytes) -> dict[str, Any]:
        url = urlsplit(self.path)
        host, port = self.server.server_address[:2]
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(url.path),
            "QUERY_STRING": url.query,
            "RAW_URI": self.path,
            "REQUEST_URI": self.path,
            "SERVER_NAME": str(host),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            SOCKET_KEY: self.connection,
        }
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                continue
            environ[key] = f"{environ[key]},{value}" if key in environ else value
        return environ


def internal_failure(detail: str) -> tuple[int, dict[str, str], str]:
    """(status, headers, body) of AWS's JSON-protocol InternalFailure, naming ``detail``."""
    body = json.dumps({"__type": "InternalFailure", "message": f"Simulator failure: {detail}"})
    headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": "InternalFailure"}
    return 500, headers, body


def make_server(host: str, port: int, app: WsgiApp) -> ThreadingHTTPServer:
    return _Server((host, port), app)
