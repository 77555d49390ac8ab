"""The symbol table under the equations agrees with the module torch builds.

Every symbol that points into the module ("rows 0:20 of weight_ih_l0", "output.bias") has the
shape of that slice of the real parameter; the slices of one parameter cover it exactly; and no
symbol, equation or note speaks of a bias the module does not have.
"""

from __future__ import annotations

import re

import torch
from helpers.strategies import model_specs
from hypothesis import given, settings
from hypothesis import strategies as st

from rnncli.rnn.equations import recurrence
from rnncli.rnn.running import build_module
from rnncli.rnn.spec import RunSpec


@st.composite
def configs(draw):
    return draw(model_specs(max_layers=2)), draw(st.none() | st.integers(1, 5))


def _numbers(shape: str) -> list[int]:
    """[hidden=20, input=100] each -> [20, 100]; names such as vocab carry no number."""
    return [int(n) for n in re.findall(r"=(\d+)", shape)]


@settings(max_examples=80, deadline=None)
@given(config=configs())
def test_every_symbol_matches_the_parameter_it_names(config):
    spec, output_size = config
    module, _ = build_module(spec, "cpu", torch.float32)
    params = {name: tuple(p.shape) for name, p in module.named_parameters()}
    if output_size:
        features = spec.num_directions * (spec.proj_size or spec.hidden_size)
        params["output.weight"] = (output_size, features)
        params["output.bias"] = (output_size,)
    rec = recurrence(spec, RunSpec(seq_len=4, batch=3), output_size=output_size)

    covered: dict[str, set[int]] = {}
    for symbol in rec.symbols:
        names = [n.strip() for n in symbol.name.split(",")]
        sliced = re.fullmatch(r"(rows|slices) ([\d:, ]+) of (\w+)", symbol.source)
        if sliced:
            param = sliced.group(3)
            assert param in params, (symbol, sorted(params))
            ranges = [tuple(map(int, r.split(":"))) for r in sliced.group(2).split(", ")]
            assert len(ranges) == len(names), symbol
            for lo, hi in ranges:
                expected = (hi - lo, *params[param][1:])
                assert tuple(_numbers(symbol.shape)) == expected, (symbol, params[param])
                covered.setdefault(param, set()).update(range(lo, hi))
        elif symbol.source in params:
            assert tuple(_numbers(symbol.shape)) == params[symbol.source], symbol
            covered[symbol.source] = set(range(params[symbol.source][0]))
    for param, rows in covered.items():
        assert rows == set(range(params[param][0])), (param, "not covered exactly")
    # the layer-0 parameters the equations use are all in the table
    layer0 = {p for p in params if p.endswith("_l0") or p.startswith("output.")}
    assert layer0 <= set(covered), sorted(layer0 - set(covered))

    text = " ".join([*rec.equations, *rec.notes, *(s.name for s in rec.symbols)])
    if not spec.bias:
        assert not re.search(r"\bb_(i|h)", text), text
    assert ("b_y" in text) == bool(output_size)
