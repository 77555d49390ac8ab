"""Names and shapes to a constructor: which torch module a group of tensors looks like.

This only reads names and shapes and proposes a configuration; :mod:`rnncli.checkpoint.modules`
proves each proposal by building the module and loading the tensors into it. What weights cannot
tell (an RNN's nonlinearity, ``batch_first``, ``dropout``) comes from the file's record of the
module when it has one, and is otherwise said plainly in the notes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    import torch

    from rnncli.checkpoint.contents import ModuleRecord

#: ``weight_ih_l0``, ``bias_hh_l2_reverse``, ``weight_hr_l1``: an ``nn.RNN``/``LSTM``/``GRU``'s.
RNN_TENSOR = re.compile(r"^(weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l(\d+)(_reverse)?$")

#: A cell's tensors carry no layer suffix.
CELL_TENSORS = frozenset({"weight_ih", "weight_hh", "bias_ih", "bias_hh"})

#: Gate blocks stacked in ``weight_hh`` to the layer kind, for layers and for cells.
LAYER_BY_GATES = {1: "rnn", 4: "lstm", 3: "gru"}
CELL_BY_GATES = {1: "rnncell", 4: "lstmcell", 3: "grucell"}

#: The record classes (short names) each kind is built as.
CLASS_KIND = {
    "RNN": "rnn",
    "LSTM": "lstm",
    "GRU": "gru",
    "RNNCell": "rnncell",
    "LSTMCell": "lstmcell",
    "GRUCell": "grucell",
    "Embedding": "embedding",
    "Linear": "linear",
    "NonDynamicallyQuantizableLinear": "linear",
}

#: The last part of a module name that says "embedding": emb, embed, embedding(s), word_emb,
#: char_embeddings, embed_tokens, tok_embeddings, wte/wpe (GPT-2), lookup tables.
EMBEDDING_NAME = re.compile(
    r"^(wte|wpe|lut|lookup|lookup_table)$"
    r"|(^|_)(emb|embs|embed|embeds|embedding|embeddings|embedder)(_|$)",
    re.IGNORECASE,
)

_DEFAULTS = {"nonlinearity": "tanh", "batch_first": False, "dropout": 0.0}


@dataclass
class Candidate:
    """What a group of tensors looks like, before it is proven by a load.

    ``kind`` is ``other`` when nothing fits; ``reason`` then says why a group that looked like a
    recurrent layer could not be read as one (``None`` for plain unknown groups).
    ``build`` holds every constructor argument the proof uses; ``config`` the ones the report
    shows. ``alternatives`` are other constructors the same tensors would fit.
    """

    kind: str
    config: dict[str, Any] = field(default_factory=dict)
    build: dict[str, Any] = field(default_factory=dict)
    reason: Optional[str] = None
    notes: list[str] = field(default_factory=list)
    alternatives: list[str] = field(default_factory=list)


def looks_like_embedding(name: str) -> bool:
    """True when the module's last name part reads like an embedding table's."""
    return bool(EMBEDDING_NAME.search(name.rpartition(".")[2]))


def shape_text(tensor: torch.Tensor) -> str:
    """``[512, 128]``: a shape as the report writes it."""
    return "[" + ", ".join(str(int(n)) for n in tensor.shape) + "]"


def recognise(
    name: str, tensors: Mapping[str, torch.Tensor], record: Optional[ModuleRecord] = None
) -> Candidate:
    """The module that the tensors of ``name`` (local names to tensors) look like."""
    recorded = record.short_name if record else None
    if any(RNN_TENSOR.match(local) for local in tensors):
        candidate = _recurrent_layer(tensors, record)
    elif set(tensors) <= CELL_TENSORS and {"weight_ih", "weight_hh"} <= set(tensors):
        candidate = _cell(tensors, record)
    elif (
        set(tensors) in ({"weight"}, {"weight", "bias"})
        and tensors["weight"].dim() == 2
        and ("bias" not in tensors or tensors["bias"].dim() == 1)
    ):
        candidate = _embedding_or_linear(name, tensors, record)
    else:
        candidate = Candidate("other")
    if candidate.kind != "other" and record is not None:
        expected = CLASS_KIND.get(recorded or "")
        if expected is None and record.class_name.startswith("torch.nn."):
            return Candidate(
                "other",
                notes=[
                    f"the file records {record.class_name}, which rnncli does not rebuild; "
                    f"its tensors fit nn.{_TORCH_CLASS[candidate.kind]}"
                ],
            )
        if expected is not None and expected != candidate.kind:
            candidate.notes.append(
                f"the file records {record.class_name}, but the tensors' names and shapes fit "
                f"nn.{_TORCH_CLASS[candidate.kind]}"
            )
    return candidate


_TORCH_CLASS = {
    "rnn": "RNN",
    "lstm": "LSTM",
    "gru": "GRU",
    "rnncell": "RNNCell",
    "lstmcell": "LSTMCell",
    "grucell": "GRUCell",
    "embedding": "Embedding",
    "linear": "Linear",
}


def torch_class(kind: str) -> str:
    """``LSTM`` for ``lstm``: the torch.nn class a kind is built as."""
    return _TORCH_CLASS[kind]


def _gates(
    weight_hh: torch.Tensor, hidden: int, hh_name: str, table: dict[int, str]
) -> tuple[Optional[str], Optional[str]]:
    """The kind the row count of ``weight_hh`` gives, or the reason it gives none."""
    rows = int(weight_hh.shape[0])
    if hidden <= 0 or rows % hidden:
        return None, (
            f"{hh_name} {shape_text(weight_hh)}: {rows} rows are not a whole number of "
            f"gate blocks of hidden_size {hidden}"
        )
    kind = table.get(rows // hidden)
    if kind is None:
        return None, (
            f"{hh_name} {shape_text(weight_hh)} holds {rows // hidden} blocks of hidden_size "
            f"{hidden}: 1 (rnn), 3 (gru) or 4 (lstm) expected"
        )
    return kind, None


def _nonlinearity(
    record: Any, config: dict[str, Any], build: dict[str, Any], unknown: list[str]
) -> None:
    """An RNN's activation: weights cannot tell it, so the record's (else tanh, noted)."""
    value, known = _recorded(record, "nonlinearity", _is_nonlinearity, unknown)
    build["nonlinearity"] = value
    if known:
        config["nonlinearity"] = value


def _recorded(
    record: Optional[ModuleRecord], option: str, valid, unknown: list[str]
) -> tuple[Any, bool]:
    """An attribute from the file's record of the module, else torch's default (noted)."""
    attributes = record.attributes if record else {}
    value = attributes.get(option)
    if option in attributes and valid(value):
        return value, True
    unknown.append(option)
    return _DEFAULTS[option], False


def unknown_note(unknown: list[str]) -> list[str]:
    """One plain sentence for the options neither the weights nor the file tell."""
    if not unknown:
        return []
    defaults = ", ".join(f"{option}={_DEFAULTS[option]!r}" for option in unknown)
    verb = "is" if len(unknown) == 1 else "are"
    return [
        f"{', '.join(unknown)} {verb} not recorded in the file and weights cannot tell: "
        f"torch's default{'s' if len(unknown) > 1 else ''} ({defaults}) assumed"
    ]


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_dropout(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1


def _is_nonlinearity(value: Any) -> bool:
    return value in ("tanh", "relu")


def _recurrent_layer(tensors: Mapping[str, torch.Tensor], record: Optional[ModuleRecord]):
    for needed in ("weight_ih_l0", "weight_hh_l0"):
        if needed not in tensors:
            return Candidate("other", reason=f"{needed} is missing: cannot tell the layer's sizes")
        if tensors[needed].dim() != 2:
            return Candidate(
                "other", reason=f"{needed} is {shape_text(tensors[needed])}, not a matrix"
            )
    weight_hh = tensors["weight_hh_l0"]
    weight_hr = tensors.get("weight_hr_l0")
    if weight_hr is not None and weight_hr.dim() == 2:
        hidden, proj = int(weight_hr.shape[1]), int(weight_hr.shape[0])
    else:
        hidden, proj = int(weight_hh.shape[1]), 0
    kind, reason = _gates(weight_hh, hidden, "weight_hh_l0", LAYER_BY_GATES)
    if kind is None:
        return Candidate("other", reason=reason)
    if proj and kind != "lstm":
        return Candidate(
            "other",
            reason=f"weight_hr_l0 (a projection) belongs to an LSTM, but weight_hh_l0 "
            f"{shape_text(weight_hh)} holds {int(weight_hh.shape[0]) // hidden} gate blocks",
        )
    matches = [RNN_TENSOR.match(local) for local in tensors]
    layers = 1 + max(int(m.group(2)) for m in matches if m)
    config: dict[str, Any] = {
        "input_size": int(tensors["weight_ih_l0"].shape[1]),
        "hidden_size": hidden,
        "num_layers": layers,
        "bias": any(m and m.group(1).startswith("bias") for m in matches),
        "bidirectional": any(m and m.group(3) for m in matches),
        "proj_size": proj,
    }
    unknown: list[str] = []
    build = dict(config)
    if kind == "rnn":
        _nonlinearity(record, config, build, unknown)
    for option, valid in (("batch_first", _is_bool), ("dropout", _is_dropout)):
        value, known = _recorded(record, option, valid, unknown)
        build[option] = float(value) if option == "dropout" else value
        if known:
            config[option] = build[option]
    notes = unknown_note(unknown)
    _compare_with_record(config, record, notes)
    return Candidate(kind, config=config, build=build, notes=notes)


def _compare_with_record(
    config: dict[str, Any], record: Optional[ModuleRecord], notes: list[str]
) -> None:
    """Say where the file's recorded attributes disagree with what its tensors show."""
    if record is None:
        return
    for option, value in config.items():
        if option in ("nonlinearity", "batch_first", "dropout"):
            continue
        recorded = record.attributes.get(option)
        if recorded is not None and recorded != value:
            notes.append(
                f"the file records {option}={recorded!r}, but its tensors show {value!r}; "
                f"the tensors are used"
            )


