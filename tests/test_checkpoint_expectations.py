"""The user's flags against the file: each difference named with the tensor that proves it."""

from __future__ import annotations

import pytest
import torch
from helpers.strategies import model_specs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

from rnncli.checkpoint.expectations import OPTIONS, compare, file_values, pick_module
from rnncli.checkpoint.modules import find_modules
from rnncli.errors import UsageError
from rnncli.rnn.spec import Cell

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LAYERS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def found_of(module: nn.Module, prefix: str = ""):
    state_dict = {prefix + k: v for k, v in module.state_dict().items()}
    (found,) = find_modules(state_dict)
    assert found.loaded
    return found


def test_the_issues_example():
    found = found_of(nn.LSTM(100, 128, num_layers=2, bidirectional=True))
    (mismatch,) = compare(found, {"hidden_size": 256, "input_size": 100, "cell": "lstm"})
    assert mismatch.to_dict() == {
        "option": "hidden_size",
        "file": 128,
        "given": 256,
        "evidence": "weight_hh_l0 [512, 128] = 4·128 × 128",
    }
    assert mismatch.message == (
        "hidden_size: file 128, given 256 (weight_hh_l0 [512, 128] = 4·128 × 128)"
    )


def spec_values(spec) -> dict:
    return {
        "cell": spec.cell,
        "input_size": spec.input_size,
        "hidden_size": spec.hidden_size,
        "num_layers": spec.num_layers,
        "bidirectional": spec.bidirectional,
        "proj_size": spec.proj_size,
        "bias": spec.bias,
    }


CHANGES = {
    "cell": lambda v: {"rnn": "gru", "gru": "lstm", "lstm": "rnn"}[v],
    "input_size": lambda v: v + 1,
    "hidden_size": lambda v: v + 3,
    "num_layers": lambda v: v + 1,
    "bidirectional": lambda v: not v,
    "proj_size": lambda v: v + 1,
    "bias": lambda v: not v,
}


@SETTINGS
@given(spec=model_specs(max_layers=3), option=st.sampled_from(OPTIONS))
def test_the_files_own_config_agrees_and_any_one_change_is_named(spec, option):
    found = found_of(LAYERS[spec.cell](**spec.torch_kwargs()), "model.rnn.")
    values = spec_values(spec)
    assert file_values(found) == values
    assert compare(found, values) == []
    assert compare(found, {}) == []

    changed = {**values, option: CHANGES[option](values[option])}
    (mismatch,) = compare(found, changed)
    assert (mismatch.option, mismatch.file, mismatch.given) == (
        option,
        values[option],
        changed[option],
    )
    # The evidence names a tensor the module really has, with its real shape.
    tensor_name = mismatch.evidence.split(" ")[0]
    if tensor_name in found.tensors:
        shape = list(found.tensors[tensor_name].shape)
        assert mismatch.evidence.startswith(f"{tensor_name} {shape}")
    else:
        assert mismatch.evidence.startswith("there is no ")
        assert mismatch.evidence.removeprefix("there is no ") not in found.tensors


@pytest.mark.parametrize(
    ("module", "option", "given", "evidence"),
    [
        (nn.GRU(3, 4), "cell", "lstm", "weight_hh_l0 [12, 4] = 3·4 × 4: 3 gate blocks"),
        (nn.RNN(3, 4), "input_size", 5, "weight_ih_l0 [4, 3] = 4 × 3"),
        (nn.LSTM(3, 6, proj_size=2), "hidden_size", 5, "weight_hr_l0 [2, 6] = 2 × 6"),
        (nn.LSTM(3, 6, proj_size=2), "proj_size", 0, "weight_hr_l0 [2, 6] = 2 × 6"),
        (nn.LSTM(3, 6), "proj_size", 2, "there is no weight_hr_l0"),
        (
            nn.GRU(3, 4, num_layers=2),
            "num_layers",
            3,
            "weight_hh_l1 [12, 4] is the last layer's; there is no weight_hh_l2",
        ),
        (nn.GRU(3, 4, bidirectional=True), "bidirectional", False, "weight_hh_l0_reverse [12, 4]"),
        (nn.GRU(3, 4, bias=False), "bias", True, "there is no bias_ih_l0"),
        (nn.LSTMCell(3, 4), "hidden_size", 5, "weight_hh [16, 4] = 4·4 × 4"),
        (nn.LSTMCell(3, 4), "num_layers", 2, "a cell is one layer"),
        (nn.GRUCell(3, 4), "cell", Cell.lstm, "weight_hh [12, 4]"),
    ],
)
def test_evidence_shows_the_arithmetic(module, option, given, evidence):
    (mismatch,) = compare(found_of(module), {option: given})
    assert evidence in mismatch.evidence


def test_cells_compare_as_their_cell_and_enums_are_plain_values():
    found = found_of(nn.LSTMCell(3, 4))
    assert compare(found, {"cell": Cell.lstm, "num_layers": 1, "bidirectional": False}) == []
    assert compare(found, {"cell": "lstmcell", "proj_size": 0, "bias": True}) == []
    assert compare(found, {"cell": None, "hidden_size": None}) == []


def test_unknown_options_and_modules_that_are_not_recurrent_are_refused():
    with pytest.raises(ValueError, match="hiden"):
        compare(found_of(nn.GRU(3, 4)), {"hiden_size": 4})
    with pytest.raises(ValueError):
        compare(found_of(nn.Linear(3, 4)), {"hidden_size": 4})


class TwoEncoders(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 3)
        self.words = nn.LSTM(3, 4)
        self.chars = nn.GRUCell(3, 2)


def test_pick_module():
    found = find_modules({"module." + k: v for k, v in TwoEncoders().state_dict().items()})
    assert pick_module(found, "module.words").kind == "lstm"
    assert pick_module(found, "module.chars").kind == "grucell"
    with pytest.raises(UsageError) as ambiguous:
        pick_module(found)
    assert ambiguous.value.option == "--module"
    assert "module.words, module.chars" in str(ambiguous.value)
    with pytest.raises(UsageError) as unknown:
        pick_module(found, "words")
    assert "no module named 'words'" in str(unknown.value)
    assert "module.words" in str(unknown.value)
    with pytest.raises(UsageError, match="embedding, not recurrent"):
        pick_module(found, "module.emb")

    (only,) = find_modules(nn.GRU(2, 3).state_dict())
    assert pick_module([only]) is only
    assert pick_module([only], "") is only
    assert pick_module(find_modules({"norm.weight": torch.ones(2)})) is None
    with pytest.raises(UsageError, match="no recurrent module"):
        pick_module(find_modules({"norm.weight": torch.ones(2)}), "norm")
