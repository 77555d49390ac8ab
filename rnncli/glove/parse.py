"""One streaming parser for GloVe-style text files, dirty ones included.

Format: one word per line, ``TOKEN N1 N2 ... Ndim``. Real files break naive parsers, so the
rules are explicit:

* Lines end at ``b"\\n"`` only (never at U+0085 or U+2028, which ``str.splitlines`` would split
  on; twitter.27B has such tokens); a trailing ``b"\\r"`` is dropped; blank lines are skipped; a
  missing final newline is fine.
* The vector is the last ``dim`` fields split on the ASCII space only; the token is everything
  before the space that precedes them, so it may contain no-break spaces (840B's ``.\\u00a0.``)
  or even ASCII spaces.
* A first line ``COUNT DIM`` (word2vec/fastText header) is skipped; its DIM must equal ``dim``.
* A token that is not valid UTF-8 is skipped and counted.
* The same token twice: the first wins (it is the more frequent one in GloVe's ordering, as in
  gensim); later ones are dropped and counted, by the set's writer (below). pytorch-nlp and
  torchtext keep the *last*.
* Too few numbers, too many (the field before the vector is itself a decimal number such as
  ``0.25``), a number that does not parse or is not finite (NaN, infinities, and numbers
  beyond float32's range, which the float32 cast would turn into infinities), an empty token: an
  :class:`~rnncli.errors.RnncliError` naming the line, or, with ``lenient=True``, the line is
  skipped and counted. A last line cut short (a truncated file) is one of those errors.

Speed: the input is read in blocks of a few hundred KB. Where rnncli's C parser was built
(``rnncli/glove/_decimals.c``), a block whose lines are all ordinary or blank (a clean file's
every block) is parsed in one C pass that also hands back its tokens joined and their CRC-32s,
so no Python object is made per token; in any other block, the ordinary lines are parsed in C
line by line, or, without the C parser, their boundaries are found with numpy on the raw bytes
and their numbers parsed all at once (:mod:`rnncli.glove.decimal_parse`); all give float() then
float32, bit for bit. Lines that look odd in any way go through a slow, exact per-line path
that produces the precise error.
Memory: one block at a time; rows are handed to the caller block by block. Duplicates are the
writer's to drop (:meth:`~rnncli.glove.set_writer.SetWriter.drop_duplicates`, by hash, once at
the end): a set of every word seen would cost more memory than a third of the matrix.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, Optional, Union

from rnncli.errors import RnncliError
from rnncli.glove.decimal_parse import F32_MAX, accelerator, finite32, parse_decimals

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

BLOCK_BYTES = 256 << 10  # small blocks keep temporaries in cache: faster than big ones
#: Blocks in a row the one-pass C parse may decline before it is tried only on every
#: ``_RETRY_EVERY``-th block (a clean stretch after a dirty one gets it back).
_DECLINED_MAX = 8
_RETRY_EVERY = 64
_MAX_EXAMPLES = 5
_HEADER = re.compile(rb"^\s*(\d+) (\d+)\s*$")
_HAS_DIGIT = re.compile(rb"[0-9]")
_DECIMAL = re.compile(rb"^[-+]?(\d+\.\d*|\.\d+)([eE][-+]?\d+)?$")

LineSource = Union[Iterable[bytes], BinaryIO]


def _line_of(example: str) -> int:
    """The line number an example names (``line 12: ...``)."""
    head = example.split(":", 1)[0]
    return int(head[5:]) if head.startswith("line ") and head[5:].isdigit() else 0


@dataclass
class ParseStats:
    """What the parser saw: kept rows and everything it dropped, by reason."""

    lines: int = 0  #: physical lines read, blank and header included
    rows: int = 0  #: rows kept
    header_skipped: bool = False
    blank_lines: int = 0
    duplicates: int = 0  #: later copies of a token already seen (first wins)
    bad_utf8: int = 0  #: tokens that are not valid UTF-8, skipped
    bad_lines: int = 0  #: malformed lines skipped (only with lenient=True)
    examples: list[str] = field(default_factory=list)  #: a few of the skipped lines, why
    bytes_read: int = 0

    def note(self, message: str) -> None:
        """Keep ``message`` (``line N: why``) if it is among the first few lines noted: the
        examples are the same however the file was cut into blocks or ranges."""
        examples = self.examples
        if len(examples) >= _MAX_EXAMPLES and _line_of(message) >= _line_of(examples[-1]):
            return
        examples.append(message)
        examples.sort(key=_line_of)
        del examples[_MAX_EXAMPLES:]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ParseStats:
        """The statistics a set's ``meta.json`` recorded (keys it does not know are ignored)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class ParsedBlock:
    """Consecutive kept rows: token ``i`` owns ``vectors[i]`` (float32, C order).

    ``joined`` holds the tokens as the file spelled them (UTF-8), separated by ``b"\\n"`` (no
    token holds one): one bytes object per block rather than one per token. ``hashes``: their
    CRC-32s (:func:`~rnncli.glove.word_table.word_hashes`) when the C parser computed them.
    """

    joined: bytes
    vectors: np.ndarray
    hashes: Optional[np.ndarray] = None

    @property
    def count(self) -> int:
        return len(self.vectors)

    @property
    def utf8(self) -> list[bytes]:
        return self.joined.split(b"\n") if self.count else []

    @property
    def words(self) -> list[str]:
        return self.joined.decode("utf-8").split("\n") if self.count else []

    def token_hashes(self) -> np.ndarray:
        """The tokens' CRC-32s, computed here when the parser did not."""
        from rnncli.glove.word_table import word_hashes

        if self.hashes is None:
            self.hashes = word_hashes(self.utf8)
        return self.hashes


