"""`inspect --grad`: how much of the loss's gradient reaches each earlier step (why RNNs forget).

The loss is the top layer's output at the last step, ``L = output[-1].sum()`` (each sequence's
own last real token for text), backpropagated through torch's own module. Every figure is
computed on a float64 copy of the module and input: over 100 steps a default RNN's gradient at
the first step is around 1e-23 to 1e-50 of the last one, which float32 flushes to exactly 0.
``‖∂L/∂h_t‖`` for every layer and direction comes from the step-by-step recurrence of
:mod:`rnncli.rnn.unroll`, whose gradients are checked against torch's fused module.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Optional

from rnncli.dataclass_dict import fields_dict
from rnncli.rnn.spec import ModelSpec

#: What ``clip_grad_norm_`` adds to the total norm before dividing (torch's own constant).
CLIP_EPS = 1e-6


@dataclass(frozen=True)
class ParameterGradient:
    """One parameter's gradient norm ``‖∂L/∂θ‖``."""

    name: str
    norm: float

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self)


@dataclass(frozen=True)
class ClipScale:
    """What ``torch.nn.utils.clip_grad_norm_(max_norm)`` would multiply every gradient by."""

    max_norm: float
    scale: float

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self)


@dataclass(frozen=True)
class Gradients:
    """The gradient of one loss through time: per step, per state, per parameter.

    ``input[t]`` is ``‖∂L/∂x_t‖`` (norm over batch and features); ``hidden["l0_reverse"][t]``
    is ``‖∂L/∂h_t‖`` of layer 0's reverse direction. ``ratio_first_last``, ``decay_per_step``
    and ``half_life`` are ``None`` where they mean nothing (one step, a zero last gradient, no
    decay).
    """

    loss: str
    dtype: str
    input: list[float]
    hidden: dict[str, list[float]]
    parameters: list[ParameterGradient]
    total_norm: float
    ratio_first_last: Optional[float]
    decay_per_step: Optional[float]
    half_life: Optional[float]
    clip: Optional[ClipScale]
    max_relative_error: float

    def to_dict(self) -> dict[str, Any]:
        data = fields_dict(self, omit=("clip", "max_relative_error"))
        if self.clip is not None:
            data["clip"] = self.clip.to_dict()
        data["checked_against_autograd"] = {"max_relative_error": self.max_relative_error}
        return data


def loss_text(spec: ModelSpec, text: bool) -> str:
    """The loss as the user would write it in a notebook."""
    if text:
        return (
            "sum over b of output[b, length_b - 1].sum()"
            if spec.batch_first
            else "sum over b of output[length_b - 1, b].sum()"
        )
    return "output[:, -1].sum()" if spec.batch_first else "output[-1].sum()"


def decay_figures(
    norms: list[float],
) -> tuple[Optional[float], Optional[float], Optional[float]]:
    """``(first/last, per-step factor, half-life in steps)`` of a list of per-step norms.

    The per-step factor is the geometric mean of ``norms[t] / norms[t + 1]``, which telescopes
    to ``(first / last) ** (1 / (steps - 1))``; the half-life is the number of steps over which
    the gradient halves at that rate (``None`` unless it shrinks).
    """
    if len(norms) < 2 or not norms[-1] > 0 or not math.isfinite(norms[0]):
        return None, None, None
    ratio = norms[0] / norms[-1]
    if not math.isfinite(ratio):
        return None, None, None
    decay = ratio ** (1.0 / (len(norms) - 1)) if ratio > 0 else 0.0
    half_life = math.log(0.5) / math.log(decay) if 0.0 < decay < 1.0 else None
    return ratio, decay, half_life


def clip_scale(total_norm: float, max_norm: float) -> float:
    """``clip_grad_norm_``'s factor: ``min(1, max_norm / (total + 1e-6))``."""
    return min(1.0, max_norm / (total_norm + CLIP_EPS))


