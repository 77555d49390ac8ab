"""Neighbours, analogy and similarity on a fixture whose answers are known by construction."""

from __future__ import annotations

import numpy as np
import pytest
from helpers.glove_files import make_glove_text_set
from hypothesis import given, settings
from hypothesis import strategies as st

from rnncli.errors import UsageError
from rnncli.glove import query
from rnncli.glove.set_import import import_arrays
from rnncli.glove.store import open_store


@pytest.fixture
def store(tmp_path):
    # Axis 0 = royalty, axis 1 = male, axis 2 = female; the rest is noise-free filler.
    vocab = {
        "king": [1, 1, 0, 0],
        "queen": [1, 0, 1, 0],
        "man": [0, 1, 0, 0],
        "woman": [0, 0, 1, 0],
        "prince": [0.9, 1, 0, 0.1],
        "apple": [0, 0, 0, 1],
        "pear": [0, 0.1, 0, 1],
        "zero": [0, 0, 0, 0],
    }
    return open_store("6B.50d", make_glove_text_set(tmp_path, vocab))


def test_neighbors_exclude_the_word_and_rank_by_cosine(store):
    r = query.neighbors(store, "king", k=3)
    assert [n.word for n in r.neighbors] == ["prince", "man", "queen"]  # 0.996, 0.707, 0.5
    m = np.array(store.matrix, dtype=np.float64)
    expected = m[store.index("prince")] @ m[0] / np.linalg.norm(m[0]) / np.linalg.norm(m[4])
    assert r.neighbors[0].similarity == pytest.approx(expected, rel=1e-6)
    d = r.to_dict()
    assert d["word"] == "king" and d["neighbors"][0]["word"] == "prince"
    assert d["neighbors"][0]["similarity"] == round(expected, 4)


def test_k_larger_than_vocabulary_and_zero_vector(store):
    r = query.neighbors(store, "apple", k=100)
    assert len(r.neighbors) == store.count - 1
    assert r.k == r.to_dict()["k"] == store.count - 1  # what there was, not what was asked
    assert query.analogy(store, "man", "king", "woman", k=100).k == store.count - 3
    assert r.neighbors[0].word == "pear"
    assert {n.word for n in r.neighbors if n.similarity == 0} >= {"zero"}


def test_analogy_man_king_woman_gives_queen(store):
    r = query.analogy(store, "man", "king", "woman", k=2)
    assert r.answer == "queen"
    assert {"man", "king", "woman"}.isdisjoint(n.word for n in r.candidates)
    assert r.to_dict()["answer"] == "queen"


def test_similarity(store):
    r = query.similarity(store, "king", "queen")
    assert r.similarity == pytest.approx(0.5)
    assert query.similarity(store, "zero", "king").similarity == 0.0


def test_unknown_words_are_named(store):
    with pytest.raises(UsageError, match=r"unknown words in GloVe 6B.50d: 'foo', 'bar'"):
        query.analogy(store, "foo", "king", "bar")
    with pytest.raises(UsageError, match="'nope'"):
        query.neighbors(store, "nope")
    with pytest.raises(UsageError, match="-k"):
        query.neighbors(store, "king", k=0)


def test_vectors_report_missing(store):
    r = query.vectors(store, ["queen", "nope"])
    assert r.to_dict() == {
        "name": "6B.50d",
        "dim": 4,
        "vectors": {"queen": [1.0, 0.0, 1.0, 0.0]},
        "missing": ["nope"],
    }


def test_neighbors_match_brute_force_on_random_vectors(tmp_path):
    rng = np.random.default_rng(3)
    m = rng.standard_normal((500, 8)).astype(np.float32)
    words = [f"w{i}" for i in range(500)]
    import_arrays("6B.50d", words, m, tmp_path)
    s = open_store("6B.50d", tmp_path)
    r = query.neighbors(s, "w7", k=10)
    unit = m / np.linalg.norm(m, axis=1, keepdims=True)
    sims = unit @ unit[7]
    sims[7] = -np.inf
    assert [n.word for n in r.neighbors] == [words[i] for i in np.argsort(-sims)[:10]]


def test_query_path_does_not_import_torch():
    import subprocess
    import sys

    code = (
        "import sys, rnncli.glove.query, rnncli.glove.store, rnncli.cli.glove_command;"
        "print(any(m.split('.')[0] in ('torch', 'torchnlp') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False"


@settings(max_examples=2000, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_float32_shortest_matches_numpy(bits):
    """Shortest digits that read back as the same float32, as numpy prints them, without numpy."""
    x = np.array([bits], dtype=np.uint32).view(np.float32)[0]
    if not np.isfinite(x):
        return
    got = query.float32_shortest(float(x))
    assert np.float32(got).tobytes() == x.tobytes()
    assert repr(got) == repr(float(str(x)))


@pytest.mark.parametrize("e", range(-149, 128))
def test_float32_shortest_at_powers_of_two(e):
    # Below 2**e the float32 gap is half the gap above: the nearest decimal may not read back.
    for x in np.array([2.0**e, -(2.0**e)], dtype=np.float32):
        assert repr(query.float32_shortest(float(x))) == repr(float(str(x)))


def test_similarity_matches_numpy_on_random_rows(tmp_path):
    rng = np.random.default_rng(5)
    m = rng.standard_normal((50, 16)).astype(np.float32)
    import_arrays("6B.50d", [f"w{i}" for i in range(50)], m, tmp_path)
    s = open_store("6B.50d", tmp_path)
    for i, j in [(0, 1), (3, 3), (7, 42)]:
        a, b = m[i].astype(np.float64), m[j].astype(np.float64)
        want = a @ b / (np.linalg.norm(a) * np.linalg.norm(b))
        assert query.similarity(s, f"w{i}", f"w{j}").similarity == pytest.approx(want, abs=1e-12)
