"""The vocabulary an evaluation may use: the first N words of a set, matched as gensim does.

gensim's ``evaluate_word_pairs`` and ``evaluate_word_analogies`` keep the first
``restrict_vocab`` words of the set (GloVe sets are sorted by frequency, so these are the most
frequent) and match dataset words case-insensitively through ``str.upper``: ``{w.upper(): row
for w in reversed(first_n)}``, so where a set holds two case variants (``Paris``, ``paris``) the
earlier, more frequent row wins. :class:`EvalVocab` is that mapping, built once from the
memory-mapped word list (one decode and one split, no per-word probe).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Optional

from rnncli.errors import UsageError

if TYPE_CHECKING:  # pragma: no cover
    from rnncli.glove.store import GloveStore

#: gensim's default for ``restrict_vocab``.
DEFAULT_RESTRICT_VOCAB = 300_000


@dataclass
class EvalVocab:
    """The first ``size`` words of ``store``, by upper-cased word (the first row wins)."""

    store: GloveStore
    restrict_vocab: int
    size: int
    rows: dict[str, int]

    def row(self, word: str) -> Optional[int]:
        """The row a dataset word stands for (case-insensitive), or None outside the first N."""
        return self.rows.get(word.upper())


def check_restrict_vocab(restrict_vocab: int, option: str = "--restrict-vocab") -> None:
    if restrict_vocab < 1:
        raise UsageError(f"must be a positive number of words, got {restrict_vocab}", option)


def eval_vocab(store: GloveStore, restrict_vocab: int = DEFAULT_RESTRICT_VOCAB) -> EvalVocab:
    """The case-insensitive map of the first ``restrict_vocab`` words of ``store``."""
    check_restrict_vocab(restrict_vocab)
    size = min(restrict_vocab, store.count)
    words = list(islice(store.words, size))  # one decode of the word list, split at newlines
    # Later keys overwrite earlier ones: walking backwards leaves the first row of each word.
    rows = dict(zip(map(str.upper, reversed(words)), range(size - 1, -1, -1)))
    return EvalVocab(store, restrict_vocab, size, rows)
