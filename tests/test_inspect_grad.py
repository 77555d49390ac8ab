"""`inspect --grad`: gradients through time against torch autograd, computed here independently.

The reference builds the module and input in the notebook's order (seed, module, input), copies
both to float64, backpropagates ``L`` through torch's own module, and gets ``‖∂L/∂h_t‖`` from its
own step loop over torch's cell kernels (``torch.rnn_tanh_cell``, ``torch.lstm_cell``, ...),
not from rnncli's unrolled recurrence.
"""

from __future__ import annotations

import copy
import json
import math

import pytest
import torch
from helpers.cli import invoke
from helpers.strategies import model_specs
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnncli.errors import UsageError
from rnncli.rnn import pipeline
from rnncli.rnn.gradients import decay_figures
from rnncli.rnn.request import InspectRequest
from rnncli.rnn.spec import ModelSpec

REL = 1e-9  # float64 through two different kernels


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL, abs_tol=1e-300)


def _module_and_input(spec: ModelSpec, seq_len: int, batch: int, seed: int = 0):
    """As the pipeline makes them: seed, then the module, then ``randn`` input."""
    torch.manual_seed(seed)
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[spec.cell]
    module = cls(**spec.torch_kwargs()).eval()
    shape = (
        (batch, seq_len, spec.input_size) if spec.batch_first else (seq_len, batch, spec.input_size)
    )
    return module, torch.randn(shape)


def _loss(spec, output, lengths):
    return sum(
        (output[b, n - 1] if spec.batch_first else output[n - 1, b]).sum()
        for b, n in enumerate(lengths)
    )


def _reference_torch(spec, module, x, lengths, pack):
    """‖∂L/∂x_t‖ per step and each parameter's gradient norm, through torch's module in float64."""
    m = copy.deepcopy(module).double()
    x = x.detach().double().requires_grad_(True)
    inp = x
    if pack:
        inp = pack_padded_sequence(x, lengths, batch_first=spec.batch_first, enforce_sorted=False)
    out = m(inp)[0]
    if pack:
        out, _ = pad_packed_sequence(out, batch_first=spec.batch_first, total_length=max(lengths))
    _loss(spec, out, lengths).backward()
    steps_dim = 1 if spec.batch_first else 0
    g = x.grad
    input_norms = [float(g.select(steps_dim, t).norm()) for t in range(g.shape[steps_dim])]
    params = {
        n: float(p.grad.norm()) if p.grad is not None else 0.0 for n, p in m.named_parameters()
    }
    return input_norms, params


def _cell_step(spec, m, layer, suffix, x_t, h, c):
    w = {
        n: getattr(m, f"{n}_l{layer}{suffix}", None)
        for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
    }
    args = (w["weight_ih"], w["weight_hh"], w["bias_ih"], w["bias_hh"])
    if spec.cell == "rnn":
        cell = torch.rnn_tanh_cell if spec.nonlinearity == "tanh" else torch.rnn_relu_cell
        return cell(x_t, h, *args), None
    if spec.cell == "gru":
        return torch.gru_cell(x_t, h, *args), None
    if w["weight_hr"] is None:
        return torch.lstm_cell(x_t, (h, c), *args)
    # torch.lstm_cell wants h as wide as c: feed the projected h beside x, through one matrix.
    wide = torch.cat([w["weight_ih"], w["weight_hh"]], dim=1)
    no_h = torch.zeros_like(c)
    no_w = torch.zeros(wide.shape[0], c.shape[1], dtype=c.dtype)
    h, c = torch.lstm_cell(torch.cat([x_t, h], dim=1), (no_h, c), wide, no_w, *args[2:])
    return h @ w["weight_hr"].T, c


