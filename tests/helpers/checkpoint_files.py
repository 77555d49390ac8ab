"""Model files the checkpoint tests write for themselves: every way torch saves, CUDA-tagged
storages without a GPU, classes that cannot be imported when read, and pickles that would run a
command if a naive loader opened them.

Imported as ``from helpers.checkpoint_files import ...`` (pytest puts ``tests/`` on the path).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import pickle
import sys
import textwrap
import types
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import torch

#: The ways ``save_every_way`` writes a module.
WAYS = (
    "zip-state-dict",
    "legacy-state-dict",
    "zip-whole",
    "legacy-whole",
    "training-checkpoint",
    "safetensors",
    "torchscript",
)


def save_every_way(
    module: torch.nn.Module, folder: Path, ways: tuple[str, ...] = WAYS
) -> dict[str, Path]:
    """``module`` written each supported way (file names without telling extensions)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    state = module.state_dict()
    for way in ways:
        path = folder / f"{way}.bin"
        if way == "zip-state-dict":
            torch.save(state, path)
        elif way == "legacy-state-dict":
            torch.save(state, path, _use_new_zipfile_serialization=False)
        elif way == "zip-whole":
            torch.save(module, path)
        elif way == "legacy-whole":
            torch.save(module, path, _use_new_zipfile_serialization=False)
        elif way == "training-checkpoint":
            optimizer = torch.optim.SGD(module.parameters(), lr=0.1, momentum=0.9)
            torch.save(
                {"epoch": 3, "model_state_dict": state, "optimizer": optimizer.state_dict()}, path
            )
        elif way == "safetensors":
            from safetensors.torch import save_file

            # safetensors refuses tensors that share memory; clone each one
            save_file({k: v.detach().clone().contiguous() for k, v in state.items()}, str(path))
        elif way == "torchscript":
            torch.jit.script(module).save(str(path))
        paths[way] = path
    return paths


@contextlib.contextmanager
def saved_as_cuda(location: str = "cuda:0") -> Iterator[None]:
    """Inside, ``torch.save`` records every storage as living on ``location`` (no GPU needed)."""
    original = torch.serialization.location_tag
    torch.serialization.location_tag = lambda storage: location
    try:
        yield
    finally:
        torch.serialization.location_tag = original


def unimportable_module(folder: Path, name: str, source: str) -> types.ModuleType:
    """Import ``source`` as module ``name`` from ``folder``; call :func:`forget_module` after
    saving so that nothing can import it while the file is read."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.py").write_text(textwrap.dedent(source))
    sys.path.insert(0, str(folder))
    try:
        importlib.invalidate_caches()
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(folder))


def forget_module(folder: Path, name: str) -> None:
    """Make ``name`` unimportable: out of ``sys.modules`` and its source file deleted."""
    sys.modules.pop(name, None)
    (folder / f"{name}.py").unlink(missing_ok=True)
    importlib.invalidate_caches()


TAGGER_SOURCE = """
    import torch
    from torch import nn


    class Tagger(nn.Module):
        def __init__(self, vocab=50, dim=8, hidden=6, tags=5):
            super().__init__()
            self.word_emb = nn.Embedding(vocab, dim, padding_idx=0)
            self.lstm = nn.LSTM(dim, hidden, num_layers=2, bidirectional=True, batch_first=True,
                                dropout=0.25)
            self.char_cell = nn.GRUCell(4, 3)
            self.head = nn.Linear(2 * hidden, tags)
            self.norm = nn.LayerNorm(tags)
            self.register_buffer("steps", torch.tensor(11))
            self.register_buffer("scratch", torch.zeros(3), persistent=False)
            self.note = "trained on toy data"
"""


# --- pickles that would run code ------------------------------------------------------------


class RawGlobal:
    """A reference to ``module.name`` written into a pickle *without importing it*."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def __call__(self, *args: Any) -> Any:  # pickle wants a callable; only its name is written
        raise AssertionError("a RawGlobal is only ever written, never called")


class Call:
    """Pickles as ``module.name(*args)``: what a naive loader would import and call."""

    def __init__(self, func: RawGlobal, args: tuple) -> None:
        self.func, self.args = func, args

    def __reduce__(self) -> tuple:
        return (self.func, self.args)

    def __call__(self, *args: Any) -> Any:  # a Call can be the callable of another Call
        raise AssertionError("a Call is only ever written, never called")


def _save_raw_global(pickler: Any, obj: RawGlobal) -> None:
    pickler.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())


class RawPickler(pickle._Pickler):  # the pure-Python pickler lets a type choose its opcodes
    dispatch: ClassVar[dict] = dict(pickle._Pickler.dispatch)
    dispatch[RawGlobal] = _save_raw_global


#: A ``pickle_module`` for ``torch.save`` that can write :class:`RawGlobal` references.
RAW_PICKLE = types.ModuleType("raw_pickle")
RAW_PICKLE.__dict__.update(
    Pickler=RawPickler, dump=pickle.dump, load=pickle.load, Unpickler=pickle.Unpickler
)


def raw_dumps(obj: Any, persistent: Any = None) -> bytes:
    """A protocol-2 pickle of ``obj``; ``persistent(obj)`` gives persistent ids."""
    buffer = io.BytesIO()
    pickler = RawPickler(buffer, protocol=2)
    if persistent is not None:
        pickler.persistent_id = persistent
    pickler.dump(obj)
    return buffer.getvalue()


def replace_zip_pickle(path: Path, data_pkl: bytes) -> None:
    """Swap a torch zip's ``data.pkl`` for ``data_pkl``, keeping every other record."""
    with zipfile.ZipFile(path) as zf:
        members = [(info, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for info, data in members:
            zf.writestr(info, data_pkl if info.filename.endswith("/data.pkl") else data)
