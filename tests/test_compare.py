"""`rnncli compare`: each row is `inspect --grad` of that cell on one shared input; --match-params
is the brute force's answer, with parameter counts from torch's own modules."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import torch
from helpers.cli import invoke, run_rnncli
from hypothesis import given, settings
from hypothesis import strategies as st

from rnncli.errors import UsageError
from rnncli.rnn.comparison import (
    cell_request,
    closest_hidden_size,
    compare,
    hidden_for_budget,
    parameter_count,
)
from rnncli.rnn.pipeline import inspect
from rnncli.rnn.request import InspectRequest

FAST = ("--input", "6", "--hidden", "5", "--seq-len", "4", "--batch", "2")


def _torch_count(cell: str, hidden: int, **kwargs) -> int:
    """Parameters of the torch module itself, built on the meta device."""
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
    if cell != "lstm":
        kwargs.pop("proj_size", None)
    module = cls(hidden_size=hidden, device="meta", **kwargs)
    return sum(p.numel() for p in module.parameters())


def _brute_force(count, budget: int, low: int) -> int:
    """Every hidden size from ``low`` until the count passes the budget, and a few beyond."""
    best, h, past = None, low, 0
    while past < 5:
        c = count(h)
        if best is None or abs(c - budget) < abs(count(best) - budget):
            best = h  # strictly closer: a tie keeps the smaller hidden size found first
        if c >= budget:
            past += 1
        h += 1
    return best


@settings(max_examples=40, deadline=None)
@given(
    cell=st.sampled_from(["rnn", "lstm", "gru"]),
    input_size=st.integers(1, 40),
    num_layers=st.integers(1, 3),
    bidirectional=st.booleans(),
    bias=st.booleans(),
    proj_size=st.integers(0, 4),
    budget=st.integers(1, 30_000),
)
def test_match_params_is_the_brute_force_answer(
    cell, input_size, num_layers, bidirectional, bias, proj_size, budget
):
    options = dict(
        input_size=input_size, num_layers=num_layers, bidirectional=bidirectional, bias=bias
    )
    proj = proj_size if cell == "lstm" else 0
    request = InspectRequest(
        cell="lstm" if proj else "rnn", hidden_size=proj + 1, proj_size=proj, **options
    )
    found = hidden_for_budget(request, cell, budget)

    def count(hidden: int) -> int:
        return _torch_count(cell, hidden, proj_size=proj, **options)

    assert found == _brute_force(count, budget, proj + 1)
    assert parameter_count(request, cell, found) == count(found)


def test_closest_hidden_size_ties_go_to_the_smaller():
    def count(h):
        return 10 * h

    assert closest_hidden_size(count, 25) == 2  # 20 and 30 are both 5 away
    assert closest_hidden_size(count, 26) == 3
    assert closest_hidden_size(count, 1) == 1
    assert closest_hidden_size(count, 10**9) == 10**8
    assert closest_hidden_size(count, 25, low=7) == 7


def test_parameter_count_is_the_inspection_total_with_text_and_output_layer():
    request = InspectRequest(
        texts=("the cat sat", "a dog"), embed_dim=7, hidden_size=9, output_size=3
    )
    for cell in ("rnn", "lstm", "gru"):
        one = InspectRequest(
            cell=cell, texts=request.texts, embed_dim=7, hidden_size=9, output_size=3
        )
        assert parameter_count(request, cell, 9, _plan(request)) == (inspect(one).total_parameters)


def _plan(request):
    from rnncli.rnn.pipeline import text_plan

    return text_plan(request)


SMALL = {"input_size": 6, "hidden_size": 5, "seq_len": 4, "batch": 2}
TEXTS = ("the cat sat on the mat", "a dog")


@pytest.mark.parametrize(
    "fields, options, cells",
    [
        (SMALL, {"match_params": True}, ("rnn", "lstm", "gru")),
        (
            {**SMALL, "bidirectional": True, "num_layers": 2},
            {"match_params": True, "params": 900},
            ("rnn", "lstm", "gru"),
        ),
        (
            {"input_size": 6, "hidden_size": 5, "texts": TEXTS, "pack": True, "batch_first": True},
            {},
            ("rnn", "lstm", "gru"),
        ),
        ({**SMALL, "cell": "lstm", "proj_size": 2}, {"match_params": True}, ("lstm", "rnn")),
    ],
)
def test_rows_are_inspections_of_each_cell_on_one_input(fields, options, cells):
    """Each row is the cell's own `inspect --grad`, the seed set again before the input."""
    request = InspectRequest(**fields)
    data = compare(request, cells, **options).to_dict()
    assert [row["cell"] for row in data["rows"]] == list(cells)
    for row in data["rows"]:
        one = replace(cell_request(request, row["cell"], row["hidden_size"]), grad=True)
        single = inspect(one, same_input=True).to_dict()
        assert row["total_parameters"] == single["total_parameters"]
        assert row["macs"] == single["macs"]
        assert row["memory_bytes"] == single["cost"]["memory"]["activation_bytes"]
        assert row["gradient_ratio"] == single["gradients"]["ratio_first_last"]
        assert row["half_life"] == single["gradients"]["half_life"]
        assert row["input_gradients"] == single["gradients"]["input"]
        assert row["module"] == single["module"]
    if options.get("match_params"):
        expected = options.get("params") or data["rows"][0]["total_parameters"]
        assert data["budget"] == expected and data["match_params"] is True
    else:
        assert data["budget"] is None and data["match_params"] is False


