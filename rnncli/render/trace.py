"""The hidden state as a strip per step: a terminal heat map of ``h_t``, word by word.

In colour, each unit is a block on a diverging scale (blue below 0, grey at 0, red above). The
glyph itself also carries the value (a sparkline: ``▁`` lowest … ``█`` highest, ``▄`` near 0),
so the picture still reads without colour (``NO_COLOR``, pipes): ``▄``/``▅`` sit around 0.
"""

from __future__ import annotations

from typing import Optional

from rich.cells import cell_len
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from rnncli.render.fit import wrap
from rnncli.render.words import plural
from rnncli.rnn.trace import Trace

GLYPHS = "▁▂▃▄▅▆▇█"
#: Units shown per direction before the strip is cut (and says so).
MAX_UNITS = 32


def _colour(v: float, scale: float) -> str:
    x = max(-1.0, min(1.0, v / scale)) if scale else 0.0
    grey = 110
    if x >= 0:
        r, g, b = grey + (255 - grey) * x, grey * (1 - x) + 40 * x, grey * (1 - x) + 40 * x
    else:
        x = -x
        r, g, b = grey * (1 - x) + 40 * x, grey * (1 - x) + 90 * x, grey + (255 - grey) * x
    return f"rgb({int(r)},{int(g)},{int(b)})"


def _glyph(v: float, scale: float) -> str:
    x = max(-1.0, min(1.0, v / scale)) if scale else 0.0
    return GLYPHS[min(len(GLYPHS) - 1, int((x + 1) / 2 * len(GLYPHS)))]


def strip(values: list[float], scale: float, units: int) -> Text:
    """One ``h_t`` as coloured glyphs, one per unit."""
    text = Text()
    for v in values[:units]:
        text.append(_glyph(v, scale), style=_colour(v, scale))
    if len(values) > units:
        text.append(f" +{len(values) - units}", style="dim")
    return text


def legend(scale: float) -> Text:
    """The scale: which glyph and colour stand for which value."""
    text = Text("scale: ")
    for v in (-scale, -scale / 2, 0.0, scale / 2, scale):
        text.append(_glyph(v, scale) * 2, style=_colour(v, scale))
        text.append(f" {v:+.2f}  ")
    return text


def _fit_units(width: int, fixed: int, headers: list[str], hidden: int, least: int) -> int:
    """The most units per direction (up to :data:`MAX_UNITS`) whose strips fit in ``width``."""
    for units in range(min(hidden, MAX_UNITS), 0, -1):
        more = len(f" +{hidden - units}") if hidden > units else 0
        strips = sum(max(units + more, cell_len(h), least) + 2 for h in headers)
        if fixed + strips <= width:
            return units
    return 0


#: Steps shown in full before a long sequence is summarised by its first and last steps...
SUMMARY_STEPS = 12
FIRST_STEPS, LAST_STEPS = 6, 3
#: ...and sequences shown before a big batch is summarised by its first ones and its last.
SUMMARY_SEQUENCES = 4
FIRST_SEQUENCES = 3


def shown_indices(count: int, limit: int, first: int, last: int) -> list[Optional[int]]:
    """The indices a summary shows: all ``count`` up to ``limit``, else the first and last
    ones with ``None`` where the others are hidden."""
    if count <= limit:
        return list(range(count))
    return [*range(first), None, *range(count - last, count)]


