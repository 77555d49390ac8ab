"""`inspect --time` drawn: forward and forward+backward milliseconds, tokens/s, peak memory.

The table goes through :func:`rnncli.render.fit.fit_table` (numbers whole at any width, the
explanation column the first to give way) and every sentence wraps at the console's width.
"""

from __future__ import annotations

from typing import Optional

from rich.console import Console
from rich.text import Text

from rnncli.render.fit import Cell, Column, fit_table, pack, words
from rnncli.rnn.timing import Timing
from rnncli.sizes import format_bytes

#: A median this many times the min says the machine was busy while timing.
NOISY = 1.5


def milliseconds(value: float) -> str:
    """A duration in ms with three or four significant digits, never in exponent form."""
    if value >= 100:
        return f"{value:,.1f}"
    if value >= 10:
        return f"{value:.2f}"
    return f"{value:.3f}"


def rate(value: Optional[float]) -> str:
    """Tokens per second as a whole number with thousands separators."""
    return "n/a" if value is None else f"{value:,.0f}"


def render_timing(timing: Timing, console: Console) -> None:
    """The timing part of an inspection, when ``--time`` asked for it."""
    width = console.width
    where = timing.device
    if timing.cudnn is not None:
        where += f", cuDNN {'on' if timing.cudnn else 'off'}"
    columns = [
        Column("run", style="cyan"),
        Column("runs", justify="right"),
        Column("min ms", justify="right"),
        Column("median ms", justify="right"),
        Column("mode", kind="explain", style="dim"),
    ]
    rows: list[list[Cell]] = [
        [
            "forward",
            f"{timing.repeats:,}",
            milliseconds(timing.forward_ms.min),
            milliseconds(timing.forward_ms.median),
            Text("eval mode, no_grad"),
        ],
        [
            "forward+backward",
            f"{timing.backward_repeats:,}",
            milliseconds(timing.backward_ms.min),
            milliseconds(timing.backward_ms.median),
            Text("train mode, L.backward()"),
        ],
    ]
    caption = (
        f"timed after {timing.warmup} warm-up rounds, {timing.elapsed_s:.2f} s of a "
        f"{timing.budget_s:g} s budget (+{timing.setup_s:.2f} s for the first round's set-up); "
        f"{where}, {timing.threads} threads, {timing.dtype}"
    )
    title = "Time of the module (machine-dependent)"
    for part in fit_table(columns, rows, width, title=title, caption=caption):
        console.print(part)
    backward_alone = timing.backward_ms.median - timing.forward_ms.median
    # Each line is a list of pieces printed whole: a sentence's words, the loss in one piece.
    lines = [
        words(f"tokens/s {rate(timing.tokens_per_s)}: {timing.tokens:,} tokens / median forward"),
        words(
            "peak memory of forward+backward "
            + (
                "not measured"
                if timing.peak_memory_bytes is None
                else f"{format_bytes(timing.peak_memory_bytes)}: {timing.peak_memory}"
            )
        ),
        [
            f"L = {timing.loss},",
            *words(
                "to every parameter; backward_ms (--json) is forward+backward, "
                + (
                    f"the backward pass alone about {milliseconds(backward_alone)} ms (the "
                    "medians' difference)"
                    if backward_alone > 0
                    else "and the noise hides what the backward pass alone costs (run it again)"
                )
            ),
        ],
    ]
    noisy = [
        name
        for name, ms in (("forward", timing.forward_ms), ("forward+backward", timing.backward_ms))
        if ms.median > NOISY * ms.min
    ]
    if noisy:
        lines.append(
            words(
                f"the median {' and '.join(noisy)} is over {NOISY:g}× its min: the machine was "
                "busy (a longer --time-budget, or fewer threads, steadies it; the min is the "
                "steadier figure)"
            )
        )
    for pieces in lines:
        console.print(Text("\n".join(pack(pieces, width, indent="", sep=" "))))
