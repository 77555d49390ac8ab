"""read_checkpoint: every supported file, read back exactly as torch's own state_dict names it."""

from __future__ import annotations

import argparse
import os
import pickle
import string
import sys
import zipfile
from pathlib import Path

import pytest
import torch
from helpers.checkpoint_files import (
    TAGGER_SOURCE,
    WAYS,
    forget_module,
    save_every_way,
    saved_as_cuda,
    unimportable_module,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

from rnncli.checkpoint.entries import find_state_dict, summarise
from rnncli.checkpoint.reader import read_checkpoint
from rnncli.checkpoint.torchscript import script_class_name
from rnncli.errors import RnncliError, UsageError


class Holder(nn.Module):
    """A plain container (no forward): scriptable, picklable whole."""

    def __init__(self, children: dict[str, nn.Module]) -> None:
        super().__init__()
        for name, child in children.items():
            self.add_module(name, child)


def qualified(module: nn.Module) -> str:
    return f"{type(module).__module__}.{type(module).__qualname__}"


def assert_same_tensors(read: dict, expected: dict, ordered: bool = True) -> None:
    assert (list(read) if ordered else sorted(read)) == (
        list(expected) if ordered else sorted(expected)
    )
    for name, tensor in expected.items():
        got = read[name]
        assert got.device.type == "cpu"
        assert got.dtype == tensor.dtype and got.shape == tensor.shape, name
        assert torch.equal(got, tensor), name


# --- random modules, saved every way ---------------------------------------------------------


@st.composite
def recurrent(draw):
    kind = draw(st.sampled_from(["RNN", "LSTM", "GRU"]))
    hidden = draw(st.integers(1, 5))
    layers = draw(st.integers(1, 3))
    kwargs = {
        "num_layers": layers,
        "bias": draw(st.booleans()),
        "batch_first": draw(st.booleans()),
        "bidirectional": draw(st.booleans()),
        "dropout": draw(st.sampled_from([0.0, 0.5])) if layers > 1 else 0.0,
    }
    if kind == "RNN":
        kwargs["nonlinearity"] = draw(st.sampled_from(["tanh", "relu"]))
    if kind == "LSTM" and hidden > 1:
        kwargs["proj_size"] = draw(st.integers(0, hidden - 1))
    return getattr(nn, kind)(draw(st.integers(1, 5)), hidden, **kwargs)


@st.composite
def leaf(draw):
    choice = draw(st.sampled_from(["recurrent", "cell", "embedding", "linear"]))
    if choice == "recurrent":
        return draw(recurrent())
    a, b = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    if choice == "cell":
        cell = draw(st.sampled_from([nn.RNNCell, nn.LSTMCell, nn.GRUCell]))
        return cell(a, b, bias=draw(st.booleans()))
    if choice == "embedding":
        return nn.Embedding(a + 1, b, padding_idx=draw(st.sampled_from([None, 0])))
    return nn.Linear(a, b, bias=draw(st.booleans()))


names = st.sampled_from(["encoder", "rnn", "emb", "head", "cell", "lstm", "decoder"])


@st.composite
def models(draw):
    if draw(st.booleans()):
        return draw(leaf())
    children = draw(st.dictionaries(names, leaf(), min_size=1, max_size=3))
    if draw(st.booleans()):
        children["inner"] = Holder(draw(st.dictionaries(names, leaf(), min_size=1, max_size=2)))
    return Holder(children)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(model=models(), wrap=st.booleans())
def test_random_modules_read_back_exactly_every_way(model, wrap, tmp_path_factory):
    model = nn.DataParallel(model) if wrap else model
    ways = tuple(w for w in WAYS if not (wrap and w == "torchscript"))
    folder = tmp_path_factory.mktemp("ways")
    expected = model.state_dict()
    for way, path in save_every_way(model, folder, ways).items():
        read = read_checkpoint(path)
        assert_same_tensors(read.tensors, expected, ordered=way != "safetensors")
        assert read.total_parameters == sum(t.numel() for t in expected.values())
        assert read.read_with == {
            "zip-whole": "restricted-unpickler",
            "legacy-whole": "restricted-unpickler",
            "safetensors": "safetensors",
            "torchscript": "restricted-unpickler",
        }.get(way, "weights_only")
        assert read.dangerous == []
        if way in ("zip-whole", "legacy-whole", "torchscript"):
            modules = dict(model.named_modules())
            assert list(read.modules) == list(modules)
            for name, record in read.modules.items():
                assert record.class_name == qualified(modules[name]), (way, name)
                for attr in ("batch_first", "bidirectional", "hidden_size", "proj_size"):
                    if hasattr(modules[name], attr) and not isinstance(modules[name], Holder):
                        assert record.attributes[attr] == getattr(modules[name], attr)
        if way == "training-checkpoint":
            assert read.state_dict_path == ["model_state_dict"]
            assert read.other_entries["epoch"] == 3
        assert read_checkpoint(path, mmap=False).tensors.keys() == read.tensors.keys()


def test_wrapper_prefixes_are_kept(tmp_path):
    lstm = nn.LSTM(3, 4)
    compiled = torch.compile(lstm)
    torch.save(compiled.state_dict(), tmp_path / "compiled.pt")
    torch.save(compiled, tmp_path / "compiled-whole.pt")
    torch.save(nn.DataParallel(lstm).state_dict(), tmp_path / "ddp.pt")
    for name in ("compiled.pt", "compiled-whole.pt"):
        read = read_checkpoint(tmp_path / name)
        assert list(read.tensors) == [f"_orig_mod.{k}" for k in lstm.state_dict()]
    assert list(read_checkpoint(tmp_path / "ddp.pt").tensors) == [
        f"module.{k}" for k in lstm.state_dict()
    ]
    whole = read_checkpoint(tmp_path / "compiled-whole.pt")
    assert whole.modules["_orig_mod"].class_name == "torch.nn.modules.rnn.LSTM"


# --- whole models whose class cannot be imported ------------------------------------------------


@pytest.mark.parametrize("legacy", [False, True])
def test_whole_model_of_an_unimportable_class(tmp_path, legacy):
    name = f"tagger_{os.getpid()}_{int(legacy)}"
    module = unimportable_module(tmp_path / "src", name, TAGGER_SOURCE)
    torch.manual_seed(0)
    model = module.Tagger()
    path = tmp_path / "tagger.pt"
    torch.save(model, path, _use_new_zipfile_serialization=not legacy)
    expected = model.state_dict()
    submodules = dict(model.named_modules())
    forget_module(tmp_path / "src", name)
    with pytest.raises(ModuleNotFoundError):  # proof that a naive load needs the code
        torch.load(path, weights_only=False)

    read = read_checkpoint(path)
    assert name not in sys.modules
    assert read.format == ("torch-legacy" if legacy else "torch-zip")
    assert_same_tensors(read.tensors, expected)
    assert "scratch" not in read.tensors  # a non-persistent buffer, as state_dict leaves it out
    assert list(read.modules) == list(submodules)
    assert read.modules[""].class_name == f"{name}.Tagger"
    assert f"{name}.Tagger" in read.placeholders and read.dangerous == []
    assert read.modules[""].attributes["note"] == "trained on toy data"
    lstm = read.modules["lstm"]
    assert lstm.class_name == "torch.nn.modules.rnn.LSTM" and lstm.short_name == "LSTM"
    assert lstm.attributes == {
        "mode": "LSTM",
        "input_size": 8,
        "hidden_size": 6,
        "num_layers": 2,
        "bias": True,
        "batch_first": True,
        "dropout": 0.25,
        "bidirectional": True,
        "proj_size": 0,
    }
    assert read.modules["word_emb"].attributes["padding_idx"] == 0
    assert read.modules["head"].attributes == {"in_features": 12, "out_features": 5}
    assert read.modules["char_cell"].attributes["hidden_size"] == 3
    text = " ".join(read.notes)
    assert "restricted unpickler" in text and "no code from the file was imported or run" in text
    assert f"{name}.Tagger" in text and "weights_only=True" in text


@pytest.mark.parametrize("protocol", [1, 2, 4, 5])
def test_whole_models_in_every_pickle_protocol(tmp_path, protocol):
    model = Holder({"rnn": nn.LSTM(2, 3, batch_first=True), "head": nn.Linear(3, 1)})
    torch.save(model, tmp_path / "m", pickle_protocol=protocol)
    read = read_checkpoint(tmp_path / "m")
    assert_same_tensors(read.tensors, model.state_dict())
    assert read.modules["rnn"].attributes["batch_first"] is True
    assert read.modules[""].class_name == qualified(model)


def test_whole_model_nested_in_a_training_checkpoint(tmp_path):
    model = Holder({"rnn": nn.GRU(2, 3)})
    torch.save({"epoch": 9, "model": model, "args": argparse.Namespace(lr=0.5)}, tmp_path / "c")
    read = read_checkpoint(tmp_path / "c")
    assert read.state_dict_path == ["model"]
    assert_same_tensors(read.tensors, model.state_dict())
    assert read.modules["rnn"].class_name == "torch.nn.modules.rnn.GRU"
    assert read.other_entries["epoch"] == 9
    assert read.other_entries["args"].startswith("argparse.Namespace(lr=0.5")
    assert "not imported" in read.other_entries["args"]


# --- training checkpoints: where the state dict is ---------------------------------------------

keys = st.text(string.ascii_lowercase + "_", min_size=1, max_size=8)
scalars = st.one_of(st.integers(-5, 5), st.floats(0, 1), st.text(max_size=5), st.booleans())


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.lists(keys, min_size=1, max_size=3),
    siblings=st.lists(st.dictionaries(keys, scalars, max_size=3), min_size=3, max_size=3),
    distractor=st.integers(0, 200),
)
def test_the_state_dict_is_found_at_any_depth(tmp_path_factory, path, siblings, distractor):
    state = nn.LSTM(4, 5).state_dict()  # 220 elements
    obj: object = state
    expected_others = {}
    prefix = ".".join(path[:-1])
    for depth in reversed(range(len(path))):
        level = {k: v for k, v in siblings[depth].items() if k != path[depth]}
        level_prefix = ".".join(path[:depth]) + ("." if depth else "")
        expected_others.update({f"{level_prefix}{k}": v for k, v in level.items()})
        level[path[depth]] = obj
        obj = level
    # a smaller tensor dict and an optimizer state with more elements than the model: never picked
    assert isinstance(obj, dict)
    for key, value in (
        ("zz_small_tensors", {"w": torch.zeros(distractor)}),
        (
            "zz_optimizer_state",
            {"state": {0: {"exp_avg": torch.zeros(1000)}}, "param_groups": [{"lr": 0.1}]},
        ),
    ):
        if key != path[0]:
            obj[key] = value
    file = tmp_path_factory.mktemp("depth") / "ckpt"
    torch.save(obj, file)
    read = read_checkpoint(file)
    assert read.state_dict_path == path, prefix
    assert_same_tensors(read.tensors, state)
    for key, value in expected_others.items():
        got = read.other_entries[key]
        assert got == value or (isinstance(value, float) and abs(got - value) < 1e-12)
    assert read.other_entries["zz_optimizer_state"].startswith("optimizer state: 1 tensor,")


