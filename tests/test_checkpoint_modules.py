"""find_modules against torch itself: build modules, take their state dicts, infer, prove."""

from __future__ import annotations

import json

import pytest
import torch
from helpers.strategies import model_specs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

from rnncli.checkpoint.contents import ModuleRecord
from rnncli.checkpoint.grouping import group_tensors, module_tree
from rnncli.checkpoint.modules import find_links, find_modules, torch_call
from rnncli.checkpoint.recognise import looks_like_embedding

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PREFIXES = st.sampled_from(["", "module.", "_orig_mod.", "encoder.rnn.", "module.encoder."])
LAYERS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def prefixed(state_dict: dict, prefix: str) -> dict:
    return {prefix + name: tensor for name, tensor in state_dict.items()}


def only(found, name):
    matches = [m for m in found if m.name == name]
    assert len(matches) == 1, [m.name for m in found]
    return matches[0]


def assert_same_weights(module: nn.Module, original: nn.Module) -> None:
    mine, theirs = module.state_dict(), original.state_dict()
    assert mine.keys() == theirs.keys()
    for name in mine:
        assert mine[name].dtype == theirs[name].dtype
        assert torch.equal(mine[name], theirs[name]), name


@SETTINGS
@given(
    spec=model_specs(max_layers=3), prefix=PREFIXES, dtype=st.sampled_from(["float32", "float64"])
)
def test_every_recurrent_layer_is_inferred_and_proven(spec, prefix, dtype):
    torch.manual_seed(0)
    original = LAYERS[spec.cell](**spec.torch_kwargs()).to(getattr(torch, dtype))
    state_dict = prefixed(original.state_dict(), prefix)

    found = find_modules(state_dict)

    name = prefix.rstrip(".")
    module = only(found, name)
    assert module.kind == spec.cell
    assert module.loaded and module.reason is None
    assert module.config == {
        "input_size": spec.input_size,
        "hidden_size": spec.hidden_size,
        "num_layers": spec.num_layers,
        "bias": spec.bias,
        "bidirectional": spec.bidirectional,
        "proj_size": spec.proj_size,
    }
    assert module.parameters == list(state_dict)
    assert type(module.module) is type(original)
    assert_same_weights(module.module, original)
    # What weights cannot tell is said, not guessed silently.
    told = " ".join(module.notes)
    assert "batch_first" in told and "dropout" in told
    assert ("nonlinearity" in told) == (spec.cell == "rnn")


@SETTINGS
@given(spec=model_specs(max_layers=2), prefix=PREFIXES)
def test_recorded_attributes_settle_what_weights_cannot_tell(spec, prefix):
    original = LAYERS[spec.cell](**spec.torch_kwargs())
    nonlinearity = "relu" if spec.cell == "rnn" else None
    if nonlinearity:
        original = nn.RNN(**{**spec.torch_kwargs(), "nonlinearity": "relu"})
    attributes = {"batch_first": spec.batch_first, "dropout": 0.25}
    if nonlinearity:
        attributes["nonlinearity"] = nonlinearity
    name = prefix.rstrip(".")
    record = ModuleRecord(f"torch.nn.modules.rnn.{spec.cell.upper()}", attributes)

    module = only(find_modules(prefixed(original.state_dict(), prefix), {name: record}), name)

    assert module.loaded
    assert module.class_name == record.class_name
    assert module.notes == []
    assert module.config["batch_first"] == spec.batch_first
    assert module.config["dropout"] == 0.25
    assert module.module.batch_first == spec.batch_first
    assert module.module.dropout == 0.25
    assert "dropout=0.25" in module.torch_call
    if nonlinearity:
        assert module.config["nonlinearity"] == "relu"
        assert module.module.nonlinearity == "relu"
        assert "nonlinearity='relu'" in module.torch_call
    assert module.model_spec().batch_first == spec.batch_first


@SETTINGS
@given(
    cell=st.sampled_from(["rnncell", "lstmcell", "grucell"]),
    input_size=st.integers(1, 6),
    hidden_size=st.integers(1, 7),
    bias=st.booleans(),
    prefix=PREFIXES,
)
def test_cells_are_inferred_and_proven(cell, input_size, hidden_size, bias, prefix):
    cls = {"rnncell": nn.RNNCell, "lstmcell": nn.LSTMCell, "grucell": nn.GRUCell}[cell]
    original = cls(input_size, hidden_size, bias=bias)

    module = only(find_modules(prefixed(original.state_dict(), prefix)), prefix.rstrip("."))

    assert module.kind == cell and module.loaded
    assert module.config == {"input_size": input_size, "hidden_size": hidden_size, "bias": bias}
    assert_same_weights(module.module, original)
    assert module.cell == cell.removesuffix("cell")


