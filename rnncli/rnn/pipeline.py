"""`inspect` as a pipeline of named stages that share one :class:`Inspection`.

Every stage reads what earlier stages left on the inspection and adds its own part:

1. ``describe_parameters``: parameter shapes from modules on the ``meta`` device (no memory).
2. ``check_memory``: refuse a run that would not fit, before allocating anything.
3. ``build_module``: seed, then the module (and its embedding or output layer), in the notebook's
   order; given ``weights`` (a state dict, e.g. from a checkpoint) it loads them strictly.
4. ``make_input``: random numbers, or the text's embedded tokens.
5. ``forward``: one pass without gradients; text runs also get the trace and padding effect.
6. ``read_tensors``: the shapes and dtypes of every tensor the run made, by the report's names.
7. ``time_run``: ``--time``, forward and forward+backward timed on the same module and input
   (before the later stages allocate, so the process's peak memory is the run's own).
8. ``unroll``: ``--verify``, the output recomputed step by step from the printed equations.
9. ``backpropagate``: ``--grad``, the last step's output differentiated through time (float64).
10. ``measure_cost`` and ``report``.

On ``--device meta`` the module is never built for real: ``meta_tensors`` replaces stages 2-9.
A new capability (input from a checkpoint, a backward pass) is one more stage in
:func:`stages_for`, not another branch through one long function.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Optional

from rnncli.errors import RnncliError, UsageError
from rnncli.rnn import gradients as grads
from rnncli.rnn import running, text_run
from rnncli.rnn.cost import Cost, forward_cost
from rnncli.rnn.equations import recurrence
from rnncli.rnn.meta_shapes import meta_shapes
from rnncli.rnn.parameters import ParameterInfo, explain_parameters
from rnncli.rnn.report import InspectReport
from rnncli.rnn.spec import ModelSpec, RunSpec
from rnncli.rnn.tensors import TensorInfo, describe_tensors, planned_tensors, tensor_notes
from rnncli.rnn.timing import DEFAULT_BUDGET_S, Timing, time_module
from rnncli.rnn.trace import Trace, build_trace
from rnncli.rnn.unroll import VerifyResult, verify, verify_packed
from rnncli.sizes import format_bytes

if TYPE_CHECKING:  # only annotations: random runs never load the text modules
    from rnncli.rnn.request import InspectRequest
    from rnncli.rnn.text_plan import TextPlan

#: A run may use at most this share of the memory available.
MEMORY_HEADROOM = 0.8


@dataclass
class Inspection:
    """The state one inspection's stages share: what was asked, then what each stage made."""

    model: ModelSpec
    run: RunSpec
    check: bool = False
    text: Optional[TextPlan] = None
    pack: bool = False
    output_size: int = 0
    grad: bool = False
    clip: Optional[float] = None
    time: bool = False
    time_budget: float = DEFAULT_BUDGET_S
    cudnn: bool = True
    weights: Optional[Mapping[str, Any]] = None  # a state dict to load instead of the seed's
    # compare: the seed set again after the module, so the embedding rows and the random input
    # do not depend on how many weights the cell drew (every cell gets the same input).
    same_input: bool = False
    available_bytes: Optional[Callable[[str], int]] = None
    # Filled in by the stages.
    dtype: Any = None
    module_repr: str = ""
    module: Any = None
    extras: dict[str, Any] = field(default_factory=dict)
    parameters: list[ParameterInfo] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    inputs: tuple[Any, Any, Any] = (None, None, None)  # x, h0, c0
    results: tuple[Any, Any, Any] = (None, None, None)  # output, h_n, c_n
    produced: dict[str, Any] = field(default_factory=dict)  # every tensor, by the report's names
    packed_out: Any = None
    batch_sizes: Optional[list[int]] = None
    padding_effect: list[dict[str, Any]] = field(default_factory=list)
    trace: Optional[Trace] = None
    tensors: dict[str, TensorInfo] = field(default_factory=dict)
    verify: Optional[VerifyResult] = None
    gradients: Optional[grads.Gradients] = None
    timing: Optional[Timing] = None
    cost: Optional[Cost] = None

    @property
    def sequences(self) -> dict[str, Any]:
        """``lengths`` and ``pack`` for the stages that run the module again (grad, time)."""
        text = self.text
        return {
            "lengths": None if text is None else list(text.batch.lengths),
            "pack": text is not None and self.pack,
        }

    @property
    def packed_tokens(self) -> Optional[int]:
        return sum(self.text.batch.lengths) if (self.text is not None and self.pack) else None

    @property
    def layout(self) -> dict[str, Any]:
        """How the run is laid out, as :mod:`rnncli.rnn.tensors` names its tensors."""
        return {
            "output_size": self.output_size,
            "text": self.text is not None,
            "packed_tokens": self.packed_tokens,
        }


