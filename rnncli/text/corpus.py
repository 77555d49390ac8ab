"""Stream text files (or stdin) and count their tokens, holding only the counts.

Files are read as bytes in blocks of :data:`BLOCK_BYTES`, cut after the last ASCII whitespace
byte (the rest waits for the next block): no token spans whitespace, so counting block by block
equals counting the whole text, however long its lines. Each block is split at ASCII whitespace
and its chunks counted in C (:mod:`rnncli.text.chunk_table`); each *distinct* chunk is then
decoded, lowercased and split by the tokenizer once (:mod:`rnncli.text.range_count`). An ASCII
byte never occurs inside a UTF-8 sequence, so every block decodes on its own, and a decoding
error can name the file and the exact byte offset.

A file bigger than :data:`CHUNK_BYTES` is cut into byte ranges between tokens, counted by
``jobs`` workers whose counts are summed: the result is the same for any ``jobs``. The workers
are threads of this process where the C chunk table was built (it counts without the GIL), else
processes. Memory grows with the number of distinct tokens, never with file size or line length.
"""

from __future__ import annotations

import enum
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Optional, Union

from rnncli import input_files
from rnncli.byte_ranges import split_ranges
from rnncli.errors import RnncliError, UsageError
from rnncli.text.range_count import SEPARATORS, BlockCounts, count_blocks, token_counts
from rnncli.text.tokenize import TokenizerName, default_lower, splitter, tokenizer_name

#: Bytes read at a time; a block ends between tokens, so memory is this plus the longest token.
BLOCK_BYTES = 1 << 18
#: The least a worker gets: a file up to this size is counted in this process, with no pool.
CHUNK_BYTES = 16 << 20

#: ``-`` as a file name means standard input.
STDIN = "-"

UTF8_BOM = b"\xef\xbb\xbf"

#: ``progress(done_bytes, total_bytes_or_None, source_name)``, called after every block.
ProgressCallback = Callable[[int, Optional[int], str], None]

Source = Union[str, "os.PathLike[str]"]


class DecodeErrors(str, enum.Enum):
    """What to do with bytes that are not valid UTF-8."""

    strict = "strict"  # stop with an error naming the file and byte offset
    replace = "replace"  # count them as U+FFFD and go on


@dataclass
class CorpusCounts:
    """Token counts of a corpus and how much text they came from."""

    counts: Counter = field(default_factory=Counter)
    files: list[str] = field(default_factory=list)
    lines: int = 0
    tokens: int = 0
    bytes: int = 0

    @property
    def distinct(self) -> int:
        return len(self.counts)


def source_name(source: Source) -> str:
    """How a source is named in reports and errors (``<stdin>`` for ``-``)."""
    return "<stdin>" if str(source) == STDIN else str(source)


def source_size(source: Source) -> Optional[int]:
    """Size in bytes of a regular file; None for stdin and pipes (no total for progress)."""
    if str(source) == STDIN:
        return None
    try:
        st = os.stat(source)
    except OSError:
        return None
    return st.st_size if Path(source).is_file() else None


#: ASCII whitespace other than the newline: to ``str.split()`` and to the ``basic`` tokenizer's
#: ``\s`` (the same set of characters, checked over all of Unicode by a test) these separate
#: tokens, and being ASCII they never occur inside a multi-byte UTF-8 sequence.
def check_readable(source: Source) -> None:
    """A UsageError on ``FILE`` when ``source`` (not ``-``) is missing, a folder or unreadable.

    Run for every file before counting, so a typo in the last name costs no pass over the others.
    """
    if str(source) != STDIN:
        input_files.check_readable(Path(source), "FILE")


def _open(source: Source) -> IO[bytes]:
    if str(source) == STDIN:
        return input_files.stdin_binary("FILE")
    path = Path(source)
    if path.is_dir():
        raise input_files.unreadable(path, "it is a folder", "FILE")
    try:
        return open(path, "rb")
    except OSError as exc:
        raise input_files.open_error(path, exc, "FILE") from None


