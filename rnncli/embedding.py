"""The notebook's first cell as a report: a vocabulary, ``nn.Embedding`` and a lookup.

``embed_words(["hello", "world"])`` builds ``{"hello": 0, "world": 1}`` (first appearance,
a repeated word keeps its first index), then ``torch.manual_seed(seed)`` and
``torch.nn.Embedding(len(vocab), dim)``, exactly as a notebook would, so its rows equal the
learner's own. Every shape in the report is read from torch's tensors, not computed.

Where the rows come from is one function, :func:`build_weight`: a random layer from a seed, or a
given ``[vocab, dim]`` matrix (pretrained vectors) through ``nn.Embedding.from_pretrained``.
:func:`save_embedding` writes the weight with its vocabulary for ``torch.load(weights_only=True)``.

With ``glove=store`` (a :class:`~rnncli.glove.store.GloveStore`), :func:`embed_words` takes the
whole vocabulary's rows from GloVe in one gather (:func:`rnncli.glove.pretrained.glove_rows`):
vocabulary tokens GloVe lacks get a row by ``missing`` (``zeros`` or seeded ``random``), and
the report lists them (``pretrained.missing``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

from rnncli.atomic import atomic_torch_save
from rnncli.dataclass_dict import fields_dict
from rnncli.errors import RnncliError, UsageError
from rnncli.rnn.spec import check_seed
from rnncli.text.vocab import Vocab

EXPORT_FORMAT = "rnncli-embedding"
EXPORT_VERSION = 1
DEFAULT_DIM = 5
DEFAULT_SEED = 0
#: Bytes per element of the float32 weight and of the int64 lookup tensor.
FLOAT_BYTES = 4
#: Bytes a looked-up number costs as a Python float in the report's ``vectors`` lists.
PY_FLOAT_BYTES = 32
#: The share of free memory a run may plan to use (as ``inspect``'s memory check).
MEMORY_HEADROOM = 0.8


@dataclass
class EmbeddingTensor:
    """One tensor of an embedding lookup (ids, weight, result), shape and dtype as torch has it."""

    name: str
    shape: list[int]
    dtype: str
    meaning: str

    @property
    def numel(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self, omit=("name",))  # the name is its key in the report


@dataclass
class EmbedReport:
    """Words, their indices and vectors, and the shapes of every tensor involved."""

    words: list[str]  # the tokens looked up, in input order
    indices: list[int]
    vectors: list[list[float]]  # one row per word, full float precision
    vocab: Vocab
    dim: int
    seed: Optional[int]  # None when the rows did not come from a seed
    weight_source: str  # "random" (seeded nn.Embedding) or a pretrained source name
    vocab_source: Optional[str] = None  # the vocabulary file, None when built from the words
    unknown: list[str] = field(default_factory=list)  # words mapped to the unk token
    pretrained: Any = None  # PretrainedRows when the rows came from a GloVe set
    lookup: Optional[EmbeddingTensor] = None
    weight: Optional[EmbeddingTensor] = None
    result: Optional[EmbeddingTensor] = None
    weight_tensor: Any = field(default=None, repr=False)  # the torch weight, for export

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    @property
    def shape(self) -> list[int]:
        """The result's shape ``[n, dim]``: one row per word looked up."""
        return list(self.result.shape) if self.result else [len(self.words), self.dim]

    def onehot(self) -> EmbeddingTensor:
        """The same words as one-hot rows: ``[n, vocab]``, all zero but one entry per row."""
        return EmbeddingTensor(
            "one-hot",
            [len(self.words), self.vocab_size],
            "torch.int64",
            "one row per word, vocabulary-size wide, a single 1 (F.one_hot)",
        )

    def vocab_mapping(self) -> dict[str, int]:
        """``token -> index``: the whole vocabulary built from the words, or, for a vocabulary
        file, only the entries the words used (the file holds the rest)."""
        if self.vocab_source is None:
            return dict(self.vocab.stoi)
        return {self.vocab.itos[i]: i for i in sorted(set(self.indices))}

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "vocab": self.vocab_mapping(),
            "indices": list(self.indices),
            "shape": self.shape,
            "vectors": [list(v) for v in self.vectors],
            "words": list(self.words),
            "dim": self.dim,
            "seed": self.seed,
            "vocab_size": self.vocab_size,
            "vocab_file": self.vocab_source,
            "weight_source": self.weight_source,
            "unknown": list(self.unknown),
            "pretrained": self.pretrained.to_dict() if self.pretrained is not None else None,
            "tensors": {
                "lookup": self.lookup.to_dict() if self.lookup else None,
                "weight": self.weight.to_dict() if self.weight else None,
                "result": self.result.to_dict() if self.result else None,
                "onehot": self.onehot().to_dict(),
            },
        }
        return data


