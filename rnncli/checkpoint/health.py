"""How healthy a file's weights look: per-tensor figures and the recurrent layers' gains.

:func:`tensor_stats` walks a tensor in chunks of a flat view, accumulating in float64, so a
multi-GB memory-mapped tensor is never copied whole; NaN and Inf are counted and left out of the
other figures. :func:`recurrent_health` measures what decides whether a recurrent layer's states
grow or fade step over step: the spectral norm (largest singular value) of each gate's block of
``weight_hh`` (and of ``weight_hr``), and for LSTMs the mean forget-gate bias.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    import torch

    from rnncli.checkpoint.modules import FoundModule

#: Elements per chunk when walking a tensor: 8 MB of float64 at a time.
CHUNK = 1 << 20

#: Blocks with more elements than this get Lanczos iteration instead of a full SVD.
EXACT_LIMIT = 1 << 20

#: A tanh/ReLU recurrence whose spectral norm is below this fades quickly.
FADES_BELOW = 0.5

#: An LSTM whose mean forget gate is below this keeps little memory from step to step.
FORGETS_BELOW = 0.6


@dataclass
class TensorStats:
    """Figures a debugging user looks at first; NaN/Inf are counted, not averaged.

    ``mean``, ``std`` (torch's default, with Bessel's correction), ``min``, ``max`` and ``norm``
    (L2) are over the finite elements only and ``None`` when there are none; ``zeros`` is the
    share of elements that are exactly zero.
    """

    mean: Optional[float]
    std: Optional[float]
    min: Optional[float]
    max: Optional[float]
    norm: Optional[float]
    nan: int
    inf: int
    zeros: float
    numel: int = 0

    @property
    def finite(self) -> bool:
        """No NaN and no Inf."""
        return self.nan == 0 and self.inf == 0

    def to_dict(self) -> dict[str, Any]:
        """``{"mean","std","min","max","norm","nan","inf","zeros"}``."""
        data = asdict(self)
        del data["numel"]
        return data


def tensor_stats(tensor: torch.Tensor, chunk: int = CHUNK) -> TensorStats:
    """Mean, std, min, max, L2 norm, NaN and Inf counts, share of zeros, chunk by chunk.

    Chunks are combined with Chan's parallel update (mean and sum of squared deviations), so the
    std stays accurate for large means; only one chunk is ever converted to float64.
    """
    import torch

    if tensor.device.type == "meta":
        raise ValueError("a meta tensor has no values to measure")
    flat = tensor.detach()
    if flat.is_complex():
        flat = torch.view_as_real(flat)
    flat = flat.reshape(-1)  # a view when contiguous, as state-dict tensors are
    numel = int(flat.numel())
    count, mean, m2 = 0, 0.0, 0.0
    low, high, squares = math.inf, -math.inf, 0.0
    nan = inf = zeros = 0
    for start in range(0, numel, chunk):
        part = flat[start : start + chunk].to(torch.float64)  # no copy when already float64
        zeros += int(part.numel()) - int(torch.count_nonzero(part))
        total = float(part.sum())
        if not math.isfinite(total):
            # Rare: find the NaN/Inf (or a float64 overflow) and leave them out.
            finite = torch.isfinite(part)
            bad_nan = int(torch.isnan(part).sum())
            nan += bad_nan
            inf += int(part.numel()) - int(finite.sum()) - bad_nan
            part = part[finite]
            total = float(part.sum())
        n = int(part.numel())
        if n == 0:
            continue
        part_mean = total / n
        deviations = part - part_mean
        part_m2 = float(torch.dot(deviations, deviations))
        merged = count + n
        delta = part_mean - mean
        mean += delta * n / merged
        m2 += part_m2 + delta * delta * count * n / merged
        count = merged
        part_low, part_high = torch.aminmax(part)
        low = min(low, float(part_low))
        high = max(high, float(part_high))
        squares += float(torch.dot(part, part))
    if count == 0:
        return TensorStats(None, None, None, None, None, nan, inf, _share(zeros, numel), numel)
    std = math.sqrt(m2 / (count - 1)) if count > 1 else 0.0
    return TensorStats(
        mean, std, low, high, math.sqrt(squares), nan, inf, _share(zeros, numel), numel
    )


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def spectral_norm(
    matrix: torch.Tensor,
    exact_limit: int = EXACT_LIMIT,
    steps: int = 200,
    tol: float = 1e-9,
) -> tuple[float, str]:
    """The largest singular value and how it was found: ``exact`` or ``lanczos``.

    Small blocks get ``torch.linalg.matrix_norm(ord=2)``. Big ones get Lanczos iteration on
    ``AᵀA`` (power iteration that keeps every direction it has seen, fully re-orthogonalised):
    it reads the block only through ``A @ v`` and ``Aᵀ @ u`` (no copy of a float32/float64
    block), converges in tens of steps even where the top singular values crowd together (an
    untrained layer), starts from a fixed vector so a file always gives the same figure, and
    its estimate never exceeds the true value.
    """
    import torch

    if matrix.numel() == 0:
        return 0.0, "exact"
    if matrix.dtype not in (torch.float32, torch.float64):
        matrix = matrix.to(torch.float32)
    if matrix.numel() <= exact_limit:
        return float(torch.linalg.matrix_norm(matrix.to(torch.float64), ord=2)), "exact"
    if matrix.shape[0] < matrix.shape[1]:
        matrix = matrix.T  # the Krylov vectors live in the smaller dimension
    size = int(matrix.shape[1])
    generator = torch.Generator().manual_seed(0)
    vector = torch.randn(size, generator=generator, dtype=torch.float64)
    basis = [vector / torch.linalg.vector_norm(vector)]
    alphas: list[float] = []
    betas: list[float] = []
    value = 0.0
    for _ in range(min(steps, size)):
        q = basis[-1]
        w = (matrix.T @ (matrix @ q.to(matrix.dtype))).to(torch.float64)
        alphas.append(float(w @ q))
        stacked = torch.stack(basis, dim=1)
        for _ in range(2):  # twice is enough (Kahan): the basis stays orthonormal
            w = w - stacked @ (stacked.T @ w)
        tridiagonal = torch.diag(torch.tensor(alphas, dtype=torch.float64))
        if betas:
            off = torch.tensor(betas, dtype=torch.float64)
            tridiagonal += torch.diag(off, 1) + torch.diag(off, -1)
        top = float(torch.linalg.eigvalsh(tridiagonal)[-1])
        new_value = math.sqrt(max(top, 0.0))
        # Ritz values only grow; a step down is rounding noise, so it counts as converged.
        converged = new_value - value <= tol * new_value
        value = max(value, new_value)
        beta = float(torch.linalg.vector_norm(w))
        if converged or beta <= 1e-12 * max(top, 1e-300):
            break
        betas.append(beta)
        basis.append(w / beta)
    return value, "lanczos"


@dataclass
class SpectralNorm:
    """The largest singular value of one gate's block of a recurrent weight."""

    parameter: str
    gate: Optional[str]
    layer: int
    direction: str
    value: Optional[float]
    method: str
    flag: Optional[str] = None  # grows | fades | nonfinite, for a plain (tanh/ReLU) recurrence

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ForgetBias:
    """The mean LSTM forget-gate bias ``b_if + b_hf`` of one layer and direction."""

    layer: int
    direction: str
    value: Optional[float]
    sigmoid: Optional[float]
    flag: Optional[str] = None  # forgets when the mean gate keeps little memory

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RecurrentHealth:
    """A recurrent module's gains: what makes its states and gradients grow or fade.

    ``flags`` are plain sentences a renderer shows as they are.
    """

    module: str
    kind: str
    spectral_norms: list[SpectralNorm] = field(default_factory=list)
    forget_bias_mean: list[ForgetBias] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """``{"spectral_norms": [...], "forget_bias_mean": [...], "flags": [...]}``."""
        from rnncli.dataclass_dict import fields_dict

        return fields_dict(self, omit=("module", "kind"))  # the module's own entry says them


