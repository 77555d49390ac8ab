"""The C chunk table against the Python one and against ``bytes.split`` itself.

Both must export exactly the same bytes: the distinct chunks in the order first seen, joined by
single spaces, and their counts, whatever the blocks, whatever the bytes (every ASCII
whitespace byte, the separators ``bytes.split`` does not know, high bytes, upper case).
"""

from __future__ import annotations

import os
import subprocess
import sys
from array import array
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rnncli.text import chunk_table
from rnncli.text.chunk_table import PyChunkTable, counts_array

C = chunk_table.accelerator()
needs_c = pytest.mark.skipif(C is None, reason="the C chunk table was not built")
REPO = Path(__file__).resolve().parent.parent

_BYTES = st.binary(max_size=300) | st.lists(
    st.sampled_from([b"a", b"B", b"Zz", b" ", b"\t", b"\n", b"\r", b"\x0b", b"\x0c", b"\x1c"])
    | st.sampled_from([b"\x85", b"\xc2\xa0", b"\xe2\x80\x80", b"\xff", b"\x00", b"word,"]),
    max_size=120,
).map(b"".join)


def _export(table, blocks: list[bytes], lower: bool) -> tuple[bytes, list[int]]:
    for block in blocks:
        table.add(block, lower)
    joined, counts = table.export()
    return bytes(joined), list(counts_array(counts))


def _expected(blocks: list[bytes], lower: bool) -> Counter:
    counts: Counter = Counter()
    for block in blocks:
        counts.update((block.lower() if lower else block).split())
    return counts


@needs_c
@settings(max_examples=300, deadline=None)
@given(blocks=st.lists(_BYTES, max_size=6), lower=st.booleans())
def test_c_exports_what_python_exports(blocks, lower):
    c_joined, c_counts = _export(C.ChunkTable(), blocks, lower)
    assert (c_joined, c_counts) == _export(PyChunkTable(), blocks, lower)
    chunks = c_joined.split(b" ") if c_joined else []
    assert Counter(dict(zip(chunks, c_counts))) == _expected(blocks, lower)
    assert len(chunks) == len(set(chunks))  # each chunk once, in the order first seen


@needs_c
def test_many_distinct_chunks_grow_the_table():
    """200,000 distinct chunks: the slots double many times; every count survives."""
    words = [f"w{i}".encode() for i in range(200_000)]
    block = b" ".join(words + words[::3])
    table = C.ChunkTable()
    table.add(block, False)
    assert len(table) == len(words)
    joined, counts = table.export()
    assert joined.split(b" ") == words
    assert list(counts_array(counts)) == [2 if i % 3 == 0 else 1 for i in range(len(words))]
    assert len(table) == 0 and table.export() == (b"", b"")


@pytest.mark.parametrize("make", [PyChunkTable, pytest.param("c", marks=needs_c)])
def test_add_counts_merges_exports(make):
    """A range's export added to another table equals counting both ranges in one table."""
    new = (lambda: C.ChunkTable()) if make == "c" else make
    first, second, whole = new(), new(), new()
    first.add(b"the cat sat the", False)
    second.add(b"the dog sat dog", False)
    whole.add(b"the cat sat the the dog sat dog", False)
    whole_export = whole.export()
    first.add_counts(*second.export())
    assert first.export() == whole_export
    joined, counts = whole_export
    assert joined == b"the cat sat dog" and list(counts_array(counts)) == [3, 1, 2, 2]


@pytest.mark.parametrize("make", [PyChunkTable, pytest.param("c", marks=needs_c)])
@pytest.mark.parametrize(
    "joined, counts",
    [
        (b"a b", [1]),  # fewer counts than chunks
        (b"a", [1, 2]),  # more counts than chunks
        (b"a  b", [1, 1, 1]),  # an empty chunk
        (b"a b", [1, 0]),  # a count that no export has
        (b"", [1]),
    ],
)
def test_add_counts_refuses_what_is_not_an_export(make, joined, counts):
    table = C.ChunkTable() if make == "c" else make()
    with pytest.raises(ValueError, match="not an export"):
        table.add_counts(joined, array("q", counts).tobytes())


@needs_c
def test_c_table_takes_any_bytes_like_and_refuses_str():
    table = C.ChunkTable()
    table.add(memoryview(b"xx ab")[1:], True)
    table.add(bytearray(b"AB"), True)
    assert table.export() == (b"x ab", array("q", [1, 2]).tobytes())
    with pytest.raises(TypeError):
        table.add("text", False)


