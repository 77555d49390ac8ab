"""The embed report against torch's own nn.Embedding, and the export file."""

from __future__ import annotations

from collections import Counter

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rnncli.embedding import build_weight, embed_words, load_embedding, save_embedding
from rnncli.errors import RnncliError, UsageError
from rnncli.text.vocab import Vocab


def test_notebook_cell():
    report = embed_words(["hello", "world"])
    assert report.vocab.stoi == {"hello": 0, "world": 1}
    assert report.indices == [0, 1]
    torch.manual_seed(0)
    embeds = torch.nn.Embedding(2, 5)
    hello = embeds(torch.tensor([0], dtype=torch.long))
    assert report.vectors[0] == hello[0].tolist()
    assert report.shape == [2, 5]
    assert report.lookup.shape == [2] and report.lookup.dtype == "torch.int64"
    assert report.weight.shape == [2, 5] and report.result.shape == [2, 5]
    assert report.onehot().shape == [2, 2]


words_strategy = st.lists(st.sampled_from(["a", "b", "cat", "Cat", "δ", "x-y"]), min_size=1)


@settings(max_examples=40, deadline=None)
@given(words_strategy, st.integers(1, 12), st.integers(0, 2**31))
def test_seed_gives_torchs_own_rows(words, dim, seed):
    """`--seed S` vectors are the rows of torch.manual_seed(S); nn.Embedding(len(vocab), dim)."""
    report = embed_words(words, dim=dim, seed=seed)
    first = list(dict.fromkeys(words))
    assert report.vocab.itos == first
    assert report.indices == [first.index(w) for w in words]
    torch.manual_seed(seed)
    weight = torch.nn.Embedding(len(first), dim).weight.detach()
    assert torch.equal(torch.tensor(report.vectors), weight[report.indices])
    assert report.shape == [len(words), dim]


def test_repeated_word_keeps_its_first_index():
    report = embed_words(["b", "a", "b"])
    assert report.indices == [0, 1, 0]
    assert report.vectors[0] == report.vectors[2]
    assert report.vocab.counts == [2, 1]


def test_saved_vocab_tokenizes_and_maps_unknown_words_to_unk():
    vocab = Vocab.from_counts(Counter({"the": 3, "cat": 2, ".": 1}))
    report = embed_words(["The cat", "purrs."], vocab=vocab, vocab_source="v.json")
    assert report.words == ["the", "cat", "purrs", "."]
    assert report.indices == [2, 3, 1, 4]
    assert report.unknown == ["purrs"]
    assert report.vocab_mapping() == {"<unk>": 1, "the": 2, "cat": 3, ".": 4}
    torch.manual_seed(0)
    weight = torch.nn.Embedding(len(vocab), 5).weight.detach()
    assert torch.equal(torch.tensor(report.vectors), weight[[2, 3, 1, 4]])
    assert report.to_dict()["unknown"] == ["purrs"]


def test_unknown_word_without_unk_is_an_error():
    vocab = Vocab.from_counts(Counter({"a": 1}), specials=[])
    with pytest.raises(RnncliError, match="no unk"):
        embed_words(["b"], vocab=vocab)


def test_pretrained_rows_replace_the_random_ones():
    """The hook the GloVe work uses: a [vocab, dim] matrix through from_pretrained."""
    matrix = torch.arange(6, dtype=torch.float32).reshape(3, 2)
    report = embed_words(["z", "y", "x", "y"], pretrained=matrix, weight_source="test")
    assert report.vectors == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [2.0, 3.0]]
    assert report.dim == 2 and report.seed is None and report.weight_source == "test"
    with pytest.raises(RnncliError, match=r"expected \[2, dim\]"):
        build_weight(2, pretrained=matrix)


@pytest.mark.parametrize("dim", [0, -3])
def test_dim_must_be_positive(dim):
    with pytest.raises(UsageError, match="--dim"):
        embed_words(["a"], dim=dim)


def test_no_words_is_a_usage_error():
    with pytest.raises(UsageError, match="WORD"):
        embed_words([])


def test_json_has_the_issue_keys_and_full_precision():
    data = embed_words(["hello", "world"], seed=3).to_dict()
    assert list(data)[:4] == ["vocab", "indices", "shape", "vectors"]
    assert data["vocab"] == {"hello": 0, "world": 1}
    torch.manual_seed(3)
    weight = torch.nn.Embedding(2, 5).weight
    assert data["vectors"] == weight.tolist()  # exact floats, not rounded


def test_export_loads_with_weights_only_and_rebuilds_the_layer(tmp_path):
    vocab = Vocab.from_counts(Counter({"the": 3, "cat": 2}))
    report = embed_words(["the", "dog"], dim=4, seed=7, vocab=vocab)
    path = save_embedding(report, tmp_path / "sub" / "emb.pt")
    data = torch.load(path, weights_only=True)
    assert data["itos"] == ["<pad>", "<unk>", "the", "cat"] and data["unk"] == "<unk>"
    layer = torch.nn.Embedding.from_pretrained(data["weight"])
    stoi = {t: i for i, t in enumerate(data["itos"])}
    assert layer(torch.tensor([stoi["the"]]))[0].tolist() == report.vectors[0]
    assert load_embedding(path)["dim"] == 4


def test_export_refuses_other_files(tmp_path):
    other = tmp_path / "other.pt"
    torch.save({"weight": torch.zeros(1)}, other)
    with pytest.raises(RnncliError, match="not an rnncli embedding"):
        load_embedding(other)