def _gates(cell: str) -> tuple[Optional[str], ...]:
    """The gate blocks of ``weight_hh`` in torch's order; one unnamed block for a plain RNN."""
    from rnncli.rnn.spec import GATES

    return GATES[cell] or (None,)


def _suffixes(found: FoundModule) -> list[tuple[int, str, str]]:
    """(layer, direction, name suffix) of every layer and direction of the module."""
    if found.kind.endswith("cell"):
        return [(0, "forward", "")]
    directions = [("forward", "")]
    if found.config["bidirectional"]:
        directions.append(("reverse", "_reverse"))
    return [
        (layer, direction, f"_l{layer}{suffix}")
        for layer in range(found.config["num_layers"])
        for direction, suffix in directions
    ]


def recurrent_health(
    found: FoundModule, exact_limit: int = EXACT_LIMIT, forgets_below: float = FORGETS_BELOW
) -> RecurrentHealth:
    """Spectral norms of each gate block of ``weight_hh`` (and ``weight_hr``), LSTM forget bias.

    For a plain RNN (tanh or ReLU) a norm above 1 means states and gradients can grow step over
    step (``grows``), one well below 1 that they fade (``fades``). For LSTMs the mean of
    ``b_if + b_hf`` and its sigmoid: a forget gate near 0.5 forgets half its memory each step.
    """
    import torch

    if found.kind not in ("rnn", "lstm", "gru", "rnncell", "lstmcell", "grucell"):
        raise ValueError(f"{found.display_name} is {found.kind}, not a recurrent module")
    cell = found.cell or "rnn"
    hidden = found.config["hidden_size"]
    tensors = found.tensors
    health = RecurrentHealth(module=found.name, kind=found.kind)
    for layer, direction, suffix in _suffixes(found):
        where = f"layer {layer} {direction}"
        weight_hh = tensors[f"weight_hh{suffix}"]
        blocks = [
            (f"weight_hh{suffix}", gate, weight_hh[i * hidden : (i + 1) * hidden])
            for i, gate in enumerate(_gates(cell))
        ]
        if f"weight_hr{suffix}" in tensors:
            blocks.append((f"weight_hr{suffix}", None, tensors[f"weight_hr{suffix}"]))
        for parameter, gate, block in blocks:
            if not bool(torch.isfinite(block).all()):
                entry = SpectralNorm(
                    parameter, gate, layer, direction, None, "skipped", "nonfinite"
                )
                health.flags.append(f"{parameter} ({where}) holds NaN or Inf: no spectral norm")
            else:
                value, method = spectral_norm(block, exact_limit=exact_limit)
                entry = SpectralNorm(parameter, gate, layer, direction, value, method)
                if cell == "rnn":
                    _flag_plain(entry, found, where, health.flags)
            health.spectral_norms.append(entry)
        if cell == "lstm":
            health.forget_bias_mean.append(
                _forget_bias(tensors, suffix, hidden, layer, direction, forgets_below)
            )
            bias = health.forget_bias_mean[-1]
            if bias.flag == "forgets":
                health.flags.append(
                    f"{where}: mean forget gate sigmoid({bias.value:.2f}) = {bias.sigmoid:.2f}: "
                    f"it keeps only {bias.sigmoid:.0%} of its memory each step "
                    f"(a forget bias near 1 is the classic remedy)"
                )
    return health


