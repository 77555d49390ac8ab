"""`rnncli inspect`: options in, :func:`rnncli.rnn.report.inspect_rnn` report out."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Optional

import typer

from rnncli.cli.choices import Cell, Device, DType, Nonlinearity
from rnncli.rnn.request import (
    DEFAULT_BATCH,
    DEFAULT_EMBED_DIM,
    DEFAULT_HIDDEN_SIZE,
    DEFAULT_INPUT_SIZE,
    DEFAULT_SEQ_LEN,
)

# Help texts are rich markup (typer renders them so): a literal "[word" is written "\\[word",
# else rich takes "[batch, seq, feature]" or "[default: 10]" for a style tag and drops it.
_MODEL = "Model (torch constructor arguments)"
_RUN = "Run"
_OUTPUT = "Output"
_TEXT = "Text input"
_FILE = "Model file"


def inspect(
    ctx: typer.Context,
    file: Optional[Path] = typer.Argument(
        None,
        metavar="[FILE]",
        help=(
            "A model file to read as data: a state dict or training checkpoint (torch.save), "
            "a whole pickled model, .safetensors, TorchScript, or `rnncli embed --out`. "
            "Model options given with it are checked against it."
        ),
        show_default=False,
    ),
    cell: Cell = typer.Option(
        Cell.rnn, "--cell", case_sensitive=False, help="Recurrent cell.", rich_help_panel=_MODEL
    ),
    input_size: Optional[int] = typer.Option(
        None,
        "--input",
        help=(
            f"input_size: features of each x_t. \\[default: {DEFAULT_INPUT_SIZE}, "
            "or the embedding's width]"
        ),
        rich_help_panel=_MODEL,
        show_default=False,
    ),
    hidden_size: int = typer.Option(
        DEFAULT_HIDDEN_SIZE,
        "--hidden",
        help="hidden_size: features of h_t.",
        rich_help_panel=_MODEL,
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
        help="Input and output as \\[batch, seq, feature].",
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
    seq_len: Optional[int] = typer.Option(
        None,
        "--seq-len",
        help=f"Time steps of the random input. \\[default: {DEFAULT_SEQ_LEN}]",
        rich_help_panel=_RUN,
        show_default=False,
    ),
    batch: Optional[int] = typer.Option(
        None,
        "--batch",
        help=f"Sequences in the random batch. \\[default: {DEFAULT_BATCH}]",
        rich_help_panel=_RUN,
        show_default=False,
    ),
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
    text: Optional[list[str]] = typer.Option(
        None,
        "--text",
        help="A sentence to run (repeat for a batch); - reads one per stdin line.",
        rich_help_panel=_TEXT,
        show_default=False,
    ),
    vocab: Optional[Path] = typer.Option(
        None, "--vocab", help="Vocabulary file from `rnncli vocab build`.", rich_help_panel=_TEXT
    ),
    embed_dim: Optional[int] = typer.Option(
        None,
        "--embed-dim",
        help=f"Width of random embedding rows. \\[default: {DEFAULT_EMBED_DIM}]",
        rich_help_panel=_TEXT,
        show_default=False,
    ),
    vectors: Optional[str] = typer.Option(
        None,
        "--vectors",
        help="Embedding rows from a fetched GloVe set, e.g. 6B.50d.",
        rich_help_panel=_TEXT,
    ),
    cache_dir: Optional[Path] = typer.Option(
        None,
        "--cache-dir",
        help="GloVe cache folder. \\[default: $RNNCLI_CACHE_DIR or the user cache]",
        rich_help_panel=_TEXT,
        show_default=False,
    ),
    pack: bool = typer.Option(
        False, "--pack", help="Run the batch as a PackedSequence.", rich_help_panel=_TEXT
    ),
    output_size: int = typer.Option(
        0,
        "--output-size",
        help="Add the output layer y_t = h_t·W_hyᵀ + b_y of this size.",
        rich_help_panel=_MODEL,
        show_default=False,
    ),
    check: bool = typer.Option(
        False,
        "--verify",
        help="Recompute the output step by step from the printed equations and compare.",
        rich_help_panel=_OUTPUT,
    ),
    module: Optional[str] = typer.Option(
        None,
        "--module",
        help="With FILE: the recurrent module to run and compare, e.g. encoder.rnn.",
        rich_help_panel=_FILE,
        show_default=False,
    ),
    code: bool = typer.Option(
        False,
        "--code",
        help="With FILE: print Python that rebuilds its modules and loads their weights.",
        rich_help_panel=_FILE,
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print one JSON object instead of tables.", rich_help_panel=_OUTPUT
    ),
    save: Optional[Path] = typer.Option(
        None,
        "--save",
        help="Also write what is printed, colours included, to FILE.svg or FILE.html.",
        rich_help_panel=_OUTPUT,
    ),
) -> None:
    """Show every parameter and tensor shape of an RNN, LSTM or GRU, and why.

    Defaults reproduce the notebook: randn(10, 3, 100) through RNN(100, 20) with a zero h0.
    With --text, real sentences go through an embedding first, and a step-by-step trace and
    an unrolled diagram show what happens inside. With FILE, your own model: every module in
    it named and proven, its recurrent ones run with their own weights, their health checked.
    """
    from rnncli.errors import UsageError
    from rnncli.rnn.pipeline import inspect as run_request
    from rnncli.rnn.request import InspectRequest
    from rnncli.terminal import stdout_console, warn, write_json

    if save is not None and save.suffix.lower() not in (".svg", ".html", ".htm"):
        raise UsageError(f"must end in .svg or .html, got {save.name!r}", "--save")
    if save is not None and as_json:
        raise UsageError("--save writes the tables; it cannot be combined with --json", "--save")
    model_options = {
        "cell": cell.value,
        "input_size": input_size,
        "hidden_size": hidden_size,
        "num_layers": num_layers,
        "nonlinearity": nonlinearity.value if nonlinearity else None,
        "bias": bias,
        "batch_first": batch_first,
        "dropout": dropout,
        "bidirectional": bidirectional,
        "proj_size": proj_size,
    }
    file_options: dict = {}
    if file is not None:
        # With a model file, the model options the user typed are what they expect it to hold.
        stated = {
            name: value
            for name, value in model_options.items()
            if _given(ctx, name) and value is not None
        }
        file_options = {"checkpoint": file, "module": module, "code": code, "expect": stated}
        model_options = {}
    else:
        file_options = {"module": module, "code": code}
    request = InspectRequest(
        **model_options,
        **file_options,
        output_size=output_size,
        seq_len=seq_len,
        batch=batch,
        seed=seed,
        dtype=dtype.value,
        device=device.value,
        vocab=vocab,
        embed_dim=embed_dim,
        vectors=vectors,
        cache_dir=cache_dir,
        pack=pack,
        verify=check,
        texts=tuple(text or ()),
    )
    if file is not None:
        _inspect_file(request, as_json=as_json, save=save)
        return
    if text == ["-"]:  # stdin is read only once every option is known to be valid
        request = replace(request, texts=tuple(_read_texts(text)))
    report = run_request(request)
    for message in report.warnings:
        warn(message)
    if as_json:
        write_json(report.to_dict())
        return
    from rnncli.render.inspect import render_inspect

    render_inspect(report, stdout_console())
    if save is not None:
        from rnncli.render.export import export, saved

        title = f"rnncli inspect: {report.module_repr}"
        export(lambda console: render_inspect(report, console), save, title)
        saved(f"saved the tables to {save}")


def _given(ctx: typer.Context, name: str) -> bool:
    """Whether the user typed this option (or set it in the environment), not its default."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name in ("COMMANDLINE", "ENVIRONMENT")


