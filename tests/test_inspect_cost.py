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


def test_memory_counts_parameters_and_activations():
    cost = inspect_rnn(ModelSpec(), RunSpec(dtype="float64")).cost
    assert cost.parameter_bytes == 2440 * 8
    # input + h0 + output + h_n
    assert cost.tensor_bytes == (10 * 3 * 100 + 3 * 20 + 10 * 3 * 20 + 3 * 20) * 8
    assert cost.total_bytes == cost.parameter_bytes + cost.tensor_bytes + cost.workspace_bytes
