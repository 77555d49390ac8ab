"""Which torch modules a state dict holds, each one proven by building it and loading its tensors.

:func:`find_modules` groups the tensors by module (:mod:`~rnncli.checkpoint.grouping`), reads a
constructor from each group's names and shapes (:mod:`~rnncli.checkpoint.recognise`), then builds
that constructor on the meta device and loads the file's own tensors into it with
``load_state_dict(strict=True, assign=True)``: nothing is allocated twice, and a module is only
reported as an ``nn.LSTM`` when torch itself accepted every tensor. A group that does not load is
reported as ``other`` with torch's reason. :func:`find_links` guesses which module feeds which.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from rnncli.checkpoint.grouping import dtype_name, group_tensors, join_name
from rnncli.checkpoint.recognise import Candidate, recognise, torch_class

if TYPE_CHECKING:
    import torch

    from rnncli.checkpoint.contents import ModuleRecord
    from rnncli.rnn.spec import ModelSpec

#: The recurrent ones: multi-layer modules and single-step cells.
RECURRENT_LAYERS = ("rnn", "lstm", "gru")
RECURRENT_CELLS = ("rnncell", "lstmcell", "grucell")
RECURRENT = RECURRENT_LAYERS + RECURRENT_CELLS


@dataclass
class FoundModule:
    """One module of a file: what it is, its constructor, and whether torch accepted its tensors.

    ``name`` is the module's prefix as torch wrote it (``module.encoder.rnn``; ``""`` for the
    root). ``parameters`` are the full names of its tensors, in the file's order; ``tensors``
    maps their local names (``weight_ih_l0``) to the file's tensors. ``module`` is the torch
    module built on the meta device and loaded with the file's own tensors (``assign=True``, so
    it runs on their device, normally the CPU); ``None`` unless ``loaded``. ``reason`` is torch's
    one-line error when a group that looked like a known module did not load.
    """

    name: str
    kind: str
    config: dict[str, Any] = field(default_factory=dict)
    parameters: list[str] = field(default_factory=list)
    loaded: bool = False
    reason: Optional[str] = None
    notes: list[str] = field(default_factory=list)
    alternatives: list[str] = field(default_factory=list)
    module: Any = field(default=None, repr=False, compare=False)
    class_name: Optional[str] = None
    tensors: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def torch_call(self) -> str:
        """The constructor call that builds it (``nn.LSTM(10, 8, num_layers=2)``), from its
        config as it stands; ``""`` unless torch loaded it."""
        return torch_call(self.kind, self.config) if self.loaded else ""

    @property
    def is_recurrent(self) -> bool:
        """An ``nn.RNN``/``LSTM``/``GRU`` or one of their cells, proven by a load."""
        return self.kind in RECURRENT

    @property
    def cell(self) -> Optional[str]:
        """``lstm`` for both ``nn.LSTM`` and ``nn.LSTMCell``; ``None`` for other kinds."""
        if self.kind in RECURRENT_LAYERS:
            return self.kind
        if self.kind in RECURRENT_CELLS:
            return self.kind.removesuffix("cell")
        return None

    @property
    def display_name(self) -> str:
        """The name to show: ``(root)`` for the root module's empty name."""
        return self.name or "(root)"

    def model_spec(self) -> ModelSpec:
        """The ``inspect`` spec of a recurrent layer, to run today's report on it.

        Options the file does not record take torch's defaults (as the notes say).
        """
        from rnncli.rnn.spec import ModelSpec

        if self.kind not in RECURRENT_LAYERS:
            raise ValueError(f"{self.display_name} is {self.kind}, not an RNN/LSTM/GRU layer")
        c = self.config
        return ModelSpec(
            cell=self.kind,
            input_size=c["input_size"],
            hidden_size=c["hidden_size"],
            num_layers=c["num_layers"],
            nonlinearity=c.get("nonlinearity", "tanh") if self.kind == "rnn" else None,
            bias=c["bias"],
            batch_first=c.get("batch_first", False),
            dropout=c.get("dropout", 0.0),
            bidirectional=c["bidirectional"],
            proj_size=c["proj_size"],
        )

    def parameter_rows(self, stats: bool = False) -> list[dict[str, Any]]:
        """One JSON object per tensor: local name, shape, numel, dtype (and stats when asked)."""
        rows = []
        for local, tensor in self.tensors.items():
            row: dict[str, Any] = {
                "name": local,
                "shape": [int(n) for n in tensor.shape],
                "numel": int(tensor.numel()),
                "dtype": dtype_name(tensor),
            }
            if stats:
                from rnncli.checkpoint.health import tensor_stats

                row["stats"] = tensor_stats(tensor).to_dict()
            rows.append(row)
        return rows

    def to_dict(self, stats: bool = False) -> dict[str, Any]:
        """The module as the JSON report writes it (``tensors`` and ``health`` are the caller's).

        ``{"name", "kind", "class", "torch", "loaded", "reason", "config", "notes",
        "alternatives", "parameters": [{"name", "shape", "numel", "dtype"[, "stats"]}]}``;
        ``torch`` is ``null`` for ``other``.
        """
        return {
            "name": self.name,
            "kind": self.kind,
            "class": self.class_name,
            "torch": self.torch_call or None,
            "loaded": self.loaded,
            "reason": self.reason,
            "config": dict(self.config),
            "notes": list(self.notes),
            "alternatives": list(self.alternatives),
            "parameters": self.parameter_rows(stats=stats),
        }


