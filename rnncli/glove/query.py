"""Questions to a cached GloVe set: vectors, nearest neighbours, analogies, similarity.

numpy only (no torch): the matrix is a memory map and the row norms are stored at import, so a
cosine query is one matrix-vector product over the map with no normalised copy of the matrix,
and ``numpy.argpartition`` picks the top k. :func:`vectors` and :func:`similarity` read a few
rows and need no numpy at all (its import would be a third of a ``glove vector`` process).

Analogy order follows gensim and GloVe's own evaluation: "A is to B as C is to ?" is answered by
the words nearest (cosine) to ``B/|B| - A/|A| + C/|C|``, the three question words excluded, so
``analogy man king woman`` gives ``queen``. (The fastText command line asks for A - B + C.)
Unknown words are named in a :class:`~rnncli.errors.UsageError` (exit 2), never silently zeros,
with a hint when the set has the word in lowercase (``King`` -> ``king``, see
:mod:`rnncli.glove.words`); :func:`vectors` reports them as ``missing`` instead. A word that is
not valid UTF-8 is never in a set; it is named with ``\\xNN`` escapes.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rnncli.dataclass_dict import fields_dict
from rnncli.errors import UsageError
from rnncli.glove.words import unknown_words_message, word_label

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from rnncli.glove.store import GloveStore

_DIGITS = 4  # similarities are rounded to this many decimals in to_dict()
ANALOGY_RULE = "nearest to b - a + c (unit vectors), a, b and c excluded"
_F32 = struct.Struct("<f")
_U32 = struct.Struct("<I")


def float32_shortest(x: float) -> float:
    """The float with the fewest digits that reads back as the same float32 as ``x``.

    ``x`` is a float32 value held in a Python float; the answer prints as the shortest decimal
    that round-trips through float32 (``-0.38497``, not ``-0.3849700093269348``), the digits
    ``str(numpy.float32(x))`` gives, without importing numpy.
    """
    if x == 0 or not math.isfinite(x):
        return x
    pack = _F32.pack
    want = pack(x)
    # Below a power of two the float32 gap is half the gap above, so the nearest n-digit
    # decimal can miss while its upper neighbour reads back: try both neighbours there.
    pow2 = not _U32.unpack(want)[0] & 0x7FFFFF
    for digits in range(1, 10):
        text = f"{x:.{digits - 1}e}"
        candidates = [text]
        if pow2:
            mantissa, exponent = text.split("e")
            m, e = int(mantissa.replace(".", "")), int(exponent) - (digits - 1)
            candidates += [f"{m + 1}e{e}", f"{m - 1}e{e}"]
        best = None
        for c in candidates:
            y = float(c)
            try:
                ok = pack(y) == want
            except OverflowError:  # rounded past the largest float32
                ok = False
            if ok and c is text:
                return y
            if ok and (best is None or abs(y - x) < abs(best - x)):
                best = y
        if best is not None:
            return best
    return x  # pragma: no cover - 9 significant digits always round-trip


@dataclass
class VectorsReport:
    name: str
    dim: int
    vectors: dict[str, list[float]]
    missing: list[str]

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self)  # not asdict: it deep-copies every float, on the warm path


@dataclass
class Neighbor:
    word: str
    similarity: float

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self, values={"similarity": round(self.similarity, _DIGITS)})


@dataclass
class NeighborsReport:
    name: str
    word: str
    k: int
    neighbors: list[Neighbor] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self)


@dataclass
class AnalogyReport:
    name: str
    a: str
    b: str
    c: str
    k: int
    candidates: list[Neighbor] = field(default_factory=list)

    @property
    def answer(self) -> str:
        return self.candidates[0].word if self.candidates else ""

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(
            self,
            omit=["k"],
            after={"c": {"rule": ANALOGY_RULE, "answer": self.answer}},
        )


@dataclass
class SimilarityReport:
    name: str
    word1: str
    word2: str
    similarity: float

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self, values={"similarity": round(self.similarity, _DIGITS)})


def _rows(store: GloveStore, words: Sequence[str]) -> list[int]:
    """Rows of ``words`` (a few: one hash probe each); a UsageError naming every unknown one."""
    idx = [store.index(w) for w in words]
    unknown = list(dict.fromkeys(w for w, i in zip(words, idx) if i is None))
    if unknown:
        raise UsageError(unknown_words_message(store, unknown))
    return idx


def _check_k(k: int) -> None:
    if k < 1:
        raise UsageError(f"must be at least 1, got {k}", option="-k")


def vectors(store: GloveStore, words: Sequence[str]) -> VectorsReport:
    """The vectors of ``words``; unknown ones in ``missing``.

    Each float32 value is given as the shortest decimal that reads back as the same float32
    (``-0.38497``, not ``-0.3849700093269348``), so JSON consumers get the exact vector.
    One hash probe and one row read per word, no numpy.
    """
    found: dict[str, list[float]] = {}
    missing: dict[str, None] = {}
    for w in words:
        if w in found or w in missing:
            continue
        values = store.values(w)
        if values is None:
            missing[word_label(w)] = None  # bytes that are not UTF-8 named as \xNN escapes
        else:
            found[w] = [float32_shortest(x) for x in values]
    return VectorsReport(name=store.name, dim=store.dim, vectors=found, missing=list(missing))


def cosine_to(store: GloveStore, target: np.ndarray) -> np.ndarray:
    """Cosine similarity of every row with ``target`` (float32 [count]); zero rows give 0."""
    import numpy as np

    target = np.asarray(target, dtype=np.float32)
    tnorm = float(np.linalg.norm(target))
    dots = store.matrix @ target
    denom = store.norms * np.float32(tnorm if tnorm > 0 else 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        sims = np.where(denom > 0, dots / denom, np.float32(0.0))
    return sims.astype(np.float32, copy=False)


def _top(store: GloveStore, sims: np.ndarray, exclude: Sequence[int], k: int) -> list[Neighbor]:
    import numpy as np

    sims = np.array(sims, dtype=np.float32)
    sims[list(exclude)] = -np.inf
    k = min(k, max(store.count - len(set(exclude)), 0))
    if k == 0:
        return []
    part = np.argpartition(-sims, k - 1)[:k]
    order = part[np.argsort(-sims[part], kind="stable")]
    return [Neighbor(store.word(int(i)), float(sims[i])) for i in order]


def neighbors(store: GloveStore, word: str, k: int = 10) -> NeighborsReport:
    """The ``k`` words with the highest cosine similarity to ``word``, the word itself excluded."""
    _check_k(k)
    (row,) = _rows(store, [word])
    sims = cosine_to(store, store.matrix[row])
    top = _top(store, sims, [row], k)
    return NeighborsReport(store.name, word, len(top), top)  # k: what there was, at most k


def analogy(store: GloveStore, a: str, b: str, c: str, k: int = 5) -> AnalogyReport:
    """ "A is to B as C is to ?": nearest to unit(B) - unit(A) + unit(C), A, B, C excluded."""
    import numpy as np

    _check_k(k)
    ra, rb, rc = _rows(store, [a, b, c])

    def unit(r: int) -> np.ndarray:
        v = np.asarray(store.matrix[r], dtype=np.float32)
        n = float(store.norms[r])
        return v / n if n > 0 else v

    target = unit(rb) - unit(ra) + unit(rc)
    sims = cosine_to(store, target)
    top = _top(store, sims, [ra, rb, rc], k)
    return AnalogyReport(store.name, a, b, c, len(top), top)


def similarity(store: GloveStore, word1: str, word2: str) -> SimilarityReport:
    """Cosine similarity of two words, in float64 over their two rows (no numpy).

    Products of float32 values are exact in float64, and ``math.fsum`` rounds each sum once.
    """
    r1, r2 = _rows(store, [word1, word2])
    v1, v2 = store.row_values(r1), store.row_values(r2)
    dot = math.fsum(a * b for a, b in zip(v1, v2))
    denom = math.sqrt(math.fsum(a * a for a in v1)) * math.sqrt(math.fsum(b * b for b in v2))
    sim = dot / denom if denom > 0 else 0.0
    return SimilarityReport(store.name, word1, word2, sim)
