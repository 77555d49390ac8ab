"""The options `inspect` and `compare` share, declared once: the model, the run, the text, --time.

Each is a typer ``Annotated`` alias (see :mod:`rnncli.cli.options`); the default goes in the
command's signature. :func:`request_fields` turns the values a command received into
:class:`~rnncli.rnn.request.InspectRequest` keyword arguments, so both commands fill a request
the same way and its rules name the same options.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional

from rnncli.cli.help_format import choices
from rnncli.cli.options import cache_dir_option, json_option, option, seed_option, vectors_option
from rnncli.rnn.spec import (
    DEFAULT_BATCH,
    DEFAULT_EMBED_DIM,
    DEFAULT_INPUT_SIZE,
    DEFAULT_SEQ_LEN,
    Cell,
    Device,
    DType,
    Nonlinearity,
)
from rnncli.rnn.timing import DEFAULT_BUDGET_S

# Help texts are plain text (rnncli.cli.help_format): "[batch, seq, feature]" is printed as is.
MODEL_PANEL = "Model (torch constructor arguments)"
RUN_PANEL = "Run"
OUTPUT_PANEL = "Output"
TEXT_PANEL = "Text input"
_MODEL, _RUN, _OUTPUT, _TEXT = MODEL_PANEL, RUN_PANEL, OUTPUT_PANEL, TEXT_PANEL


CellOption = option(
    Cell, "--cell", "Recurrent cell.", _MODEL, case_sensitive=False, metavar=choices(Cell)
)
InputSize = option(
    Optional[int],
    "--input",
    f"input_size: features of each x_t. [default: {DEFAULT_INPUT_SIZE}, or the embedding's width]",
    _MODEL,
    show_default=False,
    metavar="N",
)
HiddenSize = option(int, "--hidden", "hidden_size: features of h_t.", _MODEL, metavar="N")
Layers = option(int, "--layers", "num_layers: stacked recurrent layers.", _MODEL, metavar="N")
NonlinearityOption = option(
    Optional[Nonlinearity],
    "--nonlinearity",
    "rnn only: tanh (default) or relu.",
    _MODEL,
    case_sensitive=False,
    metavar=choices(Nonlinearity),
)
Bias = option(bool, "--bias/--no-bias", "Use b_ih and b_hh.", _MODEL)
BatchFirst = option(bool, "--batch-first", "Input and output as [batch, seq, feature].", _MODEL)
Dropout = option(
    float, "--dropout", "Dropout between stacked layers, in [0, 1).", _MODEL, metavar="P"
)
Bidirectional = option(bool, "--bidirectional", "Add a reverse direction.", _MODEL)
ProjSize = option(
    int, "--proj-size", "lstm only: project h_t to this size (< hidden).", _MODEL, metavar="N"
)
OutputSize = option(
    int,
    "--output-size",
    "Add the output layer y_t = h_t·W_hyᵀ + b_y of this size.",
    _MODEL,
    show_default=False,
    metavar="N",
)
SeqLen = option(
    Optional[int],
    "--seq-len",
    f"Time steps of the random input. [default: {DEFAULT_SEQ_LEN}]",
    _RUN,
    show_default=False,
    metavar="N",
)
Batch = option(
    Optional[int],
    "--batch",
    f"Sequences in the random batch. [default: {DEFAULT_BATCH}]",
    _RUN,
    show_default=False,
    metavar="N",
)
RunSeed = seed_option(_RUN)
DTypeOption = option(
    DType,
    "--dtype",
    "Parameter and input dtype.",
    _RUN,
    case_sensitive=False,
    metavar=choices(DType),
)
DeviceOption = option(
    Device,
    "--device",
    "cpu, cuda, or meta: shapes and costs without allocating memory.",
    _RUN,
    case_sensitive=False,
    metavar=choices(Device),
)
Texts = option(
    Optional[list[str]],
    "--text",
    "A sentence to run (repeat for a batch); - reads one per stdin line.",
    _TEXT,
    show_default=False,
    metavar="TEXT",
)
VocabFile = option(
    Optional[Path], "--vocab", "Vocabulary file from `rnncli vocab build`.", _TEXT, metavar="FILE"
)
EmbedDim = option(
    Optional[int],
    "--embed-dim",
    f"Width of random embedding rows. [default: {DEFAULT_EMBED_DIM}]",
    _TEXT,
    show_default=False,
    metavar="N",
)
TextVectors = vectors_option(_TEXT)
TextCacheDir = cache_dir_option(_TEXT)
Pack = option(bool, "--pack", "Run the batch as a PackedSequence.", _TEXT)
OutputJson = json_option(_OUTPUT)
Time = option(
    bool,
    "--time",
    "Time the module on the device: forward, and forward+backward (backward_ms: one forward "
    "pass with autograd on plus L.backward() to every parameter, L as --grad's); min and "
    "median ms, tokens/s, threads, peak memory. Machine-dependent figures.",
    _OUTPUT,
)
TimeBudget = option(
    Optional[float],
    "--time-budget",
    "With --time: seconds to spend timing, warm-up included (the first round's set-up not). "
    f"[default: {DEFAULT_BUDGET_S:g}]",
    _OUTPUT,
    metavar="SECONDS",
    show_default=False,
)
NoCudnn = option(
    bool,
    "--no-cudnn",
    "With --time on --device cuda: turn cuDNN off (torch.backends.cudnn.flags) to compare.",
    _OUTPUT,
)


#: The parameters of `inspect` and `compare` that :func:`request_fields` reads, by name.
SHARED_PARAMETERS = (
    "input_size",
    "hidden_size",
    "num_layers",
    "nonlinearity",
    "bias",
    "batch_first",
    "dropout",
    "bidirectional",
    "proj_size",
    "output_size",
    "seq_len",
    "batch",
    "seed",
    "dtype",
    "device",
    "text",
    "vocab",
    "embed_dim",
    "vectors",
    "cache_dir",
    "pack",
    "time",
    "time_budget",
    "no_cudnn",
)


def request_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """The shared options' values (a command's parameters, by name) as ``InspectRequest``
    keyword arguments: enums as their strings, ``--text`` as a tuple, ``--no-cudnn`` turned
    into ``cudnn``. Both commands pass their own parameters, so each option is read once."""
    fields = {name: values[name] for name in SHARED_PARAMETERS}
    for name in ("nonlinearity", "dtype", "device"):
        fields[name] = fields[name].value if fields[name] is not None else None
    fields["texts"] = tuple(fields.pop("text") or ())
    fields["cudnn"] = not fields.pop("no_cudnn")
    return fields


def read_stdin_texts() -> list[str]:
    """``--text -`` reads one sequence per stdin line (blank lines skipped, a BOM dropped)."""
    from rnncli.errors import UsageError
    from rnncli.input_files import read_stdin

    lines = [line.rstrip("\r") for line in read_stdin("--text").split("\n")]
    sentences = [line for line in lines if line.strip()]
    if not sentences:
        raise UsageError("- read no line of text from stdin (give one sentence a line)", "--text")
    return sentences


def check_output_size(output_size: int, given: bool) -> None:
    """``--output-size 0`` typed out is refused like ``-1``: 0 is only the default's "no layer"."""
    if output_size == 0 and given:
        from rnncli.errors import UsageError

        raise UsageError(
            "must be a positive integer, got 0 (leave --output-size out for no output layer)",
            "--output-size",
        )
