"""Any supported model file, read as data into a :class:`~rnncli.checkpoint.contents.Checkpoint`.

What runs when each format is read (the README repeats it):

- ``torch-zip`` / ``torch-legacy`` (``torch.save``): first ``torch.load(map_location="cpu",
  weights_only=True)`` (``mmap=True`` for zips), torch's own allow-list unpickler, which imports
  and calls nothing outside tensors and plain containers. If it refuses (a whole pickled model,
  a custom class, a malicious global), :mod:`rnncli.checkpoint.safe_unpickle` reads the pickle
  again with an unpickler that imports nothing named in the file: every global is an inert
  placeholder, tensors are rebuilt by local functions over the file's own bytes.
- ``torchscript``: never ``torch.jit.load`` (it compiles the archive's code and runs a scripted
  ``__setstate__``, which can print or write files). :mod:`rnncli.checkpoint.torchscript` reads
  ``data.pkl`` with the restricted unpickler below and the class declarations in ``code/`` as
  text (``__parameters__``, ``__buffers__``, ``Final`` constants); nothing is compiled or run.
- ``safetensors``: the header is JSON (``safetensors.safe_open`` checks it); tensors are views of
  a memory map of the file, read only when touched. Nothing is executed.
- ``rnncli-embedding``: rnncli's own ``embed --out`` file, a torch zip read as above.

Every location a file records (``cuda:0``) is mapped to the CPU. A user's mistake about the path
is a :class:`~rnncli.errors.UsageError` on ``FILE``; anything else that stops the read is one
:class:`~rnncli.errors.RnncliError` line, never a traceback.
"""

from __future__ import annotations

import json
import pickle
import pickletools
import re
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Union

from rnncli.checkpoint.contents import Checkpoint, ModuleRecord, Scalar
from rnncli.checkpoint.entries import find_state_dict, summarise
from rnncli.checkpoint.formats import sniff
from rnncli.checkpoint.safe_unpickle import UnpickleInfo, load_legacy, load_zip
from rnncli.checkpoint.torchscript import read_script_archive
from rnncli.errors import RnncliError
from rnncli.input_files import check_readable, open_error, unreadable

#: What each format is called in messages.
FORMAT_WORDS = {
    "torch-zip": "a torch.save zip file",
    "torch-legacy": "a legacy (pre-1.6) torch.save file",
    "torchscript": "a TorchScript archive",
    "safetensors": "a safetensors file",
}
#: Module attributes read from a TorchScript archive (JSON scalars only are kept).
SCRIPT_ATTRIBUTES = (
    "mode",
    "input_size",
    "hidden_size",
    "num_layers",
    "bias",
    "batch_first",
    "dropout",
    "bidirectional",
    "proj_size",
    "nonlinearity",
    "num_embeddings",
    "embedding_dim",
    "padding_idx",
    "max_norm",
    "norm_type",
    "scale_grad_by_freq",
    "sparse",
    "in_features",
    "out_features",
    "eps",
    "momentum",
    "affine",
    "track_running_stats",
    "p",
    "inplace",
    "embed_dim",
    "num_heads",
    "in_channels",
    "out_channels",
    "groups",
)
#: safetensors dtype names -> torch dtype attribute names.
SAFETENSORS_DTYPES = {
    "F64": "float64",
    "F32": "float32",
    "F16": "float16",
    "BF16": "bfloat16",
    "I64": "int64",
    "I32": "int32",
    "I16": "int16",
    "I8": "int8",
    "U8": "uint8",
    "U16": "uint16",
    "U32": "uint32",
    "U64": "uint64",
    "BOOL": "bool",
    "C64": "complex64",
    "F8_E4M3": "float8_e4m3fn",
    "F8_E5M2": "float8_e5m2",
}
EMBEDDING_FORMAT = "rnncli-embedding"
_DEVICE = re.compile(r"^(cuda|mps|xpu|hpu|meta|privateuseone)(:\d+)?$")


def read_checkpoint(path: Union[str, Path], *, mmap: bool = True) -> Checkpoint:
    """Read ``path`` as data: its tensors (on the CPU), where they were, what else it holds.

    ``mmap`` maps zip and safetensors files instead of reading them, so a multi-GB checkpoint
    costs little memory until its tensors are touched.
    """
    path = Path(path)
    check_readable(path, "FILE")
    if not path.is_file():  # a FIFO or a device would block or never end
        raise unreadable(path, "not a regular file", "FILE")
    try:
        fmt = sniff(path)
    except OSError as exc:
        raise open_error(path, exc, "FILE") from None
    try:
        if fmt == "safetensors":
            checkpoint = _read_safetensors(path, mmap)
        elif fmt == "torchscript":
            checkpoint = _read_torchscript(path, mmap)
        else:
            checkpoint = _read_pickled(path, fmt, mmap)
        # plain tensors, not Parameters: a view, never a copy (a memory map stays a memory map)
        checkpoint.tensors = {k: t.detach() for k, t in checkpoint.tensors.items()}
        return checkpoint
    except RnncliError:
        raise
    except (Exception, RecursionError) as exc:  # corrupt data deep inside torch or zipfile
        raise RnncliError(f"cannot read {path} as {FORMAT_WORDS[fmt]}: {_reason(exc)}") from None


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def _refusal(exc: BaseException) -> str:
    """The global torch's weights-only unpickler refused, in a few words."""
    match = re.search(r"(?:Unsupported global: GLOBAL|unsupported GLOBAL) ([\w.]+)", str(exc))
    if match:
        return f"it names {match.group(1)}"
    match = re.search(r"Unsupported operand (\d+)", str(exc))
    return f"unsupported pickle operand {match.group(1)}" if match else _reason(exc)


