"""Stream text files (or stdin) line by line and count their tokens, holding only the counts.

Files are read as bytes in blocks of :data:`BLOCK_BYTES`, cut after the last newline, or, in a
line longer than a block, before the last ASCII whitespace byte (the rest waits for the next
block), and decoded as UTF-8 block by block. An ASCII byte never occurs inside a UTF-8 sequence,
so every block decodes on its own, and a decoding error can name the file and the exact byte
offset.
Each block is split on whitespace and counted with ``Counter.update``, so the per-token work runs
in C; the ``basic`` tokenizer's regex then runs once per *distinct* chunk, not over all the text.
Memory grows with the number of distinct tokens, never with file size or line length.
"""

from __future__ import annotations

import enum
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Optional, Union

from rnncli import input_files
from rnncli.errors import RnncliError, UsageError
from rnncli.text.tokenize import TokenizerName, default_lower, splitter, tokenizer_name

#: Bytes read at a time; a block ends between tokens, so memory is this plus the longest token.
BLOCK_BYTES = 1 << 20

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
_SPACES = (b" ", b"\t", b"\r", b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e", b"\x1f")


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


def _cut(data: bytes) -> int:
    """Where to end a block in ``data``: after its last newline, or before a later ASCII space.

    Cutting before a space (never after it) leaves the rest of an unfinished line non-empty,
    so the last line is still counted when it has no newline. -1 when ``data`` has neither:
    a token longer than a block, which must be read whole.
    """
    newline = data.rfind(b"\n")
    space = newline
    for byte in _SPACES:
        space = max(space, data.rfind(byte, space + 1))
    if space > newline:
        return space
    return newline + 1 if newline >= 0 else -1


def iter_blocks(
    source: Source, errors: str | DecodeErrors = DecodeErrors.strict
) -> Iterator[tuple[str, int, int]]:
    """Yield ``(text, line_count, byte_count)`` for blocks of ``source`` cut between tokens.

    A block ends after its last newline, or, when a line goes on past it (a corpus on one line,
    like text8), before its last ASCII whitespace byte: no token of either tokenizer spans
    whitespace, so counting block by block equals counting the whole text, and memory stays one
    block plus the longest token however long the lines are. ``line_count`` is the newlines in
    the block, plus one for an unfinished last line at the end. A UTF-8 byte-order mark at the
    start is skipped. With ``errors="strict"`` a byte sequence that is not UTF-8 raises an
    RnncliError naming the source and its byte offset.
    """
    errors = DecodeErrors(errors)
    name = source_name(source)
    handle = _open(source)
    offset = 0  # bytes of the source before the current block
    pending: list[bytes] = []  # bytes read but not yet yielded: the start of a token or line
    first = True
    try:
        while True:
            try:
                data = handle.read(BLOCK_BYTES)
            except OSError as exc:
                raise RnncliError(f"cannot read {name}: {exc.strerror or exc}") from None
            if data:
                # Only the new bytes are searched: what is pending has no place to cut.
                cut = _cut(data)
                if cut < 0 or (cut == 0 and not pending):
                    pending.append(data)
                    continue
                raw = b"".join([*pending, data[:cut]]) if pending else data[:cut]
                pending = [data[cut:]] if cut < len(data) else []
                lines = raw.count(b"\n")
            elif pending:  # the last line has no newline
                raw, lines = b"".join(pending), 1
                pending = []
            else:
                return
            skip = 0
            if first:
                first = False
                if raw.startswith(UTF8_BOM):
                    skip = len(UTF8_BOM)
            try:
                text = (
                    raw[skip:].decode("utf-8", errors.value)
                    if skip
                    else raw.decode("utf-8", errors.value)
                )
            except UnicodeDecodeError as exc:
                at = offset + skip + exc.start
                raise RnncliError(
                    f"{name}: not valid UTF-8 at byte offset {at} "
                    f"(byte 0x{raw[skip + exc.start]:02x}); "
                    "use --errors replace to read it anyway"
                ) from None
            yield text, lines, len(raw)
            offset += len(raw)
    finally:
        if str(source) != STDIN:
            handle.close()


def count_tokens(
    sources: Sequence[Source],
    tokenizer: str | TokenizerName = TokenizerName.basic,
    lower: Optional[bool] = None,
    errors: str | DecodeErrors = DecodeErrors.strict,
    progress: Optional[ProgressCallback] = None,
) -> CorpusCounts:
    """Count the tokens of every source (paths, or ``-`` for stdin), streaming them in blocks."""
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
    for source in sources:
        check_readable(source)
    # Both tokenizers first count whitespace-separated chunks: str.split and Counter.update run
    # in C at over 100 MB/s. No basic token spans whitespace, so the basic tokenizer then splits
    # each *distinct* chunk once (see resplit_counts) instead of running a regex over all text.
    result = CorpusCounts()
    chunks: Counter = Counter()
    update = chunks.update
    for source in sources:
        name = source_name(source)
        total = source_size(source)
        done = 0
        result.files.append(name)
        for text, lines, nbytes in iter_blocks(source, errors):
            update((text.lower() if lower else text).split())
            result.lines += lines
            done += nbytes
            if progress is not None:
                progress(done, total, name)
        result.bytes += done
    if tokenizer is TokenizerName.basic:
        chunks = resplit_counts(chunks)
    result.counts = chunks
    result.tokens = sum(chunks.values())
    return result


def resplit_counts(chunks: Counter) -> Counter:
    """Basic-token counts from whitespace-chunk counts (``"world!": 3`` -> ``world``, ``!``).

    Equal to counting ``BASIC_PATTERN.findall`` over the whole text, at the cost of one regex
    call per distinct chunk that is not a plain word.
    """
    findall = splitter(TokenizerName.basic)
    # The common case, a chunk that is one \\w+ token, in one comprehension (no per-item +=).
    counts = Counter({chunk: n for chunk, n in chunks.items() if chunk.isalnum()})
    for chunk, n in chunks.items():
        if not chunk.isalnum():
            for token in findall(chunk):
                counts[token] += n
    return counts


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