def test_pure_python_switch_turns_the_c_table_off():
    """RNNCLI_PURE_PYTHON=1: the Python table, as on a machine without a C compiler."""
    code = (
        "from rnncli.text.chunk_table import accelerator, new_table; "
        "print(accelerator() is None, type(new_table()).__name__)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "RNNCLI_PURE_PYTHON": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["True", "PyChunkTable"]


@pytest.mark.parametrize("make", [PyChunkTable, pytest.param("c", marks=needs_c)])
def test_a_refused_export_changes_nothing(make):
    table = C.ChunkTable() if make == "c" else make()
    table.add(b"x", False)
    with pytest.raises(ValueError, match="not an export"):
        table.add_counts(b"a b  c", array("q", [1, 1, 1]).tobytes())
    with pytest.raises(ValueError, match="not an export"):
        table.add_counts(b"a b c", array("q", [1, 1, 0]).tobytes())
    assert table.export() == (b"x", array("q", [1]).tobytes())


@pytest.mark.parametrize("make", [PyChunkTable, pytest.param("c", marks=needs_c)])
def test_a_count_past_int64_is_refused(make):
    table = C.ChunkTable() if make == "c" else make()
    big = array("q", [2**63 - 1]).tobytes()
    table.add_counts(b"a", big)
    with pytest.raises(OverflowError):
        table.add_counts(b"a", big)
        table.export()  # the Python table finds out when its counts become int64


def test_the_python_table_takes_any_bytes_like():
    table = PyChunkTable()
    table.add(memoryview(b"xx ab")[1:], True)
    table.add(bytearray(b"AB"), True)
    assert table.export() == (b"x ab", array("q", [1, 2]).tobytes())


def _utf8_ok(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# Near-UTF-8: characters of every length (surrogates too), cut, joined to stray bytes and ASCII.
_NEAR_UTF8 = st.lists(
    st.characters(codec=None).map(lambda c: c.encode("utf-8", "surrogatepass"))
    | st.sampled_from([b"\xc0\x80", b"\xc1\xbf", b"\xe0\x9f\xbf", b"\xed\xa0\x80", b"\xed\x9f\xbf"])
    | st.sampled_from([b"\xf0\x8f\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf4\x8f\xbf\xbf", b"\xf5"])
    | st.sampled_from([b"\x80", b"\xbf", b"\xff", b"\xc2", b"\xe2\x82", b"\xf0\x9f\x98"])
    | st.sampled_from([b"abcdefgh", b"\n", b" ", b"x"]),
    max_size=40,
).map(b"".join)


@needs_c
@settings(max_examples=500, deadline=None)
@given(data=_NEAR_UTF8 | st.binary(max_size=64))
def test_c_checks_utf8_as_python_decodes_it(data):
    """add(data, lower, utf8=True): the newlines when bytes.decode takes data, else -1 and
    nothing counted; without the check, always the newlines."""
    table = C.ChunkTable()
    got = table.add(data, False, True)
    if _utf8_ok(data):
        assert got == data.count(b"\n")
    else:
        assert got == -1 and len(table) == 0
    assert table.add(data, True) == data.count(b"\n")


@pytest.mark.parametrize("make", [PyChunkTable, pytest.param("c", marks=needs_c)])
def test_add_returns_the_newlines_or_refuses_what_is_not_utf8(make):
    table = C.ChunkTable() if make == "c" else make()
    assert table.add(b"a\nb\r\n\nc", False, True) == 3
    assert table.add(b"caf\xe9 au lait\n", False, True) == -1
    assert table.add(b"\xed\xa0\x80", False, True) == -1  # a surrogate
    assert table.add(b"caf\xc3\xa9\n", False, True) == 1
    joined, counts = table.export()
    assert joined == "a b c café".encode() and list(counts_array(counts)) == [1, 1, 1, 1]


@needs_c
@settings(max_examples=500, deadline=None)
@example(text="ΟΔΟΣ.ΑΒ", lower=True).via("review: a final sigma seen through a full stop")
@example(text="Α.Σ", lower=True)
@example(text="ΑΣ'Α ΑΣ:Α ΑΣ^Α ΑΣ`Α aΣ.a Σ.Σ.Σ", lower=True)
@given(
    text=st.lists(
        st.sampled_from(
            [*"aZé_9 \n,.!'-#*()[]\"$@~`\\:^;/ΣσςΑαİ\u20e3\ufe0f\u200d👍\u0345\u0301\u00ad"]
        ),
        max_size=60,
    ).map("".join),
    lower=st.booleans(),
)
def test_punctuation_cut_off_in_c_gives_the_same_basic_tokens(text, lower):
    """For the basic tokenizer the C table cuts chunks at ASCII punctuation (# and * aside: they
    start keycaps; in a lowercased chunk with non-ASCII bytes, not at the case-ignorable
    . ' : ^ ` through which str.lower() decides a final sigma); the tokens are those of the
    Python table, which keeps them, and of the tokenizer itself."""
    from rnncli.text.range_count import token_counts
    from rnncli.text.tokenize import TokenizerName, tokenize

    data = text.encode("utf-8")
    c_table, py_table = C.ChunkTable(), PyChunkTable()
    c_table.add(data, lower, False, True)
    py_table.add(data, lower, False, True)
    basic = TokenizerName.basic
    expected = Counter(tokenize(text, "basic", lower))
    assert token_counts(c_table, basic, lower) == token_counts(py_table, basic, lower) == expected
