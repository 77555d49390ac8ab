"""The download's two timeouts: a short one to connect, a longer one for each read.

A server that pauses in the middle of the body for longer than the connect timeout (but less
than the read timeout) must not count as a dropped connection. Should urllib ever lack the
``do_open`` hook the read timeout uses, the download falls back to plain ``urlopen``: the pause
is then a drop, resumed with a Range request, and the archive still arrives whole.
"""

from __future__ import annotations

import io
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rnncli.glove import download as download_module

PAUSE = 1.0  # seconds the server waits half-way through the body
CONNECT_TIMEOUT = 0.3  # shorter than the pause
READ_TIMEOUT = 20.0  # far longer than the pause


def _archive() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("glove.6B.50d.txt", b"hello " + b"0.5 " * 49 + b"0.5\n")
    return buf.getvalue()


BODY = _archive()


class _PausingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.server.ranges.append(self.headers.get("Range"))  # type: ignore[attr-defined]
        start = (
            int(self.headers["Range"].split("=")[1].split("-")[0]) if "Range" in self.headers else 0
        )
        payload = BODY[start:]
        self.send_response(206 if start else 200)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Content-Length", str(len(payload)))
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(BODY) - 1}/{len(BODY)}")
        self.end_headers()
        half = len(payload) // 2
        try:
            self.wfile.write(payload[:half])
            self.wfile.flush()
            if not start:
                time.sleep(PAUSE)
            self.wfile.write(payload[half:])
        except OSError:  # the client gave up on this connection
            pass


@pytest.fixture
def pausing_url(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PausingHandler)
    server.daemon_threads = True
    server.ranges = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server, f"http://127.0.0.1:{server.server_address[1]}/glove.6B.zip"
    finally:
        server.shutdown()
        server.server_close()


def _download(url: str, tmp_path):
    return download_module.download(
        [url],
        tmp_path / "glove.6B.zip",
        expected_bytes=len(BODY),
        member="glove.6B.50d.txt",
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
    )


def test_a_pause_shorter_than_the_read_timeout_is_no_drop(pausing_url, tmp_path):
    server, url = pausing_url
    report = _download(url, tmp_path)
    assert report.resumes == 0 and server.ranges == [None]
    assert (tmp_path / "glove.6B.zip").read_bytes() == BODY


def test_without_the_hook_the_pause_is_resumed_and_the_archive_arrives(
    pausing_url, tmp_path, monkeypatch
):
    monkeypatch.setattr(download_module, "_has_connection_hook", lambda: False)
    server, url = pausing_url
    report = _download(url, tmp_path)
    assert (
        report.resumes >= 1 and server.ranges[0] is None and server.ranges[1].startswith("bytes=")
    )
    assert (tmp_path / "glove.6B.zip").read_bytes() == BODY and report.size_verified
