"""A cached set is used only when its files are the ones its ``meta.json`` describes.

At load, each file's size is checked against ``meta.json``, and a file whose mtime changed
(edited, or copied) is checked in full against its CRC-32 once, then remembered; the arrays'
shapes and dtypes must agree with ``dim`` and ``count``. Damage gives an
:class:`~rnncli.errors.RnncliError` that tells the user to fetch the set again, never wrong
vectors. A cache written by another format version is refused the same way.
"""

from __future__ import annotations

import contextlib
import json
import zlib
from pathlib import Path
from typing import Any

from rnncli.errors import RnncliError
from rnncli.glove.npy_file import NpyMap
from rnncli.glove.set_layout import FILES, FORMAT_VERSION, fetch_hint


class SwappedWhileReading(Exception):
    """A concurrent import replaced the folder while it was read: read it again."""


def damaged(name: str, path: Path, why: str) -> RnncliError:
    """The error for a set that cannot be trusted, with the command that rebuilds it."""
    return RnncliError(
        f"the cached GloVe set {name} is damaged ({why}, in {path}); "
        f"{fetch_hint(name, path.parent.parent)} again to rebuild it"
    )


def file_crc(path: Path) -> int:
    """CRC-32 of a whole file, read in 4 MB blocks."""
    crc = 0
    with open(path, "rb") as fh:
        while True:
            data = fh.read(4 << 20)
            if not data:
                return crc
            crc = zlib.crc32(data, crc)


def _gf2_times(matrix: list[int], vector: int) -> int:
    total = 0
    i = 0
    while vector:
        if vector & 1:
            total ^= matrix[i]
        vector >>= 1
        i += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, row) for row in matrix]


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """CRC-32 of ``a + b`` from ``crc32(a)``, ``crc32(b)`` and ``len(b)`` (zlib's
    ``crc32_combine``, which Python does not expose): workers checksum their parts of a file,
    and nobody reads the whole file again."""
    if length2 <= 0:
        return crc1
    operator = [0xEDB88320] + [1 << n for n in range(31)]  # appends one zero bit
    for _ in range(3):
        operator = _gf2_square(operator)  # 2, 4, then 8 bits: one zero byte
    while True:  # square-and-multiply over the bits of length2 (bytes of zeros)
        if length2 & 1:
            crc1 = _gf2_times(operator, crc1)
        length2 >>= 1
        if not length2:
            break
        operator = _gf2_square(operator)
    return crc1 ^ crc2


def checked_meta(name: str, path: Path) -> tuple[dict[str, Any], bool]:
    """``meta.json`` of the set, once every file matches it; and whether mtimes were renewed.

    Raises :class:`SwappedWhileReading` when the folder vanished under the reader.
    """
    meta_path = path / "meta.json"
    if not meta_path.is_file():
        if path.exists():
            raise damaged(name, path, "meta.json is missing")
        root = path.parent.parent
        raise RnncliError(
            f"GloVe set {name} is not in the cache ({root}); {fetch_hint(name, root)} first"
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        files = meta["files"]
        for key in ("dim", "count"):
            int(meta[key])  # present and a number, else the error below
        if meta.get("format") != FORMAT_VERSION or meta.get("name") != name:
            raise ValueError("format or name")
    except (ValueError, KeyError, TypeError, OSError) as exc:
        raise damaged(name, path, f"meta.json is unreadable: {exc}") from None
    refresh = False
    for fname in FILES:
        try:
            st = (path / fname).stat()
            info = files[fname]
            if st.st_size != info["size"]:
                raise damaged(
                    name, path, f"{fname} has {st.st_size} bytes, expected {info['size']}"
                )
        except FileNotFoundError:
            if not meta_path.exists():
                raise SwappedWhileReading() from None
            raise damaged(name, path, f"{fname} is missing") from None
        except (KeyError, TypeError):
            raise damaged(name, path, f"meta.json lacks {fname}") from None
        if st.st_mtime_ns != info.get("mtime_ns"):
            # Modified since the import (or copied): check the content in full once.
            if file_crc(path / fname) != info.get("crc32"):
                raise damaged(name, path, f"{fname} was modified after the import")
            info["mtime_ns"] = st.st_mtime_ns
            refresh = True
    return meta, refresh


def check_arrays(name: str, path: Path, meta: dict[str, Any], maps: dict[str, NpyMap]) -> None:
    """The arrays' shapes and dtypes agree with ``meta.json`` and with each other."""
    dim, count = int(meta["dim"]), int(meta["count"])
    expected = {
        "vectors.npy": ((count, dim), "f4"),
        "norms.npy": ((count,), "f4"),
        "offsets.npy": ((count + 1,), "i8"),
    }
    for fname, (shape, kind) in expected.items():
        m = maps[fname]
        if m.shape != shape or m.kind != kind:
            raise damaged(
                name, path, f"{fname} has shape {m.shape} ({m.descr}), expected {shape} ({kind})"
            )
    table = maps["table.npy"]
    size = table.size
    if len(table.shape) != 1 or table.kind not in ("i4", "i8") or size < count or size & (size - 1):
        raise damaged(name, path, "table.npy has the wrong size")
    if maps["offsets.npy"][count] != meta["files"]["words.bin"]["size"]:
        raise damaged(name, path, "words.bin and offsets.npy disagree")


def verify_files(name: str, path: Path, meta: dict[str, Any]) -> None:
    """Check every file against its CRC-32 in ``meta.json`` (reads everything)."""
    for fname in FILES:
        if file_crc(path / fname) != meta["files"][fname]["crc32"]:
            raise damaged(name, path, f"{fname} does not match its checksum")


def refresh_meta(meta_path: Path, meta: dict[str, Any]) -> None:
    """Remember the new mtimes after a full check, so the next load is fast again."""
    from rnncli.atomic import atomic_write

    with contextlib.suppress(OSError), atomic_write(meta_path) as fh:
        json.dump(meta, fh, ensure_ascii=False, indent=1)
