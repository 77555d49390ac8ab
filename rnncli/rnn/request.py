"""One `inspect` request: every option, its default and every rule between options, in one place.

The CLI fills an :class:`InspectRequest` from its flags and a Python user builds one directly;
either way the request is checked when it is made (before torch is imported and before any file
is read), and :func:`rnncli.rnn.pipeline.inspect` runs it. torchinfo's ``validate_user_params``
is the model: a later option (a checkpoint file, a backward pass) adds its rules here, not in the
CLI or in the stages.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from rnncli.errors import UsageError
from rnncli.rnn.spec import (
    DEFAULT_BATCH,
    DEFAULT_HIDDEN_SIZE,
    DEFAULT_INPUT_SIZE,
    DEFAULT_SEQ_LEN,
    DTYPE_BYTES,
    GATES,
    ModelSpec,
    RunSpec,
    check_cell,
    check_dropout,
    check_nonlinearity,
    check_positive,
)
from rnncli.rnn.timing import DEFAULT_BUDGET_S

#: The model options a user can state about a model file, with their flags. The file's tensors
#: prove the first seven; the last three no weight records, so a given flag is used as is.
MODEL_OPTIONS = {
    "cell": "--cell",
    "input_size": "--input",
    "hidden_size": "--hidden",
    "num_layers": "--layers",
    "bias": "--bias/--no-bias",
    "bidirectional": "--bidirectional",
    "proj_size": "--proj-size",
    "nonlinearity": "--nonlinearity",
    "batch_first": "--batch-first",
    "dropout": "--dropout",
}
#: How much of a text run's trace and token table to print: the first and last steps and
#: sequences (``summary``), every one (``all``), or no trace (``none``). JSON always has all.
TRACE_MODES = ("summary", "all", "none")

#: The size options whose product makes a tensor, with their flags and smallest values.
_SIZE_OPTIONS = {
    "input_size": "--input",
    "hidden_size": "--hidden",
    "proj_size": "--proj-size",
    "num_layers": "--layers",
    "seq_len": "--seq-len",
    "batch": "--batch",
    "output_size": "--output-size",
}
_SIZE_MIN = {key: 0 if key in ("proj_size", "output_size") else 1 for key in _SIZE_OPTIONS}
#: The most bytes one tensor can hold: torch counts a storage's bytes in an int64.
TENSOR_BYTES_MAX = 2**63 - 1
#: The deepest stack rnncli builds: 1,000 layers take about 10 s to build on the meta device,
#: and published RNNs stack a few, rarely dozens.
MAX_LAYERS = 1_000


def _largest_tensor(
    cell: str, bidirectional: bool, sizes: Mapping[str, int], element: int
) -> tuple[str, tuple[int, ...], int]:
    """The largest tensor a run of these sizes makes (name, shape, bytes), from torch's
    documented shapes: plain integer arithmetic, so any size can be asked about."""
    gates = max(1, len(GATES[cell]))
    hidden, proj, layers = sizes["hidden_size"], sizes["proj_size"], sizes["num_layers"]
    seq, batch, out = sizes["seq_len"], sizes["batch"], sizes["output_size"]
    state = proj or hidden
    directions = 2 if bidirectional else 1
    shapes: dict[str, tuple[int, ...]] = {
        "weight_ih_l0": (gates * hidden, sizes["input_size"]),
        "weight_hh_l0": (gates * hidden, state),
        "input": (seq, batch, sizes["input_size"]),
        "output": (seq, batch, directions * state),
        "h0": (layers * directions, batch, state),
    }
    if layers > 1:
        shapes["weight_ih_l1"] = (gates * hidden, directions * state)
    if cell == "lstm":
        shapes["c0"] = (layers * directions, batch, hidden)
    if proj:
        shapes["weight_hr_l0"] = (proj, hidden)
    if out:
        shapes["output_layer.weight"] = (out, directions * state)
        shapes["y"] = (seq, batch, out)
    name = max(shapes, key=lambda n: math.prod(shapes[n]))
    return name, shapes[name], math.prod(shapes[name]) * element


#: What the weights cannot tell: taken from the file's pickle where recorded, else from the flags.
UNRECORDED_IN_WEIGHTS = ("nonlinearity", "batch_first", "dropout")


@dataclass(frozen=True)
class InspectRequest:
    """What `rnncli inspect` was asked to do; ``None`` means "not given, use the default".

    Model options follow torch's constructor names. ``texts`` replaces the random input with
    sentences (then ``seq_len`` and ``batch`` come from them); ``vocab``, ``embed_dim``,
    ``vectors``, ``cache_dir`` and ``pack`` shape that text run; ``verify`` recomputes the output
    from the printed equations; ``grad`` backpropagates the last step's output through time, and
    ``clip`` adds what ``clip_grad_norm_(max_norm=clip)`` would scale the gradients by;
    ``time`` times forward and forward+backward for about ``time_budget`` seconds (``None``:
    :data:`~rnncli.rnn.timing.DEFAULT_BUDGET_S`), with cuDNN on CUDA unless ``cudnn`` is false.
    ``trace`` (one of :data:`TRACE_MODES`) is how much of a text run's trace the tables show.
    """

    cell: str = "rnn"
    input_size: Optional[int] = None
    hidden_size: int = DEFAULT_HIDDEN_SIZE
    num_layers: int = 1
    nonlinearity: Optional[str] = None
    bias: bool = True
    batch_first: bool = False
    dropout: float = 0.0
    bidirectional: bool = False
    proj_size: int = 0
    output_size: int = 0
    seq_len: Optional[int] = None
    batch: Optional[int] = None
    seed: int = 0
    dtype: str = "float32"
    device: str = "cpu"
    texts: tuple[str, ...] = field(default_factory=tuple)
    vocab: Optional[Path] = None
    embed_dim: Optional[int] = None
    vectors: Optional[str] = None
    cache_dir: Optional[Path] = None
    pack: bool = False
    verify: bool = False
    grad: bool = False
    clip: Optional[float] = None
    time: bool = False
    time_budget: Optional[float] = None
    cudnn: bool = True
    checkpoint: Optional[Path] = None
    module: Optional[str] = None
    code: bool = False
    expect: Mapping[str, Any] = field(default_factory=dict)
    trace: str = "summary"

    def __post_init__(self) -> None:
        object.__setattr__(self, "texts", tuple(self.texts))
        object.__setattr__(self, "expect", dict(self.expect))
        self.run_spec()  # seed, dtype, device, and the random input's sizes
        if self.output_size < 0 or isinstance(self.output_size, bool):
            raise UsageError(f"must be a positive integer, got {self.output_size}", "--output-size")
        if self.texts:
            for option, value in (("--seq-len", self.seq_len), ("--batch", self.batch)):
                if value is not None:
                    raise UsageError(
                        "comes from the text (the longest sequence and the number of --text); "
                        "drop it",
                        option,
                    )
            if self.device == "meta":
                raise UsageError(
                    "text runs need real numbers; use --device cpu or cuda", "--device"
                )
            from rnncli.rnn.text_plan import check_embedding_options

            check_embedding_options(self.embed_dim, self.vectors, self.input_size)
        else:
            for option, value in (
                ("--vocab", self.vocab),
                ("--embed-dim", self.embed_dim),
                ("--vectors", self.vectors),
                ("--pack", self.pack or None),
            ):
                if value is not None:
                    raise UsageError("only applies to text input: add --text", option)
        if self.verify and self.device == "meta":
            raise UsageError("needs real numbers; it cannot run with --device meta", "--verify")
        if self.trace not in TRACE_MODES:
            raise UsageError(
                f"must be one of {', '.join(TRACE_MODES)}, got {self.trace!r}", "--trace"
            )
        if self.trace != "summary" and not self.texts:
            raise UsageError("the trace follows text input: add --text", "--trace")
        self._check_gradient_options()
        self._check_timing_options()
        self._check_model_file_options()
        # The model's own rules (cell against nonlinearity and proj_size, positive sizes).
        self.model_spec()
        if self.checkpoint is None:  # a file's tensors already exist: its sizes are its own
            if self.num_layers > MAX_LAYERS:
                raise UsageError(
                    f"at most {MAX_LAYERS:,}, got {self.num_layers:,} (torch builds each layer's "
                    "tensors one by one: a deeper stack takes minutes even on the meta device)",
                    "--layers",
                )
            self._check_tensor_limits()

    def _sizes(self) -> dict[str, int]:
        """Every size option with the value this run uses (text runs: one step, one sentence
        stand in for the text's, which are never absurd)."""
        text = bool(self.texts)
        return {
            "input_size": self.input_size or self.embed_dim or DEFAULT_INPUT_SIZE,
            "hidden_size": self.hidden_size,
            "proj_size": self.proj_size,
            "num_layers": self.num_layers,
            "seq_len": self.seq_len or (1 if text else DEFAULT_SEQ_LEN),
            "batch": self.batch or (1 if text else DEFAULT_BATCH),
            "output_size": self.output_size,
        }

    def _check_tensor_limits(self) -> None:
        """Refuse sizes that make a tensor larger than torch can address (its byte count is an
        int64), naming the option to lower and its largest value with the others as given:
        ``--hidden 9999999999 --device meta`` is a usage error, not torch's overflow."""
        sizes = self._sizes()
        element = DTYPE_BYTES.get(self.dtype, 8)
        name, shape, nbytes = _largest_tensor(self.cell, self.bidirectional, sizes, element)
        if nbytes <= TENSOR_BYTES_MAX:
            return
        involved = [
            key
            for key in _SIZE_OPTIONS
            if sizes[key] > _SIZE_MIN[key]
            and _largest_tensor(
                self.cell, self.bidirectional, {**sizes, key: _SIZE_MIN[key]}, element
            )[2]
            < nbytes
        ]
        key = max(involved or list(_SIZE_OPTIONS), key=lambda k: sizes[k])
        option, value = _SIZE_OPTIONS[key], sizes[key]

        def fits(candidate: int) -> bool:
            grown = {**sizes, key: candidate}
            return _largest_tensor(self.cell, self.bidirectional, grown, element)[2] <= (
                TENSOR_BYTES_MAX
            )

        message = (
            f"{value:,} makes {name} {list(shape)} need {float(nbytes):.1e} bytes as "
            f"{self.dtype}, more than one tensor can hold (2**63 - 1 = 9.2e+18 bytes)"
        )
        low = _SIZE_MIN[key] or 1
        if fits(low):
            high = value  # fits(low) and not fits(high): find the last that fits
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if fits(middle) else (low, middle)
            message += f"; with the other options as given, {option} can be at most {low:,}"
        raise UsageError(message, option)

    def _check_gradient_options(self) -> None:
        """``--grad`` needs numbers; ``--clip`` is a positive norm, meaningful only with it."""
        if self.grad and self.device == "meta":
            raise UsageError(
                "meta tensors hold no numbers to differentiate; use --device cpu or cuda", "--grad"
            )
        if self.clip is not None:
            clip = self.clip
            if isinstance(clip, bool) or not isinstance(clip, (int, float)) or not clip > 0:
                raise UsageError(f"must be a positive number, got {clip}", "--clip")
            if clip == float("inf"):
                raise UsageError("must be a finite number, got inf", "--clip")
            if not self.grad:
                raise UsageError("scales the gradients: add --grad", "--clip")

    def _check_timing_options(self) -> None:
        """``--time`` needs kernels to run; its budget is a positive number of seconds;
        ``--no-cudnn`` is a CUDA choice. Each of the two only means something with ``--time``."""
        if self.time and self.device == "meta":
            raise UsageError(
                "meta tensors run no kernels, so there is nothing to time; use --device cpu "
                "or cuda",
                "--time",
            )
        if self.time_budget is not None:
            budget = self.time_budget
            if isinstance(budget, bool) or not isinstance(budget, (int, float)) or not budget > 0:
                raise UsageError(
                    f"must be a positive number of seconds, got {budget}", "--time-budget"
                )
            if budget == float("inf"):
                raise UsageError("must be a finite number of seconds, got inf", "--time-budget")
            if not self.time:
                raise UsageError("sets how long --time measures: add --time", "--time-budget")
        if not self.cudnn:
            if not self.time:
                raise UsageError("chooses the kernels --time measures: add --time", "--no-cudnn")
            if self.device != "cuda":
                raise UsageError(
                    f"cuDNN runs only on CUDA; it means nothing with --device {self.device}",
                    "--no-cudnn",
                )

    @property
    def budget_s(self) -> float:
        """The seconds ``--time`` may spend: ``time_budget``, or the default."""
        return DEFAULT_BUDGET_S if self.time_budget is None else float(self.time_budget)

    def _check_model_file_options(self) -> None:
        """A model FILE brings its own module: what only applies with one, or only without."""
        if self.checkpoint is None:
            for option, value in (("--module", self.module), ("--code", self.code or None)):
                if value is not None:
                    raise UsageError("only applies to a model file: give FILE", option)
            if self.expect:
                raise UsageError("expectations only apply to a model file: give FILE", "FILE")
            return
        for option, value in (
            ("--text", self.texts or None),
            ("--output-size", self.output_size or None),
        ):
            if value is not None:
                raise UsageError(
                    "not with a model FILE: its recurrent modules run on random input "
                    "(--seq-len, --batch, --seed shape it)",
                    option,
                )
        if self.device == "meta":
            raise UsageError(
                "a model FILE's weights are real numbers; use --device cpu or cuda", "--device"
            )
        unknown = sorted(set(self.expect) - set(MODEL_OPTIONS))
        if unknown:
            raise UsageError(
                f"cannot expect {', '.join(unknown)}; choose from {', '.join(MODEL_OPTIONS)}",
                "expect",
            )
        _check_expected(self.expect)

    @property
    def has_text(self) -> bool:
        return bool(self.texts)

    def model_spec(self, input_size: Optional[int] = None) -> ModelSpec:
        """The module to build; ``input_size`` is the text embedding's width when there is one."""
        if input_size is None:
            input_size = self.input_size if self.input_size is not None else DEFAULT_INPUT_SIZE
        return ModelSpec(
            cell=self.cell,
            input_size=input_size,
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            nonlinearity=self.nonlinearity,
            bias=self.bias,
            batch_first=self.batch_first,
            dropout=self.dropout,
            bidirectional=self.bidirectional,
            proj_size=self.proj_size,
        )

    def run_spec(self) -> RunSpec:
        """The random input's shape (a text run takes the text's), seed, dtype, device."""
        for option, value in (("--seq-len", self.seq_len), ("--batch", self.batch)):
            if value is not None:
                check_positive(option, value)
        return RunSpec(
            seq_len=DEFAULT_SEQ_LEN if self.seq_len is None else self.seq_len,
            batch=DEFAULT_BATCH if self.batch is None else self.batch,
            seed=self.seed,
            dtype=self.dtype,
            device=self.device,
        )


def _check_expected(expect: Mapping[str, Any]) -> None:
    """Each value stated about a model file obeys the rule it has when it builds a module."""
    for name, value in expect.items():
        option = MODEL_OPTIONS[name]
        if name == "cell":
            check_cell(value)
        if name in ("input_size", "hidden_size", "num_layers"):
            check_positive(option, value)
        if name == "proj_size" and (isinstance(value, bool) or not isinstance(value, int)):
            raise UsageError(f"must be an integer, got {value!r}", option)
        if name == "proj_size" and value < 0:
            raise UsageError(f"must not be negative, got {value}", option)
        if name == "nonlinearity":
            check_nonlinearity(value)
        if name == "dropout":
            check_dropout(value)
        if name in ("bias", "bidirectional", "batch_first") and not isinstance(value, bool):
            raise UsageError(f"must be true or false, got {value!r}", option)
