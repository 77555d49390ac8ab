"""How much of a vocabulary (and of the text it was counted from) a GloVe set covers.

Before training on pretrained rows it is worth knowing how many of them are real: the share of
the distinct tokens the vocabulary kept that GloVe has, the share of the running text those
tokens make up, and the most frequent tokens it lacks (often a tokenizer or casing mismatch).

Specials (``<pad>``, ``<unk>``) are not counted: they are not corpus tokens. The running-text
share is over every running token of the corpus, so tokens the vocabulary cut (``--min-freq``,
``--max-size``) count as not covered: they map to unk and get no GloVe row either.
One vectorised hash probe for the whole vocabulary (:meth:`GloveStore.indices`); the matrix is
never read. numpy only, no torch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from rnncli.dataclass_dict import fields_dict

if TYPE_CHECKING:  # pragma: no cover
    from rnncli.glove.store import GloveStore
    from rnncli.text.vocab import Vocab

#: Missing tokens listed by default, most frequent first.
DEFAULT_TOP_MISSING = 10


@dataclass
class MissingToken:
    index: int  # the token's index in the vocabulary
    token: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class GloveCoverage:
    """What a GloVe set covers of one vocabulary."""

    name: str
    dim: int
    kept: int  # distinct tokens the vocabulary kept (specials excluded)
    found: int  # of those, tokens the set has
    running: int  # running tokens of the corpus
    running_found: int  # running tokens whose token is kept and in the set
    missing_top: list[MissingToken] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return self.kept - self.found

    @property
    def distinct_share(self) -> float:
        """Share of kept distinct tokens the set has (0 for an empty vocabulary)."""
        return self.found / self.kept if self.kept else 0.0

    @property
    def running_share(self) -> float:
        """Share of the corpus's running tokens those tokens make up (0 for no text)."""
        return self.running_found / self.running if self.running else 0.0

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(
            self,
            rename={"running": "running_tokens"},
            after={
                "found": {"missing": self.missing, "distinct_share": self.distinct_share},
                "running_found": {"running_share": self.running_share},
            },
        )


def glove_coverage(
    vocab: Vocab, store: GloveStore, top: int = DEFAULT_TOP_MISSING
) -> GloveCoverage:
    """Coverage of ``vocab``'s kept tokens by ``store``, and its ``top`` most frequent misses."""
    import numpy as np

    start = len(vocab.specials)
    tokens = vocab.itos[start:]
    counts = np.asarray(vocab.counts[start:], dtype=np.int64)
    hit = store.indices(tokens) >= 0
    miss = np.flatnonzero(~hit)
    # Most frequent first, ties in vocabulary order (a stable sort: a built vocabulary already
    # is in this order, a hand-made file need not be).
    shown = miss[np.argsort(-counts[miss], kind="stable")][: max(top, 0)].tolist()
    return GloveCoverage(
        name=store.name,
        dim=store.dim,
        kept=len(tokens),
        found=int(hit.sum()),
        running=int(vocab.stats.tokens),
        running_found=int(counts[hit].sum()),
        missing_top=[MissingToken(start + i, tokens[i], int(counts[i])) for i in shown],
    )