def _inspect_file(request, *, as_json: bool, save: Optional[Path]) -> None:
    """`rnncli inspect FILE`: report, render, and exit 1 when the file differs from the flags."""
    from rnncli.checkpoint.report import inspect_checkpoint
    from rnncli.terminal import stdout_console, warn, write_json

    report = inspect_checkpoint(request)
    for module in report.recurrent:
        if module.inspection is not None:
            for message in module.inspection.warnings:
                warn(message)
    if as_json:
        write_json(report.to_dict())
    elif request.code:
        import sys

        sys.stdout.write(report.code)
    else:
        from rnncli.render.checkpoint import render_checkpoint

        render_checkpoint(report, stdout_console())
        if save is not None:
            from rnncli.render.export import export, saved

            title = f"rnncli inspect {request.checkpoint}"
            export(lambda console: render_checkpoint(report, console), save, title)
            saved(f"saved the tables to {save}")
    if report.exit_code:
        raise typer.Exit(report.exit_code)


def _read_texts(texts: list[str]) -> list[str]:
    """``--text -`` reads one sequence per stdin line (blank lines skipped)."""
    import sys

    if texts == ["-"]:
        lines = [line.rstrip("\r\n") for line in sys.stdin]
        sentences = [line for line in lines if line.strip()]
        if not sentences:
            from rnncli.errors import UsageError

            raise UsageError(
                "- read no line of text from stdin (give one sentence a line)", "--text"
            )
        return sentences
    return texts