Stage = Callable[[Inspection], None]


def describe_parameters(state: Inspection) -> None:
    """Parameter shapes from modules on the meta device: torch's own, nothing allocated."""
    meta_module, state.messages = running.build_module(state.model, "meta", state.dtype)
    meta_extras = text_run.build_extras(
        state.model, state.text, state.output_size, "meta", state.dtype
    )
    state.extras = meta_extras
    state.parameters = explain_parameters(state.model, meta_module) + text_run.explain_extras(
        state.model, state.text, meta_extras
    )
    state.module_repr = repr(meta_module)
    state.module = meta_module


def meta_tensors(state: Inspection) -> None:
    """``--device meta``: output shapes from short meta forward passes, nothing allocated."""
    shapes, dtypes = meta_shapes(
        state.model, state.run, state.module, state.extras.get("output"), state.dtype
    )
    state.tensors = describe_tensors(state.model, state.run, shapes, dtypes, **state.layout)


def check_memory(state: Inspection) -> None:
    """Estimate from the documented shapes and refuse a run that would not fit."""
    from rnncli.rnn import device as devices

    planned = planned_tensors(state.model, state.run, **state.layout)
    estimate = forward_cost(state.model, state.run, state.parameters, planned, state.packed_tokens)
    needed = estimate.total_bytes * (2 if state.check else 1)
    if state.grad:  # a float64 copy, kept for its backward, and the unrolled recurrence's graph
        needed += 3 * estimate.total_bytes * 8 // state.run.dtype_bytes
    if state.time:  # forward+backward keeps the activations and adds a gradient per parameter
        needed += estimate.total_bytes + estimate.parameter_bytes
    have = (state.available_bytes or devices.available_bytes)(state.run.device)
    if needed > MEMORY_HEADROOM * have:
        # A file's weights are real, and --grad (compare too) and --time need numbers: meta
        # can hold none of them.
        advice = (
            "run it with a smaller --seq-len or --batch"
            if state.weights is not None
            else "run it with a smaller --hidden, --seq-len or --batch"
            if state.grad or state.time
            else "add --device meta to get every shape, count and cost without allocating memory"
        )
        raise RnncliError(
            f"this run needs about {format_bytes(needed)} on {state.run.device} "
            f"(parameters {format_bytes(estimate.parameter_bytes)}, activations "
            f"{format_bytes(estimate.activation_bytes)}) but only {format_bytes(have)} is "
            f"available; {advice}"
        )
    devices.check_dtype_runs(state.model, state.dtype, state.run.device)


def build_module(state: Inspection) -> None:
    """Seed, then build the module and its extras (the notebook's order).

    Given ``weights``, the module is built on the meta device and takes the weights themselves
    (``load_state_dict(strict=True, assign=True)``), so a memory-mapped checkpoint is not copied
    unless the run's dtype or device differs from the file's.
    """
    import torch

    torch.manual_seed(state.run.seed)
    if state.weights is None:
        state.module, state.messages = running.build_module(
            state.model, state.run.device, state.dtype
        )
    else:  # the meta module describe_parameters built takes the weights themselves
        state.module.load_state_dict(state.weights, strict=True, assign=True)
        state.module = state.module.to(device=state.run.device, dtype=state.dtype)
    if state.same_input:
        torch.manual_seed(state.run.seed)
    state.extras = text_run.build_extras(
        state.model, state.text, state.output_size, state.run.device, state.dtype
    )


