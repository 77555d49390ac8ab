"""The inspect report against torch itself, over random configurations of every option."""

from __future__ import annotations

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnncli.errors import RnncliError, UsageError
from rnncli.rnn.report import inspect_rnn
from rnncli.rnn.spec import ModelSpec, RunSpec


@st.composite
def configurations(draw):
    cell = draw(st.sampled_from(["rnn", "lstm", "gru"]))
    hidden = draw(st.integers(2, 9))
    layers = draw(st.integers(1, 3))
    model = ModelSpec(
        cell=cell,
        input_size=draw(st.integers(1, 9)),
        hidden_size=hidden,
        num_layers=layers,
        nonlinearity=draw(st.sampled_from(["tanh", "relu"])) if cell == "rnn" else None,
        bias=draw(st.booleans()),
        batch_first=draw(st.booleans()),
        dropout=draw(st.sampled_from([0.0, 0.25])) if layers > 1 else 0.0,
        bidirectional=draw(st.booleans()),
        proj_size=draw(st.integers(0, hidden - 1)) if cell == "lstm" else 0,
    )
    run = RunSpec(
        seq_len=draw(st.integers(1, 6)),
        batch=draw(st.integers(1, 4)),
        seed=draw(st.integers(0, 2**16)),
        dtype=draw(st.sampled_from(["float32", "float64"])),
    )
    return model, run


def torch_module(model: ModelSpec, run: RunSpec):
    """The module as a user would build it in a notebook, independent of rnncli's code."""
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[model.cell]
    torch.manual_seed(run.seed)
    return cls(**model.torch_kwargs(), dtype=getattr(torch, run.dtype)).eval()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configurations())
def test_report_matches_torch(config):
    model, run = config
    report = inspect_rnn(model, run, check=True)
    module = torch_module(model, run)

    expected = [(n, list(p.shape), p.numel()) for n, p in module.named_parameters()]
    got = [(p["name"], p["shape"], p["numel"]) for p in report.to_dict()["parameters"]]
    assert got == expected
    assert report.total_parameters == sum(p.numel() for p in module.parameters())

    # The tensor shapes equal those of a real forward pass done here.
    dtype = getattr(torch, run.dtype)
    seq = (run.batch, run.seq_len) if model.batch_first else (run.seq_len, run.batch)
    x = torch.randn(*seq, model.input_size, dtype=dtype)
    stack = model.num_layers * (2 if model.bidirectional else 1)
    h0 = torch.zeros(stack, run.batch, model.proj_size or model.hidden_size, dtype=dtype)
    tensors = report.to_dict()["tensors"]
    if model.cell == "lstm":
        c0 = torch.zeros(stack, run.batch, model.hidden_size, dtype=dtype)
        out, (h_n, c_n) = module(x, (h0, c0))
        assert tensors["c0"] == list(c0.shape)
        assert tensors["c_n"] == list(c_n.shape)
    else:
        out, h_n = module(x, h0)
        assert "c0" not in tensors and "c_n" not in tensors
    assert tensors["input"] == list(x.shape)
    assert tensors["h0"] == list(h0.shape)
    assert tensors["output"] == list(out.shape)
    assert tensors["h_n"] == list(h_n.shape)

    # The step-by-step recurrence reproduces torch's kernel.
    assert report.verify is not None and report.verify.passed, report.verify
    if run.dtype == "float32" and model.nonlinearity != "relu":
        assert report.verify.max_abs_error <= 1e-5


def test_notebook_defaults():
    """`inspect` with no options is the notebook's cell: RNN(100, 20) on randn(10, 3, 100)."""
    data = inspect_rnn(ModelSpec(), RunSpec(), check=True).to_dict()
    assert data["module"] == "RNN(100, 20)"
    assert [(p["name"], p["shape"]) for p in data["parameters"]] == [
        ("weight_ih_l0", [20, 100]),
        ("weight_hh_l0", [20, 20]),
        ("bias_ih_l0", [20]),
        ("bias_hh_l0", [20]),
    ]
    assert data["total_parameters"] == 2440
    assert data["tensors"] == {
        "input": [10, 3, 100],
        "h0": [1, 3, 20],
        "output": [10, 3, 20],
        "h_n": [1, 3, 20],
    }
    assert data["verify"]["max_abs_error"] <= 1e-5


def test_seeded_module_is_the_notebooks():
    """The weights rnncli runs are those of torch.manual_seed(seed); nn.RNN(...)."""
    from rnncli.rnn.running import build_module

    torch.manual_seed(7)
    mine, _ = build_module(ModelSpec(), "cpu", torch.float32)
    torch.manual_seed(7)
    theirs = torch.nn.RNN(100, 20)
    assert torch.equal(mine.weight_ih_l0, theirs.weight_ih_l0)