def _read_pickled(path: Path, fmt: str, mmap: bool) -> Checkpoint:
    import torch

    use_mmap = mmap and fmt == "torch-zip"
    notes: list[str] = []
    info: UnpickleInfo | None = None
    try:
        if not trusted_weights_only(torch.__version__):
            raise _OldTorch(f"torch {torch.__version__} < 2.6, whose weights_only has known flaws")
        with warnings.catch_warnings():
            # torch warns about every pickle protocol above 2; it reads them all the same.
            warnings.filterwarnings("ignore", message="Detected pickle protocol")
            obj = torch.load(path, map_location="cpu", weights_only=True, mmap=use_mmap)
        notes.append(
            "read with torch.load(weights_only=True"
            + (", mmap=True" if use_mmap else "")
            + "): only tensors and plain containers were unpickled"
        )
    except _OldTorch as exc:
        obj, info = _restricted(path, fmt, mmap)
        notes.append(f"torch.load(weights_only=True) not used: {exc}")
    except (pickle.UnpicklingError, RuntimeError, AttributeError, TypeError, ValueError) as exc:
        refused = _refusal(exc)
        obj, info = _restricted(path, fmt, mmap)
        notes.append(f"torch.load(weights_only=True) refused it ({refused})")
    size = path.stat().st_size
    # The restricted unpickler saw every storage's location; torch.load says nothing of them.
    locations = sorted(info.locations if info is not None else _saved_locations(path, fmt))
    devices = [loc for loc in locations if _DEVICE.match(loc)]
    if devices:
        notes.append(f"tensors saved on {', '.join(devices)}; all mapped to the CPU")
    if isinstance(obj, Mapping) and obj.get("format") == EMBEDDING_FORMAT:
        read_with = "weights_only" if info is None else "restricted-unpickler"
        return _embedding(path, size, obj, notes, read_with)
    found = find_state_dict(obj)
    if info is not None:
        what = "a whole pickled model" if found is not None and found.whole_model else "data"
        where = (
            f" (at {'.'.join(str(step) for step in found.path)})"
            if found and found.whole_model and found.path
            else ""
        )
        notes.append(
            f"{what}{where}: read with a restricted unpickler; no code from the file was "
            "imported or run"
        )
        if info.placeholders:
            notes.append(
                "classes named in it (kept as inert placeholders, never imported): "
                + ", ".join(info.placeholders)
            )
        if info.dangerous:
            notes.append(
                "WARNING: the file names globals that would run code if loaded naively "
                f"(pickle.load, torch.load(weights_only=False)): {', '.join(info.dangerous)}"
            )
    checkpoint = Checkpoint(path, fmt, size, {}, notes=notes)
    checkpoint.read_with = "weights_only" if info is None else "restricted-unpickler"
    if info is not None:
        checkpoint.placeholders, checkpoint.dangerous = info.placeholders, info.dangerous
    if found is None:
        notes.append("no tensors named by strings found: the file holds no state dict")
        checkpoint.other_entries = (
            {str(k): summarise(v) for k, v in obj.items()}
            if isinstance(obj, Mapping)
            else {"": summarise(obj)}
        )
        return checkpoint
    checkpoint.tensors = found.tensors
    checkpoint.state_dict_path = found.path
    checkpoint.other_entries = found.other_entries
    checkpoint.modules = found.modules
    return checkpoint


class _OldTorch(Exception):
    """This torch's weights_only loader is not trusted (CVE-2025-32434 and earlier flaws)."""


def trusted_weights_only(version: str) -> bool:
    """torch 2.6 or later: ``weights_only=True`` without the legacy-format flaw fixed in 2.6."""
    match = re.match(r"(\d+)\.(\d+)", str(version))
    return bool(match) and (int(match.group(1)), int(match.group(2))) >= (2, 6)


def _restricted(path: Path, fmt: str, mmap: bool) -> tuple[Any, UnpickleInfo]:
    try:
        return load_zip(path, mmap=mmap) if fmt == "torch-zip" else load_legacy(path)
    except RnncliError as inner:
        raise RnncliError(f"cannot read {path} as {FORMAT_WORDS[fmt]}: {inner}") from None