def check_dim(dim: int) -> int:
    if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
        raise UsageError(f"must be a positive integer, got {dim}", "--dim")
    return dim


def check_memory(
    vocab_size: int, dim: int, looked_up: int, available: Optional[int] = None
) -> None:
    """Refuse, before allocating, an embedding that would not fit in memory: the ``[vocab_size,
    dim]`` float32 weight and the looked-up rows (as a tensor and as the report's floats).

    ``embed --dim 20000000000`` gets this one line instead of torch's allocator failure.
    """
    from rnncli.rnn.device import available_bytes
    from rnncli.sizes import format_bytes

    weight = vocab_size * dim * FLOAT_BYTES
    rows = looked_up * dim * (FLOAT_BYTES + PY_FLOAT_BYTES)
    have = available_bytes("cpu") if available is None else available
    if weight + rows > MEMORY_HEADROOM * have:
        raise RnncliError(
            f"this embedding needs about {format_bytes(weight + rows)} on cpu (weight "
            f"[{vocab_size:,}, {dim:,}] {format_bytes(weight)}; the rows looked up "
            f"{format_bytes(rows)}) but only {format_bytes(have)} is available; "
            "choose a smaller --dim"
        )


def build_weight(
    vocab_size: int, dim: int = DEFAULT_DIM, seed: int = DEFAULT_SEED, pretrained: Any = None
) -> Any:
    """The ``nn.Embedding`` whose rows are looked up.

    Without ``pretrained``: ``torch.manual_seed(seed); torch.nn.Embedding(vocab_size, dim)``, the
    notebook's layer. With a ``[vocab_size, dim]`` tensor: ``nn.Embedding.from_pretrained``.
    """
    import torch

    if pretrained is not None:
        weight = torch.as_tensor(pretrained)
        if weight.dim() != 2 or weight.shape[0] != vocab_size:
            raise RnncliError(
                f"pretrained weight has shape {list(weight.shape)}, expected [{vocab_size}, dim]"
            )
        return torch.nn.Embedding.from_pretrained(weight, freeze=True)
    torch.manual_seed(check_seed(seed))
    return torch.nn.Embedding(vocab_size, check_dim(dim))


def words_from_text(text: str) -> list[str]:
    """Words separated by whitespace, as ``embed -`` reads them from stdin."""
    return text.split()