def _cell(tensors: Mapping[str, torch.Tensor], record: Optional[ModuleRecord]) -> Candidate:
    weight_ih, weight_hh = tensors["weight_ih"], tensors["weight_hh"]
    for local, tensor in (("weight_ih", weight_ih), ("weight_hh", weight_hh)):
        if tensor.dim() != 2:
            return Candidate("other", reason=f"{local} is {shape_text(tensor)}, not a matrix")
    hidden = int(weight_hh.shape[1])
    kind, reason = _gates(weight_hh, hidden, "weight_hh", CELL_BY_GATES)
    if kind is None:
        return Candidate("other", reason=reason)
    config: dict[str, Any] = {
        "input_size": int(weight_ih.shape[1]),
        "hidden_size": hidden,
        "bias": "bias_ih" in tensors or "bias_hh" in tensors,
    }
    unknown: list[str] = []
    build = dict(config)
    if kind == "rnncell":
        _nonlinearity(record, config, build, unknown)
    notes = unknown_note(unknown)
    _compare_with_record(config, record, notes)
    return Candidate(kind, config=config, build=build, notes=notes)


def _embedding_or_linear(
    name: str, tensors: Mapping[str, torch.Tensor], record: Optional[ModuleRecord]
) -> Candidate:
    weight = tensors["weight"]
    rows, columns = int(weight.shape[0]), int(weight.shape[1])
    recorded = CLASS_KIND.get(record.short_name) if record else None
    linear = {"in_features": columns, "out_features": rows, "bias": "bias" in tensors}
    if "bias" in tensors:
        return Candidate("linear", config=linear, build=dict(linear))
    embedding: dict[str, Any] = {"num_embeddings": rows, "embedding_dim": columns}
    padding = record.attributes.get("padding_idx") if record else None
    if isinstance(padding, int) and not isinstance(padding, bool):
        embedding["padding_idx"] = padding
    linear_call = f"nn.Linear({columns}, {rows}, bias=False)"
    embedding_call = f"nn.Embedding({rows}, {columns})"
    if recorded == "embedding":
        notes = []
        max_norm = record.attributes.get("max_norm") if record else None
        if max_norm is not None:
            notes.append(
                f"the file records max_norm={max_norm!r}; the rebuilt module leaves it out "
                f"(it would rescale the file's rows in place on every lookup)"
            )
        return Candidate("embedding", config=embedding, build=dict(embedding), notes=notes)
    if recorded == "linear":
        return Candidate("linear", config=linear, build=dict(linear))
    if looks_like_embedding(name):
        return Candidate(
            "embedding",
            config=embedding,
            build=dict(embedding),
            notes=[
                f"a lone {shape_text(weight)} weight: an embedding by its name, "
                f"but {linear_call} would hold the same tensor"
            ],
            alternatives=[linear_call],
        )
    return Candidate(
        "linear",
        config=linear,
        build=dict(linear),
        notes=[
            f"a lone {shape_text(weight)} weight: a linear layer without bias by its name, "
            f"but {embedding_call} would hold the same tensor"
        ],
        alternatives=[embedding_call],
    )