@dataclass(frozen=True)
class Link:
    """An inference from sizes alone: ``source`` probably feeds ``target``."""

    source: str
    target: str
    reason: str
    relation: str = "probably feeds"

    def to_dict(self) -> dict[str, str]:
        return {
            "source": self.source,
            "target": self.target,
            "relation": self.relation,
            "reason": self.reason,
        }


def torch_call(kind: str, config: Mapping[str, Any]) -> str:
    """The constructor as a user would write it: sizes positional, only non-default options.

    ``nn.LSTM(100, 128, num_layers=2, bidirectional=True)``; ``""`` for ``other``.
    """
    if kind == "other":
        return ""
    c = config
    if kind in RECURRENT_LAYERS:
        args = [str(c["input_size"]), str(c["hidden_size"])]
        defaults: list[tuple[str, Any]] = [("num_layers", 1)]
        if kind == "rnn":
            defaults.append(("nonlinearity", "tanh"))
        defaults += [("bias", True), ("batch_first", False), ("dropout", 0.0)]
        defaults += [("bidirectional", False), ("proj_size", 0)]
    elif kind in RECURRENT_CELLS:
        args = [str(c["input_size"]), str(c["hidden_size"])]
        defaults = [("bias", True)] + ([("nonlinearity", "tanh")] if kind == "rnncell" else [])
    elif kind == "embedding":
        args = [str(c["num_embeddings"]), str(c["embedding_dim"])]
        defaults = [("padding_idx", None)]
    else:
        args = [str(c["in_features"]), str(c["out_features"])]
        defaults = [("bias", True)]
    for option, default in defaults:
        value = c.get(option, default)
        if value != default:
            args.append(f"{option}={value!r}")
    return f"nn.{torch_class(kind)}({', '.join(args)})"


def build_module(kind: str, build: Mapping[str, Any], tensors: Mapping[str, torch.Tensor]):
    """Construct ``kind`` on the meta device and load ``tensors`` into it, strictly.

    ``assign=True`` makes the module's parameters the file's own tensors (memory-mapped ones
    stay mapped): nothing is allocated but the meta placeholders. Raises what torch raises.
    """
    import warnings

    import torch
    from torch import nn

    cls = getattr(nn, torch_class(kind))
    kwargs = dict(build)
    if kind in RECURRENT_LAYERS:
        positional = (kwargs.pop("input_size"), kwargs.pop("hidden_size"))
        if kind != "lstm":
            kwargs.pop("proj_size", None)
    elif kind in RECURRENT_CELLS:
        positional = (kwargs.pop("input_size"), kwargs.pop("hidden_size"))
    elif kind == "embedding":
        positional = (kwargs.pop("num_embeddings"), kwargs.pop("embedding_dim"))
    else:
        positional = (kwargs.pop("in_features"), kwargs.pop("out_features"))
    with warnings.catch_warnings(), torch.device("meta"):
        # dropout on a one-layer RNN warns; the file's configuration is what it is.
        warnings.simplefilter("ignore")
        module = cls(*positional, **kwargs)
    module.load_state_dict(dict(tensors), strict=True, assign=True)
    return module


