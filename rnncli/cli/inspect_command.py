"""`rnncli inspect`: options in, one :class:`~rnncli.rnn.request.InspectRequest`, a report out."""

from __future__ import annotations

from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from rnncli.cli.help_format import choices
from rnncli.cli.inspect_options import (
    OUTPUT_PANEL,
    TEXT_PANEL,
    Batch,
    BatchFirst,
    Bias,
    Bidirectional,
    CellOption,
    DeviceOption,
    Dropout,
    DTypeOption,
    EmbedDim,
    HiddenSize,
    InputSize,
    Layers,
    NoCudnn,
    NonlinearityOption,
    OutputJson,
    OutputSize,
    Pack,
    ProjSize,
    RunSeed,
    SeqLen,
    TextCacheDir,
    Texts,
    TextVectors,
    Time,
    TimeBudget,
    VocabFile,
    check_output_size,
    read_stdin_texts,
    request_fields,
)
from rnncli.cli.options import given, option
from rnncli.cli.output import emit, environment, resolve
from rnncli.rnn.spec import DEFAULT_HIDDEN_SIZE, Cell, Device, DType


class TraceMode(str, Enum):
    """``--trace``: how much of a text run's trace to print (``request.TRACE_MODES``)."""

    summary = "summary"
    all = "all"
    none = "none"


_TEXT = TEXT_PANEL
_FILE = "Model file"
_OUTPUT = OUTPUT_PANEL

ModelFile = Annotated[
    Optional[Path],
    typer.Argument(
        metavar="FILE",
        help=(
            "A model file to read as data: a state dict or training checkpoint (torch.save), "
            "a whole pickled model, .safetensors, TorchScript, or `rnncli embed --out`. "
            "Model options given with it are checked against it."
        ),
        show_default=False,
    ),
]
TraceOption = option(
    TraceMode,
    "--trace",
    "How much of the step-by-step trace and token table to print: the first and last steps "
    "(summary), every step (all), or no trace (none). --json always has all.",
    _TEXT,
    case_sensitive=False,
    metavar=choices(TraceMode),
)
NoTrace = option(bool, "--no-trace", "Print no trace: --trace none.", _TEXT)
Verify = option(
    bool,
    "--verify",
    "Recompute the output step by step from the printed equations and compare.",
    OUTPUT_PANEL,
)
Grad = option(
    bool,
    "--grad",
    "Backpropagate the last step's output through time: ‖∂L/∂x_t‖ per step, per layer, per "
    "parameter (float64).",
    OUTPUT_PANEL,
)
Clip = option(
    Optional[float],
    "--clip",
    "With --grad: what clip_grad_norm_(max_norm=N) would scale the gradients by.",
    OUTPUT_PANEL,
    metavar="N",
    show_default=False,
)
ModuleName = option(
    Optional[str],
    "--module",
    "With FILE: the recurrent module to run and compare, e.g. encoder.rnn.",
    _FILE,
    show_default=False,
    metavar="NAME",
)
Code = option(
    bool,
    "--code",
    "With FILE: print Python that rebuilds its modules and loads their weights.",
    _FILE,
)
Save = option(
    Optional[Path],
    "--save",
    "Also write what is printed, colours included, to FILE.svg or FILE.html.",
    OUTPUT_PANEL,
    metavar="FILE",
)


