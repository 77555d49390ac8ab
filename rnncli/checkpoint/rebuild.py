"""Python a user can paste: rebuild each proven module and load its weights from the file.

The printed code opens the file the safe way (``weights_only=True``; rnncli's own reader for a
whole pickled model or a TorchScript archive; always onto the CPU), walks to the state dict, and
loads each module with ``strict=True`` from its own tensors, the module's prefix stripped. It is
generated from values the file proved, never from text copied out of the file into code: names
and paths appear only as Python string literals (``repr``).
"""

from __future__ import annotations

import keyword
import re
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from rnncli.checkpoint.modules import FoundModule

#: How each file format is opened in the printed code.
LOADERS = {
    "torch": 'checkpoint = torch.load({path}, map_location="cpu", weights_only=True)',
    "safetensors": 'checkpoint = safetensors.torch.load_file({path}, device="cpu")',
    # torch.jit.load would compile the archive's code and run its __setstate__: rnncli's reader
    # takes the tensors out as data instead.
    "torchscript": "checkpoint = read_checkpoint({path}).tensors",
    # A whole pickled model: weights_only=True refuses it, and a plain torch.load would import
    # and run what the file names. rnncli's own reader turns it into tensors and nothing else.
    "rnncli": "checkpoint = read_checkpoint({path}).tensors",
}


def variable_names(found: list[FoundModule]) -> dict[str, str]:
    """A distinct Python identifier for each loaded module: ``model_lstm`` for ``model.lstm``."""
    names: dict[str, str] = {}
    taken = {"torch", "nn", "safetensors", "checkpoint", "state_dict", "weights"}
    for module in found:
        if not module.loaded:
            continue
        base = re.sub(r"\W+", "_", module.name).strip("_") or module.kind
        if base[0].isdigit() or keyword.iskeyword(base):
            base = f"{module.kind}_{base}"
        name, n = base, 2
        while name in taken:
            name, n = f"{base}_{n}", n + 1
        taken.add(name)
        names[module.name] = name
    return names


def rebuild_code(
    path_display: str,
    found: list[FoundModule],
    state_dict_path: list[Union[str, int]],
    format: str = "torch",
) -> str:
    """The Python that rebuilds every loaded module of ``found`` from the file at ``path_display``.

    ``state_dict_path`` is the chain of keys to the state dict inside a training checkpoint, each
    printed with ``repr`` (``checkpoint['models'][0]``: an index or ``int`` key stays an ``int``).
    ``format`` is ``torch`` (``torch.save`` files, zip or legacy), ``safetensors``,
    ``torchscript``, or ``rnncli`` for a whole pickled model. For those two the printed code reads
    the file with ``rnncli.checkpoint.reader.read_checkpoint`` (which imports, compiles and runs
    nothing the file holds; ``weights_only=True`` refuses a whole model, and ``torch.jit.load``
    would run a TorchScript ``__setstate__``) and ``state_dict_path`` is not used.
    """
    from rnncli.checkpoint.modules import torch_call

    if format not in LOADERS:
        raise ValueError(f"unknown format {format!r}; one of {', '.join(LOADERS)}")
    names = variable_names(found)
    imports = ["import torch", "from torch import nn"]
    if format == "safetensors":
        imports.insert(0, "import safetensors.torch")
    if format in ("rnncli", "torchscript"):
        imports += ["", "from rnncli.checkpoint.reader import read_checkpoint"]
        state_dict_path = []  # the reader already returns the state dict's tensors
    lines = [
        '"""Rebuild the modules rnncli found in ' + _docstring_safe(path_display) + '."""',
        "",
        *imports,
        "",
        LOADERS[format].format(path=repr(path_display)),
        "state_dict = checkpoint" + "".join(f"[{key!r}]" for key in state_dict_path),
        "",
        "",
        "def weights(prefix):",
        '    """The tensors of the module at prefix (its own, not its children\'s), unprefixed."""',
        "    start = prefix + '.' if prefix else ''",
        "    return {",
        "        name[len(start):]: tensor",
        "        for name, tensor in state_dict.items()",
        "        if name.startswith(start) and '.' not in name[len(start):]",
        "    }",
        "",
    ]
    if not names:
        lines += ["", "# rnncli recognised no module it can rebuild in this file."]
    for module in found:
        if module.name not in names:
            continue
        variable = names[module.name]
        lines.append("")
        # Alternatives are constructors rnncli wrote from sizes: no text from the file.
        lines += [f"# the same tensors also fit {call}" for call in module.alternatives]
        lines += [
            f"{variable} = {torch_call(module.kind, module.config)}",
            f"{variable}.load_state_dict(weights({module.name!r}), strict=True)",
        ]
    return "\n".join(lines) + "\n"


def _docstring_safe(text: str) -> str:
    """``text`` as it may appear inside a triple-quoted docstring (no quotes, no backslashes)."""
    return "".join(c if c.isprintable() and c not in '"\\' else "?" for c in text)
