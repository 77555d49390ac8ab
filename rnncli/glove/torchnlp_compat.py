"""pytorch-nlp interop: write the ``.pt`` cache its ``GloVe`` class reads, so it starts at once.

``torchnlp.word_to_vector.GloVe(name='6B', dim=50, cache=DIR)`` looks for
``DIR/glove.6B.50d.txt.pt`` holding the tuple ``(index_to_token, token_to_index, vectors, dim)``
(a list of str, a dict str -> int, a float32 tensor ``[n, dim]``, an int) and loads it instead of
parsing the text. We write that tuple from the store.

One difference: when a file holds the same token twice, pytorch-nlp's own parse keeps the
*last* copy (its dict is built by overwriting); rnncli keeps the *first* (the more frequent one,
as gensim and GloVe's ordering do), so the ``.pt`` we write follows rnncli's choice.
torch is imported only here, only when called.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rnncli.atomic import atomic_torch_save

if TYPE_CHECKING:  # pragma: no cover
    from rnncli.glove.store import GloveStore


def torchnlp_cache_path(member: str, cache_dir: Path) -> Path:
    """Where pytorch-nlp looks for the cache of text file ``member`` (e.g. glove.6B.50d.txt)."""
    return Path(cache_dir) / f"{member}.pt"


def write_torchnlp_cache(store: GloveStore, cache_dir: Path) -> Path:
    """Write ``<cache_dir>/glove.<set>.txt.pt`` for ``GloVe(name=..., dim=..., cache=cache_dir)``.

    The file is written atomically. Returns its path.
    """
    import numpy as np
    import torch

    from rnncli.glove.catalog import get_set

    member = get_set(store.name).member
    index_to_token = list(store.words)
    token_to_index = {w: i for i, w in enumerate(index_to_token)}
    vectors = torch.from_numpy(np.array(store.matrix, dtype=np.float32))
    target = torchnlp_cache_path(member, cache_dir)
    return atomic_torch_save(
        (index_to_token, token_to_index, vectors, int(store.dim)), target, suffix=".pt"
    )
