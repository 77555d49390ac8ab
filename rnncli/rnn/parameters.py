"""Each weight of a recurrent module, with what its dimensions mean.

Names, shapes and order come from torch's ``named_parameters()``; rnncli only adds the meaning of
each dimension, derived from the spec, and checks that the two agree, so a wrong explanation can
never be printed next to a right shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rnncli.dataclass_dict import fields_dict
from rnncli.rnn.spec import ModelSpec

_NAME = re.compile(r"^(weight|bias)_(ih|hh|hr)_l(\d+)(_reverse)?$")


@dataclass(frozen=True)
class Dim:
    """One dimension: its size and a name that says where the size comes from."""

    name: str
    size: int

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self)


@dataclass(frozen=True)
class ParameterInfo:
    """One parameter tensor as torch holds it, plus its explanation."""

    name: str
    shape: tuple[int, ...]
    numel: int
    trainable: bool
    layer: int
    direction: str  # "forward" or "reverse"
    dims: tuple[Dim, ...]
    role: str

    @property
    def dims_text(self) -> str:
        """``4·hidden × input``: the meaning of each dimension, in order."""
        return " × ".join(d.name for d in self.dims)

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self)


def explain_parameter(
    spec: ModelSpec, name: str, shape: tuple[int, ...], trainable: bool = True
) -> ParameterInfo:
    """Explain one of torch's parameters; raise if its shape is not what the spec implies."""
    match = _NAME.match(name)
    if not match:
        raise ValueError(f"unexpected parameter name {name!r} in a {spec.cell} module")
    kind, pair, layer_text, reverse = match.groups()
    layer = int(layer_text)
    gates = _gate_dim(spec)
    if pair == "hr":
        dims: tuple[Dim, ...] = (Dim("proj", spec.proj_size), Dim("hidden", spec.hidden_size))
        role = "W_hr"
    elif kind == "bias":
        dims = (gates,)
        role = _stacked(spec, "b_" + pair[0])
    elif pair == "ih":
        dims = (gates, _layer_input_dim(spec, layer))
        role = _stacked(spec, "W_i")
    else:
        dims = (gates, Dim("proj" if spec.proj_size else "hidden", spec.state_size))
        role = _stacked(spec, "W_h")
    expected = tuple(d.size for d in dims)
    if tuple(shape) != expected:
        raise AssertionError(
            f"{name}: torch has shape {list(shape)} but the explanation implies {list(expected)}"
        )
    numel = 1
    for size in shape:
        numel *= size
    return ParameterInfo(
        name=name,
        shape=tuple(shape),
        numel=numel,
        trainable=trainable,
        layer=layer,
        direction="reverse" if reverse else "forward",
        dims=dims,
        role=role,
    )


def extra_parameter(
    name: str, shape: tuple[int, ...], dims: tuple[Dim, ...], role: str, trainable: bool = True
) -> ParameterInfo:
    """A parameter of a layer around the RNN (embedding, output layer), checked like the rest."""
    if tuple(shape) != tuple(d.size for d in dims):
        raise AssertionError(f"{name}: torch has shape {list(shape)}, expected {dims}")
    numel = 1
    for size in shape:
        numel *= size
    return ParameterInfo(name, tuple(shape), numel, trainable, -1, "", dims, role)


def explain_parameters(spec: ModelSpec, module: Any) -> list[ParameterInfo]:
    """All parameters of a torch module, in the module's own order."""
    return [
        explain_parameter(spec, name, tuple(p.shape), bool(p.requires_grad))
        for name, p in module.named_parameters()
    ]


def _gate_dim(spec: ModelSpec) -> Dim:
    size = spec.gate_count * spec.hidden_size
    if spec.cell == "rnn":
        return Dim("hidden", size)
    return Dim(f"{spec.gate_count}·hidden", size)


def _stacked(spec: ModelSpec, prefix: str) -> str:
    """The equation symbols a stacked tensor holds, top rows first: ``W_i[i|f|g|o]``."""
    if spec.cell == "rnn":
        return {"W_i": "W_ih", "W_h": "W_hh", "b_i": "b_ih", "b_h": "b_hh"}[prefix]
    return f"{prefix}[{'|'.join(spec.gates)}]"


def _layer_input_dim(spec: ModelSpec, layer: int) -> Dim:
    if layer == 0:
        return Dim("input", spec.input_size)
    unit = "proj" if spec.proj_size else "hidden"
    name = f"2·{unit}" if spec.bidirectional else unit
    return Dim(name, spec.layer_input_size(layer))
