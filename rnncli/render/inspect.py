"""Rich tables for an :class:`~rnncli.rnn.report.InspectReport`."""

from __future__ import annotations

import re

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from rnncli.render.fit import WIDE, Cell, Column, cells, fit_table, longest_word, pack, wrap
from rnncli.render.gradients import render_gradients
from rnncli.render.words import plural
from rnncli.rnn.report import InspectReport
from rnncli.sizes import format_bytes


def _shape(shape: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _count(n: int) -> str:
    return f"{n:,}"


def _print(console: Console, parts: list[RenderableType]) -> None:
    for part in parts:
        console.print(part)


def render_inspect(report: InspectReport, console: Console, trace: str = "summary") -> None:
    """Print the four parts of an inspection: parameters, tensors, recurrence, cost.

    ``trace`` (a text run): ``summary`` shows the first and last steps and sequences of the
    trace and the token table and says how many are hidden, ``all`` every one, ``none`` no
    trace (the token table as in ``summary``)."""
    model, run = report.model, report.run
    stack = model.num_layers * model.num_directions
    state = f"zeros({stack}, {run.batch}, {model.state_size})"
    x = (
        f"randn({run.batch}, {run.seq_len}, {model.input_size})"
        if model.batch_first
        else f"randn({run.seq_len}, {run.batch}, {model.input_size})"
    )
    cell_state = f", c0 zeros({stack}, {run.batch}, {model.hidden_size})"
    if report.text is not None:
        x = f"embedded text {list(report.tensors['embedded'].shape)}"
    width = console.width
    arguments = re.split(r"(?<=,) ", report.module_repr)
    console.print(
        Text(
            "\n".join(pack(arguments, width, indent="", sep=" ", keep_space=True)),
            style="bold cyan",
        )
    )
    line = (
        f"input {x}, h0 {state}{cell_state if model.cell == 'lstm' else ''}; "
        f"seed {run.seed}, {run.dtype} on {run.device}, eval mode"
    )
    console.print(Text(wrap(line, width), style="dim"))
    if report.text is not None:
        _print(console, _text_table(report, width, everything=trace == "all"))
    _print(console, _parameter_table(report, width))
    _print(console, _tensor_table(report, width))
    for note in report.notes:
        console.print(Text(wrap("• " + note, width), style="dim"))
    if report.text is not None:
        from rnncli.render.unrolled import render_unrolled

        render_unrolled(report, console)
    console.print(_recurrence_panel(report, width))
    if report.trace is not None and trace != "none":
        from rnncli.render.trace import render_trace

        render_trace(report.trace, console, everything=trace == "all")
    _print(console, _cost_table(report, width))
    if report.verify is not None:
        v = report.verify
        verdict = Text("PASS", style="bold green") if v.passed else Text("FAIL", style="bold red")
        console.print(
            Text.assemble(
                "verify: step-by-step recurrence vs torch over ",
                f"{plural(v.steps, 'step')}: max |difference| = {v.max_abs_error:.3g} ",
                f"(tolerance {v.atol:g} + {v.rtol:g}·|value|) ",
                verdict,
            )
        )
    render_gradients(report, console)
    if report.timing is not None:
        from rnncli.render.timing import render_timing

        render_timing(report.timing, console)


#: A text run's token table and trace show this many sequences in full before summarising...
SUMMARY_ROWS = 8
#: ...as the first few and the last one; and a sequence this long by its first and last tokens.
SUMMARY_FIRST, SUMMARY_LAST = 6, 1
LONG_SEQUENCE, HEAD_TOKENS, TAIL_TOKENS = 24, 10, 3


def _shortened(items: list[str], what: str) -> list[str]:
    """The first and last items of a long sequence, the count of those between in words."""
    if len(items) <= LONG_SEQUENCE:
        return items
    hidden = len(items) - HEAD_TOKENS - TAIL_TOKENS
    return [*items[:HEAD_TOKENS], f"(+{hidden:,} {what})", *items[-TAIL_TOKENS:]]


def _text_table(
    report: InspectReport, width: int, everything: bool = False
) -> list[RenderableType]:
    """The first stages: text → tokens → ids, one row per sequence. Unless ``everything``, a
    long batch shows its first and last sequences and a long sequence its first and last
    tokens, with a note saying how many are hidden (``--trace all`` shows them)."""
    columns = [
        Column("#", justify="right"),
        Column("text", kind="wrap"),
        Column("tokens", kind="wrap"),
        Column("ids", kind="wrap"),
        Column("length", justify="right"),
    ]
    sequences = list(enumerate(report.text.batch.sequences))
    hidden_rows = 0
    if not everything and len(sequences) > SUMMARY_ROWS:
        hidden_rows = len(sequences) - SUMMARY_FIRST - SUMMARY_LAST
        sequences = sequences[:SUMMARY_FIRST] + sequences[-SUMMARY_LAST:]
    shortened = False
    rows: list[list[Cell]] = []
    for n, seq in sequences:
        words, tokens, ids = seq.text.split(), list(seq.tokens), [str(i) for i in seq.ids]
        if not everything and len(tokens) > LONG_SEQUENCE:
            shortened = True
            text = " ".join([*words[:HEAD_TOKENS], f"(+{len(words) - HEAD_TOKENS:,} words)"])
            tokens, ids = _shortened(tokens, "tokens"), _shortened(ids, "ids")
        else:
            text = seq.text
        if hidden_rows and n == len(report.text.batch.sequences) - SUMMARY_LAST:
            rows.append(["⋮", "", Text(f"(+{hidden_rows:,} sequences)"), "", ""])
        rows.append(
            [f"{n:,}", Text(text), Text(" ".join(tokens)), " ".join(ids), f"{len(seq.ids):,}"]
        )
    out = fit_table(columns, rows, width, title="Text → tokens → ids")
    if hidden_rows or shortened:
        said = []
        if hidden_rows:
            said.append(
                f"the first {SUMMARY_FIRST} and the last of {len(report.text.batch.sequences):,} "
                "sequences"
            )
        if shortened:
            said.append(
                f"sequences over {LONG_SEQUENCE} tokens by their first {HEAD_TOKENS} and last "
                f"{TAIL_TOKENS}"
            )
        note = "shown: " + "; ".join(said) + " (--trace all shows everything, --json has it all)"
        out.append(Text(wrap(note, width), style="dim"))
    return out


def _parameter_table(report: InspectReport, width: int) -> list[RenderableType]:
    columns = [
        Column("name", footer="total", style="cyan"),
        Column("shape"),
        Column("elements", justify="right", footer=_count(report.total_parameters)),
        Column("dimensions", kind="explain", drop=1),
        Column("holds", kind="explain", drop=0),
    ]
    rows: list[list[Cell]] = [
        [p.name, _shape(p.shape), _count(p.numel), Text(p.dims_text), Text(p.role)]
        for p in report.parameters
    ]
    caption = (
        f"{_count(report.total_parameters)} parameters, "
        f"{_count(report.trainable_parameters)} trainable, "
        f"{format_bytes(report.cost.parameter_bytes)} as {report.run.dtype}"
    )
    return fit_table(columns, rows, width, title="Parameters", caption=caption, show_footer=True)


def _tensor_table(report: InspectReport, width: int) -> list[RenderableType]:
    columns = [
        Column("tensor", style="cyan"),
        Column("shape"),
        Column("dimensions", kind="explain", drop=1),
        Column("meaning", kind="explain", min_width=14, drop=0),
    ]
    rows: list[list[Cell]] = [
        [t.name, _shape(t.shape), Text(t.dims_text), Text(t.role)] for t in report.tensors.values()
    ]
    source = "meta tensors (nothing allocated)" if report.run.device == "meta" else "the real run"
    caption = f"shapes read from {source}"
    if report.batch_sizes is not None:
        caption += f"; batch_sizes {report.batch_sizes} (sequences still running at each step)"
    title = "Tensors of one forward pass"
    if report.text is not None:
        title = "Stages: ids → embedding → RNN" + (" → output layer" if report.output_size else "")
    return fit_table(columns, rows, width, title=title, caption=caption)


def _recurrence_panel(report: InspectReport, width: int) -> Panel:
    rec = report.recurrence
    equations = Text("\n".join(rec.equations), style="bold")
    inner = width - 4  # the panel's border and padding
    names = max(cells(s.name) for s in rec.symbols)
    shapes = max(cells(s.shape) for s in rec.symbols)
    sources = max(cells(s.source) for s in rec.symbols)
    floor = max(longest_word(s.source) for s in rec.symbols)
    notes = list(rec.notes)
    if names + shapes + 4 + floor <= inner:
        symbols: RenderableType = Table.grid(padding=(0, 2))
        symbols.add_column(style="cyan", no_wrap=True)
        symbols.add_column(no_wrap=True)
        fixed = None if names + shapes + 4 + sources <= inner else inner - names - shapes - 4
        symbols.add_column(style="dim", width=fixed)
        for s in rec.symbols:
            symbols.add_row(Text(s.name), Text(s.shape), Text(s.source))
    else:
        need = max(WIDE, names + shapes + 4 + floor + 4)
        notes.append(
            f"Where each symbol lives is left out to fit the width: COLUMNS={need} shows it."
        )
        if names + 2 + shapes <= inner:
            symbols = Table.grid(padding=(0, 2))
            symbols.add_column(style="cyan", no_wrap=True)
            symbols.add_column(no_wrap=True)
            for s in rec.symbols:
                symbols.add_row(Text(s.name), Text(s.shape))
        else:  # stacked: each symbol's names, then its shape, none split
            lines = [line for s in rec.symbols for line in pack([s.name, s.shape], inner)]
            symbols = Text("\n".join(lines))
    parts = [equations, Text(""), symbols]
    if notes:
        parts += [Text(""), Text("\n".join(notes), style="dim")]
    return Panel(Group(*parts), title=f"{rec.cell.upper()} recurrence, layer 0", title_align="left")


def _cost_table(report: InspectReport, width: int) -> list[RenderableType]:
    cost = report.cost
    run = report.run
    columns = [
        Column("what"),
        Column("amount", justify="right"),
        Column("how", kind="explain", style="dim"),
    ]
    rows: list[list[Cell]] = []
    if report.pack and report.text is not None:
        steps = plural(cost.pairs, "real (step, sequence) pair")
    else:
        steps = f"{plural(run.seq_len, 'step')} × batch {run.batch:,}"
    if len(cost.layers) > 1:
        for layer in cost.layers:
            rows.append([f"MACs layer {layer.layer}", _count(layer.macs), steps])
    if cost.output_macs:
        rows.append(["MACs recurrence", _count(cost.recurrence_macs), steps])
        rows.append(["MACs output layer", _count(cost.output_macs), f"{steps} × W_hy"])
    rows.append(
        [
            "multiply-accumulates",
            _count(cost.macs),
            f"{steps} × {_count(cost.macs_per_pair)} weight-matrix elements"
            + (" + output layer" if cost.output_macs else ""),
        ]
    )
    rows.append(["parameters", format_bytes(cost.parameter_bytes), f"{run.dtype}"])
    rows.append(
        [
            "activations",
            format_bytes(cost.activation_bytes),
            "tensors above + layer outputs + gate pre-activations",
        ]
    )
    rows.append(["memory", format_bytes(cost.total_bytes), "parameters + activations"])
    return fit_table(columns, rows, width, title="Cost of one forward pass")