def test_a_relu_cell_takes_its_nonlinearity_from_the_record():
    original = nn.RNNCell(3, 4, nonlinearity="relu")
    record = ModuleRecord("torch.nn.modules.rnn.RNNCell", {"nonlinearity": "relu"})
    (module,) = find_modules(original.state_dict(), {"": record})
    assert module.torch_call == "nn.RNNCell(3, 4, nonlinearity='relu')"
    assert module.module.nonlinearity == "relu"
    (unrecorded,) = find_modules(original.state_dict())
    assert unrecorded.torch_call == "nn.RNNCell(3, 4)"
    assert "nonlinearity" in unrecorded.notes[0]


class Tagger(nn.Module):
    """A sequence tagger: embeddings, a BiLSTM, a head, a char cell, a norm, a CRF-like matrix."""

    def __init__(self, vocab=50, dim=10, hidden=8):
        super().__init__()
        self.word_emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.lstm = nn.LSTM(dim, hidden, num_layers=2, bidirectional=True)
        self.tag_head = nn.Linear(2 * hidden, 5)
        self.char_cell = nn.GRUCell(4, 6)
        self.norm = nn.BatchNorm1d(3)
        self.transitions = nn.Parameter(torch.randn(5, 5))


@pytest.mark.parametrize("prefix", ["", "module.", "_orig_mod.", "module._orig_mod."])
def test_a_nested_model_is_found_whole_with_wrappers_kept(prefix):
    model = Tagger()
    state_dict = prefixed(model.state_dict(), prefix)

    found = find_modules(state_dict)

    p = prefix
    by_name = {m.name: m for m in found}
    assert by_name[f"{p}word_emb"].kind == "embedding"
    assert by_name[f"{p}word_emb"].config == {"num_embeddings": 50, "embedding_dim": 10}
    assert by_name[f"{p}word_emb"].alternatives == ["nn.Linear(10, 50, bias=False)"]
    assert by_name[f"{p}lstm"].torch_call == "nn.LSTM(10, 8, num_layers=2, bidirectional=True)"
    assert by_name[f"{p}tag_head"].kind == "linear"
    assert by_name[f"{p}tag_head"].config == {"in_features": 16, "out_features": 5, "bias": True}
    assert by_name[f"{p}char_cell"].kind == "grucell"
    norm = by_name[f"{p}norm"]
    assert norm.kind == "other" and not norm.loaded and norm.reason is None
    assert "num_batches_tracked" in norm.tensors
    root = by_name[prefix.rstrip(".")]
    assert root.kind == "other" and root.parameters == [f"{p}transitions"]
    # Never dropped: every tensor belongs to exactly one module.
    listed = [name for m in found for name in m.parameters]
    assert sorted(listed) == sorted(state_dict)
    assert_same_weights(by_name[f"{p}lstm"].module, model.lstm)

    links = {(link.source, link.target) for link in find_links(found)}
    assert (f"{p}word_emb", f"{p}lstm") in links
    assert (f"{p}lstm", f"{p}tag_head") in links
    assert all(link.relation == "probably feeds" for link in find_links(found))

    json.dumps([m.to_dict(stats=True) for m in found])
    json.dumps([link.to_dict() for link in find_links(found)])


@pytest.mark.filterwarnings("ignore:LSTM with projections")
def test_the_module_runs_with_the_files_weights_without_a_copy():
    torch.manual_seed(1)
    original = nn.LSTM(5, 7, num_layers=2, proj_size=3, bidirectional=True)
    state_dict = original.state_dict()
    (module,) = find_modules(state_dict)
    assert module.module.weight_hh_l1.data_ptr() == state_dict["weight_hh_l1"].data_ptr()
    x = torch.randn(4, 2, 5)
    with torch.no_grad():
        expected, (h, c) = original(x)
        output, (h2, c2) = module.module(x)
    assert torch.equal(output, expected) and torch.equal(h, h2) and torch.equal(c, c2)


