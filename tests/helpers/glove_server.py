"""An HTTP server on 127.0.0.1 that serves GloVe archives and misbehaves on request."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from helpers.glove_files import HTML_PAGE


class GloveServer(ThreadingHTTPServer):
    """Serves ``files`` by path, with Range support, and records every request.

    ``plans[path]`` is a list of behaviours used one per request (the last one repeats):
    ``"ok"``, ``"404"``, ``"html"``, ``"drop"`` (send half the body then close),
    ``"no-range"`` (ignore Range, answer 200), ``"trickle"`` (send slowly, for the kill test).
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files: dict[str, bytes] = {}
        self.plans: dict[str, list[str]] = {}
        self.requests: list[dict] = []
        self.sent_event = threading.Event()
        self.trickle_signal_after = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def url(self, prefix: str = "m1") -> str:
        return f"{self.base_url}/{prefix}"

    def next_behaviour(self, path: str) -> str:
        plan = self.plans.get(path)
        if not plan:
            return "ok"
        return plan.pop(0) if len(plan) > 1 else plan[0]


class _Handler(BaseHTTPRequestHandler):
    server: GloveServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        range_header = self.headers.get("Range")
        self.server.requests.append({"path": self.path, "range": range_header})
        behaviour = self.server.next_behaviour(self.path)
        body = self.server.files.get(self.path)
        if behaviour == "404" or body is None:
            self._send(404, b"not found", "text/plain")
            return
        if behaviour == "html":
            self._send(200, HTML_PAGE, "text/html; charset=utf-8")
            return
        start = 0
        if range_header and behaviour != "no-range":
            start = int(range_header.split("=", 1)[1].split("-", 1)[0])
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        payload = body[start:]
        self.send_response(206 if start else 200)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Accept-Ranges", "bytes")
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        self.end_headers()
        if behaviour == "drop":
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if behaviour == "trickle":
            sent = 0
            for i in range(0, len(payload), 128):
                try:
                    self.wfile.write(payload[i : i + 128])
                    self.wfile.flush()
                except OSError:
                    return
                sent += len(payload[i : i + 128])
                if sent >= self.server.trickle_signal_after:
                    self.server.sent_event.set()
                time.sleep(0.1)
            return
        self.wfile.write(payload)

    def _send(self, code: int, body: bytes, content_type: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(server: GloveServer, body: bytes, prefix: str = "m1", name: str = "glove.6B.zip") -> str:
    server.files[f"/{prefix}/{name}"] = body
    return f"{server.url(prefix)}/{name}"


def closed_port_url() -> str:
    """A local URL where nothing listens: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/nothing"
