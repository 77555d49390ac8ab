"""The network unrolled over its first steps: x_t → cell → h_t, with the shapes on the arrows."""

from __future__ import annotations

from typing import Optional

from rich.console import Console
from rich.text import Text

from rnncli.rnn.report import InspectReport

#: Steps drawn before the diagram ends with "…".
MAX_STEPS = 4


def _shape(shape: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _column(lines: list[str]) -> list[str]:
    width = max(len(line) for line in lines)
    return [line.center(width) for line in lines]


def diagram_lines(report: InspectReport, width: int = 10_000) -> list[str]:
    """The diagram as plain lines, with as many of the first steps as fit in ``width``."""
    for steps in range(min(report.run.seq_len, MAX_STEPS), 0, -1):
        lines = _diagram(report, steps)
        if max(len(line) for line in lines) <= width:
            break
    return lines


def _diagram(report: InspectReport, steps: int) -> list[str]:
    model, run = report.model, report.run
    cell = model.cell.upper()
    x_shape = _shape((run.batch, model.input_size))
    h_shape = _shape((run.batch, model.num_directions * model.state_size))
    state = _shape(report.tensors["h0"].shape)
    if "c0" in report.tensors and report.tensors["c0"].shape != report.tensors["h0"].shape:
        state += " " + _shape(report.tensors["c0"].shape)  # proj_size: c is hidden wide, h proj
    tokens: Optional[list[list[Optional[str]]]] = report.trace.tokens if report.trace else None

    def token_label(t: int) -> str:
        if tokens is None:
            return "randn"
        words = [w if w is not None else "<pad>" for w in tokens[t][:3]]
        return "/".join(words) + ("/…" if len(tokens[t]) > 3 else "")

    box = "─" * (len(cell) + 2)
    columns: list[list[str]] = []
    h0_name, h_n_name = ("h0, c0", "h_n, c_n") if model.cell == "lstm" else ("h0", "h_n")
    columns.append(_column(["", "", "", "", h0_name, state, "", "", ""]))
    for t in range(steps):
        arrow = " ─▶ " if t == 0 else f" ─h_{t - 1}─▶ "
        columns.append(_column(["", "", "", "", arrow, "", "", "", ""]))
        y = f"y_{t} {_shape((run.batch, report.output_size))}" if report.output_size else ""
        columns.append(
            _column(
                [
                    token_label(t),
                    f"x_{t} {x_shape}",
                    "▼",
                    f"┌{box}┐",
                    f"│ {cell} │",
                    f"└{box}┘",
                    "▼",
                    f"out_{t} {h_shape}",
                    y,
                ]
            )
        )
    columns.append(_column(["", "", "", "", f" ─h_{steps - 1}─▶ ", "", "", "", ""]))
    more = run.seq_len > steps
    columns.append(
        _column(["", "", "", "", "…" if more else h_n_name, "" if more else state, "", "", ""])
    )
    lines = ["".join(col[i] for col in columns).rstrip() for i in range(9)]
    while not lines[-1]:
        lines.pop()
    return lines


def render_unrolled(report: InspectReport, console: Console) -> None:
    """Print the unrolled diagram under a title that says what a box stands for."""
    model = report.model
    stack = f"{model.num_layers} layer(s)" + (", both directions" if model.bidirectional else "")
    console.print(
        Text(f"Unrolled over time (each box: the {model.cell.upper()}, {stack})", style="bold")
    )
    lines = diagram_lines(report, console.width)
    console.print(Text("\n".join(lines)), overflow="crop", no_wrap=True, crop=True)
