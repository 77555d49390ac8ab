"""`inspect_rnn`: build a module, run it, and describe everything in it as plain data.

Every shape in the report is read from torch: the module is first built on the ``meta`` device
(no memory) to learn its parameter shapes and estimate the memory the run needs; then, unless the
user asked for ``meta`` (where short meta forward passes give the output shapes, see
:mod:`rnncli.rnn.meta_shapes`), it is built for real with the seed and run, and the shapes of that
run are reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Optional

from rnncli.errors import RnncliError, UsageError
from rnncli.rnn import running, text_run
from rnncli.rnn.cost import Cost, forward_cost
from rnncli.rnn.equations import Recurrence, recurrence
from rnncli.rnn.meta_shapes import meta_shapes
from rnncli.rnn.parameters import ParameterInfo, explain_parameters
from rnncli.rnn.spec import ModelSpec, RunSpec
from rnncli.rnn.tensors import TensorInfo, describe_tensors, planned_tensors, tensor_notes
from rnncli.rnn.trace import Trace, build_trace
from rnncli.rnn.unroll import VerifyResult, verify, verify_packed
from rnncli.sizes import format_bytes

if TYPE_CHECKING:  # only annotations: random runs never load the text modules
    from rnncli.rnn.text_plan import TextPlan

#: A run may use at most this share of the memory available.
MEMORY_HEADROOM = 0.8


@dataclass
class InspectReport:
    """Everything `rnncli inspect` shows, as plain data (``to_dict`` gives the JSON schema)."""

    model: ModelSpec
    run: RunSpec
    module_repr: str
    parameters: list[ParameterInfo]
    tensors: dict[str, TensorInfo]
    recurrence: Recurrence
    cost: Cost
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    verify: Optional[VerifyResult] = None
    output_size: int = 0
    text: Optional[TextPlan] = None
    pack: bool = False
    batch_sizes: Optional[list[int]] = None
    padding_effect: list[dict[str, Any]] = field(default_factory=list)
    trace: Optional[Trace] = None

    @property
    def total_parameters(self) -> int:
        return sum(p.numel for p in self.parameters)

    @property
    def trainable_parameters(self) -> int:
        return sum(p.numel for p in self.parameters if p.trainable)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "model": self.model.to_dict(),
            "run": self.run.to_dict(),
            "module": self.module_repr,
            "parameters": [p.to_dict() for p in self.parameters],
            "total_parameters": self.total_parameters,
            "trainable_parameters": self.trainable_parameters,
            "parameter_bytes": self.cost.parameter_bytes,
            "tensors": {name: list(t.shape) for name, t in self.tensors.items()},
            "tensor_dims": {
                name: [d.to_dict() for d in t.dims] for name, t in self.tensors.items()
            },
            "macs": self.cost.macs,
            "cost": self.cost.to_dict(),
            "recurrence": self.recurrence.to_dict(),
            "notes": list(self.notes),
            "warnings": list(self.warnings),
        }
        if self.verify is not None:
            data["verify"] = self.verify.to_dict()
        if self.output_size:
            data["output_size"] = self.output_size
        if self.text is not None:
            data.update(self.text.to_dict())
            data["pack"] = self.pack
            if self.batch_sizes is not None:
                data["batch_sizes"] = self.batch_sizes
            if self.padding_effect:
                data["padding_effect"] = self.padding_effect
        return data


def inspect_rnn(
    model: ModelSpec,
    run: Optional[RunSpec] = None,
    *,
    check: bool = False,
    available_bytes: Optional[Callable[[str], int]] = None,
    text: Optional[TextPlan] = None,
    pack: bool = False,
    output_size: int = 0,
) -> InspectReport:
    """Build ``model``, run ``run`` through it and describe it; ``check`` adds ``--verify``.

    With ``run.device == "meta"`` nothing is allocated: shapes and costs come from torch's meta
    tensors. Otherwise a run that would not fit in memory raises :class:`RnncliError` first.
    ``text`` (from :func:`rnncli.rnn.text_plan.plan_text`) runs sentences instead of random
    numbers: ``seq_len`` and ``batch`` then come from the text; ``pack`` runs them as a
    ``PackedSequence``. ``output_size`` adds the output layer ``y_t = h_t·W_hyᵀ + b_y``.
    """
    import torch

    from rnncli.rnn import device as devices

    run = run or RunSpec()
    if output_size < 0:
        raise UsageError(f"must be a positive integer, got {output_size}", "--output-size")
    if pack and text is None:
        raise UsageError("packing needs sequences of different lengths: give --text", "--pack")
    if text is not None:
        if text.input_size != model.input_size:
            raise UsageError(
                f"the text's embedding is {text.input_size}-dimensional but input_size is "
                f"{model.input_size}",
                "--input",
            )
        run = replace(run, seq_len=text.batch.max_len, batch=len(text.batch.sequences))
        devices.check_text_device(run.device)
    dtype = getattr(torch, run.dtype)
    devices.check_device(run.device)
    if check and run.device == "meta":
        raise UsageError("needs real numbers; it cannot run with --device meta", "--verify")

    packed_tokens = sum(text.batch.lengths) if (text is not None and pack) else None
    layout = {"output_size": output_size, "text": text is not None, "packed_tokens": packed_tokens}

    # Parameter shapes from modules on the meta device: torch's own, with nothing allocated.
    meta_module, messages = running.build_module(model, "meta", dtype)
    meta_extras = text_run.build_extras(model, text, output_size, "meta", dtype)
    parameters = explain_parameters(model, meta_module) + text_run.explain_extras(
        model, text, meta_extras
    )
    module_repr = repr(meta_module)
    result_verify = None
    trace = None
    padding_effect: list[dict[str, Any]] = []

    if run.device == "meta":
        shapes, dtypes = meta_shapes(model, run, meta_module, meta_extras.get("output"), dtype)
        tensors = describe_tensors(model, run, shapes, dtypes, **layout)
    else:
        # Estimate from the documented shapes before allocating anything; the tensors reported
        # afterwards are read from the real run (and must agree with the documented shapes).
        planned = planned_tensors(model, run, **layout)
        estimate = forward_cost(model, run, parameters, planned, packed_tokens)
        needed = estimate.total_bytes * (2 if check else 1)
        have = (available_bytes or devices.available_bytes)(run.device)
        if needed > MEMORY_HEADROOM * have:
            raise RnncliError(
                f"this run needs about {format_bytes(needed)} on {run.device} "
                f"(parameters {format_bytes(estimate.parameter_bytes)}, activations "
                f"{format_bytes(estimate.activation_bytes)}) but only {format_bytes(have)} is "
                "available; add --device meta to get every shape, count and cost without "
                "allocating memory"
            )
        devices.check_dtype_runs(model, dtype, run.device)
        # The notebook's order: seed, build the RNN, then draw (or embed) the input.
        torch.manual_seed(run.seed)
        module, messages = running.build_module(model, run.device, dtype)
        extras = text_run.build_extras(model, text, output_size, run.device, dtype)
        produced: dict[str, Any] = {}  # every tensor of the run, by the report's names
        packed_out = None
        if text is None:
            x, h0, c0 = running.random_inputs(model, run, run.device, dtype)
            results = running.run_module(model, module, x, h0, c0)
            produced.update(running.named_tensors(x, h0, c0, results))
        else:
            x, h0, c0, token_ids = text_run.text_inputs(model, run, text, extras, run.device)
            produced["token_ids"] = token_ids
            produced["embedded"] = x
            if pack:
                results, packed_in, packed_out = text_run.forward_packed(
                    model, module, x, h0, c0, text.batch.lengths
                )
                produced["packed_input"] = packed_in.data
                produced["packed_output"] = packed_out.data
                batch_sizes = packed_in.batch_sizes.tolist()
            else:
                results = running.run_module(model, module, x, h0, c0)
                padding_effect = text_run.padding_effect(model, module, x, h0, c0, results, text)
            produced.update(
                {k: v for k, v in running.named_tensors(x, h0, c0, results).items() if k != "input"}
            )
            trace = build_trace(
                results[0],
                text_run.step_tokens(text),
                model.bidirectional,
                model.batch_first,
                packed=pack,
            )
        if output_size:
            produced["y"] = text_run.apply_output_layer(
                model, extras["output"], results[0], packed_out, run.seq_len
            )
        shapes, dtypes = running.shapes_and_dtypes(produced)
        tensors = describe_tensors(model, run, shapes, dtypes, **layout)
        parameters = explain_parameters(model, module) + text_run.explain_extras(
            model, text, extras
        )
        if check:
            if text is not None and pack:
                result_verify = verify_packed(
                    model, module, x, h0, c0, results, run.dtype, text.batch.lengths
                )
            else:
                result_verify = verify(model, module, x, h0, c0, results, run.dtype)
    cost = forward_cost(model, run, parameters, tensors, packed_tokens)

    notes = tensor_notes(model)
    if model.dropout:
        notes.append(
            "dropout is active only in training mode; inspect runs the module in eval mode."
        )
    if text is not None:
        notes += text_run.text_notes(model, text, pack, padding_effect, output_size)
    return InspectReport(
        model=model,
        run=run,
        module_repr=module_repr,
        parameters=parameters,
        tensors=tensors,
        recurrence=recurrence(model, run, output_size=output_size, text=text is not None),
        cost=cost,
        notes=notes,
        warnings=messages + text_run.text_warnings(text),
        verify=result_verify,
        output_size=output_size,
        text=text,
        pack=pack,
        batch_sizes=batch_sizes if (text is not None and pack and run.device != "meta") else None,
        padding_effect=padding_effect,
        trace=trace,
    )
