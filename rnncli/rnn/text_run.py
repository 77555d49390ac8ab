"""The stages around the RNN when sentences go in: embedding, packing, the output layer.

Used by :func:`rnncli.rnn.report.inspect_rnn` with a :class:`~rnncli.rnn.text_plan.TextPlan`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from rnncli.render.words import noun, plural
from rnncli.rnn.parameters import Dim, ParameterInfo, extra_parameter
from rnncli.rnn.running import run_module, zero_states
from rnncli.rnn.spec import ModelSpec, RunSpec

if TYPE_CHECKING:
    from rnncli.rnn.text_plan import TextPlan


def build_extras(
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


def explain_extras(
    model: ModelSpec, text: Optional[TextPlan], extras: dict[str, Any]
) -> list[ParameterInfo]:
    """Table rows for the embedding and output-layer parameters, checked like the RNN's."""
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


def text_inputs(
    model: ModelSpec, run: RunSpec, text: TextPlan, extras: dict[str, Any], device: str
) -> tuple[Any, Any, Any, Any]:
    """``(embedded, h0, c0, token_ids)``: the padded ids looked up in the embedding."""
    import torch

    ids = torch.tensor(text.batch.padded_ids(), dtype=torch.long, device=device)  # [batch, seq]
    token_ids = ids if model.batch_first else ids.T.contiguous()
    with torch.no_grad():
        x = extras["embedding"](token_ids)
    return (x, *zero_states(model, run.batch, device, x.dtype), token_ids)


def forward_packed(
    model: ModelSpec, module: Any, x: Any, h0: Any, c0: Any, lengths: list[int]
) -> tuple[tuple[Any, Any, Any], Any, Any]:
    """Pack, run, unpack: the output at padded steps comes back as zeros."""
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    packed_in = pack_padded_sequence(
        x, lengths, batch_first=model.batch_first, enforce_sorted=False
    )
    packed_out, h_n, c_n = run_module(model, module, packed_in, h0, c0)
    output, _ = pad_packed_sequence(
        packed_out, batch_first=model.batch_first, total_length=max(lengths)
    )
    return (output, h_n, c_n), packed_in, packed_out


def apply_output_layer(
    model: ModelSpec, layer: Any, output: Any, packed_out: Any = None, total_length: int = 0
) -> Any:
    """``y_t = h_t·W_hyᵀ + b_y`` at every step of ``output``; or, packed, at real steps only.

    A packed run applies the layer to ``PackedSequence.data`` (``sum(lengths)`` rows, the pairs
    the cost counts) and unpacks ``y`` like the output: zeros at padding, not ``b_y``.
    """
    import torch
    from torch.nn.utils.rnn import PackedSequence, pad_packed_sequence

    with torch.no_grad():
        if packed_out is None:
            return layer(output)
        y_packed = PackedSequence(
            layer(packed_out.data),
            packed_out.batch_sizes,
            packed_out.sorted_indices,
            packed_out.unsorted_indices,
        )
        y, _ = pad_packed_sequence(
            y_packed, batch_first=model.batch_first, total_length=total_length
        )
        return y


def padding_effect(
    model: ModelSpec, module: Any, x: Any, h0: Any, c0: Any, results: tuple, text: TextPlan
) -> list[dict[str, Any]]:
    """How far each sequence's padded-run h_n is from its packed-run h_n (0 when not padded)."""
    lengths = text.batch.lengths
    if len(set(lengths)) == 1:
        return []
    (_, h_packed, _), _, _ = forward_packed(model, module, x, h0, c0, lengths)
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


def step_tokens(text: TextPlan) -> list[list[Optional[str]]]:
    """``[t][b]``: the token of sequence b at step t, or None over padding."""
    seqs = text.batch.sequences
    return [
        [s.tokens[t] if t < len(s.tokens) else None for s in seqs]
        for t in range(text.batch.max_len)
    ]


def text_notes(
    model: ModelSpec,
    text: TextPlan,
    pack: bool,
    padding_effect: list[dict[str, Any]],
    output_size: int = 0,
) -> list[str]:
    """What the user should know about this batch: lengths, padding or packing."""
    lengths = text.batch.lengths
    notes = [
        f"{plural(len(lengths), 'sequence')} of {_lengths_phrase(lengths)}, "
        f"padded to {max(lengths):,} with <pad>; "
        f"vocabulary of {len(text.batch.vocab):,} ({text.batch.vocab_source}); embedding "
        + (
            f"from GloVe {text.vectors}."
            if text.vectors
            else f"random, seeded, {text.input_size}-dimensional."
        )
    ]
    if text.zero_specials:
        notes.append(
            f"{', '.join(text.zero_specials)}: not GloVe words, so their rows are zeros "
            "(as pytorch-nlp gives words it lacks)."
        )
    if pack:
        notes.append(
            "packed: the RNN sees only real steps (PackedSequence.data holds sum(lengths) rows; "
            "batch_sizes says how many sequences are still running at each step); h_n is each "
            "sequence's state after its own last token, and the unpacked output is zero at padding."
        )
        if output_size:
            notes.append(
                "packed: the output layer runs on PackedSequence.data too, sum(lengths) = "
                f"{sum(lengths)} rows, so y is zero at padding."
            )
    elif padding_effect:
        worst = max(e["h_n_max_abs_difference"] for e in padding_effect)
        notes.append(
            "padded, not packed: the RNN also steps over <pad>, so h_n of a shorter sequence is "
            f"its state after the padding, not after its last word (largest difference from a "
            f"packed run: {worst:.3g}); add --pack to run the real steps only."
        )
    return notes


#: Above this many sequences the note gives the range of lengths, not each one (JSON has all).
LISTED_LENGTHS = 8


def _lengths_phrase(lengths: list[int]) -> str:
    """``length [5]``, ``lengths [5, 3]``, or for many sequences ``lengths 1 to 57``."""
    if len(lengths) <= LISTED_LENGTHS:
        return f"{noun(len(lengths), 'length')} {lengths}"
    low, high = min(lengths), max(lengths)
    if low == high:
        return f"length {low:,} each"
    return f"lengths {low:,} to {high:,} (--json lists each)"


def text_warnings(text: Optional[TextPlan]) -> list[str]:
    """Tokens mapped to unk, and tokens GloVe lacks (given zero rows)."""
    if text is None:
        return []
    warnings_ = []
    if text.batch.unknown:
        unk = text.batch.vocab.unk
        warnings_.append(
            f"{plural(len(text.batch.unknown), 'token')} not in the vocabulary, mapped to {unk}: "
            + ", ".join(text.batch.unknown[:20])
        )
    # Only the entries the sentences use: a --vocab file's other entries are not this run's
    # (the report's "missing" lists them all).
    itos = text.batch.vocab.itos
    used = {itos[i] for sequence in text.batch.sequences for i in sequence.ids}
    missing = [token for token in text.missing if token in used]
    if missing:
        warnings_.append(
            f"{plural(len(missing), 'token')} missing from GloVe {text.vectors}, "
            "given zero rows: " + ", ".join(missing[:20])
        )
    return warnings_
