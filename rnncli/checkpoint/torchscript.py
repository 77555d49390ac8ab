"""A TorchScript archive read as data: no TorchScript is compiled, nothing in it runs.

``torch.jit.load`` compiles an archive's code and runs each scripted ``__setstate__`` while it
loads, so a file could print, or write through ``torch.from_file(shared=True)``, on a mere
``rnncli inspect``. Here instead:

- ``data.pkl`` (the module tree) is read by :func:`rnncli.checkpoint.safe_unpickle.load_zip`:
  every ``__torch__....`` class is an inert placeholder holding the attributes the archive
  stores, tensors are views of the archive's own ``data/N`` records;
- ``code/**.py`` is read as *text*: only the class-level declarations TorchScript writes,
  ``__parameters__ = [...]``, ``__buffers__ = [...]`` and ``name : Final[T] = literal``, each
  literal read with :func:`ast.literal_eval`. Which attributes are parameters and buffers, and the
  constants (``hidden_size``, ``batch_first``, ``mode`` ...) come from there.

What cannot be known without running the archive's code is said in a note: a module with its own
``__setstate__`` stores whatever its ``__getstate__`` returned, not named attributes.
"""

from __future__ import annotations

import ast
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from rnncli.checkpoint.contents import ModuleRecord, Scalar
from rnncli.checkpoint.safe_unpickle import (
    Placeholder,
    UnpickleInfo,
    global_name,
    load_zip,
)
from rnncli.errors import RnncliError
from rnncli.render.words import plural

#: The largest ``code/*.py`` record read for its declarations; bigger ones are skipped (noted).
MAX_CODE_BYTES = 16 << 20
#: Modules walked at most, and how deep (a crafted data.pkl could repeat a module exponentially).
MAX_MODULES = 100_000
MAX_DEPTH = 200
_MANGLE = re.compile(r"___torch_mangle_\d+\.")
_CLASS = re.compile(r"^class (\w+)\(([\w.]*)\):")
_LIST = re.compile(r"^  (__parameters__|__buffers__) = (\[.*\])\s*$")
_CONSTANT = re.compile(r"^  (\w+) : Final\[.*\] = (.+?)\s*$")
_SETSTATE = re.compile(r"^  def __setstate__\(")


@dataclass
class ClassDeclaration:
    """What a TorchScript class declares at class level, read from its code as text."""

    base: str
    parameters: list[str] = field(default_factory=list)
    buffers: list[str] = field(default_factory=list)
    constants: dict[str, Any] = field(default_factory=dict)
    custom_setstate: bool = False


@dataclass
class ScriptArchive:
    """The module tree of a TorchScript archive, as ``state_dict()`` and ``named_modules()``
    would give it, without the archive's code ever compiled."""

    tensors: dict[str, Any]
    modules: dict[str, ModuleRecord]
    info: UnpickleInfo
    notes: list[str] = field(default_factory=list)


def script_class_name(qualified: str) -> str:
    """``torch.nn.modules.rnn.LSTM`` for ``__torch__.torch.nn.modules.rnn.___torch_mangle_3.LSTM``

    (the qualified name TorchScript records, without its prefix and mangling)."""
    name = _MANGLE.sub("", qualified)
    return name[len("__torch__.") :] if name.startswith("__torch__.") else name


def read_declarations(path: Path) -> tuple[dict[str, ClassDeclaration], list[str]]:
    """Every class declared in the archive's ``code/`` records, by qualified name
    (``__torch__.torch.nn.modules.rnn.___torch_mangle_0.LSTM``), and notes on what was skipped."""
    declarations: dict[str, ClassDeclaration] = {}
    skipped: list[str] = []
    with zipfile.ZipFile(path) as zf:
        records = zf.infolist()
        for info in records:
            parts = info.filename.split("/")
            if len(parts) < 3 or parts[1] != "code" or not parts[-1].endswith(".py"):
                continue
            if info.file_size > MAX_CODE_BYTES:
                skipped.append(info.filename)
                continue
            module = ".".join(parts[2:])[: -len(".py")]  # code/__torch__/a/b.py -> __torch__.a.b
            text = zf.read(info).decode("utf-8", "replace")
            declarations.update(_declarations(module, text))
    notes = (
        [f"code records over {MAX_CODE_BYTES >> 20} MiB not read: {', '.join(skipped[:5])}"]
        if skipped
        else []
    )
    return declarations, notes + _constant_notes(records)


def _constant_notes(records: list[zipfile.ZipInfo]) -> list[str]:
    """Tensors the code itself holds (``constants/N``: weights folded in by ``torch.jit.freeze``
    or a trace): they have no ``state_dict`` name, and naming them would mean running the code."""
    records = [i for i in records if i.filename.split("/")[1:2] == ["constants"]]
    if not records:
        return []
    size = sum(i.file_size for i in records)
    return [
        f"{plural(len(records), 'constant tensor record')} ({plural(size, 'byte')}) "
        f"{'belongs' if len(records) == 1 else 'belong'} to the archive's code "
        "(folded or frozen weights): they have no state_dict names and are not listed"
    ]


