"""`inspect_rnn`: build a module, run it, and describe everything in it as plain data.

Every shape in the report is read from torch: the module is first built on the ``meta`` device
(no memory) to learn its parameter shapes and estimate the memory the run needs; then, unless the
user asked for ``meta`` (where a meta forward pass gives the output shapes), it is built for real
with the seed and run, and the shapes of that run are reported.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Optional

from rnncli.errors import RnncliError, UsageError
from rnncli.rnn.cost import Cost, forward_cost
from rnncli.rnn.equations import Recurrence, recurrence
from rnncli.rnn.parameters import Dim, ParameterInfo, explain_parameters, extra_parameter
from rnncli.rnn.spec import ModelSpec, RunSpec
from rnncli.rnn.tensors import TensorInfo, describe_tensors, expected_dims, tensor_notes
from rnncli.rnn.text_plan import TextPlan
from rnncli.rnn.trace import Trace, build_trace
from rnncli.rnn.unroll import VerifyResult, verify, verify_packed

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
        if run.device == "meta":
            raise UsageError("text runs need real numbers; use --device cpu or cuda", "--device")
    dtype = getattr(torch, run.dtype)
    devices.check_device(run.device)
    if check and run.device == "meta":
        raise UsageError("needs real numbers; it cannot run with --device meta", "--verify")

    packed_tokens = sum(text.batch.lengths) if (text is not None and pack) else None
    layout = {"output_size": output_size, "text": text is not None, "packed_tokens": packed_tokens}

    # Parameter shapes from modules on the meta device: torch's own, with nothing allocated.
    meta_module, messages = _build(model, "meta", dtype)
    meta_extras = _build_extras(model, text, output_size, "meta", dtype)
    parameters = explain_parameters(model, meta_module) + _explain_extras(model, text, meta_extras)
    module_repr = repr(meta_module)
    result_verify = None
    trace = None
    padding_effect: list[dict[str, Any]] = []

    if run.device == "meta":
        x, h0, c0 = _inputs(model, run, "meta", dtype)
        results = _forward(model, meta_module, x, h0, c0)
        shapes = _shapes(x, h0, c0, results)
        if output_size:
            shapes["y"] = tuple(meta_extras["output"](results[0]).shape)
        tensors = describe_tensors(model, run, shapes, **layout)
    else:
        # Estimate from the documented shapes before allocating anything; the tensors reported
        # afterwards are read from the real run (and must agree with the documented shapes).
        planned = {
            name: TensorInfo(name, tuple(d.size for d in dims), dims, "")
            for name, dims in expected_dims(model, run, **layout).items()
        }
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
        module, messages = _build(model, run.device, dtype)
        extras = _build_extras(model, text, output_size, run.device, dtype)
        shapes: dict[str, tuple[int, ...]] = {}
        if text is None:
            x, h0, c0 = _inputs(model, run, run.device, dtype)
            results = _forward(model, module, x, h0, c0)
            shapes.update(_shapes(x, h0, c0, results))
        else:
            x, h0, c0, token_ids = _text_inputs(model, run, text, extras, run.device)
            shapes["token_ids"] = tuple(token_ids.shape)
            shapes["embedded"] = tuple(x.shape)
            if pack:
                results, packed_in, packed_out = _forward_packed(
                    model, module, x, h0, c0, text.batch.lengths
                )
                shapes["packed_input"] = tuple(packed_in.data.shape)
                shapes["packed_output"] = tuple(packed_out.data.shape)
                batch_sizes = packed_in.batch_sizes.tolist()
            else:
                results = _forward(model, module, x, h0, c0)
                padding_effect = _padding_effect(model, module, x, h0, c0, results, text)
            shapes.update({k: v for k, v in _shapes(x, h0, c0, results).items() if k != "input"})
            trace = build_trace(
                results[0],
                _step_tokens(text),
                model.bidirectional,
                model.batch_first,
                packed=pack,
            )
        if output_size:
            with torch.no_grad():
                shapes["y"] = tuple(extras["output"](results[0]).shape)
        tensors = describe_tensors(model, run, shapes, **layout)
        parameters = explain_parameters(model, module) + _explain_extras(model, text, extras)
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
        notes += _text_notes(model, text, pack, padding_effect)
    return InspectReport(
        model=model,
        run=run,
        module_repr=module_repr,
        parameters=parameters,
        tensors=tensors,
        recurrence=recurrence(model, run, output_size=output_size, text=text is not None),
        cost=cost,
        notes=notes,
        warnings=messages + _text_warnings(text),
        verify=result_verify,
        output_size=output_size,
        text=text,
        pack=pack,
        batch_sizes=batch_sizes if (text is not None and pack and run.device != "meta") else None,
        padding_effect=padding_effect,
        trace=trace,
    )


def _build_extras(
    model: ModelSpec, text: Optional[TextPlan], output_size: int, device: str, dtype: Any
) -> dict[str, Any]:
    """The layers around the RNN: the embedding (text runs) and the output layer."""
    import torch

    extras: dict[str, Any] = {}
    if text is not None:
        pad = text.batch.pad_index
        if text.pretrained is not None:
            weight = torch.as_tensor(text.pretrained, dtype=dtype, device=device)
            extras["embedding"] = torch.nn.Embedding.from_pretrained(weight, freeze=True)
        else:
            extras["embedding"] = torch.nn.Embedding(
                len(text.batch.vocab),
                model.input_size,
                padding_idx=pad,
                device=device,
                dtype=dtype,
            )
    if output_size:
        features = model.num_directions * model.state_size
        extras["output"] = torch.nn.Linear(features, output_size, device=device, dtype=dtype)
    return extras


def _explain_extras(
    model: ModelSpec, text: Optional[TextPlan], extras: dict[str, Any]
) -> list[ParameterInfo]:
    infos = []
    if "embedding" in extras:
        weight = extras["embedding"].weight
        source = f"E: GloVe {text.vectors} rows, frozen" if text.vectors else "E: one row per token"
        infos.append(
            extra_parameter(
                "embedding.weight",
                tuple(weight.shape),
                (Dim("vocab", len(text.batch.vocab)), Dim("input", model.input_size)),
                source,
                trainable=bool(weight.requires_grad),
            )
        )
    if "output" in extras:
        layer = extras["output"]
        unit = "proj" if model.proj_size else "hidden"
        feature = Dim(
            f"2·{unit}" if model.bidirectional else unit, model.num_directions * model.state_size
        )
        out = Dim("output", layer.out_features)
        infos.append(
            extra_parameter("output.weight", tuple(layer.weight.shape), (out, feature), "W_hy")
        )
        infos.append(extra_parameter("output.bias", tuple(layer.bias.shape), (out,), "b_y"))
    return infos


def _text_inputs(
    model: ModelSpec, run: RunSpec, text: TextPlan, extras: dict[str, Any], device: str
) -> tuple[Any, Any, Any, Any]:
    import torch

    ids = torch.tensor(text.batch.padded_ids(), dtype=torch.long, device=device)  # [batch, seq]
    token_ids = ids if model.batch_first else ids.T.contiguous()
    with torch.no_grad():
        x = extras["embedding"](token_ids)
    _, h0, c0 = _inputs(model, run, "meta", x.dtype)
    h0 = torch.zeros(h0.shape, dtype=x.dtype, device=device)
    c0 = None if c0 is None else torch.zeros(c0.shape, dtype=x.dtype, device=device)
    return x, h0, c0, token_ids


def _forward_packed(
    model: ModelSpec, module: Any, x: Any, h0: Any, c0: Any, lengths: list[int]
) -> tuple[tuple[Any, Any, Any], Any, Any]:
    """Pack, run, unpack: the output at padded steps comes back as zeros."""
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    packed_in = pack_padded_sequence(
        x, lengths, batch_first=model.batch_first, enforce_sorted=False
    )
    packed_out, h_n, c_n = _forward(model, module, packed_in, h0, c0)
    output, _ = pad_packed_sequence(
        packed_out, batch_first=model.batch_first, total_length=max(lengths)
    )
    return (output, h_n, c_n), packed_in, packed_out


def _padding_effect(
    model: ModelSpec, module: Any, x: Any, h0: Any, c0: Any, results: tuple, text: TextPlan
) -> list[dict[str, Any]]:
    """How far each sequence's padded-run h_n is from its packed-run h_n (0 when not padded)."""
    lengths = text.batch.lengths
    if len(set(lengths)) == 1:
        return []
    (_, h_packed, _), _, _ = _forward_packed(model, module, x, h0, c0, lengths)
    h_padded = results[1]
    effect = []
    for b, length in enumerate(lengths):
        diff = float((h_padded[:, b] - h_packed[:, b]).abs().max())
        effect.append(
            {
                "sequence": b,
                "length": length,
                "pad_steps": max(lengths) - length,
                "h_n_max_abs_difference": diff,
            }
        )
    return effect


