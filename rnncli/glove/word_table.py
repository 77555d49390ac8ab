"""The word index of a cached set: a hash table of row numbers over the tokens' bytes.

On disk: ``words.bin`` holds the tokens in row order, UTF-8, each followed by ``b"\\n"`` (a
token never holds one: lines are split there); ``offsets.npy`` (int64 ``[count + 1]``) the byte
offset of each; ``table.npy`` an open-addressing table of row numbers, ``-1`` for an empty slot.

Invariants (:func:`build_table` makes them, ``tests/test_glove_word_table.py`` checks them with
hypothesis):

1. the table's size is a power of two, at least 16 and at least twice the number of rows (at
   most half full, so a miss ends after a slot or two);
2. every row appears in exactly one slot; every other slot is ``-1``;
3. linear probing: walking from slot ``crc32(token) & (size - 1)`` one slot at a time reaches
   the row's slot before any empty slot.

So :func:`find_row` (walk until the token or an empty slot) is exact, and looking one word up
touches a handful of pages: one slot or two, one offset pair, one token; the vocabulary is never
read whole. The table is hand-written because it measurably wins over what the standard library
offers (``benchmarks/glove_formats.py``, 400,000 words): a fresh process finds one word as fast
as with a ``sqlite3`` index, but sqlite3 takes 8 times longer to build the index (0.91 s
against 0.12 s, a large part of an import) and 3.5 times longer to find a vocabulary's rows at
once (0.21 s against 0.06 s for 100,000 words, through a temporary table); a dict built from
``words.bin`` reads the whole vocabulary at every start (0.19 s of CPU and 80 MB against 0.034 s
and 13 MB).
"""

from __future__ import annotations

import mmap
import zlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Optional, Union

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

_MIN_BITS = 4  # the smallest table has 16 slots

Blob = Union[mmap.mmap, bytes]


class TableDamaged(ValueError):
    """The table points past the last row: the files do not belong together."""


def table_size(count: int) -> int:
    """The table's size for ``count`` rows: the power of two at least twice ``count`` (>= 16)."""
    return 1 << max(_MIN_BITS, (2 * count - 1).bit_length())


def word_hashes(encoded: Sequence[bytes]) -> np.ndarray:
    """CRC-32 of each token's UTF-8 bytes (uint32): where its probe starts."""
    import numpy as np

    return np.fromiter(map(zlib.crc32, encoded), dtype=np.uint32, count=len(encoded))


_ACCELERATOR: list = []


def accelerator() -> Any:
    """The C builder (:mod:`rnncli.glove._word_table`), or None where it was not built or
    ``RNNCLI_PURE_PYTHON=1``: numpy then builds the same table, slot for slot."""
    from rnncli import accelerators

    return accelerators.cached(_ACCELERATOR, "rnncli.glove._word_table")


def build_table(hashes: np.ndarray) -> np.ndarray:
    """Open-addressing table (linear probing) of row numbers, built round by round.

    Each round, every pending row tries slot ``(hash + probe) & mask``; free slots go to the
    first row asking for them (the least row number), the others probe one further. A row only
    ever skips occupied slots, so invariant 3 holds. int32 rows while they fit, int64 beyond.
    In C where it was built (the rows in order, each placed as it comes: the same rule), else
    vectorised with numpy (``np.minimum.at`` finds the least row asking for each slot).
    """
    import numpy as np

    n = int(hashes.size)
    table = _empty_table(n)
    module = accelerator()
    if module is not None:
        module.build_table(np.ascontiguousarray(hashes, dtype=np.uint32), table)
        return table
    mask = table.size - 1
    dtype = table.dtype
    nobody = np.iinfo(dtype).max
    claim = np.full(table.size, nobody, dtype=dtype)  # the least row asking for each slot
    h = hashes.astype(np.int64)
    pending = np.arange(n, dtype=np.int64)
    probe = 0
    while pending.size:
        slots = (h[pending] + probe) & mask
        free = table[slots] == -1
        fslots, frows = slots[free], pending[free]
        np.minimum.at(claim, fslots, frows)
        won = claim[fslots] == frows
        table[fslots[won]] = frows[won]
        claim[fslots] = nobody
        placed = np.zeros(pending.size, dtype=bool)
        placed[np.flatnonzero(free)[won]] = True
        pending = pending[~placed]
        probe += 1
    return table