def test_to_dict_has_the_reports_shape():
    (module,) = find_modules(nn.LSTM(100, 128, num_layers=2, bidirectional=True).state_dict())
    data = module.to_dict()
    assert data["name"] == ""
    assert data["kind"] == "lstm"
    assert data["torch"] == "nn.LSTM(100, 128, num_layers=2, bidirectional=True)"
    assert data["loaded"] is True
    assert data["config"] == {
        "input_size": 100,
        "hidden_size": 128,
        "num_layers": 2,
        "bias": True,
        "bidirectional": True,
        "proj_size": 0,
    }
    assert data["parameters"][0] == {
        "name": "weight_ih_l0",
        "shape": [512, 100],
        "numel": 51200,
        "dtype": "float32",
    }
    with_stats = module.to_dict(stats=True)["parameters"][0]["stats"]
    assert set(with_stats) == {"mean", "std", "min", "max", "norm", "nan", "inf", "zeros"}


def test_a_missing_layer_tensor_is_unrecognised_with_torchs_reason():
    state_dict = dict(nn.GRU(3, 4, num_layers=2).state_dict())
    del state_dict["weight_hh_l1"]
    (module,) = find_modules(prefixed(state_dict, "enc."))
    assert module.kind == "other" and not module.loaded and module.module is None
    assert "weight_hh_l1" in module.reason and "Missing key" in module.reason
    assert "\n" not in module.reason
    assert module.reason.startswith("does not load as nn.GRU(3, 4, num_layers=2)")
    assert len(module.parameters) == len(state_dict)


def test_inconsistent_shapes_are_unrecognised_with_the_size_mismatch():
    state_dict = dict(nn.LSTM(3, 4, num_layers=2).state_dict())
    state_dict["weight_ih_l1"] = torch.zeros(16, 5)
    (module,) = find_modules(state_dict)
    assert module.kind == "other"
    assert "size mismatch for weight_ih_l1" in module.reason


@pytest.mark.parametrize(
    ("tensors", "words"),
    [
        ({"weight_hh_l0": torch.zeros(10, 5), "weight_ih_l0": torch.zeros(10, 3)}, "2 blocks"),
        ({"weight_hh_l0": torch.zeros(7, 5), "weight_ih_l0": torch.zeros(7, 3)}, "not a whole"),
        ({"weight_ih_l0": torch.zeros(8, 3)}, "weight_hh_l0 is missing"),
        ({"weight_hh_l0_raw": torch.zeros(8, 2), "weight_ih_l0": torch.zeros(8, 3)}, "missing"),
        (
            {
                "weight_hh_l0": torch.zeros(9, 2),
                "weight_ih_l0": torch.zeros(9, 3),
                "weight_hr_l0": torch.zeros(2, 3),
            },
            "projection",
        ),
    ],
)
def test_shapes_no_recurrent_layer_has_are_named(tensors, words):
    (module,) = find_modules(tensors)
    assert module.kind == "other" and words in module.reason


def test_a_lone_weight_is_named_both_ways_and_a_record_decides():
    weight = {"proj.weight": torch.zeros(4, 3), "tok_embeddings.weight": torch.zeros(9, 3)}
    found = {m.name: m for m in find_modules(weight)}
    assert found["proj"].kind == "linear" and found["proj"].alternatives == ["nn.Embedding(4, 3)"]
    assert found["proj"].config == {"in_features": 3, "out_features": 4, "bias": False}
    assert found["tok_embeddings"].kind == "embedding"

    records = {
        "proj": ModuleRecord("torch.nn.modules.sparse.Embedding", {"padding_idx": 1}),
        "tok_embeddings": ModuleRecord("torch.nn.modules.linear.Linear"),
    }
    found = {m.name: m for m in find_modules(weight, records)}
    assert found["proj"].kind == "embedding" and found["proj"].alternatives == []
    assert found["proj"].torch_call == "nn.Embedding(4, 3, padding_idx=1)"
    assert found["proj"].module.padding_idx == 1
    assert found["tok_embeddings"].kind == "linear" and found["tok_embeddings"].alternatives == []


def test_a_recorded_torch_class_rnncli_does_not_rebuild_stays_other():
    record = ModuleRecord("torch.nn.modules.sparse.EmbeddingBag", {"mode": "mean"})
    (module,) = find_modules({"bag.weight": torch.zeros(5, 2)}, {"bag": record})
    assert module.kind == "other" and "EmbeddingBag" in module.notes[0]
    assert module.class_name == record.class_name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("emb", True),
        ("model.embed", True),
        ("word_emb", True),
        ("char_embeddings", True),
        ("tok_embeddings", True),
        ("embed_tokens", True),
        ("transformer.wte", True),
        ("embedding", True),
        ("member", False),
        ("head", False),
        ("proj", False),
        ("decoder", False),
    ],
)
def test_embedding_names(name, expected):
    assert looks_like_embedding(name) is expected


