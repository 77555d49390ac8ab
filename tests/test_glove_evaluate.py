"""`glove evaluate` as a library: answers known by construction, gensim's and scipy's figures."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers.eval_files import analogy_questions, analogy_vectors, pair_vectors, write
from helpers.glove_files import make_glove_text_set
from hypothesis import given, settings
from hypothesis import strategies as st

from rnncli.errors import RnncliError, UsageError
from rnncli.glove import benchmark_data
from rnncli.glove.analogy_eval import best_rows, evaluate_analogies
from rnncli.glove.benchmark_data import read_analogies, read_pairs
from rnncli.glove.eval_vocab import eval_vocab
from rnncli.glove.evaluation import evaluate
from rnncli.glove.similarity_eval import average_ranks, evaluate_pairs, pearson, spearman
from rnncli.glove.store import open_store

# -- correlations: numpy against scipy ---------------------------------------------------------

scores = st.lists(st.integers(0, 6).map(float), min_size=3, max_size=40)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_spearman_and_pearson_equal_scipy_with_ties(data):
    stats = pytest.importorskip("scipy.stats")
    x = data.draw(scores)
    y = data.draw(st.lists(st.integers(0, 6).map(float), min_size=len(x), max_size=len(x)))
    np.testing.assert_allclose(average_ranks(x), stats.rankdata(x))
    if len(set(x)) > 1 and len(set(y)) > 1:
        assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y)[0], abs=1e-12)
        assert pearson(x, y) == pytest.approx(stats.pearsonr(x, y)[0], abs=1e-12)
    else:
        assert spearman(x, y) is None and pearson(x, y) is None


def test_average_ranks_by_hand():
    assert average_ranks([10, 20, 20, 5]).tolist() == [2.0, 3.5, 3.5, 1.0]


# -- datasets ---------------------------------------------------------------------------------


def test_pairs_file_format_errors_name_the_line(tmp_path):
    bad = write(tmp_path / "bad.tsv", "# comment\nlove\tsex\t6.77\ncat dog 5\n")
    with pytest.raises(UsageError, match=r"bad\.tsv, line 3: expected word1<TAB>word2<TAB>score"):
        read_pairs(str(bad))
    nan = write(tmp_path / "nan.tsv", "a\tb\tnan\n")
    with pytest.raises(UsageError, match="line 1"):
        read_pairs(str(nan))
    empty = write(tmp_path / "empty.tsv", "# nothing\n\n")
    with pytest.raises(UsageError, match="no word pairs"):
        read_pairs(str(empty))


def test_analogy_file_format_errors_name_the_line(tmp_path):
    early = write(tmp_path / "early.txt", "a b c d\n: s\n")
    with pytest.raises(UsageError, match=r"line 1: a question before the first"):
        read_analogies(str(early))
    short = write(tmp_path / "short.txt", ": s\na b c d\n\na b c\n")
    with pytest.raises(UsageError, match=r"short\.txt, line 4: expected 'a b c d'"):
        read_analogies(str(short))
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b": s\ncaf\xe9 b c d\n")
    with pytest.raises(UsageError, match="line 2: not UTF-8"):
        read_analogies(str(latin))


def test_unknown_dataset_and_wrong_kind(tmp_path):
    with pytest.raises(UsageError, match="unknown dataset 'wordsim': give wordsim353, simlex999"):
        read_pairs("wordsim")
    with pytest.raises(UsageError, match="'google' is a dataset for --analogies"):
        read_pairs("google")
    with pytest.raises(UsageError, match="no such file"):
        read_analogies(str(tmp_path / "missing.txt"))


def test_standard_names_without_gensim_say_how_to_get_them(monkeypatch):
    monkeypatch.setattr(benchmark_data, "gensim_data_dir", lambda: None)
    with pytest.raises(RnncliError, match=r"pip install 'rnncli\[eval\]'") as info:
        read_pairs("wordsim353")
    assert not isinstance(info.value, UsageError)  # exit 1: nothing the user typed is wrong


def test_standard_datasets_from_gensims_package_data():
    pytest.importorskip("gensim")
    assert len(read_pairs("wordsim353").pairs) == 353
    assert len(read_pairs("SimLex999").pairs) == 999
    google = read_analogies("google")
    assert google.count == 19544 and len(google.sections) == 14
    assert google.sections[0].name == "capital-common-countries"


# -- the evaluation vocabulary ----------------------------------------------------------------


def test_case_variants_the_first_row_wins(cache_dir):
    make_glove_text_set(cache_dir, {"Paris": [1, 0], "x": [0, 1], "paris": [0, 1], "PARIS": [1, 1]})
    store = open_store("6B.50d", cache_dir)
    vocab = eval_vocab(store, 300_000)
    assert vocab.row("paris") == vocab.row("PARIS") == 0
    assert eval_vocab(store, 1).row("x") is None  # only the first word
    with pytest.raises(UsageError, match="positive"):
        eval_vocab(store, 0)


# -- analogies known by construction ----------------------------------------------------------


@pytest.fixture
def analogy_set(cache_dir, tmp_path):
    make_glove_text_set(cache_dir, analogy_vectors())
    questions = analogy_questions()
    questions += "s5w0x s5w0y s5w1x s5w2y\n"  # expects the wrong word: answer s5w1y
    questions += "s5w0x s5w0y mouse mice\n"  # outside the vocabulary: skipped
    return write(tmp_path / "analogies.txt", questions)


def test_designed_analogies_are_all_answered(cache_dir, analogy_set):
    store = open_store("6B.50d", cache_dir)
    result = evaluate_analogies(eval_vocab(store), read_analogies(str(analogy_set)))
    assert (result.questions, result.used, result.correct) == (38, 37, 36)
    assert [(s.correct, s.total) for s in result.sections] == [(6, 6)] * 5 + [(6, 7)]
    assert (result.semantic.correct, result.semantic.total) == (30, 30)
    assert (result.syntactic.correct, result.syntactic.total) == (6, 7)
    (failure,) = result.failures
    assert (failure.c, failure.expected, failure.got) == ("s5w1x", "s5w2y", "s5w1y")
    assert result.accuracy == pytest.approx(36 / 37)


def test_blocks_and_batches_do_not_change_the_answers(cache_dir):
    make_glove_text_set(cache_dir, analogy_vectors())
    vocab = eval_vocab(open_store("6B.50d", cache_dir))
    rows = np.array(
        [[vocab.row(f"s{s}w0x"), vocab.row(f"s{s}w0y"), vocab.row(f"s{s}w1x")] for s in range(6)]
    )
    want = [vocab.row(f"s{s}w1y") for s in range(6)]
    for block, batch in [(1, 1), (3, 2), (7, 5), (10_000, 10_000)]:
        answers, cosines = best_rows(vocab, rows, block_rows=block, batch=batch)
        assert answers.tolist() == want
        np.testing.assert_allclose(cosines, 1.0, rtol=1e-6)


def test_equal_scores_the_lowest_row_wins(cache_dir):
    # "dup1" and "dup2" have the same vector: the designed answer twice; dup1 comes first.
    vectors = {"a": [1, 0, 0], "b": [1, 1, 0], "c": [0, 0, 1], "dup1": [0, 1, 1], "dup2": [0, 1, 1]}
    make_glove_text_set(cache_dir, vectors)
    vocab = eval_vocab(open_store("6B.50d", cache_dir))
    for block in (1, 4, 100):
        answers, _ = best_rows(vocab, np.array([[0, 1, 2]]), block_rows=block)
        assert answers.tolist() == [3]


def test_a_case_variant_of_a_question_word_is_passed_over(cache_dir, tmp_path):
    # "Woman" (a variant of c, later row) lies exactly on the answer: gensim skips it.
    vectors = {
        "man": [1, 0, 0, 0],
        "king": [1, 1, 0, 0],
        "woman": [0, 0, 1, 0],
        "other": [0, 0, 0, 1],
        "Woman": [0, 1, 1, 0],
        "queen": [0, 1, 1, 0],
    }
    make_glove_text_set(cache_dir, vectors)
    data = read_analogies(str(write(tmp_path / "q.txt", ": royal\nman king woman queen\n")))
    result = evaluate_analogies(eval_vocab(open_store("6B.50d", cache_dir)), data)
    assert result.correct == 1


def test_no_usable_question_or_pair(cache_dir, tmp_path):
    make_glove_text_set(cache_dir, {"a": [1, 0], "b": [0, 1]})
    vocab = eval_vocab(open_store("6B.50d", cache_dir))
    data = read_analogies(str(write(tmp_path / "q.txt", ": s\nw x y z\n")))
    with pytest.raises(UsageError, match="no question has all four words"):
        evaluate_analogies(vocab, data)
    pairs = read_pairs(str(write(tmp_path / "p.tsv", "w\tx\t1\n")))
    with pytest.raises(UsageError, match="no pair has both words"):
        evaluate_pairs(vocab, pairs)


# -- pairs known by construction --------------------------------------------------------------


def test_pairs_with_known_ranks(cache_dir, tmp_path):
    angles = [0.1, 0.5, 0.9, 1.3, 1.7]
    make_glove_text_set(cache_dir, pair_vectors(angles))
    vocab = eval_vocab(open_store("6B.50d", cache_dir))
    # People rank the pairs as the cosines do (in reverse order of angle): rho = 1.
    lines = "".join(f"base\tp{k}\t{10 - k}\n" for k in range(len(angles)))
    lines += "base\tnowhere\t3\n"
    result = evaluate_pairs(vocab, read_pairs(str(write(tmp_path / "p.tsv", lines))))
    assert (result.pairs, result.used, result.skipped) == (6, 5, 1)
    assert result.spearman == pytest.approx(1.0)
    cosines = [math.cos(a) for a in angles]
    gold = [10 - k for k in range(len(angles))]
    assert result.pearson == pytest.approx(np.corrcoef(gold, cosines)[0, 1], abs=1e-7)
    backwards = "".join(f"BASE\tP{k}\t{k}\n" for k in range(len(angles)))  # any case
    result = evaluate_pairs(vocab, read_pairs(str(write(tmp_path / "b.tsv", backwards))))
    assert result.spearman == pytest.approx(-1.0) and result.used == 5


# -- equal to gensim --------------------------------------------------------------------------


def _keyed_vectors(words, matrix):
    gensim_models = pytest.importorskip("gensim.models")
    kv = gensim_models.KeyedVectors(matrix.shape[1])
    kv.add_vectors(words, matrix)
    return kv


def _gensim_sections(kv, path, restrict):
    _, sections = kv.evaluate_word_analogies(str(path), restrict_vocab=restrict)
    return [(len(s["correct"]), len(s["correct"]) + len(s["incorrect"])) for s in sections[:-1]]


def test_equal_to_gensim_on_random_vectors(cache_dir, tmp_path):
    """Random vectors, random questions, a cased vocabulary with case variants, restricted."""
    rng = np.random.default_rng(7)
    base = [f"w{i}" for i in range(1500)]
    words = base + ["W3", "W10", "Rare"] + [f"tail{i}" for i in range(300)]
    matrix = rng.standard_normal((len(words), 16)).astype(np.float32)
    make_glove_text_set(cache_dir, dict(zip(words, matrix.tolist())))
    store = open_store("6B.50d", cache_dir)
    matrix = np.asarray(store.matrix)  # exactly the values rnncli holds (text round trip)
    kv = _keyed_vectors(words, matrix)

    lines = []
    for s in range(3):
        lines.append(f": part {s}")
        for _ in range(150):
            picks = rng.choice(len(base), 4, replace=False)
            q = [base[i].upper() if rng.random() < 0.3 else base[i] for i in picks]
            lines.append(" ".join(q))
        lines.append("w1 w2 tail5 w3")  # tail5 lies outside restrict 1600
        lines.append("w1 w2 w3 Rare")
    qfile = write(tmp_path / "q.txt", "\n".join(lines) + "\n")
    pfile = write(
        tmp_path / "p.tsv",
        "".join(f"{base[i]}\t{base[i + 1]}\t{rng.integers(0, 10)}\n" for i in range(0, 400, 2))
        + "w1\ttail9\t3\n",
    )
    for restrict in (1600, 300_000):
        vocab = eval_vocab(store, restrict)
        ours = evaluate_analogies(vocab, read_analogies(str(qfile)))
        assert [(s.correct, s.total) for s in ours.sections] == _gensim_sections(
            kv, qfile, restrict
        )
        pearson_r, spearman_rho, oov = kv.evaluate_word_pairs(str(pfile), restrict_vocab=restrict)
        mine = evaluate_pairs(vocab, read_pairs(str(pfile)))
        assert mine.spearman == pytest.approx(spearman_rho[0], abs=1e-6)
        assert mine.pearson == pytest.approx(pearson_r[0], abs=1e-6)
        assert oov == pytest.approx(100 * mine.skipped / mine.pairs)


def test_evaluate_report_json_shape(cache_dir, tmp_path):
    make_glove_text_set(cache_dir, analogy_vectors())
    qfile = write(tmp_path / "q.txt", analogy_questions())
    pfile = write(tmp_path / "p.tsv", "s0w0x\ts0w0y\t9\ns0w0x\ts1w0x\t1\nfiller0\ts0w1x\t2\n")
    report = evaluate("6B.50d", similarity=[str(pfile)], analogies=str(qfile))
    data = report.to_dict()
    assert list(data) == ["name", "restrict_vocab", "similarity", "analogies"]
    assert data["restrict_vocab"] == 300_000
    assert list(data["similarity"][0]) == [
        "dataset",
        "pairs",
        "used",
        "skipped",
        "spearman",
        "pearson",
    ]
    assert list(data["analogies"]) == [
        "dataset", "questions", "used", "correct", "accuracy",
        "sections", "semantic", "syntactic",
    ]  # fmt: skip
    assert data["analogies"]["sections"][0] == {"name": "section-0", "correct": 6, "total": 6}
    assert data["analogies"]["semantic"] == {"correct": 30, "total": 30}
    only_pairs = evaluate("6B.50d", similarity=[str(pfile)]).to_dict()
    assert only_pairs["analogies"] is None
