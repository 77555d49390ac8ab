"""Questions to a cached GloVe set: vectors, nearest neighbours, analogies, similarity.

numpy only (no torch): the matrix is a memory map and the row norms are stored at import, so a
cosine query is one matrix-vector product over the map with no normalised copy of the matrix,
and ``numpy.argpartition`` picks the top k.

Analogy order follows gensim and GloVe's own evaluation: "A is to B as C is to ?" is answered by
the words nearest (cosine) to ``B/|B| - A/|A| + C/|C|``, the three question words excluded, so
``analogy man king woman`` gives ``queen``. (The fastText command line asks for A - B + C.)
Unknown words are named in a :class:`~rnncli.errors.UsageError` (exit 2), never silently zeros;
:func:`vectors` reports them as ``missing`` instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rnncli.errors import UsageError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from rnncli.glove.store import GloveStore

_DIGITS = 4  # similarities are rounded to this many decimals in to_dict()


@dataclass
class VectorsReport:
    name: str
    dim: int
    vectors: dict[str, list[float]]
    missing: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dim": self.dim,
            "vectors": {w: list(v) for w, v in self.vectors.items()},
            "missing": list(self.missing),
        }


@dataclass
class Neighbor:
    word: str
    similarity: float

    def to_dict(self) -> dict[str, Any]:
        return {"word": self.word, "similarity": round(self.similarity, _DIGITS)}


@dataclass
class NeighborsReport:
    name: str
    word: str
    k: int
    neighbors: list[Neighbor] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "word": self.word,
            "k": self.k,
            "neighbors": [n.to_dict() for n in self.neighbors],
        }


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
        return {
            "name": self.name,
            "a": self.a,
            "b": self.b,
            "c": self.c,
            "rule": "nearest to b - a + c (unit vectors), a, b and c excluded",
            "answer": self.answer,
            "candidates": [n.to_dict() for n in self.candidates],
        }


@dataclass
class SimilarityReport:
    name: str
    word1: str
    word2: str
    similarity: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "word1": self.word1,
            "word2": self.word2,
            "similarity": round(self.similarity, _DIGITS),
        }


def _rows(store: GloveStore, words: Sequence[str]) -> list[int]:
    """Rows of ``words``; a UsageError naming every unknown one."""
    idx = store.indices(list(words)).tolist()
    unknown = list(dict.fromkeys(w for w, i in zip(words, idx) if i < 0))
    if unknown:
        listed = ", ".join(repr(w) for w in unknown)
        plural = "s" if len(unknown) > 1 else ""
        raise UsageError(f"unknown word{plural} in GloVe {store.name}: {listed}")
    return idx


def _check_k(k: int) -> None:
    if k < 1:
        raise UsageError(f"must be at least 1, got {k}", option="-k")


def vectors(store: GloveStore, words: Sequence[str]) -> VectorsReport:
    """The vectors of ``words``; unknown ones in ``missing``.

    Each float32 value is given as the shortest decimal that reads back as the same float32
    (``-0.38497``, not ``-0.3849700093269348``), so JSON consumers get the exact vector.
    """
    matrix, missing = store.rows_for(list(words))
    lost = set(missing)
    found = {w: [float(str(x)) for x in matrix[i]] for i, w in enumerate(words) if w not in lost}
    return VectorsReport(name=store.name, dim=store.dim, vectors=found, missing=missing)


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
    return NeighborsReport(store.name, word, k, _top(store, sims, [row], k))


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
    return AnalogyReport(store.name, a, b, c, k, _top(store, sims, [ra, rb, rc], k))


def similarity(store: GloveStore, word1: str, word2: str) -> SimilarityReport:
    """Cosine similarity of two words."""
    import numpy as np

    r1, r2 = _rows(store, [word1, word2])
    v1 = np.asarray(store.matrix[r1], dtype=np.float64)
    v2 = np.asarray(store.matrix[r2], dtype=np.float64)
    denom = float(np.linalg.norm(v1) * np.linalg.norm(v2))
    sim = float(v1 @ v2 / denom) if denom > 0 else 0.0
    return SimilarityReport(store.name, word1, word2, sim)
