"""Decimal numbers of GloVe lines, parsed block by block, bit-for-bit as ``float(x)`` to float32.

The line logic (:mod:`rnncli.glove.parse`) cuts each ordinary line's numbers out of the block;
:func:`parse_decimals` parses all of them at once: :func:`fast_decimal` (SWAR digit arithmetic
on 64-bit words, then one correctly rounded division: bit-for-bit ``float(x)`` rounded to
float32, as pytorch-nlp does), or numpy's own C parser (:func:`numpy_decimal`, the same
``PyOS_string_to_double`` as ``float()``) when a block is full of exponents or long digit
strings. Either declines (None) rather than guess; the line logic then takes its exact,
per-line path, which names the bad line.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

#: The only bytes a block's joined numbers may hold (the padding's zeros included).
NUMERIC_BYTES = b"0123456789.-+eE \0"
PAD = 16  #: zero bytes on each side of a block's joined numbers: room for 8-byte loads
_ZEROS = bytes(PAD)

#: The largest float32; a float at or beyond :data:`F32_OVERFLOW` rounds to inf in float32.
F32_MAX = 3.4028234663852886e38
#: Half-way between :data:`F32_MAX` and 2**128: round-to-nearest-even sends it (and above) to inf.
F32_OVERFLOW = 2.0**128 - 2.0**103


def finite32(value: float) -> bool:
    """Whether ``value`` stays finite when cast to float32 (NaN and infinities do not)."""
    return abs(value) < F32_OVERFLOW


_INT_MAX = 7  # integer digits the fast path takes (the 8th byte of its word is the dot)
_FRAC_MAX = 8  # fraction digits the fast path takes
_ASCII_ZEROS = 0x3030303030303030
_MASKS: list[np.ndarray] = []


def _mask_table() -> np.ndarray:
    """Which bytes of a field's two words are digits, by ``lint * 10 + lfrac`` (see below).

    Word 0 holds the 7 bytes before the dot, shifted up one byte (the dot falls out): its last
    ``lint`` bytes, the high ones, are the integer digits. Word 1 holds the 8 bytes after the
    dot: its first ``lfrac - 1`` bytes, the low ones, are the fraction digits (``lfrac``: bytes
    from the dot to the field's end, dot included; 0 when the field has no dot).
    """
    import numpy as np

    if not _MASKS:
        full = (1 << 64) - 1
        hi = [full ^ ((1 << (8 * (8 - n))) - 1) for n in range(_INT_MAX + 1)]
        lo = [0, 0] + [(1 << (8 * n)) - 1 for n in range(1, _FRAC_MAX + 1)]
        table = np.array([[h, g] for h in hi for g in lo], dtype=np.uint64)
        _MASKS.append(table.view("V16").ravel())
    return _MASKS[0]


def _eight_digits(x: np.ndarray) -> np.ndarray:
    """Words of eight digit values (0..9, first byte most significant) -> their numbers, in place.

    SWAR: digits to pairs, pairs to quads, quads to the word; no lane ever carries into the next.
    """
    import numpy as np

    for shift, mul, mask in (
        (8, 10, 0x00FF00FF00FF00FF),
        (16, 100, 0x0000FFFF0000FFFF),
        (32, 10000, 0xFFFFFFFF),
    ):
        t = x >> np.uint64(shift)
        x *= np.uint64(mul)
        x += t
        x &= np.uint64(mask)
    return x


def _dot_positions(dots: np.ndarray, fstart: np.ndarray, fend: np.ndarray) -> Optional[np.ndarray]:
    """Each field's dot, or its end when it has none; None when a field has two dots.

    Usually every field has one: dot ``i`` lies in field ``i``. Each field without a dot (an
    integer such as ``0``) shifts that pairing by one; a few are found by walking the pairing,
    many by a binary search of every dot.
    """
    import numpy as np

    nf, nd = fstart.size, dots.size
    dotpos = fend.copy()
    fi = di = 0
    for _ in range(32):
        m = min(nf - fi, nd - di)
        d = dots[di : di + m]
        ok = (d >= fstart[fi : fi + m]) & (d < fend[fi : fi + m])
        j = int(ok.argmin()) if m else 0
        if m == 0 or ok[j]:
            dotpos[fi : fi + m] = d
            # The rest of the fields have no dot; a dot left over would sit in two fields.
            return dotpos if di + m == nd else None
        dotpos[fi : fi + j] = d[:j]
        fi += j
        di += j
        if dots[di] < fstart[fi]:
            return None  # a second dot in the field before
        fi += 1  # field fi has no dot (its dot lies further on)
    df = np.searchsorted(fend, dots)
    if df.size > 1 and not (np.diff(df) > 0).all():
        return None
    dotpos = fend.copy()
    dotpos[df] = dots
    return dotpos


def fast_decimal(padded: bytes, count: int) -> Optional[np.ndarray]:
    """Parse ``count`` space-separated decimals, bit-for-bit as ``float(x)`` then float32.

    ``padded`` holds the numbers with :data:`PAD` zero bytes on each side, and only bytes of
    :data:`NUMERIC_BYTES`. Per field, the 16 bytes around its dot are loaded as two 64-bit words,
    the integer digits and the fraction digits, and turned into numbers by SWAR arithmetic;
    ``int * 10**8 + frac`` is then the decimal's exact integer mantissa ``m`` (below 2**53),
    and ``m / 1e8``, one correctly rounded IEEE division of two exact doubles, is the same
    float64 as ``float(x)`` (Clinger's fast path); the cast to float32 is then the one
    pytorch-nlp does. Fields that do not fit (an exponent, more than 7 integer or 8 fraction
    digits) go through ``float()`` when few. Returns None when a field is malformed or too many
    do not fit; the caller then uses numpy's parser or the exact slow path.
    """
    import numpy as np

    n = len(padded)
    special: list[int] = []
    most = 64 + count // 100  # fields left to float(); beyond that numpy's parser is faster
    epos = list(
        itertools.islice(itertools.chain(_positions(padded, 101), _positions(padded, 69)), most + 1)
    )
    if len(epos) > most:
        return None
    original = padded
    a = np.frombuffer(padded, dtype=np.uint8)
    sp = np.flatnonzero(a == 32)
    nf = sp.size + 1
    if nf != count:
        return None
    fstart = np.empty(nf, dtype=np.int64)
    fstart[0] = PAD
    fstart[1:] = sp
    fstart[1:] += 1
    fend = np.empty(nf, dtype=np.int64)
    fend[:-1] = sp
    fend[-1] = n - PAD
    if not (fend > fstart).all():
        return None
    if epos:
        # Exponents (rare in GloVe): float() below; here the field becomes b"0.000...".
        special = np.unique(np.searchsorted(sp, epos)).tolist()
        mutable = bytearray(padded)
        for f in special:
            s, e = int(fstart[f]), int(fend[f])
            mutable[s:e] = b"0." + b"0" * (e - s - 2) if e - s > 1 else b"0"
        padded = bytes(mutable)
        a = np.frombuffer(padded, dtype=np.uint8)
    first = a[fstart]
    neg = first == 45
    nsign = int(np.count_nonzero(neg | (first == 43)))
    dots = np.flatnonzero(a == 46)
    # Bytes below b"0" are spaces, dots, signs and the padding's zeros: any other count means a
    # sign inside a field or a zero byte in the text.
    if np.count_nonzero(a < 48) != (nf - 1) + dots.size + nsign + 2 * PAD:
        return None
    dotpos = _dot_positions(dots, fstart, fend)
    if dotpos is None:
        return None
    lint = dotpos - fstart  # integer digits (and the sign, removed below)
    lint -= first == 45
    lint -= first == 43
    lfrac = fend - dotpos  # dot and fraction digits
    if not ((lint > 0) | (lfrac > 1)).all():
        return None  # a field without digits
    big = (lint > _INT_MAX) | (lfrac > _FRAC_MAX + 1)
    if big.any():
        special = sorted(set(special) | set(np.flatnonzero(big).tolist()))
        np.minimum(lint, _INT_MAX, out=lint)
        np.minimum(lfrac, _FRAC_MAX + 1, out=lfrac)
    if len(special) > most:
        return None
    pairs = np.ndarray(shape=(n - 15,), dtype="V16", buffer=padded, strides=(1,))
    dotpos -= 7
    x = pairs.take(dotpos).view(np.uint64).reshape(nf, 2)
    x[:, 0] <<= np.uint64(8)  # drop the dot
    lint *= _FRAC_MAX + 2
    lint += lfrac
    masks = _mask_table().take(lint).view(np.uint64).reshape(nf, 2)
    x &= masks
    masks &= np.uint64(_ASCII_ZEROS)
    x -= masks
    _eight_digits(x)
    m = x[:, 0] * np.uint64(10**_FRAC_MAX)
    m += x[:, 1]
    if special:
        m[special] = 0
    if int(m.max()) > 1 << 53:
        return None
    val = m.astype(np.float64)
    val /= float(10**_FRAC_MAX)
    np.copysign(val, -neg.view(np.int8), out=val)  # after rounding, as float() does
    out = val.astype(np.float32)
    for f in special:
        raw = original[int(fstart[f]) : int(fend[f])]
        try:
            v = float(raw)
        except ValueError:
            return None
        if not finite32(v):
            return None  # the slow path names the line
        out[f] = v
    return out


def _positions(data: bytes, byte: int) -> Iterator[int]:
    """Where ``byte`` occurs in ``data`` (for rare bytes: one fast search per occurrence)."""
    i = data.find(byte)
    while i >= 0:
        yield i
        i = data.find(byte, i + 1)


def numpy_decimal(numeric: bytes, count: int) -> Optional[np.ndarray]:
    """numpy's C parser (``PyOS_string_to_double``, the one ``float()`` uses) then float32.

    The fallback for blocks :func:`fast_decimal` declines (exponents everywhere, long digits).
    Returns None unless it reads exactly ``count`` finite numbers separated by single spaces.
    """
    import numpy as np

    if (
        not numeric
        or b"\0" in numeric
        or b"  " in numeric
        or numeric.startswith(b" ")
        or numeric.endswith(b" ")
    ):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            vals = np.fromstring(numeric, dtype=np.float64, sep=" ")
    except (ValueError, DeprecationWarning):
        return None
    if vals.size != count or not (np.abs(vals) < F32_OVERFLOW).all():
        return None  # not finite, or not finite as float32: the slow path names the line
    return vals.astype(np.float32)


def parse_decimals(fields: Sequence[bytes], count: int) -> Optional[np.ndarray]:
    """float32 values of ``fields`` (each: space-separated decimals), ``count`` in all.

    None when a field holds anything but a plain decimal, or the numbers are not ``count``
    finite float32 values: the caller then parses line by line.
    """
    if not fields:
        return None
    parts = list(fields)
    parts[0] = _ZEROS + parts[0]
    parts[-1] = parts[-1] + _ZEROS
    padded = b" ".join(parts)
    del parts
    if padded.translate(None, NUMERIC_BYTES):
        return None
    vals = fast_decimal(padded, count)
    if vals is None:
        vals = numpy_decimal(padded[PAD:-PAD], count)
    return vals


_ACCELERATOR: list = []


def accelerator() -> Any:
    """The C parser :mod:`rnncli.glove._decimals` (``scan_block``: a clean block's rows,
    tokens and hashes in one pass; ``scan_lines``: the ordinary lines of any block), or None
    where it was not built (no C compiler when rnncli was installed) or
    ``RNNCLI_PURE_PYTHON=1``: the numpy paths then do the same work, bit for bit, about half as
    fast."""
    from rnncli import accelerators

    return accelerators.cached(_ACCELERATOR, "rnncli.glove._decimals")
