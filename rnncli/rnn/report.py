"""`inspect_rnn`: build a module, run it, and describe everything in it as plain data.

Every shape in the report is read from torch: the module is first built on the ``meta`` device
(no memory) to learn its parameter shapes and estimate the memory the run needs; then, unless the
user asked for ``meta`` (where a meta forward pass gives the output shapes), it is built for real
with the seed and run, and the shapes of that run are reported.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from rnncli.errors import RnncliError, UsageError
from rnncli.rnn.cost import Cost, forward_cost
from rnncli.rnn.equations import Recurrence, recurrence
from rnncli.rnn.parameters import ParameterInfo, explain_parameters
from rnncli.rnn.spec import ModelSpec, RunSpec
from rnncli.rnn.tensors import TensorInfo, describe_tensors, expected_dims, tensor_notes
from rnncli.rnn.unroll import VerifyResult, verify

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
        return data


def _module_class(cell: str) -> Any:
    import torch

    return {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]


def _build(spec: ModelSpec, device: str, dtype: Any) -> tuple[Any, list[str]]:
    """Construct the module, turning torch's warnings into report lines."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = _module_class(spec.cell)(**spec.torch_kwargs(), device=device, dtype=dtype)
    module.eval()
    return module, [str(w.message) for w in caught]


def _inputs(spec: ModelSpec, run: RunSpec, device: str, dtype: Any) -> tuple[Any, Any, Any]:
    import torch

    shape = (run.batch, run.seq_len, spec.input_size)
    if not spec.batch_first:
        shape = (run.seq_len, run.batch, spec.input_size)
    x = torch.randn(shape, device=device, dtype=dtype)
    stack = spec.num_layers * spec.num_directions
    h0 = torch.zeros(stack, run.batch, spec.state_size, device=device, dtype=dtype)
    c0 = None
    if spec.cell == "lstm":
        c0 = torch.zeros(stack, run.batch, spec.hidden_size, device=device, dtype=dtype)
    return x, h0, c0


def _forward(spec: ModelSpec, module: Any, x: Any, h0: Any, c0: Any) -> tuple[Any, Any, Any]:
    import torch

    # torch warns about kernel choices (e.g. oneDNN and proj_size): not the user's concern.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if spec.cell == "lstm":
            output, (h_n, c_n) = module(x, (h0, c0))
            return output, h_n, c_n
        output, h_n = module(x, h0)
        return output, h_n, None


def _shapes(x: Any, h0: Any, c0: Any, results: tuple) -> dict[str, tuple[int, ...]]:
    output, h_n, c_n = results
    shapes = {"input": x.shape, "h0": h0.shape, "output": output.shape, "h_n": h_n.shape}
    if c0 is not None:
        shapes.update(c0=c0.shape, c_n=c_n.shape)
    return {k: tuple(v) for k, v in shapes.items()}


def inspect_rnn(
    model: ModelSpec,
    run: Optional[RunSpec] = None,
    *,
    check: bool = False,
    available_bytes: Optional[Callable[[str], int]] = None,
) -> InspectReport:
    """Build ``model``, run ``run`` through it and describe it; ``check`` adds ``--verify``.

    With ``run.device == "meta"`` nothing is allocated: shapes and costs come from torch's meta
    tensors. Otherwise a run that would not fit in memory raises :class:`RnncliError` first.
    """
    import torch

    from rnncli.rnn import device as devices

    run = run or RunSpec()
    dtype = getattr(torch, run.dtype)
    devices.check_device(run.device)
    if check and run.device == "meta":
        raise UsageError("needs real numbers; it cannot run with --device meta", "--verify")

    # Parameter shapes from a module on the meta device: torch's own, with nothing allocated.
    meta_module, messages = _build(model, "meta", dtype)
    parameters = explain_parameters(model, meta_module)
    module_repr = repr(meta_module)
    result_verify = None

    if run.device == "meta":
        x, h0, c0 = _inputs(model, run, "meta", dtype)
        tensors = describe_tensors(
            model, run, _shapes(x, h0, c0, _forward(model, meta_module, x, h0, c0))
        )
    else:
        # Estimate from the documented shapes before allocating anything; the tensors reported
        # afterwards are read from the real run (and must agree with the documented shapes).
        planned = {
            name: TensorInfo(name, tuple(d.size for d in dims), dims, "")
            for name, dims in expected_dims(model, run).items()
        }
        estimate = forward_cost(model, run, parameters, planned)
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
        torch.manual_seed(run.seed)
        module, messages = _build(model, run.device, dtype)
        x, h0, c0 = _inputs(model, run, run.device, dtype)
        results = _forward(model, module, x, h0, c0)
        tensors = describe_tensors(model, run, _shapes(x, h0, c0, results))
        parameters = explain_parameters(model, module)
        if check:
            result_verify = verify(model, module, x, h0, c0, results, run.dtype)
    cost = forward_cost(model, run, parameters, tensors)

    notes = tensor_notes(model)
    if model.dropout:
        notes.append(
            "dropout is active only in training mode; inspect runs the module in eval mode."
        )
    return InspectReport(
        model=model,
        run=run,
        module_repr=module_repr,
        parameters=parameters,
        tensors=tensors,
        recurrence=recurrence(model, run),
        cost=cost,
        notes=notes,
        warnings=messages,
        verify=result_verify,
    )


def format_bytes(n: float) -> str:
    """``2.4 kB``-style sizes with decimal units, as disk and memory tools print them."""
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1000 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")
