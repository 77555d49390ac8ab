"""Health figures against torch.linalg and torch's own reductions."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

from rnncli.checkpoint.contents import ModuleRecord
from rnncli.checkpoint.health import recurrent_health, spectral_norm, tensor_stats
from rnncli.checkpoint.modules import find_modules

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def exact(matrix: torch.Tensor) -> float:
    return float(torch.linalg.matrix_norm(matrix.to(torch.float64), ord=2))


@st.composite
def matrices(draw):
    rows, columns = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    seed = draw(st.integers(0, 2**31 - 1))
    scale = draw(st.sampled_from([1e-3, 0.1, 1.0, 30.0]))
    generator = torch.Generator().manual_seed(seed)
    matrix = torch.randn(rows, columns, generator=generator, dtype=torch.float64) * scale
    if draw(st.booleans()):  # low rank: repeated and zero singular values
        rank = draw(st.integers(1, min(rows, columns)))
        left = torch.randn(rows, rank, generator=generator, dtype=torch.float64)
        matrix = left @ matrix[:rank] / math.sqrt(rank)
    return matrix


@SETTINGS
@given(matrix=matrices())
def test_the_exact_spectral_norm_is_torchs(matrix):
    value, method = spectral_norm(matrix)
    assert method == "exact"
    assert value == pytest.approx(exact(matrix), rel=1e-12)


@SETTINGS
@given(matrix=matrices(), dtype=st.sampled_from([torch.float64, torch.float32]))
def test_lanczos_is_within_tolerance_of_exact(matrix, dtype):
    value, method = spectral_norm(matrix.to(dtype), exact_limit=0)
    assert method == "lanczos"
    truth = exact(matrix)
    rel = 1e-7 if dtype == torch.float64 else 1e-5
    assert value == pytest.approx(truth, rel=rel, abs=1e-12)
    assert value <= truth * (1 + rel)  # a Ritz value never overshoots


def test_lanczos_with_known_singular_values_crowded_at_the_top():
    generator = torch.Generator().manual_seed(3)
    left, _ = torch.linalg.qr(torch.randn(300, 300, generator=generator, dtype=torch.float64))
    right, _ = torch.linalg.qr(torch.randn(200, 200, generator=generator, dtype=torch.float64))
    singular = torch.cat([torch.tensor([2.5, 2.4999, 2.4998]), torch.linspace(2.4, 0.01, 197)])
    matrix = (left[:, :200] * singular.to(torch.float64)) @ right.T
    for block in (matrix.to(torch.float32), matrix.T.to(torch.float16)):
        value, method = spectral_norm(block, exact_limit=0)
        assert method == "lanczos"
        assert value == pytest.approx(2.5, rel=1e-3 if block.dtype == torch.float16 else 1e-6)
    assert spectral_norm(torch.zeros(5, 3), exact_limit=0) == (0.0, "lanczos")


@st.composite
def dirty_tensors(draw):
    size = draw(st.integers(0, 300))
    seed = draw(st.integers(0, 2**31 - 1))
    values = np.random.default_rng(seed).normal(3.0, 2.0, size)
    for special in (np.nan, np.inf, -np.inf, 0.0):
        for _ in range(draw(st.integers(0, 5))):
            if size:
                values[draw(st.integers(0, size - 1))] = special
    dtype = draw(st.sampled_from([torch.float32, torch.float64, torch.float16]))
    shape = draw(st.sampled_from([(size,), (1, size)]))
    return torch.from_numpy(values).to(dtype).reshape(shape)


@SETTINGS
@given(tensor=dirty_tensors(), chunk=st.sampled_from([1, 7, 64, 1 << 20]))
def test_tensor_stats_match_numpy_on_tensors_with_nan_inf_and_zeros(tensor, chunk):
    stats = tensor_stats(tensor, chunk=chunk)

    values = tensor.to(torch.float64).numpy().ravel()
    finite = values[np.isfinite(values)]
    assert stats.nan == int(np.isnan(values).sum())
    assert stats.inf == int(np.isinf(values).sum())
    assert stats.zeros == pytest.approx((values == 0).sum() / values.size if values.size else 0.0)
    assert stats.finite == (stats.nan == 0 and stats.inf == 0)
    if finite.size == 0:
        assert stats.mean is stats.std is stats.min is stats.max is stats.norm is None
        return
    assert stats.mean == pytest.approx(finite.mean(), rel=1e-9, abs=1e-12)
    expected_std = finite.std(ddof=1) if finite.size > 1 else 0.0
    assert stats.std == pytest.approx(expected_std, rel=1e-9, abs=1e-12)
    assert stats.min == finite.min() and stats.max == finite.max()
    assert stats.norm == pytest.approx(np.linalg.norm(finite), rel=1e-9)


def test_tensor_stats_agree_with_torch_and_serialise():
    tensor = torch.randn(1000, 37, dtype=torch.float64) + 1e4  # a large mean tests the merge
    stats = tensor_stats(tensor, chunk=999)
    assert stats.mean == pytest.approx(float(tensor.mean()), rel=1e-12)
    assert stats.std == pytest.approx(float(tensor.std()), rel=1e-9)
    assert stats.norm == pytest.approx(float(torch.linalg.vector_norm(tensor)), rel=1e-12)
    data = stats.to_dict()
    assert list(data) == ["mean", "std", "min", "max", "norm", "nan", "inf", "zeros"]
    json.dumps(data)


def test_tensor_stats_of_integer_buffers_and_non_contiguous_views():
    assert tensor_stats(torch.tensor(7)).to_dict() == {
        "mean": 7.0,
        "std": 0.0,
        "min": 7.0,
        "max": 7.0,
        "norm": 7.0,
        "nan": 0,
        "inf": 0,
        "zeros": 0.0,
    }
    matrix = torch.arange(12.0).reshape(3, 4).T
    assert tensor_stats(matrix, chunk=5).mean == pytest.approx(5.5)
    with pytest.raises(ValueError):
        tensor_stats(torch.empty(3, device="meta"))


def health_of(module: nn.Module, records=None):
    (found,) = find_modules(module.state_dict(), records or {})
    assert found.loaded
    return found, recurrent_health(found)


@pytest.mark.parametrize(
    ("factory", "gates"),
    [
        (lambda: nn.LSTM(3, 5, num_layers=2, bidirectional=True), "ifgo"),
        (lambda: nn.GRU(3, 5, num_layers=2, bidirectional=True), "rzn"),
        (lambda: nn.RNN(3, 5, num_layers=2, bidirectional=True), [None]),
    ],
)
def test_every_gate_block_of_every_layer_and_direction_is_measured(factory, gates):
    torch.manual_seed(0)
    module = factory()
    _, health = health_of(module)
    entries = {(s.parameter, s.gate): s for s in health.spectral_norms}
    assert len(entries) == 2 * 2 * len(gates)
    for suffix in ("_l0", "_l1", "_l0_reverse", "_l1_reverse"):
        weight = getattr(module, f"weight_hh{suffix}").detach()
        for i, gate in enumerate(gates):
            entry = entries[(f"weight_hh{suffix}", gate)]
            assert entry.method == "exact"
            assert entry.value == pytest.approx(exact(weight[i * 5 : (i + 1) * 5]), rel=1e-12)
            assert entry.direction == ("reverse" if "reverse" in suffix else "forward")
    json.dumps(health.to_dict())


def test_projections_are_measured_too_and_big_blocks_use_lanczos():
    torch.manual_seed(0)
    module = nn.LSTM(3, 6, proj_size=2)
    (found,) = find_modules(module.state_dict())
    health = recurrent_health(found, exact_limit=0)
    hr = [s for s in health.spectral_norms if s.parameter == "weight_hr_l0"]
    assert len(hr) == 1 and hr[0].gate is None and hr[0].method == "lanczos"
    assert hr[0].value == pytest.approx(exact(module.weight_hr_l0.detach()), rel=1e-5)
    assert {s.method for s in health.spectral_norms} == {"lanczos"}


def test_the_lstm_forget_bias_is_b_if_plus_b_hf():
    module = nn.LSTM(3, 4, num_layers=2)
    with torch.no_grad():
        module.bias_ih_l0[4:8] = 1.0
        module.bias_hh_l0[4:8] = torch.tensor([0.0, 0.5, 1.0, 0.5])
        module.bias_ih_l1.zero_()
        module.bias_hh_l1.zero_()
    _, health = health_of(module)
    first, second = health.forget_bias_mean
    assert (first.layer, first.direction) == (0, "forward")
    assert first.value == pytest.approx(1.5)
    assert first.sigmoid == pytest.approx(1 / (1 + math.exp(-1.5)))
    assert first.flag is None
    assert second.value == 0.0 and second.sigmoid == 0.5 and second.flag == "forgets"
    assert any("layer 1 forward" in flag and "50%" in flag for flag in health.flags)
    assert health.to_dict()["forget_bias_mean"][0] == {
        "layer": 0,
        "direction": "forward",
        "value": pytest.approx(1.5),
        "sigmoid": pytest.approx(first.sigmoid),
        "flag": None,
    }


def test_an_lstm_without_bias_has_a_half_open_forget_gate():
    _, health = health_of(nn.LSTMCell(3, 4, bias=False))
    (forget,) = health.forget_bias_mean
    assert forget.value == 0.0 and forget.sigmoid == 0.5


def test_a_plain_rnn_is_flagged_when_it_grows_or_fades():
    module = nn.RNN(3, 4, num_layers=2)
    with torch.no_grad():
        module.weight_hh_l0.copy_(torch.eye(4) * 1.5)
        module.weight_hh_l1.copy_(torch.eye(4) * 0.1)
    record = ModuleRecord("torch.nn.modules.rnn.RNN", {"nonlinearity": "relu"})
    _, health = health_of(module, {"": record})
    first, second = health.spectral_norms
    assert first.value == pytest.approx(1.5) and first.flag == "grows"
    assert second.value == pytest.approx(0.1) and second.flag == "fades"
    assert "relu" in health.flags[0] and "grow" in health.flags[0]
    assert "fade" in health.flags[1]


def test_gates_of_gated_cells_are_not_flagged_and_nan_is():
    module = nn.GRUCell(3, 4)
    with torch.no_grad():
        module.weight_hh[0, 0] = float("nan")
    _, health = health_of(module)
    r, z, n = health.spectral_norms
    assert (r.gate, r.method, r.value, r.flag) == ("r", "skipped", None, "nonfinite")
    assert z.flag is None and n.flag is None and z.parameter == "weight_hh"
    assert "NaN" in health.flags[0]


def test_health_refuses_a_module_that_is_not_recurrent():
    (found,) = find_modules(nn.Linear(2, 3).state_dict())
    with pytest.raises(ValueError):
        recurrent_health(found)
