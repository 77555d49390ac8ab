"""What a checkpoint file holds, once read: plain data shared by the reader and the inference."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    import torch

#: A JSON scalar: what a module attribute or a summarised entry may be.
Scalar = Union[str, int, float, bool, None]


@dataclass(frozen=True)
class ModuleRecord:
    """One module as a whole-model pickle or a TorchScript archive records it.

    ``class_name`` is the qualified name the file gives (``torch.nn.modules.rnn.LSTM``,
    ``mypackage.models.Tagger``): a string read from the file, never imported. ``attributes``
    are the constructor-like attributes the file records (``batch_first``, ``nonlinearity``,
    ``dropout``, ``hidden_size`` ...), JSON scalars only.
    """

    class_name: str
    attributes: dict[str, Scalar] = field(default_factory=dict)

    @property
    def short_name(self) -> str:
        """``LSTM`` for ``torch.nn.modules.rnn.LSTM``."""
        return self.class_name.rsplit(".", 1)[-1]


@dataclass
class Checkpoint:
    """A model file read as data.

    ``tensors`` maps each state-dict name, exactly as the file writes it (``module.`` and
    ``_orig_mod.`` prefixes kept), to a CPU tensor (memory-mapped where the format allows).
    ``modules`` maps a module's dotted name (``""`` for the root) to what the file records of it;
    empty for a bare state dict or safetensors. ``state_dict_path`` is the chain of keys that led
    to the state dict inside a training checkpoint (``["model_state_dict"]``; ``["models", 0]`` for
    ``checkpoint["models"][0]``: list indexes and ``int`` keys stay ``int``; ``[]`` when the file
    is the state dict). ``other_entries`` summarises every other top-level entry in one JSON
    scalar each (``{"epoch": 7, "optimizer": "Adam state: 12 tensors, lr=0.001"}``).
    ``read_with`` says how the file was read: ``weights_only`` (``torch.load(weights_only=True)``),
    ``restricted-unpickler`` (rnncli's own, for what weights_only refuses and for every TorchScript
    archive, whose code is never compiled) or ``safetensors``. ``placeholders`` are the globals
    the file names that the restricted unpickler kept as inert placeholders (``tagger.Tagger``),
    never imported; ``dangerous`` the ones among them a naive loader would have imported from a
    module that can run commands (``posix.system``, ``builtins.eval``, ``subprocess.Popen``).
    """

    path: Path
    format: str  # torch-zip | torch-legacy | torchscript | safetensors | rnncli-embedding
    bytes: int
    tensors: dict[str, torch.Tensor]
    state_dict_path: list[Union[str, int]] = field(default_factory=list)
    other_entries: dict[str, Scalar] = field(default_factory=dict)
    modules: dict[str, ModuleRecord] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    read_with: str = ""
    placeholders: list[str] = field(default_factory=list)
    dangerous: list[str] = field(default_factory=list)

    @property
    def total_parameters(self) -> int:
        """Every tensor element in the state dict."""
        return sum(int(t.numel()) for t in self.tensors.values())
