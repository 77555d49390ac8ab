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
* no lowercased character is whitespace unless it was (tests check all of Unicode).

Nothing here imports more than the standard library: a worker starts in the time of a bare
interpreter.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, BinaryIO, Callable, Optional

from rnncli.errors import RnncliError
from rnncli.text.chunk_table import ChunkCounts, counts_array, new_table
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
    strict: bool,
    block_bytes: int,
    at_start: bool,
    offset: int = 0,
    name: str = "",
    progress: Optional[Callable[[int], None]] = None,
) -> BlockCounts:
    """Count the chunks of ``limit`` bytes (None: to the end) from ``read`` into ``into``.

    ``at_start``: the bytes begin the file, so a UTF-8 byte-order mark there is skipped.
    ``strict``: a byte sequence that is not UTF-8 raises an RnncliError naming ``name`` and its
    byte offset (``offset`` is where the stretch starts in the file). ``progress`` gets the
    bytes done so far after every block.
    """
    pending: list[bytes] = []  # the start of a token that goes on in the next block
    left = limit
    done = 0
    add = into.chunks.add
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
            chunk = b"".join([*pending, data[:cut]]) if pending else data[:cut]
            pending = [data[cut:]] if cut < len(data) else []
        elif pending:
            chunk, pending = b"".join(pending), []
        else:
            break
        size = len(chunk)
        into.last_byte = chunk[-1]
        if at_start:
            at_start = False
            if chunk.startswith(UTF8_BOM):
                chunk = chunk[len(UTF8_BOM) :]
                done += len(UTF8_BOM)
        if strict:
            try:
                chunk.decode("utf-8")
            except UnicodeDecodeError as exc:
                at = offset + done + exc.start
                raise RnncliError(
                    f"{name}: not valid UTF-8 at byte offset {at} "
                    f"(byte 0x{chunk[exc.start]:02x}); use --errors replace to read it anyway"
                ) from None
        into.newlines += chunk.count(b"\n")
        add(chunk, lower)
        done += len(chunk)
        into.bytes += size
        if progress is not None:
            progress(done)
    return into


def token_counts(
    chunks: ChunkCounts, tokenizer: TokenizerName, lower: bool, errors: str = "strict"
) -> Counter:
    """Token counts (str keys) from a table of whitespace-chunk counts; see the module doc.

    ``chunks`` is emptied, so that its memory is free before the token counts are built.
    """
    if not len(chunks):
        return Counter()
    # Chunks hold no ASCII space: exported joined with one, decoded and lowered at once, split.
    joined, exported = chunks.export()
    counts_of = counts_array(exported)
    del exported
    text = joined.decode("utf-8", errors)
    del joined
    if lower:
        text = text.lower()
    parts = text.split(" ")
    if tokenizer is TokenizerName.whitespace and _OTHER_SPACE(text) is not None:
        counts: Counter = Counter()
        for part, n in zip(parts, counts_of):
            for token in part.split():
                counts[token] += n
        return counts
    counts = Counter()
    dict.update(counts, zip(parts, counts_of))  # in C, no copy
    if len(counts) != len(parts):  # chunks that differ as bytes, not as text (case, bad bytes)
        counts = Counter()
        for part, n in zip(parts, counts_of):
            counts[part] += n
    return resplit_counts(counts) if tokenizer is TokenizerName.basic else counts


def resplit_counts(chunks: Counter) -> Counter:
    """Basic-token counts from whitespace-chunk counts (``"world!": 3`` -> ``world``, ``!``).

    Equal to counting the basic tokens of the whole text, at the cost of one regex call per
    distinct chunk that is not a plain word.
    """
    split = splitter(TokenizerName.basic)
    # The common case, a chunk that is one \\w+ token, in one comprehension (no per-item +=).
    counts = Counter({chunk: n for chunk, n in chunks.items() if chunk.isalnum()})
    for chunk, n in chunks.items():
        if not chunk.isalnum():
            for token in split(chunk):
                counts[token] += n
    return counts


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