def _reference_hidden(spec, module, x, lengths, pack):
    """‖∂L/∂h_t‖ per layer and direction from a step loop over torch's cell kernels."""
    m = copy.deepcopy(module).double()
    x = x.detach().double()
    if spec.batch_first:
        x = x.transpose(0, 1)
    seq_len, batch = x.shape[0], x.shape[1]
    dirs = ("", "_reverse") if spec.bidirectional else ("",)
    groups = [[b] for b in range(batch)] if pack else [list(range(batch))]
    squares = {}
    for group in groups:
        steps = max(lengths[b] for b in group)
        layer_in = x[:steps, group]
        states = {}
        for layer in range(spec.num_layers):
            outs = []
            for suffix in dirs:
                h = torch.zeros(len(group), spec.proj_size or spec.hidden_size, dtype=torch.float64)
                c = torch.zeros(len(group), spec.hidden_size, dtype=torch.float64)
                hs = [None] * steps
                order = range(steps - 1, -1, -1) if suffix else range(steps)
                for t in order:
                    h, c = _cell_step(spec, m, layer, suffix, layer_in[t], h, c)
                    hs[t] = h
                states[f"l{layer}{suffix}"] = hs
                outs.append(torch.stack(hs))
            layer_in = torch.cat(outs, dim=2)
        loss = sum(layer_in[lengths[b] - 1, i].sum() for i, b in enumerate(group))
        names = list(states)
        flat = [h for n in names for h in states[n]]
        grads = torch.autograd.grad(loss, flat, allow_unused=True)
        k = 0
        for n in names:
            row = squares.setdefault(n, [0.0] * seq_len)
            for t in range(steps):
                if grads[k] is not None:
                    row[t] += float(grads[k].square().sum())
                k += 1
    return {n: [math.sqrt(v) for v in row] for n, row in squares.items()}


def _assert_matches(report_grads, spec, module, x, lengths, pack):
    input_norms, params = _reference_torch(spec, module, x, lengths, pack)
    hidden = _reference_hidden(spec, module, x, lengths, pack)
    g = report_grads
    assert len(g.input) == len(input_norms)
    assert all(_close(a, b) for a, b in zip(g.input, input_norms)), (g.input, input_norms)
    assert {p.name: p.norm for p in g.parameters}.keys() == params.keys()
    for p in g.parameters:
        assert _close(p.norm, params[p.name]), (p.name, p.norm, params[p.name])
    assert _close(g.total_norm, math.sqrt(sum(v * v for v in params.values())))
    assert g.hidden.keys() == hidden.keys()
    for name, norms in hidden.items():
        assert all(_close(a, b) for a, b in zip(g.hidden[name], norms)), (
            name,
            g.hidden[name],
            norms,
        )
    assert g.max_relative_error < 1e-9
    assert g.dtype == "float64"


@settings(max_examples=30, deadline=None)
@given(
    spec=model_specs(max_layers=2),
    seq_len=st.integers(1, 5),
    batch=st.integers(1, 3),
    seed=st.integers(0, 3),
)
def test_gradients_match_torch_autograd(spec, seq_len, batch, seed):
    fields = {k: v for k, v in spec.to_dict().items() if k != "input_size"}
    request = InspectRequest(
        input_size=spec.input_size, seq_len=seq_len, batch=batch, seed=seed, grad=True, **fields
    )
    report = pipeline.inspect(request)
    module, x = _module_and_input(spec, seq_len, batch, seed)
    _assert_matches(report.gradients, spec, module, x, [seq_len] * batch, pack=False)
    assert report.gradients.loss == (
        "output[:, -1].sum()" if spec.batch_first else "output[-1].sum()"
    )


def _text_run(pack, **model):
    texts = ("the cat sat on the mat", "a dog", "the bird sang")
    request = InspectRequest(texts=texts, embed_dim=4, hidden_size=5, pack=pack, grad=True, **model)
    state_module = {}
    original = pipeline.backpropagate

    def spy(state):  # the module and embedded input the run itself used
        state_module["spec"], state_module["module"] = state.model, state.module
        state_module["x"], state_module["lengths"] = state.inputs[0], state.text.batch.lengths
        original(state)

    stages = pipeline.stages_for

    def stages_for(state):
        return [spy if s is original else s for s in stages(state)]

    pipeline.stages_for = stages_for
    try:
        report = pipeline.inspect(request)
    finally:
        pipeline.stages_for = stages
    return report, state_module


@pytest.mark.parametrize("pack", [True, False])
@pytest.mark.parametrize(
    "model",
    [
        {"cell": "lstm", "bidirectional": True, "num_layers": 2, "proj_size": 3},
        {"cell": "gru", "batch_first": True},
        {"cell": "rnn", "bidirectional": True, "batch_first": True},
    ],
)
def test_text_runs_backpropagate_from_each_last_real_token(pack, model):
    report, used = _text_run(pack, **model)
    spec = used["spec"]
    _assert_matches(report.gradients, spec, used["module"], used["x"], used["lengths"], pack)
    assert "length_b - 1" in report.gradients.loss
    if pack:  # the packed kernel never looks at padding: no gradient reaches it
        steps_dim = 1 if spec.batch_first else 0
        assert used["x"].shape[steps_dim] == 6
        assert report.gradients.input[-1] > 0  # the longest sequence's last word