def table_and_repeats(hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The table (:func:`build_table`) and the hash values more than one row has, sorted: the
    only rows that may repeat a token. The C builder finds them as it places the rows (a row
    meets the slot of an earlier row of its hash); numpy sorts the hashes."""
    import numpy as np

    module = accelerator()
    if module is None:
        ranked = np.sort(hashes)
        return build_table(hashes), _distinct(ranked[1:][ranked[1:] == ranked[:-1]])
    n = int(hashes.size)
    table = _empty_table(n)
    hashes = np.ascontiguousarray(hashes, dtype=np.uint32)
    shared = np.empty(n, dtype=np.uint8)
    if not module.build_table(hashes, table, shared):
        return table, hashes[:0]
    return table, _distinct(hashes[shared.view(bool)])


def _empty_table(n: int) -> np.ndarray:
    """The table for ``n`` rows, every slot -1: int32 rows while they fit, int64 beyond."""
    import numpy as np

    return np.full(table_size(n), -1, dtype=np.int32 if n < 2**31 - 1 else np.int64)


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (a few: 6B.50d's 400,000 hashes share about 20). Not
    ``np.unique``, which imports ``numpy.ma`` on first use (10 to 25 ms)."""
    import numpy as np

    return np.array(sorted(set(values.tolist())), dtype=values.dtype)


def find_row(
    token: bytes, table: Sequence[int], offsets: Sequence[int], blob: Blob, count: int
) -> Optional[int]:
    """The row of ``token`` (UTF-8 bytes), or None: a walk from its hash, no numpy.

    ``table`` and ``offsets`` are anything indexable by int (the :mod:`struct` readers of
    :class:`~rnncli.glove.npy_file.NpyMap`); raises :class:`TableDamaged` when a slot names a
    row past ``count``.
    """
    mask = len(table) - 1
    slot = zlib.crc32(token) & mask
    n = len(token)
    while True:
        row = table[slot]
        if row < 0:
            return None
        if row >= count:
            raise TableDamaged("table.npy points past the last row")
        a = offsets[row]
        if offsets[row + 1] - a - 1 == n and blob[a : a + n] == token:
            return row
        slot = (slot + 1) & mask


def find_rows(
    tokens: Sequence[bytes], table: np.ndarray, offsets: np.ndarray, blob: Blob
) -> np.ndarray:
    """Rows of ``tokens`` (int64, -1 where missing): the probes run for all tokens at once.

    ``b""`` is never looked up (it stays -1): callers pass it for a word that cannot be in a
    set (not valid UTF-8).
    """
    import numpy as np

    m = len(tokens)
    out = np.full(m, -1, dtype=np.int64)
    if m == 0:
        return out
    mask = len(table) - 1
    h = word_hashes(tokens).astype(np.int64)
    lens = np.fromiter(map(len, tokens), dtype=np.int64, count=m)
    pending = np.flatnonzero(lens)
    probe = 0
    while pending.size:
        rows = table[(h[pending] + probe) & mask].astype(np.int64)
        occupied = rows >= 0
        pending, rows = pending[occupied], rows[occupied]
        starts = offsets[rows]
        same_len = (offsets[rows + 1] - starts - 1) == lens[pending]
        found = np.zeros(pending.size, dtype=bool)
        for k in np.flatnonzero(same_len).tolist():
            a = int(starts[k])
            wb = tokens[pending[k]]
            if blob[a : a + len(wb)] == wb:
                found[k] = True
        out[pending[found]] = rows[found]
        pending = pending[~found]
        probe += 1
    return out


class WordList(Sequence):
    """The vocabulary in row order, read lazily from the memory-mapped ``words.bin``."""

    def __init__(self, blob: Blob, offsets: Sequence[int]) -> None:
        self._blob = blob
        self._offsets = offsets

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        a, b = int(self._offsets[i]), int(self._offsets[i + 1])
        return self._blob[a : b - 1].decode("utf-8")

    def __iter__(self) -> Iterator[str]:
        n = len(self)
        if n == 0:
            return
        data = self._blob[: int(self._offsets[n])]
        yield from data[:-1].decode("utf-8").split("\n")
