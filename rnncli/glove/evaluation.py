"""How good are a set's vectors: word similarity and analogy benchmarks, gensim's figures.

:func:`evaluate` reads the datasets (:mod:`rnncli.glove.benchmark_data`), opens the cached set,
builds the evaluation vocabulary (:mod:`rnncli.glove.eval_vocab`) and runs each pairs dataset
(:mod:`rnncli.glove.similarity_eval`) and the analogy dataset
(:mod:`rnncli.glove.analogy_eval`). The protocol is gensim 4's ``evaluate_word_pairs`` and
``evaluate_word_analogies`` with their defaults, so the figures compare with published ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

from rnncli.dataclass_dict import fields_dict
from rnncli.glove.analogy_eval import AnalogyResult, Progress, evaluate_analogies
from rnncli.glove.benchmark_data import (
    DEFAULT_ANALOGIES,
    DEFAULT_SIMILARITY,
    read_analogies,
    read_pairs,
)
from rnncli.glove.eval_vocab import DEFAULT_RESTRICT_VOCAB, check_restrict_vocab, eval_vocab
from rnncli.glove.similarity_eval import SimilarityResult, evaluate_pairs


@dataclass
class EvaluationReport:
    """The figures of one set on each dataset asked for."""

    name: str
    restrict_vocab: int
    similarity: list[SimilarityResult] = field(default_factory=list)
    analogies: Optional[AnalogyResult] = None
    #: The number of words the evaluation used: ``restrict_vocab``, or all of a smaller set.
    vocab_size: int = 0

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self, omit=["vocab_size"])


def evaluate(
    name: str = "6B.50d",
    similarity: Optional[Sequence[str]] = None,
    analogies: Optional[str] = None,
    restrict_vocab: int = DEFAULT_RESTRICT_VOCAB,
    cache_dir: Optional[Union[str, Path]] = None,
    *,
    progress: Optional[Progress] = None,
) -> EvaluationReport:
    """Evaluate the cached set ``name`` on word similarity and analogies.

    ``similarity`` names pairs datasets (``wordsim353``, ``simlex999``) or files; ``analogies``
    an analogy dataset (``google``) or a file. With neither, all three standard sets run.
    ``progress(done, total)`` follows the analogy questions. Bad input is a UsageError (exit
    2); a set not fetched, or the standard sets without gensim, an RnncliError (exit 1).
    """
    from rnncli.glove.pretrained import open_vectors

    check_restrict_vocab(restrict_vocab)
    if similarity is None and analogies is None:
        similarity, analogies = DEFAULT_SIMILARITY, DEFAULT_ANALOGIES
    pair_sets = [read_pairs(spec) for spec in similarity or ()]
    analogy_set = read_analogies(analogies) if analogies is not None else None

    store = open_vectors(name, cache_dir, option="--name")
    try:
        vocab = eval_vocab(store, restrict_vocab)
        report = EvaluationReport(store.name, restrict_vocab, vocab_size=vocab.size)
        report.similarity = [evaluate_pairs(vocab, data) for data in pair_sets]
        if analogy_set is not None:
            report.analogies = evaluate_analogies(vocab, analogy_set, progress=progress)
        return report
    finally:
        store.close()
