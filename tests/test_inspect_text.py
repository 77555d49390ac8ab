"""`inspect --text`: sentences through embedding, padding or packing, the RNN and an output layer.

Shapes and batch_sizes are compared with torch's own utilities run in the test.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
import torch
from helpers.cli import invoke, run_rnncli
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.nn.utils.rnn import pack_padded_sequence

from rnncli.errors import UsageError
from rnncli.render.unrolled import diagram_lines
from rnncli.rnn.report import inspect_rnn
from rnncli.rnn.spec import ModelSpec, RunSpec
from rnncli.rnn.text_plan import plan_text

WORDS = ["the", "cat", "sat", "on", "mat", "a", "dog", "ran", "far", "away"]


def run_text(texts, cell="gru", pack=False, output_size=0, **model):
    plan = plan_text(texts, embed_dim=model.pop("input_size", 5))
    spec = ModelSpec(
        cell=cell, input_size=plan.input_size, hidden_size=model.pop("hidden", 4), **model
    )
    return inspect_rnn(spec, RunSpec(), check=True, text=plan, pack=pack, output_size=output_size)


@settings(max_examples=25, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 6), min_size=1, max_size=4),
    cell=st.sampled_from(["rnn", "lstm", "gru"]),
    batch_first=st.booleans(),
    bidirectional=st.booleans(),
    pack=st.booleans(),
)
def test_shapes_and_batch_sizes_match_torch(lengths, cell, batch_first, bidirectional, pack):
    texts = [" ".join(WORDS[:n]) for n in lengths]
    report = run_text(
        texts,
        cell=cell,
        pack=pack,
        batch_first=batch_first,
        bidirectional=bidirectional,
        output_size=3,
    )
    data = report.to_dict()
    longest, batch = max(lengths), len(lengths)
    seq = [batch, longest] if batch_first else [longest, batch]
    assert data["lengths"] == lengths
    assert data["tensors"]["token_ids"] == seq
    assert data["tensors"]["embedded"] == [*seq, 5]
    assert data["tensors"]["output"] == [*seq, 4 * (2 if bidirectional else 1)]
    assert data["tensors"]["y"] == [*seq, 3]
    if pack:
        x = torch.zeros(*seq, 5)
        packed = pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=False)
        assert data["batch_sizes"] == packed.batch_sizes.tolist()
        assert data["tensors"]["packed_input"] == list(packed.data.shape)
        assert data["tensors"]["packed_output"][0] == sum(lengths)
    else:
        assert "batch_sizes" not in data and "packed_input" not in data["tensors"]
    assert data["verify"]["passed"]


def test_packed_and_padded_agree_at_real_steps():
    texts = ["the cat", "a dog ran far away", "the mat"]
    padded = run_text(texts, cell="lstm", pack=False)
    packed = run_text(texts, cell="lstm", pack=True)
    a = torch.tensor(padded.trace.values)  # [t][b][direction][unit]
    b = torch.tensor(packed.trace.values)
    for seq, length in enumerate(padded.text.batch.lengths):
        assert torch.allclose(a[:length, seq], b[:length, seq], atol=1e-6)
    # After its last word a short sequence keeps stepping over <pad> when padded.
    effect = {e["sequence"]: e for e in padded.padding_effect}
    assert effect[0]["pad_steps"] == 3 and effect[0]["h_n_max_abs_difference"] > 1e-4
    assert effect[1]["h_n_max_abs_difference"] < 1e-6  # the longest has no padding


def test_output_layer_parameters_and_cost():
    report = run_text(["the cat sat"], cell="rnn", hidden=6, output_size=2, bidirectional=True)
    params = {p.name: p for p in report.parameters}
    assert params["output.weight"].shape == (2, 12)
    assert params["output.bias"].shape == (2,)
    assert params["embedding.weight"].shape == (len(report.text.batch.vocab), 5)
    linear = torch.nn.Linear(12, 2)
    assert report.total_parameters == (
        sum(p.numel() for p in torch.nn.RNN(5, 6, bidirectional=True).parameters())
        + sum(p.numel() for p in linear.parameters())
        + len(report.text.batch.vocab) * 5
    )
    assert report.cost.output_macs == 3 * 1 * 2 * 12


def test_vocab_built_from_text_and_padding_ids():
    plan = plan_text(["hello world", "the quick brown fox"])
    assert plan.batch.vocab.itos[:2] == ["<pad>", "<unk>"]
    assert plan.batch.padded_ids()[0][2:] == [0, 0]
    assert plan.input_size == 100


def test_saved_vocab_maps_unknown_words_and_reports_them(tmp_path):
    from rnncli.text.vocab import Vocab

    vocab = Vocab.from_counts(__import__("collections").Counter({"the": 3, "cat": 2}))
    path = tmp_path / "vocab.json"
    vocab.save(path)
    plan = plan_text(["the cat flew"], vocab_path=path, embed_dim=4)
    assert plan.batch.unknown == ["flew"]
    report = inspect_rnn(ModelSpec(input_size=4, hidden_size=3), text=plan)
    assert any("flew" in w for w in report.warnings)


def test_diagram_has_tokens_and_shapes():
    report = run_text(["hello world", "the quick brown fox"], cell="lstm", output_size=2)
    text = "\n".join(diagram_lines(report))
    assert "hello/the" in text and "x_0 [2, 5]" in text and "out_0 [2, 4]" in text
    assert "y_0 [2, 2]" in text and "│ LSTM │" in text
    narrow = diagram_lines(report, width=60)
    assert max(map(len, narrow)) <= 60


@pytest.mark.parametrize(
    ("kwargs", "option"),
    [
        ({"texts": []}, "--text"),
        ({"texts": ["   "]}, "--text"),
        ({"texts": ["!!! ???"], "embed_dim": 3}, None),
        ({"texts": ["a b"], "embed_dim": 3, "input_size": 4}, "--input"),
        ({"texts": ["a b"], "embed_dim": 3, "vectors": "6B.50d"}, "--embed-dim"),
    ],
)
def test_bad_text_plans(kwargs, option):
    texts = kwargs.pop("texts")
    if texts == ["!!! ???"]:  # punctuation is a token for the basic tokenizer: this works
        assert plan_text(texts, **kwargs).batch.lengths == [6]
        return
    with pytest.raises(UsageError) as info:
        plan_text(texts, **kwargs)
    assert info.value.option == option


def test_cli_text_json_schema():
    result = invoke(
        "inspect",
        "--text",
        "hello world",
        "--text",
        "the quick brown fox",
        "--hidden",
        "8",
        "--pack",
        "--output-size",
        "3",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["sequences"][0] == {
        "text": "hello world",
        "tokens": ["hello", "world"],
        "ids": data["sequences"][0]["ids"],
    }
    assert data["lengths"] == [2, 4]
    assert data["batch_sizes"] == [2, 2, 1, 1]
    assert data["tensors"]["packed_input"] == [6, 100]
    assert data["tensors"]["packed_output"] == [6, 8]
    assert data["tensors"]["y"] == [4, 2, 3]
    assert data["run"]["seq_len"] == 4 and data["run"]["batch"] == 2


def test_cli_text_defaults_work_and_say_so():
    result = invoke("inspect", "--text", "hello world")
    assert result.exit_code == 0, result.stderr
    assert "embedding random, seeded, 100-dimensional" in " ".join(result.stdout.split())
    assert "Hidden state, step by step" in result.stdout
    assert "Unrolled over time" in result.stdout


def test_cli_text_from_stdin():
    result = run_rnncli("inspect", "--text", "-", "--json", input="hello world\n\nthe cat sat\n")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["lengths"] == [2, 3]


@pytest.mark.parametrize("stdin", ["", "\n  \n"])
def test_cli_text_from_an_empty_stdin_says_so(stdin):
    result = run_rnncli("inspect", "--text", "-", input=stdin)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        "rnncli: error: --text: - read no line of text from stdin (give one sentence a line)\n"
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--text", "hi", "--seq-len", "5"], "--seq-len"),
        (["--text", "hi", "--batch", "2"], "--batch"),
        (["--text", ""], "--text"),
        (["--text", "hi", "--embed-dim", "4", "--input", "5"], "--input"),
        (["--pack"], "--pack"),
        (["--embed-dim", "4"], "--embed-dim"),
        (["--text", "hi", "--device", "meta"], "--device"),
        (["--text", "hi", "--save", "out.png"], "--save"),
        (["--output-size", "-1"], "--output-size"),
    ],
)
def test_cli_text_usage_errors(args, needle):
    result = invoke("inspect", *args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert needle in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_cli_vectors_not_fetched_says_how():
    result = invoke("inspect", "--text", "hi there", "--vectors", "6B.50d")
    assert result.exit_code == 1, result.stderr  # a failure (nothing fetched), not a misuse
    assert "rnncli glove fetch 6B.50d" in result.stderr


@pytest.mark.parametrize("suffix", [".svg", ".html"])
def test_save_writes_well_formed_files_with_tokens_and_shapes(tmp_path, suffix):
    path = tmp_path / f"run{suffix}"
    result = invoke("inspect", "--text", "hello world", "--hidden", "4", "--save", str(path))
    assert result.exit_code == 0, result.stderr
    content = path.read_text(encoding="utf-8")
    if suffix == ".svg":
        root = ET.fromstring(content)
        assert root.tag.endswith("svg")
        flat = "".join(root.itertext()).replace("\xa0", " ")
    else:
        assert content.lstrip().lower().startswith("<!doctype html>")
        assert "</html>" in content
        flat = content
    assert "hello" in flat and "world" in flat
    assert "[2, 1, 4]" in flat  # output shape
    assert "GRU" in flat or "RNN" in flat


def test_vectors_give_the_glove_rows_and_the_input_size(tmp_path):
    import numpy as np

    from rnncli.glove.set_import import import_arrays

    words = ["hello", "world", "the", "cat"]
    matrix = np.arange(len(words) * 50, dtype=np.float32).reshape(len(words), 50) / 100
    import_arrays("6B.50d", words, matrix, tmp_path)
    plan = plan_text(["hello world", "the dog"], vectors="6B.50d", cache_dir=tmp_path)
    assert plan.input_size == 50
    assert plan.missing == ["dog"]
    report = inspect_rnn(ModelSpec(cell="gru", input_size=50, hidden_size=4), text=plan)
    params = {p.name: p for p in report.parameters}
    assert params["embedding.weight"].trainable is False
    vocab = plan.batch.vocab
    assert np.array_equal(plan.pretrained[vocab.stoi["the"]], matrix[2])
    assert not plan.pretrained[vocab.stoi["dog"]].any()  # missing: a zero row
    assert any("dog" in w for w in report.warnings)
    # the specials get zero rows too: said in a note and the JSON, not in a warning
    assert plan.zero_specials == ["<pad>", "<unk>"]
    for special in plan.zero_specials:
        assert not plan.pretrained[vocab.stoi[special]].any()
    assert report.to_dict()["embedding"]["zero_specials"] == ["<pad>", "<unk>"]
    assert any(n.startswith("<pad>, <unk>: not GloVe words") for n in report.notes)
    assert not any("<pad>" in w for w in report.warnings)
    with pytest.raises(UsageError, match="50-dimensional"):
        plan_text(["hello"], vectors="6B.50d", cache_dir=tmp_path, input_size=100)


def test_diagram_gives_c0_its_own_shape_under_proj_size():
    """With proj_size, h is proj wide and c hidden wide: the diagram shows both, from the run."""
    report = run_text(["a b c", "d"], cell="lstm", proj_size=2)
    h0, c0 = report.tensors["h0"].shape, report.tensors["c0"].shape
    assert h0 != c0
    text = "\n".join(diagram_lines(report))
    both = f"{list(h0)} {list(c0)}"
    assert "h0, c0" in text and "h_n, c_n" in text and text.count(both) == 2
