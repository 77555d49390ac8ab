"""Which kind of file this is, from its first bytes and (for zips) its member names.

The file's extension is never trusted: ``model.pt`` may be a safetensors file, ``model.bin`` a
torch zip. :func:`sniff` returns one of the readable formats (``torch-zip``, ``torchscript``,
``torch-legacy``, ``safetensors``) or raises :class:`~rnncli.errors.RnncliError` saying what
the file looks like instead (empty, text, a truncated zip, HDF5/Keras, ONNX, a plain pickle).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from rnncli.checkpoint.safe_unpickle import LEGACY_MAGIC
from rnncli.errors import RnncliError

ZIP_MAGIC = b"PK\x03\x04"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
#: Bytes read to decide.
HEAD = 4096
#: Strings an ONNX ModelProto carries near its start (producer name, domains, op types).
ONNX_HINTS = (b"onnx", b"pytorch", b"tf2onnx", b"keras2onnx", b"skl2onnx", b"ai.onnx")

NOT_PYTORCH = "it is not a PyTorch checkpoint"
#: A zip that unpacks to this many times its size (and over this many bytes) is refused unread:
#: torch stores its records uncompressed.
MAX_UNPACK_RATIO = 50
MAX_UNPACK_BYTES = 256 << 20


def not_a_checkpoint(path: Path, looks_like: str) -> RnncliError:
    """``PATH is not a model file rnncli can read: it looks like ...``."""
    return RnncliError(f"{path} is not a model file rnncli can read: it looks like {looks_like}")


def _zip_format(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            unpacked = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise not_a_checkpoint(path, "a truncated or damaged zip archive") from None
    size = path.stat().st_size
    if unpacked > MAX_UNPACK_RATIO * size and unpacked > MAX_UNPACK_BYTES:
        raise not_a_checkpoint(
            path, f"a zip bomb ({unpacked} bytes packed into {size}); torch never compresses"
        )
    top = [n.split("/", 1)[1] for n in names if n.count("/") >= 1]
    if "data.pkl" in top and ("constants.pkl" in top or any(t.startswith("code/") for t in top)):
        return "torchscript"
    if "data.pkl" in top:
        return "torch-zip"
    if any(n.endswith("archive_format") or "/models/" in n for n in names):
        return _refuse(
            path,
            "a torch.export program (.pt2); rnncli reads torch.save, TorchScript and "
            "safetensors files",
        )
    if "model.onnx" in names or any(n.endswith(".onnx") for n in names):
        return _refuse(path, f"a zip holding an ONNX model; {NOT_PYTORCH}")
    if any(n.endswith(".h5") or n.endswith(".keras") or n == "config.json" for n in names):
        return _refuse(path, f"a Keras archive (.keras); {NOT_PYTORCH}")
    shown = ", ".join(names[:3]) or "nothing"
    return _refuse(path, f"a zip archive without a data.pkl (holds {shown})")


def _refuse(path: Path, looks_like: str) -> str:
    raise not_a_checkpoint(path, looks_like)


def _is_safetensors(head: bytes, size: int) -> bool:
    if len(head) < 10:
        return False
    length = int.from_bytes(head[:8], "little")
    return 2 <= length <= size - 8 and head[8:9] == b"{"


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # a multi-byte character cut at the end of the head is still text
        try:
            text = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    return all(c.isprintable() or c in "\n\r\t\f" for c in text)


def sniff(path: Path) -> str:
    """The file's format, or an RnncliError saying what it looks like instead."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(HEAD)
    if size == 0:
        raise not_a_checkpoint(path, "an empty file")
    if head.startswith(ZIP_MAGIC):
        return _zip_format(path)
    if head.startswith(LEGACY_MAGIC):
        return "torch-legacy"
    if _is_safetensors(head, size):
        return "safetensors"
    if any(head[offset:].startswith(HDF5_MAGIC) for offset in (0, 512, 1024, 2048)):
        return _refuse(path, f"an HDF5 file (Keras .h5 or similar); {NOT_PYTORCH}")
    if head[:1] == b"\x08" and any(hint in head.lower() for hint in ONNX_HINTS):
        return _refuse(path, f"an ONNX model (protobuf); {NOT_PYTORCH}")
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return _refuse(path, "a plain Python pickle, not written by torch.save")
    if head.startswith(b"\x93NUMPY"):
        return _refuse(path, f"a NumPy .npy array; {NOT_PYTORCH}")
    if head.lstrip()[:1] in (b"{", b"[") and _looks_like_text(head):
        try:
            json.loads(path.read_text(encoding="utf-8")) if size < 1 << 20 else None
            return _refuse(path, "a JSON text file")
        except (UnicodeDecodeError, ValueError):
            pass
    if _looks_like_text(head):
        return _refuse(path, "a text file")
    return _refuse(path, f"binary data of an unknown format ({size} bytes)")