def _saved_locations(path: Path, fmt: str) -> set[str]:
    """Device strings in the pickle (``cuda:0``), read by pickletools without unpickling."""
    found: set[str] = set()

    def scan(data: Any) -> None:
        for opcode, arg, _ in pickletools.genops(data):
            if opcode.name in ("BINUNICODE", "SHORT_BINUNICODE", "UNICODE", "SHORT_BINSTRING"):
                text = arg.decode("latin-1") if isinstance(arg, bytes) else str(arg)
                if _DEVICE.match(text):
                    found.add(text)

    try:
        if fmt == "torch-zip":
            with zipfile.ZipFile(path) as zf:
                name = next(n for n in zf.namelist() if n.endswith("data.pkl"))
                scan(zf.read(name))
        else:
            with open(path, "rb") as f:
                for _ in range(4):  # magic, protocol, sys_info, the object
                    scan(f)
    except Exception:  # the notes are a courtesy; the read itself reports real errors
        pass
    return found


def _embedding(
    path: Path, size: int, data: Mapping, notes: list[str], read_with: str
) -> Checkpoint:
    """rnncli's own ``embed --out`` file, already unpickled."""
    import torch

    weight = data.get("weight")
    if not isinstance(weight, torch.Tensor) or weight.dim() != 2:
        raise RnncliError(f"{path} is an rnncli embedding file without a 2-D weight")
    rows, dim = (int(n) for n in weight.shape)
    notes.append(
        f"rnncli's own `embed --out` file: the weight of nn.Embedding({rows}, {dim}) "
        "and its vocabulary"
    )
    others: dict[str, Scalar] = {str(k): summarise(v) for k, v in data.items() if k != "weight"}
    record = ModuleRecord(
        "torch.nn.modules.sparse.Embedding", {"num_embeddings": rows, "embedding_dim": dim}
    )
    return Checkpoint(
        path,
        EMBEDDING_FORMAT,
        size,
        {"weight": weight},
        other_entries=others,
        modules={"": record},
        notes=notes,
        read_with=read_with,
    )


def _read_torchscript(path: Path, mmap: bool) -> Checkpoint:
    """Never ``torch.jit.load``: that compiles the archive's code and runs its ``__setstate__``."""
    try:
        archive = read_script_archive(path, SCRIPT_ATTRIBUTES, mmap=mmap)
    except RnncliError as inner:
        raise RnncliError(f"cannot read {path} as {FORMAT_WORDS['torchscript']}: {inner}") from None
    info = archive.info
    notes = [
        "a TorchScript archive: its data.pkl read with rnncli's restricted unpickler, its class "
        "declarations read as text; no code from the archive was compiled or run (no "
        "__setstate__, no forward)",
        *archive.notes,
    ]
    devices = sorted(loc for loc in info.locations if _DEVICE.match(loc))
    if devices:
        notes.append(f"tensors saved on {', '.join(devices)}; all mapped to the CPU")
    # TorchScript's own classes and list tags are expected; anything else the file names is not
    unexpected = [
        g for g in info.placeholders if not g.startswith(("__torch__.", "torch.jit._pickle."))
    ]
    if unexpected:
        notes.append(
            "globals named in it (kept as inert placeholders, never imported): "
            + ", ".join(unexpected)
        )
    if info.dangerous:
        notes.append(
            "WARNING: the archive names globals that would run code if loaded naively: "
            + ", ".join(info.dangerous)
        )
    size = path.stat().st_size
    return Checkpoint(
        path,
        "torchscript",
        size,
        archive.tensors,
        modules=archive.modules,
        notes=notes,
        read_with="restricted-unpickler",
        placeholders=unexpected,
        dangerous=info.dangerous,
    )


def _read_safetensors(path: Path, mmap: bool) -> Checkpoint:
    import torch
    from safetensors import safe_open

    size = path.stat().st_size
    with open(path, "rb") as f:
        length = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(length).decode("utf-8"))
    if not isinstance(header, dict):
        raise RnncliError(f"{path}: the safetensors header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    base = 8 + length
    whole = torch.from_file(str(path), shared=False, size=size, dtype=torch.uint8) if mmap else None
    tensors: dict[str, Any] = {}
    with safe_open(str(path), framework="pt", device="cpu") as st:
        names = set(st.keys())
        for name, entry in header.items():
            if name not in names:
                continue
            dtype_name = SAFETENSORS_DTYPES.get(str(entry.get("dtype")))
            dtype = getattr(torch, dtype_name, None) if dtype_name else None
            begin, end = entry["data_offsets"]
            shape = [int(n) for n in entry["shape"]]
            itemsize = torch.empty((), dtype=dtype).element_size() if dtype else 0
            if whole is not None and dtype is not None and (base + begin) % itemsize == 0:
                tensors[name] = whole[base + begin : base + end].view(dtype).reshape(shape)
            else:
                tensors[name] = st.get_tensor(name)
    others: dict[str, Scalar] = {f"metadata.{k}": summarise(v) for k, v in metadata.items()}
    notes = [
        "a safetensors file: JSON header and raw tensors"
        + (", memory-mapped" if mmap else "")
        + "; nothing in it is executed"
    ]
    return Checkpoint(
        path,
        "safetensors",
        size,
        tensors,
        other_entries=others,
        notes=notes,
        read_with="safetensors",
    )
