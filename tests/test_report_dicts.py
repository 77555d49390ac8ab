"""Each report dataclass's ``to_dict``, pinned: the JSON a user's script reads stays the same.

The dicts are compared whole, and as the JSON text rnncli writes, so key order and list-vs-tuple
changes show too.
"""

from __future__ import annotations

import json

import pytest

from rnncli.embedding import EmbeddingTensor
from rnncli.rnn.cost import LayerCost
from rnncli.rnn.equations import Recurrence, Symbol
from rnncli.rnn.parameters import Dim, ParameterInfo
from rnncli.rnn.tensors import TensorInfo
from rnncli.rnn.text_batch import TextSequence
from rnncli.rnn.trace import Trace
from rnncli.rnn.unroll import VerifyResult
from rnncli.text.vocab import VocabStats

CASES = [
    (Dim("hidden", 4), {"name": "hidden", "size": 4}),
    (
        TensorInfo("h_n", (1, 3, 4), (Dim("layers", 1), Dim("batch", 3), Dim("hidden", 4)), "s"),
        {
            "name": "h_n",
            "shape": [1, 3, 4],
            "dims": [
                {"name": "layers", "size": 1},
                {"name": "batch", "size": 3},
                {"name": "hidden", "size": 4},
            ],
            "role": "s",
            "dtype": "float32",
        },
    ),
    (
        ParameterInfo(
            "weight_ih_l0",
            (16, 5),
            80,
            True,
            0,
            "forward",
            (Dim("4·hidden", 16), Dim("input", 5)),
            "W",
        ),
        {
            "name": "weight_ih_l0",
            "shape": [16, 5],
            "numel": 80,
            "trainable": True,
            "layer": 0,
            "direction": "forward",
            "dims": [{"name": "4·hidden", "size": 16}, {"name": "input", "size": 5}],
            "role": "W",
        },
    ),
    (
        LayerCost(1, 10, 20, 3),
        {"layer": 1, "input_macs": 10, "recurrent_macs": 20, "projection_macs": 3, "macs": 33},
    ),
    (
        VerifyResult(1.5e-7, 1e-5, 1e-4, True, 10),
        {"max_abs_error": 1.5e-7, "atol": 1e-5, "rtol": 1e-4, "passed": True, "steps": 10},
    ),
    (
        Trace([["a", None]], [[[[0.5, -2.0]], [[0.0, 0.0]]]], ("forward",), True),
        {
            "tokens": [["a", None]],
            "values": [[[[0.5, -2.0]], [[0.0, 0.0]]]],
            "directions": ["forward"],
            "packed": True,
            "scale": 2.0,
        },
    ),
    (
        Symbol("h_t", "[batch, hidden]", "output"),
        {"name": "h_t", "shape": "[batch, hidden]", "source": "output"},
    ),
    (
        Recurrence("gru", ("r = σ(x)", "h = r"), (Symbol("x", "[b, i]", "input"),), ("note",)),
        {
            "cell": "gru",
            "equations": ["r = σ(x)", "h = r"],
            "symbols": [{"name": "x", "shape": "[b, i]", "source": "input"}],
            "notes": ["note"],
        },
    ),
    (
        Recurrence("rnn", ("h",), ()),
        {"cell": "rnn", "equations": ["h"], "symbols": [], "notes": []},
    ),
    (
        TextSequence("Hi you", ("hi", "you"), (2, 1), ("you",)),
        {"text": "Hi you", "tokens": ["hi", "you"], "ids": [2, 1]},
    ),
    (
        EmbeddingTensor("weight", [7, 5], "torch.float32", "one row per entry"),
        {"shape": [7, 5], "dtype": "torch.float32", "meaning": "one row per entry"},
    ),
    (
        VocabStats(["a.txt", "-"], 3, 12, 5, 10, 2, 64, [[1, 4], [5, 1]], 1),
        {
            "files": ["a.txt", "-"],
            "lines": 3,
            "tokens": 12,
            "distinct": 5,
            "covered": 10,
            "singletons": 2,
            "bytes": 64,
            "profile": [[1, 4], [5, 1]],
            "cut": 1,
        },
    ),
    (
        VocabStats(),
        {
            "files": [],
            "lines": 0,
            "tokens": 0,
            "distinct": 0,
            "covered": 0,
            "singletons": 0,
            "bytes": 0,
            "profile": [],
            "cut": None,
        },
    ),
]


@pytest.mark.parametrize(("report", "expected"), CASES, ids=lambda c: type(c).__name__)
def test_to_dict_is_pinned(report, expected):
    data = report.to_dict()
    assert data == expected
    assert json.dumps(data, ensure_ascii=False) == json.dumps(expected, ensure_ascii=False)
    assert _no_tuples(data)  # what the JSON writer gets is what json.loads gives back


def _no_tuples(value) -> bool:
    if isinstance(value, tuple):
        return False
    if isinstance(value, dict):
        return all(_no_tuples(v) for v in value.values())
    if isinstance(value, list):
        return all(_no_tuples(v) for v in value)
    return True


def test_to_dict_copies_lists():
    """A caller editing the dict cannot reach into the report."""
    stats = VocabStats(["a"], profile=[[1, 2]])
    data = stats.to_dict()
    data["files"].append("b")
    data["profile"][0].append(9)
    assert stats.files == ["a"] and stats.profile == [[1, 2]]
