"""`rnncli compare`: the same options and input through several cells, side by side.

Each cell is one ordinary inspection (:func:`rnncli.rnn.pipeline.inspect`) of the request with
``cell`` replaced and ``--grad`` on, with one difference from `rnncli inspect --grad --cell CELL
--hidden H`: once the cell's module is built from the seed, the seed is set again before the
embedding rows and the random input are drawn (``same_input``). An LSTM draws four times the
weights of an RNN, so without it each cell would see a different ``x``; with it every cell gets
the same input. In a notebook: ``torch.manual_seed(s); lstm = nn.LSTM(...);
torch.manual_seed(s); x = torch.randn(...)``.
``--nonlinearity`` applies to the rnn only and ``--proj-size`` to the lstm only; the other cells
run without them.

``match_params`` is the fair comparison papers make: each cell gets the hidden size whose total
parameter count (the one the ``parameters`` column shows, embedding and output layer included)
is closest to one budget, ties to the smaller hidden size. Counts come from torch, through the
pipeline's own parameter description on the meta device (nothing allocated), and the search
is a doubling then a bisection, since the count grows with the hidden size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Optional

from rnncli.dataclass_dict import fields_dict
from rnncli.errors import UsageError
from rnncli.rnn.spec import CELLS, RunSpec, check_positive
from rnncli.rnn.timing import Timing

if TYPE_CHECKING:  # only annotations: nothing here imports torch before it runs
    from rnncli.rnn.report import InspectReport
    from rnncli.rnn.request import InspectRequest
    from rnncli.rnn.text_plan import TextPlan

#: ``--cells``' default: the three cells torch has.
DEFAULT_CELLS = CELLS


@dataclass(frozen=True)
class ComparisonRow:
    """One cell's figures; ``forward_ms``/``backward_ms`` are the medians, with ``--time`` only.

    ``memory_bytes`` is the activation memory of one forward pass (``cost.activation_bytes``
    of `inspect`), ``gradient_ratio`` is ``‖∂L/∂x_0‖ / ‖∂L/∂x_last‖`` (float64) and
    ``input_gradients`` every step's ``‖∂L/∂x_t‖``.
    """

    cell: str
    hidden_size: int
    total_parameters: int
    macs: int
    memory_bytes: int
    gradient_ratio: Optional[float]
    half_life: Optional[float]
    forward_ms: Optional[float]
    backward_ms: Optional[float]
    module: str
    trainable_parameters: int
    parameter_bytes: int
    decay_per_step: Optional[float]
    input_gradients: list[float]
    timing: Optional[Timing] = None

    def to_dict(self) -> dict[str, Any]:
        omit = () if self.timing is not None else ("forward_ms", "backward_ms", "timing")
        return fields_dict(self, omit=omit)


@dataclass
class ComparisonReport:
    """Every cell's row, the budget they were matched to (``None`` unless matched), and the
    inspections they came from (not in the JSON: `inspect --json` gives each one)."""

    budget: Optional[int]
    rows: list[ComparisonRow]
    match_params: bool
    budget_source: str
    loss: str
    run: RunSpec
    input: str
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reports: list[InspectReport] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self, omit=("warnings", "reports"))


def check_cells(cells: Sequence[str]) -> tuple[str, ...]:
    """The cells to compare, each one torch has, none twice, at least one (``--cells``).

    ``cells`` is a sequence of names, or one comma-separated string as ``--cells`` takes it.
    """
    if isinstance(cells, str):
        cells = cells.split(",")
    names = tuple(str(c).strip().lower() for c in cells)
    if not names or any(not n for n in names):
        raise UsageError(f"name the cells, comma-separated, from {', '.join(CELLS)}", "--cells")
    for name in names:
        if name not in CELLS:
            raise UsageError(f"unknown cell {name!r}; choose from {', '.join(CELLS)}", "--cells")
    for name in names:
        if names.count(name) > 1:
            raise UsageError(f"{name} is named twice", "--cells")
    return names


def cell_request(request: InspectRequest, cell: str, hidden_size: Optional[int] = None) -> Any:
    """The request for one cell: its own cell-only options, the rest as given."""
    return replace(
        request,
        cell=cell,
        hidden_size=request.hidden_size if hidden_size is None else hidden_size,
        nonlinearity=request.nonlinearity if cell == "rnn" else None,
        proj_size=request.proj_size if cell == "lstm" else 0,
    )


def parameter_count(
    request: InspectRequest, cell: str, hidden_size: int, plan: Optional[TextPlan] = None
) -> int:
    """The total parameters `inspect` reports for ``cell`` at ``hidden_size``: torch's own
    count, from modules built on the meta device by the pipeline's first stage."""
    import torch

    from rnncli.rnn.pipeline import Inspection, describe_parameters

    one = cell_request(request, cell, hidden_size)
    input_size = plan.input_size if plan is not None else None
    state = Inspection(
        model=one.model_spec(input_size), run=RunSpec(), text=plan, output_size=one.output_size
    )
    state.dtype = getattr(torch, one.dtype)
    describe_parameters(state)
    return sum(p.numel for p in state.parameters)


