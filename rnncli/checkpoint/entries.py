"""Inside a loaded checkpoint object: where its state dict is, and the rest in one line each.

A training checkpoint is a dict of dicts: ``{"epoch": 7, "model_state_dict": {...},
"optimizer_state_dict": {...}}``, sometimes nested deeper (``{"checkpoint": {"model": ...}}``),
sometimes a whole pickled model (read as placeholders by :mod:`rnncli.checkpoint.safe_unpickle`).
:func:`find_state_dict` takes the mapping of names to tensors that holds the most tensor elements,
preferring the conventional key names on ties, and never an optimizer's state. Every other entry
is summarised by :func:`summarise` into one JSON scalar: numbers and short strings as they are,
the optimizer as ``optimizer state: 12 tensors, param_groups: lr=0.001, betas=(0.9, 0.999)``.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional, Union

from rnncli.checkpoint.contents import ModuleRecord, Scalar
from rnncli.checkpoint.safe_unpickle import (
    Placeholder,
    global_name,
    placeholder_args,
    placeholder_state,
)
from rnncli.errors import RnncliError

#: Key names training code uses for the model's weights, most conventional first (tie-breaks).
CONVENTIONAL_KEYS = (
    "state_dict",
    "model_state_dict",
    "model",
    "model_state",
    "net",
    "network",
    "module",
    "weights",
    "params",
    "ema",
    "model_ema",
    "ema_state_dict",
)
#: Hyperparameters worth a place in an optimizer's one-line summary.
OPTIMIZER_FIELDS = ("lr", "betas", "momentum", "weight_decay", "alpha", "eps")
#: Limits on a pickled model's module tree, against files built to make the walk explode.
MAX_MODULES = 100_000
MAX_DEPTH = 200
#: Longest string kept as it is in a summary.
MAX_TEXT = 200


@dataclass
class Found:
    """The state dict found in an object and everything beside it."""

    tensors: dict[str, Any]
    path: list[Union[str, int]]  # keys as the file has them: checkpoint['models'][0]
    other_entries: dict[str, Scalar] = field(default_factory=dict)
    modules: dict[str, ModuleRecord] = field(default_factory=dict)
    whole_model: bool = False


def _is_tensor(value: Any) -> bool:
    import torch

    return isinstance(value, torch.Tensor)


def is_optimizer_state(value: Any) -> bool:
    """``optimizer.state_dict()``: ``state`` and ``param_groups``."""
    return isinstance(value, Mapping) and "param_groups" in value and "state" in value


#: ``torch.compile``'s wrapper pickles as ``OptimizedModule(original, context)``; its state dict
#: names the original's tensors ``_orig_mod.*``.
COMPILED_WRAPPER = "torch._dynamo.eval_frame.OptimizedModule"


def is_module(value: Any) -> bool:
    """A pickled ``nn.Module``: a placeholder whose state has ``_parameters`` and ``_modules``
    (or ``torch.compile``'s wrapper around one)."""
    if not isinstance(value, Placeholder):
        return False
    if global_name(value) == COMPILED_WRAPPER:
        args = placeholder_args(value)
        return bool(args) and is_module(args[0])
    state = placeholder_state(value)
    return "_parameters" in state and "_modules" in state


def _children(module: Placeholder, state: dict[str, Any]) -> Any:
    if global_name(module) == COMPILED_WRAPPER:
        return {"_orig_mod": placeholder_args(module)[0]}
    return state.get("_modules")


def module_tree(
    root: Placeholder,
) -> tuple[dict[str, Any], dict[str, ModuleRecord]]:
    """Tensors named exactly as ``model.state_dict()`` would, and each module's class and
    scalar attributes, from a whole pickled model's placeholders."""
    tensors: dict[str, Any] = {}
    modules: dict[str, ModuleRecord] = {}
    active: set[int] = set()
    visits = [0]

    def visit(module: Placeholder, name: str) -> None:
        if id(module) in active:  # a cycle: state_dict would recurse forever, we stop
            return
        visits[0] += 1
        if visits[0] > MAX_MODULES or len(active) > MAX_DEPTH:
            raise RnncliError(
                f"the pickled model has over {MAX_MODULES} modules or is nested over "
                f"{MAX_DEPTH} deep (shared submodules repeated?); refused"
            )
        active.add(id(module))
        state = placeholder_state(module)
        prefix = f"{name}." if name else ""
        attributes = {
            k: _plain_scalar(v)
            for k, v in state.items()
            if isinstance(k, str) and not k.startswith("_") and k != "training"
            if _is_scalar(v)
        }
        modules[name] = ModuleRecord(global_name(module) or "?", attributes)
        non_persistent = state.get("_non_persistent_buffers_set") or ()
        for group in ("_parameters", "_buffers"):
            values = state.get(group)
            if not isinstance(values, Mapping):
                continue
            for key, value in values.items():
                if group == "_buffers" and key in non_persistent:
                    continue
                if _is_tensor(value):
                    tensors[f"{prefix}{key}"] = value.detach()
        children = _children(module, state)
        if isinstance(children, Mapping):
            for key, child in children.items():
                if is_module(child):
                    visit(child, f"{prefix}{key}")
        active.discard(id(module))

    visit(root, "")
    return tensors, modules


@dataclass
class _Candidate:
    path: list[Union[str, int]]
    tensors: dict[str, Any]
    numel: int
    pure: bool  # every value a tensor (a real state dict), not a mix
    modules: dict[str, ModuleRecord] = field(default_factory=dict)
    whole_model: bool = False

    def rank(self) -> tuple[Any, ...]:
        last = self.path[-1].lower() if self.path and isinstance(self.path[-1], str) else ""
        conventional = (
            len(CONVENTIONAL_KEYS) - CONVENTIONAL_KEYS.index(last)
            if last in CONVENTIONAL_KEYS
            else 0
        )
        return (self.whole_model, self.pure, self.numel, conventional, -len(self.path))


def _candidates(
    obj: Any, path: list[Union[str, int]], out: list[_Candidate], seen: set[int]
) -> None:
    """Every candidate under ``obj``; a shared object is a candidate at each of its paths but
    searched inside once (a pickle can share objects to make a naive walk exponential)."""
    if len(path) > 32:
        return
    searched = id(obj) in seen
    seen.add(id(obj))
    if is_module(obj):
        if searched:  # the same model at a second path: not walked again
            return
        tensors, modules = module_tree(obj)
        numel = sum(int(t.numel()) for t in tensors.values())
        out.append(_Candidate(list(path), tensors, numel, True, modules, True))
        return
    if isinstance(obj, Mapping):
        if is_optimizer_state(obj):
            return
        items = list(obj.items())
        tensors = {k: v for k, v in items if isinstance(k, str) and _is_tensor(v)}
        if tensors:
            numel = sum(int(t.numel()) for t in tensors.values())
            out.append(_Candidate(list(path), tensors, numel, len(tensors) == len(items)))
        if searched:
            return
        for key, value in items:
            if isinstance(value, (Mapping, list, tuple, Placeholder)):
                _candidates(value, [*path, path_key(key)], out, seen)
    elif isinstance(obj, (list, tuple)) and not searched:
        for index, value in enumerate(obj):
            if isinstance(value, (Mapping, list, tuple, Placeholder)):
                _candidates(value, [*path, index], out, seen)


def find_state_dict(obj: Any) -> Optional[Found]:
    """The state dict inside ``obj`` (a whole model counts as its own), or None if none.

    Rule: among every mapping of ``str`` to tensors at any depth (optimizer states excluded),
    a whole pickled model first, then a mapping that holds only tensors, then the most tensor
    elements, then a conventional key name (``state_dict``, ``model_state_dict``, ``model``...),
    then the shallowest.
    """
    found: list[_Candidate] = []
    _candidates(obj, [], found, set())
    if not found:
        return None
    best = max(found, key=_Candidate.rank)
    return Found(
        tensors=dict(best.tensors),
        path=best.path,
        other_entries=_others(obj, best.path, best.tensors),
        modules=best.modules,
        whole_model=best.whole_model,
    )


def _others(obj: Any, path: list[Union[str, int]], tensors: dict[str, Any]) -> dict[str, Scalar]:
    """Every entry beside the path to the state dict, one scalar each (``checkpoint.epoch``)."""
    others: dict[str, Scalar] = {}
    node, prefix = obj, ""
    for depth in range(len(path) + 1):
        step = path[depth] if depth < len(path) else None
        if isinstance(node, Mapping):
            for key, value in node.items():
                if (step is not None and _same_key(key, step)) or (
                    step is None and isinstance(key, str) and key in tensors
                ):
                    continue
                others[f"{prefix}{key}"] = summarise(value)
        if step is None:
            break
        node = _child(node, step)
        prefix = f"{prefix}{step}."
    return others


def path_key(key: Any) -> Union[str, int]:
    """A mapping key as a step of ``state_dict_path``: a ``str`` or ``int`` key as it is (so that
    ``checkpoint[7]`` stays ``checkpoint[7]``), any other key (a tuple, a float) as its text."""
    return key if isinstance(key, (str, int)) else str(key)


def _same_key(key: Any, step: Union[str, int]) -> bool:
    if isinstance(key, (str, int)):
        return type(key) is type(step) and key == step
    return str(key) == step


def _child(node: Any, step: Union[str, int]) -> Any:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if _same_key(key, step):
                return value
    if isinstance(node, (list, tuple)) and type(step) is int and 0 <= step < len(node):
        return node[step]
    return None


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


def _plain_scalar(value: Any) -> Scalar:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no NaN or Infinity
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return value[:MAX_TEXT] + "…"
    return value


def _short(value: Any) -> str:
    """A value inside a summary line: scalars and short tuples as Python writes them."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)) and len(value) <= 4 and all(map(_is_scalar, value)):
        inner = ", ".join(_short(v) for v in value)
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    if _is_scalar(value):
        return repr(value)
    return type(value).__name__


@dataclass
class _Contents:
    tensors: int = 0
    elements: int = 0
    placeholders: set[str] = field(default_factory=set)

    def describe(self) -> str:
        text = ""
        if self.tensors:
            text = f", {_plural(self.tensors, 'tensor')}, {_plural(self.elements, 'element')}"
        if self.placeholders:
            names = ", ".join(sorted(self.placeholders)[:4])
            text += f", placeholders {names} [not imported, not called]"
        return text


def _contents(
    value: Any, found: Optional[_Contents] = None, seen: Optional[set] = None, depth: int = 0
) -> Any:
    """Tensors, their elements and placeholder names anywhere inside ``value`` (64 levels)."""
    found = _Contents() if found is None else found
    seen = set() if seen is None else seen
    if id(value) in seen or depth > 64:
        return found
    seen.add(id(value))
    if _is_tensor(value):
        found.tensors += 1
        found.elements += int(value.numel())
        return found
    children: list[Any] = []
    if isinstance(value, Mapping):
        children = list(value.values())
    elif isinstance(value, (list, tuple, set, frozenset)):
        children = list(value)
    elif isinstance(value, Placeholder):
        found.placeholders.add(global_name(value) or "?")
        children = [placeholder_state(value), placeholder_args(value)]
    elif isinstance(value, type) and issubclass(value, Placeholder):
        found.placeholders.add(global_name(value) or "?")
    for child in children:
        _contents(child, found, seen, depth + 1)
    return found


def _plural(count: int, word: str) -> str:
    if count == 1:
        return f"1 {word}"
    return f"{count} {word[:-1]}ies" if word.endswith("y") else f"{count} {word}s"


def _optimizer_summary(value: Mapping) -> str:
    count = _contents(value.get("state")).tensors
    groups = value.get("param_groups")
    groups = list(groups) if isinstance(groups, (list, tuple)) else []
    described = []
    for group in groups:
        if isinstance(group, Mapping):
            fields = [f"{k}={_short(group[k])}" for k in OPTIMIZER_FIELDS if k in group]
            described.append(", ".join(fields))
    label = "param_groups" if len(described) <= 1 else f"{len(described)} param_groups"
    text = f"optimizer state: {_plural(count, 'tensor')}"
    if described:
        text += f", {label}: " + "; ".join(described)
    return text


def _placeholder_summary(value: Placeholder) -> str:
    name = global_name(value) or "?"
    state = placeholder_state(value)
    fields = [f"{k}={_short(v)}" for k, v in state.items() if isinstance(k, str) and _is_scalar(v)][
        :8
    ]
    args = [_short(a) for a in placeholder_args(value) if _is_scalar(a)][:4]
    inner = ", ".join(args + fields)
    return f"{name}({inner}) [not imported, not called]"


#: numpy dtype codes whose scalars decode with :mod:`struct` (``best_acc = np.float64(0.9)``).
NUMPY_CODES = {
    "f8": "d",
    "f4": "f",
    "f2": "e",
    "i8": "q",
    "i4": "i",
    "i2": "h",
    "i1": "b",
    "u8": "Q",
    "u4": "I",
    "u2": "H",
    "u1": "B",
    "b1": "?",
}


def numpy_scalar(value: Any) -> Optional[Scalar]:
    """The number a pickled numpy scalar holds, decoded from its bytes (numpy is not imported).

    numpy writes ``numpy.core.multiarray.scalar(numpy.dtype("f8") + state, raw bytes)``.
    """
    name = global_name(value) or ""
    if not (isinstance(value, Placeholder) and name.endswith("multiarray.scalar")):
        return None
    args = placeholder_args(value)
    if len(args) != 2 or not isinstance(args[1], bytes) or not isinstance(args[0], Placeholder):
        return None
    dtype = args[0]
    code = placeholder_args(dtype)[0] if placeholder_args(dtype) else None
    state = dtype.__dict__.get("_rnncli_state")
    order = state[1] if isinstance(state, tuple) and len(state) > 1 else "<"
    fmt = NUMPY_CODES.get(code) if isinstance(code, str) else None
    if fmt is None or order not in ("<", ">", "|", "="):
        return None
    try:
        (number,) = struct.unpack(("<" if order in "|=" else order) + fmt, args[1])
    except struct.error:
        return None
    return _plain_scalar(number)


def numpy_array(value: Any) -> Optional[str]:
    """``numpy array [3, 4] f8`` for a pickled ndarray (its state: version, shape, dtype ...)."""
    name = global_name(value) or ""
    if not (isinstance(value, Placeholder) and name.endswith("multiarray._reconstruct")):
        return None
    state = value.__dict__.get("_rnncli_state")
    if not (isinstance(state, tuple) and len(state) == 5 and isinstance(state[1], tuple)):
        return None
    dtype = state[2]
    code = placeholder_args(dtype)[0] if isinstance(dtype, Placeholder) else "?"
    return f"numpy array {[int(n) for n in state[1]]} {code} [not imported, not called]"


def summarise(value: Any) -> Scalar:
    """One JSON scalar for any entry of a checkpoint; never dumps tensors or optimizer state."""
    if _is_scalar(value):
        return _plain_scalar(value)
    if _is_tensor(value):
        if value.dim() == 0 and value.is_floating_point():
            return _plain_scalar(float(value.item()))
        if value.dim() == 0 and not value.is_complex():
            item = value.item()
            return item if isinstance(item, (bool, int)) else str(item)
        return f"tensor {list(value.shape)} {str(value.dtype).replace('torch.', '')}"
    if is_optimizer_state(value):
        return _optimizer_summary(value)
    if is_module(value):
        tensors, _ = module_tree(value)
        count = _plural(len(tensors), "tensor")
        return f"model {global_name(value)}: {count} [not imported, not called]"
    if isinstance(value, Placeholder):
        number = numpy_scalar(value)
        if number is not None:
            return number
        return _plain_scalar(numpy_array(value) or _placeholder_summary(value))
    if isinstance(value, (bytes, bytearray)):
        return f"{len(value)} bytes"
    if isinstance(value, Mapping) and len(value) <= 8 and all(map(_is_scalar, value.values())):
        return _plain_scalar(", ".join(f"{k}={_short(v)}" for k, v in value.items()) or "{}")
    if isinstance(value, Mapping):
        keys = ", ".join(str(k) for k in list(value.keys())[:6])
        more = ", …" if len(value) > 6 else ""
        text = (
            f"dict of {_plural(len(value), 'entry')} ({keys}{more})" + _contents(value).describe()
        )
        return _plain_scalar(text)
    if isinstance(value, (list, tuple)) and value and all(map(is_optimizer_state, value)):
        return "; ".join(_optimizer_summary(v) for v in value)  # Lightning's optimizer_states
    if isinstance(value, (list, tuple, set, frozenset)):
        if len(value) <= 8 and all(_is_scalar(v) for v in value):
            return _plain_scalar(repr(list(value) if isinstance(value, set) else value))
        text = (
            f"{type(value).__name__} of {_plural(len(value), 'item')}" + _contents(value).describe()
        )
        return _plain_scalar(text)
    return type(value).__name__
