"""`rnncli inspect FILE` through the real command: a user's own model file, read as data.

The reader, the inference, the health figures and the printed code have their own tests
(test_checkpoint_*.py); these check what the command makes of them: the report, its JSON, the
forward pass with the file's weights, exit codes, the stated options, and that no width cuts a name.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from helpers.checkpoint_files import save_every_way
from helpers.cli import invoke, run_rnncli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

from rnncli.checkpoint.report import inspect_checkpoint
from rnncli.rnn.request import InspectRequest


class Tagger(nn.Module):
    """A model people train: embedding, bidirectional LSTM, a head and a layer norm."""

    def __init__(self) -> None:
        super().__init__()
        self.word_emb = nn.Embedding(50, 6)
        self.lstm = nn.LSTM(6, 8, num_layers=2, bidirectional=True)
        self.tag_head = nn.Linear(16, 5)
        self.norm = nn.LayerNorm(5)


@pytest.fixture
def tagger(tmp_path: Path) -> tuple[Tagger, Path]:
    torch.manual_seed(3)
    model = Tagger()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    path = tmp_path / "tagger.pt"
    torch.save(
        {
            "epoch": 7,
            "loss": 0.25,
            "model_state_dict": model.state_dict(),
            "optim": optimizer.state_dict(),
        },
        path,
    )
    return model, path


def inspect_json(*args: str) -> tuple[int, dict]:
    result = invoke("inspect", *args, "--json")
    assert result.stdout.count("\n") == 1, result.stdout  # one JSON object and nothing else
    return result.exit_code, json.loads(result.stdout)


def test_a_training_checkpoint_in_json(tagger):
    model, path = tagger
    code, data = inspect_json(str(path), "--seq-len", "4", "--batch", "2")
    assert code == 0
    assert data["file"]["format"] == "torch-zip"
    assert data["file"]["bytes"] == path.stat().st_size
    assert data["file"]["state_dict_path"] == ["model_state_dict"]
    assert data["file"]["other_entries"]["epoch"] == 7
    assert data["file"]["other_entries"]["loss"] == 0.25
    assert "param_groups" in data["file"]["other_entries"]["optim"]  # summarised, not dumped
    assert data["total_parameters"] == sum(p.numel() for p in model.state_dict().values())
    modules = {m["name"]: m for m in data["modules"]}
    assert modules["lstm"]["kind"] == "lstm"
    assert modules["lstm"]["torch"] == "nn.LSTM(6, 8, num_layers=2, bidirectional=True)"
    assert modules["lstm"]["config"] == {
        "input_size": 6,
        "hidden_size": 8,
        "num_layers": 2,
        "bias": True,
        "bidirectional": True,
        "proj_size": 0,
    }
    assert modules["lstm"]["loaded"] is True
    assert modules["lstm"]["tensors"] == {
        "input": [4, 2, 6],
        "h0": [4, 2, 8],
        "c0": [4, 2, 8],
        "output": [4, 2, 16],
        "h_n": [4, 2, 8],
        "c_n": [4, 2, 8],
    }
    assert modules["word_emb"]["kind"] == "embedding"
    assert modules["tag_head"]["config"] == {"in_features": 16, "out_features": 5, "bias": True}
    assert modules["norm"]["kind"] == "other"
    assert [p["name"] for p in modules["norm"]["parameters"]] == ["weight", "bias"]
    # Health: each tensor's figures, and the recurrent module's gains, match torch's own.
    weight = model.lstm.weight_hh_l0.detach().double()
    stats = next(p for p in modules["lstm"]["parameters"] if p["name"] == "weight_hh_l0")["stats"]
    assert stats["mean"] == pytest.approx(weight.mean().item(), rel=1e-6)
    assert stats["norm"] == pytest.approx(torch.linalg.vector_norm(weight).item(), rel=1e-6)
    norms = modules["lstm"]["health"]["spectral_norms"]
    forget = next(n for n in norms if n["parameter"] == "weight_hh_l0" and n["gate"] == "f")
    assert forget["value"] == pytest.approx(torch.linalg.matrix_norm(weight[8:16], ord=2).item())
    biases = modules["lstm"]["health"]["forget_bias_mean"][0]
    expected = (model.lstm.bias_ih_l0[8:16] + model.lstm.bias_hh_l0[8:16]).mean().item()
    assert biases["value"] == pytest.approx(expected, rel=1e-5)
    links = {(link["source"], link["target"]) for link in data["links"]}
    assert ("word_emb", "lstm") in links and ("lstm", "tag_head") in links
    assert data["mismatches"] == []


def test_the_forward_pass_runs_the_files_weights(tagger):
    model, path = tagger
    report = inspect_checkpoint(InspectRequest(checkpoint=path, verify=True, seq_len=5, batch=2))
    (lstm,) = [m for m in report.modules if m.name == "lstm"]
    assert lstm.inspection.verify.passed
    # The module that ran holds the file's tensors (assigned, not copied from a fresh init).
    for p in lstm.inspection.parameters:
        assert p.shape == tuple(getattr(model.lstm, p.name).shape)
    torch.manual_seed(0)
    x = torch.randn(5, 2, 6)
    with torch.no_grad():
        expected, _ = model.lstm(x)
    state = lstm.found.module
    with torch.no_grad():
        got, _ = state(x)
    assert torch.allclose(got, expected)


def test_the_printed_report_names_the_file_and_proves_each_module(tagger):
    _, path = tagger
    result = invoke("inspect", str(path), "--seq-len", "2", "--batch", "1", check=True)
    out = result.stdout
    assert "state dict at ['model_state_dict']" in out
    assert "epoch: 7" in out
    assert "nn.LSTM(6, 8, num_layers=2, bidirectional=True)" in out
    assert "loaded" in out
    assert "Health: spectral norm" in out
    assert "word_emb probably feeds lstm" in out
    assert "batch_first, dropout are not recorded" in out


@pytest.mark.parametrize("width", [60, 80, 120])
def test_no_name_shape_or_number_is_cut_at_any_width(tagger, width):
    _, path = tagger
    result = run_rnncli(
        "inspect", str(path), "--seq-len", "2", "--batch", "1", env={"COLUMNS": str(width)}
    )
    assert result.returncode == 0, result.stderr
    tensor_lines = [
        line for line in result.stdout.splitlines() if "lstm.weight_hh_l1_reverse" in line
    ]
    assert tensor_lines, "the tensor's full name is printed"
    out = result.stdout
    # A cut looks like `weight_ih_l0_rever…`; a `…` after a space or a slash is rnncli's own
    # "and more" (`layer 1 forward, …`), never a cut.
    assert not re.search(r"[^\s/]…", out)
    head = out[: out.index("lstm: nn.LSTM")]
    health = out[out.index("Health:") :]
    assert "…" not in head + health
    # A long path goes on its own line, whole, and is the only line allowed past the width.
    lines = [line for line in (head + health).splitlines() if line != str(path)]
    assert str(path) in head.splitlines()
    assert max(len(line) for line in lines) <= width


def test_stated_options_are_checked_against_the_file(tagger):
    _, path = tagger
    code, data = inspect_json(str(path), "--cell", "lstm", "--hidden", "8", "--layers", "2")
    assert code == 0 and data["mismatches"] == [] and data["compared"] == "lstm"
    code, data = inspect_json(str(path), "--hidden", "16", "--cell", "gru", "--bidirectional")
    assert code == 1
    by_option = {m["option"]: m for m in data["mismatches"]}
    assert set(by_option) == {"hidden_size", "cell"}
    assert by_option["hidden_size"]["file"] == 8 and by_option["hidden_size"]["given"] == 16
    assert "weight_hh_l0 [32, 8]" in by_option["hidden_size"]["evidence"]
    result = invoke("inspect", str(path), "--hidden", "16")
    assert result.exit_code == 1
    assert "hidden_size: file 8, given 16" in result.stdout


def test_unrecorded_options_are_used_not_compared(tagger):
    _, path = tagger
    code, data = inspect_json(str(path), "--batch-first", "--seq-len", "3", "--batch", "2")
    assert code == 0 and data["mismatches"] == []
    lstm = next(m for m in data["modules"] if m["name"] == "lstm")
    assert lstm["tensors"]["input"] == [2, 3, 6]  # batch first, as the user said it was trained


def test_module_picks_one_and_unknown_names_are_a_usage_error(tagger):
    _, path = tagger
    result = invoke("inspect", str(path), "--module", "encoder")
    assert result.exit_code == 2
    assert "--module" in result.stderr and "lstm" in result.stderr
    code, data = inspect_json(str(path), "--module", "lstm", "--hidden", "8")
    assert code == 0 and data["compared"] == "lstm"


def test_code_prints_python_that_rebuilds_the_modules(tagger, tmp_path):
    model, path = tagger
    result = invoke("inspect", str(path), "--code", check=True)
    script = tmp_path / "rebuild.py"
    script.write_text(result.stdout + "\nprint(lstm.weight_hh_l1.sum().item())\n")
    ran = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=path.parent, timeout=120
    )
    assert ran.returncode == 0, ran.stderr
    assert float(ran.stdout) == pytest.approx(model.lstm.weight_hh_l1.sum().item(), rel=1e-6)


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--text", "hello world"], "--text"),
        (["--output-size", "3"], "--output-size"),
        (["--device", "meta"], "--device"),
    ],
)
def test_options_that_do_not_apply_to_a_file(tagger, args, option):
    _, path = tagger
    result = invoke("inspect", str(path), *args)
    assert result.exit_code == 2
    assert option in result.stderr


def test_module_and_code_need_a_file():
    for args in (["--module", "lstm"], ["--code"]):
        result = invoke("inspect", *args)
        assert result.exit_code == 2 and "give FILE" in result.stderr


def test_bad_paths_and_files_that_are_not_checkpoints(tmp_path):
    missing = invoke("inspect", str(tmp_path / "nope.pt"))
    assert missing.exit_code == 2 and "nope.pt" in missing.stderr
    folder = invoke("inspect", str(tmp_path))
    assert folder.exit_code == 2
    text = tmp_path / "notes.pt"
    text.write_text("hello, this is text\n")
    h5 = tmp_path / "model.h5"
    h5.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(200))
    for path, words in ((text, "text"), (h5, "not a PyTorch checkpoint")):
        result = run_rnncli("inspect", str(path))
        assert result.returncode == 1
        assert words in result.stderr
        assert "Traceback" not in result.stderr
        assert result.stderr.count("\n") == 1


def test_a_file_without_a_recurrent_module_still_shows_its_tensors(tmp_path):
    path = tmp_path / "cnn.pt"
    torch.save(nn.Sequential(nn.Conv1d(3, 4, 2), nn.BatchNorm1d(4)).state_dict(), path)
    code, data = inspect_json(str(path))
    assert code == 0
    assert any("no recurrent module" in note for note in data["notes"])
    names = [p["name"] for m in data["modules"] for p in m["parameters"]]
    assert "num_batches_tracked" in names and "weight" in names


def test_a_malicious_file_runs_nothing_through_the_command(tmp_path):
    marker = tmp_path / "MARKER"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    path = tmp_path / "evil.pt"
    torch.save({"state_dict": nn.GRU(2, 3).state_dict(), "note": Evil()}, path)
    result = run_rnncli("inspect", str(path), "--json")
    assert not marker.exists()
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {m["kind"] for m in data["modules"]} == {"gru"}
    assert any("system" in name for name in data["file"]["dangerous"])  # named, inert


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cell=st.sampled_from(["rnn", "lstm", "gru"]),
    hidden=st.integers(2, 6),
    layers=st.integers(1, 2),
    bidirectional=st.booleans(),
    bias=st.booleans(),
    way=st.sampled_from(["zip-state-dict", "legacy-state-dict", "zip-whole", "safetensors"]),
)
def test_round_trip_every_way(tmp_path, cell, hidden, layers, bidirectional, bias, way):
    kwargs = {"num_layers": layers, "bidirectional": bidirectional, "bias": bias}
    module = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell](3, hidden, **kwargs)
    path = save_every_way(module, tmp_path / f"{cell}{hidden}{layers}{way}", (way,))[way]
    report = inspect_checkpoint(InspectRequest(checkpoint=path, seq_len=2, batch=1, verify=True))
    (found,) = [m for m in report.modules if m.found.is_recurrent]
    assert found.kind == cell
    assert found.found.config["hidden_size"] == hidden
    assert found.found.config["num_layers"] == layers
    assert found.found.config["bidirectional"] is bidirectional
    assert found.found.config["bias"] is bias
    assert found.inspection.verify.passed
    stack = layers * (2 if bidirectional else 1)
    assert found.inspection.tensors["h_n"].shape == (stack, 1, hidden)


def test_names_from_the_file_cannot_drive_the_terminal(tmp_path):
    path = tmp_path / "esc.pt"
    weights = {f"enc\x1b[2J.{k}": v for k, v in nn.GRU(2, 3).state_dict().items()}
    torch.save({"model": weights, "note\x1b]0;title\x07": "x\x1b[31mred"}, path)
    result = invoke("inspect", str(path), "--seq-len", "2", "--batch", "1", check=True)
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "enc\\x1b[2J.weight_hh_l0" in result.stdout
    assert "x\\x1b[31mred" in result.stdout


def test_code_with_a_difference_says_it_on_stderr(tagger):
    _, path = tagger
    result = invoke("inspect", str(path), "--code", "--hidden", "9")
    assert result.exit_code == 1
    assert "lstm = nn.LSTM(" in result.stdout
    assert "hidden_size: file 8, given 9" in result.stderr
    refused = invoke("inspect", str(path), "--code", "--save", str(path.parent / "x.svg"))
    assert refused.exit_code == 2 and "--save" in refused.stderr


def test_stated_unrecorded_options_are_used_everywhere(tmp_path):
    path = tmp_path / "rnn.pt"
    torch.save(nn.RNN(3, 4).state_dict(), path)
    code, data = inspect_json(
        str(path), "--nonlinearity", "relu", "--batch-first", "--seq-len", "2"
    )
    assert code == 0
    (rnn,) = data["modules"]
    assert rnn["config"]["nonlinearity"] == "relu" and rnn["config"]["batch_first"] is True
    assert rnn["torch"] == "nn.RNN(3, 4, nonlinearity='relu', batch_first=True)"
    assert rnn["inspect"]["model"]["nonlinearity"] == "relu"
    assert any("taken from your options" in note for note in rnn["notes"])
    (note,) = [note for note in rnn["notes"] if "not recorded" in note]
    assert "nonlinearity='relu' from --nonlinearity" in note
    assert note.endswith("torch's defaults assumed for dropout")
    code_out = invoke("inspect", str(path), "--nonlinearity", "relu", "--code", check=True).stdout
    assert "nonlinearity='relu'" in code_out


def test_a_stated_option_the_pickle_records_is_compared(tmp_path):
    path = tmp_path / "whole.pt"
    torch.save(nn.RNN(3, 4, nonlinearity="relu"), path)
    code, data = inspect_json(str(path), "--nonlinearity", "tanh")
    assert code == 1
    (mismatch,) = data["mismatches"]
    assert (mismatch["option"], mismatch["file"], mismatch["given"]) == (
        "nonlinearity",
        "relu",
        "tanh",
    )
    assert "recorded in the file" in mismatch["evidence"]


def test_cells_run_as_the_one_layer_module_that_applies_them(tmp_path):
    path = tmp_path / "cells.pt"
    torch.manual_seed(1)
    cell = nn.LSTMCell(3, 5)
    torch.save(cell.state_dict(), path)
    report = inspect_checkpoint(InspectRequest(checkpoint=path, seq_len=4, batch=2, verify=True))
    (module,) = report.modules
    assert module.kind == "lstmcell"
    assert module.inspection.model.cell == "lstm" and module.inspection.verify.passed
    assert any("applies the cell at every step" in note for note in module.notes)
    assert module.inspection.tensors["output"].shape == (4, 2, 5)
    # The cell stepped by hand gives the layer's last state.
    x = torch.randn(4, 2, 3)
    h = c = torch.zeros(2, 5)
    layer = nn.LSTM(3, 5)
    layer.load_state_dict({f"{k}_l0": v for k, v in cell.state_dict().items()})
    with torch.no_grad():
        for t in range(4):
            h, c = cell(x[t], (h, c))
        _, (h_n, _) = layer(x)
    assert torch.allclose(h_n[0], h, atol=1e-6)


def test_module_runs_only_the_chosen_one(tmp_path):
    path = tmp_path / "two.pt"
    torch.save(
        {"enc.weight_hh_l0": torch.zeros(1)}
        | {
            **{f"a.{k}": v for k, v in nn.LSTM(2, 3).state_dict().items()},
            **{f"b.{k}": v for k, v in nn.GRU(2, 4).state_dict().items()},
        },
        path,
    )
    result = invoke(
        "inspect", str(path), "--module", "b", "--seq-len", "2", "--batch", "1", check=True
    )
    assert "b: nn.GRU(2, 4)" in result.stdout
    assert "a: nn.LSTM(2, 3)" not in result.stdout
    _, data = inspect_json(str(path), "--module", "b")
    a = next(m for m in data["modules"] if m["name"] == "a")
    assert "inspect" not in a and a["run_notes"] == ["not run: --module b was chosen"]


def test_half_precision_weights_say_how_they_were_run(tmp_path):
    path = tmp_path / "half.pt"
    torch.save(nn.GRU(2, 3).half().state_dict(), path)
    report = inspect_checkpoint(InspectRequest(checkpoint=path, seq_len=2, batch=1))
    (module,) = report.modules
    assert module.parameters[0].dtype == "float16"
    assert "the file holds float16; run in float32 (--dtype to change)" in module.notes


def test_a_run_too_big_for_memory_points_at_the_run_shape(tmp_path, monkeypatch):
    from rnncli.rnn import device

    path = tmp_path / "gru.pt"
    torch.save(nn.GRU(2, 3).state_dict(), path)
    monkeypatch.setattr(device, "available_bytes", lambda _device: 1000)
    report = inspect_checkpoint(InspectRequest(checkpoint=path))
    (module,) = report.modules
    assert "smaller --seq-len or --batch" in module.run_error
    assert "--device meta" not in module.run_error
    assert module.health is not None  # the rest still shows


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_any_pickle_protocol_reads_without_torch_warnings(tmp_path, protocol):
    path = tmp_path / f"p{protocol}.pt"
    torch.save(nn.GRU(2, 3).state_dict(), path, pickle_protocol=protocol)
    result = run_rnncli("inspect", str(path), "--json")
    assert result.returncode == 0
    assert result.stderr == ""
    data = json.loads(result.stdout)
    # torch's weights-only unpickler refuses protocol 4's FRAME opcode; rnncli's reads it.
    expected = "weights_only" if protocol == 2 else "restricted-unpickler"
    assert data["file"]["read_with"] == expected
    assert [m["kind"] for m in data["modules"]] == ["gru"]