def test_most_elements_wins_and_conventional_names_break_ties():
    small, big = nn.LSTM(2, 3).state_dict(), nn.LSTM(2, 9).state_dict()
    assert find_state_dict({"ema": small, "model": small}).path == ["model"]
    assert find_state_dict({"weights_a": small, "state_dict": small}).path == ["state_dict"]
    assert find_state_dict({"model": small, "ema": big}).path == ["ema"]
    assert find_state_dict({"models": [small, big]}).path == ["models", 1]
    assert find_state_dict({7: small, "7": {"w": torch.zeros(1)}}).path == [7]
    assert find_state_dict({"epoch": 1}) is None


def test_other_entries_are_one_scalar_each():
    model = nn.Linear(3, 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    model(torch.randn(4, 3)).sum().backward()
    optimizer.step()
    found = find_state_dict(
        {
            "model_state_dict": model.state_dict(),
            "optimizer_state_dict": optimizer.state_dict(),
            "epoch": 7,
            "loss": torch.tensor(0.25),
            "step": torch.tensor(12),
            "history": [0.5, 0.25],
            "best": float("nan"),
            "vocab": {str(i): i for i in range(100)},
        }
    )
    others = found.other_entries
    assert others["epoch"] == 7 and others["loss"] == 0.25 and others["step"] == 12
    assert others["optimizer_state_dict"] == (
        "optimizer state: 6 tensors, param_groups: lr=0.001, betas=(0.9, 0.999), "
        "weight_decay=0, eps=1e-08"
    )
    assert others["history"] == "[0.5, 0.25]"
    assert others["best"] == "nan"
    assert others["vocab"].startswith("dict of 100 entries (0, 1, 2")
    for value in others.values():
        assert value is None or isinstance(value, (str, int, float, bool))
    assert summarise(torch.zeros(2, 3)) == "tensor [2, 3] float32"


def test_numpy_values_and_namespaces_are_summarised_without_numpy(tmp_path):
    import numpy as np

    torch.save(
        {
            "model": nn.Linear(2, 2).state_dict(),
            "best_acc": np.float64(0.875),
            "step": np.int64(-5),
            "flag": np.bool_(True),
            "half": np.float16(0.5),
            "history": np.arange(6, dtype=np.int32).reshape(2, 3),
            "args": argparse.Namespace(lr=0.1, layers=2),
            "config": {"hidden": 128, "cell": "lstm"},
        },
        tmp_path / "np.pt",
    )
    read = read_checkpoint(tmp_path / "np.pt")
    others = read.other_entries
    assert others["best_acc"] == 0.875 and others["step"] == -5 and others["flag"] is True
    assert others["half"] == 0.5
    assert others["history"].startswith("numpy array [2, 3] i4")
    assert others["args"].startswith("argparse.Namespace(lr=0.1, layers=2)")
    assert others["config"] == "hidden=128, cell='lstm'"
    assert read.state_dict_path == ["model"]


def test_a_lightning_style_checkpoint(tmp_path):
    model = Holder({"encoder": nn.GRU(3, 4, batch_first=True), "head": nn.Linear(4, 2)})
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    model.encoder(torch.randn(2, 5, 3))[0].sum().backward()
    optimizer.step()
    state = {f"model.{k}": v for k, v in model.state_dict().items()}
    torch.save(
        {
            "epoch": 12,
            "global_step": 3400,
            "pytorch-lightning_version": "2.4.0",
            "state_dict": state,
            "loops": {"fit_loop": {"state_dict": {}, "epoch_progress": {"total": {"ready": 13}}}},
            "callbacks": {
                "ModelCheckpoint{'monitor': 'val_loss'}": {
                    "best_model_score": torch.tensor(0.31),
                    "best_model_path": "x.ckpt",
                }
            },
            "optimizer_states": [optimizer.state_dict()],
            "lr_schedulers": [{"last_epoch": 12, "_last_lr": [0.05]}],
            "hyper_parameters": {"hidden": 4, "lr": 0.05},
        },
        tmp_path / "last.ckpt",
    )
    read = read_checkpoint(tmp_path / "last.ckpt")
    assert read.state_dict_path == ["state_dict"] and read.read_with == "weights_only"
    assert_same_tensors(read.tensors, state)
    others = read.other_entries
    assert others["epoch"] == 12 and others["global_step"] == 3400
    assert others["optimizer_states"] == (
        "optimizer state: 4 tensors, param_groups: lr=0.05, momentum=0.9, weight_decay=0"
    )
    assert others["hyper_parameters"] == "hidden=4, lr=0.05"
    assert others["callbacks"] == (
        "dict of 1 entry (ModelCheckpoint{'monitor': 'val_loss'}), 1 tensor, 1 element"
    )


# --- CUDA storages without a GPU ----------------------------------------------------------------


@pytest.mark.parametrize("legacy", [False, True])
@pytest.mark.parametrize("whole", [False, True])
def test_tensors_saved_on_cuda_load_on_the_cpu(tmp_path, legacy, whole):
    model = nn.GRU(3, 4, num_layers=2)
    path = tmp_path / "cuda.pt"
    with saved_as_cuda("cuda:0"):
        torch.save(
            model if whole else {"state_dict": model.state_dict(), "epoch": 1},
            path,
            _use_new_zipfile_serialization=not legacy,
        )
    raw = zipfile.ZipFile(path).read("cuda/data.pkl") if not legacy else path.read_bytes()
    assert b"cuda:0" in raw
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA"):
            torch.load(path, weights_only=not whole)
    read = read_checkpoint(path)
    assert_same_tensors(read.tensors, model.state_dict())
    assert any("cuda:0" in note and "CPU" in note for note in read.notes)


# --- the other formats --------------------------------------------------------------------------


def test_safetensors_header_metadata_and_lazy_map(tmp_path):
    from safetensors.torch import save_file

    tensors = {"b.weight": torch.randn(3, 2), "a.bias": torch.arange(5), "c": torch.tensor(1.5)}
    tensors["half"] = torch.randn(7).to(torch.bfloat16)
    save_file(tensors, str(tmp_path / "model.pt"), metadata={"format": "pt", "epoch": "4"})
    for mmap in (True, False):
        read = read_checkpoint(tmp_path / "model.pt", mmap=mmap)
        assert read.format == "safetensors"
        assert_same_tensors(read.tensors, tensors, ordered=False)
        assert read.other_entries == {"metadata.format": "pt", "metadata.epoch": "4"}


def test_torchscript_classes_and_attributes_without_forward(tmp_path):
    class Scripted(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.Embedding(10, 4)
            self.rnn = nn.LSTM(4, 6, batch_first=True, bidirectional=True)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            raise RuntimeError("forward must never run")

    model = Scripted()
    torch.jit.script(model).save(str(tmp_path / "scripted"))
    traced = torch.jit.trace(nn.Linear(3, 2), torch.randn(1, 3))
    traced.save(str(tmp_path / "traced"))
    read = read_checkpoint(tmp_path / "scripted")
    assert read.format == "torchscript"
    assert_same_tensors(read.tensors, model.state_dict())
    assert list(read.modules) == ["", "emb", "rnn"]
    assert read.modules["rnn"].class_name == "torch.nn.modules.rnn.LSTM"
    assert read.modules["rnn"].attributes["batch_first"] is True
    assert read.modules["emb"].attributes["embedding_dim"] == 4
    assert read.modules[""].short_name == "Scripted"
    traced_read = read_checkpoint(tmp_path / "traced")
    assert traced_read.modules[""].class_name == "torch.nn.modules.linear.Linear"
    assert list(traced_read.tensors) == ["weight", "bias"]
    assert script_class_name("__torch__.a.___torch_mangle_3.LSTM") == "a.LSTM"


def what_jit_load_gives(path: Path) -> tuple[dict, dict]:
    """The reference (only ever on files these tests made): tensors and modules via jit.load."""
    from rnncli.checkpoint.reader import SCRIPT_ATTRIBUTES

    module = torch.jit.load(str(path), map_location="cpu")
    modules = {}
    for name, sub in module.named_modules():
        c = sub._c
        values = {a: c.getattr(a) for a in SCRIPT_ATTRIBUTES if c.hasattr(a)}
        scalars = {
            a: v for a, v in values.items() if v is None or isinstance(v, (bool, int, float, str))
        }
        modules[name] = (script_class_name(c._type().qualified_name()), scalars)
    return module.state_dict(), modules


def assert_reads_like_jit_load(path: Path) -> None:
    tensors, modules = what_jit_load_gives(path)
    for mmap in (True, False):
        read = read_checkpoint(path, mmap=mmap)
        assert read.format == "torchscript" and read.read_with == "restricted-unpickler"
        assert_same_tensors(read.tensors, tensors)
        assert list(read.modules) == list(modules)
        for name, (class_name, attributes) in modules.items():
            assert read.modules[name].class_name == class_name, name
            assert read.modules[name].attributes == attributes, name
        assert read.dangerous == [] and read.placeholders == []
        assert any("no code from the archive was compiled or run" in n for n in read.notes)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(model=models())
def test_torchscript_reads_as_jit_load_would_without_running_it(model, tmp_path_factory):
    path = tmp_path_factory.mktemp("script") / "model"
    torch.jit.script(model).save(str(path))
    assert_reads_like_jit_load(path)


def test_torchscript_buffers_mangled_classes_missing_biases_and_traces(tmp_path):
    twin = Holder(
        {
            "a": nn.LSTM(2, 3),
            "b": nn.LSTM(3, 4, batch_first=True, num_layers=2, dropout=0.5),  # ___torch_mangle
            "c": nn.RNN(2, 2, nonlinearity="relu", bias=False),
            "d": nn.Linear(2, 2, bias=False),
            "norm": nn.BatchNorm1d(3),
            "seq": nn.Sequential(nn.Embedding(5, 2, padding_idx=0), nn.GRUCell(2, 3)),
        }
    )
    twin.norm.running_mean.fill_(0.5)
    torch.jit.script(twin).save(str(tmp_path / "twin"))
    assert_reads_like_jit_load(tmp_path / "twin")
    read = read_checkpoint(tmp_path / "twin")
    assert read.modules["b"].class_name == "torch.nn.modules.rnn.LSTM"
    assert read.modules["b"].attributes["dropout"] == 0.5
    assert read.modules["c"].attributes["nonlinearity"] == "relu"
    assert "norm.num_batches_tracked" in read.tensors and "d.bias" not in read.tensors
    traced = torch.jit.trace(nn.Sequential(nn.Linear(3, 2), nn.Tanh()), torch.randn(1, 3))
    traced.save(str(tmp_path / "traced"))
    assert_reads_like_jit_load(tmp_path / "traced")
    frozen = torch.jit.freeze(torch.jit.script(nn.Sequential(nn.Linear(3, 2))).eval())
    frozen.save(str(tmp_path / "frozen"))
    assert_reads_like_jit_load(tmp_path / "frozen")  # no state dict left: weights are constants
    notes = " ".join(read_checkpoint(tmp_path / "frozen").notes)
    assert "2 constant tensor records" in notes and "not listed" in notes


def test_rnncli_embedding_file(tmp_path):
    from rnncli.embedding import embed_words, save_embedding

    report = embed_words(["hello", "world", "hello"], dim=3, seed=1)
    save_embedding(report, tmp_path / "emb.pt")
    read = read_checkpoint(tmp_path / "emb.pt")
    assert read.format == "rnncli-embedding"
    assert torch.equal(read.tensors["weight"], report.weight_tensor)
    assert read.modules[""].attributes == {"num_embeddings": 2, "embedding_dim": 3}
    assert read.modules[""].short_name == "Embedding"
    assert read.other_entries["dim"] == 3 and read.other_entries["seed"] == 1
    assert read.other_entries["itos"] == "['hello', 'world']"


# --- bad input ----------------------------------------------------------------------------------


def test_missing_path_and_folder_are_usage_errors(tmp_path):
    for path, why in ((tmp_path / "nope.pt", "no such file"), (tmp_path, "it is a folder")):
        with pytest.raises(UsageError) as caught:
            read_checkpoint(path)
        assert caught.value.exit_code == 2 and caught.value.option == "FILE"
        assert f"cannot read {path}: {why}" in str(caught.value)


def test_unreadable_file_is_a_usage_error(tmp_path, monkeypatch):
    path = tmp_path / "locked.pt"
    torch.save({}, path)
    path.chmod(0)
    if os.geteuid() == 0:  # root reads every file: let access() answer as for a user
        monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != path)
    with pytest.raises(UsageError, match="permission denied"):
        read_checkpoint(path)


def _truncated_zip(path: Path) -> bytes:
    torch.save(nn.LSTM(30, 40).state_dict(), path)
    return path.read_bytes()[: path.stat().st_size // 2]


def _truncated_legacy(path: Path) -> bytes:
    torch.save(nn.LSTM(30, 40).state_dict(), path, _use_new_zipfile_serialization=False)
    return path.read_bytes()[:-100]


NOT_CHECKPOINTS = {
    "empty": (lambda p: b"", "an empty file"),
    "text": (lambda p: "hidden_size: 128\nnote: café\n".encode(), "a text file"),
    "json": (lambda p: b'{"hidden": 128}', "a JSON text file"),
    "truncated-zip": (_truncated_zip, "a truncated or damaged zip archive"),
    "truncated-legacy": (_truncated_legacy, "legacy (pre-1.6) torch.save file"),
    "hdf5": (lambda p: b"\x89HDF\r\n\x1a\n" + bytes(600), "HDF5 file (Keras"),
    "onnx": (
        lambda p: b"\x08\x07\x12\x07pytorch\x1a\x052.1.0:\x8a\x01\n\x05input",
        "an ONNX model",
    ),
    "random": (lambda p: bytes((i * 197 + 13) % 256 for i in range(3000)), "unknown format"),
    "plain-pickle": (lambda p: pickle.dumps({"a": 1}, protocol=4), "plain Python pickle"),
    "plain-zip": (lambda p: _plain_zip(p), "zip archive without a data.pkl"),
}


def _plain_zip(path: Path) -> bytes:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("notes.txt", "hello")
    return path.read_bytes()


@pytest.mark.parametrize("kind", sorted(NOT_CHECKPOINTS))
def test_files_that_are_not_checkpoints_say_what_they_look_like(tmp_path, kind):
    make, expected = NOT_CHECKPOINTS[kind]
    path = tmp_path / "model.pt"
    data = make(tmp_path / "scratch.pt")
    path.write_bytes(data)
    with pytest.raises(RnncliError) as caught:
        read_checkpoint(path)
    assert not isinstance(caught.value, UsageError) and caught.value.exit_code == 1
    message = str(caught.value)
    assert expected in message and str(path) in message
    assert "\n" not in message
    if kind in ("hdf5", "onnx"):
        assert "not a PyTorch checkpoint" in message


def test_a_corrupt_pickle_inside_a_torch_zip_is_one_clear_error(tmp_path):
    from helpers.checkpoint_files import replace_zip_pickle

    path = tmp_path / "model.pt"
    torch.save(nn.GRU(2, 2).state_dict(), path)
    replace_zip_pickle(path, b"\x80\x02}q\x00(X\x01\x00\x00\x00a")  # cut inside the pickle
    with pytest.raises(RnncliError, match=r"cannot read .* as a torch\.save zip file"):
        read_checkpoint(path)


def test_other_model_formats_are_named(tmp_path):
    keras = tmp_path / "model.keras"
    keras.write_bytes(bytes(512) + b"\x89HDF\r\n\x1a\n" + bytes(100))  # HDF5 after a user block
    with pytest.raises(RnncliError, match=r"HDF5 file .*not a PyTorch checkpoint"):
        read_checkpoint(keras)
    exported = tmp_path / "model.pt2"
    with zipfile.ZipFile(exported, "w") as zf:
        zf.writestr("model/archive_format", "pt2")
        zf.writestr("model/models/model.json", "{}")
    with pytest.raises(RnncliError, match=r"torch\.export program"):
        read_checkpoint(exported)


def test_a_fifo_is_not_opened(tmp_path):
    fifo = tmp_path / "pipe.pt"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="not a regular file"):
        read_checkpoint(fifo)


def test_a_damaged_safetensors_file_is_one_clear_error(tmp_path):
    from safetensors.torch import save_file

    path = tmp_path / "model.safetensors"
    save_file({"w": torch.randn(100)}, str(path))
    path.write_bytes(path.read_bytes()[:-40])  # data cut short of what the header promises
    with pytest.raises(RnncliError, match="as a safetensors file"):
        read_checkpoint(path)


def test_importing_the_reader_imports_neither_torch_nor_a_terminal_library():
    import subprocess

    code = (
        "import sys, rnncli.checkpoint.reader; "
        "print(sorted({'torch', 'numpy', 'rich', 'typer', 'safetensors'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("legacy", [False, True])
def test_a_torch_older_than_2_6_never_gets_to_unpickle(tmp_path, monkeypatch, legacy):
    from rnncli.checkpoint.reader import trusted_weights_only

    model = nn.LSTM(3, 4, num_layers=2)
    torch.save(
        {"sd": model.state_dict(), "epoch": 4},
        tmp_path / "m",
        _use_new_zipfile_serialization=not legacy,
    )
    monkeypatch.setattr(torch, "__version__", "2.5.1+cpu")

    def forbidden(*args, **kwargs):
        raise AssertionError("torch.load called")

    monkeypatch.setattr(torch, "load", forbidden)
    read = read_checkpoint(tmp_path / "m")
    assert read.read_with == "restricted-unpickler" and read.other_entries == {"epoch": 4}
    assert_same_tensors(read.tensors, model.state_dict())
    assert any("torch 2.5.1+cpu < 2.6" in note for note in read.notes)
    assert [trusted_weights_only(v) for v in ("1.13.1", "2.5.1", "2.6.0", "2.13.0+cpu", "3.0")] == [
        False,
        False,
        True,
        True,
        True,
    ]


@pytest.mark.parametrize("legacy", [False, True])
def test_dtypes_without_a_typed_storage_in_a_whole_model(tmp_path, legacy):
    model = Holder({"head": nn.Linear(2, 3)})
    model.register_buffer("counts", torch.tensor([1, 2, 300], dtype=torch.uint16))
    model.register_buffer("scale", torch.tensor([0.5, -2.0]).to(torch.float8_e4m3fn))
    model.register_buffer("mask", torch.tensor([True, False]))
    model.register_buffer("brain", torch.randn(4).to(torch.bfloat16))
    torch.save(model, tmp_path / "m", _use_new_zipfile_serialization=not legacy)
    read = read_checkpoint(tmp_path / "m")
    assert read.read_with == "restricted-unpickler"
    assert read.placeholders == sorted([qualified(model), "torch.nn.modules.linear.Linear"])
    expected = model.state_dict()
    assert list(read.tensors) == list(expected)
    for name, tensor in expected.items():
        assert read.tensors[name].dtype == tensor.dtype
        assert torch.equal(read.tensors[name].view(torch.uint8), tensor.view(torch.uint8))
