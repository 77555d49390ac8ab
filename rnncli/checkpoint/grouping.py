"""State-dict names to modules: which tensors belong to which module, and the module tree.

A state dict is flat (``encoder.rnn.weight_ih_l0``); torch writes each tensor under the dotted
path of the module that owns it. The part before the last dot is that module (``""`` for the
root, e.g. a file saved from a bare ``nn.LSTM``), the last part the tensor's name inside it.
Wrapper prefixes (``module.``, ``_orig_mod.``) are kept: they are how torch wrote the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    import torch

    from rnncli.checkpoint.contents import ModuleRecord
    from rnncli.checkpoint.modules import FoundModule


def split_name(name: str) -> tuple[str, str]:
    """``("encoder.rnn", "weight_ih_l0")`` for ``encoder.rnn.weight_ih_l0``; ``("", "w")``."""
    prefix, _, local = name.rpartition(".")
    return prefix, local


def group_tensors(tensors: Mapping[str, torch.Tensor]) -> dict[str, dict[str, torch.Tensor]]:
    """Each module prefix to its own tensors (local name to tensor), in the file's order."""
    groups: dict[str, dict[str, torch.Tensor]] = {}
    for name, tensor in tensors.items():
        prefix, local = split_name(name)
        groups.setdefault(prefix, {})[local] = tensor
    return groups


def join_name(prefix: str, local: str) -> str:
    """The full state-dict name of ``local`` inside the module ``prefix``."""
    return f"{prefix}.{local}" if prefix else local


def dtype_name(tensor: torch.Tensor) -> str:
    """``float32`` for ``torch.float32``."""
    return str(tensor.dtype).removeprefix("torch.")


@dataclass
class TreeNode:
    """One module in the tree the file's names draw.

    ``name`` is the full dotted prefix (``""`` for the root), ``part`` its last component.
    ``parameters`` counts the elements of the module's own tensors, ``total_parameters`` those
    of its whole subtree; ``dtypes`` are its own tensors' dtypes, ``tensors`` their local names.
    ``kind`` and ``torch_call`` come from :func:`rnncli.checkpoint.modules.find_modules` when
    given; ``class_name`` from the file's record of the module, when it has one.
    """

    name: str
    part: str
    parameters: int = 0
    total_parameters: int = 0
    dtypes: list[str] = field(default_factory=list)
    tensors: list[str] = field(default_factory=list)
    class_name: Optional[str] = None
    kind: Optional[str] = None
    torch_call: Optional[str] = None
    children: list[TreeNode] = field(default_factory=list)

    def walk(self):
        """This node and every node below it, parents first."""
        yield self
        for child in self.children:
            yield from child.walk()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "class": self.class_name,
            "kind": self.kind,
            "torch": self.torch_call,
            "parameters": self.parameters,
            "total_parameters": self.total_parameters,
            "dtypes": list(self.dtypes),
            "tensors": list(self.tensors),
            "children": [child.to_dict() for child in self.children],
        }


def module_tree(
    tensors: Mapping[str, torch.Tensor],
    records: Optional[Mapping[str, ModuleRecord]] = None,
    found: Optional[list[FoundModule]] = None,
) -> TreeNode:
    """The nested modules the tensor names (and the file's module records) describe.

    Every prefix on the way to a tensor is a node, so ``encoder`` appears even when it owns no
    tensor of its own; modules the file records without tensors (a ``Dropout``) appear too.
    Children keep the file's order.
    """
    records = records or {}
    kinds = {m.name: m for m in found or []}
    nodes: dict[str, TreeNode] = {"": TreeNode(name="", part="")}

    def node(name: str) -> TreeNode:
        if name not in nodes:
            parent_name, part = split_name(name)
            parent = node(parent_name)
            nodes[name] = TreeNode(name=name, part=part)
            parent.children.append(nodes[name])
        return nodes[name]

    for record_name in records:
        node(record_name)
    for name, tensor in tensors.items():
        prefix, local = split_name(name)
        owner = node(prefix)
        owner.parameters += int(tensor.numel())
        owner.tensors.append(local)
        dtype = dtype_name(tensor)
        if dtype not in owner.dtypes:
            owner.dtypes.append(dtype)
    for name, current in nodes.items():
        record = records.get(name)
        current.class_name = record.class_name if record else None
        module = kinds.get(name)
        if module is not None:
            current.kind = module.kind
            current.torch_call = module.torch_call or None
    _total(nodes[""])
    return nodes[""]


def _total(node: TreeNode) -> int:
    node.total_parameters = node.parameters + sum(_total(child) for child in node.children)
    return node.total_parameters
