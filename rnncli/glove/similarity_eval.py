"""Word similarity: how well cosine similarity ranks word pairs as people do.

gensim's ``evaluate_word_pairs`` protocol: a pair with a word outside the evaluation vocabulary
(:mod:`rnncli.glove.eval_vocab`) is skipped and counted; for the others, Spearman's ρ and
Pearson's r between the human scores and the cosine similarities. Both are computed here with
numpy (rnncli does not need scipy): Spearman's ρ is Pearson's r of the ranks, tied values
sharing their average rank, as ``scipy.stats.spearmanr`` does. The cosines are computed in
float64 from the float32 rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from rnncli.dataclass_dict import fields_dict
from rnncli.errors import UsageError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from rnncli.glove.benchmark_data import PairDataset
    from rnncli.glove.eval_vocab import EvalVocab

_DIGITS = 4  # correlations are rounded to this many decimals in to_dict()


@dataclass
class SimilarityResult:
    """One pairs dataset: how many pairs, how many used, and the two correlations."""

    dataset: str
    pairs: int
    used: int
    skipped: int
    spearman: Optional[float]
    pearson: Optional[float]

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(
            self,
            values={"spearman": _rounded(self.spearman), "pearson": _rounded(self.pearson)},
        )


def _rounded(x: Optional[float]) -> Optional[float]:
    return None if x is None else round(x, _DIGITS)


def average_ranks(values: Sequence[float]) -> np.ndarray:
    """1-based ranks of ``values`` (float64), tied values sharing the mean of their ranks."""
    import numpy as np

    x = np.asarray(values, dtype=np.float64)
    order = np.argsort(x, kind="stable")
    ordered = x[order]
    starts_group = np.concatenate(([True], ordered[1:] != ordered[:-1]))
    group = np.cumsum(starts_group) - 1
    starts = np.flatnonzero(starts_group)
    ends = np.append(starts[1:], x.size)  # one past each group's last position
    mean_rank = (starts + ends + 1) / 2.0  # positions start..end-1 are ranks start+1..end
    ranks = np.empty(x.size, dtype=np.float64)
    ranks[order] = mean_rank[group]
    return ranks


def pearson(x: Sequence[float], y: Sequence[float]) -> Optional[float]:
    """Pearson's r in float64; None where it is undefined (fewer than 2 values, or a constant)."""
    import numpy as np

    a = np.asarray(x, dtype=np.float64)
    b = np.asarray(y, dtype=np.float64)
    if a.size < 2:
        return None
    da = a - a.mean()
    db = b - b.mean()
    denom = math.sqrt(float(da @ da)) * math.sqrt(float(db @ db))
    if denom == 0:
        return None
    return max(-1.0, min(1.0, float(da @ db) / denom))


def spearman(x: Sequence[float], y: Sequence[float]) -> Optional[float]:
    """Spearman's ρ: Pearson's r of the average ranks (``scipy.stats.spearmanr``'s figure)."""
    return pearson(average_ranks(x), average_ranks(y))


def pair_cosines(vocab: EvalVocab, rows1: Sequence[int], rows2: Sequence[int]) -> np.ndarray:
    """Cosine similarity of each pair of rows, float64 from the float32 rows (0 for a zero row)."""
    import numpy as np

    matrix = vocab.store.matrix
    v1 = np.asarray(matrix[np.asarray(rows1, dtype=np.int64)], dtype=np.float64)
    v2 = np.asarray(matrix[np.asarray(rows2, dtype=np.int64)], dtype=np.float64)
    dots = np.einsum("ij,ij->i", v1, v2)
    norms = np.linalg.norm(v1, axis=1) * np.linalg.norm(v2, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(norms > 0, dots / norms, 0.0)


def evaluate_pairs(
    vocab: EvalVocab, data: PairDataset, option: str = "--similarity"
) -> SimilarityResult:
    """ρ and r of ``data`` against the cosines of ``vocab``'s rows; pairs outside it skipped.

    No usable pair at all: UsageError on ``option``.
    """
    rows1: list[int] = []
    rows2: list[int] = []
    gold: list[float] = []
    for pair in data.pairs:
        r1, r2 = vocab.row(pair.word1), vocab.row(pair.word2)
        if r1 is None or r2 is None:
            continue
        rows1.append(r1)
        rows2.append(r2)
        gold.append(pair.score)
    if not gold:
        raise UsageError(
            f"{data.name}: no pair has both words among the first {vocab.size:,} words of "
            f"GloVe {vocab.store.name}",
            option,
        )
    model = pair_cosines(vocab, rows1, rows2)
    return SimilarityResult(
        dataset=data.name,
        pairs=len(data.pairs),
        used=len(gold),
        skipped=len(data.pairs) - len(gold),
        spearman=spearman(gold, model),
        pearson=pearson(gold, model),
    )