def test_bidirectional_shows_both_directions_of_every_layer():
    request = InspectRequest(cell="gru", bidirectional=True, num_layers=2, seq_len=6, grad=True)
    g = pipeline.inspect(request).gradients
    assert list(g.hidden) == ["l0", "l0_reverse", "l1", "l1_reverse"]
    # The top reverse direction reaches the loss only at the last step (its first).
    assert g.hidden["l1_reverse"][:-1] == [0.0] * 5 and g.hidden["l1_reverse"][-1] > 0
    assert all(v > 0 for v in g.hidden["l0_reverse"])
    spec = request.model_spec()
    module, x = _module_and_input(spec, 6, 3)
    _assert_matches(g, spec, module, x, [6] * 3, pack=False)


def test_float64_keeps_what_float32_flushes_to_zero():
    request = InspectRequest(seq_len=100, grad=True)  # the default RNN(100, 20), batch 3
    g = pipeline.inspect(request).gradients
    module, x = _module_and_input(request.model_spec(), 100, 3)
    x = x.requires_grad_(True)
    module(x)[0][-1].sum().backward()
    assert float(x.grad[0].norm()) == 0.0  # float32: the first step's gradient is exactly 0
    assert g.input[0] > 0 and g.input[0] < 1e-20
    assert 0 < g.ratio_first_last < 1e-20 and math.isfinite(g.ratio_first_last)
    assert g.ratio_first_last == g.input[0] / g.input[-1]
    assert math.isclose(g.decay_per_step**99, g.ratio_first_last, rel_tol=1e-9)
    assert math.isclose(g.decay_per_step**g.half_life, 0.5, rel_tol=1e-9)


@pytest.mark.parametrize("max_norm", [0.01, 1.0, 1e6])
def test_clip_scale_is_what_clip_grad_norm_does(max_norm):
    request = InspectRequest(cell="lstm", num_layers=2, seq_len=8, grad=True, clip=max_norm)
    g = pipeline.inspect(request).gradients
    module, x = _module_and_input(request.model_spec(), 8, 3)
    m = copy.deepcopy(module).double()
    m(x.double())[0][-1].sum().backward()
    before = [p.grad.clone() for p in m.parameters()]
    total = torch.nn.utils.clip_grad_norm_(m.parameters(), max_norm=max_norm)
    assert math.isclose(g.total_norm, float(total), rel_tol=1e-9)
    scales = {float(a.norm() / b.norm()) for a, b in zip((p.grad for p in m.parameters()), before)}
    assert all(math.isclose(s, g.clip.scale, rel_tol=1e-9) for s in scales)
    assert g.clip.max_norm == max_norm
    assert (g.clip.scale == 1.0) == (max_norm >= g.total_norm)


def test_decay_figures():
    assert decay_figures([1.0]) == (None, None, None)
    assert decay_figures([1.0, 0.0]) == (None, None, None)
    ratio, decay, half = decay_figures([0.125, 0.25, 0.5, 1.0])
    assert (ratio, decay, half) == (0.125, 0.5, 1.0)
    assert decay_figures([2.0, 1.0])[2] is None  # growing: no half-life
    assert decay_figures([0.0, 1.0]) == (0.0, 0.0, None)


@pytest.mark.parametrize(
    "kwargs, option",
    [
        ({"grad": True, "device": "meta"}, "--grad"),
        ({"grad": True, "clip": 0.0}, "--clip"),
        ({"grad": True, "clip": -1.0}, "--clip"),
        ({"grad": True, "clip": float("nan")}, "--clip"),
        ({"clip": 1.0}, "--clip"),
    ],
)
def test_request_rules(kwargs, option):
    with pytest.raises(UsageError) as err:
        InspectRequest(**kwargs)
    assert err.value.option == option


