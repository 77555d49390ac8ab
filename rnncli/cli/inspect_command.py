"""`rnncli inspect`: options in, :func:`rnncli.rnn.report.inspect_rnn` report out."""

from __future__ import annotations

from typing import Optional

import typer

from rnncli.cli.choices import Cell, Device, DType, Nonlinearity

_MODEL = "Model (torch constructor arguments)"
_RUN = "Run"
_OUTPUT = "Output"


def inspect(
    cell: Cell = typer.Option(
        Cell.rnn, "--cell", case_sensitive=False, help="Recurrent cell.", rich_help_panel=_MODEL
    ),
    input_size: int = typer.Option(
        100, "--input", help="input_size: features of each x_t.", rich_help_panel=_MODEL
    ),
    hidden_size: int = typer.Option(
        20, "--hidden", help="hidden_size: features of h_t.", rich_help_panel=_MODEL
    ),
    num_layers: int = typer.Option(
        1, "--layers", help="num_layers: stacked recurrent layers.", rich_help_panel=_MODEL
    ),
    nonlinearity: Optional[Nonlinearity] = typer.Option(
        None,
        "--nonlinearity",
        case_sensitive=False,
        help="rnn only: tanh (default) or relu.",
        rich_help_panel=_MODEL,
    ),
    bias: bool = typer.Option(
        True, "--bias/--no-bias", help="Use b_ih and b_hh.", rich_help_panel=_MODEL
    ),
    batch_first: bool = typer.Option(
        False,
        "--batch-first",
        help="Input and output as [batch, seq, feature].",
        rich_help_panel=_MODEL,
    ),
    dropout: float = typer.Option(
        0.0, "--dropout", help="Dropout between stacked layers, in [0, 1).", rich_help_panel=_MODEL
    ),
    bidirectional: bool = typer.Option(
        False, "--bidirectional", help="Add a reverse direction.", rich_help_panel=_MODEL
    ),
    proj_size: int = typer.Option(
        0,
        "--proj-size",
        help="lstm only: project h_t to this size (< hidden).",
        rich_help_panel=_MODEL,
    ),
    seq_len: int = typer.Option(
        10, "--seq-len", help="Time steps of the input.", rich_help_panel=_RUN
    ),
    batch: int = typer.Option(3, "--batch", help="Sequences in the batch.", rich_help_panel=_RUN),
    seed: int = typer.Option(
        0, "--seed", help="torch.manual_seed before building.", rich_help_panel=_RUN
    ),
    dtype: DType = typer.Option(
        DType.float32,
        "--dtype",
        case_sensitive=False,
        help="Parameter and input dtype.",
        rich_help_panel=_RUN,
    ),
    device: Device = typer.Option(
        Device.cpu,
        "--device",
        case_sensitive=False,
        help="cpu, cuda, or meta: shapes and costs without allocating memory.",
        rich_help_panel=_RUN,
    ),
    check: bool = typer.Option(
        False,
        "--verify",
        help="Recompute the output step by step from the printed equations and compare.",
        rich_help_panel=_OUTPUT,
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print one JSON object instead of tables.", rich_help_panel=_OUTPUT
    ),
) -> None:
    """Show every parameter and tensor shape of an RNN, LSTM or GRU, and why.

    Defaults reproduce the notebook: randn(10, 3, 100) through RNN(100, 20) with a zero h0.
    """
    from rnncli.rnn.report import inspect_rnn
    from rnncli.rnn.spec import ModelSpec, RunSpec
    from rnncli.terminal import stdout_console, warn, write_json

    model = ModelSpec(
        cell=cell.value,
        input_size=input_size,
        hidden_size=hidden_size,
        num_layers=num_layers,
        nonlinearity=nonlinearity.value if nonlinearity else None,
        bias=bias,
        batch_first=batch_first,
        dropout=dropout,
        bidirectional=bidirectional,
        proj_size=proj_size,
    )
    run = RunSpec(seq_len=seq_len, batch=batch, seed=seed, dtype=dtype.value, device=device.value)
    report = inspect_rnn(model, run, check=check)
    for message in report.warnings:
        warn(message)
    if as_json:
        write_json(report.to_dict())
        return
    from rnncli.render.inspect import render_inspect

    render_inspect(report, stdout_console())
