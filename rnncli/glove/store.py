"""One cached GloVe set, opened: memory-mapped, needs no parsing at start.

:func:`open_store` checks the set's files against its ``meta.json``
(:mod:`rnncli.glove.integrity`) and maps them; a :class:`GloveStore` answers word lookups with
:mod:`struct` reads of the maps (:mod:`rnncli.glove.npy_file`, :mod:`rnncli.glove.word_table`)
and gives numpy views of the same maps for the vectorised queries. Sets are written by
:mod:`rnncli.glove.set_import` and listed by :mod:`rnncli.glove.set_listing`; the files are
described in :mod:`rnncli.glove.set_layout`.
"""

from __future__ import annotations

import contextlib
import mmap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from rnncli.glove.integrity import (
    SwappedWhileReading,
    check_arrays,
    checked_meta,
    damaged,
    refresh_meta,
    verify_files,
)
from rnncli.glove.npy_file import NpyMap
from rnncli.glove.set_layout import FILES, set_dir
from rnncli.glove.word_table import TableDamaged, WordList, find_row, find_rows
from rnncli.glove.words import utf8

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np


class GloveStore:
    """One cached set, memory-mapped. Use :func:`open_store`.

    Word lookups (:meth:`index`, :meth:`values`, :attr:`words`) read the maps with
    :mod:`struct` and never import numpy; :attr:`matrix`, :attr:`norms` and the vectorised
    methods build numpy views of the same maps on first use.
    """

    def __init__(self, path: Path, meta: dict[str, Any], maps: dict[str, NpyMap], blob) -> None:
        self.path = path
        self.meta = meta
        self.name: str = meta["name"]
        self.dim: int = int(meta["dim"])
        self.count: int = int(meta["count"])
        self._maps = maps
        self._arrays: dict[str, np.ndarray] = {}
        self._blob = blob
        self.words = WordList(blob, maps["offsets.npy"])

    def _array(self, fname: str) -> np.ndarray:
        arr = self._arrays.get(fname)
        if arr is None:
            arr = self._arrays[fname] = self._maps[fname].array()
        return arr

    @property
    def matrix(self) -> np.ndarray:
        """float32 ``[count, dim]``: a read-only numpy view of the memory map."""
        return self._array("vectors.npy")

    @property
    def norms(self) -> np.ndarray:
        """float32 ``[count]``: the L2 norm of every row."""
        return self._array("norms.npy")

    def __len__(self) -> int:
        return self.count

    def __contains__(self, word: str) -> bool:
        return self.index(word) is not None

    def word(self, row: int) -> str:
        return self.words[row]

    def index(self, word: str) -> Optional[int]:
        """The row of ``word``, or None: a hash probe, a few pages touched.

        A word that is not valid UTF-8 (surrogate escapes from a command line) is never in a
        set: None.
        """
        wb = utf8(word)
        if wb is None:
            return None
        maps = self._maps
        try:
            return find_row(wb, maps["table.npy"], maps["offsets.npy"], self._blob, self.count)
        except TableDamaged as exc:
            raise damaged(self.name, self.path, str(exc)) from None

    def values(self, word: str) -> Optional[tuple[float, ...]]:
        """The row of ``word`` as Python floats (the float32 values exactly), or None.

        No numpy: a hash probe and one ``struct`` read of ``dim`` floats from the map.
        """
        row = self.index(word)
        return None if row is None else self.row_values(row)

    def row_values(self, row: int) -> tuple[float, ...]:
        """Row ``row`` as Python floats (the float32 values exactly), read without numpy."""
        return self._maps["vectors.npy"].row(row)

    def vector(self, word: str) -> Optional[np.ndarray]:
        """A float32 copy of the row of ``word``, or None when the set lacks it."""
        import numpy as np

        row = self.index(word)
        return None if row is None else np.array(self.matrix[row], dtype=np.float32)

    def indices(self, words: Sequence[str]) -> np.ndarray:
        """Rows of ``words`` (int64, -1 where missing): hash probes run for all words at once."""
        # A word that is not valid UTF-8 is never in a set: it stays -1 (b"" is never looked up).
        encoded = [utf8(w) or b"" for w in words]
        return find_rows(encoded, self._array("table.npy"), self._array("offsets.npy"), self._blob)

    def rows_for(self, words: Sequence[str]) -> tuple[np.ndarray, list[str]]:
        """Rows for ``words`` as a float32 ``[len(words), dim]`` matrix and the missing words.

        One vectorised gather from the memory map. Rows of missing words are zeros (what
        pytorch-nlp returns); ``missing`` lists each missing word once, in order.
        """
        import numpy as np

        idx = self.indices(words)
        out = np.zeros((len(words), self.dim), dtype=np.float32)
        hit = idx >= 0
        if hit.any():
            out[hit] = self.matrix[idx[hit]]
        missing = list(dict.fromkeys(w for w, i in zip(words, idx.tolist()) if i < 0))
        return out, missing

    def verify(self) -> None:
        """Check every file against its CRC-32 in ``meta.json`` (reads everything)."""
        verify_files(self.name, self.path, self.meta)

    def close(self) -> None:
        self._arrays.clear()
        for m in self._maps.values():
            m.close()
        with contextlib.suppress(Exception):
            if isinstance(self._blob, mmap.mmap):
                self._blob.close()


def open_store(name: str, cache_dir: Path) -> GloveStore:
    """Open a cached set, memory-mapped; RnncliError with the fetch command if absent or damaged."""
    path = set_dir(name, Path(cache_dir))
    try:
        return _open(name, path)
    except SwappedWhileReading:
        # A concurrent import swapped the folder while we read it: read again.
        return _open(name, path)


def _open(name: str, path: Path) -> GloveStore:
    """Check meta.json and the files against it, then map them; numpy is not imported."""
    meta, refresh = checked_meta(name, path)
    maps: dict[str, NpyMap] = {}
    try:
        for fname in FILES:
            if fname.endswith(".npy"):
                maps[fname] = NpyMap(path / fname)
    except (ValueError, OSError) as exc:
        for m in maps.values():
            m.close()
        raise damaged(name, path, f"unreadable array: {exc}") from None
    check_arrays(name, path, meta, maps)
    with open(path / "words.bin", "rb") as fh:
        blob = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    if refresh:
        refresh_meta(path / "meta.json", meta)
    return GloveStore(path, meta, maps, blob)
