"""Writes a set's files in a temporary folder and renames the folder into place when complete.

An interrupted import leaves the old state, and two imports of the same set at once both end
with one good copy. Temporary folders of imports that were killed are removed by the next one.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import threading
import time
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from rnncli.errors import RnncliError
from rnncli.glove.integrity import crc32_combine, file_crc
from rnncli.glove.npy_file import NPY_HEADER_BYTES, npy_header
from rnncli.glove.set_layout import FILES, FORMAT_VERSION, folder_bytes, set_dir
from rnncli.glove.word_table import build_table, table_and_repeats, word_hashes

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np


class SetWriter:
    """Streams rows and words into a temporary folder, then renames it into place.

    :meth:`add` blocks of rows, then :meth:`finish` (or :meth:`abort` on any failure).
    """

    def __init__(self, name: str, cache_dir: Path, dim: int) -> None:
        self.name = name
        self.dim = dim
        self.final = set_dir(name, cache_dir)
        self.final.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(self.final.parent, name)
        self.tmp = Path(
            tempfile.mkdtemp(prefix=f".{name}.tmp-{os.getpid()}-", dir=self.final.parent)
        )
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.tmp, 0o777 & ~umask)  # mkdtemp makes it private; the cache is not secret
        self.count = 0
        self.bytes_on_disk = 0
        self._vec = open(self.tmp / "vectors.npy", "w+b")  # noqa: SIM115 - closed in finish/abort
        self._vec.write(npy_header((0, dim)))
        self._words = open(self.tmp / "words.bin", "wb")  # noqa: SIM115
        self._words_crc = 0
        self._lengths: list[np.ndarray] = []
        self._hashes: list[np.ndarray] = []
        self._norms: list[np.ndarray] = []
        self._table: Optional[np.ndarray] = None  #: the word table, once built for these rows
        self._reserved = False
        #: CRC-32 of the rows adopted, while they all stayed where they were written.
        self._rows_crc: Optional[int] = None
        self._early_sync: Optional[threading.Thread] = None
        self._sync_error: Optional[OSError] = None

    @property
    def vectors_path(self) -> Path:
        """The matrix being written (``.npy``: a 128-byte header, then float32 rows)."""
        return self.tmp / "vectors.npy"

    def reserve(self, rows: int) -> None:
        """Make room for ``rows`` rows that others write in place (:meth:`adopt` them after).
        Called again as more ranges are counted, with more rows: the file only grows, so rows
        already written stay."""
        self._vec.flush()
        os.ftruncate(self._vec.fileno(), NPY_HEADER_BYTES + rows * self.dim * 4)
        self._reserved = True
        self._rows_crc = 0

    def sync_rows_early(self) -> None:
        """Start writing the rows written so far to disk, in a thread: the disk then works
        while this process adopts the rows and builds the indexes, and :meth:`finish`'s own
        ``fsync`` (which it waits for first) has little left (35 ms of 6B.50d's 76 MB)."""
        if self._early_sync is None:
            self._vec.flush()
            fd = self._vec.fileno()
            self._early_sync = threading.Thread(target=self._sync, args=(fd,), daemon=True)
            self._early_sync.start()

    def _sync(self, fd: int) -> None:
        try:
            (getattr(os, "fdatasync", None) or os.fsync)(fd)
        except OSError as exc:
            # Kept for finish: the kernel reports a writeback error once per open file, so its
            # own fsync would then succeed over rows that never reached the disk.
            self._sync_error = exc

    def _wait_for_early_sync(self) -> None:
        """Wait for :meth:`sync_rows_early`'s thread; raise the error it met, if any."""
        if self._early_sync is not None:
            self._early_sync.join()
            self._early_sync = None
        error, self._sync_error = self._sync_error, None
        if error is not None:
            raise error

    def adopt(
        self,
        joined: bytes,
        hashes: np.ndarray,
        norms: np.ndarray,
        first_row: int,
        crc: Optional[int] = None,
    ) -> None:
        """Rows already written from row ``first_row`` on (after :meth:`reserve`) join the set.

        ``joined``: their tokens' UTF-8 bytes joined by newlines (none holds one). The rows move
        down to the end of the set when they are not there already (after dropped lines).
        ``crc``: the CRC-32 of the rows as written, which spares reading the matrix again when
        nothing moved.
        """
        import numpy as np

        n = len(hashes)
        if not n:
            return
        if first_row == self.count and crc is not None and self._rows_crc is not None:
            self._rows_crc = crc32_combine(self._rows_crc, crc, n * self.dim * 4)
        else:
            self._rows_crc = None
        if first_row != self.count:  # dst < src: a move in pieces never clobbers
            _move(self._vec.fileno(), first_row, self.count, n, self.dim * 4)
        starts, ends = token_bounds(joined)
        for piece in (joined, b"\n"):
            self._words.write(piece)
            self._words_crc = zlib.crc32(piece, self._words_crc)
        self._lengths.append((ends - starts).astype(np.int64))
        self._hashes.append(np.asarray(hashes, dtype=np.uint32))
        self._norms.append(np.asarray(norms, dtype=np.float64))
        self.count += n
        self._table = None

    def add(self, words: Sequence[str], vectors: np.ndarray) -> None:
        """Append rows, ``words[i]`` owning ``vectors[i]``."""
        self.add_encoded([w.encode("utf-8") for w in words], vectors)

    def add_encoded(
        self, utf8: Sequence[bytes], vectors: np.ndarray, hashes: Optional[np.ndarray] = None
    ) -> None:
        """Append rows whose tokens are UTF-8 already (the parser's bytes); ``hashes``: their
        CRC-32s when the parser computed them."""
        import numpy as np

        if not len(utf8):
            return
        blob = b"\n".join(utf8) + b"\n"
        self._words.write(blob)
        self._words_crc = zlib.crc32(blob, self._words_crc)
        self._lengths.append(np.fromiter(map(len, utf8), dtype=np.int64, count=len(utf8)))
        self._hashes.append(word_hashes(utf8) if hashes is None else hashes)
        rows = np.ascontiguousarray(vectors, dtype="<f4")
        data = rows.data.cast("B") if rows.size else b""
        self._vec.write(data)
        self._norms.append(row_norms(rows))
        self.count += len(utf8)
        self._table = None

    def drop_duplicates(self) -> int:
        """Drop every later copy of a token (the first row wins); return how many were dropped.

        Run once, after the last rows. Equal tokens have equal hashes: only tokens whose hash
        is shared (found as the word table is built, which finish then keeps) are read back
        from ``words.bin`` and compared (a set of every token, the parser's way before, took
        23 MB on 6B.50d, a third of its matrix). Kept rows then move down in the matrix file
        and ``words.bin`` is rewritten; with no duplicate (the common case) nothing is read
        or moved.
        """
        import mmap

        import numpy as np

        if self.count < 2:
            return 0
        hashes = np.concatenate(self._hashes)
        self._hashes = [hashes]  # finish needs them whole too: joined once
        table, repeated = table_and_repeats(hashes)
        self._table = table  # finish's, unless rows are dropped below
        if not repeated.size:  # no hash twice: no duplicate
            return 0
        rows = np.flatnonzero(np.isin(hashes, repeated)).tolist()
        lengths = np.concatenate(self._lengths)
        offsets = _offsets(lengths)
        self._words.flush()
        with (
            open(self._words.name, "rb") as fh,
            mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm,
        ):
            seen: set[bytes] = set()
            dropped = []
            for r in rows:  # ascending: the first row of a token is met first
                token = mm[offsets[r] : offsets[r + 1] - 1]
                if token in seen:
                    dropped.append(r)
                else:
                    seen.add(token)
            if not dropped:
                return 0
            self._table = None
            keep = np.ones(self.count, dtype=bool)
            keep[dropped] = False
            edges = np.diff(np.concatenate([[0], keep.view(np.int8), [0]]))
            starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
            # Runs of kept rows, each moved down over the dropped ones (dst <= src).
            self._vec.flush()
            fd = self._vec.fileno()
            row_bytes = self.dim * 4
            dst = 0
            crc = 0
            tmp = Path(self._words.name).with_suffix(".dedup")
            with open(tmp, "wb") as out:
                for a, b in zip(starts.tolist(), ends.tolist()):
                    if a != dst:
                        _move(fd, a, dst, b - a, row_bytes)
                    piece = mm[offsets[a] : offsets[b]]
                    out.write(piece)
                    crc = zlib.crc32(piece, crc)
                    dst += b - a
        self._words.close()
        os.replace(tmp, self._words.name)
        self._words = open(self._words.name, "ab")  # noqa: SIM115 - closed in finish/abort
        self._words_crc = crc
        os.ftruncate(fd, NPY_HEADER_BYTES + dst * row_bytes)
        self._vec.seek(0, os.SEEK_END)
        self._lengths = [lengths[keep]]
        self._hashes = [hashes[keep]]
        self._norms = [np.concatenate(self._norms)[keep]]
        self._rows_crc = None  # rows moved: finish reads the matrix back for its CRC
        self.count = dst
        return len(dropped)

    def finish(self, meta_extra: dict[str, Any]) -> Path:
        """Write the indexes and ``meta.json``, then move the folder into place."""
        import numpy as np

        if self.count == 0:
            raise RnncliError(f"no vectors found for {self.name}: the input holds no valid line")
        self._wait_for_early_sync()
        self._vec.seek(0)
        self._vec.write(npy_header((self.count, self.dim)))
        self._vec.flush()
        if self._reserved:  # rows were reserved for every line: cut to the rows kept
            os.ftruncate(self._vec.fileno(), NPY_HEADER_BYTES + self.count * self.dim * 4)
        os.fsync(self._vec.fileno())
        self._vec.close()
        self._words.flush()
        os.fsync(self._words.fileno())
        self._words.close()
        crcs = {"words.bin": self._words_crc}  # vectors.npy: re-read below (header rewritten)
        if self._rows_crc is not None:  # every row was checksummed where it was written
            header = npy_header((self.count, self.dim))
            rows_bytes = self.count * self.dim * 4
            crcs["vectors.npy"] = crc32_combine(zlib.crc32(header), self._rows_crc, rows_bytes)
        lengths = np.concatenate(self._lengths)
        offsets = _offsets(lengths)
        norms = np.concatenate(self._norms).astype(np.float32)
        table = (
            self._table if self._table is not None else build_table(np.concatenate(self._hashes))
        )
        for fname, arr in (("offsets.npy", offsets), ("norms.npy", norms), ("table.npy", table)):
            np.save(self.tmp / fname, arr)
        files = {}
        for fname in FILES:
            path = self.tmp / fname
            crc = crcs[fname] if fname in crcs else file_crc(path)
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
        for fname in FILES:
            with open(self.tmp / fname, "rb") as fh:
                os.fsync(fh.fileno())
            files[fname]["mtime_ns"] = (self.tmp / fname).stat().st_mtime_ns
        with open(self.tmp / "meta.json", "w", encoding="utf-8") as fh:
            json.dump(meta, fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        # Measured here: once in place, a concurrent import may already be replacing the folder.
        self.bytes_on_disk = folder_bytes(self.tmp)
        swap_into_place(self.tmp, self.final)
        return self.final

    def abort(self) -> None:
        """Close and remove the temporary folder; the set in place is untouched."""
        try:
            with contextlib.suppress(OSError):
                self._wait_for_early_sync()
        finally:  # even when Ctrl-C comes during the wait
            for fh in (self._vec, self._words):
                with contextlib.suppress(Exception):
                    fh.close()
            shutil.rmtree(self.tmp, ignore_errors=True)


_MOVE_BYTES = 8 << 20


def row_norms(rows: np.ndarray) -> np.ndarray:
    """Each float32 row's L2 norm, summed in float64 (``norms.npy`` keeps them as float32)."""
    import numpy as np

    return np.sqrt(np.einsum("ij,ij->i", rows, rows, dtype=np.float64))


def _offsets(lengths: np.ndarray) -> np.ndarray:
    """Where each token starts in ``words.bin`` (each is followed by a newline), and its end."""
    import numpy as np

    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths + 1, out=offsets[1:])
    return offsets


def token_bounds(joined: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Start and end offsets of the tokens in ``joined`` (tokens joined by newlines)."""
    import numpy as np

    cuts = np.flatnonzero(np.frombuffer(joined, dtype=np.uint8) == 10)
    starts = np.empty(cuts.size + 1, dtype=np.int64)
    starts[0] = 0
    starts[1:] = cuts + 1
    ends = np.append(cuts, len(joined)).astype(np.int64)
    return starts, ends


def _move(fd: int, src: int, dst: int, rows: int, row_bytes: int) -> None:
    """Copy ``rows`` rows from row ``src`` to row ``dst`` (``dst < src``) of the matrix file."""
    start, end = NPY_HEADER_BYTES + src * row_bytes, NPY_HEADER_BYTES + (src + rows) * row_bytes
    shift = (src - dst) * row_bytes
    while start < end:
        data = os.pread(fd, min(_MOVE_BYTES, end - start), start)
        if not data:
            raise RnncliError("the vectors file was cut short while it was written")
        written = 0
        while written < len(data):
            written += os.pwrite(fd, data[written:], start - shift + written)
        start += len(data)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def remove_stale_temporaries(parent: Path, name: str) -> None:
    """Folders left by imports that were killed (their process is gone)."""
    for kind in ("tmp", "old"):
        for path in parent.glob(f".{name}.{kind}-*"):
            try:
                pid = int(path.name.split("-")[1])
            except (IndexError, ValueError):
                continue
            if not _pid_alive(pid):
                shutil.rmtree(path, ignore_errors=True)


def swap_into_place(tmp: Path, final: Path) -> None:
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
