"""A GloVe text parsed by worker processes (``--jobs N``) gives the set one process gives.

Ranges are made tiny, so the dirty lines (duplicates across ranges, blank and CRLF lines, a
header, tokens that are not UTF-8, malformed lines, no final newline) fall in every range.
"""

from __future__ import annotations

import json
import os
import sys
import zlib
from pathlib import Path

import pytest
from helpers.cli import invoke
from helpers.glove_files import glove_text
from helpers.interrupt import interrupt_with_workers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnncli.glove.set_import as set_import
import rnncli.worker_pool as pool_module
from rnncli.byte_ranges import split_ranges
from rnncli.errors import RnncliError
from rnncli.glove.integrity import crc32_combine
from rnncli.glove.set_import import import_text_file

_LINES = [
    b"the 0.1 0.2 0.3",
    b"of -1.5 2 3e-2",
    b"and 4 5 6",
    b"the 9 9 9",  # a duplicate: the first wins, wherever it falls
    b"",
    b"\r",
    b"\r\r",  # not blank: one \r is dropped, the other is a (bad) line
    b"new york 4 5 6",
    "\u0085 1 2 3".encode(),
    ".\u00a0. 7 8 9".encode(),
    b"\xff\xfe 4 5 6",  # not UTF-8: skipped and counted
    b"fasttext 1 2 3 ",
]
_BAD = [b"short 1 2", b"x 0.5 1 2 3", b"num 4x 5 6"]


def _files(folder: Path) -> dict[str, object]:
    """Every file of a set, and what meta.json says of each (size, CRC-32) and of the parse."""
    files: dict[str, object] = {
        p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != "meta.json"
    }
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    files["meta"] = (
        {name: (f["size"], f["crc32"]) for name, f in meta["files"].items()},
        meta["stats"],
        meta["count"],
    )
    for name, (size, crc) in files["meta"][0].items():  # type: ignore[index]
        assert (len(files[name]), zlib.crc32(files[name])) == (size, crc), name  # type: ignore[arg-type]
    return files


