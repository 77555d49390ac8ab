"""Count the whitespace chunks of a stretch of a text file (the work of one worker, or of the one
process), and turn chunk counts into token counts.

Counting runs on bytes, in blocks cut after an ASCII whitespace byte: a chunk table
(:mod:`rnncli.text.chunk_table`; in C where it was built) splits each block where
``bytes.split()`` does and counts the chunks, without decoding every token. Then each
*distinct* chunk is decoded, lowercased and split once (:func:`token_counts`): ``str.split()``
also splits on whitespace that ``bytes.split()`` does not know (U+001C-U+001F, U+0085, U+00A0,
U+2000-U+200A, U+3000...), and the ``basic`` tokenizer's regex runs on the distinct chunks
only. The result equals counting the decoded, lowercased text as a whole, because:

* an ASCII byte never occurs inside a multi-byte UTF-8 sequence, so cutting at one decodes each
  piece exactly as the whole (with ``errors="replace"`` too);
* ``bytes.lower()`` changes ASCII letters only, exactly as ``str.lower()`` does, and no
  whitespace character is cased or case-ignorable, so lowercasing chunk by chunk equals
  lowercasing the whole text (the final-sigma rule looks at no character past a whitespace);
* no lowercased character is whitespace unless it was (tests check all of Unicode);
* for the basic tokenizer the C table also cuts at ASCII punctuation that the tokenizer always
  makes a token of its own; none of it is cased, and where it is case-ignorable (``.`` ``'``
  ``:`` ``^`` and backquote, which ``str.lower`` looks through to decide a final sigma) it is
  not cut in a lowercased chunk with non-ASCII letters (a property test checks the tokens
  against the tokenizer's).

Nothing here imports more than the standard library: a worker starts in the time of a bare
interpreter.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from collections.abc import Iterator, Sequence
from itertools import compress
from typing import Any, BinaryIO, Callable, Optional

from rnncli.errors import RnncliError
from rnncli.text.chunk_table import ChunkCounts, counter_add, counts_array, new_table
from rnncli.text.tokenize import TokenizerName, splitter

#: What ``bytes.split()`` splits on; a block may end after any of them.
SEPARATORS = b" \t\n\r\x0b\x0c"
UTF8_BOM = b"\xef\xbb\xbf"
#: Whitespace to ``str.split()`` other than the ASCII space.
_OTHER_SPACE = re.compile(r"[^\S ]").search


def last_separator(data: bytes) -> int:
    """The offset just after the last byte of :data:`SEPARATORS` in ``data``; -1 if none."""
    best = data.rfind(b"\n")
    for byte in (b" ", b"\t", b"\r", b"\x0b", b"\x0c"):
        best = max(best, data.rfind(byte, best + 1))
    return best + 1 if best >= 0 else -1


class BlockCounts:
    """Whitespace-separated chunks (bytes, ASCII-lowercased when asked) and what they came from."""

    def __init__(self) -> None:
        self.chunks: ChunkCounts = new_table()
        self.newlines = 0
        self.bytes = 0
        self.last_byte: Optional[int] = None  #: the stretch's last byte (None: it was empty)

    @property
    def lines(self) -> int:
        """Newlines, plus one for an unfinished last line."""
        return self.newlines + (self.last_byte is not None and self.last_byte != 10)


def count_blocks(
    read: Callable[[int], bytes],
    into: BlockCounts,
    *,
    limit: Optional[int] = None,
    lower: bool,
    punct: bool = False,
    strict: bool,
    block_bytes: int,
    at_start: bool,
    offset: int = 0,
    name: str = "",
    progress: Optional[Callable[[int], None]] = None,
) -> BlockCounts:
    """Count the chunks of ``limit`` bytes (None: to the end) from ``read`` into ``into``.

    ``punct``: ASCII punctuation may be cut off the chunks (the basic tokenizer's counts; see
    :mod:`rnncli.text.chunk_table`). ``at_start``: the bytes begin the file, so a UTF-8
    byte-order mark there is skipped.
    ``strict``: a byte sequence that is not UTF-8 raises an RnncliError naming ``name`` and its
    byte offset (``offset`` is where the stretch starts in the file). ``progress`` gets the
    bytes done so far after every block.
    """
    pending: list[bytes] = []  # the start of a token that goes on in the next block
    left = limit
    done = 0
    add = into.chunks.add
    chunk: Any
    while True:
        want = block_bytes if left is None else min(block_bytes, left)
        data = read(want) if want > 0 else b""
        if data:
            if left is not None:
                left -= len(data)
            cut = last_separator(data)
            if cut < 0:
                pending.append(data)
                continue
            # A view, not a copy, unless a token began in the block before.
            chunk = b"".join([*pending, data[:cut]]) if pending else memoryview(data)[:cut]
            pending = [data[cut:]] if cut < len(data) else []
        elif pending:
            chunk, pending = b"".join(pending), []
        else:
            break
        size = len(chunk)
        into.last_byte = chunk[-1]
        if at_start:
            at_start = False
            if bytes(chunk[: len(UTF8_BOM)]) == UTF8_BOM:
                chunk = chunk[len(UTF8_BOM) :]
                done += len(UTF8_BOM)
        newlines = add(chunk, lower, strict, punct)  # -1: not UTF-8, nothing counted
        if newlines < 0:
            _not_utf8(bytes(chunk), name, offset + done)
            newlines = add(chunk, lower, False, punct)  # pragma: no cover - the checks agree
        into.newlines += newlines
        done += len(chunk)
        into.bytes += size
        if progress is not None:
            progress(done)
    return into


def _not_utf8(chunk: bytes, name: str, at: int) -> None:
    """Raise the RnncliError naming ``name`` and the byte offset of the first byte of ``chunk``
    (which starts at byte ``at`` of the file) that is not UTF-8."""
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RnncliError(
            f"{name}: not valid UTF-8 at byte offset {at + exc.start} "
            f"(byte 0x{chunk[exc.start]:02x}); use --errors replace to read it anyway"
        ) from None


#: Bytes of the exported chunks decoded at a time: their text is never all in memory at once.
DECODE_BYTES = 1 << 18


def token_counts(
    chunks: ChunkCounts, tokenizer: TokenizerName, lower: bool, errors: str = "strict"
) -> Counter:
    """Token counts (str keys) from a table of whitespace-chunk counts; see the module doc.

    ``chunks`` is emptied, so that its memory is free before the token counts are built; its
    export is decoded a piece at a time, so only the tokens themselves stay.
    """
    counts: Counter = Counter()
    if not len(chunks):
        return counts
    joined, exported = chunks.export()
    counts_of = counts_array(exported)
    del exported
    basic = tokenizer is TokenizerName.basic
    for piece, numbers in _pieces(joined, counts_of):
        # Chunks hold no ASCII space: a piece is decoded and lowered at once, then split there.
        text = piece.decode("utf-8", errors)
        if lower:
            text = text.lower()
        parts = text.split(" ")
        if basic:
            add_basic_counts(counts, parts, numbers)
        elif _OTHER_SPACE(text) is None:
            counter_add(counts, parts, numbers)
        else:  # whitespace that bytes.split() does not know (U+00A0, U+3000...)
            for part, n in zip(parts, numbers):
                for token in part.split():
                    counts[token] += n
    return counts


def _pieces(joined: bytes, counts: array) -> Iterator[tuple[bytes, array]]:
    """The export cut into pieces of about :data:`DECODE_BYTES` between chunks, each with its
    chunks' counts. A cut at an ASCII space decodes each piece as the whole would be decoded."""
    start = first = 0
    size = len(joined)
    while start < size:
        end = (
            size
            if size - start <= DECODE_BYTES
            else joined.rfind(b" ", start, start + DECODE_BYTES)
        )
        if end <= start:  # one chunk longer than a piece
            end = joined.find(b" ", start + DECODE_BYTES)
            end = size if end < 0 else end
        piece = joined[start:end]
        n = piece.count(b" ") + 1
        yield piece, counts[first : first + n]
        first += n
        start = end + 1