def backpropagate(
    spec: ModelSpec,
    module: Any,
    x: Any,
    h0: Any,
    c0: Optional[Any],
    *,
    lengths: Optional[list[int]] = None,
    pack: bool = False,
    clip: Optional[float] = None,
) -> Gradients:
    """Backpropagate ``L`` through a float64 copy of ``module`` from a float64 copy of ``x``.

    ``lengths`` (text runs) puts each sequence's loss at its own last real token; ``pack`` runs
    the batch as a ``PackedSequence``, as the forward pass did. ``module`` is left as it was.
    """
    import copy

    import torch

    f64 = torch.float64
    steps_dim = 1 if spec.batch_first else 0
    seq_len, batch = x.shape[steps_dim], x.shape[1 - steps_dim]
    text = lengths is not None
    lengths = list(lengths) if lengths is not None else [seq_len] * batch

    model = copy.deepcopy(module).to(dtype=f64)
    model.eval()
    x64 = x.detach().to(f64).requires_grad_(True)
    h064 = h0.detach().to(f64).requires_grad_(True)
    c064 = None if c0 is None else c0.detach().to(f64).requires_grad_(True)
    params = dict(model.named_parameters())

    # torch's own module, fused kernel: the figures reported.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # kernel choices (oneDNN and proj_size) are not news
        output = _torch_output(spec, model, x64, h064, c064, lengths, pack)
    loss = last_step_loss(spec, output, last_indices(lengths, output.device))
    wanted = [x64, h064] + ([c064] if c064 is not None else []) + list(params.values())
    theirs = torch.autograd.grad(loss, wanted, allow_unused=True)
    theirs = [torch.zeros_like(w) if g is None else g for w, g in zip(wanted, theirs)]

    # The step-by-step recurrence: the same gradients, and the per-step state gradients.
    ours, hidden = _unrolled(spec, model, x64, h064, c064, lengths, pack, list(params.values()))

    input_norms = [float(theirs[0].select(steps_dim, t).norm()) for t in range(seq_len)]
    param_grads = theirs[2 if c064 is None else 3 :]
    parameters = [ParameterGradient(name, float(g.norm())) for name, g in zip(params, param_grads)]
    total = math.sqrt(sum(p.norm**2 for p in parameters))
    ratio, decay, half_life = decay_figures(input_norms)
    error = _max_relative_error(theirs, ours, steps_dim, seq_len)
    return Gradients(
        loss=loss_text(spec, text),
        dtype="float64",
        input=input_norms,
        hidden=hidden,
        parameters=parameters,
        total_norm=total,
        ratio_first_last=ratio,
        decay_per_step=decay,
        half_life=half_life,
        clip=None if clip is None else ClipScale(clip, clip_scale(total, clip)),
        max_relative_error=error,
    )


def _torch_output(
    spec: ModelSpec, model: Any, x: Any, h0: Any, c0: Any, lengths: list[int], pack: bool
) -> Any:
    """The module's output for ``x``, packed as the forward run was, unpacked to padded."""
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    state = (h0, c0) if spec.cell == "lstm" else h0
    if not pack:
        return model(x, state)[0]
    packed = pack_padded_sequence(x, lengths, batch_first=spec.batch_first, enforce_sorted=False)
    out, _ = pad_packed_sequence(
        model(packed, state)[0], batch_first=spec.batch_first, total_length=max(lengths)
    )
    return out


def last_indices(lengths: list[int], device: Any) -> tuple[Any, Any]:
    """``(last, columns)`` for :func:`last_step_loss`: each sequence's last real step and its
    batch index, as tensors made once (a timed loop reuses them)."""
    import torch

    last = torch.tensor([n - 1 for n in lengths], device=device)
    return last, torch.arange(len(lengths), device=device)


def last_step_loss(spec: ModelSpec, output: Any, last: Optional[tuple[Any, Any]] = None) -> Any:
    """``L``: the top layer's output at the last step, summed (``output[-1].sum()``), or with
    ``last`` (:func:`last_indices`) the sum of each sequence's output at its own last real step.
    A ``PackedSequence`` output is unpacked first. The one loss of ``--grad`` and ``--time``."""
    from torch.nn.utils.rnn import PackedSequence, pad_packed_sequence

    if isinstance(output, PackedSequence):
        output, _ = pad_packed_sequence(output, batch_first=spec.batch_first)
    if last is None:
        return (output[:, -1] if spec.batch_first else output[-1]).sum()
    steps, columns = last
    return (output[columns, steps] if spec.batch_first else output[steps, columns]).sum()