def closest_hidden_size(count: Callable[[int], int], budget: int, low: int = 1) -> int:
    """The hidden size ``>= low`` whose ``count`` is closest to ``budget``, ties to the smaller.

    ``count`` must grow strictly with the hidden size (every cell's does: ``weight_hh`` alone
    has ``gates·h × h`` elements). Doubling finds a size at or over the budget, bisection the
    smallest such; the answer is it or the one below.
    """
    if count(low) >= budget:
        return low
    below, above = low, max(low + 1, 2 * low)
    while count(above) < budget:
        below, above = above, 2 * above
    while above - below > 1:  # count(below) < budget <= count(above)
        middle = (below + above) // 2
        if count(middle) >= budget:
            above = middle
        else:
            below = middle
    return below if budget - count(below) <= count(above) - budget else above


def hidden_for_budget(
    request: InspectRequest, cell: str, budget: int, plan: Optional[TextPlan] = None
) -> int:
    """``cell``'s hidden size with the parameter count closest to ``budget`` (an lstm with
    ``proj_size`` needs a hidden size above it)."""
    cache: dict[int, int] = {}

    def count(hidden: int) -> int:
        if hidden not in cache:
            cache[hidden] = parameter_count(request, cell, hidden, plan)
        return cache[hidden]

    low = request.proj_size + 1 if cell == "lstm" and request.proj_size else 1
    return closest_hidden_size(count, budget, low)


def compare(
    request: InspectRequest,
    cells: Sequence[str] = DEFAULT_CELLS,
    match_params: bool = False,
    params: Optional[int] = None,
    time: bool = False,
) -> ComparisonReport:
    """Run ``request`` once per cell (``--grad`` on, ``--time`` with ``time``) and compare.

    ``match_params`` gives each cell the hidden size closest to ``params`` parameters (default:
    the first cell's count at ``request.hidden_size``).
    """
    from rnncli.rnn import pipeline
    from rnncli.rnn.gradients import loss_text

    names = check_cells(cells)
    _check_options(request, names, match_params, params)
    timed = time or request.time
    plan = pipeline.text_plan(request)
    budget: Optional[int] = None
    source = ""
    hidden = {name: request.hidden_size for name in names}
    if match_params:
        if params is None:
            budget = parameter_count(request, names[0], request.hidden_size, plan)
            source = f"the {names[0]}'s parameters at --hidden {request.hidden_size}"
        else:
            budget = params
            source = "--params"
        try:
            hidden = {name: hidden_for_budget(request, name, budget, plan) for name in names}
        except UsageError as exc:  # the search passed a size no tensor can hold
            if exc.option != "--hidden":
                raise
            raise UsageError(
                f"a budget of {budget:,} parameters needs a hidden size past what one tensor "
                "can hold; choose a smaller budget",
                "--params",
            ) from None
    reports = []
    for name in names:
        one = replace(cell_request(request, name, hidden[name]), grad=True, time=timed)
        reports.append(pipeline.inspect(one, plan=plan, same_input=True))
    rows = [_row(report) for report in reports]
    first = reports[0]
    raised: dict[str, list[str]] = {}  # each warning once, with the cells that raised it
    for name, report in zip(names, reports):
        for message in report.warnings:
            raised.setdefault(message, []).append(name)
    warnings = [f"{', '.join(by)}: {message}" for message, by in raised.items()]
    return ComparisonReport(
        budget=budget,
        rows=rows,
        match_params=match_params,
        budget_source=source,
        loss=loss_text(first.model, plan is not None),
        run=first.run,
        input=_input_text(first),
        notes=_notes(request, names, match_params),
        warnings=warnings,
        reports=reports,
    )


