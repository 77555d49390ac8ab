"""`rnncli inspect FILE`: read a model file, prove its modules, run its recurrent ones, as data.

The steps: :func:`~rnncli.checkpoint.reader.read_checkpoint` reads the file as data;
:func:`~rnncli.checkpoint.modules.find_modules` names and proves every module from names and
shapes; each recurrent module then goes through the same :mod:`rnncli.rnn.pipeline` as
``rnncli inspect`` with the file's own weights; :mod:`rnncli.checkpoint.health` measures every
tensor and each recurrent layer; :mod:`rnncli.checkpoint.expectations` compares the module with
what the user stated. Nothing here prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Optional

from rnncli.checkpoint.modules import RECURRENT_LAYERS
from rnncli.errors import UsageError

if TYPE_CHECKING:
    from rnncli.checkpoint.contents import Checkpoint
    from rnncli.checkpoint.expectations import Mismatch
    from rnncli.checkpoint.grouping import TreeNode
    from rnncli.checkpoint.health import RecurrentHealth, TensorStats
    from rnncli.checkpoint.modules import FoundModule, Link
    from rnncli.rnn.report import InspectReport
    from rnncli.rnn.request import InspectRequest


@dataclass
class TensorEntry:
    """One tensor of a module: its local name (``weight_hh_l0``), shape, dtype, health figures."""

    name: str
    shape: tuple[int, ...]
    numel: int
    dtype: str
    stats: TensorStats

    @property
    def flagged(self) -> bool:
        """NaN or Inf inside: shown loudly."""
        return bool(self.stats.nan or self.stats.inf)

    def to_dict(self) -> dict[str, Any]:
        from rnncli.dataclass_dict import fields_dict

        return fields_dict(self)


@dataclass
class ModuleReport:
    """One module found in the file, with its tensors and, if recurrent, a whole inspection."""

    found: FoundModule
    parameters: list[TensorEntry]
    inspection: Optional[InspectReport] = None
    health: Optional[RecurrentHealth] = None
    run_error: Optional[str] = None
    notes: list[str] = field(default_factory=list)  # how the module was run

    @property
    def name(self) -> str:
        return self.found.name

    @property
    def kind(self) -> str:
        return self.found.kind

    def full_name(self, entry: TensorEntry) -> str:
        """The tensor's name in the file: the module's prefix, then the local name."""
        return f"{self.name}.{entry.name}" if self.name else entry.name

    def to_dict(self) -> dict[str, Any]:
        data = self.found.to_dict()
        data["parameters"] = [p.to_dict() for p in self.parameters]
        if self.inspection is not None:
            data["tensors"] = {name: list(t.shape) for name, t in self.inspection.tensors.items()}
            data["inspect"] = self.inspection.to_dict()
        if self.health is not None:
            data["health"] = self.health.to_dict()
        if self.run_error is not None:
            data["run_error"] = self.run_error
        if self.notes:
            data["run_notes"] = list(self.notes)
        return data


@dataclass
class CheckpointReport:
    """Everything `rnncli inspect FILE` shows (``to_dict`` is the ``--json`` object)."""

    checkpoint: Checkpoint
    modules: list[ModuleReport]
    tree: Optional[TreeNode] = None
    links: list[Link] = field(default_factory=list)
    compared: Optional[str] = None  # the recurrent module the stated options were compared with
    mismatches: list[Mismatch] = field(default_factory=list)
    code: Optional[str] = None
    notes: list[str] = field(default_factory=list)

    @property
    def total_parameters(self) -> int:
        return self.checkpoint.total_parameters

    @property
    def recurrent(self) -> list[ModuleReport]:
        """Recurrent layers and cells that loaded: the ones with health figures."""
        return [m for m in self.modules if m.found.is_recurrent and m.found.loaded]

    @property
    def exit_code(self) -> int:
        """1 when the file differs from what the user stated: a script can check a config."""
        return 1 if self.mismatches else 0

    def to_dict(self) -> dict[str, Any]:
        from rnncli.dataclass_dict import fields_dict

        file = self.checkpoint
        data: dict[str, Any] = {
            # The file as read; its tensors are the modules' parameters below.
            "file": fields_dict(file, omit=("tensors", "modules"), values={"path": str(file.path)}),
            "total_parameters": self.total_parameters,
            "modules": [m.to_dict() for m in self.modules],
            "links": [link.to_dict() for link in self.links],
            "mismatches": [m.to_dict() for m in self.mismatches],
            "notes": list(self.notes),
        }
        if self.compared is not None:
            data["compared"] = self.compared
        if self.code is not None:
            data["code"] = self.code
        return data


def inspect_checkpoint(request: InspectRequest) -> CheckpointReport:
    """Read ``request.checkpoint`` and report every module in it; run the recurrent ones."""
    from rnncli.checkpoint.expectations import pick_module
    from rnncli.checkpoint.grouping import module_tree
    from rnncli.checkpoint.modules import find_links, find_modules
    from rnncli.checkpoint.reader import read_checkpoint

    if request.checkpoint is None:
        raise UsageError("give a model FILE", "FILE")
    checkpoint = read_checkpoint(request.checkpoint)
    found = find_modules(checkpoint.tensors, checkpoint.modules)
    # --module must name a recurrent module; stated options need one to compare with.
    chosen = pick_module(found, request.module) if (request.module or request.expect) else None
    recorded_mismatches = _apply_stated(chosen, request.expect) if chosen is not None else []
    modules = []
    for module in found:
        entries = [_entry(local, tensor) for local, tensor in module.tensors.items()]
        report = ModuleReport(module, entries)
        if module.is_recurrent and module.loaded:
            if chosen is None or module is chosen:
                _run_recurrent(report, request)
            else:
                report.notes.append(f"not run: --module {request.module} was chosen")
        modules.append(report)
    notes = []
    if not any(m.is_recurrent for m in found):
        notes.append(
            "no recurrent module (nn.RNN, LSTM, GRU or their cells) was found in this file; "
            "its modules and tensors are listed above"
        )
    result = CheckpointReport(
        checkpoint,
        modules,
        tree=module_tree(checkpoint.tensors, checkpoint.modules, found),
        links=find_links(found),
        notes=notes,
    )
    if chosen is not None and request.expect:
        from rnncli.checkpoint.expectations import compare

        result.compared = chosen.name
        result.mismatches = compare(chosen, _compared_expectations(request)) + recorded_mismatches
    if request.code:
        from rnncli.checkpoint.rebuild import rebuild_code

        result.code = rebuild_code(
            str(request.checkpoint),
            found,
            checkpoint.state_dict_path,
            format=_code_format(checkpoint),
        )
    return result


def _entry(name: str, tensor: Any) -> TensorEntry:
    from rnncli.checkpoint.health import tensor_stats

    return TensorEntry(
        name=name,
        shape=tuple(tensor.shape),
        numel=int(tensor.numel()),
        dtype=str(tensor.dtype).removeprefix("torch."),
        stats=tensor_stats(tensor),
    )


def _compared_expectations(request: InspectRequest) -> dict[str, Any]:
    """What the weights can prove: the unrecorded options are used, not compared."""
    from rnncli.rnn.request import UNRECORDED_IN_WEIGHTS

    return {k: v for k, v in request.expect.items() if k not in UNRECORDED_IN_WEIGHTS}


def _code_format(checkpoint: Checkpoint) -> str:
    """How the printed code reads the file back: torch.load, safetensors, TorchScript, rnncli."""
    if checkpoint.format == "safetensors":
        return "safetensors"
    if checkpoint.format == "torchscript":
        return "torchscript"
    if checkpoint.modules and checkpoint.format in ("torch-zip", "torch-legacy"):
        return "rnncli"  # a whole pickled model: weights_only=True refuses it, rnncli reads it
    return "torch"


def _apply_stated(found: FoundModule, expect: dict[str, Any]) -> list[Mismatch]:
    """Options no weight records (nonlinearity, batch_first, dropout), as the user stated them.

    Where the file's pickle records the option, the stated value is compared with it (a
    difference is a mismatch, with the record as evidence); otherwise it becomes the module's
    config, so the run, the constructor, the health reading and ``--code`` all use it, and the
    module's note says where each value came from.
    """
    from rnncli.checkpoint.expectations import Mismatch
    from rnncli.rnn.request import MODEL_OPTIONS, UNRECORDED_IN_WEIGHTS

    mismatches = []
    applied = []
    for name in UNRECORDED_IN_WEIGHTS:
        if name not in expect or (name == "nonlinearity" and found.kind not in ("rnn", "rnncell")):
            continue
        if found.kind in ("rnncell", "lstmcell", "grucell") and name != "nonlinearity":
            continue  # cells take no batch_first or dropout
        given = expect[name]
        if name in found.config:
            if found.config[name] != given:
                where = found.class_name or "the module"
                evidence = f"recorded in the file: {where}.{name} = {found.config[name]!r}"
                mismatches.append(Mismatch(name, found.config[name], given, evidence))
            continue
        found.config[name] = given
        applied.append(f"{name}={given!r} from {MODEL_OPTIONS[name]}")
    if applied:
        taken = {item.split("=")[0] for item in applied}
        found.notes = [n for n in found.notes if "not recorded in the file" not in n]
        rest = [
            n
            for n in UNRECORDED_IN_WEIGHTS
            if n not in found.config and n not in taken and _takes(found.kind, n)
        ]
        note = f"not recorded in the file; taken from your options: {', '.join(applied)}"
        if rest:
            note += f"; torch's defaults assumed for {', '.join(rest)}"
        found.notes.append(note)
    return mismatches


def _takes(kind: str, option: str) -> bool:
    """Whether a module of ``kind`` has the constructor option at all."""
    if option == "nonlinearity":
        return kind in ("rnn", "rnncell")
    return kind in RECURRENT_LAYERS


#: A cell applied at every step is the one-layer module with the same weights, renamed.
_CELL_AS_LAYER = {"rnncell": "rnn", "lstmcell": "lstm", "grucell": "gru"}


def _run_recurrent(report: ModuleReport, request: InspectRequest) -> None:
    """Health for each recurrent module, then the whole `inspect` with the file's weights.

    A cell (``nn.LSTMCell``) runs as the one-layer ``nn.LSTM`` that applies it at every step:
    the same four tensors, named ``weight_ih_l0`` ... instead of ``weight_ih``.
    """
    from rnncli.checkpoint.health import recurrent_health
    from rnncli.errors import RnncliError
    from rnncli.rnn.pipeline import inspect

    found = report.found
    report.health = recurrent_health(found)
    config = dict(found.config)
    weights = dict(found.tensors)
    cell = found.kind
    if found.kind in _CELL_AS_LAYER:
        cell = _CELL_AS_LAYER[found.kind]
        config.update(num_layers=1, bidirectional=False, proj_size=0)
        weights = {f"{name}_l0": tensor for name, tensor in weights.items()}
        report.notes.append(
            f"run as nn.{cell.upper()} with one layer, which applies the cell at every step: "
            "its weight_ih, weight_hh, bias_ih and bias_hh become weight_ih_l0, weight_hh_l0, "
            "bias_ih_l0 and bias_hh_l0"
        )
    stored = {str(t.dtype).removeprefix("torch.") for t in weights.values()}
    if stored != {request.dtype}:
        report.notes.append(
            f"the file holds {'/'.join(sorted(stored))}; run in {request.dtype} (--dtype to change)"
        )
    module_request = replace(
        request,
        checkpoint=None,
        module=None,
        code=False,
        expect={},
        cell=cell,
        input_size=config["input_size"],
        hidden_size=config["hidden_size"],
        num_layers=config["num_layers"],
        bias=config["bias"],
        bidirectional=config["bidirectional"],
        proj_size=config.get("proj_size", 0),
        nonlinearity=config.get("nonlinearity") if cell == "rnn" else None,
        batch_first=bool(config.get("batch_first", False)),
        dropout=float(config.get("dropout", 0.0)),
    )
    try:
        report.inspection = inspect(module_request, weights=weights)
    except UsageError:
        raise
    except RnncliError as exc:  # e.g. the run would not fit in memory: the rest still shows
        report.run_error = str(exc)