def test_torch_call_shows_only_non_default_options():
    config = {
        "input_size": 3,
        "hidden_size": 4,
        "num_layers": 1,
        "bias": False,
        "bidirectional": False,
        "proj_size": 0,
        "batch_first": True,
    }
    assert torch_call("gru", config) == "nn.GRU(3, 4, bias=False, batch_first=True)"
    assert torch_call("linear", {"in_features": 2, "out_features": 3, "bias": True}) == (
        "nn.Linear(2, 3)"
    )
    assert torch_call("other", {}) == ""


def test_the_module_tree_counts_every_tensor_and_keeps_structure():
    model = Tagger()
    state_dict = prefixed(model.state_dict(), "module.")
    records = {"module.drop": ModuleRecord("torch.nn.modules.dropout.Dropout", {"p": 0.5})}
    found = find_modules(state_dict, records)

    tree = module_tree(state_dict, records, found)

    assert tree.total_parameters == sum(t.numel() for t in state_dict.values())
    (wrapper,) = tree.children
    assert wrapper.name == "module" and wrapper.parameters == 25  # transitions
    children = {child.part: child for child in wrapper.children}
    assert set(children) == {"word_emb", "lstm", "tag_head", "char_cell", "norm", "drop"}
    assert children["lstm"].kind == "lstm"
    assert children["lstm"].torch_call == "nn.LSTM(10, 8, num_layers=2, bidirectional=True)"
    assert children["lstm"].parameters == sum(p.numel() for p in model.lstm.parameters())
    assert children["norm"].dtypes == ["float32", "int64"]
    assert children["drop"].class_name.endswith("Dropout") and children["drop"].parameters == 0
    assert {n.name for n in tree.walk()} >= {m.name for m in found}
    json.dumps(tree.to_dict())


def test_grouping_keeps_the_root_and_file_order():
    groups = group_tensors({"b.w": 1, "w": 2, "a.b.c": 3, "b.v": 4})
    assert list(groups) == ["b", "", "a.b"]
    assert groups["b"] == {"w": 1, "v": 4}


class Encoder(nn.Module):
    def __init__(self, spec, vocab, labels):
        super().__init__()
        self.embed = nn.Embedding(vocab, spec.input_size)
        self.rnn = LAYERS[spec.cell](**spec.torch_kwargs())
        self.head = nn.Linear(spec.num_directions * spec.state_size, labels)


@SETTINGS
@given(
    spec=model_specs(max_layers=2),
    vocab=st.integers(1, 30),
    labels=st.integers(1, 9),
    prefix=PREFIXES,
)
def test_nested_models_are_found_and_linked(spec, vocab, labels, prefix):
    model = nn.Module()
    model.encoder = Encoder(spec, vocab, labels)
    state_dict = prefixed(model.state_dict(), prefix)

    found = find_modules(state_dict)

    p = f"{prefix}encoder."
    by_name = {m.name: m for m in found}
    assert set(by_name) == {f"{p}embed", f"{p}rnn", f"{p}head"}
    assert all(m.loaded for m in found)
    assert by_name[f"{p}embed"].config == {
        "num_embeddings": vocab,
        "embedding_dim": spec.input_size,
    }
    assert by_name[f"{p}rnn"].model_spec() == spec.__class__(
        **{**spec.to_dict(), "batch_first": False, "dropout": 0.0}
    )
    head = by_name[f"{p}head"].config
    assert head == {
        "in_features": model.encoder.head.in_features,
        "out_features": labels,
        "bias": True,
    }
    links = {(link.source, link.target) for link in find_links(found)}
    assert (f"{p}embed", f"{p}rnn") in links
    assert (f"{p}rnn", f"{p}head") in links
    for module in found:
        assert_same_weights(module.module, getattr(model.encoder, module.name.rpartition(".")[2]))


def test_a_layer_norm_over_a_matrix_is_other_without_a_false_reason():
    state_dict = nn.LayerNorm([3, 4]).state_dict()
    (module,) = find_modules(prefixed(state_dict, "ln."))
    assert module.kind == "other" and module.reason is None


def test_a_recorded_max_norm_is_said_and_left_out():
    record = ModuleRecord("torch.nn.modules.sparse.Embedding", {"max_norm": 1.0})
    (module,) = find_modules({"emb.weight": torch.ones(4, 3) * 5}, {"emb": record})
    assert module.kind == "embedding" and "max_norm=1.0" in module.notes[0]
    assert module.module.max_norm is None
