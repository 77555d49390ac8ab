"""MAC counts checked against torch's own FLOP counter run over the step-by-step recurrence.

torch's counter sees nothing inside the fused ``aten::lstm``/``gru``/``rnn`` kernels, but it does
count every matrix product of :func:`rnncli.rnn.unroll.unroll`: an independent count of the same
computation, which verify proves equal to torch's.
"""

from __future__ import annotations

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from rnncli.rnn.report import inspect_rnn
from rnncli.rnn.spec import ModelSpec, RunSpec
from rnncli.rnn.unroll import unroll

CASES = [
    (ModelSpec(cell="rnn", input_size=100, hidden_size=20), RunSpec()),
    (ModelSpec(cell="lstm", input_size=7, hidden_size=6, proj_size=3, num_layers=2), RunSpec()),
    (
        ModelSpec(cell="gru", input_size=5, hidden_size=4, bidirectional=True, num_layers=2),
        RunSpec(seq_len=4, batch=2),
    ),
    (
        ModelSpec(cell="lstm", input_size=3, hidden_size=5, batch_first=True, bidirectional=True),
        RunSpec(seq_len=6, batch=5),
    ),
    (ModelSpec(cell="rnn", input_size=3, hidden_size=4, bias=False), RunSpec(seq_len=2, batch=1)),
]


def counted_macs(model: ModelSpec, run: RunSpec) -> int:
    from rnncli.rnn.running import build_module, random_inputs

    module, _ = build_module(model, "cpu", torch.float32)
    x, h0, c0 = random_inputs(model, run, "cpu", torch.float32)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        unroll(model, module, x, h0, c0)
    return counter.get_total_flops() // 2


@pytest.mark.parametrize(("model", "run"), CASES)
def test_macs_equal_torch_flop_counter(model, run):
    assert inspect_rnn(model, run).cost.macs == counted_macs(model, run)


def test_macs_by_hand_for_the_notebook_rnn():
    # 10 steps × batch 3 × (W_ih 20×100 + W_hh 20×20)
    assert inspect_rnn(ModelSpec(), RunSpec()).cost.macs == 10 * 3 * (20 * 100 + 20 * 20)


def test_macs_by_hand_for_lstm_with_projection():
    model = ModelSpec(cell="lstm", input_size=10, hidden_size=8, proj_size=3, num_layers=2)
    layer0 = 4 * 8 * 10 + 4 * 8 * 3 + 3 * 8  # W_ih, W_hh (reads proj), W_hr
    layer1 = 4 * 8 * 3 + 4 * 8 * 3 + 3 * 8  # layer 1 reads layer 0's projected h_t
    cost = inspect_rnn(model, RunSpec(seq_len=5, batch=2)).cost
    assert cost.macs == 5 * 2 * (layer0 + layer1)
    assert cost.layers[1].projection_macs == 5 * 2 * 3 * 8
    assert (cost.pairs, cost.macs_per_pair) == (5 * 2, layer0 + layer1)


def test_memory_counts_parameters_and_activations():
    cost = inspect_rnn(ModelSpec(), RunSpec(dtype="float64")).cost
    assert cost.parameter_bytes == 2440 * 8
    # input + h0 + output + h_n
    assert cost.tensor_bytes == (10 * 3 * 100 + 3 * 20 + 10 * 3 * 20 + 3 * 20) * 8
    assert cost.total_bytes == cost.parameter_bytes + cost.tensor_bytes + cost.workspace_bytes


def real_text_tensors(texts, model: ModelSpec, dtype, pack: bool, output_size: int) -> dict:
    """Every tensor of a text run, made with torch directly as a notebook would."""
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    from rnncli.rnn.text_batch import make_batch

    batch = make_batch(texts)
    lengths = batch.lengths
    ids = torch.tensor(batch.padded_ids(), dtype=torch.long)
    token_ids = ids if model.batch_first else ids.T.contiguous()
    embedding = torch.nn.Embedding(len(batch.vocab), model.input_size, dtype=dtype)
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[model.cell]
    module = cls(**model.torch_kwargs(), dtype=dtype).eval()
    stack = model.num_layers * model.num_directions
    h0 = torch.zeros(stack, len(texts), model.state_size, dtype=dtype)
    c0 = torch.zeros(stack, len(texts), model.hidden_size, dtype=dtype)
    states = (h0, c0) if model.cell == "lstm" else h0
    with torch.no_grad():
        embedded = embedding(token_ids)
        tensors = {"token_ids": token_ids, "embedded": embedded, "h0": h0}
        x = embedded
        if pack:
            x = pack_padded_sequence(
                embedded, lengths, batch_first=model.batch_first, enforce_sorted=False
            )
            tensors["packed_input"] = x.data
        out, last = module(x, states)
        if pack:
            tensors["packed_output"] = out.data
            out, _ = pad_packed_sequence(out, batch_first=model.batch_first)
        tensors["output"] = out
        if model.cell == "lstm":
            tensors.update(c0=c0, h_n=last[0], c_n=last[1])
        else:
            tensors["h_n"] = last
        if output_size:
            tensors["y"] = torch.nn.Linear(out.shape[-1], output_size, dtype=dtype)(out)
    return tensors