def embed_words(
    words: list[str],
    dim: int = DEFAULT_DIM,
    seed: int = DEFAULT_SEED,
    vocab: Optional[Vocab] = None,
    vocab_source: Optional[str] = None,
    pretrained: Any = None,
    weight_source: Optional[str] = None,
    glove: Any = None,
    missing: str = "zeros",
) -> EmbedReport:
    """Look ``words`` up in an embedding layer and report every tensor's shape.

    Without ``vocab`` the words are taken exactly as given and become the vocabulary. With a
    saved :class:`~rnncli.text.vocab.Vocab` each word is split by the vocabulary's own tokenizer
    (so ``"The cat."`` gives ``the``, ``cat``, ``.`` for a basic one) and unknown tokens map to
    its unk token and are listed in ``unknown``. ``pretrained`` (a ``[len(vocab), dim]`` matrix)
    replaces the seeded random rows; ``dim`` is then the matrix's width.

    With a ``vocab`` and no ``words``, every entry of the vocabulary is looked up, in index
    order (specials included): the whole matrix, e.g. to export it with ``--out``.

    ``glove`` (an open GloVe set) gives every vocabulary entry its GloVe row, through
    ``nn.Embedding.from_pretrained``; entries the set lacks get a row by ``missing`` (``zeros``,
    or ``random`` drawn with ``seed``), listed in ``report.pretrained.missing``.
    """
    import torch

    check_seed(seed)  # before GloVe's numpy generator or torch.manual_seed sees it
    if not words and vocab is None:
        raise UsageError("give at least one word, or - to read them from stdin", "WORD")
    if glove is not None and pretrained is not None:
        raise UsageError("give either pretrained rows or a GloVe set, not both", "--vectors")
    if pretrained is None and glove is None:
        check_dim(dim)
    if vocab is None:
        tokens = list(words)
        vocab = Vocab.from_words(tokens)
        indices, unknown = [vocab.stoi[w] for w in tokens], []
    elif not words:
        tokens, indices, unknown = list(vocab.itos), list(range(len(vocab))), []
    else:
        tokens = [t for w in words for t in vocab.tokenize(w)]
        if not tokens:
            raise UsageError(f"no tokens in {' '.join(words)!r}", "WORD")
        indices, unknown = vocab.lookup(tokens)
    rows = None
    if glove is not None:
        from rnncli.glove.pretrained import glove_rows

        rows = glove_rows(vocab.itos, glove, missing, seed)
        pretrained = rows.matrix
        weight_source = weight_source or f"glove:{rows.name}"
    if pretrained is None:
        check_memory(len(vocab), dim, len(indices))
    layer = build_weight(len(vocab), dim, seed, pretrained)
    lookup = torch.tensor(indices, dtype=torch.long)
    with torch.no_grad():
        result = layer(lookup)
    weight = layer.weight.detach()
    return EmbedReport(
        words=tokens,
        indices=indices,
        vectors=result.tolist(),
        vocab=vocab,
        dim=int(weight.shape[1]),
        seed=seed if pretrained is None else (rows.seed if rows is not None else None),
        weight_source=weight_source or ("random" if pretrained is None else "pretrained"),
        vocab_source=vocab_source,
        unknown=list(dict.fromkeys(unknown)),
        pretrained=rows,
        lookup=EmbeddingTensor(
            "lookup", list(lookup.shape), str(lookup.dtype), "one index per word"
        ),
        weight=EmbeddingTensor(
            "weight", list(weight.shape), str(weight.dtype), "one row per vocabulary entry"
        ),
        result=EmbeddingTensor("result", list(result.shape), str(result.dtype), "one row per word"),
        weight_tensor=weight,
    )


def save_embedding(report: EmbedReport, path: Union[str, Path]) -> Path:
    """Write the weight and its vocabulary in one file for ``torch.load(path, weights_only=True)``.

    The file holds a dict: ``weight`` (float tensor ``[vocab, dim]``), ``itos`` (tokens in row
    order), ``unk``, ``specials``, ``dim``, ``seed``, and a ``format`` marker. Rebuild the layer
    with ``nn.Embedding.from_pretrained(data["weight"])`` and the lookup with
    ``{t: i for i, t in enumerate(data["itos"])}``. Rows from GloVe add ``missing_policy`` and
    ``missing`` (the tokens whose row is not GloVe's).
    """

    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{path} is a directory; give a file name", "--out")
    data = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "weight": report.weight_tensor.clone().contiguous(),
        "itos": list(report.vocab.itos),
        "unk": report.vocab.unk,
        "specials": list(report.vocab.specials),
        "tokenizer": report.vocab.tokenizer,
        "lower": report.vocab.lower,
        "dim": report.dim,
        "seed": report.seed,
        "weight_source": report.weight_source,
    }
    if report.pretrained is not None:
        data["missing_policy"] = report.pretrained.policy.value
        data["missing"] = list(report.pretrained.missing)
    return atomic_torch_save(data, path)


def load_embedding(path: Union[str, Path]) -> dict[str, Any]:
    """Read a file written by :func:`save_embedding` (safely: ``weights_only=True``)."""
    import torch

    try:
        data = torch.load(path, weights_only=True)
    except FileNotFoundError:
        raise RnncliError(f"cannot read {path}: no such file") from None
    except Exception as exc:
        raise RnncliError(f"{path} is not an rnncli embedding file: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise RnncliError(f"{path} is not an rnncli embedding file")
    return data
