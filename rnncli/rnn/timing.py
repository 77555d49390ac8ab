"""`inspect --time`: how long one forward pass and one training step of the module take.

What is timed is the recurrent module alone (not the embedding or the ``--output-size`` layer),
on the inspection's own input, in two kinds of run, each timed in its own loop (as ``timeit``
times one statement: interleaving them would time each forward pass with the caches a backward
pass left):

* ``forward``: ``module(x, h0)`` in eval mode without autograd (inference);
* ``forward+backward`` (``backward_ms`` in the JSON): ``module(x, h0)`` with autograd recording,
  in training mode (cuDNN's RNN backward needs it, and a training step runs so), then
  ``L.backward()`` to every parameter, ``L`` the loss of ``--grad`` (the top layer's output at
  each sequence's last step, summed). It includes the forward pass: the backward pass alone
  costs about ``backward_ms - forward_ms``.

Warm-up rounds of both come first (kernel selection, allocator, caches: at least two), then
forward passes for half of the budget left, then forward+backward passes for the rest, each
until its time is spent or :data:`MAX_REPEATS` is reached, at least one. The budget covers the
measurement from the second warm-up round on (the first pays one-time set-up, which can take
seconds on a busy machine: ``setup_s``), and is overrun by at most the runs that must happen
(one more warm-up round, one run of each kind) and the one under way when it runs out. On CUDA
the device is synchronised before the clock starts and before it stops. The figures are min and
median of wall-clock milliseconds (``time.perf_counter``): noisy on a shared machine, which the
min tames.

Peak memory is measured over the first forward+backward, before anything is reused: CUDA's
``max_memory_allocated`` (everything torch holds on the device, parameters and input included);
on CPU the growth of the process's peak resident memory over that run (``VmHWM``, reset through
``/proc/self/clear_refs`` on Linux), else the growth of ``ru_maxrss`` (0 when an earlier peak of
the process was higher). :attr:`Timing.peak_memory` says which.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Callable, Optional

from rnncli.dataclass_dict import fields_dict
from rnncli.errors import RnncliError
from rnncli.rnn.spec import ModelSpec

#: ``--time-budget``'s default: seconds for the measurement, warm-up after the first round
#: included.
DEFAULT_BUDGET_S = 2.0
#: Timed rounds stop here even when the budget is not spent.
MAX_REPEATS = 1000
#: Untimed rounds first (the first calls pay for lazy set-up: 100 ms and more on CPU): at least
#: :data:`MIN_WARMUP`, up to ``warmup`` while they take less than a quarter of the budget.
WARMUP = 3
MIN_WARMUP = 2

#: What ``backward_ms`` measures, in one sentence (the help, the report and the README say it).
BACKWARD_MEASURES = (
    "forward+backward: one forward pass with autograd on (training mode) plus L.backward() to "
    "every parameter; backward alone is about backward_ms - forward_ms"
)


@dataclass(frozen=True)
class Milliseconds:
    """The fastest and the median of the timed runs, in milliseconds."""

    min: float
    median: float

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self)


@dataclass(frozen=True)
class Timing:
    """What one module costs in time and memory on one device (``to_dict`` is the JSON).

    ``tokens_per_s`` is ``tokens / median forward``, ``tokens`` being ``seq_len × batch`` or,
    for text, the real tokens (padding left out). ``repeats`` forward passes and
    ``backward_repeats`` forward+backward passes were timed.
    """

    device: str
    threads: int
    repeats: int
    forward_ms: Milliseconds
    backward_ms: Milliseconds
    tokens_per_s: Optional[float]
    peak_memory_bytes: Optional[int]
    peak_memory: str
    tokens: int
    backward_repeats: int
    warmup: int
    budget_s: float
    elapsed_s: float
    setup_s: float
    cudnn: Optional[bool]
    dtype: str
    loss: str
    backward: str = BACKWARD_MEASURES

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self)


def time_module(
    spec: ModelSpec,
    module: Any,
    x: Any,
    h0: Any,
    c0: Optional[Any] = None,
    *,
    lengths: Optional[Sequence[int]] = None,
    pack: bool = False,
    budget_s: float = DEFAULT_BUDGET_S,
    max_repeats: int = MAX_REPEATS,
    warmup: int = WARMUP,
    cudnn: bool = True,
    clock: Callable[[], float] = time.perf_counter,
) -> Timing:
    """Time ``module`` on ``x`` (and ``h0``, ``c0``): forward, and forward+backward.

    ``lengths`` (text runs) gives each sequence's real length: the loss is taken at each one's
    last real step and only real tokens count; ``pack`` runs the batch as a ``PackedSequence``
    (packed once, outside the timing). ``clock`` is injectable so that tests can run the loop
    on a fake clock. ``module`` is left in the mode it was in, without gradients.
    """
    import torch

    from rnncli.rnn.gradients import last_indices, last_step_loss, loss_text

    steps_dim = 1 if spec.batch_first else 0
    seq_len, batch = x.shape[steps_dim], x.shape[1 - steps_dim]
    device = x.device
    tokens = seq_len * batch if lengths is None else int(sum(lengths))
    inp: Any = x.detach()
    if pack:
        from torch.nn.utils.rnn import pack_padded_sequence

        inp = pack_padded_sequence(
            inp,
            list(lengths or [seq_len] * batch),
            batch_first=spec.batch_first,
            enforce_sorted=False,
        )
    state = (h0, c0) if spec.cell == "lstm" else h0
    last = None if lengths is None else last_indices(lengths, device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    was_training = module.training

    def forward() -> None:
        with torch.no_grad():
            module(inp, state)

    def train_step() -> None:
        last_step_loss(spec, module(inp, state)[0], last).backward()

    def timed(run: Callable[[], None], training: bool) -> float:
        module.train(training)
        if training:
            module.zero_grad(set_to_none=True)
        sync()
        start = clock()
        run()
        sync()
        return clock() - start

    cudnn_flag = cudnn if device.type == "cuda" else None
    forward_s: list[float] = []
    step_s: list[float] = []
    rounds = 0
    try:
        with torch.backends.cudnn.flags(enabled=cudnn), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # kernel choices (oneDNN and proj_size) are not news
            # The first round pays one-time set-up (seconds on a busy machine): not in the budget.
            setup = clock()
            memory = _MemoryProbe(device)
            timed(forward, False)
            memory.start()
            timed(train_step, True)  # the first training step: nothing reused yet
            peak, how = memory.stop()
            rounds = 1
            began = clock()
            setup = began - setup
            while rounds < min(MIN_WARMUP, warmup) or (
                rounds < warmup and clock() - began < budget_s / 4
            ):
                timed(forward, False)
                timed(train_step, True)
                rounds += 1
            half = clock() + max(0.0, budget_s - (clock() - began)) / 2
            while len(forward_s) < max_repeats and (not forward_s or clock() < half):
                forward_s.append(timed(forward, False))
            while len(step_s) < max_repeats and (not step_s or clock() - began < budget_s):
                step_s.append(timed(train_step, True))
            elapsed = clock() - began
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RnncliError(f"--time: torch could not run this module here: {first}") from exc
    finally:
        module.zero_grad(set_to_none=True)
        module.train(was_training)
    forward_ms = _milliseconds(forward_s)
    return Timing(
        device=str(device),
        threads=torch.get_num_threads(),
        repeats=len(forward_s),
        forward_ms=forward_ms,
        backward_ms=_milliseconds(step_s),
        tokens_per_s=tokens_per_second(tokens, forward_ms.median),
        peak_memory_bytes=peak,
        peak_memory=how,
        tokens=tokens,
        backward_repeats=len(step_s),
        warmup=rounds,
        budget_s=float(budget_s),
        elapsed_s=elapsed,
        setup_s=setup,
        cudnn=cudnn_flag,
        dtype=str(x.dtype).removeprefix("torch."),
        loss=loss_text(spec, lengths is not None),
    )


def tokens_per_second(tokens: int, median_ms: float) -> Optional[float]:
    """``tokens`` over the median forward time (``None`` if the clock saw no time at all: JSON
    has no infinity)."""
    return tokens / (median_ms / 1000.0) if median_ms > 0 else None


def _milliseconds(seconds: list[float]) -> Milliseconds:
    import statistics  # here: it imports decimal, fractions and random, 0.6 MB at every start

    return Milliseconds(min(seconds) * 1000.0, statistics.median(seconds) * 1000.0)


#: How :class:`_MemoryProbe` measured, by the source it used (``Timing.peak_memory``).
MEMORY_SOURCES = {
    "cuda": "torch.cuda.max_memory_allocated (parameters and input included)",
    "vmhwm": "growth of the process's peak resident memory (VmHWM, reset)",
    "ru_maxrss": (
        "growth of the process's ru_maxrss (0 when an earlier peak of the process was higher)"
    ),
    "none": "not measured on this system",
}


class _MemoryProbe:
    """The peak memory of one run: CUDA's allocator, else the process's resident high-water."""

    def __init__(self, device: Any) -> None:
        self.device = device
        self.source = "none"
        self.base = 0

    def start(self) -> None:
        import torch

        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)
            self.source = "cuda"
        elif _reset_peak_rss():
            self.source, self.base = "vmhwm", _status_kb("VmRSS") * 1024
        else:
            self.base = _max_rss_bytes()
            self.source = "ru_maxrss" if self.base >= 0 else "none"

    def stop(self) -> tuple[Optional[int], str]:
        """``(bytes or None, how they were measured)``."""
        import torch

        how = MEMORY_SOURCES[self.source]
        if self.source == "cuda":
            return int(torch.cuda.max_memory_allocated(self.device)), how
        if self.source == "vmhwm":
            return max(0, _status_kb("VmHWM") * 1024 - self.base), how
        if self.source == "ru_maxrss":
            return max(0, _max_rss_bytes() - self.base), how
        return None, how


def _reset_peak_rss() -> bool:
    """Linux: writing 5 to ``/proc/self/clear_refs`` sets VmHWM back to the current RSS."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
        return _status_kb("VmHWM") >= 0 and _status_kb("VmRSS") >= 0
    except OSError:
        return False


def _status_kb(field: str) -> int:
    """A ``kB`` field of ``/proc/self/status``, or -1 where there is none."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return -1


def _max_rss_bytes() -> int:
    """``getrusage``'s peak resident size in bytes (kB on Linux, bytes on macOS), or -1."""
    try:
        import resource
        import sys
    except ImportError:  # pragma: no cover - Windows
        return -1
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)
