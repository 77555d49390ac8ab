"""Downloads through a real HTTP server on 127.0.0.1: fallback, resume, verification, offline.

The server and the tiny ``glove.6B.zip`` live here and are shared with test_glove_fetch.py.
No test reaches the real GloVe hosts: an autouse fixture points RNNCLI_GLOVE_MIRRORS at a
closed local port unless a test serves its own mirror.
"""

from __future__ import annotations

import hashlib
import io
import socket
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from rnncli.glove.download import DownloadError, download, downloads_dir
from rnncli.glove.sources import DEFAULT_BASE_URLS, MIRRORS_ENV, source_urls

WORDS = ["the", ",", "hello", "world", "king", "queen", "man", "woman"]
DIM = 50


def vector_for(index: int, dim: int = DIM) -> list[float]:
    """A deterministic vector with 5-decimal values, as GloVe's text files have."""
    return [round(((index * 31 + j * 7) % 97) / 97.0 - 0.5, 5) for j in range(dim)]


def glove_text(words: list[str] = WORDS, dim: int = DIM) -> bytes:
    lines = []
    for i, word in enumerate(words):
        lines.append(word + " " + " ".join(f"{x:.5f}" for x in vector_for(i, dim)))
    return ("\n".join(lines) + "\n").encode("utf-8")