def count_tokens(
    sources: Sequence[Source],
    tokenizer: str | TokenizerName = TokenizerName.basic,
    lower: Optional[bool] = None,
    errors: str | DecodeErrors = DecodeErrors.strict,
    progress: Optional[ProgressCallback] = None,
    jobs: Optional[int] = 1,
) -> CorpusCounts:
    """Count the tokens of every source (paths, or ``-`` for stdin), streaming them in blocks.

    ``jobs``: workers for a file bigger than :data:`CHUNK_BYTES` (None: the cores available;
    threads where the C chunk table was built, else processes); the file is cut into ranges
    between tokens, one per worker, and their counts are summed, so the result is the same for
    any ``jobs``. stdin is read as it comes, in this process; so is a file that fits in one
    chunk (no worker is started for it).
    """
    from rnncli.worker_pool import check_jobs

    if not sources:
        raise UsageError("give at least one text file, or - for stdin", "FILE")
    if sum(1 for s in sources if str(s) == STDIN) > 1:
        raise UsageError("- (stdin) can be given only once", "FILE")
    try:
        errors = DecodeErrors(errors)
    except ValueError:
        raise UsageError(f"unknown mode {errors!r}; choose strict or replace", "--errors") from None
    tokenizer = tokenizer_name(tokenizer)
    if lower is None:
        lower = default_lower(tokenizer)
    jobs = check_jobs(jobs)
    punct = tokenizer is TokenizerName.basic  # punctuation is a token of its own there
    for source in sources:
        check_readable(source)
    result = CorpusCounts()
    # Every chunk count ends up here (the workers' exports are added once all are done: a few
    # MB each), decoded and split into tokens once at the end.
    local = BlockCounts()
    for source in sources:
        name = source_name(source)
        total = source_size(source)
        result.files.append(name)

        def report(done: int, name: str = name, total: Optional[int] = total) -> None:
            if progress is not None:
                progress(done, total, name)

        parts = 1 if total is None else min(jobs, max(1, total // CHUNK_BYTES))
        ranges = split_ranges(source, parts, SEPARATORS) if parts > 1 else []
        if len(ranges) > 1:
            counted = _count_in_workers(
                source, name, ranges, lower, punct, errors.value, report, local
            )
        else:
            counted = _count_here(source, name, lower, punct, errors, report, local)
        result.lines += counted.lines
        result.bytes += counted.bytes
    result.counts = token_counts(local.chunks, tokenizer, lower, errors.value)
    result.tokens = sum(result.counts.values())
    return result


def _count_here(
    source: Source,
    name: str,
    lower: bool,
    punct: bool,
    errors: DecodeErrors,
    report: Callable[[int], None],
    into: BlockCounts,
) -> BlockCounts:
    """Count one source in this process; its chunks join ``into``'s (lines and bytes: its own)."""
    counted = BlockCounts()
    counted.chunks = into.chunks
    handle = _open(source)
    try:

        def read(size: int) -> bytes:
            try:
                return handle.read(size)
            except OSError as exc:
                raise RnncliError(f"cannot read {name}: {exc.strerror or exc}") from None

        count_blocks(
            read,
            counted,
            lower=lower,
            punct=punct,
            strict=errors is DecodeErrors.strict,
            block_bytes=BLOCK_BYTES,
            at_start=True,
            name=name,
            progress=report,
        )
    finally:
        if str(source) != STDIN:  # stdin stays open for whoever reads it next
            handle.close()
    return counted


def _count_in_workers(
    source: Source,
    name: str,
    ranges: list[tuple[int, int]],
    lower: bool,
    punct: bool,
    errors: str,
    report: Callable[[int], None],
    into: BlockCounts,
) -> BlockCounts:
    """Count ``ranges`` of one file, a worker each; their chunks join ``into``'s (lines and
    bytes: the file's own)."""
    from rnncli.text.chunk_table import accelerator
    from rnncli.worker_pool import run_in_order

    args = {
        "path": str(Path(source).resolve()),
        "lower": lower,
        "punct": punct,
        "errors": errors,
        "block_bytes": BLOCK_BYTES,
        "name": name,
    }
    tasks = [("count_range", {**args, "start": a, "end": b}) for a, b in ranges]
    counted = BlockCounts()
    threads = accelerator() is not None  # the C table counts without the GIL
    for done in run_in_order(tasks, on_progress=report, in_threads=threads):
        into.chunks.add_counts(*done.buffers)
        counted.newlines += done.meta["newlines"]
        counted.bytes += done.meta["bytes"]
        if done.meta["last_byte"] is not None:
            counted.last_byte = done.meta["last_byte"]
    return counted


def count_iterable(
    texts: Iterable[str],
    tokenizer: str | TokenizerName = TokenizerName.basic,
    lower: Optional[bool] = None,
) -> CorpusCounts:
    """Count the tokens of strings already in memory (one string per line), for Python callers."""
    tokenizer = tokenizer_name(tokenizer)
    if lower is None:
        lower = default_lower(tokenizer)
    split = splitter(tokenizer)
    result = CorpusCounts(files=["<memory>"])
    for text in texts:
        tokens = split(text.lower() if lower else text)
        result.counts.update(tokens)
        result.tokens += len(tokens)
        result.lines += 1
        result.bytes += len(text.encode("utf-8"))
    return result
