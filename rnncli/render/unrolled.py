"""The network unrolled over its first steps: x_t → cell → h_t, with the shapes on the arrows."""

from __future__ import annotations

from typing import Optional

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from rnncli.render.fit import pack
from rnncli.render.words import plural
from rnncli.rnn.report import InspectReport

#: Steps drawn before the diagram ends with "…".
MAX_STEPS = 4


def _shape(shape: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _center(line: str, width: int) -> str:
    """``str.center`` in terminal cells (a CJK character is two), with the same rounding."""
    margin = width - cell_len(line)
    if margin <= 0:
        return line
    left = margin // 2 + (margin & width & 1)
    return " " * left + line + " " * (margin - left)


def _column(lines: list[str]) -> list[str]:
    width = max(cell_len(line) for line in lines)
    return [_center(line, width) for line in lines]


def diagram_lines(report: InspectReport, width: int = 10_000) -> list[str]:
    """The diagram as plain lines, with as many of the first steps as fit in ``width``; where
    not even one step fits, one block per step, every label whole."""
    for steps in range(min(report.run.seq_len, MAX_STEPS), 0, -1):
        lines = _diagram(report, steps)
        if max(cell_len(line) for line in lines) <= width:
            return lines
    return _stacked(report, width)


def _stacked(report: InspectReport, width: int) -> list[str]:
    model, run = report.model, report.run
    names = _Names(report)
    lines = pack([names.h0_name, names.state], width)
    steps = min(run.seq_len, MAX_STEPS)
    for t in range(steps):
        lines += pack([f"t={t}", names.token_label(t)], width)
        pieces = [
            f"x_{t} {names.x_shape}",
            f"─▶ {model.cell.upper()} ─▶",
            f"out_{t} {names.h_shape}",
        ]
        if report.output_size:
            pieces.append(f"y_{t} {_shape((run.batch, report.output_size))}")
        lines += ["  " + line for line in pack(pieces, width - 2, indent="    ")]
    if run.seq_len > steps:
        lines.append("…")
    else:
        lines += pack([names.h_n_name, names.state], width)
    return lines


class _Names:
    """The labels the diagram draws: shapes, state names, each step's tokens."""

    def __init__(self, report: InspectReport) -> None:
        model, run = report.model, report.run
        self.x_shape = _shape((run.batch, model.input_size))
        self.h_shape = _shape((run.batch, model.num_directions * model.state_size))
        state = _shape(report.tensors["h0"].shape)
        if "c0" in report.tensors and report.tensors["c0"].shape != report.tensors["h0"].shape:
            state += " " + _shape(report.tensors["c0"].shape)  # proj_size: c is hidden wide
        self.state = state
        lstm = model.cell == "lstm"
        self.h0_name, self.h_n_name = ("h0, c0", "h_n, c_n") if lstm else ("h0", "h_n")
        self.tokens: Optional[list[list[Optional[str]]]] = (
            report.trace.tokens if report.trace else None
        )

    def token_label(self, t: int) -> str:
        if self.tokens is None:
            return "randn"
        words = [w if w is not None else "<pad>" for w in self.tokens[t][:3]]
        return "/".join(words) + ("/…" if len(self.tokens[t]) > 3 else "")


def _diagram(report: InspectReport, steps: int) -> list[str]:
    model, run = report.model, report.run
    cell = model.cell.upper()
    names = _Names(report)
    x_shape, h_shape, state, token_label = (
        names.x_shape,
        names.h_shape,
        names.state,
        names.token_label,
    )

    box = "─" * (len(cell) + 2)
    columns: list[list[str]] = []
    h0_name, h_n_name = names.h0_name, names.h_n_name
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
    stack = plural(model.num_layers, "layer") + (", both directions" if model.bidirectional else "")
    console.print(
        Text(f"Unrolled over time (each box: the {model.cell.upper()}, {stack})", style="bold")
    )
    lines = diagram_lines(report, console.width)
    console.print(Text("\n".join(lines)), overflow="crop", no_wrap=True, crop=True)