def one_line(error: BaseException) -> str:
    """Torch's error on one line: ``Missing key(s) in state_dict: "weight_hh_l1".``"""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].startswith("Error(s) in loading state_dict"):
        lines = lines[1:]
    return " ".join(lines) or type(error).__name__


def find_modules(
    tensors: Mapping[str, torch.Tensor], records: Optional[Mapping[str, ModuleRecord]] = None
) -> list[FoundModule]:
    """Every module prefix of ``tensors``, recognised and proven where possible, in file order.

    ``records`` are what a whole-model pickle recorded of each module (class, attributes); they
    settle what weights cannot tell (``batch_first``, ``dropout``, an RNN's nonlinearity) and
    an ambiguous lone weight. No tensor is dropped: groups nothing fits are ``other``.
    """
    records = records or {}
    found = []
    for prefix, group in group_tensors(tensors).items():
        record = records.get(prefix)
        candidate = recognise(prefix, group, record)
        found.append(_prove(prefix, group, candidate, record.class_name if record else None))
    return found


def _prove(
    prefix: str, group: dict[str, Any], candidate: Candidate, class_name: Optional[str]
) -> FoundModule:
    result = FoundModule(
        name=prefix,
        kind=candidate.kind,
        config=dict(candidate.config),
        parameters=[join_name(prefix, local) for local in group],
        reason=candidate.reason,
        notes=list(candidate.notes),
        alternatives=list(candidate.alternatives),
        class_name=class_name,
        tensors=dict(group),
    )
    if candidate.kind == "other":
        if candidate.reason:
            result.config = {}
        return result
    call = torch_call(candidate.kind, candidate.build)
    try:
        module = build_module(candidate.kind, candidate.build, group)
    except Exception as error:  # torch's own verdict on the file's tensors, whatever its type
        result.kind = "other"
        result.config = {}
        result.alternatives = []
        result.notes = []
        result.reason = f"does not load as {call}: {one_line(error)}"
        return result
    result.loaded = True
    result.module = module
    return result


def output_width(module: FoundModule) -> Optional[int]:
    """The feature size a module's output has: what a following layer would read."""
    c = module.config
    if module.kind in RECURRENT_LAYERS:
        return (2 if c["bidirectional"] else 1) * (c["proj_size"] or c["hidden_size"])
    if module.kind in RECURRENT_CELLS:
        return c["hidden_size"]
    if module.kind == "embedding":
        return c["embedding_dim"]
    return None


def _common_depth(a: str, b: str) -> int:
    """How many leading name parts two module names share."""
    depth = 0
    for x, y in zip(a.split("."), b.split(".")):
        if x != y:
            break
        depth += 1
    return depth


def find_links(found: list[FoundModule]) -> list[Link]:
    """Which loaded modules probably feed which, from sizes alone (an inference, not a fact).

    An embedding whose width is a recurrent module's ``input_size``; a recurrent module whose
    output width (directions times ``proj_size or hidden_size``) is a Linear's ``in_features``.
    When several targets fit one source, the ones nearest it in the module tree are kept.
    """
    loaded = [m for m in found if m.loaded]
    links = []
    for source in loaded:
        width = output_width(source)
        if width is None:
            continue
        if source.kind == "embedding":
            targets = [m for m in loaded if m.is_recurrent and m.config["input_size"] == width]
            what = f"embedding_dim {width} = input_size {width}"
        else:
            targets = [m for m in loaded if m.kind == "linear" and m.config["in_features"] == width]
            what = f"output width {width} = in_features {width}"
            if source.kind in RECURRENT_LAYERS:
                c = source.config
                what = (
                    f"output width {'2·' if c['bidirectional'] else ''}"
                    f"{c['proj_size'] or c['hidden_size']} = in_features {width}"
                )
        targets = [t for t in targets if t.name != source.name]
        if not targets:
            continue
        nearest = max(_common_depth(source.name, t.name) for t in targets)
        for target in targets:
            if _common_depth(source.name, target.name) == nearest:
                links.append(Link(source.name, target.name, what))
    return links
