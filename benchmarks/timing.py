"""`inspect --time` against a plain `timeit` of the same module and input, side by side.

For each configuration, in one process: rnncli's own run (``pipeline.inspect`` with ``time=True``:
seed, module, input, then the timing loop of ``rnncli/rnn/timing.py``) and, on a module and input
built the same way (same seed, so the same numbers), ``timeit.Timer.repeat`` of

* ``module(x, h0)`` (zero ``h0``, and ``c0`` for an LSTM) under ``torch.no_grad()`` in eval
  mode (rnncli's ``forward_ms``), and
* ``module.zero_grad(); module(x, h0)[0][-1].sum().backward()`` in training mode (rnncli's
  ``backward_ms``: forward+backward).

Both time single calls (``repeat(number=1)``: the mean of a batch of calls would carry every
outlier of a shared machine) and give their median and min in milliseconds; ``ratio`` is
rnncli's over timeit's (1.00 is perfect agreement). On a machine shared with other work the
medians are noisy (a parallel region waits for a descheduled thread): ``--threads 1`` steadies
them, and the min, as timeit's own documentation advises, is the steadier figure.

    .venv/bin/python benchmarks/timing.py [--budget 1.0] [--threads N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CONFIGS = [
    # label, InspectRequest keyword arguments
    ("RNN(100, 20) 10×3", dict(cell="rnn", input_size=100, hidden_size=20)),
    (
        "LSTM(256, 512) 50×32",
        dict(cell="lstm", input_size=256, hidden_size=512, seq_len=50, batch=32),
    ),
    (
        "GRU(128, 256) ×2 bi 100×16",
        dict(
            cell="gru",
            input_size=128,
            hidden_size=256,
            num_layers=2,
            bidirectional=True,
            seq_len=100,
            batch=16,
        ),
    ),
    (
        "LSTM(64, 128, proj 32) 200×8",
        dict(cell="lstm", input_size=64, hidden_size=128, proj_size=32, seq_len=200, batch=8),
    ),
]


def rnncli_ms(options: dict, budget: float) -> list[tuple[float, float]]:
    """(median, min) ms of forward and of forward+backward, from ``inspect --time``."""
    from rnncli.rnn.pipeline import inspect
    from rnncli.rnn.request import InspectRequest

    t = inspect(InspectRequest(time=True, time_budget=budget, **options)).timing
    return [(t.forward_ms.median, t.forward_ms.min), (t.backward_ms.median, t.backward_ms.min)]


def timeit_ms(options: dict, budget: float) -> list[tuple[float, float]]:
    """(median, min) ms a call of ``timeit.Timer.repeat`` on the same module and input."""
    import torch

    from rnncli.rnn.request import InspectRequest

    request = InspectRequest(**options)
    spec, run = request.model_spec(), request.run_spec()
    torch.manual_seed(run.seed)
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[spec.cell]
    module = cls(**spec.torch_kwargs()).eval()
    x = torch.randn(run.seq_len, run.batch, spec.input_size)
    stack = spec.num_layers * spec.num_directions
    h0 = torch.zeros(stack, run.batch, spec.state_size)
    state = (h0, torch.zeros(stack, run.batch, spec.hidden_size)) if spec.cell == "lstm" else h0

    def forward() -> None:
        with torch.no_grad():
            module(x, state)

    def step() -> None:
        module.zero_grad(set_to_none=True)
        module(x, state)[0][-1].sum().backward()

    out = []
    for fn, training in ((forward, False), (step, True)):
        module.train(training)
        timer = timeit.Timer(fn)
        timer.timeit(number=2)  # warm-up, as rnncli does
        number, took = timer.autorange()
        per_call = took / number
        # One call a repeat, as rnncli times them: a batch's mean would carry every outlier.
        repeats = max(3, min(1000, int(budget / 2 / max(per_call, 1e-9))))
        runs = [r * 1000 for r in timer.repeat(repeat=repeats, number=1)]
        out.append((statistics.median(runs), min(runs)))
    module.eval()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=1.0, help="seconds a measurement")
    parser.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: leave)")
    args = parser.parse_args()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, cpu")
    header = (
        f"{'module, seq×batch':<29} {'run':<8} {'rnncli':>9} {'timeit':>9} {'ratio':>5}"
        f" {'rnncli':>9} {'timeit':>9} {'ratio':>5}"
    )
    print(f"{'':<38} {'median ms a call':<25} {'min ms a call':<25}")
    print(header)
    print("-" * len(header))
    for label, options in CONFIGS:
        ours = rnncli_ms(options, args.budget)
        theirs = timeit_ms(options, args.budget)
        for name, (om, on), (tm, tn) in zip(("forward", "fwd+bwd"), ours, theirs):
            print(
                f"{label:<29} {name:<8} {om:9.3f} {tm:9.3f} {om / tm:5.2f}"
                f" {on:9.3f} {tn:9.3f} {on / tn:5.2f}"
            )
            label = ""
    print("ratio: rnncli / timeit (1.00: the same figure); both time single calls")


if __name__ == "__main__":
    main()
