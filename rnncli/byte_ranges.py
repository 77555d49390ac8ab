"""Cut a file into byte ranges of about equal size, each ending just after a separator byte.

Workers then read one range each: a counter cuts after any ASCII whitespace byte (no token spans
one), the GloVe parser after a newline (no line spans one). The cut points are found by reading a
few bytes at each target offset, never the whole file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Union

_WINDOW = 1 << 16


def split_ranges(
    path: Union[str, os.PathLike], parts: int, separators: bytes, head_start: int = 0
) -> list[tuple[int, int]]:
    """``(start, end)`` ranges covering ``path`` in order, at most ``parts`` of them.

    Each range but the last ends just after a byte of ``separators``; a stretch with none (one
    giant token or line) makes fewer, larger ranges. An empty file gives one empty range.
    ``head_start``: bytes the first range gets beyond the others' share, for a first range that
    starts earlier (in the parent, while the workers' interpreters start), so that all end
    together; at most half the file.
    """
    size = Path(path).stat().st_size
    find = re.compile(b"[" + re.escape(separators) + b"]").search
    parts = max(1, parts)
    lead = min(max(0, head_start), size // 2) if parts > 1 else 0
    bounds = [0]
    with open(path, "rb") as handle:
        for i in range(1, parts):
            target = max(lead + (size - lead) * i // parts, bounds[-1])
            cut = _next_cut(handle, target, size, find)
            if cut >= size:
                break
            if cut > bounds[-1]:
                bounds.append(cut)
    bounds.append(size)
    return list(zip(bounds, bounds[1:]))


def _next_cut(handle, at: int, size: int, find) -> int:
    """The offset just after the first separator at or after ``at`` (``size`` if none)."""
    handle.seek(at)
    while at < size:
        window = handle.read(_WINDOW)
        if not window:
            break
        match = find(window)
        if match is not None:
            return at + match.start() + 1
        at += len(window)
    return size
