"""The hidden state at every step of every sequence, for the step-by-step picture.

Read from the run's ``output`` (the top layer's ``h_t``); for a bidirectional run the forward and
reverse halves are kept apart. Padded steps are marked so the picture can show them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from rnncli.dataclass_dict import fields_dict


@dataclass(frozen=True)
class Trace:
    """``values[t][b][d]`` is ``h_t`` of sequence ``b`` in direction ``d``; ``tokens`` likewise."""

    tokens: list[list[Optional[str]]]  # [t][b]; None where the step is padding
    values: list[list[list[list[float]]]]  # [t][b][direction][unit]
    directions: tuple[str, ...]
    packed: bool  # padded steps of a packed run are zeros that torch filled in, not computed

    @property
    def scale(self) -> float:
        """The largest |h| in the trace: the colour scale runs from -scale to +scale."""
        return max(
            (abs(v) for step in self.values for seq in step for d in seq for v in d), default=0.0
        )

    def to_dict(self) -> dict[str, Any]:
        return {**fields_dict(self), "scale": self.scale}


def build_trace(
    output: Any,
    tokens: list[list[Optional[str]]],
    bidirectional: bool,
    batch_first: bool,
    packed: bool,
) -> Trace:
    """Split the output tensor into per-step, per-sequence, per-direction lists of floats."""
    seq_first = output.transpose(0, 1) if batch_first else output
    values = seq_first.detach().double().cpu()
    if bidirectional:
        half = values.shape[-1] // 2
        per_step = [[[row[:half].tolist(), row[half:].tolist()] for row in step] for step in values]
        directions: tuple[str, ...] = ("forward", "reverse")
    else:
        per_step = [[[row.tolist()] for row in step] for step in values]
        directions = ("forward",)
    return Trace(tokens, per_step, directions, packed)
