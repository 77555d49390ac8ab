"""GloVe rows for a user's own vocabulary: one gather, and a rule for the words GloVe lacks.

``glove_rows(vocab.itos, store)`` returns a float32 ``[len(vocab), dim]`` matrix whose row ``i``
is GloVe's row of token ``i`` exactly (one vectorised :meth:`GloveStore.rows_for` gather, never
a Python loop that touches the matrix). A token the set lacks (the specials ``<pad>`` and
``<unk>`` included) gets a row by :class:`MissingPolicy`:

* ``zeros`` (the default): a zero row, what pytorch-nlp's ``GloVe`` returns for unknown words;
* ``random``: ``numpy.random.default_rng(seed)`` normal draws, scaled per dimension to the
  mean and (population) standard deviation of the GloVe rows gathered for this vocabulary, or,
  when fewer than :data:`MIN_SPREAD_ROWS` were found, of an evenly strided sample of at most
  :data:`SAMPLE_ROWS` rows of the whole set. Same vocabulary, set and seed: same rows.

numpy only: ``vocab`` commands use this module and never import torch.
"""

from __future__ import annotations

import enum
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Union

from rnncli.dataclass_dict import fields_dict
from rnncli.errors import RnncliError, UsageError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from rnncli.glove.store import GloveStore

#: Fewer GloVe rows than this in the vocabulary: estimate the spread from the whole set.
MIN_SPREAD_ROWS = 100
#: Rows read (evenly strided) for the whole-set estimate of the spread.
SAMPLE_ROWS = 10_000


class MissingPolicy(str, enum.Enum):
    """The row a token gets when the GloVe set lacks it."""

    zeros = "zeros"
    random = "random"


def missing_policy(value: Union[str, MissingPolicy]) -> MissingPolicy:
    """The policy called ``value``; a UsageError on ``--missing`` otherwise."""
    try:
        return MissingPolicy(value)
    except ValueError:
        allowed = ", ".join(p.value for p in MissingPolicy)
        raise UsageError(
            f"unknown policy {value!r}; choose one of: {allowed}", "--missing"
        ) from None


def open_vectors(
    name: str, cache_dir: Optional[Union[str, Path]] = None, option: str = "--vectors"
) -> GloveStore:
    """Open the cached set ``name`` for ``--vectors``.

    A name outside the catalogue (and not in the cache) is a UsageError on ``option`` listing
    the valid names; a set that was never fetched is an RnncliError giving the exact command
    that fetches it (with ``--cache-dir`` when one was given).
    """
    from rnncli.cache import resolve_cache_dir
    from rnncli.glove.catalog import SETS
    from rnncli.glove.set_layout import set_dir
    from rnncli.glove.store import open_store

    root = resolve_cache_dir(cache_dir)
    try:
        folder = set_dir(name, root)
    except UsageError:
        folder = None
    if name not in SETS and (folder is None or not folder.exists()):
        from rnncli.glove.catalog import unknown_set

        raise unknown_set(name, option) from None
    assert folder is not None
    if not folder.exists():
        command = f"rnncli glove fetch {shlex.quote(name)}"
        if cache_dir is not None and str(cache_dir) != "":
            command += f" --cache-dir {shlex.quote(str(cache_dir))}"
        raise RnncliError(
            f"GloVe set {name} is not in the cache ({root}); run `{command}` once first"
        )
    return open_store(name, root)


def catalogue_dim(name: str) -> Optional[int]:
    """The dimension the catalogue gives ``name``, None for a set outside it."""
    from rnncli.glove.catalog import SETS

    entry = SETS.get(name)
    return entry.dim if entry is not None else None


def check_dim_matches(dim: Optional[int], name: str, set_dim: Optional[int]) -> None:
    """``--dim`` with ``--vectors`` is allowed only when it equals the set's own dimension."""
    if dim is not None and set_dim is not None and dim != set_dim:
        raise UsageError(
            f"{name} vectors have {set_dim} dimensions, got {dim}; with --vectors the "
            "dimension comes from the set: leave --dim out",
            "--dim",
        )


@dataclass
class Spread:
    """Per-dimension mean and standard deviation that random rows are drawn with."""

    source: str  # "vocabulary rows" or "set sample"
    rows: int  # GloVe rows the estimate was computed from
    mean: list[float]
    std: list[float]

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self)


@dataclass
class PretrainedRows:
    """A vocabulary's GloVe matrix and which of its tokens got a policy row instead."""

    name: str
    dim: int
    tokens: list[str]
    matrix: Any  # numpy float32 [len(tokens), dim]
    missing: list[str]  # tokens the set lacks, in vocabulary order
    policy: MissingPolicy
    seed: Optional[int]  # the seed of the random rows; None for zeros
    spread: Optional[Spread] = None  # how random rows were scaled; None for zeros

    @property
    def found(self) -> int:
        return len(self.tokens) - len(self.missing)

    def to_dict(self) -> dict[str, Any]:
        counts = {
            "rows": len(self.tokens),
            "found": self.found,
            "missing_policy": self.policy.value,
            "missing_count": len(self.missing),
        }
        return fields_dict(self, omit=["tokens", "matrix", "policy"], after={"dim": counts})


def _spread(store: GloveStore, found_rows: np.ndarray) -> Spread:
    import numpy as np

    if len(found_rows) >= MIN_SPREAD_ROWS:
        rows, source = found_rows, "vocabulary rows"
    else:
        n = min(store.count, SAMPLE_ROWS)
        idx = np.unique(np.linspace(0, store.count - 1, n).astype(np.int64))
        rows, source = np.asarray(store.matrix[idx], dtype=np.float32), "set sample"
    mean = rows.mean(axis=0, dtype=np.float64)
    std = rows.std(axis=0, dtype=np.float64)
    return Spread(source, len(rows), mean.tolist(), std.tolist())


def glove_rows(
    tokens: Sequence[str],
    store: GloveStore,
    missing: Union[str, MissingPolicy] = MissingPolicy.zeros,
    seed: int = 0,
) -> PretrainedRows:
    """Row ``i`` is GloVe's row of ``tokens[i]``; tokens the set lacks get a ``missing`` row.

    ``tokens`` are distinct (a vocabulary's ``itos``). See the module docstring for the rules.
    """
    import numpy as np

    policy = missing_policy(missing)
    tokens = list(tokens)
    matrix, absent = store.rows_for(tokens)
    spread = None
    if absent:
        absent_set = set(absent)
        lacks = np.fromiter((t in absent_set for t in tokens), dtype=bool, count=len(tokens))
        absent = [t for t, gone in zip(tokens, lacks.tolist()) if gone]
        if policy is MissingPolicy.random:
            spread = _spread(store, matrix[~lacks])
            rng = np.random.default_rng(seed)
            draws = rng.standard_normal((len(absent), store.dim))
            matrix[lacks] = (draws * np.asarray(spread.std) + np.asarray(spread.mean)).astype(
                np.float32
            )
    return PretrainedRows(
        name=store.name,
        dim=store.dim,
        tokens=tokens,
        matrix=matrix,
        missing=list(absent),
        policy=policy,
        seed=seed if policy is MissingPolicy.random else None,
        spread=spread,
    )
