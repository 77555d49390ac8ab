"""`inspect --grad` drawn: ‖∂L/∂x_t‖ against t on a log scale, the decay, states, parameters.

Every line is built to fit the console (60 columns and up) and numbers are printed whole, so
nothing is ever cut with an ellipsis.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Optional

from rich.console import Console
from rich.table import Table
from rich.text import Text

from rnncli.rnn.gradients import Gradients
from rnncli.rnn.report import InspectReport

#: Above this many steps the plot shows every k-th step (the JSON has them all).
MAX_PLOT_ROWS = 120
_BAR = "█"


def _number(value: Optional[float]) -> str:
    return "n/a" if value is None else f"{value:.2e}"


def render_gradients(report: InspectReport, console: Console) -> None:
    """The gradient part of an inspection, when ``--grad`` asked for it."""
    g = report.gradients
    if g is None:
        return
    console.print(Text("Gradients through time", style="bold"))
    console.print(
        Text(
            f"L = {g.loss}, backpropagated through torch's module on a {g.dtype} copy of the "
            "module and input: in float32 a gradient below about 1e-45 is exactly 0.",
            style="dim",
        )
    )
    _plot(g.input, console)
    console.print(_decay_line(g))
    console.print(_hidden_table(g))
    console.print(_parameter_table(g))
    console.print(_parameter_notes(g))
    check = g.max_relative_error
    console.print(
        Text(
            f"step-by-step recurrence vs torch autograd: max relative difference {check:.2e}",
            style="dim",
        )
    )


def _plot(values: list[float], console: Console) -> None:
    """One row a step: ``t``, a bar as long as log10 of the value above the smallest, the value."""
    plot_steps({"": values}, console, "‖∂L/∂x_t‖ by step t, log scale")


#: One colour a series when several share the plot (``NO_COLOR`` leaves the names to tell them).
SERIES_STYLES = ("cyan", "magenta", "yellow", "green", "blue", "red")


def plot_steps(
    series: Mapping[str, list[float]],
    console: Console,
    title: str,
    max_rows: int = MAX_PLOT_ROWS,
) -> None:
    """Per-step values of one or more series on one shared log10 axis, a row per step and series.

    Each row is ``t``, the series' name (when there are several), a bar as long as log10 of the
    value above the smallest of all, and the value; a long run shows every k-th step so that at
    most ``max_rows`` rows print (the first and last always). Zero or non-finite values get no
    bar. Rows are built to the console's width, numbers whole.
    """
    names = list(series)
    steps = max(len(values) for values in series.values())
    every = max(1, math.ceil(steps * len(names) / max_rows))
    shown = list(range(0, steps, every))
    if shown[-1] != steps - 1:
        shown.append(steps - 1)
    every_value = [v for values in series.values() for v in values]
    positive = [v for v in every_value if v > 0 and math.isfinite(v)]
    t_width = len(str(steps - 1))
    name_width = max(len(name) for name in names)
    name_room = name_width + 2 if name_width else 0
    number_width = max(len(_number(v)) for v in every_value)
    bar_width = max(10, min(50, console.width - t_width - number_width - 5 - name_room))
    if every > 1:
        title += f" (a row every {every:,} steps of {steps:,}; --json has all)"
    console.print(Text(title, style="bold"))
    if positive:
        low, high = math.log10(min(positive)), math.log10(max(positive))
        span = high - low
        console.print(
            Text(
                f"{' ' * (t_width + name_room)}  bar: log10 from {min(positive):.0e} to "
                f"{max(positive):.0e}",
                style="dim",
            )
        )
    for t in shown:
        for n, name in enumerate(names):
            values = series[name]
            v = values[t] if t < len(values) else 0.0
            if v > 0 and math.isfinite(v) and positive:
                fill = 1 + round((bar_width - 1) * ((math.log10(v) - low) / span if span else 1.0))
            else:
                fill = 0
            line = Text(f"{t:>{t_width}}  " if n == 0 else " " * (t_width + 2))
            if name_width:
                line.append(f"{name:<{name_width}}  ")
            line.append(_BAR * fill, style=SERIES_STYLES[n % len(SERIES_STYLES)])
            line.append(" " * (bar_width - fill) + "  ")
            line.append(_number(v).rjust(number_width))
            console.print(line, no_wrap=True, overflow="ignore")


def _decay_line(g: Gradients) -> Text:
    if g.half_life is not None:
        half = f"{g.half_life:.3g} steps"
    elif g.decay_per_step == 0.0:
        half = "n/a (no gradient reaches the first step)"
    elif g.decay_per_step is not None:
        half = "n/a (no decay)"
    else:
        half = "n/a"
    decay = "n/a" if g.decay_per_step is None else f"{g.decay_per_step:.3g}"
    return Text.assemble(
        ("first/last ", "bold"),
        _number(g.ratio_first_last),
        ("  decay per step ", "bold"),
        decay,
        ("  half-life ", "bold"),
        half,
    )


def _hidden_table(g: Gradients) -> Table:
    table = Table(title="‖∂L/∂h_t‖ by layer and direction", title_justify="left")
    table.add_column("state", style="cyan", no_wrap=True)
    table.add_column("first step", justify="right", no_wrap=True)
    table.add_column("last step", justify="right", no_wrap=True)
    table.add_column("first/last", justify="right", no_wrap=True)
    for name, norms in g.hidden.items():
        first, last = norms[0], norms[-1]
        ratio = first / last if last > 0 else None
        table.add_row(name, _number(first), _number(last), _number(ratio))
    return table


def _parameter_table(g: Gradients) -> Table:
    table = Table(title="Parameter gradients", title_justify="left", show_footer=True)
    table.add_column("parameter", footer="total", style="cyan", no_wrap=True)
    table.add_column("‖∂L/∂θ‖", footer=_number(g.total_norm), justify="right", no_wrap=True)
    table.add_column("share", justify="right", no_wrap=True)
    total_sq = g.total_norm**2
    for p in g.parameters:
        share = f"{100 * p.norm**2 / total_sq:.1f}%" if total_sq > 0 else "n/a"
        table.add_row(Text(p.name), _number(p.norm), share)
    return table


def _parameter_notes(g: Gradients) -> Text:
    """Below the table, at the console's width (a caption would wrap at the table's)."""
    line = "share: of the squared total norm."
    if g.clip is not None:
        line += (
            f" clip_grad_norm_(max_norm={g.clip.max_norm:g}) would scale every gradient "
            f"by {g.clip.scale:.3g}."
        )
    return Text(line, style="dim")
