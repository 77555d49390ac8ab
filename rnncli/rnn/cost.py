"""Multiply-accumulates and memory of one forward pass, from the parameter and tensor tables.

Counting rule (stated so users can check it): every weight *matrix* element is used in exactly
one multiply-accumulate per time step per sequence of the batch, in every layer and direction.
So MACs = seq_len × batch × (elements of all weight matrices). Biases are additions and the gate
non-linearities are element-wise: neither is a MAC; they are reported separately as element-wise
operations. The rule is checked in the tests against torch's own FLOP counter run over the
step-by-step recurrence. A packed run computes only the real (step, sequence) pairs, the sum of
the lengths, in the recurrence and in the output layer alike (it runs on ``PackedSequence.data``).

Memory sizes each tensor by its own dtype: token ids are int64 whatever the float dtype.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Optional

from rnncli.dataclass_dict import fields_dict
from rnncli.rnn.parameters import ParameterInfo
from rnncli.rnn.spec import ModelSpec, RunSpec
from rnncli.rnn.tensors import TensorInfo


@dataclass(frozen=True)
class LayerCost:
    """MACs of one layer (both directions), split by which weight does the work."""

    layer: int
    input_macs: int
    recurrent_macs: int
    projection_macs: int

    @property
    def macs(self) -> int:
        return self.input_macs + self.recurrent_macs + self.projection_macs

    def to_dict(self) -> dict[str, Any]:
        return {**fields_dict(self), "macs": self.macs}


@dataclass(frozen=True)
class Cost:
    """Compute and memory of one forward pass."""

    macs: int
    layers: tuple[LayerCost, ...]
    output_macs: int  # the output layer y_t = h_t·W_hyᵀ + b_y, if any
    pairs: int  # (step, sequence) pairs computed: seq_len × batch, or the sum of packed lengths
    parameter_bytes: int
    tensor_bytes: int  # input, states and output, as in the tensor table, each at its dtype
    workspace_bytes: int  # lower layers' outputs and one layer's gate pre-activations
    dtype_bytes: int

    @property
    def recurrence_macs(self) -> int:
        """The recurrent layers' MACs, the output layer's left out."""
        return self.macs - self.output_macs

    @property
    def macs_per_pair(self) -> int:
        """Weight-matrix elements of the recurrence: its MACs for one (step, sequence) pair."""
        return self.recurrence_macs // self.pairs if self.pairs else 0

    @property
    def activation_bytes(self) -> int:
        return self.tensor_bytes + self.workspace_bytes

    @property
    def total_bytes(self) -> int:
        return self.parameter_bytes + self.activation_bytes

    def to_dict(self) -> dict[str, Any]:
        return {
            "macs": self.macs,
            "flops": 2 * self.macs,
            "layers": [layer.to_dict() for layer in self.layers],
            "output_macs": self.output_macs,
            "memory": {
                "parameter_bytes": self.parameter_bytes,
                "tensor_bytes": self.tensor_bytes,
                "workspace_bytes": self.workspace_bytes,
                "activation_bytes": self.activation_bytes,
                "total_bytes": self.total_bytes,
            },
        }


def forward_cost(
    spec: ModelSpec,
    run: RunSpec,
    parameters: Iterable[ParameterInfo],
    tensors: Mapping[str, TensorInfo],
    recurrent_steps: Optional[int] = None,
) -> Cost:
    """Count MACs and bytes for one forward pass of ``run.seq_len`` steps.

    ``recurrent_steps`` is the number of (step, sequence) pairs the recurrence and the output
    layer really compute: ``seq_len × batch`` when padded, the sum of the lengths when packed.
    """
    steps = run.seq_len * run.batch
    rnn_steps = steps if recurrent_steps is None else recurrent_steps
    output_macs = 0
    per_layer = {layer: [0, 0, 0] for layer in range(spec.num_layers)}
    parameter_elements = 0
    for p in parameters:
        parameter_elements += p.numel
        if p.name == "output.weight":
            output_macs = rnn_steps * p.numel
        if p.layer < 0 or not p.name.startswith("weight_"):
            continue  # biases, the embedding (a lookup), the output layer (counted above)
        slot = {"weight_ih": 0, "weight_hh": 1, "weight_hr": 2}[p.name[:9]]
        per_layer[p.layer][slot] += rnn_steps * p.numel
    layers = tuple(LayerCost(k, *v) for k, v in per_layer.items())
    out_features = spec.num_directions * spec.state_size
    between_layers = (spec.num_layers - 1) * steps * out_features
    gates = steps * spec.gate_count * spec.hidden_size * spec.num_directions
    size = run.dtype_bytes
    return Cost(
        macs=sum(layer.macs for layer in layers) + output_macs,
        layers=layers,
        output_macs=output_macs,
        pairs=rnn_steps,
        parameter_bytes=parameter_elements * size,
        tensor_bytes=sum(t.nbytes for t in tensors.values()),
        workspace_bytes=(between_layers + gates) * size,
        dtype_bytes=size,
    )