def add_basic_counts(into: Counter, chunks: list[str], values: Sequence[int]) -> None:
    """Add the basic tokens of whitespace chunks, chunk ``i`` seen ``values[i]`` times
    (``"world!": 3`` -> ``world``, ``!``): equal to counting the basic tokens of the whole text,
    at the cost of one regex call per distinct chunk that is not a plain word."""
    # The common case, a chunk that is one \\w+ token, with no Python loop.
    plain = list(map(str.isalnum, chunks))
    counter_add(into, list(compress(chunks, plain)), compress(values, plain))
    split = splitter(TokenizerName.basic)
    for chunk, n, is_plain in zip(chunks, values, plain):
        if not is_plain:
            for token in split(chunk):
                into[token] += n


def count_range_task(
    channel: Any,
    *,
    path: str,
    start: int,
    end: int,
    lower: bool,
    errors: str,
    block_bytes: int,
    name: str,
    punct: bool = False,
) -> tuple[dict[str, Any], list[Any]]:
    """A worker's task: count bytes ``start``..``end`` of ``path``; its chunk table's export
    comes back (the caller adds it to the table of the whole with ``add_counts``)."""
    counted = BlockCounts()
    handle: BinaryIO
    with open(path, "rb") as handle:
        handle.seek(start)
        count_blocks(
            handle.read,
            counted,
            limit=end - start,
            lower=lower,
            punct=punct,
            strict=errors == "strict",
            block_bytes=block_bytes,
            at_start=start == 0,
            offset=start,
            name=name,
            progress=channel.progress,
        )
    meta = {"newlines": counted.newlines, "bytes": counted.bytes, "last_byte": counted.last_byte}
    joined, counts = counted.chunks.export()
    return meta, [joined, counts]