@pytest.mark.parametrize("texts", [(), TEXTS])
def test_every_cell_gets_the_same_input(monkeypatch, texts):
    """An LSTM draws four times an RNN's weights: x and the embedding rows must not care."""
    from rnncli.rnn import pipeline

    seen = []
    original = pipeline.make_input

    def spy(state):
        original(state)
        seen.append(state.inputs[0].detach().clone())

    monkeypatch.setattr(pipeline, "make_input", spy)
    fields = {"input_size": 6, "hidden_size": 5, "output_size": 3}
    fields.update({"texts": texts} if texts else {"seq_len": 4, "batch": 2})
    compare(InspectRequest(**fields), ("rnn", "lstm", "gru"), match_params=True)
    assert len(seen) == 3
    assert all(torch.equal(seen[0], x) for x in seen[1:])


def test_json_shape_through_the_real_entry_point():
    result = run_rnncli(
        "compare", "--json", "--match-params", "--time", "--time-budget", "0.05", *FAST
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data)[:2] == ["budget", "rows"]
    assert data["budget"] == data["rows"][0]["total_parameters"]
    for row in data["rows"]:
        assert list(row)[:8] == [
            "cell",
            "hidden_size",
            "total_parameters",
            "macs",
            "memory_bytes",
            "gradient_ratio",
            "half_life",
            "forward_ms",
        ]
        assert row["forward_ms"] == row["timing"]["forward_ms"]["median"]
        assert row["backward_ms"] == row["timing"]["backward_ms"]["median"]
        assert len(row["input_gradients"]) == 4
    untimed = json.loads(invoke("compare", "--json", *FAST, check=True).stdout)
    assert all("forward_ms" not in row and "timing" not in row for row in untimed["rows"])


def test_cells_as_names_or_one_comma_separated_string():
    from rnncli.rnn.comparison import check_cells

    assert check_cells("gru, LSTM") == check_cells(["gru", "lstm"]) == ("gru", "lstm")


def test_nonlinearity_applies_to_the_rnn_only():
    report = compare(InspectRequest(nonlinearity="relu", seq_len=3), ["gru", "rnn"])
    activations = {r.model.cell: r.model.nonlinearity for r in report.reports}
    assert activations == {"gru": None, "rnn": "relu"}
    assert any("applies to the rnn only" in note for note in report.notes)


@pytest.mark.parametrize(
    "kwargs, option",
    [
        ({"cells": ["rnn", "transformer"]}, "--cells"),
        ({"cells": []}, "--cells"),
        ({"cells": ["gru", "gru"]}, "--cells"),
        ({"cells": ["gru"], "match_params": True}, "--match-params"),
        ({"params": 100}, "--params"),
        ({"params": 0, "match_params": True}, "--params"),
        ({"params": -5, "match_params": True}, "--params"),
    ],
)
def test_library_rules(kwargs, option):
    with pytest.raises(UsageError) as err:
        compare(InspectRequest(), **kwargs)
    assert err.value.option == option


@pytest.mark.parametrize(
    "args, option",
    [
        (["--cells", "rnn,transformer"], "--cells"),
        (["--cells", "lstm", "--match-params"], "--match-params"),
        (["--params", "100"], "--params"),
        (["--match-params", "--params", "0"], "--params"),
        (["--match-params", "--params", "-3"], "--params"),
        (["--device", "meta"], "--device"),
        (["--cells", "gru,lstm", "--nonlinearity", "relu"], "--nonlinearity"),
        (["--cells", "rnn,gru", "--proj-size", "2"], "--proj-size"),
        (["--time-budget", "1"], "--time-budget"),
        (["--time", "--time-budget", "0"], "--time-budget"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(args, option):
    r = invoke("compare", *args)
    assert r.exit_code == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rnncli: error: ") and option in lines[0]
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("columns", [60, 80, 120])
@pytest.mark.parametrize("timed", [False, True])
def test_output_fits_every_width_and_never_cuts(columns, timed, monkeypatch):
    monkeypatch.setenv("COLUMNS", str(columns))
    args = ["compare", "--match-params", *FAST]
    if timed:
        args += ["--time", "--time-budget", "0.02"]
    out = invoke(*args, check=True).stdout
    assert "…" not in out
    assert max(len(line) for line in out.splitlines()) <= columns
    for word in ("rnn", "lstm", "gru", "parameter budget", "half-life", "every cell on one"):
        assert word in out
    if timed:
        assert "fwd+bwd ms" in out
    # the picture: every step, one line per cell
    picture = out[out.index("every cell on one log scale") :].splitlines()
    steps = [line.split()[0] for line in picture if line[:1].isdigit()]
    assert steps == ["0", "1", "2", "3"]


def test_long_runs_show_every_kth_step_in_the_picture(monkeypatch):
    out = invoke("compare", "--seq-len", "100", "--hidden", "4", "--input", "3", check=True).stdout
    assert "a row every 5 steps of 100" in out
    steps = [int(line.split()[0]) for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert steps == [*range(0, 100, 5), 99]  # the first and last always, three cells each


def test_advice_never_points_compare_at_the_meta_device():
    """compare backpropagates, so meta (which it refuses) is no way out of a too-big run."""
    result = invoke("compare", "--hidden", "200000")
    assert result.exit_code == 1
    assert "--device meta" not in result.stderr and "smaller --hidden" in result.stderr


def test_a_budget_past_every_tensor_names_params():
    result = invoke("compare", "--match-params", "--params", "100000000000000000000")
    assert result.exit_code == 2
    assert result.stderr.startswith("rnncli: error: --params:"), result.stderr
