"""Counting with workers (``--jobs N``) gives exactly what one worker gives.

Workers are threads where the C chunk table was built, processes where it was not; the tests
that matter run both ways (``with_c``). Block and range sizes are made tiny here, so a few
hundred bytes cross every boundary: blocks and ranges inside multi-byte characters'
neighbourhoods, lines longer than a range, a last line without newline, CRLF, whitespace that
``bytes.split`` does not know.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path

import pytest
from helpers.cli import invoke
from helpers.interrupt import interrupt_with_workers
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import rnncli.text.chunk_table as chunk_table_module
import rnncli.text.corpus as corpus_module
import rnncli.text.range_count as range_count_module
import rnncli.worker_pool as pool_module
from rnncli.byte_ranges import split_ranges
from rnncli.errors import RnncliError, UsageError
from rnncli.text.corpus import count_tokens
from rnncli.text.range_count import SEPARATORS
from rnncli.text.tokenize import tokenize

_ALPHABET = (
    list("aZé€𝔘ΣσΑİ_9,.!'-#*()\"$@~")
    + list(" \t\r\n\x0b\x0c\x1c\x1d\x1e\x1f")
    + ["\u0085", "\u00a0", "\u2000", "\u2028", "\u3000", "\r\n"]
    + ["\u200d", "\ufe0f", "\ufeff", "\u00ad", "👍", "🏽", "🇫", "❤", "\u20e3", "#\ufe0f\u20e3"]
)
_texts = st.lists(st.sampled_from(_ALPHABET), min_size=20, max_size=400).map("".join)


def _reference(data: bytes, tokenizer: str) -> Counter:
    """The whole file at once, through the tokenizer itself.

    A file that starts with EF BB BF starts with a byte-order mark, not a character, whether the
    test wrote it as ``bom`` or the text's own first character is U+FEFF; ``utf-8-sig`` drops one.
    """
    return Counter(tokenize(data.decode("utf-8-sig"), tokenizer))


C_TABLE = chunk_table_module.accelerator()
needs_c = pytest.mark.skipif(C_TABLE is None, reason="the C chunk table was not built")


@pytest.fixture(params=[pytest.param(True, marks=needs_c), False], ids=["c-threads", "python"])
def with_c(request, monkeypatch):
    """Both ways of counting: the C table in threads, or bytes.split/Counter in processes (the
    worker processes see ``RNNCLI_PURE_PYTHON=1`` too)."""
    monkeypatch.setattr(chunk_table_module, "_ACCELERATOR", [C_TABLE if request.param else None])
    if not request.param:
        monkeypatch.setenv("RNNCLI_PURE_PYTHON", "1")
    return request.param


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@example(text="\ufeff" + "a" * 19, block=1, jobs=2, tokenizer="whitespace", bom=False).via(
    "CI: a text that starts with U+FEFF is a file that starts with a byte-order mark"
)
@example(text="\ufeff" + "a" * 19, block=1, jobs=2, tokenizer="whitespace", bom=True)
@given(
    text=_texts,
    block=st.integers(1, 24),
    jobs=st.integers(2, 4),
    tokenizer=st.sampled_from(["basic", "whitespace"]),
    bom=st.booleans(),
)
def test_workers_count_what_one_process_counts(
    tmp_path, monkeypatch, with_c, text, block, jobs, tokenizer, bom
):
    path = tmp_path / "c.txt"
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    path.write_bytes(data)
    monkeypatch.setattr(corpus_module, "BLOCK_BYTES", block)
    monkeypatch.setattr(corpus_module, "CHUNK_BYTES", 8)
    monkeypatch.setattr(range_count_module, "DECODE_BYTES", block)  # the export in pieces too
    pools = []
    real_enter = pool_module.WorkerPool.__enter__
    monkeypatch.setattr(
        pool_module.WorkerPool, "__enter__", lambda self: pools.append(1) or real_enter(self)
    )
    one = count_tokens([path], tokenizer, jobs=1)
    assert not pools
    many = count_tokens([path], tokenizer, jobs=jobs)
    parts = min(jobs, max(1, len(data) // 8))
    assert bool(pools) == (parts > 1 and len(split_ranges(path, parts, SEPARATORS)) > 1)
    assert many.counts == one.counts == _reference(data, tokenizer)
    assert (many.lines, many.bytes, many.tokens) == (one.lines, one.bytes, one.tokens)
    assert one.bytes == len(data)
    assert one.lines == text.count("\n") + (1 if data and not data.endswith(b"\n") else 0)


def test_ranges_end_after_a_separator_and_cover_the_file(tmp_path):
    path = tmp_path / "c.txt"
    data = "ab cd\tef\n" * 50 + "x" * 300 + "\u3000tail"
    path.write_bytes(data.encode())
    ranges = split_ranges(path, 7, SEPARATORS)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(data.encode())
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
    raw = path.read_bytes()
    assert all(raw[end - 1 : end] in [bytes([c]) for c in SEPARATORS] for _, end in ranges[:-1])
    assert len(split_ranges(path, 1, SEPARATORS)) == 1


@given(
    size=st.integers(0, 3000),
    parts=st.integers(1, 6),
    head_start=st.integers(-5, 4000),
)
@settings(max_examples=100, deadline=None)
def test_a_head_start_makes_the_first_range_longer(tmp_path_factory, size, parts, head_start):
    """The first range gets head_start bytes (at most half the file) more than an even share;
    the others split the rest evenly; each still ends after a separator."""
    path = tmp_path_factory.mktemp("ranges") / "c.txt"
    path.write_bytes(b"a" * 9 + b" " + b"word\n" * (size // 5))
    raw = path.read_bytes()
    ranges = split_ranges(path, parts, SEPARATORS, head_start)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(raw) and len(ranges) <= parts
    assert all(a[1] == b[0] and a[0] < a[1] for a, b in zip(ranges, ranges[1:]))
    assert all(raw[end - 1 : end] in (b" ", b"\n") for _, end in ranges[:-1])
    if len(ranges) == parts > 1:
        lead = min(max(head_start, 0), len(raw) // 2)
        share = (len(raw) - lead) // parts
        first = ranges[0][1]
        assert lead + share <= first <= lead + share + 10  # the next separator: a word away
        assert all(b - a <= share + 11 for a, b in ranges[1:-1])


def test_the_first_bad_byte_in_file_order_is_reported(tmp_path, monkeypatch, with_c):
    """Two ranges hold bad bytes: the error names the earlier one, as one process does."""
    monkeypatch.setattr(corpus_module, "BLOCK_BYTES", 16)
    monkeypatch.setattr(corpus_module, "CHUNK_BYTES", 64)
    path = tmp_path / "bad.txt"
    data = b"word " * 60 + b"caf\xe9 " + b"more " * 60 + b"\xff end\n"
    path.write_bytes(data)
    with pytest.raises(RnncliError) as one:
        count_tokens([path], jobs=1)
    with pytest.raises(RnncliError) as many:
        count_tokens([path], jobs=4)
    assert str(many.value) == str(one.value)
    offset = data.index(b"\xe9")
    assert f"byte offset {offset} " in str(one.value)
    assert (
        count_tokens([path], errors="replace", jobs=4).counts
        == count_tokens([path], errors="replace", jobs=1).counts
    )


def test_a_small_file_starts_no_pool(tmp_path, monkeypatch):
    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started")

    monkeypatch.setattr(pool_module.WorkerPool, "__init__", no_pool)
    path = tmp_path / "small.txt"
    path.write_text("the cat sat on the mat\n" * 450, encoding="utf-8")  # about 10 KB
    assert count_tokens([path], jobs=8).counts["the"] == 900


def test_jobs_must_be_positive():
    with pytest.raises(UsageError, match="--jobs"):
        count_tokens(["-"], jobs=0)
    result = invoke("vocab", "build", "x.txt", "--jobs", "0")
    assert result.exit_code == 2 and "--jobs" in result.stderr


def test_several_files_mix_workers_and_this_process(tmp_path, monkeypatch, with_c):
    monkeypatch.setattr(corpus_module, "CHUNK_BYTES", 32)
    big = tmp_path / "big.txt"
    big.write_text("alpha beta gamma delta\n" * 20, encoding="utf-8")
    small = tmp_path / "small.txt"
    small.write_text("beta", encoding="utf-8")
    done = []
    corpus = count_tokens([big, small], "whitespace", jobs=3, progress=lambda *a: done.append(a))
    assert corpus.counts == Counter({"alpha": 20, "beta": 21, "gamma": 20, "delta": 20})
    assert corpus.lines == 21 and corpus.files == [str(big), str(small)]
    ends = {name: (d, total) for d, total, name in done}
    assert ends[str(big)] == (460, 460) and ends[str(small)] == (4, 4)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize(
    "threads", [pytest.param(True, marks=needs_c), False], ids=["c-threads", "processes"]
)
def test_ctrl_c_with_workers_leaves_no_process_and_no_file(tmp_path, threads):
    """SIGINT to the process group, as a terminal's Ctrl-C: exit 130, workers gone, no output.
    With the C table the workers are threads: no process is started at all."""
    corpus = tmp_path / "big.txt"
    line = ("lorem ipsum dolor sit amet consectetur adipiscing elit " * 4 + "\n").encode()
    with open(corpus, "wb") as handle:
        handle.write(line * ((200_000_000 if threads else 60_000_000) // len(line)))
    out = tmp_path / "out" / "v.json"
    env = dict(os.environ)
    if not threads:
        env["RNNCLI_PURE_PYTHON"] = "1"
    proc, workers, err = interrupt_with_workers(
        [sys.executable, "-m", "rnncli", "vocab", "build", str(corpus), "--jobs=3", f"--out={out}"],
        env,
        workers=0 if threads else 2,
        threads=3 if threads else 0,
    )
    assert proc.returncode == 130, err
    assert b"Traceback" not in err
    assert (not workers) == threads
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "Z" in _state(pid), f"worker {pid} is left"
    assert not out.exists() and not (out.parent.exists() and any(out.parent.iterdir()))


@needs_c
def test_with_the_c_table_every_range_is_a_thread(tmp_path, monkeypatch):
    """No worker process is started: the C table counts without the GIL."""

    def no_process(*args, **kwargs):
        raise AssertionError("a worker process was started")

    monkeypatch.setattr(pool_module, "_ProcessWorker", no_process)
    monkeypatch.setattr(corpus_module, "CHUNK_BYTES", 64)
    path = tmp_path / "c.txt"
    path.write_bytes(b"One two three\n" * 200)
    counted = count_tokens([path], jobs=4)
    assert counted.counts == Counter({"one": 200, "two": 200, "three": 200})


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return "Z"


def test_a_worker_that_crashes_is_an_error_with_its_last_words(tmp_path):
    args = {"path": str(tmp_path / "gone.txt"), "start": 0, "end": 10}
    args.update(lower=True, errors="strict", block_bytes=16, name="gone.txt")
    with pytest.raises(RnncliError, match=r"a worker process failed: FileNotFoundError"):
        pool_module.run_in_order([("count_range", args)], first_here=False)
    with pytest.raises(ValueError, match="unknown worker task"):
        pool_module.WorkerPool([("os.system", {})])


def _range_tasks(path: Path, parts: int) -> list[tuple[str, dict]]:
    args = {"path": str(path), "lower": False, "errors": "strict"}
    args.update(block_bytes=64, name=path.name)
    return [
        ("count_range", {**args, "start": a, "end": b})
        for a, b in split_ranges(path, parts, SEPARATORS)
    ]


def test_the_first_range_is_counted_in_this_process(tmp_path):
    """N ranges take N - 1 worker processes; the parent counts the first instead of waiting."""
    path = tmp_path / "c.txt"
    path.write_bytes(b"one two three\n" * 200)
    tasks = _range_tasks(path, 3)
    assert len(tasks) == 3
    with pool_module.WorkerPool(tasks, first_here=True) as pool:
        results = {i: v for i, kind, v in pool.events() if kind == "result"}
        assert len(pool.processes) == 2
    assert sorted(results) == [0, 1, 2]
    assert sum(r.meta["bytes"] for r in results.values()) == path.stat().st_size
    with pool_module.WorkerPool(tasks, first_here=False) as pool:
        list(pool.events())
        assert len(pool.processes) == 3


def test_a_bug_in_the_range_counted_here_is_raised_as_itself(tmp_path):
    """Only a worker process's crash becomes "a worker process failed"; in this process the
    exception itself goes up (a traceback under RNNCLI_DEBUG=1), and the workers are ended."""
    path = tmp_path / "c.txt"
    path.write_bytes(b"one two three\n" * 200)
    tasks = _range_tasks(path, 2)
    tasks[0][1]["path"] = str(tmp_path / "gone.txt")
    with pytest.raises(FileNotFoundError):
        pool_module.run_in_order(tasks)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_a_task_that_cannot_be_sent_leaves_no_process(tmp_path):
    """Arguments that are not JSON fail once the second worker's process runs: it is ended and
    reaped, and so is the first."""
    path = tmp_path / "c.txt"
    path.write_bytes(b"one two\n" * 10)
    tasks = _range_tasks(path, 1) * 2
    tasks[1] = ("count_range", {**tasks[1][1], "path": path})  # a Path is not JSON
    mine = f"/proc/{os.getpid()}/task/{os.getpid()}/children"
    before = set(Path(mine).read_text().split())
    with pytest.raises(TypeError):
        pool_module.run_in_order(tasks, first_here=False)
    assert set(Path(mine).read_text().split()) <= before


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_ctrl_c_while_workers_start_is_raised_once_all_are_owned(tmp_path, monkeypatch):
    """A Ctrl-C that lands while the processes start (here: right after the first) waits until
    the last has started, then ends and reaps every one of them."""
    import signal

    path = tmp_path / "c.txt"
    path.write_bytes(b"one two\n" * 10)
    real = pool_module._ProcessWorker
    made = []

    def worker_then_ctrl_c(*args, **kwargs):
        made.append(real(*args, **kwargs))
        if len(made) == 1:
            os.kill(os.getpid(), signal.SIGINT)
        return made[-1]

    monkeypatch.setattr(pool_module, "_ProcessWorker", worker_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        pool_module.run_in_order(_range_tasks(path, 1) * 3, first_here=False)
    assert len(made) == 3  # the start went on to the end
    assert all(worker.proc.returncode is not None for worker in made)  # reaped
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
