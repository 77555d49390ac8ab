"""`--device meta` is cheap at any length, and its shapes are the ones torch gives on cpu.

The meta run probes 1, 2 and 3 steps and extends the sequence dimension linearly
(:mod:`rnncli.rnn.meta_shapes`); every shape is compared here with a real cpu forward pass of the
same configuration, built with torch directly.
"""

from __future__ import annotations

import pytest
import torch
from helpers.cli import run_rnncli
from helpers.strategies import model_specs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnncli.rnn.meta_shapes import PROBE_STEPS, extend
from rnncli.rnn.report import inspect_rnn
from rnncli.rnn.spec import ModelSpec, RunSpec


@st.composite
def configurations(draw):
    model = draw(model_specs())
    seq_len = draw(st.one_of(st.integers(1, 5), st.integers(6, 60)))
    batch = draw(st.integers(1, 5))
    output_size = draw(st.sampled_from([0, 0, 1, 4]))
    return model, seq_len, batch, output_size


def cpu_shapes(model: ModelSpec, seq_len: int, batch: int, output_size: int) -> dict:
    """The tensors of a real cpu run, built as a notebook would, without rnncli's code."""
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[model.cell]
    module = cls(**model.torch_kwargs()).eval()
    shape = (batch, seq_len) if model.batch_first else (seq_len, batch)
    x = torch.randn(*shape, model.input_size)
    stack = model.num_layers * model.num_directions
    h0 = torch.zeros(stack, batch, model.proj_size or model.hidden_size)
    shapes = {"input": x.shape, "h0": h0.shape}
    with torch.no_grad():
        if model.cell == "lstm":
            c0 = torch.zeros(stack, batch, model.hidden_size)
            output, (h_n, c_n) = module(x, (h0, c0))
            shapes.update(c0=c0.shape, c_n=c_n.shape)
        else:
            output, h_n = module(x, h0)
        shapes.update(output=output.shape, h_n=h_n.shape)
        if output_size:
            shapes["y"] = torch.nn.Linear(output.shape[-1], output_size)(output).shape
    return {name: list(s) for name, s in shapes.items()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configurations())
def test_meta_shapes_equal_a_real_cpu_run(config):
    model, seq_len, batch, output_size = config
    run = RunSpec(seq_len=seq_len, batch=batch, device="meta")
    meta = inspect_rnn(model, run, output_size=output_size).to_dict()
    assert meta["tensors"] == cpu_shapes(model, seq_len, batch, output_size)
    # and the same report as a cpu run of rnncli itself: shapes, dims, counts and bytes
    cpu = inspect_rnn(model, RunSpec(seq_len=seq_len, batch=batch), output_size=output_size)
    cpu_data = cpu.to_dict()
    for key in ("tensors", "tensor_dims", "cost", "parameters", "total_parameters"):
        assert meta[key] == cpu_data[key], key


def test_meta_never_steps_through_the_real_length(monkeypatch):
    seen = []
    real = torch.nn.LSTM.forward

    def spy(self, x, hx=None):
        seen.append(x.shape[1 if self.batch_first else 0])
        return real(self, x, hx)

    monkeypatch.setattr(torch.nn.LSTM, "forward", spy)
    model = ModelSpec(cell="lstm", input_size=8, hidden_size=6, num_layers=2, bidirectional=True)
    report = inspect_rnn(model, RunSpec(seq_len=10_000_000, batch=1000, device="meta"))
    assert seen and max(seen) <= PROBE_STEPS[-1]
    assert report.tensors["output"].shape == (10_000_000, 1000, 12)
    assert report.tensors["h_n"].shape == (4, 1000, 6)


@pytest.mark.parametrize(
    ("one", "two", "steps", "expected"),
    [
        ((1, 3, 5), (2, 3, 5), 7, (7, 3, 5)),
        ((4, 1, 2), (4, 2, 2), 9, (4, 9, 2)),
        ((2,), (2,), 5, (2,)),
    ],
)
def test_extend_changes_only_the_sequence_dimension(one, two, steps, expected):
    assert extend(one, two, steps) == expected


def test_meta_long_run_through_the_real_entry_point():
    # 10 million steps × batch 1000 ran for 10+ minutes (6 GB) before the probe runs.
    result = run_rnncli(
        "inspect", "--seq-len", "10000000", "--batch", "1000", "--device", "meta", "--json"
    )
    assert result.returncode == 0, result.stderr
    import json

    data = json.loads(result.stdout)
    assert data["tensors"]["input"] == [10_000_000, 1000, 100]
    assert data["macs"] == 10_000_000 * 1000 * (20 * 100 + 20 * 20)


def test_text_with_meta_is_refused_before_anything_runs():
    from rnncli.errors import UsageError
    from rnncli.rnn.text_plan import plan_text

    plan = plan_text(["the cat sat", "a dog"], embed_dim=3)
    with pytest.raises(UsageError) as info:
        inspect_rnn(ModelSpec(input_size=3), RunSpec(device="meta"), text=plan)
    assert info.value.option == "--device"
