"""Parse one byte range of a GloVe text in a worker, writing its rows straight into the matrix.

Two steps, so that every row lands at its place in the final ``vectors.npy`` and every error
names the right line: the worker counts its range's lines and tells the parent
(:meth:`~rnncli.worker_pool.WorkerChannel.tell`); the parent answers with the line number the
range starts at and the row it may write from (the lines before it: no range can hold more rows
than lines). The worker then parses its range with the one parser
(:class:`~rnncli.glove.parse.GloveParser`: bad lines, the header of a range that starts the
content) and writes its rows with ``os.pwrite``, contiguous from that row: page cache, never
this process's memory. Back to the parent go the tokens (UTF-8, joined by newlines), their
hashes and norms; it closes the gaps left by dropped lines, and the set's writer drops
duplicated tokens once all ranges are in (:mod:`rnncli.glove.set_import`).
"""

from __future__ import annotations

import os
import re
from typing import Any, Optional

from rnncli.glove.npy_file import NPY_HEADER_BYTES
from rnncli.glove.parse import BLOCK_BYTES, GloveParser, ParseStats, _blocks_from_source
from rnncli.glove.set_writer import row_norms

_COUNT_BLOCK = 4 << 20
#: A byte that makes its line a content line (see :func:`count_lines`).
_CONTENT = re.compile(rb"[^\r\n]|\r\r").search


class _RangeReader:
    """``read(n)`` over bytes ``start``..``end`` of an open file."""

    def __init__(self, handle: Any, start: int, end: int) -> None:
        handle.seek(start)
        self._handle = handle
        self._left = end - start

    def read(self, size: int) -> bytes:
        data = self._handle.read(min(size, self._left)) if self._left > 0 else b""
        self._left -= len(data)
        return data


def count_lines(path: str, start: int, end: int) -> tuple[int, bool]:
    """Lines in bytes ``start``..``end`` (an unfinished last one included) and whether any
    holds more than ``\\r`` (a content line: the file's first one may be a header)."""
    lines = 0
    content = False
    last = b""
    with open(path, "rb") as handle:
        reader = _RangeReader(handle, start, end)
        while data := reader.read(_COUNT_BLOCK):
            lines += data.count(b"\n")
            if not content:
                # The parser's blank line is empty once one trailing \r is dropped: a line
                # holds content when it has a byte other than \r, or two \r (perhaps across
                # two blocks).
                content = _CONTENT(data) is not None or (last == b"\r" and data[:1] == b"\r")
            last = data[-1:]
    return lines + (last not in (b"", b"\n")), content


def parse_range_task(
    channel: Any,
    *,
    path: str,
    start: int,
    end: int,
    dim: int,
    lenient: bool,
    source_name: str,
    vectors_path: str,
    block_bytes: int = BLOCK_BYTES,
) -> tuple[dict[str, Any], list[bytes]]:
    """A worker's task: see the module docstring. The answer to the line count holds
    ``first_line``, ``first_row`` and ``header`` (whether the range's first content line is the
    file's first one)."""
    import zlib

    lines, content = count_lines(path, start, end)
    channel.tell({"lines": lines, "content": content})
    import numpy as np  # while the other ranges are counted

    plan = channel.answer()
    parser = GloveParser(
        dim,
        lenient=lenient,
        source_name=source_name,
        first_line=plan["first_line"],
        header_possible=plan["header"],
    )
    row_bytes = dim * 4
    at = NPY_HEADER_BYTES + plan["first_row"] * row_bytes
    joined: list[bytes] = []
    hashes: list[Any] = []
    norms: list[Any] = []
    count = 0
    crc = 0  # of the rows written, in order
    fd = os.open(vectors_path, os.O_WRONLY)
    try:
        with open(path, "rb") as handle:
            reader = _RangeReader(handle, start, end)
            for chunk, is_last in _blocks_from_source(reader, block_bytes):
                block = parser.parse_block(chunk, is_last)
                channel.progress(parser.stats.bytes_read)
                if not block.count:
                    continue
                rows = np.ascontiguousarray(block.vectors, dtype="<f4")
                data = memoryview(rows).cast("B")
                written = 0
                while written < len(data):
                    written += os.pwrite(fd, data[written:], at + written)
                at += len(data)
                crc = zlib.crc32(data, crc)
                joined.append(block.joined)  # no token object outlives its block
                hashes.append(block.token_hashes())
                count += block.count
                norms.append(row_norms(rows))
    finally:
        os.close(fd)
    stats = parser.stats
    hash_all = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint32)
    norm = np.concatenate(norms) if norms else np.zeros(0, dtype=np.float64)
    meta = {"rows": count, "stats": stats.to_dict(), "crc32": crc}
    words = b"\n".join(joined)
    return meta, [words, hash_all.astype("<u4").tobytes(), norm.astype("<f8").tobytes()]


def merge_stats(total: ParseStats, part: dict[str, Any]) -> None:
    """Add one range's statistics to ``total`` (examples: the first few, in file order)."""
    other = ParseStats.from_dict(part)
    for name in ("lines", "rows", "blank_lines", "duplicates", "bad_utf8", "bad_lines"):
        setattr(total, name, getattr(total, name) + getattr(other, name))
    total.bytes_read += other.bytes_read
    total.header_skipped = total.header_skipped or other.header_skipped
    for example in other.examples:
        total.note(example)


def first_content_plan(counts: list[tuple[int, bool]]) -> list[dict[str, Optional[int]]]:
    """Each range's start line and row, and which range holds the file's first content line."""
    plans = []
    line = row = 0
    seen_content = False
    for lines, content in counts:
        plans.append({"first_line": line + 1, "first_row": row, "header": not seen_content})
        seen_content = seen_content or content
        line += lines
        row += lines
    return plans
