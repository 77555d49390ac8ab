"""`rnncli compare` drawn: one table of the cells, then their gradient decay on one log axis.

The table has a row per cell when it fits the console; otherwise a column per cell (three
cells fit 60 columns so); where even that does not fit, :func:`rnncli.render.fit.fit_table`
prints one block per row. Numbers are never cut.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console, RenderableType
from rich.text import Text

from rnncli.render.fit import Cell, Column, cells, fit_table, pack, words, wrap
from rnncli.render.gradients import plot_steps
from rnncli.render.timing import milliseconds
from rnncli.rnn.comparison import ComparisonReport, ComparisonRow
from rnncli.sizes import format_bytes

#: Rows of the gradient picture at most (every k-th step beyond): three cells, 20 steps each.
MAX_PICTURE_ROWS = 60


def _number(value: object) -> str:
    return "n/a" if value is None else f"{value:.2e}"


def _half_life(value: object) -> str:
    return "n/a" if value is None else f"{value:.3g}"


def _figures(report: ComparisonReport) -> list[tuple[str, list[str]]]:
    """Each column of the table: its header and one value per cell."""
    rows = report.rows

    def column(header: str, value: Callable[[ComparisonRow], str]) -> tuple[str, list[str]]:
        return header, [value(row) for row in rows]

    figures = [
        column("hidden", lambda r: str(r.hidden_size)),
        column("parameters", lambda r: f"{r.total_parameters:,}"),
        column("MACs", lambda r: f"{r.macs:,}"),
        column("activations", lambda r: format_bytes(r.memory_bytes)),
        column("first/last", lambda r: _number(r.gradient_ratio)),
        column("half-life", lambda r: _half_life(r.half_life)),
    ]
    if any(row.timing is not None for row in rows):
        figures.append(column("fwd ms", lambda r: _ms(r, "forward")))
        figures.append(column("fwd+bwd ms", lambda r: _ms(r, "backward")))
    return figures


def _ms(row: ComparisonRow, which: str) -> str:
    value = row.forward_ms if which == "forward" else row.backward_ms
    return "n/a" if value is None else milliseconds(value)


def render_comparison(report: ComparisonReport, console: Console) -> None:
    """Print the comparison: what ran, the table, the notes, the gradient picture."""
    width = console.width
    run = report.run
    names = [row.cell for row in report.rows]
    head = (
        f"{', '.join(names)} on the same input, {report.input}; seed {run.seed}, {run.dtype} on "
        f"{run.device};"
    )
    pieces = [*words(head), f"L = {report.loss},", "backpropagated", "in", "float64"]
    console.print(Text("\n".join(pack(pieces, width, indent="", sep=" ")), style="dim"))
    if report.budget is not None:
        line = (
            f"parameter budget {report.budget:,} ({report.budget_source}): each cell at the "
            "hidden size whose count is closest"
        )
        console.print(Text(wrap(line, width), style="bold"))
    for part in _table(report, width):
        console.print(part)
    for note in report.notes:
        console.print(Text(wrap("• " + note, width), style="dim"))
    timings = [row.timing for row in report.rows if row.timing is not None]
    if timings:
        t = timings[0]
        line = (
            f"• ms: medians of {t.device} runs with {t.threads} threads, a --time-budget of "
            f"{t.budget_s:g} s a cell, machine-dependent; fwd+bwd is a forward pass with "
            "autograd plus L.backward() to every parameter."
        )
        console.print(Text(wrap(line, width), style="dim"))
    series = {row.cell: row.input_gradients for row in report.rows}
    plot_steps(
        series,
        console,
        "‖∂L/∂x_t‖ by step t, every cell on one log scale",
        max_rows=MAX_PICTURE_ROWS,
    )


def _table(report: ComparisonReport, width: int) -> list[RenderableType]:
    """A row per cell where that fits, else a column per cell (fit_table stacks beyond)."""
    figures = _figures(report)
    names = [row.cell for row in report.rows]
    title = "Cells side by side"
    by_row = [Column("cell", style="cyan")] + [
        Column(header, justify="right") for header, _ in figures
    ]
    rows: list[list[Cell]] = [
        [name] + [values[i] for _, values in figures] for i, name in enumerate(names)
    ]
    natural = sum(
        max(cells(column.header), *(cells(row[n]) for row in rows))
        for n, column in enumerate(by_row)
    )
    if natural + 3 * len(by_row) + 1 <= width:
        return fit_table(by_row, rows, width, title=title)
    by_column = [Column("", style="cyan")] + [Column(name, justify="right") for name in names]
    transposed: list[list[Cell]] = [[header, *values] for header, values in figures]
    return fit_table(by_column, transposed, width, title=title)
