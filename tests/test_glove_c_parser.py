"""The optional C parser of GloVe numbers: bit for bit float() then float32, or it declines.

It is built at install time when a C compiler is at hand; without it the numpy paths do the
work. Both give the same cache, byte for byte, which the last tests check on dirty files.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers.cli import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnncli.glove.decimal_parse as decimal_module
from rnncli.glove.set_import import import_text

c_parser = decimal_module.accelerator()
needs_c = pytest.mark.skipif(c_parser is None, reason="the C parser was not built here")


def _exact(fields: list[bytes]):
    """float() then float32; None where float() fails or the value is not finite in float32."""
    try:
        values = [float(f) for f in fields]
    except ValueError:
        return None
    if not all(abs(v) < decimal_module.F32_OVERFLOW for v in values):
        return None
    return np.array(values, dtype=np.float64).astype(np.float32)


def _c_lines(lines: list[list[bytes]], dim: int, token: bytes = b"tok"):
    """``lines`` of numbers after a token, as a chunk of GloVe lines through the C parser:
    (which lines it took, their rows)."""
    chunk = b""
    starts, ends = [], []
    for fields in lines:
        starts.append(len(chunk))
        chunk += token + b" " + b" ".join(fields)
        ends.append(len(chunk))
        chunk += b"\n"
    n = len(lines)
    rows = np.empty((n, dim), dtype=np.float32)
    seps = np.empty(n, dtype=np.int64)
    fast = np.empty(n, dtype=np.uint8)
    taken = c_parser.scan_lines(
        chunk, np.array(starts, np.int64), np.array(ends, np.int64), dim, rows, seps, fast
    )
    assert taken == int(fast.sum())
    assert all(seps[i] == (starts[i] + len(token) if fast[i] else -1) for i in range(n))
    return fast.astype(bool), rows


_plain = st.builds(
    lambda sign, whole, frac, dot, exp: sign + whole + (b"." + frac if dot else b"") + exp,
    st.sampled_from([b"", b"-", b"+"]),
    st.from_regex(rb"\A[0-9]{0,24}\Z"),
    st.from_regex(rb"\A[0-9]{0,24}\Z"),
    st.booleans(),
    st.one_of(st.just(b""), st.from_regex(rb"\A[eE][+-]?[0-9]{1,3}\Z")),
)
_junk = st.from_regex(rb"\A[0-9.+\-eE]{0,12}\Z")
_formatted = st.builds(
    lambda v, fmt: (fmt % v).encode(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["%.5g", "%.6f", "%r", "%.9e", "%g", "%.17g", "%.40f"]),
)
_field = st.one_of(_plain, _junk, _formatted)


@needs_c
@settings(max_examples=500, deadline=None)
@given(st.lists(_field, min_size=1, max_size=12))
def test_values_are_float_then_float32_or_the_parser_declines(fields):
    """Fast path (short decimals), long digits and exponents (PyOS_string_to_double), junk,
    values beyond float32: the same bits as float() then float32, or the line is left to the
    exact per-line path, never a guess."""
    expected = _exact(fields)
    fast, rows = _c_lines([fields], len(fields))
    assert fast[0] == (expected is not None)
    if fast[0]:
        assert np.array_equal(rows[0].view(np.uint32), expected.view(np.uint32))


@needs_c
@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_field, min_size=3, max_size=3), min_size=1, max_size=30))
def test_each_line_is_taken_or_left_on_its_own(rows):
    fast, values = _c_lines(rows, 3)
    for i, fields in enumerate(rows):
        expected = _exact(fields)
        assert fast[i] == (expected is not None)
        if fast[i]:
            assert np.array_equal(values[i].view(np.uint32), expected.view(np.uint32))


@needs_c
@pytest.mark.parametrize(
    "fields",
    [
        [b"1", b""],  # an empty field
        [b"1 ", b"2"],  # two spaces
        [b"1", b"2", b"3"],  # more fields than dim: the token would hold a space
        [b"1"],  # fewer
        [b"nan", b"1"],
        [b"inf", b"1"],
        [b"1_0", b"1"],  # float() takes underscores; a GloVe file does not hold them
        [b"\xd9\xa1", b"1"],  # float() takes Arabic-Indic digits; not here
        [b"1e39", b"1"],  # beyond float32
        [b"3.4028235677973366e38", b"0"],  # rounds to float32's infinity
        [b"1" * 500, b"1"],  # a field beyond the C parser's length
    ],
)
def test_anything_else_is_left_to_the_exact_path(fields):
    fast, _ = _c_lines([fields], 2)
    assert not fast[0]


@needs_c
@pytest.mark.parametrize(
    ("token", "tail", "taken"),
    [
        (b"tok", b"", True),
        (b"tok", b" ", True),  # fastText's trailing space
        (b"new york", b"", False),  # a space in the token: the exact path decides
        (b"", b"", False),  # no token
        (b".\xc2\xa0.", b"", True),  # a no-break space is part of the token
    ],
)
def test_tokens_and_line_ends(token, tail, taken):
    chunk = token + b" 1.5 -2" + tail
    rows = np.empty((1, 2), np.float32)
    seps = np.empty(1, np.int64)
    fast = np.empty(1, np.uint8)
    got = c_parser.scan_lines(
        chunk, np.array([0], np.int64), np.array([len(chunk)], np.int64), 2, rows, seps, fast
    )
    assert bool(fast[0]) == taken == bool(got)
    if taken:
        assert seps[0] == len(token) and rows[0].tolist() == [1.5, -2.0]


@needs_c
def test_the_largest_float32_and_its_neighbours():
    top = np.finfo(np.float32).max
    fast, rows = _c_lines([[repr(float(top)).encode(), b"-3.4028235e38"]], 2)
    assert fast[0] and rows[0, 0] == top and rows[0, 1] == -top


@pytest.mark.parametrize("with_c", [True, False])
def test_memory_follows_the_bytes_not_lines_times_dim(monkeypatch, with_c):
    """Blank and short lines at a large dim, with the C parser or numpy: rows are asked only
    for lines long enough to hold a token and dim numbers (before: lines x dim floats for
    each block, gigabytes for a block of blank lines at dim 300)."""
    import tracemalloc

    from rnncli.glove.parse import parse_glove

    if with_c and c_parser is None:
        pytest.skip("the C parser was not built here")
    monkeypatch.setattr(decimal_module, "_ACCELERATOR", [c_parser if with_c else None])
    data = b"a " + b" ".join([b"0.1"] * 300) + b"\n" + b"\n" * (1 << 20) + b"x\n" * (1 << 18)
    tracemalloc.start()
    try:
        blocks, stats = parse_glove(io.BytesIO(data), 300, lenient=True)
        rows = sum(len(b.words) for b in blocks)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rows == 1 and stats.bad_lines == 1 << 18
    assert peak < 64 << 20, f"{peak / 2**20:.0f} MB"


@needs_c
def test_sizes_that_would_overflow_are_refused():
    rows, seps, fast = np.empty((1, 2), np.float32), np.empty(1, np.int64), np.empty(1, np.uint8)
    line = b"w " + b" ".join([b"1e30"] * 1000)
    with pytest.raises(ValueError):
        c_parser.scan_lines(
            line, np.array([0], np.int64), np.array([len(line)], np.int64), 2**61, rows, seps, fast
        )
    with pytest.raises(ValueError):  # float64 rows of the right byte length
        c_parser.scan_lines(
            b"t 1", np.array([0], np.int64), np.array([3], np.int64), 2, np.empty(1), seps, fast
        )


@needs_c
def test_bad_buffers_are_refused():
    rows, seps, fast = np.empty((1, 2), np.float32), np.empty(1, np.int64), np.empty(1, np.uint8)
    one, nine = np.array([0], np.int64), np.array([9], np.int64)
    with pytest.raises(ValueError, match="outside"):
        c_parser.scan_lines(b"t 1 2", one, nine, 2, rows, seps, fast)
    with pytest.raises(ValueError):
        c_parser.scan_lines(b"t 1 2", one, np.array([5, 5], np.int64), 2, rows, seps, fast)
    with pytest.raises(ValueError):
        c_parser.scan_lines(b"t 1 2 3", one, np.array([7], np.int64), 3, rows, seps, fast)


_token = st.text(
    alphabet=st.sampled_from(list("abcé.,-0123456789 \u00a0")), min_size=1, max_size=6
).filter(lambda t: t.strip(" ") == t)
_value = st.one_of(_formatted, _plain, st.sampled_from([b"nan", b"1e39", b"x"]))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.tuples(_token, st.lists(_value, min_size=2, max_size=4)), min_size=1, max_size=40),
    st.sampled_from([b"\n", b"\r\n"]),
)
def test_the_cache_is_the_same_with_or_without_the_c_parser(
    tmp_path_factory, monkeypatch, lines, newline
):
    """Dirty lines (a token that is a number, spaces in tokens, too many or too few numbers,
    junk, NaN, values beyond float32, CRLF), lenient: the same set, statistics and files."""
    data = b"".join(t.encode() + b" " + b" ".join(values) + newline for t, values in lines)
    results = []
    for built in (c_parser, None):
        monkeypatch.setattr(decimal_module, "_ACCELERATOR", [built])
        cache = tmp_path_factory.mktemp("c")
        try:
            report = import_text("dirty", io.BytesIO(data), cache, dim=3, lenient=True)
        except Exception as exc:  # no valid line at all: the same error both ways
            results.append(("error", str(exc)))
            continue
        files = {
            name: (Path(report.path) / name).read_bytes()
            for name in ("vectors.npy", "words.bin", "offsets.npy", "norms.npy", "table.npy")
        }
        results.append((report.count, report.stats.to_dict(), files))
    assert results[0] == results[1]


def test_rnncli_pure_python_turns_the_c_parser_off(tmp_path):
    """RNNCLI_PURE_PYTHON=1: the numpy paths, as on a machine without a compiler."""
    code = "from rnncli.glove.decimal_parse import accelerator; print(accelerator() is None)"
    env = {**os.environ, "PYTHONPATH": str(REPO), "RNNCLI_PURE_PYTHON": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "True"


# --- whole blocks: scan_block -------------------------------------------------------------------

_clean_token = st.text(
    alphabet=st.characters(blacklist_characters=" \n\r", blacklist_categories=("Cs",)),
    min_size=1,
    max_size=8,
)
_clean_value = st.one_of(_formatted, st.sampled_from([b"0", b"-0.5", b"1e-3", b"12345678.9"]))


@needs_c
@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.tuples(_clean_token, st.lists(_clean_value, min_size=3, max_size=3)),
            st.just(None),  # a blank line
        ),
        max_size=30,
    ),
    st.sampled_from([b"\n", b"\r\n"]),
    st.booleans(),
    st.booleans(),
)
def test_a_clean_block_in_one_pass(lines, newline, trailing_space, final_newline):
    """Ordinary and blank lines only: scan_block's rows and tokens are scan_lines' (line by
    line), its hashes zlib's CRC-32, its counts the lines and blanks; a block ending without a
    newline too."""
    import zlib

    tail = b" " if trailing_space else b""
    body = [
        b"" if line is None else line[0].encode() + b" " + b" ".join(line[1]) + tail
        for line in lines
    ]
    data = newline.join(body) + (newline if final_newline and body else b"")
    expected_values = [_exact(line[1]) for line in lines if line is not None]
    rows = np.empty((len(data) // 7 + 1, 3), np.float32)
    found = c_parser.scan_block(data, 3, rows)
    if any(v is None for v in expected_values):
        assert found is None  # a value off the fast path: the block goes line by line
        return
    assert found is not None
    n_lines, blank, joined, hashes = found
    tokens = [line[0].encode() for line in lines if line is not None]
    assert joined == b"\n".join(tokens)
    assert np.frombuffer(hashes, np.uint32).tolist() == [zlib.crc32(t) for t in tokens]
    physical = data.split(b"\n")
    if physical and physical[-1] == b"":
        physical.pop()
    assert n_lines == len(physical)
    assert blank == sum(1 for p in physical if p in (b"", b"\r"))
    for i, expected in enumerate(expected_values):
        assert np.array_equal(rows[i].view(np.uint32), expected.view(np.uint32))


@needs_c
@pytest.mark.parametrize(
    "data",
    [
        b"a 1 2\nnew york 1 2\n",  # a space in a token
        b"a 1 2\nb 1\n",  # too few numbers
        b"a 1 2\nb 1 2 3\n",  # too many
        b"a 1 2\n \n",  # a line of one space
        b"a 1 2\n\r\r\n",  # two \r: not blank
        b"a 1 2\nb nan 2\n",
        b"a 1 2\nb 1  2\n",
    ],
)
def test_a_block_with_any_other_line_is_declined(data):
    rows = np.empty((8, 2), np.float32)
    assert c_parser.scan_block(data, 2, rows) is None


@needs_c
def test_scan_block_refuses_too_few_rows_and_bad_buffers():
    data = b"a 1 2\nb 3 4\n"
    assert c_parser.scan_block(data, 2, np.empty((1, 2), np.float32)) is None
    assert c_parser.scan_block(data, 2, np.empty((2, 2), np.float32)) is not None
    with pytest.raises(ValueError):
        c_parser.scan_block(data, 2, np.empty((2, 2), np.float64))
    with pytest.raises(ValueError):
        c_parser.scan_block(data, 0, np.empty((2, 2), np.float32))


@needs_c
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.one_of(_clean_token, _token),
            st.lists(st.one_of(_clean_value, _clean_value, _value), min_size=2, max_size=3),
        ),
        min_size=1,
        max_size=60,
    ),
    st.integers(min_value=16, max_value=400),
    st.booleans(),
)
def test_blocks_clean_or_not_parse_the_same_with_or_without_c(
    monkeypatch, lines, block_bytes, header
):
    """Mostly clean lines in small blocks (some clean, some not, a header or not), lenient:
    the same tokens, rows, hashes and statistics through the C block pass, the C line pass and
    numpy."""
    from rnncli.glove.parse import parse_glove
    from rnncli.glove.word_table import word_hashes

    data = b"".join(t.encode() + b" " + b" ".join(values) + b"\n" for t, values in lines)
    if header:
        data = b"%d 2\n" % len(lines) + data
    results = []
    for built in (c_parser, None):
        monkeypatch.setattr(decimal_module, "_ACCELERATOR", [built])
        blocks, stats = parse_glove(io.BytesIO(data), 2, lenient=True, block_bytes=block_bytes)
        got = [(b.joined, b.vectors.tobytes(), b.token_hashes().tolist()) for b in blocks]
        for joined, _, hashes in got:
            assert hashes == word_hashes(joined.split(b"\n")).tolist()
        results.append((got, stats.to_dict()))
    assert results[0] == results[1]


@needs_c
def test_a_dirty_file_stops_trying_the_block_pass(monkeypatch):
    """Review: every dirty block was scanned twice. After eight declined blocks in a row the
    one-pass parse is no longer tried; the rows are the same."""
    from rnncli.glove import parse as parse_module

    calls = []

    class Spy:
        def scan_block(self, *args):
            found = c_parser.scan_block(*args)
            calls.append(found is not None)
            return found

        def scan_lines(self, *args):
            return c_parser.scan_lines(*args)

    monkeypatch.setattr(decimal_module, "_ACCELERATOR", [Spy()])
    dirty = b"".join(b"new york%d 3 4\n" % i for i in range(40))  # a space in each token
    blocks, stats = parse_module.parse_glove(io.BytesIO(dirty), 2, block_bytes=16)
    assert [w for b in blocks for w in b.words] == [f"new york{i}" for i in range(40)]
    assert len(calls) == parse_module._DECLINED_MAX and stats.rows == 40
    # Review: a clean stretch after a dirty one gets the block pass back at the next retry.
    calls.clear()
    clean = b"".join(b"w%d 3 4\n" % i for i in range(400))
    blocks, stats = parse_module.parse_glove(io.BytesIO(dirty + clean), 2, block_bytes=16)
    assert [w for b in blocks for w in b.words][40:] == [f"w{i}" for i in range(400)]
    back = calls.index(True)
    assert not any(calls[:back]) and all(calls[back:]) and len(calls) - back > 100
