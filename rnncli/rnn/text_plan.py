"""Plan a text run: the batch of token ids, and where the embedding rows come from.

This decides ``input_size`` for the RNN: the embedding's width, either ``--embed-dim`` (random,
seeded rows) or the dimension of a GloVe set (``--vectors``). An ``--input`` that disagrees is a
usage error that says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

from rnncli.errors import UsageError
from rnncli.rnn.spec import DEFAULT_EMBED_DIM, check_positive
from rnncli.rnn.text_batch import TextBatch, make_batch


@dataclass
class TextPlan:
    """What a text run needs before torch is involved."""

    batch: TextBatch
    input_size: int
    vectors: Optional[str] = None  # the GloVe set the rows come from, or None for random rows
    pretrained: Any = None  # float32 [len(vocab), input_size] numpy matrix from GloVe
    missing: list[str] = field(default_factory=list)  # vocabulary tokens GloVe lacks
    zero_specials: list[str] = field(default_factory=list)  # specials GloVe lacks: zero rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "sequences": [s.to_dict() for s in self.batch.sequences],
            "lengths": self.batch.lengths,
            "vocab_size": len(self.batch.vocab),
            "vocab_source": self.batch.vocab_source,
            "unknown": self.batch.unknown,
            "embedding": {
                "source": f"GloVe {self.vectors}" if self.vectors else "random (seeded)",
                "dim": self.input_size,
                "missing": self.missing,
                "zero_specials": self.zero_specials,
            },
        }


def plan_text(
    texts: Sequence[str],
    *,
    vocab_path: Optional[Union[str, Path]] = None,
    embed_dim: Optional[int] = None,
    vectors: Optional[str] = None,
    cache_dir: Optional[Union[str, Path]] = None,
    input_size: Optional[int] = None,
) -> TextPlan:
    """Tokenize ``texts`` and decide the embedding; ``input_size`` is the user's ``--input``.

    ``None`` means "not given"; any given width, 0 included, must be a positive integer and is
    refused under its own option's name.
    """
    check_embedding_options(embed_dim, vectors, input_size)
    vocab = None
    if vocab_path is not None:
        from rnncli.text.vocab import Vocab

        vocab = Vocab.load(vocab_path, option="--vocab")
    batch = make_batch(texts, vocab, str(vocab_path) if vocab_path is not None else None)

    if vectors is not None:
        from rnncli.glove.pretrained import open_vectors

        store = open_vectors(vectors, cache_dir)
        matrix, missing = store.rows_for(batch.vocab.itos)
        specials = set(batch.vocab.specials)
        if input_size is not None and input_size != store.dim:
            raise UsageError(
                f"--vectors {vectors} has {store.dim}-dimensional rows, so the RNN's input_size "
                f"is {store.dim}; drop --input or set it to {store.dim}",
                "--input",
            )
        return TextPlan(
            batch,
            store.dim,
            vectors,
            matrix,
            [w for w in missing if w not in specials],
            [w for w in missing if w in specials],
        )

    if embed_dim is not None:
        return TextPlan(batch, embed_dim)
    return TextPlan(batch, input_size if input_size is not None else DEFAULT_EMBED_DIM)


def check_embedding_options(
    embed_dim: Optional[int], vectors: Optional[str], input_size: Optional[int]
) -> None:
    """The rules between the embedding's options that need no file: checked before any is read.

    ``None`` means "not given"; any given width, 0 included, must be a positive integer and is
    refused under its own option's name.
    """
    if embed_dim is not None:
        check_positive("--embed-dim", embed_dim)
    if input_size is not None:
        check_positive("--input", input_size)
    if vectors is not None and embed_dim is not None:
        raise UsageError("give --embed-dim or --vectors, not both", "--embed-dim")
    if embed_dim is not None and input_size is not None and embed_dim != input_size:
        raise UsageError(
            f"the embedding's width is the RNN's input_size: --embed-dim {embed_dim} and "
            f"--input {input_size} disagree; give one of them",
            "--input",
        )