class _BadLine(Exception):
    pass


def _blocks_from_source(source: LineSource, block_bytes: int) -> Iterator[tuple[bytes, bool]]:
    """Yield (chunk of whole lines, is_last). Every chunk but the last ends with b"\\n"."""
    read = getattr(source, "read", None)
    if read is not None:
        rest = b""
        while True:
            data = read(block_bytes)
            if not data:
                if rest:
                    yield rest, True
                return
            data = rest + data if rest else data
            cut = data.rfind(b"\n")
            if cut < 0:
                rest = data
                continue
            rest = data[cut + 1 :]
            yield data[: cut + 1], False
    # An iterable of lines (with or without their b"\n"), e.g. a file's own iteration.
    pending: list[bytes] = []
    size = 0
    for line in source:  # type: ignore[union-attr]
        if not isinstance(line, (bytes, bytearray, memoryview)):
            raise TypeError("GloVe lines must be bytes; open the file in binary mode")
        line = bytes(line)
        pending.append(line if line.endswith(b"\n") else line + b"\n")
        size += len(line) + 1
        if size >= block_bytes:
            yield b"".join(pending), False
            pending, size = [], 0
    if pending:
        yield b"".join(pending), True


class GloveParser:
    """Streaming state: line numbers and statistics. Use :func:`parse_glove`."""

    def __init__(
        self,
        dim: int,
        *,
        lenient: bool = False,
        source_name: str = "",
        first_line: int = 1,
        header_possible: bool = True,
    ) -> None:
        """``first_line``: the number of the first line it is given (a worker's range starts
        further on); ``header_possible``: whether its first content line is the file's first,
        which may be a ``COUNT DIM`` header."""
        if dim < 1:
            raise ValueError("dim must be positive")
        self.dim = dim
        self.lenient = lenient
        self.source_name = source_name or "input"
        self.stats = ParseStats()
        self._line_base = first_line - 1
        self._first_content = header_possible
        self._declined = 0  # blocks in a row the one-pass C parse declined

    # -- errors ------------------------------------------------------------------------------
    def _bad(self, lineno: int, reason: str) -> None:
        """Skip a malformed line (lenient) or fail naming it."""
        where = f"{self.source_name} line {lineno}"
        if not self.lenient:
            raise RnncliError(
                f"{where}: {reason} (use --lenient to skip malformed lines and count them)"
            )
        self.stats.bad_lines += 1
        self.stats.note(f"line {lineno}: {reason}")

    # -- the exact, slow path ------------------------------------------------------------------
    def _slow_line(self, line: bytes, is_cut: bool) -> tuple[bytes, list[float]]:
        dim = self.dim
        parts = line.rstrip(b" ").rsplit(b" ", dim)  # fastText .vec lines end with a space
        hint = " (the file looks cut short: truncated download?)" if is_cut else ""
        if len(parts) < dim + 1:
            found = max(len(line.split(b" ")) - 1, 0)
            raise _BadLine(f"too few numbers: expected {dim}, found {found}{hint}")
        token, fields = parts[0], parts[1:]
        if token == b"":
            raise _BadLine("empty token before the numbers")
        values = []
        for i, raw in enumerate(fields):
            try:
                if b"_" in raw:  # float() accepts 1_000; numpy and C do not
                    raise ValueError
                value = float(raw)
            except ValueError:
                if i == 0 and not _HAS_DIGIT.search(raw):
                    # A word where a number should be: the line is one number short.
                    raise _BadLine(
                        f"too few numbers: expected {dim}, field {raw[:40]!r} is not a number{hint}"
                    ) from None
                raise _BadLine(f"number {raw[:40]!r} (field {i + 1}) does not parse") from None
            if not math.isfinite(value):
                raise _BadLine(f"number {raw[:40]!r} (field {i + 1}) is not finite")
            if not finite32(value):
                raise _BadLine(
                    f"number {raw[:40]!r} (field {i + 1}) is beyond the float32 range "
                    f"(the largest float32 is {F32_MAX:.8g})"
                )
            values.append(value)
        before = token.rsplit(b" ", 1)
        if len(before) == 2 and _DECIMAL.match(before[1]):
            raise _BadLine(f"too many numbers: expected {dim}, found more")
        return token, values

    def _fast_lines(
        self, arr: np.ndarray, chunk: bytes, starts: np.ndarray, ends: np.ndarray, blank: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]:
        """The ordinary lines, ``TOKEN N1 ... Ndim`` with single spaces and a token without
        one: their indices, the offset of the space after each line's token, their rows (None
        when there is none). In C when it was built, one line at a time; else with numpy,
        where one number that is not a plain decimal sends every line the exact way."""
        import numpy as np

        c_parser = accelerator()
        if c_parser is not None:
            # Only lines long enough to be ordinary (a token, then dim spaces and digits): the
            # rows asked for stay within twice the block's bytes, whatever its lines.
            candidates = np.flatnonzero(~blank & (ends - starts >= 2 * self.dim + 1))
            n = len(candidates)
            fast = np.empty(n, dtype=np.uint8)
            found = np.empty(n, dtype=np.int64)
            rows = np.empty((n, self.dim), dtype=np.float32)
            line_starts = starts[candidates].astype(np.int64, copy=False)
            line_ends = ends[candidates].astype(np.int64, copy=False)
            c_parser.scan_lines(chunk, line_starts, line_ends, self.dim, rows, found, fast)
            taken = np.flatnonzero(fast)
            seps = np.full(len(starts), -1, dtype=np.int64)
            seps[candidates] = found
            if not len(taken):
                return taken, seps, None
            return candidates[taken], seps, rows if len(taken) == n else rows[taken]

        dim = self.dim
        # fastText .vec lines end with a space: their numbers end before it (as in _slow_line).
        vends = ends
        trail = ~blank
        trail[trail] = arr[ends[trail] - 1] == 32
        if trail.any():
            vends = ends - trail
        sp = np.flatnonzero(arr == 32)
        c_start = np.searchsorted(sp, starts)
        c_end = np.searchsorted(sp, vends)
        nsp = c_end - c_start
        fast = ~blank & (nsp == dim)
        seps = np.full(len(starts), -1, dtype=np.int64)
        seps[fast] = sp[c_end[fast] - dim]
        fast &= seps > starts  # non-empty token
        fast_idx = np.flatnonzero(fast)
        if not len(fast_idx):
            return fast_idx, seps, None
        lo, hi = (seps[fast_idx] + 1).tolist(), vends[fast_idx].tolist()
        vals = parse_decimals([chunk[s:e] for s, e in zip(lo, hi)], len(fast_idx) * dim)
        if vals is None:
            return fast_idx[:0], seps, None
        return fast_idx, seps, vals.reshape(-1, dim)

    # -- one block -------------------------------------------------------------------------------
    def _clean_block(self, chunk: bytes) -> Optional[ParsedBlock]:
        """A block whose lines are all ordinary or blank, in one C pass (the common case: a clean
        file); None for any other block, or without the C parser."""
        c_parser = accelerator()
        if c_parser is None or not chunk or self._first_content:  # a header: the line logic
            return None
        if self._declined >= _DECLINED_MAX and self._declined % _RETRY_EVERY:
            self._declined += 1  # a dirty stretch: the pass would mostly be wasted; retried
            return None
        import numpy as np

        # An ordinary line holds a token and dim numbers, each after a space.
        rows = np.empty((len(chunk) // (2 * self.dim + 1) + 1, self.dim), dtype=np.float32)
        found = c_parser.scan_block(chunk, self.dim, rows)
        if found is not None:
            lines, blank, joined, hashes = found
            if not joined.isascii():
                try:
                    joined.decode("utf-8")
                except UnicodeDecodeError:
                    found = None  # the line logic counts and names the token
        if found is None:
            self._declined += 1
            return None
        self._declined = 0
        stats = self.stats
        stats.bytes_read += len(chunk)
        stats.lines += lines
        stats.blank_lines += blank
        count = len(hashes) // 4
        stats.rows += count
        return ParsedBlock(joined, rows[:count], np.frombuffer(hashes, dtype=np.uint32))

    def parse_block(self, chunk: bytes, is_last: bool) -> ParsedBlock:
        clean = self._clean_block(chunk)
        if clean is not None:
            return clean
        import numpy as np

        dim = self.dim
        stats = self.stats
        stats.bytes_read += len(chunk)
        arr = np.frombuffer(chunk, dtype=np.uint8)
        nl = np.flatnonzero(arr == 10)
        ends = nl if chunk.endswith(b"\n") else np.append(nl, len(chunk))
        starts = np.empty_like(ends)
        starts[:1] = 0
        starts[1:] = ends[:-1] + 1
        first_lineno = self._line_base + stats.lines + 1
        nlines = len(ends)
        stats.lines += nlines
        # Drop a trailing b"\r".
        nonempty = ends > starts
        cr = np.zeros(nlines, dtype=bool)
        cr[nonempty] = arr[ends[nonempty] - 1] == 13
        ends = ends - cr
        blank = ends == starts
        stats.blank_lines += int(blank.sum())

        content = np.flatnonzero(~blank)
        if self._first_content and len(content):
            self._first_content = False
            i = int(content[0])
            m = _HEADER.match(chunk[starts[i] : ends[i]])
            if m:
                if int(m.group(2)) != dim:
                    raise RnncliError(
                        f"{self.source_name} line {first_lineno + i}: the header says "
                        f"{int(m.group(2))}-dimensional vectors, expected {dim}"
                    )
                stats.header_skipped = True
                blank[i] = True
                content = content[1:]

        fast_idx, seps, vals = self._fast_lines(arr, chunk, starts, ends, blank)
        fast = np.zeros(nlines, dtype=bool)
        fast[fast_idx] = True
        slow_idx = np.flatnonzero(~blank & ~fast)

        # Tokens and rows, in line order.
        tokens: list[bytes] = []
        order: list[int] = []  # line index of each token
        if len(slow_idx) == 0:
            t_starts = starts[fast_idx].tolist()
            t_ends = seps[fast_idx].tolist()
            tokens = [chunk[s:e] for s, e in zip(t_starts, t_ends)]
            out_rows = vals if vals is not None else np.empty((0, dim), dtype=np.float32)
            order = fast_idx.tolist()
        else:
            # A line holds a token and dim numbers, each after a space: shorter lines are bad,
            # and get no row (a block of short lines would otherwise ask for lines x dim).
            long_slow = int(np.count_nonzero(ends[slow_idx] - starts[slow_idx] >= 2 * dim + 1))
            out_rows = np.empty((len(fast_idx) + long_slow, dim), dtype=np.float32)
            fast_pos = {}
            if len(fast_idx):
                fast_vals = vals.reshape(-1, dim)
                fast_pos = {int(li): k for k, li in enumerate(fast_idx.tolist())}
            todo = np.flatnonzero(~blank).tolist()
            row = 0
            for li in todo:
                s, e = int(starts[li]), int(ends[li])
                k = fast_pos.get(li)
                if k is not None:
                    tokens.append(chunk[s : int(seps[li])])
                    out_rows[row] = fast_vals[k]
                else:
                    line = chunk[s:e]
                    is_cut = is_last and li == nlines - 1 and not chunk.endswith(b"\n")
                    try:
                        token, values = self._slow_line(line, is_cut)
                    except _BadLine as exc:
                        self._bad(first_lineno + li, str(exc))
                        continue
                    tokens.append(token)
                    out_rows[row] = values
                order.append(li)
                row += 1
            out_rows = out_rows[:row]

        joined, keep = self._utf8_tokens(tokens, order, first_lineno)
        if keep is not None:
            out_rows = out_rows[keep]
        stats.rows += len(out_rows)
        return ParsedBlock(joined, np.ascontiguousarray(out_rows))

    def _utf8_tokens(
        self, tokens: list[bytes], order: list[int], first_lineno: int
    ) -> tuple[bytes, Optional[list[int]]]:
        """The tokens that are UTF-8, joined by newlines; ``keep`` lists them when some are not
        (those are skipped, counted and noted)."""
        joined = b"\n".join(tokens)
        try:
            joined.decode("utf-8")
            return joined, None
        except UnicodeDecodeError:
            keep = []
            for k, tok in enumerate(tokens):
                try:
                    tok.decode("utf-8")
                    keep.append(k)
                except UnicodeDecodeError:
                    self.stats.bad_utf8 += 1
                    self.stats.note(f"line {first_lineno + order[k]}: token is not valid UTF-8")
            return b"\n".join(tokens[k] for k in keep), keep


def parse_glove(
    source: LineSource,
    dim: int,
    *,
    lenient: bool = False,
    source_name: str = "",
    progress: Optional[Callable[[int], None]] = None,
    block_bytes: int = BLOCK_BYTES,
) -> tuple[Iterator[ParsedBlock], ParseStats]:
    """Parse ``source`` (a binary file object or an iterable of byte lines) block by block.

    Returns the block iterator and the statistics object it fills in as it goes (complete once
    the iterator is exhausted). ``progress`` is called after each block with the total number of
    bytes consumed so far (cumulative, not an increment).
    """
    parser = GloveParser(dim, lenient=lenient, source_name=source_name)

    def run() -> Iterator[ParsedBlock]:
        for chunk, is_last in _blocks_from_source(source, block_bytes):
            block = parser.parse_block(chunk, is_last)
            if progress is not None:
                progress(parser.stats.bytes_read)
            if block.count:
                yield block

    return run(), parser.stats
