"""`rnncli compare`: inspect's options once, every cell through them, one table and one picture."""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

import typer

from rnncli.cli.inspect_options import (
    Batch,
    BatchFirst,
    Bias,
    Bidirectional,
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
from rnncli.cli.output import emit, environment
from rnncli.rnn.spec import CELLS, DEFAULT_HIDDEN_SIZE, Device, DType

_COMPARE = "Compare"

Cells = option(
    str,
    "--cells",
    "The cells to run, comma-separated, each with the same options and input.",
    _COMPARE,
    metavar="CELLS",
)
MatchParams = option(
    bool,
    "--match-params",
    "Give each cell the hidden size whose parameter count is closest to one budget (ties: the "
    "smaller), the fair comparison papers make.",
    _COMPARE,
)
Params = option(
    Optional[int],
    "--params",
    "With --match-params: the parameter budget. [default: the first cell's count at --hidden]",
    _COMPARE,
    metavar="N",
    show_default=False,
)

_RENDER = "rnncli.render.comparison:render_comparison"


def compare(
    ctx: typer.Context,
    cells: Cells = ",".join(CELLS),
    match_params: MatchParams = False,
    params: Params = None,
    input_size: InputSize = None,
    hidden_size: HiddenSize = DEFAULT_HIDDEN_SIZE,
    num_layers: Layers = 1,
    nonlinearity: NonlinearityOption = None,
    bias: Bias = True,
    batch_first: BatchFirst = False,
    dropout: Dropout = 0.0,
    bidirectional: Bidirectional = False,
    proj_size: ProjSize = 0,
    output_size: OutputSize = 0,
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
    time: Time = False,
    time_budget: TimeBudget = None,
    no_cudnn: NoCudnn = False,
    as_json: OutputJson = False,
) -> None:
    """Run rnn, lstm and gru side by side: parameters, cost, and how much gradient survives.

    Every cell gets the same inspect options and the same input (random, or --text through
    one embedding) and is backpropagated as inspect --grad does: one table (hidden size,
    parameters, MACs, activation memory, gradient first/last and half-life, with --time the
    milliseconds) and each cell's gradient decay on one log scale. --match-params sizes each
    cell to the same parameter budget. --nonlinearity applies to the rnn only, --proj-size to
    the lstm only.
    """
    parameters = dict(locals())  # every option, by name, before anything else is bound
    from rnncli.errors import UsageError
    from rnncli.rnn.comparison import check_cells
    from rnncli.rnn.comparison import compare as run_comparison
    from rnncli.rnn.request import InspectRequest

    env = environment(ctx)
    names = check_cells(cells)
    check_output_size(output_size, given(ctx, "output_size"))
    if nonlinearity is not None and proj_size:
        raise UsageError(
            "one compare run takes --nonlinearity (rnn) or --proj-size (lstm), not both",
            "--proj-size",
        )
    fields = request_fields(parameters)
    # The request's own cell only has to accept the cell-only options; compare sets each cell.
    request = InspectRequest(cell="lstm" if proj_size else "rnn", **fields)
    if text == ["-"]:  # stdin is read only once every option is known to be valid
        request = replace(request, texts=tuple(read_stdin_texts()))
    report = run_comparison(request, names, match_params=match_params, params=params, time=time)
    for message in report.warnings:
        env.warn(message)
    emit(report, _RENDER, as_json, env)