def _step_tokens(text: TextPlan) -> list[list[Optional[str]]]:
    seqs = text.batch.sequences
    return [
        [s.tokens[t] if t < len(s.tokens) else None for s in seqs]
        for t in range(text.batch.max_len)
    ]


def _text_notes(
    model: ModelSpec, text: TextPlan, pack: bool, padding_effect: list[dict[str, Any]]
) -> list[str]:
    lengths = text.batch.lengths
    notes = [
        f"{len(lengths)} sequences of lengths {lengths}, padded to {max(lengths)} with <pad>; "
        f"vocabulary of {len(text.batch.vocab)} ({text.batch.vocab_source}); embedding "
        + (
            f"from GloVe {text.vectors}."
            if text.vectors
            else f"random, seeded, {text.input_size}-dimensional."
        )
    ]
    if pack:
        notes.append(
            "packed: the RNN sees only real steps (PackedSequence.data holds sum(lengths) rows; "
            "batch_sizes says how many sequences are still running at each step); h_n is each "
            "sequence's state after its own last token, and the unpacked output is zero at padding."
        )
    elif padding_effect:
        worst = max(e["h_n_max_abs_difference"] for e in padding_effect)
        notes.append(
            "padded, not packed: the RNN also steps over <pad>, so h_n of a shorter sequence is "
            f"its state after the padding, not after its last word (largest difference from a "
            f"packed run: {worst:.3g}); add --pack to run the real steps only."
        )
    return notes


def _text_warnings(text: Optional[TextPlan]) -> list[str]:
    if text is None:
        return []
    warnings_ = []
    if text.batch.unknown:
        unk = text.batch.vocab.unk
        warnings_.append(
            f"{len(text.batch.unknown)} token(s) not in the vocabulary, mapped to {unk}: "
            + ", ".join(text.batch.unknown[:20])
        )
    if text.missing:
        warnings_.append(
            f"{len(text.missing)} token(s) missing from GloVe {text.vectors}, given zero rows: "
            + ", ".join(text.missing[:20])
        )
    return warnings_


def format_bytes(n: float) -> str:
    """``2.4 kB``-style sizes with decimal units, as disk and memory tools print them."""
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1000 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")