def _flag_plain(entry: SpectralNorm, found: FoundModule, where: str, flags: list[str]) -> None:
    """``grows``/``fades`` for a plain tanh/ReLU recurrence ``h_t = φ(W_hh h_{t-1} + ...)``."""
    value = entry.value or 0.0
    activation = found.config.get("nonlinearity", "tanh")
    if value > 1.0:
        entry.flag = "grows"
        flags.append(
            f"{entry.parameter} ({where}): spectral norm {value:.3g} > 1: with {activation}, "
            f"states and gradients can grow step over step"
        )
    elif value < FADES_BELOW:
        entry.flag = "fades"
        flags.append(
            f"{entry.parameter} ({where}): spectral norm {value:.3g}, well below 1: "
            f"states and gradients fade step over step"
        )


def _forget_bias(
    tensors: dict[str, Any],
    suffix: str,
    hidden: int,
    layer: int,
    direction: str,
    forgets_below: float,
) -> ForgetBias:
    import torch

    parts = [tensors.get(f"bias_ih{suffix}"), tensors.get(f"bias_hh{suffix}")]
    rows = [p[hidden : 2 * hidden].to(torch.float64) for p in parts if p is not None]
    if not rows:
        # No biases: the forget gate's pre-activation has no offset, sigmoid(0) = 0.5.
        value = 0.0
    else:
        total = rows[0] if len(rows) == 1 else rows[0] + rows[1]
        value = float(total.mean())
    if not math.isfinite(value):
        return ForgetBias(layer, direction, None, None, "nonfinite")
    sigmoid = 1.0 / (1.0 + math.exp(-value)) if value > -700 else 0.0
    return ForgetBias(
        layer, direction, value, sigmoid, "forgets" if sigmoid < forgets_below else None
    )
