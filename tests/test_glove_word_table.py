"""The word table's invariants (rnncli.glove.word_table), checked on any tokens and hashes."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnncli.glove import word_table
from rnncli.glove.word_table import build_table, find_row, find_rows, table_size

_token = st.binary(min_size=1, max_size=6).filter(lambda b: b"\n" not in b)


@settings(max_examples=150, deadline=None)
@given(
    tokens=st.lists(_token, unique=True, max_size=60),
    spread=st.sampled_from([1, 3, 2**32]),
    other=_token,
)
def test_table_invariants_and_lookups(tokens, spread, other):
    """Size, one slot per row, probe runs without holes; both lookups agree with the list.

    ``spread`` folds the hashes onto 1 or 3 values as well, so that rows collide and probe runs
    wrap around the end of the table.
    """
    n = len(tokens)
    hashes = np.array([zlib.crc32(t) % spread for t in tokens], dtype=np.uint32)
    table = build_table(hashes)
    size = table.size
    # 1. a power of two, at least 16 and at least twice the rows.
    assert size == table_size(n) and size & (size - 1) == 0 and size >= max(16, 2 * n)
    # 2. every row in exactly one slot, every other slot empty.
    assert sorted(table[table >= 0].tolist()) == list(range(n))
    assert set(table[table < 0].tolist()) <= {-1}
    # 3. from its hash to its slot, a row's probe run crosses no empty slot.
    mask = size - 1
    for row, h in enumerate(hashes.tolist()):
        slot = h & mask
        while table[slot] != row:
            assert table[slot] >= 0
            slot = (slot + 1) & mask
    # So the lookups (on the real CRC-32 table) find every token, and nothing else.
    real = build_table(np.array([zlib.crc32(t) for t in tokens], dtype=np.uint32))
    blob = b"".join(t + b"\n" for t in tokens)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum([len(t) + 1 for t in tokens], out=offsets[1:])
    assert [find_row(t, real, offsets, blob, n) for t in tokens] == list(range(n))
    assert find_rows(tokens, real, offsets, blob).tolist() == list(range(n))
    want = tokens.index(other) if other in tokens else None
    assert find_row(other, real, offsets, blob, n) == want
    assert find_rows([other, b""], real, offsets, blob).tolist() == [
        -1 if want is None else want,
        -1,
    ]


def _rounds(hashes: list[int], size: int) -> list[int]:
    """The table's rule, one row at a time: each round every pending row asks for slot
    ``(hash + round) & mask``; a free slot goes to the least row asking, the others wait."""
    table = [-1] * size
    pending = list(range(len(hashes)))
    probe = 0
    while pending:
        asked: dict[int, int] = {}
        for row in pending:
            slot = (hashes[row] + probe) & (size - 1)
            if table[slot] == -1 and slot not in asked:
                asked[slot] = row
        for slot, row in asked.items():
            table[slot] = row
        pending = [row for row in pending if row not in set(asked.values())]
        probe += 1
    return table


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 40), max_size=50))
def test_the_layout_follows_the_rule_exactly(hashes):
    """The same slots as the rule itself: a cache built by any version reads the same."""
    array = np.array(hashes, dtype=np.uint32)
    assert build_table(array).tolist() == _rounds(hashes, table_size(len(hashes)))


_C = word_table.accelerator()
_needs_c = pytest.mark.skipif(_C is None, reason="the C word table was not built")


@_needs_c
@settings(max_examples=200, deadline=None)
@given(
    hashes=st.lists(st.integers(0, 40), max_size=300)
    | st.lists(st.integers(0, 2**32 - 1), max_size=300)
)
def test_c_builds_the_table_numpy_builds(hashes):
    """Slot for slot the table of the numpy path and of the rule written out."""
    array = np.array(hashes, dtype=np.uint32)
    with_c = build_table(array)
    saved = word_table._ACCELERATOR[:]
    word_table._ACCELERATOR[:] = [None]
    try:
        with_numpy = build_table(array)
    finally:
        word_table._ACCELERATOR[:] = saved
    assert with_c.dtype == with_numpy.dtype
    assert with_c.tolist() == with_numpy.tolist() == _rounds(hashes, table_size(len(hashes)))


@_needs_c
def test_c_builder_refuses_what_is_not_an_empty_table():
    hashes = np.arange(10, dtype=np.uint32)
    with pytest.raises(ValueError, match="power of two"):
        _C.build_table(hashes, np.full(24, -1, dtype=np.int32))  # not a power of two
    with pytest.raises(ValueError, match="at least twice"):
        _C.build_table(hashes, np.full(16, -1, dtype=np.int32))  # fewer than 2 x 10
    with pytest.raises(ValueError, match="every slot -1"):
        _C.build_table(hashes, np.zeros(32, dtype=np.int32))
    with pytest.raises(ValueError, match="uint32 hashes"):
        _C.build_table(hashes.astype(np.uint64), np.full(32, -1, dtype=np.int32))
    wide = np.full(32, -1, dtype=np.int64)
    _C.build_table(hashes, wide)
    assert sorted(wide[wide >= 0].tolist()) == list(range(10))


@settings(max_examples=200, deadline=None)
@given(
    hashes=st.lists(st.integers(0, 40), max_size=300)
    | st.lists(st.integers(0, 2**32 - 1), max_size=300),
    with_c=st.booleans(),
)
def test_repeated_hashes_are_found_as_the_table_is_built(hashes, with_c):
    """The hashes more than one row has, as sorting finds them, and the same table as
    build_table: in C (marked as rows are placed) and with numpy."""
    if with_c and _C is None:
        return
    array = np.array(hashes, dtype=np.uint32)
    saved = word_table._ACCELERATOR[:]
    word_table._ACCELERATOR[:] = [_C if with_c else None]
    try:
        table, repeated = word_table.table_and_repeats(array)
    finally:
        word_table._ACCELERATOR[:] = saved
    counts: dict[int, int] = {}
    for h in hashes:
        counts[h] = counts.get(h, 0) + 1
    assert repeated.tolist() == sorted(h for h, c in counts.items() if c > 1)
    assert table.tolist() == build_table(array).tolist()


@_needs_c
def test_c_marks_each_later_row_of_a_shared_hash_once():
    hashes = np.array([7, 3, 7, 7, 19, 3, 35], dtype=np.uint32)  # 35 & 15 == 3: no repeat
    shared = np.full(7, 9, dtype=np.uint8)
    marked = _C.build_table(hashes, np.full(16, -1, dtype=np.int32), shared)
    assert shared.tolist() == [0, 0, 1, 1, 0, 1, 0] and marked == 3
    with pytest.raises(ValueError, match="one per row"):
        _C.build_table(hashes, np.full(16, -1, dtype=np.int32), np.zeros(6, np.uint8))
    assert _C.build_table(hashes[:0], np.full(16, -1, np.int32), np.zeros(0, np.uint8)) == 0
