"""Counts of whitespace-separated byte chunks: the per-token work of counting a corpus.

A block of bytes is split where ``bytes.split()`` splits it (ASCII whitespace), its ASCII
letters lowercased first when asked, and every chunk counted; the same pass counts its newlines
and, when asked, checks that it is UTF-8 (as ``bytes.decode`` would, strict). For the basic
tokenizer the C table also cuts chunks at ASCII punctuation (``world!`` is ``world`` and ``!``;
``#`` and ``*`` start keycaps and stay; in a lowercased chunk with non-ASCII bytes, so do the
case-ignorable ``.`` ``'`` ``:`` ``^`` and backquote, through which ``str.lower`` decides a final
sigma): fewer distinct chunks, the same tokens in the end. The C table
(:mod:`rnncli.text._chunk_table`, built by ``pip install`` where a C compiler is at hand) does
this without the GIL, so threads count the byte ranges of a file on every core in one process;
:class:`PyChunkTable` does the same with ``bytes.split`` and ``Counter.update`` where it was not
built (or ``RNNCLI_PURE_PYTHON=1``), and then worker processes count the ranges. Both export
the same thing: the distinct chunks in the order first seen, joined by single spaces, and their
counts; a range's export is added to the table of the whole with ``add_counts``.
"""

from __future__ import annotations

import itertools
import operator
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from rnncli import accelerators


class ChunkCounts(Protocol):
    """What :func:`new_table` returns, C or Python."""

    def add(self, data: Any, lower: bool, utf8: bool = False, punct: bool = False) -> int: ...

    def export(self) -> tuple[bytes, bytes]: ...

    def add_counts(self, joined: Any, counts: Any) -> None: ...

    def __len__(self) -> int: ...


class PyChunkTable(Counter):
    """The C table's work with ``bytes.split`` and ``Counter.update`` (both in C, with the GIL)."""

    def add(self, data: Any, lower: bool, utf8: bool = False, punct: bool = False) -> int:
        """Count the chunks of ``data`` (bytes-like); its newlines, or -1 (and nothing counted)
        when ``utf8`` and it is not UTF-8. ``punct`` is ignored: chunks keep their punctuation
        here (the C table cuts it off for the basic tokenizer; the tokens come out the same)."""
        data = data if isinstance(data, bytes) else bytes(data)
        if utf8:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                return -1
        self.update((data.lower() if lower else data).split())
        return data.count(b"\n")

    def export(self) -> tuple[bytes, bytes]:
        """(the chunks joined by single spaces, their counts as native int64 bytes), as the C
        table gives them; the table is emptied."""
        counts = array("q", self.values()).tobytes()
        joined = b" ".join(self)
        self.clear()
        return joined, counts

    def add_counts(self, joined: Any, counts: Any) -> None:
        """Add an export's chunks and counts (a ValueError when they are not one)."""
        chunks = bytes(joined).split(b" ") if len(joined) else []
        numbers = counts_array(counts)
        if len(chunks) != len(numbers) or b"" in chunks or (numbers and min(numbers) < 1):
            raise ValueError("add_counts: not an export (chunks and counts)")
        counter_add(self, chunks, numbers)


def counter_add(into: Counter, keys: Sequence[Any], values: Iterable[int]) -> None:
    """``into[k] += n`` for each key ``k`` and its count ``n``, with no Python loop
    (``Counter.update`` runs one). A key may repeat: each pair is read, then written, in turn."""
    summed = map(operator.add, map(into.get, keys, itertools.repeat(0)), values)
    dict.update(into, zip(keys, summed))


_ACCELERATOR: list = []


def accelerator() -> Any:
    """The C module (its ``ChunkTable``), or None where it was not built or is turned off."""
    return accelerators.cached(_ACCELERATOR, "rnncli.text._chunk_table")


def new_table() -> ChunkCounts:
    """An empty chunk table: the C one where it was built, else :class:`PyChunkTable`."""
    module = accelerator()
    return module.ChunkTable() if module is not None else PyChunkTable()


def counts_array(counts: Any) -> array:
    """An export's counts (raw int64 bytes) as ``array('q')``."""
    numbers = array("q")
    numbers.frombytes(bytes(counts))
    return numbers