def glove_zip(compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A small ``glove.6B.zip``: the 50d member, and a 100d one so the member choice matters."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        archive.writestr("glove.6B.50d.txt", glove_text())
        archive.writestr("glove.6B.100d.txt", glove_text(dim=100))
    return buffer.getvalue()


def corrupt_crc_zip() -> bytes:
    """A stored (uncompressed) zip whose member data has one digit changed: only the CRC tells."""
    data = bytearray(glove_zip(zipfile.ZIP_STORED))
    at = data.index(b"hello ") + len(b"hello ") + 3  # a digit inside hello's first number
    data[at] = ord("7") if data[at] != ord("7") else ord("3")
    return bytes(data)


HTML_PAGE = b"<!DOCTYPE html>\n<html><head><title>404</title></head><body>Not here</body></html>\n"


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


def closed_port_url() -> str:
    """A local URL where nothing listens: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/nothing"


@pytest.fixture(autouse=True)
def _local_network_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never reach the real hosts: mirrors default to a closed local port, no proxies."""
    monkeypatch.setenv(MIRRORS_ENV, closed_port_url())
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def glove_server():
    server = GloveServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def serve(server: GloveServer, body: bytes, prefix: str = "m1", name: str = "glove.6B.zip") -> str:
    server.files[f"/{prefix}/{name}"] = body
    return f"{server.url(prefix)}/{name}"


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


# --- sources ------------------------------------------------------------------------------


def test_sources_follow_glove_readme_order_then_pytorch_nlp_over_https(monkeypatch):
    from rnncli.glove.catalog import get_set

    monkeypatch.delenv(MIRRORS_ENV)
    urls = source_urls(get_set("6B.50d"))
    assert urls == [
        "https://huggingface.co/stanfordnlp/glove/resolve/main/glove.6B.zip",
        "https://nlp.stanford.edu/data/wordvecs/glove.6B.zip",
        "https://nlp.stanford.edu/data/glove.6B.zip",
    ]
    assert len(DEFAULT_BASE_URLS) == 2


def test_mirrors_environment_variable_replaces_the_list(monkeypatch):
    from rnncli.glove.catalog import get_set

    monkeypatch.setenv(MIRRORS_ENV, "http://127.0.0.1:1/a/, http://127.0.0.1:2/b")
    assert source_urls(get_set("twitter.27B.25d")) == [
        "http://127.0.0.1:1/a/glove.twitter.27B.zip",
        "http://127.0.0.1:2/b/glove.twitter.27B.zip",
    ]


# --- downloads ----------------------------------------------------------------------------


def test_full_download_is_verified_and_renamed_into_place(glove_server, tmp_path):
    body = glove_zip()
    url = serve(glove_server, body)
    target = downloads_dir(tmp_path) / "glove.6B.zip"
    seen: list[tuple[int, int | None]] = []
    report = download(
        [url],
        target,
        expected_bytes=len(body),
        expected_sha1=sha1(body),
        member="glove.6B.50d.txt",
        progress=lambda done, total: seen.append((done, total)),
    )
    assert target.read_bytes() == body
    assert not target.with_name("glove.6B.zip.part").exists()
    assert (report.size_verified, report.sha1_verified, report.zip_verified) == (True, True, True)
    assert report.sha1 == sha1(body) and report.bytes == len(body) and report.resumed_from == 0
    assert seen[-1] == (len(body), len(body))
    assert [r["range"] for r in glove_server.requests] == [None]
    assert report.to_dict()["attempts"] == [{"url": url, "outcome": "ok"}]


def test_dropped_connection_is_resumed_with_a_range_request(glove_server, tmp_path):
    body = glove_zip()
    url = serve(glove_server, body)
    glove_server.plans["/m1/glove.6B.zip"] = ["drop", "ok"]
    target = tmp_path / "glove.6B.zip"
    report = download([url], target, expected_bytes=len(body), expected_sha1=sha1(body))
    assert target.read_bytes() == body
    assert len(glove_server.requests) == 2
    assert glove_server.requests[0]["range"] is None
    assert glove_server.requests[1]["range"] == f"bytes={len(body) // 2}-"
    assert report.sha1_verified and report.resumes == 1


def test_leftover_part_from_an_earlier_run_is_resumed(glove_server, tmp_path):
    body = glove_zip()
    url = serve(glove_server, body)
    target = tmp_path / "glove.6B.zip"
    target.with_name("glove.6B.zip.part").write_bytes(body[:100])
    report = download([url], target, expected_bytes=len(body), expected_sha1=sha1(body))
    assert glove_server.requests[0]["range"] == "bytes=100-"
    assert report.resumed_from == 100 and report.sha1_verified
    assert target.read_bytes() == body


def test_server_ignoring_range_restarts_from_zero(glove_server, tmp_path):
    body = glove_zip()
    url = serve(glove_server, body)
    glove_server.plans["/m1/glove.6B.zip"] = ["no-range"]
    target = tmp_path / "glove.6B.zip"
    target.with_name("glove.6B.zip.part").write_bytes(b"garbage that must not survive")
    download([url], target, expected_bytes=len(body), expected_sha1=sha1(body))
    assert glove_server.requests[0]["range"] is not None
    assert target.read_bytes() == body


def test_404_on_first_source_falls_back_to_the_second(glove_server, tmp_path):
    body = glove_zip()
    first = f"{glove_server.url('gone')}/glove.6B.zip"  # nothing served there: 404
    second = serve(glove_server, body, prefix="m2")
    report = download([first, second], tmp_path / "glove.6B.zip", expected_sha1=sha1(body))
    assert report.url == second
    assert "HTTP 404" in report.attempts[0].outcome
    assert report.attempts[1].outcome == "ok"


def test_html_page_instead_of_the_zip_is_reported_as_such(glove_server, tmp_path):
    url = serve(glove_server, glove_zip())
    glove_server.plans["/m1/glove.6B.zip"] = ["html"]
    target = tmp_path / "glove.6B.zip"
    with pytest.raises(DownloadError, match="HTML page") as info:
        download([url], target)
    assert not info.value.offline
    assert not target.exists() and not target.with_name("glove.6B.zip.part").exists()


def test_sha1_mismatch_fails_and_leaves_nothing(glove_server, tmp_path):
    body = glove_zip()
    url = serve(glove_server, body)
    target = tmp_path / "glove.6B.zip"
    with pytest.raises(DownloadError, match="SHA-1"):
        download([url], target, expected_sha1="0" * 40, manual_steps="Do X.")
    assert not target.exists() and not target.with_name("glove.6B.zip.part").exists()


def test_wrong_size_is_caught_before_the_body_is_fetched(glove_server, tmp_path):
    body = glove_zip()
    url = serve(glove_server, body)
    with pytest.raises(DownloadError, match="serves"):
        download([url], tmp_path / "glove.6B.zip", expected_bytes=len(body) + 1)


def test_offline_fails_fast_with_the_manual_steps(tmp_path):
    started = time.monotonic()
    with pytest.raises(DownloadError) as info:
        download(
            [closed_port_url(), closed_port_url()],
            tmp_path / "glove.6B.zip",
            manual_steps="download glove.6B.zip by hand, then --from PATH",
        )
    assert time.monotonic() - started < 5
    assert info.value.offline
    message = str(info.value)
    assert "are you offline" in message and "connection refused" in message
    assert message.endswith("download glove.6B.zip by hand, then --from PATH")


def test_a_complete_part_left_by_a_killed_run_is_verified_without_downloading(
    glove_server, tmp_path
):
    body = glove_zip()
    url = serve(glove_server, body)
    target = tmp_path / "glove.6B.zip"
    target.with_name("glove.6B.zip.part").write_bytes(body)
    report = download([url], target, expected_bytes=len(body), expected_sha1=sha1(body))
    assert glove_server.requests == [] and report.sha1_verified
    assert target.read_bytes() == body


def test_complete_part_of_unknown_size_is_accepted_after_a_416(glove_server, tmp_path):
    body = glove_zip()
    url = serve(glove_server, body)
    target = tmp_path / "glove.6B.zip"
    target.with_name("glove.6B.zip.part").write_bytes(body)
    download([url], target, expected_sha1=sha1(body))
    assert [r["range"] for r in glove_server.requests] == [f"bytes={len(body)}-"]
    assert target.read_bytes() == body


def test_the_archive_must_hold_the_member(glove_server, tmp_path):
    url = serve(glove_server, glove_zip())
    with pytest.raises(DownloadError, match=r"no glove\.6B\.300d\.txt"):
        download([url], tmp_path / "glove.6B.zip", member="glove.6B.300d.txt")


def test_tests_never_point_at_the_real_hosts():
    import os

    assert os.environ[MIRRORS_ENV].startswith("http://127.0.0.1:")


def test_path_helper_is_inside_the_cache(tmp_path: Path):
    assert downloads_dir(tmp_path) == tmp_path / "downloads"