def inspect(
    ctx: typer.Context,
    file: ModelFile = None,
    cell: CellOption = Cell.rnn,
    input_size: InputSize = None,
    hidden_size: HiddenSize = DEFAULT_HIDDEN_SIZE,
    num_layers: Layers = 1,
    nonlinearity: NonlinearityOption = None,
    bias: Bias = True,
    batch_first: BatchFirst = False,
    dropout: Dropout = 0.0,
    bidirectional: Bidirectional = False,
    proj_size: ProjSize = 0,
    seq_len: SeqLen = None,
    batch: Batch = None,
    seed: RunSeed = 0,
    dtype: DTypeOption = DType.float32,
    device: DeviceOption = Device.cpu,
    text: Texts = None,
    vocab: VocabFile = None,
    embed_dim: EmbedDim = None,
    vectors: TextVectors = None,
    cache_dir: TextCacheDir = None,
    pack: Pack = False,
    trace: TraceOption = TraceMode.summary,
    no_trace: NoTrace = False,
    output_size: OutputSize = 0,
    check: Verify = False,
    grad: Grad = False,
    clip: Clip = None,
    time: Time = False,
    time_budget: TimeBudget = None,
    no_cudnn: NoCudnn = False,
    module: ModuleName = None,
    code: Code = False,
    as_json: OutputJson = False,
    save: Save = None,
) -> None:
    """Show every parameter and tensor shape of an RNN, LSTM or GRU, and why.

    Defaults reproduce the notebook: randn(10, 3, 100) through RNN(100, 20) with a zero h0.
    With --text, real sentences go through an embedding first, and a step-by-step trace and
    an unrolled diagram show what happens inside. With FILE, your own model: every module in
    it named and proven, its recurrent ones run with their own weights, their health checked.
    """
    parameters = dict(locals())  # every option, by name, before anything else is bound
    from rnncli.errors import UsageError
    from rnncli.rnn.pipeline import inspect as run_request
    from rnncli.rnn.request import MODEL_OPTIONS, InspectRequest

    env = environment(ctx)
    if save is not None and save.suffix.lower() not in (".svg", ".html", ".htm"):
        raise UsageError(f"must end in .svg or .html, got {save.name!r}", "--save")
    if save is not None:
        from rnncli.input_files import check_writable_place

        check_writable_place(save, "--save")
    if save is not None and as_json:
        raise UsageError("--save writes the tables; it cannot be combined with --json", "--save")
    if save is not None and code:
        raise UsageError("--save writes the tables; it cannot be combined with --code", "--save")
    check_output_size(output_size, given(ctx, "output_size"))
    if no_trace:
        if not text:
            raise UsageError("the trace follows text input: add --text", "--no-trace")
        if given(ctx, "trace") and trace is not TraceMode.none:
            raise UsageError(f"contradicts --trace {trace.value}", "--no-trace")
        trace = TraceMode.none
    fields = request_fields(parameters)
    model_options = {"cell": cell.value}
    model_options.update({name: fields.pop(name) for name in list(fields) if name in MODEL_OPTIONS})
    if file is not None:
        # With a model file, the model options the user typed are what they expect it to hold.
        stated = {
            name: value
            for name, value in model_options.items()
            if given(ctx, name) and value is not None
        }
        file_options = {"checkpoint": file, "module": module, "code": code, "expect": stated}
        model_options = {}
    else:
        file_options = {"module": module, "code": code}
    request = InspectRequest(
        **model_options,
        **file_options,
        **fields,
        verify=check,
        grad=grad,
        clip=clip,
        trace=trace.value,
    )
    if file is not None:
        _inspect_file(request, env, as_json=as_json, save=save)
        return
    if text == ["-"]:  # stdin is read only once every option is known to be valid
        request = replace(request, texts=tuple(read_stdin_texts()))
    report = run_request(request)
    for message in report.warnings:
        env.warn(message)
    emit(report, _RENDER_INSPECT, as_json, env, trace=request.trace)
    if save is not None:
        title = f"rnncli inspect: {report.module_repr}"
        _save(report, _RENDER_INSPECT, save, title, env, trace=request.trace)


_RENDER_INSPECT = "rnncli.render.inspect:render_inspect"
_RENDER_FILE = "rnncli.render.checkpoint:render_checkpoint"


def _save(report: Any, renderer: str, path: Path, title: str, env: Any, **options: Any) -> None:
    """``--save``: the tables drawn again into an SVG or HTML file."""
    from rnncli.render.export import export, saved

    draw = resolve(renderer)
    export(lambda console: draw(report, console, **options), path, title)
    saved(f"saved the tables to {path}", env.stderr_console())


def _inspect_file(request: Any, env: Any, *, as_json: bool, save: Optional[Path]) -> None:
    """`rnncli inspect FILE`: report, render, and exit 1 when the file differs from the flags."""
    from rnncli.checkpoint.report import inspect_checkpoint

    report = inspect_checkpoint(request)
    for module in report.recurrent:
        if module.inspection is not None:
            for message in module.inspection.warnings:
                env.warn(message)
    if request.code and not as_json:
        env.stdout.write(report.code)  # plain Python, runnable as printed: no rich
        env.stdout.flush()
        for mismatch in report.mismatches:  # the code is the output: differences on stderr
            env.warn(f"{report.compared or '(root)'} differs: {mismatch.message}")
    else:
        emit(report, _RENDER_FILE, as_json, env)
        if save is not None:
            _save(report, _RENDER_FILE, save, f"rnncli inspect {request.checkpoint}", env)
    if report.exit_code:
        raise typer.Exit(report.exit_code)