def render_trace(
    trace: Trace,
    console: Console,
    title: str = "Hidden state, step by step",
    everything: bool = False,
) -> None:
    """A block per sequence: each step's token and the top layer's h_t as a strip; the strips
    show as many units as the width holds, and a token is never cut. Unless ``everything``, a
    long run shows its first and last steps and sequences, and says how many are hidden."""
    scale = trace.scale or 1.0
    sequences = len(trace.tokens[0]) if trace.tokens else 0
    hidden = len(trace.values[0][0][0]) if trace.values else 0
    steps = len(trace.values)
    big = 10**9 if everything else None
    step_list = shown_indices(steps, big or SUMMARY_STEPS, FIRST_STEPS, LAST_STEPS)
    sequence_list = shown_indices(sequences, big or SUMMARY_SEQUENCES, FIRST_SEQUENCES, 1)
    headers = [f"h_t {d}" if len(trace.directions) > 1 else "h_t" for d in trace.directions]
    shown_steps = [t for t in step_list if t is not None]
    labels = [t if t is not None else "<pad>" for s in shown_steps for t in trace.tokens[s]]
    norms = {  # |h_t| of each step shown, computed once: for the column's width and its cells
        (s, b): f"{sum(v * v for d in trace.values[s][b] for v in d) ** 0.5:.2f}"
        for s in shown_steps
        for b in range(sequences)
    }
    fixed = (
        max(len(str(len(trace.values) - 1)), 1)
        + max([cell_len("token"), *(cell_len(label) for label in labels)])
        + max([len("|h_t|"), *(len(n) for n in norms.values())])
        + 6
    )
    least = len("(not computed)") if trace.packed else 0
    units = _fit_units(console.width, fixed, headers, hidden, least)
    stacked = units == 0
    if stacked:  # one line per step, each strip on its own line below it
        widest = max(cell_len(h) for h in headers) + 3
        units = max(1, min(hidden, MAX_UNITS, console.width - widest - len(f" +{hidden}")))
    parts: list = [Text(title, style="bold")]
    if hidden > units:
        parts.append(Text(f"showing units 0-{units - 1} of {hidden:,} per direction", style="dim"))
    said = []
    if None in step_list:
        said.append(f"the first {FIRST_STEPS} and last {LAST_STEPS} of {steps:,} steps")
    if None in sequence_list:
        said.append(f"the first {FIRST_SEQUENCES} and the last of {sequences:,} sequences")
    if said:
        note = (
            f"showing {' and '.join(said)} (--trace all shows every one, --trace none hides this)"
        )
        parts.append(Text(wrap(note, console.width), style="dim"))
    for b in sequence_list:
        if b is None:
            hidden_sequences = sequences - FIRST_SEQUENCES - 1
            parts.append(Text(f"⋮ {plural(hidden_sequences, 'sequence')} hidden", style="dim"))
            continue
        if stacked:
            parts.append(Text(f"sequence {b}", style="italic"))
        else:
            table = Table(box=None, show_header=True, padding=(0, 1), title_justify="left")
            table.title = f"sequence {b}"
            table.add_column("t", justify="right", style="dim", no_wrap=True)
            table.add_column("token", no_wrap=True)
            for header in headers:
                table.add_column(header, no_wrap=True)
            table.add_column("|h_t|", justify="right", style="dim", no_wrap=True)
        for t in step_list:
            if t is None:
                hidden_steps = steps - FIRST_STEPS - LAST_STEPS
                gap = f"⋮ {plural(hidden_steps, 'step')} hidden"
                if stacked:
                    parts.append(Text(gap, style="dim"))
                else:
                    table.add_row(
                        "⋮", Text(f"+{hidden_steps:,}", style="dim"), *[""] * len(headers), ""
                    )
                continue
            step = trace.values[t]
            token = trace.tokens[t][b]
            computed = not (token is None and trace.packed)
            label = (
                Text(token, style="cyan") if token is not None else Text("<pad>", style="yellow")
            )
            if not computed:
                label = Text("<pad>", style="dim")
            strips = [
                strip(step[b][d], scale, units) if computed else Text("(not computed)", style="dim")
                for d in range(len(trace.directions))
            ]
            norm = norms[t, b] if computed else ""
            if stacked:
                parts.append(Text.assemble(f"{t} ", label, f"  |h_t| {norm}" if norm else ""))
                for header, one in zip(headers, strips):
                    parts.append(Text.assemble(f"  {header} ", one))
            else:
                table.add_row(str(t), label, *strips, norm)
        if not stacked:
            parts.append(table)
    parts.append(legend(scale))
    console.print(Group(*parts))
