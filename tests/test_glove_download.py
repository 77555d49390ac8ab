"""Downloads through a real HTTP server on 127.0.0.1: fallback, resume, verification, offline.

The server and the tiny ``glove.6B.zip`` live in tests/helpers; no test reaches the real GloVe
hosts: conftest's autouse network guard points RNNCLI_GLOVE_MIRRORS at a closed local port
unless a test serves its own mirror.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from helpers.glove_files import glove_zip, sha1
from helpers.glove_server import closed_port_url, serve

from rnncli.glove.download import DownloadError, download
from rnncli.glove.set_layout import downloads_dir
from rnncli.glove.sources import DEFAULT_BASE_URLS, MIRRORS_ENV, source_urls

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