def _import(tmp_path: Path, data: bytes, jobs: int, lenient: bool, tag: str):
    path = tmp_path / "vectors.txt"
    path.write_bytes(data)
    cache = tmp_path / f"cache-{tag}"
    try:
        report = import_text_file("6B.50d", path, cache, dim=3, lenient=lenient, jobs=jobs)
    except RnncliError as exc:
        return str(exc), None, None
    return None, report, _files(Path(report.path))


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.lists(
        st.one_of(
            st.sampled_from(_LINES), st.integers(0, 40).map(lambda i: b"w%d 1 2 %d" % (i, i))
        ),
        min_size=1,
        max_size=60,
    ),
    bad=st.lists(st.tuples(st.integers(0, 60), st.sampled_from(_BAD)), max_size=2),
    header=st.booleans(),
    final_newline=st.booleans(),
    lenient=st.booleans(),
    jobs=st.integers(2, 4),
    head_start=st.sampled_from([0, 7, 40, 10**6]),
)
def test_workers_build_the_set_one_process_builds(
    tmp_path, monkeypatch, body, bad, header, final_newline, lenient, jobs, head_start
):
    lines = list(body)
    for at, line in bad:
        lines.insert(min(at, len(lines)), line)
    if header:
        lines.insert(0, b"%d 3" % len(lines))
    data = b"\n".join(lines) + (b"\n" if final_newline else b"")
    monkeypatch.setattr(set_import, "CHUNK_BYTES", 16)
    monkeypatch.setattr(set_import, "HEAD_START", head_start)  # the first range's extra bytes
    pools = []
    real_enter = pool_module.WorkerPool.__enter__
    monkeypatch.setattr(
        pool_module.WorkerPool, "__enter__", lambda self: pools.append(1) or real_enter(self)
    )
    error_one, one, files_one = _import(tmp_path, data, 1, lenient, "one")
    assert not pools
    error_many, many, files_many = _import(tmp_path, data, jobs, lenient, "many")
    path = tmp_path / "vectors.txt"
    parts = min(jobs, max(1, len(data) // 16))
    ranges = split_ranges(path, parts, b"\n", head_start)
    assert bool(pools) == (parts > 1 and len(ranges) > 1)
    assert error_many == error_one
    if one is not None and many is not None:
        assert files_many == files_one
        assert many.stats == one.stats and many.count == one.count


def test_a_line_of_two_cr_is_content_whichever_range_holds_it(tmp_path, monkeypatch):
    """Review: a range that held only b"\r\r" and blank lines was taken for one without
    content, so a later range skipped a header that one process reads as a bad line."""
    monkeypatch.setattr(set_import, "CHUNK_BYTES", 16)
    monkeypatch.setattr(set_import, "HEAD_START", 0)
    data = b"\r\r\n" + b"\n" * 40 + b"2 3\n" + b"a 1 2 3\nb 4 5 6\n"
    one = _import(tmp_path, data, 1, True, "one")
    many = _import(tmp_path, data, 3, True, "many")
    assert len(split_ranges(tmp_path / "vectors.txt", 3, b"\n")) == 3
    assert one[1] is not None and not one[1].stats.header_skipped
    assert many[0] == one[0] and many[1].stats == one[1].stats and many[2] == one[2]


def test_the_fixture_file_in_ranges(tmp_path, monkeypatch):
    monkeypatch.setattr(set_import, "CHUNK_BYTES", 64)
    data = glove_text() * 3  # every word three times: later copies dropped across ranges
    path = tmp_path / "glove.6B.50d.txt"
    path.write_bytes(data)
    one = import_text_file("6B.50d", path, tmp_path / "a", dim=50, jobs=1)
    done = []
    many = import_text_file(
        "6B.50d", path, tmp_path / "b", dim=50, jobs=4, progress=lambda d, t: done.append((d, t))
    )
    assert many.count == one.count == 8 and many.stats.duplicates == 16
    assert _files(Path(many.path)) == _files(Path(one.path))
    assert done[-1] == (len(data), len(data))


def test_a_question_after_a_failure_ends_its_worker(monkeypatch):
    """Range 2's worker fails first; range 0's asks for its starting row afterwards. No answer
    will come (the run has failed), so it is ended, not left waiting: a pool whose worker
    waits for ever never finishes."""
    failure = RnncliError("range 2 failed")

    class ScriptedPool:
        def __init__(self, tasks, **options):
            self.stopped: list[int] = []
            self.waiting: set[int] = set()

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

        def events(self):
            yield 2, "error", failure
            yield 0, "message", {"lines": 10, "content": True}
            assert 0 in self.stopped, "the asking worker was left waiting"

        def stop(self, index):
            self.stopped.append(index)

    asked = []
    monkeypatch.setattr(pool_module, "WorkerPool", ScriptedPool)
    tasks = [("parse_range", {})] * 3
    with pytest.raises(RnncliError, match="range 2 failed"):
        pool_module.run_in_order(tasks, on_message=lambda pool, i, m: asked.append(i))
    assert asked == []


@given(st.binary(max_size=300), st.binary(max_size=300))
def test_crc32_combine_is_the_crc_of_the_joined_bytes(a, b):
    assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


def test_a_small_file_starts_no_pool(tmp_path, monkeypatch):
    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started")

    monkeypatch.setattr(pool_module.WorkerPool, "__init__", no_pool)
    path = tmp_path / "small.txt"
    path.write_bytes(b"".join(b"w%d 0.1 0.2 0.3\n" % i for i in range(100)))
    assert import_text_file("6B.50d", path, tmp_path, dim=3, jobs=8).count == 100


def test_fetch_jobs_must_be_positive(tmp_path):
    result = invoke("glove", "fetch", "6B.50d", "--from", str(tmp_path), "--jobs", "0")
    assert result.exit_code == 2 and "--jobs" in result.stderr


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_ctrl_c_with_workers_leaves_no_process_and_no_set(tmp_path):
    row = " ".join(["0.12345"] * 300).encode()
    path = tmp_path / "glove.840B.300d.txt"
    with open(path, "wb") as handle:
        block = b"".join(b"w%d %s\n" % (i, row) for i in range(2000))
        for _ in range(40):  # about 100 MB
            handle.write(block)
    cache = tmp_path / "cache"
    proc, workers, err = interrupt_with_workers(
        [sys.executable, "-m", "rnncli", "glove", "fetch", "840B.300d", f"--from={path}", "-j3"],
        {**os.environ, "RNNCLI_CACHE_DIR": str(cache)},
    )
    assert proc.returncode == 130, err
    assert b"Traceback" not in err
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists(), f"worker {pid} is left"
    glove = cache / "glove"
    assert not glove.exists() or list(glove.iterdir()) == []


def test_a_write_error_met_by_the_early_sync_fails_the_import(tmp_path, monkeypatch):
    """Review: the early fdatasync swallowed an I/O error, and the kernel reports one once per
    open file, so finish's own fsync would pass over rows that never reached the disk. The
    error now fails the import, and the set already cached stays, with no temporary folder."""
    import errno

    monkeypatch.setattr(set_import, "CHUNK_BYTES", 1 << 12)
    path = tmp_path / "vectors.txt"
    path.write_bytes(b"".join(b"w%d %d 1 2\n" % (i, i) for i in range(3000)))
    cache = tmp_path / "cache"
    first = import_text_file("6B.50d", path, cache, dim=3, jobs=2)
    before = {p.name: p.read_bytes() for p in Path(first.path).iterdir()}
    calls = []

    def failing(fd):
        calls.append(fd)
        raise OSError(errno.EIO, "writeback failed")

    monkeypatch.setattr(os, "fdatasync", failing)
    with pytest.raises(OSError, match="writeback failed"):
        import_text_file("6B.50d", path, cache, dim=3, jobs=2)
    assert calls  # the early sync ran
    assert {p.name: p.read_bytes() for p in Path(first.path).iterdir()} == before
    assert [p.name for p in (cache / "glove").iterdir()] == ["6B.50d"]
