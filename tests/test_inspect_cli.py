"""`rnncli inspect` through typer's test runner and through the real entry point."""

from __future__ import annotations

import json

import pytest
from helpers.cli import invoke, run_rnncli


def test_notebook_command_exactly_as_typed():
    result = run_rnncli("inspect", "--input", "100", "--hidden", "20")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "RNN(100, 20)" in out
    for row in ("weight_ih_l0", "[20, 100]", "weight_hh_l0", "[20, 20]", "bias_ih_l0"):
        assert row in out
    assert "[seq_len=10, batch=3, input=100]" in out
    assert "[seq_len=10, batch=3, hidden=20]" in out
    assert "h_t = tanh(x_t·W_ihᵀ + b_ih + h_(t-1)·W_hhᵀ + b_hh)" in out
    assert "72,000" in out  # MACs: 10 × 3 × (2000 + 400)
    assert result.stderr == ""


def test_json_is_one_object_with_the_documented_keys():
    result = invoke("inspect", "--input", "100", "--hidden", "20", "--json", "--verify")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["model"] == {
        "cell": "rnn",
        "input_size": 100,
        "hidden_size": 20,
        "num_layers": 1,
        "nonlinearity": "tanh",
        "bias": True,
        "batch_first": False,
        "dropout": 0.0,
        "bidirectional": False,
        "proj_size": 0,
    }
    assert data["parameters"][0] == {
        **data["parameters"][0],
        "name": "weight_ih_l0",
        "shape": [20, 100],
        "numel": 2000,
    }
    assert data["total_parameters"] == 2440
    assert data["tensors"] == {
        "input": [10, 3, 100],
        "h0": [1, 3, 20],
        "output": [10, 3, 20],
        "h_n": [1, 3, 20],
    }
    assert data["macs"] == 72000
    assert data["verify"]["max_abs_error"] <= 1e-5


def test_json_lstm_has_cell_states_and_no_verify_unless_asked():
    result = invoke("inspect", "--cell", "LSTM", "--proj-size", "5", "--json")
    data = json.loads(result.stdout)
    assert data["tensors"]["c0"] == [1, 3, 20]
    assert data["tensors"]["h_n"] == [1, 3, 5]
    assert data["model"]["nonlinearity"] is None
    assert "verify" not in data


def test_json_through_a_pipe_is_plain_even_with_force_color():
    result = run_rnncli("inspect", "--json", env={"FORCE_COLOR": "1"})
    assert result.returncode == 0
    assert "\x1b[" not in result.stdout
    assert json.loads(result.stdout)["total_parameters"] == 2440


def test_meta_big_model_answers_quickly_and_small():
    result = run_rnncli(
        "inspect",
        "--cell",
        "lstm",
        "--input",
        "100000",
        "--hidden",
        "100000",
        "--layers",
        "8",
        "--device",
        "meta",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["total_parameters"] == 8 * (4 * 100_000 * 200_000 + 8 * 100_000)
    assert data["tensors"]["output"] == [10, 3, 100_000]


def test_big_model_without_meta_is_refused_with_exit_1():
    result = run_rnncli(
        "inspect", "--cell", "lstm", "--input", "100000", "--hidden", "100000", "--layers", "8"
    )
    assert result.returncode == 1
    assert "--device meta" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_verify_prints_the_proof():
    result = invoke("inspect", "--cell", "gru", "--bidirectional", "--layers", "2", "--verify")
    assert result.exit_code == 0
    assert "PASS" in result.stdout
    assert "r_t = σ(" in result.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--hidden", "0"], "--hidden"),
        (["--input", "-5"], "--input"),
        (["--layers", "0"], "--layers"),
        (["--hidden", "abc"], "--hidden"),
        (["--seq-len", "0"], "--seq-len"),
        (["--batch", "0"], "--batch"),
        (["--proj-size", "5"], "--proj-size"),
        (["--cell", "gru", "--proj-size", "5"], "--proj-size"),
        (["--cell", "lstm", "--proj-size", "20"], "--proj-size"),
        (["--cell", "lstm", "--nonlinearity", "relu"], "--nonlinearity"),
        (["--nonlinearity", "sigmoid"], "--nonlinearity"),
        (["--dropout", "1"], "--dropout"),
        (["--dropout", "-0.5"], "--dropout"),
        (["--cell", "transformer"], "--cell"),
        (["--dtype", "int8"], "--dtype"),
        (["--device", "tpu"], "--device"),
        (["--device", "meta", "--verify"], "--verify"),
    ],
)
def test_usage_mistakes_exit_2_with_one_line(args, needle):
    result = invoke("inspect", *args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("rnncli: error:")
    assert needle in lines[0]
    assert result.stdout == ""


def test_usage_mistake_through_the_real_entry_point():
    result = run_rnncli("inspect", "--hidden", "0")
    assert result.returncode == 2
    assert result.stderr == "rnncli: error: --hidden: must be a positive integer, got 0\n"


def test_cuda_without_cuda(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    result = invoke("inspect", "--device", "cuda")
    assert result.exit_code == 2
    assert "CUDA is not available" in result.stderr


def test_dropout_with_one_layer_warns_on_stderr_and_still_runs():
    result = invoke("inspect", "--dropout", "0.5", "--json")
    assert result.exit_code == 0
    assert "rnncli: warning:" in result.stderr and "num_layers" in result.stderr
    assert json.loads(result.stdout)["model"]["dropout"] == 0.5


def test_failures_have_no_traceback_unless_debug():
    args = ("inspect", "--hidden", "100000", "--input", "100000", "--layers", "30")
    quiet = run_rnncli(*args)
    assert quiet.returncode == 1 and "Traceback" not in quiet.stderr
    loud = run_rnncli(*args, env={"RNNCLI_DEBUG": "1"})
    assert loud.returncode == 1 and "Traceback" in loud.stderr


def test_python_dash_m_and_version():
    result = run_rnncli("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("rnncli ")