def _unrolled(
    spec: ModelSpec,
    model: Any,
    x: Any,
    h0: Any,
    c0: Any,
    lengths: list[int],
    pack: bool,
    params: list[Any],
) -> tuple[list[Any], dict[str, list[float]]]:
    """Gradients of ``L`` through :func:`~rnncli.rnn.unroll.unroll`, in the order of
    :func:`backpropagate`'s ``wanted``, and ``‖∂L/∂h_t‖`` per layer and direction.

    A packed run unrolls each sequence alone over its own length (as the packed kernel runs it);
    otherwise the whole padded batch goes through at once.
    """
    import torch

    from rnncli.rnn.unroll import unroll

    steps_dim = 1 if spec.batch_first else 0
    seq_len = x.shape[steps_dim]
    groups = [[b] for b in range(len(lengths))] if pack else [list(range(len(lengths)))]
    x_grad, h0_grad = torch.zeros_like(x), torch.zeros_like(h0)
    c0_grad = None if c0 is None else torch.zeros_like(c0)
    param_grads = [torch.zeros_like(p) for p in params]
    squares: dict[str, list[float]] = {}
    for group in groups:
        steps = max(lengths[b] for b in group)
        index = torch.tensor(group, device=x.device)
        xs = x.index_select(1 - steps_dim, index).narrow(steps_dim, 0, steps).detach()
        xs.requires_grad_(True)
        h0s = h0.index_select(1, index).detach().requires_grad_(True)
        c0s = None if c0 is None else c0.index_select(1, index).detach().requires_grad_(True)
        record: dict[str, list[Any]] = {}
        output, _, _ = unroll(spec, model, xs, h0s, c0s, record=record)
        loss = last_step_loss(spec, output, last_indices([lengths[b] for b in group], x.device))
        names = list(record)
        states = [h for name in names for h in record[name]]
        leaves = [xs, h0s] + ([c0s] if c0s is not None else [])
        wanted = leaves + params + states
        grads = [
            torch.zeros_like(w) if g is None else g
            for w, g in zip(wanted, torch.autograd.grad(loss, wanted, allow_unused=True))
        ]
        x_grad.index_copy_(1 - steps_dim, index, _pad_steps(grads[0], steps_dim, seq_len))
        h0_grad.index_copy_(1, index, grads[1])
        if c0_grad is not None:
            c0_grad.index_copy_(1, index, grads[2])
        for total, g in zip(param_grads, grads[len(leaves) : len(leaves) + len(params)]):
            total += g
        state_grads = iter(grads[len(leaves) + len(params) :])
        for name in names:
            row = squares.setdefault(name, [0.0] * seq_len)
            for t in range(steps):
                row[t] += float(next(state_grads).square().sum())
    ours = [x_grad, h0_grad] + ([c0_grad] if c0_grad is not None else []) + param_grads
    hidden = {name: [math.sqrt(v) for v in row] for name, row in squares.items()}
    return ours, hidden


def _pad_steps(grad: Any, steps_dim: int, seq_len: int) -> Any:
    """A shorter sequence's gradient, zero-padded to ``seq_len`` steps."""
    import torch

    missing = seq_len - grad.shape[steps_dim]
    if missing == 0:
        return grad
    shape = list(grad.shape)
    shape[steps_dim] = missing
    return torch.cat([grad, grad.new_zeros(shape)], dim=steps_dim)


def _max_relative_error(theirs: list[Any], ours: list[Any], steps_dim: int, seq_len: int) -> float:
    """The largest ``‖a − b‖ / max(‖a‖, ‖b‖)`` over each step's ``∂L/∂x_t``, the initial
    states' and each parameter's gradient (0 where both are 0)."""
    pairs = [(theirs[0].select(steps_dim, t), ours[0].select(steps_dim, t)) for t in range(seq_len)]
    pairs += list(zip(theirs[1:], ours[1:]))
    worst = 0.0
    for a, b in pairs:
        scale = max(float(a.norm()), float(b.norm()))
        if scale > 0:
            worst = max(worst, float((a - b).norm()) / scale)
    return worst
