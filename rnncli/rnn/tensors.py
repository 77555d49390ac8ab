"""Input, state and output tensors of one forward pass, each dimension named.

The shapes are the ones torch produced in the run; the names come from the spec, and
:func:`describe_tensors` refuses to pair a name with a size that disagrees with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

from rnncli.dataclass_dict import fields_dict
from rnncli.rnn.parameters import Dim
from rnncli.rnn.spec import ELEMENT_BYTES, ModelSpec, RunSpec


@dataclass(frozen=True)
class TensorInfo:
    """One tensor of the run: its shape as torch made it and what each dimension is."""

    name: str
    shape: tuple[int, ...]
    dims: tuple[Dim, ...]
    role: str
    dtype: str = "float32"  # torch's dtype name without "torch.": int64 for token_ids

    @property
    def numel(self) -> int:
        n = 1
        for size in self.shape:
            n *= size
        return n

    @property
    def nbytes(self) -> int:
        """``numel × element size`` of its own dtype, as torch's ``element_size()`` gives."""
        return self.numel * ELEMENT_BYTES[self.dtype]

    @property
    def dims_text(self) -> str:
        """``[seq_len=10, batch=3, input=100]``."""
        return "[" + ", ".join(f"{d.name}={d.size}" for d in self.dims) + "]"

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self)


def expected_dims(
    spec: ModelSpec,
    run: RunSpec,
    *,
    output_size: int = 0,
    text: bool = False,
    packed_tokens: Optional[int] = None,
) -> dict[str, tuple[Dim, ...]]:
    """What each tensor's dimensions are, by torch's documented conventions, in stage order.

    ``text`` runs start from ``token_ids`` and ``embedded`` (the RNN's input) instead of a random
    ``input``; ``packed_tokens`` (the sum of the lengths) adds the ``PackedSequence`` data.
    """
    seq, batch = Dim("seq_len", run.seq_len), Dim("batch", run.batch)
    stack = Dim(
        "layers·dirs" if spec.bidirectional else "layers",
        spec.num_layers * spec.num_directions,
    )
    unit = "proj" if spec.proj_size else "hidden"
    out_feature = Dim(
        f"2·{unit}" if spec.bidirectional else unit, spec.num_directions * spec.state_size
    )
    state = Dim(unit, spec.state_size)

    def sequence(feature: Dim) -> tuple[Dim, ...]:
        return (batch, seq, feature) if spec.batch_first else (seq, batch, feature)

    dims: dict[str, tuple[Dim, ...]] = {}
    if text:
        dims["token_ids"] = (batch, seq) if spec.batch_first else (seq, batch)
        dims["embedded"] = sequence(Dim("input", spec.input_size))
        if packed_tokens is not None:
            dims["packed_input"] = (Dim("tokens", packed_tokens), Dim("input", spec.input_size))
    else:
        dims["input"] = sequence(Dim("input", spec.input_size))
    dims["h0"] = (stack, batch, state)
    if spec.cell == "lstm":
        dims["c0"] = (stack, batch, Dim("hidden", spec.hidden_size))
    if packed_tokens is not None:
        dims["packed_output"] = (Dim("tokens", packed_tokens), out_feature)
    dims["output"] = sequence(out_feature)
    dims["h_n"] = (stack, batch, state)
    if spec.cell == "lstm":
        dims["c_n"] = (stack, batch, Dim("hidden", spec.hidden_size))
    if output_size:
        dims["y"] = sequence(Dim("output", output_size))
    return dims


_ROLES = {
    "input": "x, every step",
    "h0": "first h, zeros",
    "c0": "first c, zeros",
    "output": "top layer's h_t, every t",
    "h_n": "each layer's last h_t",
    "c_n": "each layer's last c_t",
    "token_ids": "ids, padded with <pad>",
    "embedded": "E[ids]: RNN input",
    "packed_input": "packed input .data",
    "packed_output": "packed output .data",
    "y": "y_t = h_t·W_hyᵀ + b_y",
}


def expected_dtype(name: str, run: RunSpec) -> str:
    """The dtype of tensor ``name``: token ids are ``int64`` (``torch.long``), the rest float."""
    return "int64" if name == "token_ids" else run.dtype


def planned_tensors(spec: ModelSpec, run: RunSpec, **layout: Any) -> dict[str, TensorInfo]:
    """The documented tensors before anything runs: for the memory estimate."""
    return {
        name: TensorInfo(
            name, tuple(d.size for d in dims), dims, _ROLES[name], expected_dtype(name, run)
        )
        for name, dims in expected_dims(spec, run, **layout).items()
    }


def describe_tensors(
    spec: ModelSpec,
    run: RunSpec,
    shapes: Mapping[str, tuple[int, ...]],
    dtypes: Optional[Mapping[str, str]] = None,
    **layout: Any,
) -> dict[str, TensorInfo]:
    """Name the dimensions of the shapes torch produced; raise if torch and the names disagree.

    ``dtypes`` (torch's dtype names, without ``torch.``) are checked the same way.
    ``layout`` takes :func:`expected_dims`'s keyword arguments (text stages, output layer).
    """
    described = {}
    for name, dims in expected_dims(spec, run, **layout).items():
        shape = tuple(shapes[name])
        if shape != tuple(d.size for d in dims):
            raise AssertionError(
                f"{name}: torch produced {list(shape)} but the explanation implies "
                f"{[d.size for d in dims]}"
            )
        dtype = expected_dtype(name, run)
        if dtypes is not None and dtypes[name] != dtype:
            raise AssertionError(f"{name}: torch produced {dtypes[name]}, expected {dtype}")
        described[name] = TensorInfo(name, shape, dims, _ROLES[name], dtype)
    return described


def tensor_notes(spec: ModelSpec) -> list[str]:
    """Sentences that explain surprising shapes for this configuration."""
    notes = []
    if spec.batch_first:
        notes.append(
            "batch_first=True moves batch first in input and output only; "
            "h0/h_n (and c0/c_n) keep [layers·directions, batch, ...]."
        )
    if spec.bidirectional:
        notes.append(
            "bidirectional: output concatenates the forward and reverse h_t on the last "
            "dimension; h_n stacks them as layer 0 forward, layer 0 reverse, layer 1 forward, …"
        )
    if spec.proj_size:
        notes.append(
            f"proj_size={spec.proj_size}: h_t is projected to {spec.proj_size} features "
            f"(weight_hr), while the cell state c_t keeps hidden_size={spec.hidden_size}."
        )
    if spec.num_layers > 1:
        notes.append(
            "stacked layers: layer k>0 reads the output of layer k-1 as its input"
            + (" (with dropout between layers in training mode only)." if spec.dropout else ".")
        )
    return notes