def make_input(state: Inspection) -> None:
    """Random ``x`` and zero states, or the text's tokens through the embedding."""
    if state.text is None:
        if state.same_input:  # x drawn after the output layer's weights would depend on them
            import torch

            torch.manual_seed(state.run.seed)
        state.inputs = running.random_inputs(state.model, state.run, state.run.device, state.dtype)
        return
    x, h0, c0, token_ids = text_run.text_inputs(
        state.model, state.run, state.text, state.extras, state.run.device
    )
    state.inputs = (x, h0, c0)
    state.produced["token_ids"] = token_ids
    state.produced["embedded"] = x


def forward(state: Inspection) -> None:
    """One forward pass; text runs also get the packed data, padding effect and trace."""
    model, text, (x, h0, c0) = state.model, state.text, state.inputs
    if text is None:
        state.results = running.run_module(model, state.module, x, h0, c0)
        state.produced.update(running.named_tensors(x, h0, c0, state.results))
    else:
        if state.pack:
            state.results, packed_in, state.packed_out = text_run.forward_packed(
                model, state.module, x, h0, c0, text.batch.lengths
            )
            state.produced["packed_input"] = packed_in.data
            state.produced["packed_output"] = state.packed_out.data
            state.batch_sizes = packed_in.batch_sizes.tolist()
        else:
            state.results = running.run_module(model, state.module, x, h0, c0)
            state.padding_effect = text_run.padding_effect(
                model, state.module, x, h0, c0, state.results, text
            )
        named = running.named_tensors(x, h0, c0, state.results)
        state.produced.update({k: v for k, v in named.items() if k != "input"})
        state.trace = build_trace(
            state.results[0],
            text_run.step_tokens(text),
            model.bidirectional,
            model.batch_first,
            packed=state.pack,
        )
    if state.output_size:
        state.produced["y"] = text_run.apply_output_layer(
            model, state.extras["output"], state.results[0], state.packed_out, state.run.seq_len
        )


def read_tensors(state: Inspection) -> None:
    """The report's shapes are read from the real run (and must agree with the documented ones)."""
    shapes, dtypes = running.shapes_and_dtypes(state.produced)
    state.tensors = describe_tensors(state.model, state.run, shapes, dtypes, **state.layout)
    state.parameters = explain_parameters(state.model, state.module) + text_run.explain_extras(
        state.model, state.text, state.extras
    )


def unroll(state: Inspection) -> None:
    """``--verify``: recompute the output from the printed equations and compare with torch."""
    if not state.check:
        return
    (x, h0, c0), module = state.inputs, state.module
    if state.text is not None and state.pack:
        state.verify = verify_packed(
            state.model, module, x, h0, c0, state.results, state.run.dtype, state.text.batch.lengths
        )
    else:
        state.verify = verify(state.model, module, x, h0, c0, state.results, state.run.dtype)


def backpropagate(state: Inspection) -> None:
    """``--grad``: the gradient of the last step's output through time, on a float64 copy."""
    if not state.grad:
        return
    state.gradients = grads.backpropagate(
        state.model, state.module, *state.inputs, **state.sequences, clip=state.clip
    )


def time_run(state: Inspection) -> None:
    """``--time``: forward and forward+backward of the module on this run's input, timed."""
    if not state.time:
        return
    state.timing = time_module(
        state.model,
        state.module,
        *state.inputs,
        **state.sequences,
        budget_s=state.time_budget,
        cudnn=state.cudnn,
    )


def measure_cost(state: Inspection) -> None:
    """Multiply-accumulates and memory from the tensors the run reported."""
    state.cost = forward_cost(
        state.model, state.run, state.parameters, state.tensors, state.packed_tokens
    )


def stages_for(state: Inspection) -> Sequence[Stage]:
    """The stages an inspection runs, in order."""
    if state.run.device == "meta":
        return (describe_parameters, meta_tensors, measure_cost)
    return (
        describe_parameters,
        check_memory,
        build_module,
        make_input,
        forward,
        read_tensors,
        time_run,
        unroll,
        backpropagate,
        measure_cost,
    )


