"""The ``.npy`` file format, read without numpy: a word lookup must not pay numpy's import.

numpy's own readers (``numpy.load(mmap_mode="r")``, ``numpy.lib.format.open_memmap``) cost the
import of numpy, 0.11 s of CPU, as much as a whole warm ``rnncli glove vector`` process
(``benchmarks/glove_formats.py``): :class:`NpyMap` parses the header itself and reads single
values and rows through :mod:`struct`, and hands numpy a view of the same map when a vectorised
query needs one. :func:`npy_header` writes the fixed-size header that lets a writer stream rows
first and fill in the row count at the end; it is the very header ``numpy.save`` writes for
such shapes (a test compares them).
"""

from __future__ import annotations

import ast
import contextlib
import mmap
import struct
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

NPY_HEADER_BYTES = 128
_NPY_MAGIC = b"\x93NUMPY"
_STRUCT_CODES = {"f4": "f", "f8": "d", "i4": "i", "i8": "q", "u4": "I", "u8": "Q"}
_BYTE_ORDERS = {"<": "<", ">": ">", "=": "=", "|": "="}


def npy_header(shape: tuple[int, ...]) -> bytes:
    """A version 1.0 ``.npy`` header for little-endian float32 C-order data, exactly 128 bytes.

    Fixed size so the row count can be filled in after streaming the rows.
    """
    text = f"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape!r}, }}"
    pad = NPY_HEADER_BYTES - 10 - len(text) - 1
    if pad < 0:  # pragma: no cover - shapes beyond 10**30 rows
        raise ValueError("shape too large for the fixed header")
    text = text + " " * pad + "\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text.encode("latin1")


class NpyMap:
    """A ``.npy`` file memory-mapped and read without numpy.

    The header (magic, version, the ``descr``/``fortran_order``/``shape`` dict) is parsed here
    and single values or rows come out through :mod:`struct`, so a word lookup touches a few
    pages and never pays numpy's import. :meth:`array` gives the numpy view of the same map for
    the vectorised queries. A file it cannot read raises ValueError.
    """

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as fh:
            self.mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        mm = self.mm
        if mm[:6] != _NPY_MAGIC or len(mm) < 10:
            raise ValueError(f"{path.name} is not a .npy file")
        major = mm[6]
        if major == 1:
            hlen, start = int.from_bytes(mm[8:10], "little"), 10
        elif major in (2, 3):
            hlen, start = int.from_bytes(mm[8:12], "little"), 12
        else:
            raise ValueError(f"{path.name}: unsupported .npy version {major}")
        text = mm[start : start + hlen].decode("utf-8" if major == 3 else "latin1")
        try:
            header = ast.literal_eval(text)
        except (ValueError, SyntaxError) as exc:
            raise ValueError(f"{path.name}: unreadable .npy header") from exc
        if not isinstance(header, dict) or set(header) != {"descr", "fortran_order", "shape"}:
            raise ValueError(f"{path.name}: unexpected .npy header {text.strip()!r}")
        descr, shape = header["descr"], header["shape"]
        if (
            not isinstance(descr, str)
            or descr[:1] not in _BYTE_ORDERS
            or descr[1:] not in _STRUCT_CODES
        ):
            raise ValueError(f"{path.name}: unsupported dtype {descr!r}")
        if not isinstance(shape, tuple) or not all(isinstance(n, int) and n >= 0 for n in shape):
            raise ValueError(f"{path.name}: bad shape {shape!r}")
        if header["fortran_order"] is not False and len(shape) > 1:
            raise ValueError(f"{path.name}: Fortran order is not supported")
        self.descr: str = descr
        self.kind: str = descr[1:]  #: "f4", "i8"... byte order aside
        self.shape: tuple[int, ...] = shape
        self.offset = start + hlen
        self.itemsize = int(descr[2:])
        size = 1
        for n in shape:
            size *= n
        self.size = size
        if len(mm) - self.offset != size * self.itemsize:
            raise ValueError(
                f"{path.name} holds {len(mm) - self.offset} bytes of data, "
                f"expected {size * self.itemsize} for shape {shape}"
            )
        order, code = _BYTE_ORDERS[descr[0]], _STRUCT_CODES[self.kind]
        self._one = struct.Struct(order + code)
        row = shape[-1] if len(shape) > 1 else 1
        self._row = struct.Struct(f"{order}{row}{code}")

    def __len__(self) -> int:
        return self.shape[0] if self.shape else 1

    def __getitem__(self, i: int) -> Any:
        """Value ``i`` of a 1-D array (negative counts from the end)."""
        n = self.size
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        return self._one.unpack_from(self.mm, self.offset + i * self.itemsize)[0]

    def row(self, i: int) -> tuple[Any, ...]:
        """Row ``i`` of a 2-D array as Python numbers (float32 values are exact in a float)."""
        if not 0 <= i < self.shape[0]:
            raise IndexError(i)
        return self._row.unpack_from(self.mm, self.offset + i * self._row.size)

    def array(self) -> np.ndarray:
        """The numpy view of the map (read-only, no copy)."""
        import numpy as np

        return np.frombuffer(
            self.mm, dtype=self.descr, count=self.size, offset=self.offset
        ).reshape(self.shape)

    def close(self) -> None:
        with contextlib.suppress(Exception):  # BufferError while a numpy view is alive
            self.mm.close()