@pytest.mark.parametrize(
    ("cell", "dtype", "pack", "output_size"),
    [
        ("rnn", "float16", False, 0),
        ("lstm", "float64", True, 3),
        ("gru", "bfloat16", True, 0),
        ("lstm", "float32", False, 2),
    ],
)
def test_tensor_bytes_size_each_tensor_by_its_own_dtype(cell, dtype, pack, output_size):
    from rnncli.rnn.text_plan import plan_text

    texts = ["the cat sat", "a dog"]
    plan = plan_text(texts, embed_dim=3)
    model = ModelSpec(cell=cell, input_size=3, hidden_size=4)
    report = inspect_rnn(model, RunSpec(dtype=dtype), text=plan, pack=pack, output_size=output_size)
    real = real_text_tensors(texts, model, getattr(torch, dtype), pack, output_size)
    assert set(report.tensors) == set(real)
    assert report.tensors["token_ids"].dtype == "int64"
    for name, t in real.items():
        assert report.tensors[name].nbytes == t.element_size() * t.numel(), name
    assert report.cost.tensor_bytes == sum(t.element_size() * t.numel() for t in real.values())


def test_tensor_bytes_of_the_review_example():
    # --text "the cat sat" --text "a dog" --hidden 4 --embed-dim 3 --dtype float16: the int64
    # token ids [3, 2] are 48 bytes, not 12; the float16 tensors 36 + 16 + 48 + 16.
    from rnncli.rnn.text_plan import plan_text

    plan = plan_text(["the cat sat", "a dog"], embed_dim=3)
    report = inspect_rnn(
        ModelSpec(input_size=3, hidden_size=4), RunSpec(dtype="float16"), text=plan
    )
    assert report.cost.tensor_bytes == 164


@pytest.mark.parametrize("batch_first", [False, True])
def test_packed_output_layer_counts_and_runs_real_steps_only(batch_first, monkeypatch):
    from rnncli.rnn import device
    from rnncli.rnn.text_plan import plan_text

    texts = ["the cat sat", "a dog", "a b c d"]
    plan = plan_text(texts, embed_dim=3)
    model = ModelSpec(input_size=3, hidden_size=4, batch_first=batch_first)
    monkeypatch.setattr(device, "check_dtype_runs", lambda *args: None)  # its tiny probe run
    # torch's FLOP counter over the whole packed run: the recurrence on PackedSequence data and
    # the output layer are all the matrix products there are
    with FlopCounterMode(display=False) as counter:
        report = inspect_rnn(model, RunSpec(), text=plan, pack=True, output_size=9)
    lengths = [3, 2, 4]
    assert report.cost.output_macs == sum(lengths) * 9 * 4 == 324
    assert report.cost.macs == sum(lengths) * (4 * 3 + 4 * 4) + 324
    assert counter.get_total_flops() == 2 * report.cost.macs
    assert (report.cost.pairs, report.cost.macs_per_pair) == (sum(lengths), 4 * 3 + 4 * 4)
    assert report.cost.recurrence_macs == report.cost.macs - 324
    padded = inspect_rnn(model, RunSpec(), text=plan, pack=False, output_size=9)
    assert padded.cost.output_macs == 4 * 3 * 9 * 4
    assert (padded.cost.pairs, padded.cost.macs_per_pair) == (4 * 3, 4 * 3 + 4 * 4)
    assert any("output layer runs on PackedSequence.data" in n for n in report.notes)


def test_packed_y_is_the_output_layer_at_real_steps_and_zero_at_padding(monkeypatch):
    from rnncli.rnn import text_run
    from rnncli.rnn.text_plan import plan_text

    captured = {}
    real = text_run.apply_output_layer

    def keep(model, layer, output, packed_out=None, total_length=0):
        captured.update(layer=layer, output=output)
        captured["y"] = real(model, layer, output, packed_out, total_length)
        return captured["y"]

    monkeypatch.setattr(text_run, "apply_output_layer", keep)
    plan = plan_text(["the cat sat", "a dog"], embed_dim=3)
    inspect_rnn(ModelSpec(input_size=3, hidden_size=4), text=plan, pack=True, output_size=2)
    y, output = captured["y"], captured["output"]
    with torch.no_grad():
        expected = captured["layer"](output)
    assert torch.allclose(y[:, 0], expected[:, 0])  # "the cat sat": 3 real steps
    assert torch.allclose(y[:2, 1], expected[:2, 1])  # "a dog": 2 real steps
    assert torch.count_nonzero(y[2:, 1]) == 0  # padding: not computed, so not b_y
