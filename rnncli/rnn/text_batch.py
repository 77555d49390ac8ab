"""Sentences to a padded batch of token ids: the first stages of running text through an RNN.

Pure Python (no torch): tokenizing with the vocabulary's own tokenizer, mapping to ids with
unknown tokens sent to ``<unk>``, and padding every sequence to the longest with ``<pad>``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional

from rnncli.dataclass_dict import fields_dict
from rnncli.errors import UsageError
from rnncli.text.tokenize import tokenize
from rnncli.text.vocab import Vocab

PAD = "<pad>"


@dataclass(frozen=True)
class TextSequence:
    """One sequence of the batch: the text, its tokens and their ids."""

    text: str
    tokens: tuple[str, ...]
    ids: tuple[int, ...]
    unknown: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self, omit=("unknown",))  # the batch lists unknown tokens once


@dataclass(frozen=True)
class TextBatch:
    """Sequences, their vocabulary, and the padding that makes them one tensor."""

    sequences: tuple[TextSequence, ...]
    vocab: Vocab
    vocab_source: str  # "built from the text" or the vocabulary file

    @property
    def lengths(self) -> list[int]:
        return [len(s.tokens) for s in self.sequences]

    @property
    def max_len(self) -> int:
        return max(self.lengths)

    @property
    def pad_index(self) -> Optional[int]:
        return self.vocab.stoi.get(PAD)

    @property
    def unknown(self) -> list[str]:
        """Tokens missing from a saved vocabulary (each once), mapped to its unk token."""
        return list(dict.fromkeys(t for s in self.sequences for t in s.unknown))

    def padded_ids(self) -> list[list[int]]:
        """``[batch][max_len]`` ids, each row padded with ``<pad>``'s index."""
        pad = self.pad_index
        return [list(s.ids) + [pad] * (self.max_len - len(s.ids)) for s in self.sequences]


def make_batch(
    texts: Sequence[str], vocab: Optional[Vocab] = None, vocab_source: Optional[str] = None
) -> TextBatch:
    """Tokenize ``texts``; build the vocabulary from them unless one is given.

    A built vocabulary has ``<pad>`` = 0 and ``<unk>`` = 1 and then the text's tokens by count
    (the rules of ``rnncli vocab build``).
    """
    if not texts:
        raise UsageError("give at least one --text", "--text")
    for n, text in enumerate(texts, 1):
        if not text.strip():
            raise UsageError(f"text {n} is empty", "--text")
    if vocab is None:
        counts: Counter = Counter()
        for text in texts:
            counts.update(tokenize(text, "basic"))
        vocab = Vocab.from_counts(counts)
        vocab_source = "built from the text"
    sequences = []
    for n, text in enumerate(texts, 1):
        tokens = vocab.tokenize(text)
        if not tokens:
            raise UsageError(f"text {n} ({text!r}) yields no tokens", "--text")
        ids, unknown = vocab.lookup(tokens)
        sequences.append(TextSequence(text, tuple(tokens), tuple(ids), tuple(unknown)))
    batch = TextBatch(tuple(sequences), vocab, vocab_source or "vocabulary file")
    if batch.pad_index is None and len(set(batch.lengths)) > 1:
        raise UsageError(
            f"the vocabulary has no {PAD} token to pad sequences of different lengths; "
            f"rebuild it with --specials '{PAD},<unk>'",
            "--vocab",
        )
    return batch
