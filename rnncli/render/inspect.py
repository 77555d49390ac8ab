"""Rich tables for an :class:`~rnncli.rnn.report.InspectReport`."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from rnncli.render.gradients import render_gradients
from rnncli.rnn.report import InspectReport
from rnncli.sizes import format_bytes


def _shape(shape: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _count(n: int) -> str:
    return f"{n:,}"


def render_inspect(report: InspectReport, console: Console) -> None:
    """Print the four parts of an inspection: parameters, tensors, recurrence, cost."""
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
    console.print(Text(report.module_repr, style="bold cyan"))
    console.print(
        Text(
            f"input {x}, h0 {state}{cell_state if model.cell == 'lstm' else ''}; "
            f"seed {run.seed}, {run.dtype} on {run.device}, eval mode",
            style="dim",
        )
    )
    if report.text is not None:
        console.print(_text_table(report))
    console.print(_parameter_table(report))
    console.print(_tensor_table(report))
    for note in report.notes:
        console.print(Text("• " + note, style="dim"))
    if report.text is not None:
        from rnncli.render.unrolled import render_unrolled

        render_unrolled(report, console)
    console.print(_recurrence_panel(report))
    if report.trace is not None:
        from rnncli.render.trace import render_trace

        render_trace(report.trace, console)
    console.print(_cost_table(report))
    if report.verify is not None:
        v = report.verify
        verdict = Text("PASS", style="bold green") if v.passed else Text("FAIL", style="bold red")
        console.print(
            Text.assemble(
                "verify: step-by-step recurrence vs torch over ",
                f"{v.steps} steps: max |difference| = {v.max_abs_error:.3g} ",
                f"(tolerance {v.atol:g} + {v.rtol:g}·|value|) ",
                verdict,
            )
        )
    render_gradients(report, console)


def _text_table(report: InspectReport) -> Table:
    """The first stages: text → tokens → ids, one row per sequence."""
    table = Table(title="Text → tokens → ids", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("text")
    table.add_column("tokens")
    table.add_column("ids")
    table.add_column("length", justify="right")
    for n, seq in enumerate(report.text.batch.sequences):
        table.add_row(
            str(n),
            Text(seq.text),
            Text(" ".join(seq.tokens)),
            " ".join(map(str, seq.ids)),
            str(len(seq.ids)),
        )
    return table


def _parameter_table(report: InspectReport) -> Table:
    table = Table(title="Parameters", title_justify="left", show_footer=True, expand=False)
    table.add_column("name", footer="total", style="cyan", no_wrap=True)
    table.add_column("shape", no_wrap=True)
    table.add_column(
        "elements", justify="right", footer=_count(report.total_parameters), no_wrap=True
    )
    table.add_column("dimensions", no_wrap=True)
    table.add_column("holds", no_wrap=True)
    for p in report.parameters:
        table.add_row(p.name, _shape(p.shape), _count(p.numel), Text(p.dims_text), Text(p.role))
    table.caption = (
        f"{_count(report.total_parameters)} parameters, "
        f"{_count(report.trainable_parameters)} trainable, "
        f"{format_bytes(report.cost.parameter_bytes)} as {report.run.dtype}"
    )
    table.caption_justify = "left"
    return table


def _tensor_table(report: InspectReport) -> Table:
    table = Table(title="Tensors of one forward pass", title_justify="left")
    table.add_column("tensor", style="cyan", no_wrap=True)
    table.add_column("shape", no_wrap=True)
    table.add_column("dimensions", no_wrap=True)
    table.add_column("meaning", min_width=14)
    for t in report.tensors.values():
        table.add_row(t.name, _shape(t.shape), Text(t.dims_text), Text(t.role))
    source = "meta tensors (nothing allocated)" if report.run.device == "meta" else "the real run"
    table.caption = f"shapes read from {source}"
    if report.batch_sizes is not None:
        table.caption += (
            f"; batch_sizes {report.batch_sizes} (sequences still running at each step)"
        )
    if report.text is not None:
        table.title = "Stages: ids → embedding → RNN" + (
            " → output layer" if report.output_size else ""
        )
    table.caption_justify = "left"
    return table


def _recurrence_panel(report: InspectReport) -> Panel:
    rec = report.recurrence
    equations = Text("\n".join(rec.equations), style="bold")
    symbols = Table.grid(padding=(0, 2))
    symbols.add_column(style="cyan", no_wrap=True)
    symbols.add_column(no_wrap=True)
    symbols.add_column(style="dim")
    for s in rec.symbols:
        symbols.add_row(Text(s.name), Text(s.shape), Text(s.source))
    parts = [equations, Text(""), symbols]
    if rec.notes:
        parts += [Text(""), Text("\n".join(rec.notes), style="dim")]
    return Panel(Group(*parts), title=f"{rec.cell.upper()} recurrence, layer 0", title_align="left")


def _cost_table(report: InspectReport) -> Table:
    cost = report.cost
    run = report.run
    table = Table(title="Cost of one forward pass", title_justify="left")
    table.add_column("what", no_wrap=True)
    table.add_column("amount", justify="right", no_wrap=True)
    table.add_column("how", style="dim")
    if report.pack and report.text is not None:
        steps = f"{cost.pairs} real (step, sequence) pairs"
    else:
        steps = f"{run.seq_len} steps × batch {run.batch}"
    if len(cost.layers) > 1:
        for layer in cost.layers:
            table.add_row(f"MACs layer {layer.layer}", _count(layer.macs), steps)
    if cost.output_macs:
        table.add_row("MACs recurrence", _count(cost.recurrence_macs), steps)
        table.add_row(
            "MACs output layer",
            _count(cost.output_macs),
            f"{steps} × W_hy",
        )
    table.add_row(
        "multiply-accumulates",
        _count(cost.macs),
        f"{steps} × {_count(cost.macs_per_pair)} weight-matrix elements"
        + (" + output layer" if cost.output_macs else ""),
    )
    table.add_row("parameters", format_bytes(cost.parameter_bytes), f"{run.dtype}")
    table.add_row(
        "activations",
        format_bytes(cost.activation_bytes),
        "tensors above + layer outputs + gate pre-activations",
    )
    table.add_row("memory", format_bytes(cost.total_bytes), "parameters + activations")
    return table