def prepare(state: Inspection) -> None:
    """The checks that need torch or the text plan, and the run's shape from the text."""
    import torch

    from rnncli.rnn import device as devices

    if state.output_size < 0:
        raise UsageError(f"must be a positive integer, got {state.output_size}", "--output-size")
    if state.pack and state.text is None:
        raise UsageError("packing needs sequences of different lengths: give --text", "--pack")
    if state.text is not None:
        if state.text.input_size != state.model.input_size:
            raise UsageError(
                f"the text's embedding is {state.text.input_size}-dimensional but input_size is "
                f"{state.model.input_size}",
                "--input",
            )
        state.run = replace(
            state.run, seq_len=state.text.batch.max_len, batch=len(state.text.batch.sequences)
        )
        devices.check_text_device(state.run.device)
    state.dtype = getattr(torch, state.run.dtype)
    devices.check_device(state.run.device)
    if state.check and state.run.device == "meta":
        raise UsageError("needs real numbers; it cannot run with --device meta", "--verify")


def report(state: Inspection) -> InspectReport:
    """The plain-data report of a finished inspection."""
    model, text = state.model, state.text
    notes = tensor_notes(model)
    if model.dropout:
        notes.append(
            "dropout is active only in training mode; inspect runs the module in eval mode."
        )
    if text is not None:
        notes += text_run.text_notes(
            model, text, state.pack, state.padding_effect, state.output_size
        )
    real_packed = text is not None and state.pack and state.run.device != "meta"
    return InspectReport(
        model=model,
        run=state.run,
        module_repr=state.module_repr,
        parameters=state.parameters,
        tensors=state.tensors,
        recurrence=recurrence(
            model, state.run, output_size=state.output_size, text=text is not None
        ),
        cost=state.cost,
        notes=notes,
        warnings=state.messages + text_run.text_warnings(text),
        verify=state.verify,
        gradients=state.gradients,
        timing=state.timing,
        output_size=state.output_size,
        text=text,
        pack=state.pack,
        batch_sizes=state.batch_sizes if real_packed else None,
        padding_effect=state.padding_effect,
        trace=state.trace,
    )


def run_inspection(state: Inspection) -> InspectReport:
    """Check, run every stage in order, and report."""
    prepare(state)
    for stage in stages_for(state):
        stage(state)
    return report(state)


def text_plan(request: InspectRequest) -> Optional[TextPlan]:
    """The request's sentences tokenised, with their embedding's plan (``None`` without text).

    Made once and passed to :func:`inspect` as ``plan`` when one text runs through several
    modules (``rnncli compare``), so that GloVe rows are read once.
    """
    if not request.has_text:
        return None
    from rnncli.rnn.text_plan import plan_text

    return plan_text(
        list(request.texts),
        vocab_path=request.vocab,
        embed_dim=request.embed_dim,
        vectors=request.vectors,
        cache_dir=request.cache_dir,
        input_size=request.input_size,
    )


def inspect(
    request: InspectRequest,
    *,
    weights: Optional[Mapping[str, Any]] = None,
    plan: Optional[TextPlan] = None,
    same_input: bool = False,
) -> InspectReport:
    """Run one validated :class:`~rnncli.rnn.request.InspectRequest`: plan the text, then stages.

    ``weights`` is a state dict for the module (e.g. read from a checkpoint) loaded strictly
    after the module is built; without it the module holds the seed's initial weights.
    ``plan`` is the request's :func:`text_plan` when the caller already made it.
    ``same_input`` (``compare``) sets the seed again once the module is built, so the
    embedding rows and the random input are the same whatever the cell.
    """
    if plan is None:
        plan = text_plan(request)
    input_size = request.input_size if plan is None else plan.input_size
    state = Inspection(
        model=request.model_spec(input_size),
        run=request.run_spec(),
        check=request.verify,
        text=plan,
        pack=request.pack,
        output_size=request.output_size,
        grad=request.grad,
        clip=request.clip,
        time=request.time,
        time_budget=request.budget_s,
        cudnn=request.cudnn,
        weights=weights,
        same_input=same_input,
    )
    return run_inspection(state)
