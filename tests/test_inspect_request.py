"""One validated request for `inspect`, and the pipeline of stages that runs it."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from helpers.strategies import model_specs
from hypothesis import given, settings
from hypothesis import strategies as st

from rnncli.errors import UsageError
from rnncli.rnn import pipeline
from rnncli.rnn.report import inspect_rnn
from rnncli.rnn.request import InspectRequest
from rnncli.rnn.spec import DEFAULT_BATCH, DEFAULT_INPUT_SIZE, DEFAULT_SEQ_LEN, RunSpec


def test_defaults_are_the_notebook():
    request = InspectRequest()
    assert request.model_spec().input_size == DEFAULT_INPUT_SIZE == 100
    assert request.model_spec().hidden_size == 20
    run = request.run_spec()
    assert (run.seq_len, run.batch) == (DEFAULT_SEQ_LEN, DEFAULT_BATCH) == (10, 3)


@pytest.mark.parametrize(
    ("kwargs", "option", "words"),
    [
        ({"seed": -1}, "--seed", "2**64 - 1"),
        ({"dtype": "int8"}, "--dtype", "float32"),
        ({"device": "tpu"}, "--device", "meta"),
        ({"output_size": -2}, "--output-size", "positive"),
        ({"texts": ("a b",), "seq_len": 4}, "--seq-len", "comes from the text"),
        ({"texts": ("a b",), "batch": 2}, "--batch", "comes from the text"),
        ({"texts": ("a b",), "device": "meta"}, "--device", "real numbers"),
        ({"texts": ("a b",), "embed_dim": 8, "vectors": "6B.50d"}, "--embed-dim", "not both"),
        ({"texts": ("a b",), "embed_dim": 8, "input_size": 9}, "--input", "disagree"),
        ({"texts": ("a b",), "embed_dim": 0}, "--embed-dim", "positive"),
        ({"vocab": "v.json"}, "--vocab", "add --text"),
        ({"embed_dim": 5}, "--embed-dim", "add --text"),
        ({"vectors": "6B.50d"}, "--vectors", "add --text"),
        ({"pack": True}, "--pack", "add --text"),
        ({"verify": True, "device": "meta"}, "--verify", "real numbers"),
        ({"cell": "lstm", "nonlinearity": "relu"}, "--nonlinearity", "only the rnn cell"),
        ({"cell": "gru", "proj_size": 2}, "--proj-size", "only lstm"),
        ({"hidden_size": 0}, "--hidden", "positive"),
        ({"seq_len": 0}, "--seq-len", "positive"),
        ({"batch": -1}, "--batch", "positive"),
        ({"dropout": 1.0}, "--dropout", "[0, 1)"),
    ],
)
def test_every_rule_is_checked_when_the_request_is_made(kwargs, option, words):
    with pytest.raises(UsageError) as caught:
        InspectRequest(**kwargs)
    assert caught.value.option == option
    assert words in str(caught.value)


def test_a_request_is_checked_before_any_file_is_read(tmp_path):
    missing = tmp_path / "no-such-vocab.json"
    # The rule between options wins over the missing file: no file was opened to find it.
    with pytest.raises(UsageError, match="--seq-len"):
        InspectRequest(texts=("a b",), vocab=missing, seq_len=3)


@settings(max_examples=25, deadline=None)
@given(spec=model_specs(), seq_len=st.integers(1, 4), batch=st.integers(1, 3))
def test_a_request_runs_the_same_module_as_the_specs(spec, seq_len, batch):
    fields = {f.name: getattr(spec, f.name) for f in dataclasses.fields(spec)}
    fields.pop("input_size")
    request = InspectRequest(input_size=spec.input_size, seq_len=seq_len, batch=batch, **fields)
    assert request.model_spec() == spec
    by_request = pipeline.inspect(request).to_dict()
    by_specs = inspect_rnn(spec, RunSpec(seq_len=seq_len, batch=batch)).to_dict()
    assert by_request == by_specs


def test_stages_are_named_and_meta_skips_the_real_run():
    real = pipeline.Inspection(model=InspectRequest().model_spec(), run=RunSpec())
    meta = pipeline.Inspection(model=InspectRequest().model_spec(), run=RunSpec(device="meta"))
    names = [stage.__name__ for stage in pipeline.stages_for(real)]
    assert names == [
        "describe_parameters",
        "check_memory",
        "build_module",
        "make_input",
        "forward",
        "read_tensors",
        "time_run",
        "unroll",
        "backpropagate",
        "measure_cost",
    ]
    assert [s.__name__ for s in pipeline.stages_for(meta)] == [
        "describe_parameters",
        "meta_tensors",
        "measure_cost",
    ]


def test_weights_are_loaded_and_the_run_uses_them():
    request = InspectRequest(cell="lstm", input_size=5, hidden_size=4, num_layers=2, verify=True)
    torch.manual_seed(123)
    trained = torch.nn.LSTM(5, 4, num_layers=2)
    weights = {k: v.detach() + 0.5 for k, v in trained.state_dict().items()}
    state = pipeline.Inspection(
        model=request.model_spec(), run=request.run_spec(), check=True, weights=weights
    )
    report = pipeline.run_inspection(state)
    for name, tensor in state.module.state_dict().items():
        assert torch.equal(tensor, weights[name])
    assert report.verify is not None and report.verify.passed
    # The same input through torch's own module with those weights gives the same output.
    reference = torch.nn.LSTM(5, 4, num_layers=2)
    reference.load_state_dict(weights)
    x, h0, c0 = state.inputs
    with torch.no_grad():
        expected, _ = reference(x, (h0, c0))
    assert torch.allclose(state.results[0], expected)


def test_weights_that_do_not_fit_are_refused_by_torch():
    request = InspectRequest(cell="gru", input_size=3, hidden_size=2)
    wrong = torch.nn.GRU(3, 5).state_dict()
    with pytest.raises(RuntimeError, match="size mismatch"):
        pipeline.inspect(request, weights=wrong)
