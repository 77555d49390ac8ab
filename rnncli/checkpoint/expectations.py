"""What the user expects against what the file holds, each difference proven by a tensor.

A user who passes ``--hidden 256`` with a file wants to know before a long run whether the file
agrees. :func:`compare` names every option that differs, with both values and the tensor whose
shape settles it (``weight_hh_l0 [512, 128] = 4·128 × 128``). :func:`pick_module` chooses the
recurrent module to compare: the only one, or the one ``--module`` names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Optional

from rnncli.checkpoint.recognise import shape_text
from rnncli.errors import UsageError
from rnncli.rnn.spec import GATES

if TYPE_CHECKING:
    from rnncli.checkpoint.modules import FoundModule

#: The options a user can give with a file, in the order they are reported.
OPTIONS = ("cell", "input_size", "hidden_size", "num_layers", "bidirectional", "proj_size", "bias")


@dataclass(frozen=True)
class Mismatch:
    """One option where the file and the user's flags disagree, and the tensor that shows it."""

    option: str
    file: Any
    given: Any
    evidence: str

    @property
    def message(self) -> str:
        """``hidden_size: file 128, given 256 (weight_hh_l0 [512, 128] = 4·128 × 128)``."""
        return f"{self.option}: file {self.file}, given {self.given} ({self.evidence})"

    def to_dict(self) -> dict[str, Any]:
        """``{"option", "file", "given", "evidence"}``."""
        return asdict(self)


def _plain(value: Any) -> Any:
    """An enum member's value (``Cell.lstm`` -> ``"lstm"``); anything else as it is."""
    return getattr(value, "value", value)


def file_values(found: FoundModule) -> dict[str, Any]:
    """The file's value of every option in :data:`OPTIONS` (a cell is one forward layer)."""
    c = found.config
    return {
        "cell": found.cell,
        "input_size": c["input_size"],
        "hidden_size": c["hidden_size"],
        "num_layers": c.get("num_layers", 1),
        "bidirectional": c.get("bidirectional", False),
        "proj_size": c.get("proj_size", 0),
        "bias": c["bias"],
    }


def compare(found: FoundModule, expected: Mapping[str, Any]) -> list[Mismatch]:
    """Every option in ``expected`` (``None`` = not given) that the file's module contradicts.

    ``cell`` may be ``lstm`` or ``lstmcell`` for either the layer or the cell. Unknown option
    names raise ``ValueError``: a typo in the caller must not pass as agreement.
    """
    if not found.is_recurrent:
        raise ValueError(f"{found.display_name} is {found.kind}, not a recurrent module")
    unknown = set(expected) - set(OPTIONS)
    if unknown:
        raise ValueError(f"cannot compare {', '.join(sorted(unknown))}; only {', '.join(OPTIONS)}")
    actual = file_values(found)
    mismatches = []
    for option in OPTIONS:
        given = _plain(expected.get(option))
        if given is None:
            continue
        if option == "cell":
            given = str(given).lower().removesuffix("cell")
        elif option in ("bidirectional", "bias"):
            given = bool(given)
        if given != actual[option]:
            mismatches.append(Mismatch(option, actual[option], given, evidence(found, option)))
    return mismatches


def evidence(found: FoundModule, option: str) -> str:
    """The tensor that settles ``option`` for this module, with its shape and the arithmetic."""
    c = found.config
    layered = found.kind in ("rnn", "lstm", "gru")
    suffix = "_l0" if layered else ""
    tensors = found.tensors
    gates = max(1, len(GATES[found.cell or "rnn"]))
    hidden = c["hidden_size"]
    proj = c.get("proj_size", 0)
    hh = f"weight_hh{suffix}"
    rows = f"{gates}·{hidden}" if gates > 1 else f"{hidden}"
    if option == "cell":
        return (
            f"{hh} {shape_text(tensors[hh])} = {rows} × {proj or hidden}: "
            f"{gates} gate block{'s' if gates > 1 else ''} of hidden_size {hidden}"
        )
    if option == "hidden_size":
        if proj:
            hr = f"weight_hr{suffix}"
            return f"{hr} {shape_text(tensors[hr])} = {proj} × {hidden}"
        return f"{hh} {shape_text(tensors[hh])} = {rows} × {hidden}"
    if option == "input_size":
        ih = f"weight_ih{suffix}"
        return f"{ih} {shape_text(tensors[ih])} = {rows} × {c['input_size']}"
    if not layered:
        return {
            "num_layers": f"{hh} has no layer suffix: a cell is one layer",
            "bidirectional": f"{hh} has no layer suffix: a cell runs one direction",
            "proj_size": f"{hh} has no layer suffix: a cell has no projection",
            "bias": _presence(tensors, "bias_ih"),
        }[option]
    if option == "num_layers":
        last = f"weight_hh_l{c['num_layers'] - 1}"
        after = f"weight_hh_l{c['num_layers']}"
        return f"{last} {shape_text(tensors[last])} is the last layer's; there is no {after}"
    if option == "bidirectional":
        return _presence(tensors, "weight_hh_l0_reverse")
    if option == "proj_size":
        if proj:
            return f"weight_hr_l0 {shape_text(tensors['weight_hr_l0'])} = {proj} × {hidden}"
        return "there is no weight_hr_l0"
    return _presence(tensors, "bias_ih_l0")


def _presence(tensors: Mapping[str, Any], name: str) -> str:
    if name in tensors:
        return f"{name} {shape_text(tensors[name])} is there"
    return f"there is no {name}"


def _listing(names: list[str]) -> str:
    return ", ".join(n or '"" (the root)' for n in names)


def pick_module(found: list[FoundModule], name: Optional[str] = None) -> Optional[FoundModule]:
    """The recurrent module to inspect and compare: the one ``--module`` names, or the only one.

    ``None`` when the file holds no recurrent module and none was named. A name that is unknown,
    names a module that is not recurrent, or is missing while several fit is a usage error that
    lists the recurrent modules.
    """
    recurrent = [m for m in found if m.is_recurrent]
    names = [m.name for m in recurrent]
    choices = (
        f"recurrent modules in the file: {_listing(names)}"
        if names
        else ("the file holds no recurrent module")
    )
    if name is None:
        if len(recurrent) > 1:
            raise UsageError(
                f"the file holds several recurrent modules; pick one ({choices})", "--module"
            )
        return recurrent[0] if recurrent else None
    for module in found:
        if module.name == name:
            if module.is_recurrent:
                return module
            what = (
                f"is {module.kind}"
                if module.kind != "other"
                else "is not a module rnncli recognises"
            )
            raise UsageError(f"{module.display_name} {what}, not recurrent; {choices}", "--module")
    raise UsageError(f"no module named {name!r}; {choices}", "--module")