def test_json_without_grad_is_unchanged_and_with_grad_has_the_keys():
    plain = json.loads(invoke("inspect", "--json", "--bidirectional", check=True).stdout)
    assert "gradients" not in plain
    args = ("inspect", "--json", "--bidirectional", "--grad", "--clip", "1")
    data = json.loads(invoke(*args, check=True).stdout)
    g = data.pop("gradients")
    assert data == plain  # the rest of the report is the run without --grad
    assert list(g) == [
        "loss",
        "dtype",
        "input",
        "hidden",
        "parameters",
        "total_norm",
        "ratio_first_last",
        "decay_per_step",
        "half_life",
        "clip",
        "checked_against_autograd",
    ]
    assert g["loss"] == "output[-1].sum()" and g["dtype"] == "float64"
    assert len(g["input"]) == 10 and list(g["hidden"]) == ["l0", "l0_reverse"]
    assert g["parameters"][0] == {"name": "weight_ih_l0", "norm": g["parameters"][0]["norm"]}
    assert g["clip"]["max_norm"] == 1.0 and 0 < g["clip"]["scale"] <= 1
    assert g["checked_against_autograd"]["max_relative_error"] < 1e-9
    no_clip = json.loads(invoke("inspect", "--json", "--grad", check=True).stdout)["gradients"]
    assert "clip" not in no_clip


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--grad", "--device", "meta"], "--grad"),
        (["--grad", "--clip", "0"], "--clip"),
        (["--grad", "--clip", "-2"], "--clip"),
        (["--clip", "1"], "--clip"),
    ],
)
def test_cli_bad_gradient_options_exit_2(args, needle):
    r = invoke("inspect", *args)
    assert r.exit_code == 2, (r.stdout, r.stderr)
    assert needle in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("columns", [60, 80, 120])
@pytest.mark.parametrize(
    "args",
    [
        ["--seq-len", "100", "--clip", "1"],
        ["--cell", "lstm", "--bidirectional", "--layers", "2", "--proj-size", "3"],
        ["--text", "the cat sat", "--text", "a dog", "--pack", "--cell", "gru"],
    ],
)
def test_rendering_fits_and_never_cuts(columns, args, monkeypatch):
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setenv("NO_COLOR", "1")
    r = invoke("inspect", "--grad", *args, check=True)
    out = r.stdout
    # The rest of inspect's tables are another part's concern: this checks the gradient part.
    section = out[out.index("Gradients through time") :]
    assert "…" not in section
    assert max(len(line) for line in section.splitlines()) <= columns
    assert "‖∂L/∂x_t‖" in section and "half-life" in section and "total" in section
    for name in ("weight_ih_l0", "weight_hh_l0"):
        assert name in section
    steps = 100 if "100" in args else (3 if "--text" in args else 10)
    rows = [line.split() for line in section.splitlines()]
    numbered = [
        row for row in rows if row and row[0].isdigit() and len(row) >= 2 and "e" in row[-1]
    ]
    assert [int(row[0]) for row in numbered] == list(range(steps))
    if "--clip" in args:
        assert "would scale every gradient" in " ".join(section.split())


def test_model_file_gradients_use_the_files_weights(tmp_path):
    torch.manual_seed(5)
    module = torch.nn.GRU(4, 3, num_layers=2)
    path = tmp_path / "gru.pt"
    torch.save(module.state_dict(), path)
    args = ("inspect", str(path), "--grad", "--clip", "0.5", "--seq-len", "4", "--json")
    data = json.loads(invoke(*args, check=True).stdout)
    found = [m["inspect"]["gradients"] for m in data["modules"] if m.get("inspect")]
    request = InspectRequest(
        cell="gru", input_size=4, hidden_size=3, num_layers=2, seq_len=4, grad=True, clip=0.5
    )
    expected = pipeline.inspect(request, weights=module.state_dict()).gradients.to_dict()
    assert found == [expected]
    seeded = pipeline.inspect(request).gradients.to_dict()  # the seed's weights differ
    assert seeded["total_norm"] != expected["total_norm"]


def test_memory_check_counts_the_backward_pass():
    from rnncli.errors import RnncliError
    from rnncli.rnn.spec import RunSpec

    spec = InspectRequest().model_spec()

    def run(grad, have):
        state = pipeline.Inspection(
            model=spec, run=RunSpec(), grad=grad, available_bytes=lambda device: have
        )
        return pipeline.run_inspection(state)

    forward_only = run(False, 10**12).cost.total_bytes
    have = int(2 * forward_only / pipeline.MEMORY_HEADROOM)  # twice what the forward needs
    assert run(False, have).gradients is None
    with pytest.raises(RnncliError, match="this run needs about"):
        run(True, have)


def test_long_runs_plot_every_kth_step(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    out = invoke("inspect", "--grad", "--seq-len", "251", check=True).stdout
    section = out[out.index("Gradients through time") :]
    assert "a row every 3 steps of 251" in " ".join(section.split())
    rows = [line.split() for line in section.splitlines()]
    steps = [int(r[0]) for r in rows if r and r[0].isdigit() and len(r) > 1 and "e" in r[-1]]
    assert steps == [*range(0, 251, 3), 250]  # the last step always shows