def _check_options(
    request: InspectRequest, names: tuple[str, ...], match_params: bool, params: Optional[int]
) -> None:
    """compare's own rules, each naming its option."""
    if match_params and len(names) < 2:
        raise UsageError("matches two cells or more: name them in --cells", "--match-params")
    if params is not None:
        check_positive("--params", params)
        if not match_params:
            raise UsageError("sets the budget of --match-params: add --match-params", "--params")
    if request.device == "meta":
        raise UsageError(
            "compare backpropagates through each cell, and meta tensors hold no numbers; "
            "use --device cpu or cuda",
            "--device",
        )
    if request.checkpoint is not None:
        raise UsageError("compare builds fresh modules; use `rnncli inspect FILE`", "FILE")
    if request.nonlinearity is not None and "rnn" not in names:
        raise UsageError("applies to the rnn cell only, and --cells has no rnn", "--nonlinearity")
    if request.proj_size and "lstm" not in names:
        raise UsageError("applies to the lstm cell only, and --cells has no lstm", "--proj-size")


def _row(report: InspectReport) -> ComparisonRow:
    g, t = report.gradients, report.timing
    return ComparisonRow(
        cell=report.model.cell,
        hidden_size=report.model.hidden_size,
        total_parameters=report.total_parameters,
        macs=report.cost.macs,
        memory_bytes=report.cost.activation_bytes,
        gradient_ratio=g.ratio_first_last,
        half_life=g.half_life,
        forward_ms=None if t is None else t.forward_ms.median,
        backward_ms=None if t is None else t.backward_ms.median,
        module=report.module_repr,
        trainable_parameters=report.trainable_parameters,
        parameter_bytes=report.cost.parameter_bytes,
        decay_per_step=g.decay_per_step,
        input_gradients=list(g.input),
        timing=t,
    )


def _input_text(report: InspectReport) -> str:
    """The input every cell ran, as `inspect` writes it."""
    run, model = report.run, report.model
    if report.text is not None:
        kind = "packed" if report.pack else "padded"
        return f"{run.batch} sentences, {kind}, embedded to {model.input_size} features"
    shape = (
        (run.batch, run.seq_len, model.input_size)
        if model.batch_first
        else (run.seq_len, run.batch, model.input_size)
    )
    return "randn(" + ", ".join(map(str, shape)) + ")"


def _notes(request: InspectRequest, names: tuple[str, ...], match_params: bool) -> list[str]:
    notes = [
        "first/last: ‖∂L/∂x_0‖ / ‖∂L/∂x_last‖ in float64 (as inspect --grad); half-life: the "
        "steps over which the gradient halves at its mean decay per step."
    ]
    if match_params:
        notes.append(
            "parameters counted by torch (the modules built on the meta device), embedding and "
            "output layer included; each cell's hidden size is the one closest to the budget, "
            "ties to the smaller."
        )
    if request.nonlinearity is not None and len(names) > 1:
        notes.append(f"--nonlinearity {request.nonlinearity} applies to the rnn only.")
    if request.proj_size and len(names) > 1:
        notes.append(f"--proj-size {request.proj_size} applies to the lstm only.")
    return notes