def test_dimension_names_explain_lstm_projection():
    model = ModelSpec(
        cell="lstm", input_size=10, hidden_size=8, num_layers=2, proj_size=3, bidirectional=True
    )
    report = inspect_rnn(model, RunSpec(device="meta"))
    dims = {p.name: p.dims_text for p in report.parameters}
    assert dims["weight_ih_l0"] == "4·hidden × input"
    assert dims["weight_hh_l0"] == "4·hidden × proj"
    assert dims["weight_hr_l0"] == "proj × hidden"
    assert dims["weight_ih_l1_reverse"] == "4·hidden × 2·proj"
    assert report.tensors["output"].dims_text == "[seq_len=10, batch=3, 2·proj=6]"
    assert report.tensors["c_n"].dims_text == "[layers·dirs=4, batch=3, hidden=8]"


def test_batch_first_moves_batch_in_input_and_output_only():
    model = ModelSpec(cell="gru", input_size=4, hidden_size=5, batch_first=True)
    report = inspect_rnn(model, RunSpec(seq_len=7, batch=2))
    assert report.tensors["input"].shape == (2, 7, 4)
    assert report.tensors["output"].shape == (2, 7, 5)
    assert report.tensors["h0"].shape == (1, 2, 5)
    assert any("batch_first" in note for note in report.notes)


def test_meta_device_allocates_nothing_and_still_counts():
    model = ModelSpec(cell="lstm", input_size=100_000, hidden_size=100_000, num_layers=8)
    report = inspect_rnn(model, RunSpec(device="meta"))
    # 8 layers of 4·H·(in + H) weights and two 4·H biases.
    expected = 8 * (4 * 100_000 * 200_000 + 2 * 4 * 100_000)
    assert report.total_parameters == expected
    assert report.tensors["c_n"].shape == (8, 3, 100_000)
    assert report.cost.macs == 10 * 3 * 8 * 4 * 100_000 * 200_000


def test_refuses_a_run_that_does_not_fit():
    with pytest.raises(RnncliError, match="--device meta") as info:
        inspect_rnn(ModelSpec(hidden_size=1000), RunSpec(), available_bytes=lambda _: 1000)
    assert "needs about" in str(info.value)
    assert not isinstance(info.value, UsageError)


def test_verify_needs_real_numbers():
    with pytest.raises(UsageError, match="--verify"):
        inspect_rnn(ModelSpec(), RunSpec(device="meta"), check=True)


def test_dropout_with_one_layer_is_torchs_warning():
    report = inspect_rnn(ModelSpec(dropout=0.5), RunSpec(device="meta"))
    assert any("num_layers greater than 1" in w for w in report.warnings)


def test_dtype_the_device_cannot_run(monkeypatch):
    """A missing kernel is a usage error naming --dtype, found by probing torch."""
    real_forward = torch.nn.RNN.forward

    def no_kernel(self, x, *args, **kwargs):
        if x.device.type == "meta":  # shapes still work: only the real kernel is missing
            return real_forward(self, x, *args, **kwargs)
        raise RuntimeError("\"rnn_tanh\" not implemented for 'Half'")

    monkeypatch.setattr(torch.nn.RNN, "forward", no_kernel)
    with pytest.raises(UsageError, match=r"--dtype.*float16.*not implemented"):
        inspect_rnn(ModelSpec(), RunSpec(dtype="float16"))


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_cuda_is_a_usage_error():
    with pytest.raises(UsageError, match=r"--device.*CUDA is not available"):
        inspect_rnn(ModelSpec(), RunSpec(device="cuda"))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_cuda_run_verifies(cell):
    report = inspect_rnn(ModelSpec(cell=cell), RunSpec(device="cuda"), check=True)
    assert report.verify.passed
    assert report.tensors["output"].shape == (10, 3, 20)


@pytest.mark.parametrize(
    ("kwargs", "option"),
    [
        ({"input_size": 0}, "--input"),
        ({"hidden_size": -3}, "--hidden"),
        ({"num_layers": 0}, "--layers"),
        ({"cell": "gru", "proj_size": 2}, "--proj-size"),
        ({"cell": "rnn", "proj_size": 2}, "--proj-size"),
        ({"cell": "lstm", "proj_size": 20}, "--proj-size"),
        ({"cell": "lstm", "nonlinearity": "relu"}, "--nonlinearity"),
        ({"dropout": 1.0}, "--dropout"),
        ({"dropout": -0.1}, "--dropout"),
        ({"cell": "transformer"}, "--cell"),
    ],
)
def test_bad_model_options(kwargs, option):
    with pytest.raises(UsageError) as info:
        ModelSpec(**kwargs)
    assert info.value.option == option
    assert str(info.value).startswith(option)


@pytest.mark.parametrize(
    ("kwargs", "option"),
    [({"seq_len": 0}, "--seq-len"), ({"batch": -1}, "--batch"), ({"dtype": "int8"}, "--dtype")],
)
def test_bad_run_options(kwargs, option):
    with pytest.raises(UsageError) as info:
        RunSpec(**kwargs)
    assert info.value.option == option