def _declarations(module: str, text: str) -> dict[str, ClassDeclaration]:
    found: dict[str, ClassDeclaration] = {}
    current: Optional[ClassDeclaration] = None
    for line in text.splitlines():
        match = _CLASS.match(line)
        if match:
            current = found[f"{module}.{match.group(1)}"] = ClassDeclaration(match.group(2))
            continue
        if not line.startswith("  "):
            if line.strip():
                current = None  # a function or statement at the top level ends the class
            continue
        if current is None or line.startswith("   "):
            continue
        if _SETSTATE.match(line):
            current.custom_setstate = True
        elif match := _LIST.match(line):
            names = _literal(match.group(2))
            if isinstance(names, list) and all(isinstance(n, str) for n in names):
                setattr(current, match.group(1).strip("_"), names)
        elif match := _CONSTANT.match(line):
            value = _literal(match.group(2))
            if value is None or isinstance(value, (bool, int, float, str)):
                current.constants[match.group(1)] = value
    return found


def _literal(text: str) -> Any:
    """A Python literal (``2.``, ``"LSTM"``, ``["weight", ]``), or None if it is not one."""
    if len(text) > 100_000:
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def read_script_archive(
    path: Path, attributes: tuple[str, ...], *, mmap: bool = True
) -> ScriptArchive:
    """The parameters, buffers and modules of the TorchScript archive at ``path``; each module's
    ``attributes`` (only those named, JSON scalars only) from its stored state and constants."""
    import torch

    root, info = load_zip(path, mmap=mmap)
    if not _is_script_object(root):
        raise RnncliError("its data.pkl does not hold a scripted module")
    declarations, notes = read_declarations(path)
    tensors: dict[str, Any] = {}
    modules: dict[str, ModuleRecord] = {}
    seen: set[int] = set()
    active: set[int] = set()
    visits = [0]
    unread: list[str] = []
    undeclared: list[str] = []

    def visit(obj: Placeholder, name: str) -> None:
        if id(obj) in active:  # a module that contains itself: state_dict would never end
            return
        visits[0] += 1
        if visits[0] > MAX_MODULES or len(active) > MAX_DEPTH:
            raise RnncliError(
                f"the archive has over {MAX_MODULES} modules or is nested over {MAX_DEPTH} deep; "
                "refused"
            )
        qualified = global_name(obj) or "?"
        declaration = declarations.get(qualified)
        raw_state = obj.__dict__.get("_rnncli_state")
        custom = declaration is not None and declaration.custom_setstate
        state = raw_state if isinstance(raw_state, dict) and not custom else {}
        prefix = f"{name}." if name else ""
        if id(obj) not in seen:
            seen.add(id(obj))
            record: dict[str, Scalar] = {}
            constants = declaration.constants if declaration else {}
            for attr in attributes:
                for source in (state, constants):
                    value = source.get(attr, ...)
                    if value is None or isinstance(value, (bool, int, float, str)):
                        record[attr] = value
                        break
            modules[name] = ModuleRecord(script_class_name(qualified), record)
        if custom or not isinstance(raw_state, dict):
            unread.append(f"{name or '(root)'} ({script_class_name(qualified)})")
            return
        if declaration is None:
            undeclared.append(name or "(root)")
            parameters = [k for k, v in state.items() if isinstance(v, torch.Tensor)]
            buffers: list[str] = []
        else:
            parameters, buffers = declaration.parameters, declaration.buffers
        for group in (parameters, buffers):
            wanted = set(group)
            for key, value in state.items():
                if key in wanted and isinstance(value, torch.Tensor):
                    tensors[f"{prefix}{key}"] = value.detach()
        active.add(id(obj))
        for key, value in state.items():
            if isinstance(key, str) and _is_script_module(value, declarations):
                visit(value, f"{prefix}{key}")
        active.discard(id(obj))

    visit(root, "")
    if unread:
        notes.append(
            "restored by their own TorchScript __setstate__, which rnncli does not run, so their "
            "parameters and submodules are not listed: " + ", ".join(unread[:5])
        )
    if undeclared:
        notes.append(
            "no class declaration in the archive's code for "
            + ", ".join(undeclared[:5])
            + ": every tensor attribute of it is listed as a parameter"
        )
    return ScriptArchive(tensors, modules, info, notes)


def _is_script_object(obj: Any) -> bool:
    return isinstance(obj, Placeholder) and (global_name(obj) or "").startswith("__torch__.")


def _is_script_module(obj: Any, declarations: dict[str, ClassDeclaration]) -> bool:
    """A scripted submodule (its class declared ``(Module)``), not a scripted class instance."""
    if not _is_script_object(obj):
        return False
    declaration = declarations.get(global_name(obj) or "")
    if declaration is not None:
        return declaration.base == "Module"
    state = obj.__dict__.get("_rnncli_state")
    return isinstance(state, dict) and isinstance(state.get("training"), bool)
