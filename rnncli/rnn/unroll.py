"""The recurrence computed one time step at a time, with the module's own weights.

This is the notebook's ``h_t = tanh(W_hh·h_(t-1) + W_xh·x_t)`` made exact for every option torch
supports. ``--verify`` compares it with torch's fused kernel: agreement proves that the equations
rnncli prints are the ones torch computes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from rnncli.dataclass_dict import fields_dict
from rnncli.rnn.spec import ModelSpec

#: Largest absolute difference accepted between torch and the unrolled recurrence, per dtype,
#: together with a relative part for large activations (as in ``torch.allclose``).
TOLERANCE = {
    "float64": (1e-10, 1e-10),
    "float32": (1e-5, 1e-5),
    "float16": (1e-2, 1e-2),
    "bfloat16": (5e-2, 5e-2),
}


@dataclass(frozen=True)
class VerifyResult:
    """How far torch's output is from the step-by-step recurrence."""

    max_abs_error: float
    atol: float
    rtol: float
    passed: bool
    steps: int

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self)


def unroll(
    spec: ModelSpec,
    module: Any,
    x: Any,
    h0: Any,
    c0: Optional[Any] = None,
    record: Optional[dict[str, list[Any]]] = None,
):
    """Run ``module``'s recurrence step by step; return ``(output, h_n, c_n)`` like torch.

    ``c_n`` is ``None`` unless the cell is an LSTM. Dropout between layers is not applied
    (torch applies it only in training mode; rnncli runs modules in eval mode). Given
    ``record``, each layer and direction's step states ``h_t`` go in it, by ``"l0"``,
    ``"l0_reverse"``, in step order (``--grad`` differentiates through them).
    """
    import torch

    layer_input = x.transpose(0, 1) if spec.batch_first else x
    seq_len = layer_input.shape[0]
    h_n, c_n = [], []
    directions = ("", "_reverse") if spec.bidirectional else ("",)
    for layer in range(spec.num_layers):
        outputs = []
        for d, suffix in enumerate(directions):
            index = layer * len(directions) + d
            p = {
                name: getattr(module, f"{name}_l{layer}{suffix}", None)
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
            }
            h = h0[index]
            c = c0[index] if c0 is not None else None
            steps = range(seq_len - 1, -1, -1) if suffix else range(seq_len)
            out_steps: list[Any] = [None] * seq_len
            for t in steps:
                h, c = _step(spec, p, layer_input[t], h, c)
                out_steps[t] = h
            if record is not None:
                record[f"l{layer}{suffix}"] = out_steps
            outputs.append(torch.stack(out_steps))
            h_n.append(h)
            c_n.append(c)
        layer_input = torch.cat(outputs, dim=2) if len(outputs) > 1 else outputs[0]
    output = layer_input.transpose(0, 1) if spec.batch_first else layer_input
    return output, torch.stack(h_n), (torch.stack(c_n) if spec.cell == "lstm" else None)


def _affine(x: Any, weight: Any, bias: Optional[Any]) -> Any:
    y = x @ weight.T
    return y + bias if bias is not None else y


def _step(spec: ModelSpec, p: dict, x_t: Any, h: Any, c: Optional[Any]):
    import torch

    gi = _affine(x_t, p["weight_ih"], p["bias_ih"])
    gh = _affine(h, p["weight_hh"], p["bias_hh"])
    if spec.cell == "rnn":
        act = torch.tanh if spec.nonlinearity == "tanh" else torch.relu
        return act(gi + gh), None
    if spec.cell == "lstm":
        i, f, g, o = (gi + gh).chunk(4, dim=1)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c = f * c + i * g
        h = o * torch.tanh(c)
        if p["weight_hr"] is not None:
            h = h @ p["weight_hr"].T
        return h, c
    # GRU: r scales the recurrent part after its matrix product, as torch computes it.
    ir, iz, in_ = gi.chunk(3, dim=1)
    hr, hz, hn = gh.chunk(3, dim=1)
    r = torch.sigmoid(ir + hr)
    z = torch.sigmoid(iz + hz)
    n = torch.tanh(in_ + r * hn)
    return (1 - z) * n + z * h, None


def verify(
    spec: ModelSpec, module: Any, x: Any, h0: Any, c0: Optional[Any], results: tuple, dtype: str
) -> VerifyResult:
    """Compare torch's ``results`` = ``(output, h_n, c_n)`` with :func:`unroll`."""
    import torch

    with torch.no_grad():
        mine = unroll(spec, module, x, h0, c0)
    atol, rtol = TOLERANCE[dtype]
    worst = 0.0
    passed = True
    for theirs, ours in zip(results, mine):
        if theirs is None or ours is None:
            continue
        a, b = theirs.detach().double(), ours.detach().double()
        worst = max(worst, float((a - b).abs().max()))
        passed = passed and bool(torch.allclose(a, b, atol=atol, rtol=rtol))
    return VerifyResult(worst, atol, rtol, passed, steps=x.shape[1 if spec.batch_first else 0])


def verify_packed(
    spec: ModelSpec,
    module: Any,
    x: Any,
    h0: Any,
    c0: Optional[Any],
    results: tuple,
    dtype: str,
    lengths: list[int],
) -> VerifyResult:
    """Check a packed run: each sequence, unrolled alone over its own length, must give torch's
    output at its real steps and its h_n (and c_n)."""
    import torch

    output, h_n, c_n = results
    atol, rtol = TOLERANCE[dtype]
    worst, passed = 0.0, True
    for b, length in enumerate(lengths):
        if spec.batch_first:
            x_b, out_b = x[b : b + 1, :length], output[b : b + 1, :length]
        else:
            x_b, out_b = x[:length, b : b + 1], output[:length, b : b + 1]
        c0_b = None if c0 is None else c0[:, b : b + 1]
        with torch.no_grad():
            mine = unroll(spec, module, x_b, h0[:, b : b + 1], c0_b)
        theirs = (out_b, h_n[:, b : b + 1], None if c_n is None else c_n[:, b : b + 1])
        for t, m in zip(theirs, mine):
            if t is None or m is None:
                continue
            a, c = t.detach().double(), m.detach().double()
            worst = max(worst, float((a - c).abs().max()))
            passed = passed and bool(torch.allclose(a, c, atol=atol, rtol=rtol))
    return VerifyResult(worst, atol, rtol, passed, steps=max(lengths))
